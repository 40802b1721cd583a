//! The multi-item action on the wire: its request for each of the six actions (and each
//! restore credential method), as a real local HTTP server receives it, pinned by snapshots;
//! and the lists the client refuses before sending anything.

use crate::support;

use support::{CaptureServer, Recorded, Reply};
use uuid::uuid;
use vbo365::{Action, ActionKind, ActionOutcome, Client, Credentials, ItemIds, RestoreOptions};

const SESSION: vbo365::SessionId =
    vbo365::SessionId::from_uuid(uuid!("380d7caf-6294-4a33-b50a-b8aeb13af58c"));
const MAILBOX: vbo365::MailboxId =
    vbo365::MailboxId::from_uuid(uuid!("9e9b7199-f547-467a-b580-9d283a75eaad"));
const ITEMS: [&str; 2] = [
    "AAAAAKGE4dIv-QUtG_juSnq8=JTH+AgH/APliTMf==",
    "AAAAAKGE4dIv-QUtG_juSnq8=JTH+AgH/APliTMg==",
];
const APP_ID: uuid::Uuid = uuid!("8c6f3a4e-2b1d-4c5e-9f7a-1b2c3d4e5f60");

/// The answer a v4 server gives to `kind` on several items.
fn reply(kind: ActionKind) -> Reply {
    match kind {
        ActionKind::ExportToPst => Reply::file(b"!BDN and the rest of a PST"),
        ActionKind::SaveToMsg => Reply::file(b"PK\x03\x04 and the rest of a ZIP of MSGs"),
        ActionKind::RestoreToOriginalLocation | ActionKind::RestoreTo => Reply::json(
            200,
            r#"{"createdItemsCount":2,"mergedItemsCount":0,"failedItemsCount":0,"skippedItemsCount":0}"#,
        ),
        ActionKind::SendToDefaultAddress | ActionKind::SendToDifferentAddress => {
            Reply::bytes(200, None, b"")
        }
    }
}

/// The request line and the body, pretty-printed.
fn render(request: &Recorded) -> String {
    let body: serde_json::Value = serde_json::from_slice(&request.body).expect("a JSON body");
    format!(
        "{} {}\n{}",
        request.method,
        request.target,
        serde_json::to_string_pretty(&body).unwrap()
    )
}

/// Sends `action` on [`ITEMS`] and returns the one action request the server saw.
async fn sent(action: &Action) -> Recorded {
    let kind = action.kind();
    let server = CaptureServer::start_with(move |request| {
        if request.target == "/v4/token" {
            Reply::json(
                200,
                r#"{"access_token":"t","token_type":"bearer","expires_in":3600}"#,
            )
        } else {
            reply(kind)
        }
    })
    .await;
    let client = Client::builder(&server.base_url)
        .api_version(vbo365::ApiVersion::V4)
        .build()
        .unwrap();
    client.login("admin", "paSSw0rd").await.unwrap();
    let items = ItemIds::new(ITEMS).unwrap();
    let outcome = client
        .perform_action_on_items(SESSION, MAILBOX, &items, action)
        .await
        .unwrap();
    match (kind, outcome) {
        (ActionKind::ExportToPst, ActionOutcome::File(file)) => {
            assert_eq!(file.kind(), vbo365::FileKind::Pst)
        }
        (ActionKind::SaveToMsg, ActionOutcome::File(file)) => {
            assert_eq!(
                file.kind(),
                vbo365::FileKind::Zip,
                "several MSGs come as a ZIP"
            )
        }
        (
            ActionKind::RestoreTo | ActionKind::RestoreToOriginalLocation,
            ActionOutcome::Restored(r),
        ) => {
            assert_eq!(r.statistics().created_items_count, Some(2))
        }
        (
            ActionKind::SendToDefaultAddress | ActionKind::SendToDifferentAddress,
            ActionOutcome::Sent(s),
        ) => {
            assert_eq!(s.action(), kind)
        }
        (kind, outcome) => panic!("{kind:?} answered {outcome:?}"),
    }
    let mut requests = server.requests();
    assert_eq!(
        requests.len(),
        2,
        "the login, then one request for every item"
    );
    requests.pop().unwrap()
}

fn credentials() -> [(&'static str, Credentials); 3] {
    [
        (
            "user_password",
            Credentials::user_password("jsmith@westsupport.onmicrosoft.com", "paSSw0rd"),
        ),
        ("device_code", Credentials::device_code("C6A9DB737")),
        (
            "application_certificate",
            Credentials::application_certificate(APP_ID, b"pfx bytes", "xxx"),
        ),
    ]
}

#[tokio::test]
async fn every_action_on_several_items_is_one_request_with_the_items_inside_the_action() {
    let actions = [
        (
            "export_to_pst",
            Action::export_to_pst_split(1 << 30).unwrap(),
        ),
        ("save_to_msg", Action::save_to_msg()),
        ("send_to_default_address", Action::send_to_default_address()),
        (
            "send_to_different_address",
            Action::send_to_different_address(
                "j_smith@westsupport.onmicrosoft.com",
                "r.clark@westsupport.onmicrosoft.com",
                Some("Support Tickets".into()),
                None,
            )
            .unwrap(),
        ),
    ];
    for (name, action) in actions {
        insta::assert_snapshot!(format!("items_{name}"), render(&sent(&action).await));
    }
    for (method, credentials) in credentials() {
        let original = Action::restore_to_original(credentials.clone()).unwrap();
        insta::assert_snapshot!(
            format!("items_restore_to_original_location_{method}"),
            render(&sent(&original).await)
        );
        let to = Action::restore_to(
            "djohnes@westsupport.onmicrosoft.com",
            credentials,
            RestoreOptions::default(),
        )
        .unwrap();
        insta::assert_snapshot!(
            format!("items_restore_to_{method}"),
            render(&sent(&to).await)
        );
    }
}

#[test]
fn a_bad_list_is_refused_naming_the_item_and_the_rule() {
    let error = ItemIds::new(Vec::<String>::new()).unwrap_err();
    assert_eq!(error.field(), Some("items"), "{error}");
    let error = ItemIds::new(["AAAA", "BBBB", "AAAA"]).unwrap_err();
    assert_eq!(error.field(), Some("items[2].id"), "{error}");
    assert!(error.to_string().contains("repeats items[0].id"), "{error}");
    // The item-id rules of the one-item action apply to each id.
    for bad in ["", " ", "..", "a\u{7}b", &"A".repeat(1025)] {
        let error = ItemIds::new(["AAAA", bad]).unwrap_err();
        assert_eq!(error.field(), Some("items[1].id"), "{bad:?}: {error}");
    }
    let ok = ItemIds::new(ITEMS).unwrap();
    assert_eq!(ok.as_slice(), ITEMS);
    assert_eq!(ok.len(), 2);
}
