//! Responses as real servers of other versions send them, recorded from the vendor's
//! documents, parsed by the client without loss: values the spec does not list, the vendor's
//! casing, the statistics of newer servers.

use crate::support::{CaptureServer, Reply};

use uuid::uuid;
use vbo365::types::{RestoreSessionResult, RestoreSessionState, RestoreSessionType};
use vbo365::{ActionOutcome, Client, Credentials, RetryPolicy};

async fn client_answering(body: &str) -> (CaptureServer, Client) {
    let server = CaptureServer::start(Reply::json(200, body)).await;
    let client = Client::builder(&server.base_url)
        .api_version(vbo365::ApiVersion::V4)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    (server, client)
}

/// A page whose sessions carry values of the v3 documentation (`Starting`) and of v6 and later
/// (`Vet`), and one that no document lists: the page parses, each value is kept as sent.
#[tokio::test]
async fn unknown_enum_values_in_a_page_are_kept_not_refused() {
    let page = r#"{"offset":0,"limit":30,"results":[
        {"id":"380d7caf-6294-4a33-b50a-b8aeb13af58c","type":"Vet","state":"Starting","result":"Success"},
        {"id":"480d7caf-6294-4a33-b50a-b8aeb13af58c","type":"Vfuture","state":"Paused","result":"Skipped"},
        {"id":"580d7caf-6294-4a33-b50a-b8aeb13af58c","type":"Vex","state":"Working","result":null}]}"#;
    let (_server, client) = client_answering(page).await;
    let sessions = client.all_restore_sessions().await.unwrap();
    let seen: Vec<_> = sessions
        .iter()
        .map(|s| (s.type_.clone(), s.state.clone(), s.result.clone()))
        .collect();
    assert_eq!(
        seen,
        [
            (
                RestoreSessionType::Vet,
                RestoreSessionState::Starting,
                Some(RestoreSessionResult::Success)
            ),
            (
                RestoreSessionType::Unknown("Vfuture".into()),
                RestoreSessionState::Unknown("Paused".into()),
                Some(RestoreSessionResult::Unknown("Skipped".into()))
            ),
            (RestoreSessionType::Vex, RestoreSessionState::Working, None),
        ]
    );
    // Without loss: serialized again, each value is spelled as the server sent it.
    let again = serde_json::to_value(&sessions[1]).unwrap();
    assert_eq!(
        (&again["type"], &again["state"], &again["result"]),
        (
            &serde_json::json!("Vfuture"),
            &serde_json::json!("Paused"),
            &serde_json::json!("Skipped")
        )
    );
    assert!(!sessions[1].state.is_known() && sessions[0].state.is_known());
    // Responses are case-exact: another casing is not taken for a known value.
    assert_eq!(
        RestoreSessionState::from("working"),
        RestoreSessionState::Unknown("working".into())
    );
}

/// The VEX settings as the vendor spells them (`username`, lower case): the SMTP user is read.
#[tokio::test]
async fn vex_settings_read_the_vendor_casing() {
    let body = r#"{"enableNotification":true,"server":"smtp.office365.com","port":587,
        "useAuthentication":true,"username":"notifications@westsupport.onmicrosoft.com",
        "useSSL":true,"from":"notifications@westsupport.onmicrosoft.com"}"#;
    let (_server, client) = client_answering(body).await;
    let settings = client.vex_email_settings().await.unwrap();
    assert_eq!(
        settings.username.as_deref(),
        Some("notifications@westsupport.onmicrosoft.com")
    );
}

