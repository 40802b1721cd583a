//! `vbo` refuses bad input before anything reaches the server, says when a data-changing action
//! may have run, and reports every item of an interrupted `bulk` run. The servers here are
//! plain loopback sockets: one that must never be connected to, and a scripted fake VBO.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;

const SESSION: &str = "380d7caf-6294-4a33-b50a-b8aeb13af58c";
const MAILBOX: &str = "9e9b7199-f547-467a-b580-9d283a75eaad";

fn vbo(server: &str) -> Command {
    let mut cmd = Command::cargo_bin("vbo").unwrap();
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("VBO_")) {
        cmd.env_remove(key);
    }
    cmd.env("VBO_API_VERSION", "v4")
        .env("VBO_SERVER", server)
        .env("VBO_USER", "admin@example.com")
        .env("VBO_PASSWORD", "paSSw0rd")
        .env("NO_COLOR", "1");
    cmd
}

fn item_args(command: &str) -> Vec<String> {
    [
        "item",
        command,
        "--session",
        SESSION,
        "--mailbox-id",
        MAILBOX,
        "AAAA=",
    ]
    .map(String::from)
    .to_vec()
}

fn bulk_args(ids: &Path) -> Vec<String> {
    let ids = ids.to_str().unwrap();
    [
        "bulk",
        "--session",
        SESSION,
        "--mailbox-id",
        MAILBOX,
        "--ids",
        ids,
    ]
    .map(String::from)
    .to_vec()
}

/// Arguments, extra environment, what the error must say.
type Case = (Vec<String>, Vec<(&'static str, String)>, Vec<String>);

#[test]
fn bad_input_is_refused_with_exit_2_before_any_connection() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    std::fs::write(path("exists.msg"), b"keep me").unwrap();
    std::fs::write(path("garbage.pem"), b"not a certificate").unwrap();
    std::fs::write(path("empty.txt"), b"# only a comment\n\n").unwrap();
    std::fs::write(path("twice.txt"), b"AAAA=\nBBBB=\n# c\nAAAA=\nBBBB=\n").unwrap();
    std::fs::write(path("ids.txt"), b"AAAA=\nBBBB=\n").unwrap();
    std::fs::write(path("dots.txt"), b"AAAA=\n..\n").unwrap();
    std::fs::write(path("long.txt"), "A".repeat(100_000)).unwrap();
    let dir_arg = dir.path().to_str().unwrap().to_string();
    let item = |command: &str, extra: &[&str]| -> Vec<String> {
        let mut args = item_args(command);
        args.extend(extra.iter().map(|a| a.to_string()));
        args
    };
    let bulk = |ids: &str, extra: &[&str]| -> Vec<String> {
        let mut args = bulk_args(Path::new(&path(ids)));
        args.extend(extra.iter().map(|a| a.to_string()));
        args
    };
    let mut empty_id = item_args("save-msg");
    *empty_id.last_mut().unwrap() = String::new();
    empty_id.extend(["--to".into(), dir_arg.clone()]);
    let cases: Vec<Case> = vec![
        (
            empty_id,
            vec![],
            vec!["itemId".into(), "must not be empty".into()],
        ),
        (
            item(
                "restore-to",
                &["--mailbox", "not-an-address", "--device-code", "C6A9"],
            ),
            vec![],
            vec!["restoreTo.mailbox".into()],
        ),
        (
            item("send-to", &["--from", "nobody", "--to", "a@example.com"]),
            vec![],
            vec!["sendtoDifferentaddress.from".into()],
        ),
        (
            item("export-pst", &["--to", &dir_arg, "--split-at", "1MiB"]),
            vec![],
            vec!["exportToPst.pstSizeLimitBytes".into(), "1 GiB".into()],
        ),
        (
            item("restore", &["--exchange-user", "jsmith"]),
            vec![],
            vec!["VBO_EXCHANGE_PASSWORD".into()],
        ),
        (
            item(
                "restore",
                &["--app-id", SESSION, "--app-cert", &path("missing.pfx")],
            ),
            vec![("VBO_APP_CERT_PASSWORD", "pw".into())],
            vec!["--app-cert".into(), path("missing.pfx")],
        ),
        (
            item("send", &[]),
            vec![("VBO_CA_CERT", path("missing.pem"))],
            vec!["invalid `--ca-cert`".into(), path("missing.pem")],
        ),
        (
            item("send", &[]),
            vec![("VBO_CA_CERT", path("garbage.pem"))],
            vec![format!(
                "invalid `--ca-cert`: {} is not a PEM certificate bundle",
                path("garbage.pem")
            )],
        ),
        (
            item("save-msg", &["--to", &path("exists.msg")]),
            vec![],
            vec!["--to".into(), "already exists".into()],
        ),
        (
            item("save-msg", &["--to", "/proc"]),
            vec![],
            vec!["--to".into(), "/proc".into(), "cannot be written".into()],
        ),
        (
            bulk("ids.txt", &["save-msg", "--to", "/proc"]),
            vec![],
            vec!["--to".into(), "cannot be written".into()],
        ),
        (
            bulk("ids.txt", &["export-pst", "--to", &path("no-such-dir")]),
            vec![],
            vec!["--to".into(), "does not exist".into()],
        ),
        (
            bulk("dots.txt", &["restore", "--device-code", "C"]),
            vec![],
            vec!["--ids".into(), "line 2".into(), "relative path".into()],
        ),
        (
            bulk("long.txt", &["send"]),
            vec![],
            vec!["--ids".into(), "line 1".into()],
        ),
        (
            bulk("empty.txt", &["send"]),
            vec![],
            vec!["--ids".into(), "no item ids".into()],
        ),
        (
            bulk("twice.txt", &["send"]),
            vec![],
            vec![
                "--ids".into(),
                "`AAAA=` on lines 1 and 4".into(),
                "`BBBB=` on lines 2 and 5".into(),
            ],
        ),
        (
            bulk(
                "ids.txt",
                &["restore-to", "--mailbox", "x@", "--device-code", "C"],
            ),
            vec![],
            vec!["restoreTo.mailbox".into()],
        ),
        (
            ["--idle-timeout", "-1", "org", "list"]
                .map(String::from)
                .to_vec(),
            vec![],
            vec!["--idle-timeout".into(), "a whole number of seconds".into()],
        ),
    ];
    for (args, env, expected) in cases {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let server = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let output = vbo(&server).args(&args).envs(env).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "vbo {args:?}: {stderr}");
        for text in &expected {
            assert!(
                stderr.contains(text.as_str()),
                "vbo {args:?}: wanted {text:?} in {stderr}"
            );
        }
        // A connection, even one closed at once, waits in the accept queue.
        assert!(
            listener.accept().is_err(),
            "vbo {args:?} connected to the server before refusing: {stderr}"
        );
    }
    assert_eq!(std::fs::read(path("exists.msg")).unwrap(), b"keep me");
}

