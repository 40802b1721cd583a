//! `vbo` end to end: the real binary against the embedded simulator over HTTPS, every command
//! in both output formats, the exit codes and error lines of the common mistakes, the progress
//! bar on a terminal (and not in a pipe), and the pinned `--help`.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;
use vbo365::sim::{RunningSimulator, SimConfig, Simulator};

struct Sim {
    sim: RunningSimulator,
    session: String,
    mailbox: String,
    other_email: String,
    item: String,
}

async fn start(config: SimConfig) -> Sim {
    let sim = Simulator::start(config)
        .await
        .expect("the simulator starts");
    let catalog = sim.catalog();
    let session = catalog
        .sessions
        .iter()
        .find(|s| s.ended.is_none())
        .expect("a working session")
        .id
        .to_string();
    let first = &catalog.mailboxes[0];
    let other = catalog
        .mailboxes
        .iter()
        .find(|m| !m.is_archive && m.id != first.id)
        .expect("a second mailbox");
    let item = first.items[0].id.clone();
    Sim {
        session,
        mailbox: first.id.to_string(),
        other_email: other.email.clone(),
        item,
        sim,
    }
}

impl Sim {
    /// `vbo` with the simulator's address, CA and account in its environment.
    fn vbo(&self) -> Command {
        let mut cmd = Command::cargo_bin("vbo").unwrap();
        for (key, _) in std::env::vars() {
            if key.starts_with("VBO_") {
                cmd.env_remove(key);
            }
        }
        cmd.envs(self.env()).env("NO_COLOR", "1");
        cmd
    }

