//! An item id reaches the server as exactly one path segment of the request line the spec
//! names, whatever characters it holds; ids that no encoding can keep in their segment are
//! refused before anything is sent, not even a connection.

use crate::support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use support::{CaptureServer, Reply};
use uuid::uuid;
use vbo365::{Action, BulkOptions, Client, Error};

const SESSION: vbo365::SessionId =
    vbo365::SessionId::from_uuid(uuid!("380d7caf-6294-4a33-b50a-b8aeb13af58c"));
const MAILBOX: vbo365::MailboxId =
    vbo365::MailboxId::from_uuid(uuid!("9e9b7199-f547-467a-b580-9d283a75eaad"));

/// Every printable ASCII character, each alone, and all of them together; and the shapes
/// that URL parsers rewrite when they are not encoded.
fn accepted_ids() -> Vec<String> {
    let printable: String = (0x21u8..=0x7e).map(char::from).collect();
    let mut ids: Vec<String> = printable
        .chars()
        .filter(|c| *c != '.')
        .map(String::from)
        .collect();
    ids.push(printable.clone());
    ids.push(format!(" {printable} "));
    for shape in [
        "a/../b",
        "..\\..\\x",
        "%2e%2e",
        "%2E%2E",
        ".%2e",
        "\\..",
        "..\\",
        "...",
        ".a",
        "a.",
        "a;b=c",
        "a?b#c",
        "[::1]",
        "x^|'`{}\"<>",
        "+/=",
        "é/ß",
    ] {
        ids.push(shape.to_string());
    }
    ids
}

/// Ids that no encoding keeps in their segment, or that no server accepts.
fn refused_ids() -> Vec<String> {
    vec![
        ".".into(),
        "..".into(),
        "\n".into(),
        "a\nb".into(),
        "a\r\nHost: evil".into(),
        "\0".into(),
        "a\0b".into(),
        "a\tb".into(),
        "\u{7f}".into(),
        "\u{85}".into(),
        "x".repeat(100_000),
    ]
}

/// Decodes `%XX` escapes; anything else must be a character a segment can hold literally.
fn decode_segment(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            assert!(
                bytes[i].is_ascii_alphanumeric() || b"-._~+=".contains(&bytes[i]),
                "{:?} is sent literally in the segment {segment:?}",
                bytes[i] as char
            );
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// Checks that `target` is `/v4/.../Items/{id}{suffix}` with the id as one segment.
fn assert_one_segment(target: &str, id: &str, suffix: &[&str]) {
    let segments: Vec<&str> = target.split('/').collect();
    let expected = [
        "",
        "v4",
        "RestoreSessions",
        "380d7caf-6294-4a33-b50a-b8aeb13af58c",
        "Organization",
        "Mailboxes",
        "9e9b7199-f547-467a-b580-9d283a75eaad",
        "Items",
    ];
    assert_eq!(
        segments.len(),
        expected.len() + 1 + suffix.len(),
        "id {id:?} went out as {target:?}"
    );
    assert_eq!(segments[..expected.len()], expected[..], "{target:?}");
    assert_eq!(decode_segment(segments[expected.len()]), id, "{target:?}");
    assert_eq!(
        &segments[segments.len() - suffix.len()..],
        suffix,
        "{target:?}"
    );
}

fn server() -> impl Fn(&support::Recorded) -> Reply + Send + Sync + 'static {
    |request| {
        if request.target.ends_with("/Action") {
            Reply::json(
                200,
                r#"{"createdItemsCount":1,"mergedItemsCount":0,"failedItemsCount":0,"skippedItemsCount":0}"#,
            )
        } else {
            Reply::json(200, r#"{"id":"x"}"#)
        }
    }
}

fn client(base_url: &str) -> Client {
    let client = Client::builder(base_url)
        .api_version(vbo365::ApiVersion::V4)
        .connect_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    client.resume("tok", None, Duration::from_secs(3600));
    client
}

#[tokio::test]
async fn every_accepted_id_is_one_segment_of_the_request_line() {
    let server = CaptureServer::start_with(server()).await;
    let client = client(&server.base_url);
    let restore =
        Action::restore_to_original(vbo365::Credentials::device_code("C6A9DB737")).unwrap();
    let ids = accepted_ids();
    for id in &ids {
        client
            .perform_action(SESSION, MAILBOX, id, &restore)
            .await
            .unwrap_or_else(|e| panic!("{id:?}: {e}"));
        client
            .api()
            .get_mailbox_item()
            .restore_session_id(SESSION)
            .mailbox_id(MAILBOX)
            .item_id(id.as_str())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{id:?}: {e}"));
    }
    let requests = server.requests();
    assert_eq!(requests.len(), ids.len() * 2);
    for (pair, id) in requests.chunks(2).zip(&ids) {
        assert_eq!(pair[0].method, "POST");
        assert_one_segment(&pair[0].target, id, &["Action"]);
        assert_eq!(pair[1].method, "GET");
        assert_one_segment(&pair[1].target, id, &[]);
    }
}

/// A listener that counts connections and never answers.
async fn counting_listener() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            seen.fetch_add(1, Ordering::SeqCst);
            drop(socket);
        }
    });
    (url, count)
}

