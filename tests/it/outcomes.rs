//! An action's answer is checked against the action: a file action gets a file of its kind
//! or an error that says what came back, a restore gets statistics or an error that says it
//! may have run, a send gets 200 or 204. Against a real local server, in the library and in
//! the `vbo` binary.

use crate::support;

use std::time::Duration;

use support::{CaptureServer, Reply, token_json};
use uuid::uuid;
use vbo365::{
    Action, ActionKind, ActionOutcome, Client, Credentials, Error, ExportToPst, FileDownload,
    RestoreOptions, RestoreTo, RetryPolicy, SaveToMsg, SendToDefaultAddress, Sent,
};

const SESSION: vbo365::SessionId =
    vbo365::SessionId::from_uuid(uuid!("380d7caf-6294-4a33-b50a-b8aeb13af58c"));
const MAILBOX: vbo365::MailboxId =
    vbo365::MailboxId::from_uuid(uuid!("9e9b7199-f547-467a-b580-9d283a75eaad"));
const ITEM: &str = "AAAAAKGE4dIv-QUtG_ju=";
const MSG: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0];

fn restore() -> Action {
    Action::restore_to_original(Credentials::device_code("C6A9DB737")).unwrap()
}

fn restore_to() -> Action {
    Action::restore_to(
        "djohnes@westsupport.onmicrosoft.com",
        Credentials::device_code("C6A9DB737"),
        RestoreOptions::default(),
    )
    .unwrap()
}

async fn client_for(server: &CaptureServer) -> Client {
    Client::builder(&server.base_url)
        .api_version(vbo365::ApiVersion::V4)
        .retry(RetryPolicy::none())
        .idle_timeout(Some(Duration::from_secs(5)))
        .build()
        .unwrap()
}

async fn answer(action: &Action, reply: Reply) -> Result<ActionOutcome, Error> {
    let server = CaptureServer::start(reply).await;
    client_for(&server)
        .await
        .perform_action(SESSION, MAILBOX, ITEM, action)
        .await
}

