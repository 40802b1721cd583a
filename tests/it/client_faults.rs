//! The client against real local HTTP and HTTPS servers that misbehave on purpose: broken and
//! stalled downloads, expired tokens, server errors, untrusted certificates.

use crate::support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use support::{After, CaptureServer, Recorded, Reply, TestPki, token_json};
use uuid::uuid;
use vbo365::{Action, ActionOutcome, Client, Destination, Error, FileKind, RetryPolicy};

const SESSION: vbo365::SessionId =
    vbo365::SessionId::from_uuid(uuid!("380d7caf-6294-4a33-b50a-b8aeb13af58c"));
const MAILBOX: vbo365::MailboxId =
    vbo365::MailboxId::from_uuid(uuid!("9e9b7199-f547-467a-b580-9d283a75eaad"));
const ITEM: &str = "AAAAAKGE4dIv-QUtG_ju=";
const PAGE: &str = r#"{"offset":0,"limit":30,"results":[]}"#;

fn is_token(request: &Recorded) -> bool {
    request.target == "/v4/token"
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
    }
}

async fn logged_in(server: &CaptureServer) -> Client {
    let client = Client::builder(&server.base_url)
        .api_version(vbo365::ApiVersion::V4)
        .retry(fast_retries())
        .idle_timeout(Some(Duration::from_millis(500)))
        .build()
        .unwrap();
    client.login("admin", "paSSw0rd").await.unwrap();
    client
}

/// A PST body: the magic bytes, then filler.
fn pst(len: usize) -> Vec<u8> {
    let mut body = b"!BDN".to_vec();
    body.resize(len, 0x5a);
    body
}

fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    names
}

/// Sends an export whose body misbehaves as `reply` says, and saves it into a fresh directory.
async fn failing_download(reply: Reply) -> (Error, Vec<String>) {
    let server = CaptureServer::start_with(move |r| {
        if is_token(r) {
            Reply::json(200, &token_json("a1", "r1", 3600))
        } else {
            reply.clone()
        }
    })
    .await;
    let client = logged_in(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let result = async {
        match client
            .perform_action(SESSION, MAILBOX, ITEM, &Action::export_to_pst())
            .await?
        {
            ActionOutcome::File(file) => {
                file.save(&Destination::Directory(dir.path().into()), ITEM, |_| {})
                    .await
            }
            other => panic!("expected a file, got {other:?}"),
        }
    }
    .await;
    let error = result.expect_err("the download must fail");
    let action_posts = server
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && !is_token(r))
        .count();
    assert_eq!(action_posts, 1, "a failed download is never re-requested");
    (error, files_in(dir.path()))
}

#[tokio::test]
async fn a_disconnect_mid_stream_leaves_no_file() {
    let mut reply = Reply::file(&pst(64 * 1024));
    reply.chunked = true;
    reply.after = After::Close; // no terminating chunk
    let (error, files) = failing_download(reply).await;
    assert!(error.is_body(), "{error:?}");
    assert!(error.may_have_reached_server());
    assert!(!error.is_retryable(), "{error}");
    assert_eq!(
        files,
        Vec::<String>::new(),
        "neither the final file nor a temporary one remains"
    );
}

#[tokio::test]
async fn a_body_shorter_than_its_content_length_leaves_no_file() {
    let mut reply = Reply::file(&pst(1000));
    reply.declared_length = Some(5000);
    reply.after = After::Close;
    let (error, files) = failing_download(reply).await;
    assert!(error.is_body(), "{error:?}");
    assert!(error.to_string().contains("5000"), "{error}");
    assert_eq!(files, Vec::<String>::new());
}

#[tokio::test]
async fn a_stalled_body_hits_the_idle_timeout_and_leaves_no_file() {
    let mut reply = Reply::file(&pst(1000));
    reply.declared_length = Some(100_000);
    reply.after = After::Stall;
    // The guard turns a missing idle timeout into a failure instead of a hung test.
    let (error, files) = tokio::time::timeout(Duration::from_secs(30), failing_download(reply))
        .await
        .expect("the idle timeout must end a stalled download");
    assert!(error.is_timeout(), "{error:?}");
    assert_eq!(files, Vec::<String>::new());
}