/// What the fake server does with one request.
#[derive(Clone)]
enum Answer {
    Json(&'static str),
    /// Read the request, then close the connection without a word.
    Drop,
    /// Read the request and never answer.
    Hang,
}

/// A scripted VBO on a loopback socket, one thread per connection; it records each request
/// line as it arrives.
struct FakeVbo {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl FakeVbo {
    fn start(answer: impl Fn(&str) -> Answer + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let answer = Arc::new(answer);
        let log = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (answer, log) = (answer.clone(), log.clone());
                std::thread::spawn(move || serve(stream, &*answer, &log));
            }
        });
        Self { url, seen }
    }

    fn wait_for(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.seen.lock().unwrap().iter().any(|l| l.contains(text)) {
            assert!(Instant::now() < deadline, "no request for {text}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn serve(stream: TcpStream, answer: &dyn Fn(&str) -> Answer, log: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut stream = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            if header.trim().is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        log.lock().unwrap().push(request_line.clone());
        match answer(&request_line) {
            Answer::Json(body) => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                    body.len()
                );
                if stream
                    .write_all(format!("{head}{body}").as_bytes())
                    .is_err()
                {
                    return;
                }
            }
            Answer::Drop => return,
            Answer::Hang => std::thread::sleep(Duration::from_secs(3600)),
        }
    }
}

const TOKEN: &str =
    r#"{"access_token":"at","token_type":"bearer","expires_in":3600,"refresh_token":"rt"}"#;
const RESTORED: &str =
    r#"{"createdItemsCount":1,"mergedItemsCount":0,"failedItemsCount":0,"skippedItemsCount":0}"#;