/// Restore statistics as v6 and later servers send them (`RESTItemsRestoreStatistics`):
/// warnings, item errors and an early stop are all read, and make the restore incomplete.
#[tokio::test]
async fn newer_restore_statistics_are_read_whole() {
    let body = r#"{"createdItemsCount":1,"mergedItemsCount":0,"failedItemsCount":0,
        "skippedItemsCount":2,"warnings":["Item was skipped: it is a draft"],
        "exceptions":["Access denied to folder Inbox/Old"],
        "cannotContinueError":"The target mailbox is full"}"#;
    let (_server, client) = client_answering(body).await;
    let action =
        vbo365::Action::restore_to_original(Credentials::device_code("C6A9DB737")).unwrap();
    let outcome = client
        .perform_action(
            vbo365::SessionId::from_uuid(uuid!("380d7caf-6294-4a33-b50a-b8aeb13af58c")),
            vbo365::MailboxId::from_uuid(uuid!("9e9b7199-f547-467a-b580-9d283a75eaad")),
            "AAAAAKGE4dIv-QUtG_ju=",
            &action,
        )
        .await
        .unwrap();
    let ActionOutcome::Restored(restored) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(restored.warnings(), ["Item was skipped: it is a draft"]);
    assert_eq!(restored.exceptions(), ["Access denied to folder Inbox/Old"]);
    assert_eq!(
        restored.cannot_continue(),
        Some("The target mailbox is full")
    );
    assert!(!restored.is_complete());
    assert_eq!(restored.statistics().skipped_items_count, Some(2));
}

/// A refused login as v4 answers it (OAuth) and as v6 and later answer it (`{message}`): the
/// error carries the server's words either way.
#[tokio::test]
async fn token_errors_are_read_in_both_shapes() {
    for body in [
        r#"{"error":"invalid_grant","error_description":"The user name or password is incorrect."}"#,
        r#"{"message":"The user name or password is incorrect."}"#,
    ] {
        let server = CaptureServer::start(Reply::json(400, body)).await;
        let client = Client::builder(&server.base_url)
            .api_version(vbo365::ApiVersion::V4)
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        let error = client.login("admin", "wrong-password").await.unwrap_err();
        assert!(
            error
                .to_string()
                .contains("The user name or password is incorrect."),
            "{body}: {error}"
        );
    }
}

/// Timestamps as the vendor's v3 examples write them, without an offset, and one a server
/// could garble: the page parses, each value is kept as written, and none is given an offset
/// it did not have.
#[tokio::test]
async fn offset_less_and_odd_timestamps_do_not_fail_a_page() {
    let page = r#"{"offset":0,"limit":30,"results":[
        {"id":"380d7caf-6294-4a33-b50a-b8aeb13af58c","type":"Vex","state":"Stopped",
         "creationTime":"2017-05-04 18:00:00","endTime":"2017-05-04T18:30:00.1234567"},
        {"id":"480d7caf-6294-4a33-b50a-b8aeb13af58c","type":"Vex","state":"Working",
         "creationTime":"2020-03-02T10:00:05+01:00","endTime":"not yet"}]}"#;
    let (_server, client) = client_answering(page).await;
    let sessions = client.all_restore_sessions().await.unwrap();
    let first = sessions[0].creation_time.as_ref().unwrap();
    assert_eq!(
        (
            first.as_str(),
            first.instant(),
            first.naive().map(|t| t.to_string())
        ),
        (
            "2017-05-04 18:00:00",
            None,
            Some("2017-05-04 18:00:00".into())
        )
    );
    let fraction = sessions[0].end_time.as_ref().unwrap();
    assert_eq!(
        fraction.naive().map(|t| t.to_string()),
        Some("2017-05-04 18:30:00.123456700".into())
    );
    let strict = sessions[1].creation_time.as_ref().unwrap();
    assert_eq!(
        strict.instant().map(|t| t.to_rfc3339()),
        Some("2020-03-02T09:00:05+00:00".into())
    );
    let odd = sessions[1].end_time.as_ref().unwrap();
    assert_eq!((odd.as_str(), odd.naive()), ("not yet", None));
    assert_eq!(
        serde_json::to_value(&sessions[0]).unwrap()["creationTime"],
        "2017-05-04 18:00:00"
    );
}