    /// The simulator's address, CA and account, as `vbo` reads them from the environment.
    fn env(&self) -> [(&'static str, String); 4] {
        [
            ("VBO_SERVER", self.sim.base_url().to_string()),
            (
                "VBO_CA_CERT",
                self.sim.ca_cert_path().unwrap().display().to_string(),
            ),
            ("VBO_USER", self.sim.username().to_string()),
            ("VBO_PASSWORD", self.sim.password().expose().to_string()),
        ]
    }

    fn item_args(&self) -> Vec<String> {
        vec![
            "--session".into(),
            self.session.clone(),
            "--mailbox-id".into(),
            self.mailbox.clone(),
            self.item.clone(),
        ]
    }

    fn json(&self, args: &[&str]) -> Value {
        let output = self.vbo().args(["-o", "json"]).args(args).output().unwrap();
        assert!(
            output.status.success(),
            "vbo {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("vbo {args:?} printed no JSON ({e})"))
    }

    fn table(&self, args: &[&str]) -> String {
        let output = self.vbo().args(args).output().unwrap();
        assert!(
            output.status.success(),
            "vbo {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }
}

/// Runs `vbo` and returns (exit code, stderr).
fn failing(cmd: &mut Command) -> (i32, String) {
    let output = cmd.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).to_string(),
    )
}

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
async fn the_six_actions_and_the_vex_settings() {
    let s = start(SimConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let item = s.item_args();
    let with = |cmd: &[&str], extra: &[&str]| -> Vec<String> {
        cmd.iter()
            .map(|a| a.to_string())
            .chain(item.iter().cloned())
            .chain(extra.iter().map(|a| a.to_string()))
            .collect()
    };
    let json = |args: Vec<String>| s.json(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let table = |args: Vec<String>| s.table(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let dir_arg = dir.path().to_str().unwrap();

    let export = json(with(&["item", "export-pst"], &["--to", dir_arg]));
    assert_eq!(
        (export["result"].as_str(), export["file"]["kind"].as_str()),
        (Some("saved"), Some("pst"))
    );
    let path = export["file"]["path"].as_str().unwrap();
    assert_eq!(std::fs::read(path).unwrap()[..4], *b"!BDN");
    assert!(table(with(&["item", "export-pst"], &["--to", dir_arg])).starts_with("saved "));

    let msg_path = dir.path().join("item.msg");
    let msg = json(with(
        &["item", "save-msg"],
        &["--to", msg_path.to_str().unwrap()],
    ));
    assert_eq!(msg["file"]["kind"], "msg");
    assert_eq!(
        std::fs::read(&msg_path).unwrap()[..8],
        [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]
    );
    // An existing file is not replaced without --force, and the refusal comes before sending.
    let (code, stderr) = failing(s.vbo().args(with(
        &["item", "save-msg"],
        &["--to", msg_path.to_str().unwrap()],
    )));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("already exists"), "{stderr}");
    assert!(
        table(with(
            &["item", "save-msg"],
            &["--to", msg_path.to_str().unwrap(), "--force"]
        ))
        .contains("msg")
    );

    let restore = json(with(&["item", "restore"], &["--device-code", "C6A9DB737"]));
    assert_eq!(restore["statistics"]["createdItemsCount"], 1);
    let again = s
        .vbo()
        .args(with(&["item", "restore"], &["--exchange-user", "jsmith"]))
        .env("VBO_EXCHANGE_PASSWORD", "paSSw0rd")
        .output()
        .unwrap();
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(String::from_utf8_lossy(&again.stdout).contains("skipped 1"));

    let pfx = dir.path().join("app.pfx");
    std::fs::write(&pfx, b"0\x82 a pfx file").unwrap();
    let restore_to = s
        .vbo()
        .args(["-o", "json"])
        .args(with(
            &["item", "restore-to"],
            &[
                "--mailbox",
                &s.other_email,
                "--folder",
                "Recovered",
                "--mark-unread",
            ],
        ))
        .args([
            "--app-id",
            "8c6f3a4e-2b1d-4c5e-9f7a-1b2c3d4e5f60",
            "--app-cert",
            pfx.to_str().unwrap(),
        ])
        .env("VBO_APP_CERT_PASSWORD", "pfx-pw")
        .output()
        .unwrap();
    assert!(
        restore_to.status.success(),
        "{}",
        String::from_utf8_lossy(&restore_to.stderr)
    );
    let restore_to: Value = serde_json::from_slice(&restore_to.stdout).unwrap();
    assert_eq!(restore_to["statistics"]["createdItemsCount"], 1);
    let contents = s.sim.mailbox_contents(&s.other_email).unwrap();
    assert!(
        contents.iter().any(|r| r.folder == "Recovered" && r.unread),
        "{contents:?}"
    );

    // Sends fail clearly until the VEX settings are configured.
    let (code, stderr) = failing(s.vbo().args(with(&["item", "send"], &[])));
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("VEX") || stderr.contains("VEXEmailSettings"),
        "{stderr}"
    );
    let set = s.json(&[
        "vex",
        "set",
        "--enable",
        "true",
        "--smtp-server",
        "smtp.example.com",
        "--port",
        "587",
        "--use-ssl",
        "true",
        "--from",
        "vbo@example.com",
    ]);
    assert_eq!(set["updated"], true);
    assert_eq!(s.json(&["vex", "show"])["server"], "smtp.example.com");
    assert!(s.table(&["vex", "show"]).contains("smtp.example.com"));

    assert_eq!(json(with(&["item", "send"], &[]))["result"], "sent");
    let sent = table(with(
        &["item", "send-to"],
        &[
            "--from",
            "vbo@example.com",
            "--to",
            "auditor@example.com",
            "--subject",
            "For you",
        ],
    ));
    assert_eq!(sent.trim(), "sent");
    let outbox = s.sim.outbox();
    assert_eq!(outbox.len(), 2);
    assert_eq!(
        (outbox[1].to.as_str(), outbox[1].subject.as_str()),
        ("auditor@example.com", "For you")
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_runs_report_every_item_and_fail_when_one_fails() {
    let s = start(SimConfig::default()).await;
    let items: Vec<String> = s.sim.catalog().mailboxes[0]
        .items
        .iter()
        .take(4)
        .map(|i| i.id.clone())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let ids_file = dir.path().join("ids.txt");
    std::fs::write(
        &ids_file,
        format!("# items to save\n{}\n\n", items.join("\n")),
    )
    .unwrap();
    let out_dir = dir.path().join("msgs");
    std::fs::create_dir(&out_dir).unwrap();
    let report = s.json(&[
        "bulk",
        "--session",
        &s.session,
        "--mailbox-id",
        &s.mailbox,
        "--ids",
        ids_file.to_str().unwrap(),
        "--concurrency",
        "3",
        "save-msg",
        "--to",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(
        (report["succeeded"].as_u64(), report["failed"].as_u64()),
        (Some(4), Some(0))
    );
    assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), 4);

    // From stdin, with one unknown item: every other item still runs, and the exit code says 4xx.
    let output = s
        .vbo()
        .args([
            "bulk",
            "--session",
            &s.session,
            "--mailbox-id",
            &s.mailbox,
            "--ids",
            "-",
            "restore",
            "--device-code",
            "C6A9",
        ])
        .write_stdin(format!("{}\nno-such-item\n{}\n", items[0], items[1]))
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let table = String::from_utf8_lossy(&output.stdout).to_string();
    assert_eq!(table.matches("restored").count(), 2, "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("no-such-item") && l.contains("FAILED")),
        "{table}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("1 of 3 items failed"), "{stderr}");
}

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_progress_bar_shows_on_a_terminal_and_not_in_a_pipe() {
    let s = start(SimConfig {
        pst_size: 64 << 20,
        ..SimConfig::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["item".to_string(), "export-pst".into()];
    args.extend(s.item_args());
    args.extend([
        "--to".into(),
        dir.path().join("piped.pst").to_string_lossy().to_string(),
    ]);

    let piped = s.vbo().args(&args).output().unwrap();
    assert!(piped.status.success());
    let stderr = String::from_utf8_lossy(&piped.stderr);
    assert!(!stderr.contains("ETA"), "no bar in a pipe: {stderr}");

    let tty_target = dir.path().join("tty.pst");
    let mut tty_args = args.clone();
    *tty_args.last_mut().unwrap() = tty_target.to_string_lossy().to_string();
    let screen = run_in_pty(&s, &tty_args);
    assert!(
        screen.contains("ETA") && screen.contains("MiB"),
        "a bar with bytes, rate and ETA: {screen}"
    );
    assert!(screen.contains("saved"), "{screen}");
    assert_eq!(std::fs::metadata(&tty_target).unwrap().len(), 64 << 20);

    let quiet = run_in_pty(
        &s,
        &[
            vec!["-q".to_string()],
            args_with_target(&args, &dir.path().join("quiet.pst")),
        ]
        .concat(),
    );
    assert!(!quiet.contains("ETA"), "-q turns the bar off: {quiet}");
}

fn args_with_target(args: &[String], target: &Path) -> Vec<String> {
    let mut args = args.to_vec();
    *args.last_mut().unwrap() = target.to_string_lossy().to_string();
    args
}

/// Runs `vbo` under a pseudo-terminal and returns everything it drew.
fn run_in_pty(s: &Sim, args: &[String]) -> String {
    use portable_pty::{CommandBuilder, PtySize, native_pty_system};
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 24,
            cols: 160,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut command = CommandBuilder::new(assert_cmd::cargo::cargo_bin("vbo"));
    command.args(args);
    for (key, value) in s.env() {
        command.env(key, value);
    }
    command.env("TERM", "xterm");
    let mut child = pty.slave.spawn_command(command).unwrap();
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader().unwrap();
    let collector = std::thread::spawn(move || {
        let mut screen = Vec::new();
        let _ = std::io::Read::read_to_end(&mut reader, &mut screen);
        String::from_utf8_lossy(&screen).to_string()
    });
    let status = child.wait().unwrap();
    drop(pty.master);
    let screen = collector.join().unwrap();
    assert!(status.success(), "vbo under a terminal failed: {screen}");
    screen
}

#[test]
fn help_is_pinned() {
    for args in [
        vec!["--help"],
        vec!["item", "--help"],
        vec!["item", "restore-to", "--help"],
        vec!["bulk", "--help"],
    ] {
        let mut command = Command::cargo_bin("vbo").unwrap();
        for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("VBO_")) {
            command.env_remove(key);
        }
        let output = command
            .args(&args)
            .env("COLUMNS", "100")
            .env("VBO_SERVER", "https://not-shown:4443")
            .output()
            .unwrap();
        assert!(output.status.success());
        let help = String::from_utf8(output.stdout).unwrap();
        assert!(
            !help.contains("not-shown"),
            "help never prints the environment's values"
        );
        insta::assert_snapshot!(format!("help_{}", args.join("_").replace("--", "")), help);
    }
}

/// The `vbo` examples of the README, in order: `vbo` lines of the block that follows the
/// sentence "Every example below is run".
fn readme_examples() -> Vec<String> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let after = readme
        .split("Every example below is run")
        .nth(1)
        .expect("the README's CLI examples");
    let block = after
        .split("```sh\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    block
        .lines()
        .map(|line| line.split("  #").next().unwrap().trim().to_string())
        .filter(|line| line.starts_with("vbo "))
        .collect()
}

/// Splits a shell line into words: blanks separate, double quotes group.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_examples_run_and_cover_every_command() {
    let s = start(SimConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("exports")).unwrap();
    let ids: Vec<String> = s.sim.catalog().mailboxes[0]
        .items
        .iter()
        .take(3)
        .map(|i| i.id.clone())
        .collect();
    std::fs::write(dir.path().join("ids.txt"), ids.join("\n")).unwrap();
    let vars = [
        ("$ORG", s.sim.catalog().organization_id.to_string()),
        ("$SESSION", s.session.clone()),
        ("$MAILBOX_ID", s.mailbox.clone()),
        ("$ITEM", s.item.clone()),
        ("$OTHER_MAILBOX", s.other_email.clone()),
    ];
    let examples = readme_examples();
    assert!(examples.len() >= 20, "{examples:?}");
    for example in &examples {
        let mut line = example.clone();
        for (name, value) in &vars {
            line = line.replace(name, value);
        }
        let args = words(&line);
        let output = s
            .vbo()
            .current_dir(dir.path())
            .args(&args[1..])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "README example `{example}` failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert!(
        std::fs::read_dir(dir.path().join("exports"))
            .unwrap()
            .count()
            >= 4,
        "the exports landed"
    );

    let help = Command::cargo_bin("vbo")
        .unwrap()
        .arg("--help")
        .output()
        .unwrap()
        .stdout;
    let help = String::from_utf8(help).unwrap();
    let commands: Vec<&str> = help
        .split("Commands:")
        .nth(1)
        .unwrap()
        .split("\n\n")
        .next()
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| !["help", "sim", "demo"].contains(c))
        .collect();
    assert!(commands.len() >= 9, "{commands:?}");
    for command in commands {
        assert!(
            examples.iter().any(|e| words(e)
                .iter()
                .skip(1)
                .find(|w| !w.starts_with('-') && !w.ends_with(".json"))
                == Some(&command.to_string())),
            "no README example runs `vbo {command}`"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_during_a_download_leaves_no_file() {
    let s = start(SimConfig {
        pst_size: 4 << 30,
        ..SimConfig::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("big.pst");
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("vbo"));
    command
        .args(["item", "export-pst"])
        .args(s.item_args())
        .arg("--to")
        .arg(&target)
        .envs(s.env())
        .stderr(std::process::Stdio::piped());
    let child = command.spawn().unwrap();
    // Wait until the body is flowing into the temporary file.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::fs::read_dir(dir.path()).unwrap().count() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the download never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        left.is_empty(),
        "nothing is left behind, not even the temporary file: {left:?}"
    );
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