#[test]
fn a_lost_answer_to_a_restore_or_send_says_it_may_have_run() {
    let cases: [(&str, Answer, Vec<&str>, &[&str]); 3] = [
        (
            "restore",
            Answer::Drop,
            vec!["--device-code", "C6A9"],
            &["vbo item list"],
        ),
        (
            "restore",
            Answer::Json("{not json"),
            vec!["--device-code", "C6A9"],
            &["vbo item list"],
        ),
        (
            "send-to",
            Answer::Drop,
            vec!["--from", "a@example.com", "--to", "b@example.com"],
            &["b@example.com", "outbox"],
        ),
    ];
    for (command, action_answer, extra, hints) in cases {
        let server = FakeVbo::start(move |line| {
            if line.contains("/v4/token") {
                Answer::Json(TOKEN)
            } else {
                action_answer.clone()
            }
        });
        let mut args = item_args(command);
        args.extend(extra.iter().map(|a| a.to_string()));
        let output = vbo(&server.url).args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(5), "vbo {command}: {stderr}");
        assert!(stderr.contains("may have run"), "{stderr}");
        for hint in hints {
            assert!(stderr.contains(hint), "wanted {hint:?}: {stderr}");
        }
        assert!(stderr.contains("before running it again"), "{stderr}");
    }
}

/// `vbo bulk restore` of three items, one at a time, against a server that answers the first
/// and never the second; stopped with `signal` once the second is in flight.
fn interrupted_bulk(signal: &str, json: bool) -> (Option<i32>, String, String) {
    interrupted_bulk_run(signal, json, true, "/Items/second/")
}

/// `vbo bulk ... restore` on three items against a server that hangs on the item `second`
/// (or on the multi-item request), stopped by `signal` once `wait_for` arrived.
fn interrupted_bulk_run(
    signal: &str,
    json: bool,
    per_item: bool,
    wait_for: &str,
) -> (Option<i32>, String, String) {
    let server = FakeVbo::start(|line| {
        if line.contains("/v4/token") {
            Answer::Json(TOKEN)
        } else if line.contains("/Items/first/") {
            Answer::Json(RESTORED)
        } else {
            Answer::Hang
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let ids = dir.path().join("ids.txt");
    std::fs::write(&ids, "first\nsecond\nthird\n").unwrap();
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("vbo"));
    command.env("VBO_API_VERSION", "v4");
    if json {
        command.args(["-o", "json"]);
    }
    command
        .args(bulk_args(&ids))
        .args(per_item.then_some("--per-item"))
        .args(["--concurrency", "1", "restore", "--device-code", "C6A9"])
        .env("VBO_SERVER", &server.url)
        .env("VBO_USER", "admin@example.com")
        .env("VBO_PASSWORD", "paSSw0rd")
        .env_remove("VBO_CA_CERT")
        .env_remove("VBO_TOKEN_FILE")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = command.spawn().unwrap();
    server.wait_for(wait_for);
    std::thread::sleep(Duration::from_millis(100));
    let killed = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).to_string(),
        String::from_utf8_lossy(&output.stderr).to_string(),
    )
}

#[test]
fn an_interrupted_bulk_run_reports_every_item() {
    let (code, stdout, stderr) = interrupted_bulk("-INT", false);
    assert_eq!(code, Some(130), "{stdout}{stderr}");
    let line = |id: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(id))
            .unwrap_or_else(|| panic!("no line for {id}: {stdout}{stderr}"))
            .to_string()
    };
    assert!(line("first").contains("restored"), "{stdout}");
    assert!(line("second").contains("INTERRUPTED"), "{stdout}");
    assert!(line("third").contains("NOT STARTED"), "{stdout}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(stderr.contains("may have run"), "{stderr}");

    let (code, stdout, stderr) = interrupted_bulk("-TERM", true);
    assert_eq!(code, Some(143), "{stdout}{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(report["interrupted"], true, "{report}");
    assert_eq!(
        (report["succeeded"].as_u64(), report["failed"].as_u64()),
        (Some(1), Some(0)),
        "{report}"
    );
    let results: Vec<(&str, &str)> = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["item"].as_str().unwrap(), i["result"].as_str().unwrap()))
        .collect();
    assert_eq!(
        results,
        [
            ("first", "restored"),
            ("second", "interrupted"),
            ("third", "not_started")
        ]
    );
}

#[test]
fn an_interrupted_one_request_restore_says_every_item_may_have_run() {
    let (code, stdout, stderr) = interrupted_bulk_run("-INT", false, false, "/Items/Action");
    assert_eq!(code, Some(130), "{stdout}{stderr}");
    for id in ["first", "second", "third"] {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(id))
            .unwrap_or_else(|| panic!("no line for {id}: {stdout}{stderr}"));
        assert!(
            line.contains("INTERRUPTED") && line.contains("may have run"),
            "{stdout}"
        );
    }
    assert!(
        stderr.contains("3 were in flight and may have run"),
        "{stderr}"
    );
}