#[tokio::test]
async fn a_complete_download_is_saved_with_progress_and_never_clobbers() {
    let body = pst(300_000);
    let expected = body.clone();
    let server = CaptureServer::start_with(move |r| {
        if is_token(r) {
            Reply::json(200, &token_json("a1", "r1", 3600))
        } else {
            Reply::file(&body)
        }
    })
    .await;
    let client = logged_in(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let destination = Destination::Directory(dir.path().into());
    let mut saved = Vec::new();
    for _ in 0..2 {
        let ActionOutcome::File(file) = client
            .perform_action(SESSION, MAILBOX, "a/b+c=", &Action::export_to_pst())
            .await
            .unwrap()
        else {
            panic!("expected a file");
        };
        assert_eq!(
            (file.kind(), file.length()),
            (FileKind::Pst, Some(expected.len() as u64))
        );
        let mut reports = Vec::new();
        let file = file
            .save(&destination, "a/b+c=", |p| reports.push(p))
            .await
            .unwrap();
        assert_eq!(std::fs::read(&file.path).unwrap(), expected);
        let last = reports.last().unwrap();
        assert_eq!(
            (last.done, last.total),
            (expected.len() as u64, Some(expected.len() as u64))
        );
        assert!(
            reports.windows(2).all(|w| w[0].done <= w[1].done),
            "progress only grows"
        );
        saved.push(file);
    }
    assert_eq!(files_in(dir.path()), ["a_b_c= (2).pst", "a_b_c=.pst"]);

    // An explicit file that exists is refused before the action is sent.
    let before = server.requests().len();
    let taken = Destination::File {
        path: saved[0].path.clone(),
        overwrite: false,
    };
    let error = taken.check().unwrap_err();
    assert_eq!(error.field(), Some("to"));
    assert_eq!(server.requests().len(), before);
}

#[tokio::test]
async fn file_kinds_are_told_by_magic_bytes() {
    let msg = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0];
    for (body, action, kind) in [
        (
            b"PK\x03\x04rest-of-zip".to_vec(),
            Action::export_to_pst(),
            FileKind::Zip,
        ),
        (pst(20), Action::export_to_pst(), FileKind::Pst),
        (msg.to_vec(), Action::save_to_msg(), FileKind::Msg),
    ] {
        let server = CaptureServer::start(Reply::file(&body)).await;
        let client = Client::builder(&server.base_url)
            .api_version(vbo365::ApiVersion::V4)
            .build()
            .unwrap();
        let ActionOutcome::File(mut file) = client
            .perform_action(SESSION, MAILBOX, ITEM, &action)
            .await
            .unwrap()
        else {
            panic!("expected a file");
        };
        assert_eq!((file.kind(), file.action()), (kind, action.kind()));
        let mut received = Vec::new();
        while let Some(chunk) = file.next_chunk().await.unwrap() {
            received.extend_from_slice(&chunk);
        }
        assert_eq!(
            received, body,
            "the bytes read for detection are handed out too"
        );
    }
}

