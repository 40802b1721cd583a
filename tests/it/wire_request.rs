//! The full HTTP request of an action, as a real local HTTP server receives it.

use crate::support;

use support::{CaptureServer, Recorded, Reply};
use uuid::uuid;
use vbo365::{Action, ActionOutcome, Client, Credentials, RestoreOptions};

const SESSION: vbo365::SessionId =
    vbo365::SessionId::from_uuid(uuid!("380d7caf-6294-4a33-b50a-b8aeb13af58c"));
const MAILBOX: vbo365::MailboxId =
    vbo365::MailboxId::from_uuid(uuid!("9e9b7199-f547-467a-b580-9d283a75eaad"));
/// Every character of a real item id that needs care in a path segment.
const ITEM_ID: &str = "AAAAAKGE4dIv-QUtG_juSnq8=JTH+AgH/APliTMf==";
const TOKEN: &str = "tok-3c1f9a0e-secret";

fn token_reply() -> Reply {
    Reply::json(
        200,
        &format!(r#"{{"access_token":"{TOKEN}","token_type":"bearer","expires_in":3600}}"#),
    )
}

/// Renders a recorded request for a snapshot: the host (a random port) and the token value
/// are replaced, everything else is verbatim.
fn render(request: &Recorded) -> String {
    let mut out = format!("{} {}\n", request.method, request.target);
    let mut headers = request.headers.clone();
    headers.sort();
    for (name, value) in headers {
        let value = match name.as_str() {
            "host" => "[loopback]".to_string(),
            "user-agent" => {
                assert!(
                    value.starts_with("vbo365/"),
                    "user-agent names the client: {value}"
                );
                "vbo365/[version]".to_string()
            }
            "authorization" => {
                assert_eq!(
                    value,
                    format!("Bearer {TOKEN}"),
                    "the bearer token must be sent as is"
                );
                "Bearer [token]".to_string()
            }
            _ => value,
        };
        out.push_str(&format!("{name}: {value}\n"));
    }
    let body: serde_json::Value = serde_json::from_slice(&request.body).expect("a JSON body");
    out.push('\n');
    out.push_str(&serde_json::to_string_pretty(&body).unwrap());
    out
}

#[tokio::test]
async fn action_request_on_the_wire() {
    let server = CaptureServer::start_with(|request| {
        if request.target == "/v4/token" {
            token_reply()
        } else {
            Reply::json(200, r#"{"createdItemsCount":1,"mergedItemsCount":0,"failedItemsCount":0,"skippedItemsCount":0}"#)
        }
    })
    .await;
    let client = Client::builder(&server.base_url)
        .api_version(vbo365::ApiVersion::V4)
        .build()
        .unwrap();
    client
        .login("admin@westsupport.onmicrosoft.com", "paSSw0rd")
        .await
        .unwrap();
    let action = Action::restore_to(
        "djohnes@westsupport.onmicrosoft.com",
        Credentials::user_password("djohnes@westsupport.onmicrosoft.com", "paSSw0rd"),
        RestoreOptions::default(),
    )
    .unwrap();
    let outcome = client
        .perform_action(SESSION, MAILBOX, ITEM_ID, &action)
        .await
        .unwrap();
    let ActionOutcome::Restored(statistics) = outcome else {
        panic!("a restore returns statistics, got {outcome:?}");
    };
    assert_eq!(statistics.statistics().created_items_count, Some(1));

    let requests = server.requests();
    assert_eq!(
        requests.len(),
        2,
        "one token request, then exactly one action request"
    );
    let token_request = &requests[0];
    assert_eq!(token_request.method, "POST");
    assert_eq!(token_request.target, "/v4/token");
    assert_eq!(
        token_request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(token_request.header("authorization"), None);
    insta::assert_snapshot!(render(&requests[1]));
}
