//! The client relies on none of the server's leniencies (the spec's "Server leniencies"): a
//! local server records what it sends on every read and on explore, and no path ends in a
//! slash, no query value is a literal `null`, dates are RFC 3339, and bodies carry no
//! byte-order mark.

use crate::support;

use support::{CaptureServer, Reply};
use uuid::uuid;
use vbo365::{Client, Timestamp, types};

const SESSION: vbo365::SessionId =
    vbo365::SessionId::from_uuid(uuid!("380d7caf-6294-4a33-b50a-b8aeb13af58c"));
const MAILBOX: vbo365::MailboxId =
    vbo365::MailboxId::from_uuid(uuid!("9e9b7199-f547-467a-b580-9d283a75eaad"));
const ORGANIZATION: vbo365::OrganizationId =
    vbo365::OrganizationId::from_uuid(uuid!("3a1b6c1e-7c1f-4a8e-9a3c-2f4a5b6c7d8e"));
const PAGE: &str = r#"{"offset":0,"limit":30,"results":[]}"#;

#[tokio::test]
async fn the_client_sends_only_what_the_spec_declares() {
    let server = CaptureServer::start_with(|request| {
        if request.target == "/v4/token" {
            Reply::json(
                200,
                r#"{"access_token":"a1","token_type":"bearer","expires_in":3600}"#,
            )
        } else if request.target.ends_with("/Action") {
            Reply::json(
                201,
                r#"{"id":"380d7caf-6294-4a33-b50a-b8aeb13af58c","type":"Vex","state":"Working","result":"Success"}"#,
            )
        } else {
            Reply::json(200, PAGE)
        }
    })
    .await;
    let client = Client::builder(&server.base_url)
        .api_version(vbo365::ApiVersion::V4)
        .build()
        .unwrap();
    client.login("admin", "paSSw0rd").await.unwrap();
    client.all_mailboxes(SESSION).await.unwrap();
    client.all_folders(SESSION, MAILBOX, None).await.unwrap();
    client.all_items(SESSION, MAILBOX, None).await.unwrap();
    client.all_restore_sessions().await.unwrap();
    let at: Timestamp = "2026-12-02T06:58:00Z".parse().unwrap();
    let options = types::ExploreOptions {
        datetime: Some(at),
        type_: Some(types::ExploreOptionsType::Vex),
        ..Default::default()
    };
    client.explore(ORGANIZATION, options).await.unwrap();

    let requests = server.requests();
    assert_eq!(requests.len(), 6);
    for request in &requests {
        let (path, query) = request
            .target
            .split_once('?')
            .unwrap_or((&request.target, ""));
        assert!(!path.ends_with('/'), "a trailing slash: {}", request.target);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let value = pair.split_once('=').map_or("", |(_, v)| v);
            assert!(
                !value.eq_ignore_ascii_case("null"),
                "a null query value: {}",
                request.target
            );
        }
        assert!(!request.body.starts_with(&[0xEF, 0xBB, 0xBF]), "a BOM");
    }
    let explore = requests.last().unwrap();
    let body: serde_json::Value = serde_json::from_slice(&explore.body).unwrap();
    let datetime = body["explore"]["datetime"].as_str().unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(datetime).is_ok(),
        "not RFC 3339: {datetime}"
    );
    assert_eq!(body["explore"]["type"], "vex", "the enum's own spelling");
}