#[tokio::test]
async fn a_401_is_answered_with_one_refresh_and_one_retry() {
    let server =
        CaptureServer::start_with(|r| match (r.target.as_str(), r.header("authorization")) {
            ("/v4/token", _) if r.body_text().contains("grant_type=refresh_token") => {
                assert!(
                    r.body_text().contains("refresh_token=r1"),
                    "{}",
                    r.body_text()
                );
                Reply::json(200, &token_json("a2", "r2", 3600))
            }
            ("/v4/token", _) => Reply::json(200, &token_json("a1", "r1", 3600)),
            (_, Some("Bearer a2")) => Reply::json(200, PAGE),
            _ => Reply::json(
                401,
                r#"{"message":"Authorization has been denied for this request."}"#,
            ),
        })
        .await;
    let client = logged_in(&server).await;
    let page = client.api().list_restore_sessions().send().await.unwrap();
    assert!(page.results.is_empty());
    let seen: Vec<(String, Option<String>)> = server
        .requests()
        .iter()
        .map(|r| {
            (
                r.target.clone(),
                r.header("authorization").map(str::to_string),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("/v4/token".to_string(), None),
            (
                "/v4/RestoreSessions".to_string(),
                Some("Bearer a1".to_string())
            ),
            ("/v4/token".to_string(), None),
            (
                "/v4/RestoreSessions".to_string(),
                Some("Bearer a2".to_string())
            ),
        ]
    );
}

#[tokio::test]
async fn a_second_401_fails_clearly_after_exactly_one_refresh() {
    let server = CaptureServer::start_with(|r| {
        if is_token(r) {
            Reply::json(200, &token_json("a1", "r1", 3600))
        } else {
            Reply::json(
                401,
                r#"{"message":"Authorization has been denied for this request."}"#,
            )
        }
    })
    .await;
    let client = logged_in(&server).await;
    let error = client
        .perform_action(SESSION, MAILBOX, ITEM, &Action::save_to_msg())
        .await
        .unwrap_err();
    assert!(error.is_unauthorized(), "{error:?}");
    assert_eq!(
        error.message(),
        Some("Authorization has been denied for this request.")
    );
    let targets: Vec<bool> = server.requests().iter().map(is_token).collect();
    assert_eq!(
        targets,
        [true, false, true, false],
        "login, action, one refresh, one retry"
    );
}

#[tokio::test]
async fn concurrent_401s_share_a_single_refresh() {
    let refreshes = Arc::new(AtomicUsize::new(0));
    let counter = refreshes.clone();
    let server =
        CaptureServer::start_with(
            move |r| match (r.target.as_str(), r.header("authorization")) {
                ("/v4/token", _) if r.body_text().contains("grant_type=refresh_token") => {
                    counter.fetch_add(1, Ordering::SeqCst);
                    let mut reply = Reply::json(200, &token_json("a2", "r2", 3600));
                    reply.delay = Duration::from_millis(100); // let the others pile up behind it
                    reply
                }
                ("/v4/token", _) => Reply::json(200, &token_json("a1", "r1", 3600)),
                (_, Some("Bearer a2")) => Reply::json(200, PAGE),
                _ => Reply::json(401, r#"{"message":"expired"}"#),
            },
        )
        .await;
    let client = logged_in(&server).await;
    let calls = (0..12).map(|_| {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .api()
                .list_restore_sessions()
                .send()
                .await
                .map(|_| ())
        })
    });
    for call in calls.collect::<Vec<_>>() {
        call.await.unwrap().unwrap();
    }
    assert_eq!(refreshes.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_token_about_to_expire_is_refreshed_before_the_request() {
    let server = CaptureServer::start_with(|r| {
        if is_token(r) && r.body_text().contains("grant_type=refresh_token") {
            Reply::json(200, &token_json("a2", "r2", 3600))
        } else if is_token(r) {
            // Due at once (within the refresh margin): no waiting for it to age.
            Reply::json(200, &token_json("a1", "r1", 0))
        } else {
            Reply::json(200, PAGE)
        }
    })
    .await;
    let client = logged_in(&server).await;
    client.api().list_restore_sessions().send().await.unwrap();
    let last = server.requests().pop().unwrap();
    assert_eq!(last.header("authorization"), Some("Bearer a2"));
    assert_eq!(server.requests().iter().filter(|r| is_token(r)).count(), 2);
}

#[tokio::test]
async fn a_500_on_an_action_is_reported_once_with_the_server_message() {
    let message = "Failed to export items to PST. 64-bit version of Microsoft Outlook is required.";
    let server =
        CaptureServer::start(Reply::json(500, &format!(r#"{{"message":"{message}"}}"#))).await;
    let client = Client::builder(&server.base_url)
        .api_version(vbo365::ApiVersion::V4)
        .retry(fast_retries())
        .build()
        .unwrap();
    let error = client
        .perform_action(SESSION, MAILBOX, ITEM, &Action::export_to_pst())
        .await
        .unwrap_err();
    assert_eq!(
        error.status(),
        Some(reqwest::StatusCode::INTERNAL_SERVER_ERROR)
    );
    assert_eq!(error.message(), Some(message));
    assert!(error.is_retryable() && error.may_have_reached_server());
    assert!(error.to_string().contains(message), "{error}");
    assert_eq!(
        server.requests().len(),
        1,
        "an action that may have run is never sent twice"
    );
}

#[tokio::test]
async fn idempotent_gets_are_retried_on_5xx_and_429() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let server = CaptureServer::start_with(move |_| match counter.fetch_add(1, Ordering::SeqCst) {
        0 => Reply::json(503, r#"{"message":"busy"}"#),
        1 => Reply::json(429, r#"{"message":"slow down"}"#).with_header("retry-after", "0"),
        _ => Reply::json(200, PAGE),
    })
    .await;
    let client = Client::builder(&server.base_url)
        .api_version(vbo365::ApiVersion::V4)
        .retry(fast_retries())
        .build()
        .unwrap();
    client.api().list_restore_sessions().send().await.unwrap();
    assert_eq!(server.requests().len(), 3);

    let server = CaptureServer::start(Reply::json(500, r#"{"message":"down"}"#)).await;
    let client = Client::builder(&server.base_url)
        .api_version(vbo365::ApiVersion::V4)
        .retry(fast_retries())
        .build()
        .unwrap();
    let error = client
        .api()
        .list_restore_sessions()
        .call()
        .await
        .unwrap_err();
    assert_eq!(error.message(), Some("down"));
    assert_eq!(
        server.requests().len(),
        4,
        "the first try and three retries"
    );
}

#[tokio::test]
async fn an_error_body_that_is_not_json_is_reported_bounded() {
    let html = format!(
        "<html><body>{}</body></html>",
        "Service Unavailable ".repeat(5000)
    );
    let server = CaptureServer::start(Reply::bytes(502, Some("text/html"), html.as_bytes())).await;
    let client = Client::builder(&server.base_url)
        .api_version(vbo365::ApiVersion::V4)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let error = client
        .perform_action(SESSION, MAILBOX, ITEM, &Action::save_to_msg())
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(reqwest::StatusCode::BAD_GATEWAY));
    let shown = error.to_string();
    assert!(shown.contains("non-JSON body starting with"), "{shown}");
    assert!(
        shown.len() < 400,
        "Display stays bounded: {} chars",
        shown.len()
    );
}

#[tokio::test]
async fn a_refused_connection_never_reached_the_server() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = Client::builder(format!("http://127.0.0.1:{port}"))
        .api_version(vbo365::ApiVersion::V4)
        .retry(fast_retries())
        .build()
        .unwrap();
    let error = client
        .perform_action(SESSION, MAILBOX, ITEM, &Action::save_to_msg())
        .await
        .unwrap_err();
    assert!(error.is_transport(), "{error:?}");
    assert!(!error.may_have_reached_server());
    assert!(error.is_retryable());
}

#[tokio::test]
async fn a_private_ca_is_trusted_through_the_option_and_rejected_without_it() {
    let pki = TestPki::new();
    let server = CaptureServer::start_tls(pki.server_config.clone(), |_| {
        Reply::json(200, &token_json("a1", "r1", 3600))
    })
    .await;

    let trusting = Client::builder(&server.base_url)
        .api_version(vbo365::ApiVersion::V4)
        .add_ca_pem(pki.ca_pem.clone())
        .build()
        .unwrap();
    trusting.login("admin", "paSSw0rd").await.unwrap();

    let strict = Client::builder(&server.base_url)
        .api_version(vbo365::ApiVersion::V4)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let error = strict.login("admin", "paSSw0rd").await.unwrap_err();
    assert!(error.is_certificate(), "{error:?}");
    assert!(
        error.report().to_string().contains("certificate"),
        "the report keeps the reason: {}",
        error.report()
    );
    assert!(
        !error.may_have_reached_server(),
        "the TLS handshake failed before any request"
    );

    let ca_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(ca_file.path(), &pki.ca_pem).unwrap();
    let from_file = Client::builder(&server.base_url)
        .api_version(vbo365::ApiVersion::V4)
        .add_ca_file(ca_file.path())
        .build()
        .unwrap();
    from_file.login("admin", "paSSw0rd").await.unwrap();

    let warnings = support::CapturedLog::default();
    let insecure = {
        let _log = warnings.start();
        Client::builder(&server.base_url)
            .api_version(vbo365::ApiVersion::V4)
            .danger_accept_invalid_certs(true)
            .build()
            .unwrap()
    };
    assert!(
        warnings
            .text()
            .contains("TLS certificate verification is OFF"),
        "{}",
        warnings.text()
    );
    insecure.login("admin", "paSSw0rd").await.unwrap();

    let error = Client::builder(&server.base_url)
        .api_version(vbo365::ApiVersion::V4)
        .add_ca_pem("not a certificate")
        .build()
        .unwrap_err();
    assert_eq!(error.field(), Some("ca_cert"));
}

#[tokio::test]
async fn the_action_has_no_total_timeout_while_small_json_calls_do() {
    // The server takes a while before its first byte, as a real PST export does.
    let server = CaptureServer::start_with(|request| {
        let mut reply = if request.target.ends_with("/Action") {
            Reply::file(&pst(4096))
        } else {
            Reply::json(200, PAGE)
        };
        reply.delay = Duration::from_millis(1500);
        reply
    })
    .await;
    let client = Client::builder(&server.base_url)
        .api_version(vbo365::ApiVersion::V4)
        .response_timeout(Some(Duration::from_millis(500)))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    // Every operation that downloads, each through its typed client method.
    let export = Action::export_to_pst();
    let items = vbo365::ItemIds::new([ITEM, "BBBB"]).unwrap();
    let outcomes = [
        (
            vbo365::Operation::PerformMailboxItemAction,
            client.perform_action(SESSION, MAILBOX, ITEM, &export).await,
        ),
        (
            vbo365::Operation::PerformMailboxItemsAction,
            client
                .perform_action_on_items(SESSION, MAILBOX, &items, &export)
                .await,
        ),
        (
            vbo365::Operation::PerformMailboxAction,
            client
                .perform_action_on_mailbox(SESSION, MAILBOX, &export)
                .await,
        ),
        (
            vbo365::Operation::PerformMailboxFolderAction,
            client
                .perform_action_on_folder(SESSION, MAILBOX, "AAMkAD", &export)
                .await,
        ),
    ];
    for (operation, outcome) in &outcomes {
        let outcome = outcome.as_ref().unwrap();
        assert!(
            matches!(outcome, ActionOutcome::File(_)),
            "{operation}: {outcome:?}"
        );
    }
    let mut covered: Vec<_> = outcomes.iter().map(|(operation, _)| *operation).collect();
    covered.sort();
    let downloading: Vec<_> = vbo365::Operation::ALL
        .into_iter()
        .filter(|operation| operation.downloads(vbo365::ApiVersion::V4))
        .collect();
    assert_eq!(
        covered, downloading,
        "a downloading operation is not tried here"
    );
    // And each asked for files and JSON alike.
    for request in server.requests() {
        assert_eq!(
            request.header("accept"),
            Some("application/octet-stream, application/json"),
            "{}",
            request.target
        );
    }
    let error = client
        .api()
        .list_restore_sessions()
        .call()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
}
