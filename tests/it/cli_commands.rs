//! `vbo` end to end, the commands that read and the login: every command in both output
//! formats, restore sessions, tokens, and `vbo sim` itself.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;
use vbo365::sim::SimConfig;

use super::cli::{failing, json_of, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_commands_in_both_formats() {
    let s = start(SimConfig::default()).await;
    let orgs = s.json(&["org", "list"]);
    assert_eq!(orgs[0]["id"], s.sim.catalog().organization_id.to_string());
    assert!(s.table(&["org", "list"]).starts_with("ID"));

    let sessions = s.json(&["session", "list"]);
    assert_eq!(
        sessions.as_array().unwrap().len(),
        s.sim.catalog().sessions.len()
    );
    assert!(s.table(&["session", "list"]).contains(&s.session));
    assert_eq!(s.json(&["session", "show", &s.session])["state"], "Working");

    let mailboxes = s.json(&["mailbox", "list", "--session", &s.session]);
    assert_eq!(
        mailboxes.as_array().unwrap().len(),
        s.sim.catalog().mailboxes.len()
    );
    assert!(
        s.table(&["mailbox", "list", "--session", &s.session])
            .contains("EMAIL")
    );

    let folders = s.json(&[
        "folder",
        "list",
        "--session",
        &s.session,
        "--mailbox-id",
        &s.mailbox,
    ]);
    assert!(!folders.as_array().unwrap().is_empty());
    let folder = folders[0]["id"].as_str().unwrap().to_string();
    let table = s.table(&[
        "folder",
        "list",
        "--session",
        &s.session,
        "--mailbox-id",
        &s.mailbox,
    ]);
    assert!(table.contains(&folder));

    // Paging is handled: the first mailbox holds more items than one page of 30.
    let items = s.json(&[
        "item",
        "list",
        "--session",
        &s.session,
        "--mailbox-id",
        &s.mailbox,
    ]);
    let expected = s.sim.catalog().mailboxes[0].items.len();
    assert!(expected > 30);
    assert_eq!(items.as_array().unwrap().len(), expected);
    let in_folder = s.json(&[
        "item",
        "list",
        "--session",
        &s.session,
        "--mailbox-id",
        &s.mailbox,
        "--folder",
        &folder,
    ]);
    assert!(in_folder.as_array().unwrap().len() < expected);
    let table = s.table(&[
        "item",
        "list",
        "--session",
        &s.session,
        "--mailbox-id",
        &s.mailbox,
    ]);
    assert_eq!(
        table.lines().count(),
        expected + 1,
        "a header and one line per item"
    );

    let mut show = vec!["item", "show"];
    let args = s.item_args();
    show.extend(args.iter().map(String::as_str));
    assert_eq!(s.json(&show)["id"], s.item);
    assert!(s.table(&show).contains(&s.item));

    let code = s.json(&[
        "device-code",
        "--session",
        &s.session,
        "--org-name",
        "westsupport.onmicrosoft.com",
        "--region",
        "worldwide",
    ]);
    assert!(code["userCode"].as_str().is_some_and(|c| !c.is_empty()));
    assert!(
        !s.table(&["device-code", "--session", &s.session])
            .trim()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_sessions_and_tokens() {
    let s = start(SimConfig::default()).await;
    let login = s.json(&["login"]);
    assert_eq!(login["expires_in"], 3600);
    assert!(login["saved_to"].is_null());
    assert!(s.table(&["login"]).contains("not saved"));

    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token.json");
    s.table(&["login", "--save-token", token_file.to_str().unwrap()]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&token_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "only the owner may read the token");
    }
    // With the token file, no password is needed.
    let with_token = || {
        let mut cmd = s.vbo();
        cmd.env_remove("VBO_PASSWORD")
            .env_remove("VBO_USER")
            .arg("--token-file")
            .arg(&token_file)
            .args(["session", "list"]);
        cmd
    };
    let output = with_token().output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Once the server expires the tokens, the saved refresh token renews the session, and the
    // file is rewritten with the new one (the simulator's refresh tokens are single-use), so
    // the next run renews again. A file with a dead refresh token fails with a hint.
    for _ in 0..2 {
        s.sim.expire_access_tokens();
        let renewed = with_token().output().unwrap();
        assert!(
            renewed.status.success(),
            "{}",
            String::from_utf8_lossy(&renewed.stderr)
        );
    }
    let mut saved: Value = serde_json::from_slice(&std::fs::read(&token_file).unwrap()).unwrap();
    saved["refresh_token"] = "used-up".into();
    std::fs::write(&token_file, saved.to_string()).unwrap();
    s.sim.expire_access_tokens();
    let (code, stderr) = failing(&mut with_token());
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("run `vbo login --save-token FILE` again"),
        "{stderr}"
    );

    // The password can come from stdin instead of the environment.
    let output = s
        .vbo()
        .env_remove("VBO_PASSWORD")
        .args(["--password-stdin", "login"])
        .write_stdin(format!("{}\n", s.sim.password().expose()))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let org = s.sim.catalog().organization_id.to_string();
    let created = s.json(&[
        "session",
        "create",
        "--org",
        &org,
        "--at",
        "2020-03-02T10:00:00Z",
        "--show-deleted",
    ]);
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["state"], "Working");
    assert_eq!(s.json(&["session", "stop", &id])["state"], "Stopped");
    assert!(
        s.table(&["session", "stop", &id])
            .contains("stopped session")
    );
    assert_eq!(s.json(&["session", "show", &id])["state"], "Stopped");
    // An action on a stopped session is refused by the server, with a hint.
    let (code, stderr) = failing(s.vbo().args([
        "item",
        "send",
        "--session",
        &id,
        "--mailbox-id",
        &s.mailbox,
        &s.item,
    ]));
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("hint:"), "{stderr}");
}

