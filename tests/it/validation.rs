//! Bad input is refused before anything is sent, with an error that names the field and the
//! rule. A server that counts requests proves that nothing went out.

use crate::support;

use serde_json::json;
use support::{CaptureServer, Reply};
use uuid::uuid;
use vbo365::types::MailboxItemAction;
use vbo365::{Action, BulkOptions, Client, Credentials, Error, RestoreOptions};

const SESSION: vbo365::SessionId =
    vbo365::SessionId::from_uuid(uuid!("380d7caf-6294-4a33-b50a-b8aeb13af58c"));
const MAILBOX: vbo365::MailboxId =
    vbo365::MailboxId::from_uuid(uuid!("9e9b7199-f547-467a-b580-9d283a75eaad"));

fn body(value: serde_json::Value) -> MailboxItemAction {
    serde_json::from_value(value).expect("a body the generated types accept")
}

fn expect(result: Result<impl std::fmt::Debug, Error>, field: &str, rule: &str) {
    let error = result.expect_err("must be refused");
    assert!(
        error.is_invalid() && !error.may_have_reached_server(),
        "{error:?}"
    );
    assert_eq!(error.field(), Some(field), "{error}");
    assert!(error.rule().unwrap().contains(rule), "{error}");
    assert!(
        error.to_string().contains(field),
        "Display names the field: {error}"
    );
}

#[tokio::test]
async fn invalid_input_is_refused_before_anything_is_sent() {
    let server =
        CaptureServer::start(Reply::json(500, r#"{"message":"must not be reached"}"#)).await;
    let client = Client::builder(&server.base_url)
        .api_version(vbo365::ApiVersion::V4)
        .build()
        .unwrap();
    let pst = "exportToPst.pstSizeLimitBytes";

    expect(
        Action::export_to_pst_split(1024),
        pst,
        "within 1073741824 (1 GiB) ..= 52613349376 (49 GiB)",
    );
    expect(Action::export_to_pst_split((49 << 30) + 1), pst, "within");
    expect(
        Action::try_from(body(json!({"exportToPst": {"enablePstSizeLimit": true}}))),
        pst,
        "required when enablePstSizeLimit is true",
    );
    expect(
        Action::try_from(body(json!({"exportToPst": {"pstSizeLimitBytes": -1}}))),
        pst,
        "within",
    );
    expect(
        Action::restore_to(
            "djohnes at westsupport",
            Credentials::device_code("C6A9"),
            RestoreOptions::default(),
        ),
        "restoreTo.mailbox",
        "email address",
    );
    expect(
        Action::send_to_different_address("a@example.com", "b@", None, None),
        "sendtoDifferentaddress.to",
        "email address",
    );
    expect(
        Action::send_to_different_address("a b@example.com", "b@example.com", None, None),
        "sendtoDifferentaddress.from",
        "whitespace",
    );
    expect(
        Action::restore_to_original(Credentials::user_password(" ", "paSSw0rd")),
        "restoretoOriginallocation.userName",
        "must not be empty",
    );
    expect(
        Action::restore_to_original(Credentials::user_password("jsmith", "")),
        "restoretoOriginallocation.userPassword",
        "must not be empty",
    );
    expect(
        Action::restore_to_original(Credentials::device_code("")),
        "restoretoOriginallocation.userCode",
        "must not be empty",
    );
    expect(
        Action::try_from(body(json!({"restoretoOriginallocation": {
            "applicationId": "8c6f3a4e-2b1d-4c5e-9f7a-1b2c3d4e5f60",
            "applicationCertificate": "pasted text, not base64!",
            "applicationCertificatePassword": "xxx"
        }}))),
        "restoretoOriginallocation.applicationCertificate",
        "base64",
    );
    expect(
        client
            .perform_action(SESSION, MAILBOX, "", &Action::save_to_msg())
            .await,
        "itemId",
        "must not be empty",
    );
    // A whole mailbox is exported or restored, not sent or saved as MSG.
    for action in [
        Action::save_to_msg(),
        Action::send_to_default_address(),
        Action::send_with_vex_sender("b@example.com", None, None).unwrap(),
    ] {
        expect(
            client
                .perform_action_on_mailbox(SESSION, MAILBOX, &action)
                .await,
            action.kind().wire_name(),
            "acts on items only; a whole mailbox takes exportToPst, restoretoOriginallocation, restoreTo",
        );
    }
    expect(
        client.login("", "paSSw0rd").await,
        "username",
        "must not be empty",
    );
    expect(
        client.login("admin", "").await,
        "password",
        "must not be empty",
    );
    let options = BulkOptions {
        concurrency: 2,
        directory: None,
    };
    expect(
        client
            .perform_bulk(
                SESSION,
                MAILBOX,
                vec!["a".into(), "".into()],
                &Action::send_to_default_address(),
                &options,
                |_| {},
            )
            .await,
        "itemIds[1]",
        "must not be empty",
    );
    expect(
        client
            .perform_bulk(
                SESSION,
                MAILBOX,
                vec!["a".into()],
                &Action::save_to_msg(),
                &options,
                |_| {},
            )
            .await,
        "to",
        "directory",
    );
    let serial = BulkOptions {
        concurrency: 0,
        directory: None,
    };
    expect(
        client
            .perform_bulk(
                SESSION,
                MAILBOX,
                vec!["a".into()],
                &Action::send_to_default_address(),
                &serial,
                |_| {},
            )
            .await,
        "concurrency",
        "at least 1",
    );
    expect(
        Client::builder("ftp://vbo.example.com")
            .api_version(vbo365::ApiVersion::V4)
            .build(),
        "server",
        "http",
    );
    expect(
        Client::builder("vbo.example.com:4443")
            .api_version(vbo365::ApiVersion::V4)
            .build(),
        "server",
        "URL",
    );

    assert_eq!(
        server.requests().len(),
        0,
        "nothing may be sent for invalid input"
    );
}

#[test]
fn two_credential_methods_at_once_cannot_be_expressed() {
    // The generated enums hold exactly one method; a mixed body does not even deserialize.
    for mixed in [
        json!({"restoretoOriginallocation": {"userName": "a", "userPassword": "b", "userCode": "c"}}),
        json!({"restoreTo": {"mailbox": "a@b.c", "userCode": "c", "applicationId": "8c6f3a4e-2b1d-4c5e-9f7a-1b2c3d4e5f60"}}),
    ] {
        assert!(
            serde_json::from_value::<MailboxItemAction>(mixed.clone()).is_err(),
            "{mixed}"
        );
    }
}