fn assert_names_item_id(result: Result<impl std::fmt::Debug, Error>, id: &str, field: &str) {
    let error = result.expect_err("must be refused");
    assert!(error.is_invalid(), "{}: {error}", id.len());
    assert_eq!(error.field(), Some(field), "{error}");
    assert!(!error.rule().unwrap_or_default().is_empty(), "{error}");
    assert!(!error.may_have_reached_server());
}

#[tokio::test]
async fn ids_that_cannot_stay_in_their_segment_are_refused_without_a_connection() {
    let (url, connections) = counting_listener().await;
    let client = client(&url);
    let send = Action::send_to_default_address();
    let options = BulkOptions {
        concurrency: 1,
        directory: None,
    };
    for id in refused_ids() {
        let shown = id.chars().take(10).collect::<String>();
        assert_names_item_id(
            client.perform_action(SESSION, MAILBOX, &id, &send).await,
            &shown,
            "itemId",
        );
        assert_names_item_id(
            client
                .perform_bulk(
                    SESSION,
                    MAILBOX,
                    vec!["fine".into(), id.clone()],
                    &send,
                    &options,
                    |_| {},
                )
                .await,
            &shown,
            "itemIds[1]",
        );
        let generated = client
            .api()
            .get_mailbox_item()
            .restore_session_id(SESSION)
            .mailbox_id(MAILBOX)
            .item_id(id.as_str())
            .call()
            .await;
        let error = generated.expect_err(&shown);
        assert!(error.is_invalid(), "{shown:?}: {error}");
        assert!(error.to_string().contains("itemId"), "{error}");
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(connections.load(Ordering::SeqCst), 0, "nothing may be sent");
}

#[cfg(feature = "sim")]
#[tokio::test]
async fn the_simulator_reads_an_id_of_every_printable_character_as_one_segment() {
    use vbo365::sim::{SimConfig, Simulator};
    let sim = Simulator::start(SimConfig {
        tls: false,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let client = Client::builder(sim.base_url())
        .api_version(vbo365::ApiVersion::V4)
        .build()
        .unwrap();
    client
        .login(sim.username(), sim.password().clone())
        .await
        .unwrap();
    let session = vbo365::SessionId::from(sim.catalog().sessions[0].id);
    let mailbox = vbo365::MailboxId::from(sim.catalog().mailboxes[0].id);
    let printable: String = (0x21u8..=0x7e).map(char::from).collect();
    for id in [printable.as_str(), "a%2Fb", "a%5Cb", "..\\..\\x", "a/../b"] {
        let error = client
            .api()
            .get_mailbox_item()
            .restore_session_id(session)
            .mailbox_id(mailbox)
            .item_id(id)
            .call()
            .await
            .expect_err("no such item");
        assert!(error.is_not_found(), "{id:?}: {error}");
        assert!(
            error.message().unwrap_or_default().contains(id),
            "the simulator's item route saw another id than {id:?}: {error}"
        );
        let error = client
            .perform_action(session, mailbox, id, &Action::save_to_msg())
            .await
            .expect_err("no such item");
        assert!(error.is_not_found(), "{id:?}: {error}");
        assert!(error.message().unwrap_or_default().contains(id), "{error}");
    }
    // A real id with `+` and `/` still works.
    let real = &sim.catalog().mailboxes[1];
    let item = real
        .items
        .iter()
        .find(|i| i.id.contains('/'))
        .expect("the second mailbox has an id with '/'");
    client
        .perform_action(
            session,
            vbo365::MailboxId::from(real.id),
            &item.id,
            &Action::save_to_msg(),
        )
        .await
        .unwrap();
    sim.shutdown().await.unwrap();
}

/// `vbo item ...` refuses such an id as a usage error, before it logs in.
#[cfg(feature = "cli")]
#[tokio::test]
async fn the_command_line_refuses_such_ids_with_exit_2_and_no_connection() {
    let (url, connections) = counting_listener().await;
    let long = "x".repeat(100_000);
    for id in [".", "..", "a\nb", "\u{1}", long.as_str()] {
        for command in ["show", "restore", "save-msg"] {
            let mut vbo = std::process::Command::new(env!("CARGO_BIN_EXE_vbo"));
            vbo.env("VBO_API_VERSION", "v4");
            vbo.args(["--server", &url, "--user", "admin", "item", command])
                .args(["--session", &SESSION.to_string()])
                .args(["--mailbox-id", &MAILBOX.to_string()])
                .env("VBO_PASSWORD", "paSSw0rd");
            if command == "restore" {
                vbo.args(["--device-code", "C6A9DB737"]);
            } else if command == "save-msg" {
                vbo.args(["--to", "x.msg"]);
            }
            vbo.args(["--", id]);
            let output = vbo.output().unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{command} {id:?}: {stderr}");
            assert!(stderr.contains("itemId"), "{stderr}");
            assert!(
                stderr.len() < 1024,
                "the id is not echoed back: {} bytes",
                stderr.len()
            );
        }
    }
    assert_eq!(connections.load(Ordering::SeqCst), 0, "nothing may be sent");
}