#[test]
fn vbo_sim_prints_where_it_listens_and_how_to_trust_its_ca() {
    use std::io::BufRead as _;
    let mut sim = std::process::Command::new(assert_cmd::cargo::cargo_bin("vbo"))
        .args([
            "-o",
            "json",
            "sim",
            "--port",
            "0",
            "--seed",
            "7",
            "--token-lifetime",
            "60",
            "--pst-size",
            "2MiB",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(sim.stdout.take().unwrap()).lines();
    let mut text = String::new();
    let started: Value = loop {
        text.push_str(&lines.next().expect("vbo sim printed its address").unwrap());
        if let Ok(value) = serde_json::from_str(&text) {
            break value;
        }
    };
    let url = started["url"].as_str().unwrap();
    let ca = started["ca_cert"]
        .as_str()
        .expect("TLS is on by default, with a CA file");
    assert!(url.starts_with("https://127.0.0.1:"), "{started}");
    let login = Command::cargo_bin("vbo")
        .unwrap()
        .env("VBO_API_VERSION", "v4")
        .args([
            "--server",
            url,
            "--ca-cert",
            ca,
            "--user",
            started["username"].as_str().unwrap(),
            "-o",
            "json",
            "login",
        ])
        .env("VBO_PASSWORD", started["password"].as_str().unwrap())
        .output()
        .unwrap();
    assert!(
        login.status.success(),
        "{}",
        String::from_utf8_lossy(&login.stderr)
    );
    let token: Value = serde_json::from_slice(&login.stdout).unwrap();
    assert_eq!(
        token["expires_in"], 60,
        "the token lifetime option reached the simulator"
    );
    std::process::Command::new("kill")
        .args(["-INT", &sim.id().to_string()])
        .status()
        .unwrap();
    assert!(
        sim.wait().unwrap().success(),
        "Ctrl-C stops the simulator cleanly"
    );
    assert!(
        !Path::new(ca).exists(),
        "the temporary CA directory is removed at shutdown"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_creates_a_session_without_naming_its_organization() {
    let s = start(SimConfig::default()).await;
    // An administrator must name the organization: refused before the login (a wrong
    // password would otherwise be exit 3).
    let (code, stderr) = failing(
        s.vbo()
            .env("VBO_PASSWORD", "wrong")
            .args(["session", "create"]),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no organization given"), "{stderr}");
    assert!(stderr.contains("--tenant"), "{stderr}");

    let tenant = |cmd: &mut assert_cmd::Command| {
        cmd.env("VBO_USER", s.sim.tenant_username())
            .env("VBO_PASSWORD", s.sim.tenant_password().expose())
            .arg("--tenant");
    };
    let mut orgs = s.vbo();
    tenant(&mut orgs);
    let orgs = json_of(orgs.args(["-o", "json", "org", "list"]));
    assert_eq!(orgs.as_array().unwrap().len(), 1);
    assert_eq!(orgs[0]["id"], s.sim.catalog().organization_id.to_string());

    let mut create = s.vbo();
    tenant(&mut create);
    let created = json_of(create.args(["-o", "json", "session", "create"]));
    assert_eq!(created["state"], "Working");

    // A saved tenant token stays a tenant's: no --tenant needed with the file.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tenant.json");
    let mut login = s.vbo();
    tenant(&mut login);
    json_of(
        login
            .args(["-o", "json", "login", "--save-token"])
            .arg(&file),
    );
    let saved: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(saved["login"], "tenant");
    json_of(
        s.vbo()
            .env_remove("VBO_PASSWORD")
            .arg("--token-file")
            .arg(&file)
            .args(["-o", "json", "session", "create"]),
    );

    // The tenant's account is not an administrator's: as one it is refused by the server.
    let (code, stderr) = failing(
        s.vbo()
            .env("VBO_USER", s.sim.tenant_username())
            .env("VBO_PASSWORD", s.sim.password().expose())
            .args(["org", "list"]),
    );
    assert_eq!(code, 3, "{stderr}");
}
