//! `vbo` end to end, the common mistakes: each gives one error line, a hint, and the
//! documented exit code.

use vbo365::sim::SimConfig;

use super::cli::{failing, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn common_mistakes_give_one_line_a_hint_and_the_documented_exit_code() {
    let s = start(SimConfig::default()).await;
    let item = s.item_args();

    let (code, stderr) = failing(s.vbo().env("VBO_PASSWORD", "wrong").arg("login"));
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.starts_with("error: create_token: the server answered 400"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: check the user name and password"),
        "{stderr}"
    );

    let (code, stderr) = failing(s.vbo().args([
        "item",
        "show",
        "--session",
        &s.session,
        "--mailbox-id",
        &s.mailbox,
        "no-such-item",
    ]));
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("404") && stderr.contains("hint: check the ids"),
        "{stderr}"
    );

    let (code, stderr) = failing(s.vbo().env_remove("VBO_CA_CERT").arg("login"));
    assert_eq!(code, 4, "{stderr}");
    assert!(
        stderr.contains("hint: the server's certificate is not trusted: pass --ca-cert"),
        "{stderr}"
    );

    let (code, stderr) = failing(
        s.vbo()
            .env_remove("VBO_CA_CERT")
            .args(["--insecure", "login"]),
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("TLS certificate verification is OFF"),
        "--insecure warns: {stderr}"
    );

    let (code, stderr) = failing(s.vbo().args(["item", "export-pst"]).args(&item).args([
        "--to",
        "/tmp",
        "--split-at",
        "1MiB",
    ]));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("exportToPst.pstSizeLimitBytes") && stderr.contains("1 GiB"),
        "{stderr}"
    );

    let (code, stderr) = failing(s.vbo().args(["item", "restore"]).args(&item).args([
        "--device-code",
        "C6A9",
        "--exchange-user",
        "jsmith",
    ]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("cannot be used with"), "{stderr}");

    let (code, stderr) = failing(s.vbo().args(["item", "send-to"]).args(&item).args([
        "--from",
        "not-an-address",
        "--to",
        "a@example.com",
    ]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("sendtoDifferentaddress.from"), "{stderr}");

    let (code, stderr) = failing(s.vbo().env_remove("VBO_SERVER").arg("login"));
    assert_eq!(
        (code, stderr.contains("pass --server URL or set VBO_SERVER")),
        (2, true),
        "{stderr}"
    );

    let (code, stderr) = failing(s.vbo().env_remove("VBO_PASSWORD").arg("login"));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("set VBO_PASSWORD, pass --password-stdin"),
        "{stderr}"
    );

    let (code, _) = failing(s.vbo().args(["--password", "secret", "login"]));
    assert_eq!(
        code, 2,
        "there is no option to pass a password as an argument"
    );
    let (_, stderr) = failing(
        s.vbo()
            .env("VBO_PASSWORD", "wr0ng-Pw")
            .args(["-vvv", "login"]),
    );
    assert!(
        stderr.contains("TRACE"),
        "-vvv logs at trace level: {stderr}"
    );
    assert!(
        !stderr.contains("wr0ng-Pw"),
        "secrets stay out of logs: {stderr}"
    );
}
