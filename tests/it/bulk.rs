//! One action on many items: a concurrency limit, a result per item, failures isolated.

use crate::support;

use std::time::Duration;

use support::{CaptureServer, Reply};
use uuid::uuid;
use vbo365::{Action, BulkOptions, BulkOutcome, Client, FileKind};

const SESSION: vbo365::SessionId =
    vbo365::SessionId::from_uuid(uuid!("380d7caf-6294-4a33-b50a-b8aeb13af58c"));
const MAILBOX: vbo365::MailboxId =
    vbo365::MailboxId::from_uuid(uuid!("9e9b7199-f547-467a-b580-9d283a75eaad"));

#[tokio::test]
async fn every_item_gets_its_result_within_the_concurrency_limit() {
    let server = CaptureServer::start_with(|request| {
        let mut reply = if request.target.contains("/Items/missing/") {
            Reply::json(404, r#"{"message":"Mailbox item was not found."}"#)
        } else {
            Reply::json(200, r#"{"createdItemsCount":1,"mergedItemsCount":0,"failedItemsCount":0,"skippedItemsCount":0}"#)
        };
        reply.delay = Duration::from_millis(50);
        reply
    })
    .await;
    let client = Client::builder(&server.base_url)
        .api_version(vbo365::ApiVersion::V4)
        .build()
        .unwrap();
    let ids: Vec<String> = ["i1", "i2", "missing", "i4", "i5", "i6", "i7"]
        .map(String::from)
        .to_vec();
    let action =
        Action::restore_to_original(vbo365::Credentials::device_code("C6A9DB737")).unwrap();
    let mut seen = 0;
    let options = BulkOptions {
        concurrency: 3,
        directory: None,
    };
    let results = client
        .perform_bulk(SESSION, MAILBOX, ids.clone(), &action, &options, |_| {
            seen += 1
        })
        .await
        .unwrap();
    assert_eq!(seen, ids.len());
    let order: Vec<&str> = results.iter().map(|r| r.item_id.as_str()).collect();
    assert_eq!(order, ids, "results come back in the order given");
    for result in &results {
        match (&*result.item_id, &result.result) {
            ("missing", Err(error)) => assert!(error.is_not_found(), "{error}"),
            (_, Ok(BulkOutcome::Restored(stats))) => {
                assert_eq!(stats.statistics().created_items_count, Some(1))
            }
            (id, other) => panic!("{id}: unexpected {other:?}"),
        }
    }
    assert_eq!(
        server.requests().len(),
        ids.len(),
        "each item is sent exactly once"
    );
    assert!(
        server.max_in_flight() <= 3,
        "at most 3 at once, saw {}",
        server.max_in_flight()
    );
}

#[tokio::test]
async fn files_of_a_bulk_export_are_saved_into_the_directory() {
    let server = CaptureServer::start(Reply::file(b"!BDN-a-small-pst")).await;
    let client = Client::builder(&server.base_url)
        .api_version(vbo365::ApiVersion::V4)
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ids: Vec<String> = vec!["a+1".into(), "b/2".into()];
    let options = BulkOptions {
        concurrency: 2,
        directory: Some(dir.path().into()),
    };
    let results = client
        .perform_bulk(
            SESSION,
            MAILBOX,
            ids,
            &Action::export_to_pst(),
            &options,
            |_| {},
        )
        .await
        .unwrap();
    let mut names = Vec::new();
    for result in results {
        let Ok(BulkOutcome::Saved(file)) = result.result else {
            panic!("{:?}", result.result)
        };
        assert_eq!((file.kind, file.bytes), (FileKind::Pst, 16));
        names.push(file.path.file_name().unwrap().to_string_lossy().to_string());
    }
    assert_eq!(names, ["a_1.pst", "b_2.pst"]);
}

/// The same item twice would restore or send it twice: the whole run is refused first.
#[tokio::test]
async fn a_repeated_item_is_refused_before_anything_is_sent() {
    let server = CaptureServer::start(Reply::json(200, r#"{"createdItemsCount":1}"#)).await;
    let client = Client::builder(&server.base_url)
        .api_version(vbo365::ApiVersion::V4)
        .build()
        .unwrap();
    let action = Action::send_to_default_address();
    let options = BulkOptions {
        concurrency: 2,
        directory: None,
    };
    let ids = ["a", "b", "c", "b"].map(String::from).to_vec();
    let error = client
        .perform_bulk(SESSION, MAILBOX, ids, &action, &options, |_| {})
        .await
        .unwrap_err();
    assert_eq!(error.field(), Some("itemIds[3]"), "{error}");
    assert!(error.to_string().contains("repeats itemIds[1]"), "{error}");
    assert_eq!(server.connections(), 0, "nothing was sent");
}