/// Answers that do not fit the action: each must be an error naming what came back.
fn wrong_answers() -> Vec<(Action, Reply, &'static str)> {
    let json = |body: &str| Reply::json(200, body);
    let empty = || Reply::bytes(200, Some("application/octet-stream"), b"");
    let no_content = || Reply::bytes(204, None, b"");
    let pst = Reply::file(b"!BDN\0\0\0\0pst-body");
    vec![
        (
            Action::export_to_pst(),
            json(r#"{"createdItemsCount":1}"#),
            "JSON",
        ),
        (Action::export_to_pst(), json("{}"), "JSON"),
        (Action::export_to_pst(), empty(), "empty body"),
        (
            Action::export_to_pst(),
            Reply::bytes(200, None, b""),
            "empty body",
        ),
        (Action::export_to_pst(), no_content(), "204"),
        (
            Action::export_to_pst(),
            Reply::file(MSG),
            "starts with the bytes D0 CF",
        ),
        (
            Action::export_to_pst(),
            Reply::bytes(200, Some("text/html"), b"<html>"),
            "3C 68 74",
        ),
        (Action::save_to_msg(), no_content(), "204"),
        (
            Action::save_to_msg(),
            pst.clone(),
            "starts with the bytes 21 42 44 4E",
        ),
        (Action::save_to_msg(), json(r#"{"message":"done"}"#), "JSON"),
        (Action::save_to_msg(), empty(), "empty body"),
        (restore(), empty(), "empty body"),
        (restore(), Reply::bytes(200, None, b""), "empty body"),
        (restore(), no_content(), "204"),
        (restore(), json("{}"), "none of the counts"),
        (
            restore(),
            json(r#"{"createdItemsCount":"#),
            "not JSON statistics",
        ),
        (restore(), pst.clone(), "not JSON statistics"),
        (restore_to(), json("[]"), "not JSON statistics"),
        (restore_to(), no_content(), "204"),
        (
            restore_to(),
            json(r#"{"unrelated":true}"#),
            "none of the counts",
        ),
    ]
}

#[tokio::test]
async fn an_answer_that_does_not_fit_the_action_is_an_error_that_says_what_came() {
    for (action, reply, says) in wrong_answers() {
        let kind = action.kind();
        let error = match answer(&action, reply).await {
            Ok(outcome) => panic!("{kind:?}: reported {outcome:?}"),
            Err(error) => error,
        };
        let text = error.to_string();
        assert!(text.contains(says), "{kind:?}: {text} should say {says:?}");
        assert!(error.may_have_reached_server(), "{kind:?}: {error:?}");
        assert_eq!(
            error.operation(),
            Some(vbo365::Operation::PerformMailboxItemAction)
        );
        if kind.changes_data() {
            assert!(text.contains("may have run"), "{kind:?}: {text}");
        } else {
            assert!(text.contains("nothing was saved"), "{kind:?}: {text}");
        }
    }
}

#[tokio::test]
async fn each_outcome_knows_its_action() {
    let stats = r#"{"createdItemsCount":1,"failedItemsCount":0}"#;
    for (action, reply) in [
        (Action::export_to_pst(), Reply::file(b"!BDN\0\0\0\0")),
        (Action::export_to_pst(), Reply::file(b"PK\x03\x04zip")),
        (Action::save_to_msg(), Reply::file(MSG)),
        (restore(), Reply::json(200, stats)),
        // The statistics are read whatever the Content-Type says.
        (restore_to(), Reply::bytes(200, None, stats.as_bytes())),
        (
            Action::send_to_default_address(),
            Reply::bytes(200, None, b""),
        ),
        (
            Action::send_to_different_address("a@b.example", "c@d.example", None, None).unwrap(),
            Reply::bytes(204, None, b""),
        ),
    ] {
        let kind = action.kind();
        let outcome = answer(&action, reply).await.unwrap();
        assert_eq!(outcome.action(), kind, "{outcome:?}");
    }
}

#[tokio::test]
async fn failed_items_make_a_restore_incomplete() {
    let outcome = answer(
        &restore(),
        Reply::json(200, r#"{"createdItemsCount":2,"failedItemsCount":3}"#),
    )
    .await
    .unwrap();
    let ActionOutcome::Restored(restored) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(
        (restored.failed_items(), restored.is_complete()),
        (3, false)
    );
}

/// The typed API: the outcome's type follows from the action's, so these bindings compile
/// only because a file action returns a file and a send returns `Sent`.
#[tokio::test]
async fn typed_actions_return_their_own_outcome_type() {
    let server = CaptureServer::start_with(|r| {
        if r.body_text().contains("exportToPst") {
            Reply::file(b"!BDN\0\0\0\0")
        } else if r.body_text().contains("savetoMsg") {
            Reply::file(MSG)
        } else if r.body_text().contains("restoreTo") {
            Reply::json(200, r#"{"mergedItemsCount":1}"#)
        } else {
            Reply::bytes(204, None, b"")
        }
    })
    .await;
    let client = client_for(&server).await;
    let pst: FileDownload = client
        .perform(SESSION, MAILBOX, ITEM, &ExportToPst::new())
        .await
        .unwrap();
    assert_eq!(pst.action(), ActionKind::ExportToPst);
    let msg: FileDownload = client
        .perform(SESSION, MAILBOX, ITEM, &SaveToMsg::new())
        .await
        .unwrap();
    assert_eq!(msg.action(), ActionKind::SaveToMsg);
    let restore = RestoreTo::new(
        "djohnes@westsupport.onmicrosoft.com",
        Credentials::device_code("C6A9DB737"),
        RestoreOptions::default(),
    )
    .unwrap();
    let restored = client
        .perform(SESSION, MAILBOX, ITEM, &restore)
        .await
        .unwrap();
    assert_eq!(restored.statistics().merged_items_count, Some(1));
    let sent: Sent = client
        .perform(SESSION, MAILBOX, ITEM, &SendToDefaultAddress::new())
        .await
        .unwrap();
    assert_eq!(sent.action(), ActionKind::SendToDefaultAddress);
    // A run-time action converts to its typed form only when the kinds agree.
    assert!(ExportToPst::try_from(Action::save_to_msg()).is_err());
    assert!(SaveToMsg::try_from(Action::save_to_msg()).is_ok());
}

fn vbo(server: &CaptureServer, dir: &std::path::Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("vbo").unwrap();
    cmd.current_dir(dir)
        .env_clear()
        .env("VBO_API_VERSION", "v4")
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("VBO_SERVER", &server.base_url)
        .env("VBO_USER", "admin")
        .env("VBO_PASSWORD", "paSSw0rd")
        .timeout(Duration::from_secs(60));
    cmd
}

fn item_args(command: &str) -> Vec<String> {
    let mut args: Vec<String> = ["item", command, "--session", &SESSION.to_string()]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(["--mailbox-id".into(), MAILBOX.to_string(), ITEM.into()]);
    args
}

async fn server_answering(action: Reply) -> CaptureServer {
    CaptureServer::start_with(move |r| {
        if r.target == "/v4/token" {
            Reply::json(200, &token_json("a1", "r1", 3600))
        } else {
            action.clone()
        }
    })
    .await
}

// The binary runs on this thread while the server answers on another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vbo_reports_no_success_that_did_not_happen() {
    let cases: Vec<(Vec<String>, Reply, &str)> = vec![
        (
            [
                item_args("export-pst"),
                vec!["--to".into(), "out.pst".into()],
            ]
            .concat(),
            Reply::json(200, "{}"),
            "instead of a PST or ZIP file",
        ),
        (
            [
                item_args("export-pst"),
                vec!["--to".into(), "out.pst".into()],
            ]
            .concat(),
            Reply::bytes(200, None, b""),
            "empty body",
        ),
        (
            [item_args("save-msg"), vec!["--to".into(), "out.msg".into()]].concat(),
            Reply::bytes(204, None, b""),
            "204",
        ),
        (
            [
                item_args("restore"),
                vec!["--device-code".into(), "C6A9DB737".into()],
            ]
            .concat(),
            Reply::bytes(200, Some("application/json"), b""),
            "may have run",
        ),
    ];
    for (args, reply, says) in cases {
        let server = server_answering(reply).await;
        let dir = tempfile::tempdir().unwrap();
        let output = vbo(&server, dir.path()).args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_ne!(output.status.code(), Some(0), "{args:?}: {stdout} {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(
            !stdout.contains("restored") && !stdout.contains("sent") && !stdout.contains("saved"),
            "{args:?}: no success printed: {stdout}"
        );
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "{args:?}: no file left: {left:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vbo_exits_6_and_shows_the_counts_when_items_failed_to_restore() {
    let server = server_answering(Reply::json(
        200,
        r#"{"createdItemsCount":4,"failedItemsCount":2}"#,
    ))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let args = [
        item_args("restore"),
        vec!["--device-code".into(), "C6A9DB737".into()],
    ]
    .concat();
    let output = vbo(&server, dir.path()).args(&args).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(6), "{stdout} {stderr}");
    assert!(
        stdout.contains("incomplete") && stdout.contains("failed 2"),
        "{stdout}"
    );
    assert!(
        stderr.contains("2 item(s) could not be restored"),
        "{stderr}"
    );

    let output = vbo(&server, dir.path())
        .args(["-o", "json"])
        .args(&args)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(6));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["result"], "incomplete");
    assert_eq!(json["statistics"]["failedItemsCount"], 2);
}

/// A restore or send whose connection drops before an answer may have run: the error says so
/// (and is not retried). Also for a 200 whose statistics break off.
#[tokio::test]
async fn a_lost_answer_to_a_restore_or_send_says_it_may_have_run() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        use tokio::io::AsyncReadExt as _;
        while let Ok((mut socket, _)) = listener.accept().await {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut buffer = [0u8; 65536];
            let _ = socket.read(&mut buffer).await; // take the request, answer nothing
        }
    });
    let client = Client::builder(&base)
        .api_version(vbo365::ApiVersion::V4)
        .build()
        .unwrap();
    for action in [restore(), restore_to(), Action::send_to_default_address()] {
        let before = accepted.load(std::sync::atomic::Ordering::SeqCst);
        let error = client
            .perform_action(SESSION, MAILBOX, ITEM, &action)
            .await
            .unwrap_err();
        let text = error.to_string();
        assert!(error.may_have_reached_server(), "{error:?}");
        assert!(text.contains("may have run"), "{text}");
        assert!(text.contains(action.kind().wire_name()), "{text}");
        assert_eq!(
            accepted.load(std::sync::atomic::Ordering::SeqCst) - before,
            1,
            "sent once, never repeated"
        );
    }

    let mut cut = Reply::json(200, r#"{"createdItems"#);
    cut.declared_length = Some(400);
    cut.after = support::After::Close;
    let error = answer(&restore(), cut).await.unwrap_err();
    assert!(error.to_string().contains("may have run"), "{error}");
}

/// A redirect is not followed: the action would be sent again, to another endpoint.
#[tokio::test]
async fn a_redirect_never_sends_the_action_again() {
    for status in [301u16, 302, 303, 307, 308] {
        let server = CaptureServer::start_with(move |r| {
            if r.target.ends_with("/Items/AAAAAKGE4dIv-QUtG_ju=/Action") {
                Reply::bytes(status, None, b"").with_header(
                    "location",
                    "/v4/RestoreSessions/380d7caf-6294-4a33-b50a-b8aeb13af58c/Organization/Mailboxes/9e9b7199-f547-467a-b580-9d283a75eaad/Action",
                )
            } else {
                Reply::json(200, r#"{"createdItemsCount":1}"#)
            }
        })
        .await;
        let error = client_for(&server)
            .await
            .perform_action(SESSION, MAILBOX, ITEM, &restore())
            .await
            .unwrap_err();
        assert_eq!(
            error.status().map(|s| s.as_u16()),
            Some(status),
            "{error:?}"
        );
        assert_eq!(
            server.requests().len(),
            1,
            "{status}: sent once, to its own address"
        );
    }
}

/// A v6+ server's statistics: `vbo` shows each warning and item error, and item errors make
/// the restore incomplete (exit 6) even with no failed count.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vbo_shows_warnings_and_item_errors_of_newer_statistics() {
    let server = server_answering(Reply::json(
        200,
        r#"{"createdItemsCount":1,"failedItemsCount":0,"warnings":["Draft skipped"],"exceptions":["Access denied to Inbox/Old"]}"#,
    ))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let args = [
        item_args("restore"),
        vec!["--device-code".into(), "C6A9DB737".into()],
    ]
    .concat();
    let output = vbo(&server, dir.path()).args(&args).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(6), "{stdout} {stderr}");
    assert!(
        stdout.contains("warning: Draft skipped")
            && stdout.contains("error: Access denied to Inbox/Old"),
        "{stdout}"
    );
    assert!(stderr.contains("1 item error(s) (exceptions)"), "{stderr}");
}
