//! The simulator's rules for work on a session, on the wire: a stopped session refuses it,
//! repeated restores count created, skipped and merged items, and sends need the VEX settings.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::sim_rules::{Fixture, message};

#[tokio::test]
async fn a_stopped_session_refuses_work_with_400_and_can_be_stopped_again() {
    let f = Fixture::start().await;
    let stopped = f.stopped_session();
    let (status, body) = f.get(&format!("/v4/RestoreSessions/{stopped}")).await;
    assert_eq!(
        (status, body["state"].as_str()),
        (StatusCode::OK, Some("Stopped"))
    );
    let mailbox = &f.sim.catalog().mailboxes[0];
    let action = format!(
        "/v4/RestoreSessions/{stopped}/Organization/Mailboxes/{}/Items/{}/Action",
        mailbox.id,
        progenitor_client::encode_path(&mailbox.items[0].id)
    );
    let (status, body) = f.post(&action, json!({"savetoMsg": null})).await;
    assert_eq!(status, 400);
    assert!(
        message(&body).starts_with("The restore session is not active"),
        "{body}"
    );
    let (status, _) = f
        .get(&format!(
            "/v4/RestoreSessions/{stopped}/Organization/Mailboxes"
        ))
        .await;
    assert_eq!(status, 400);
    let (status, body) = f
        .post(
            &format!("/v4/RestoreSessions/{stopped}/Action"),
            json!({"stop": null}),
        )
        .await;
    assert_eq!((status, body), (StatusCode::OK, Value::Null));
    let (status, body) = f
        .post(
            &format!("/v4/RestoreSessions/{stopped}/Action"),
            json!({"stop": {}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = f
        .post(
            &format!("/v4/RestoreSessions/{stopped}/Action"),
            json!({"start": null}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn repeated_restores_count_created_skipped_and_merged() {
    let f = Fixture::start().await;
    let john = &f.sim.catalog().mailboxes[0];
    let item = &john.items[2];
    let original =
        json!({"restoretoOriginallocation": {"userName": "u@x.example", "userPassword": "p"}});
    let counts = |body: &Value| {
        (
            body["createdItemsCount"].as_i64().unwrap(),
            body["mergedItemsCount"].as_i64().unwrap(),
            body["skippedItemsCount"].as_i64().unwrap(),
            body["failedItemsCount"].as_i64().unwrap(),
        )
    };
    let (status, body) = f.post(&f.action(0, 2), original.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(counts(&body), (1, 0, 0, 0), "first: created");
    let (_, body) = f.post(&f.action(0, 2), original.clone()).await;
    assert_eq!(counts(&body), (0, 0, 1, 0), "repeat, unchanged: skipped");
    assert!(
        f.sim
            .change_restored_item(&john.email, &item.folder_path, &item.id)
    );
    let (_, body) = f.post(&f.action(0, 2), original.clone()).await;
    assert_eq!(counts(&body), (0, 1, 0, 0), "repeat after a change: merged");
    let (_, body) = f.post(&f.action(0, 2), original).await;
    assert_eq!(
        counts(&body),
        (0, 0, 1, 0),
        "merged, then unchanged again: skipped"
    );
    let contents = f.sim.mailbox_contents(&john.email).unwrap();
    assert_eq!(contents.len(), 1);
    assert_eq!(
        (contents[0].item_id.as_str(), contents[0].restores),
        (item.id.as_str(), 2)
    );

    // restoreTo with changedItems false leaves a changed item alone.
    let target = "djohnes@westsupport.onmicrosoft.com";
    let restore_to = |changed: bool| {
        json!({"restoreTo": {"mailbox": target, "folder": "Restored", "userCode": "C6A9DB737",
               "changedItems": changed, "markRestoredAsUnread": true}})
    };
    let (_, body) = f.post(&f.action(0, 2), restore_to(false)).await;
    assert_eq!(counts(&body), (1, 0, 0, 0));
    assert!(f.sim.change_restored_item(target, "Restored", &item.id));
    let (_, body) = f.post(&f.action(0, 2), restore_to(false)).await;
    assert_eq!(
        counts(&body),
        (0, 0, 1, 0),
        "changed, but changedItems is false: skipped"
    );
    let (_, body) = f.post(&f.action(0, 2), restore_to(true)).await;
    assert_eq!(counts(&body), (0, 1, 0, 0));
    let dana = f.sim.mailbox_contents(target).unwrap();
    assert_eq!(
        (dana[0].folder.as_str(), dana[0].unread),
        ("Restored", true)
    );

    // excludeDrafts skips an item of Drafts.
    let drafts = john
        .items
        .iter()
        .position(|i| i.folder_path == "Drafts")
        .unwrap();
    let (_, body) = f
        .post(
            &f.action(0, drafts),
            json!({"restoreTo": {"mailbox": target, "userCode": "C", "excludeDrafts": true}}),
        )
        .await;
    assert_eq!(counts(&body), (0, 0, 1, 0));
    assert!(
        !f.sim
            .change_restored_item("nobody@example.com", "Inbox", &item.id)
    );
}

#[tokio::test]
async fn sends_need_the_vex_settings_then_reach_the_outbox() {
    let f = Fixture::start().await;
    let (status, body) = f
        .post(&f.action(0, 3), json!({"sendtoDefaultaddress": null}))
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        message(&body),
        "The VEX email settings are not configured (enableNotification is false, server is not \
         set, from is not set); configure them with PUT /v4/VEXEmailSettings before sending."
    );
    assert!(f.sim.outbox().is_empty());
    f.configure_sending().await;
    let (status, body) = f
        .post(&f.action(0, 3), json!({"sendtoDefaultaddress": null}))
        .await;
    assert_eq!((status, body), (StatusCode::OK, Value::Null));
    let outbox = f.sim.outbox();
    assert_eq!(outbox.len(), 1);
    let item = &f.sim.catalog().mailboxes[0].items[3];
    assert_eq!(outbox[0].to, f.sim.catalog().mailboxes[0].email);
    assert_eq!(outbox[0].subject, item.subject);
    assert_eq!(
        &outbox[0].attachments[0].bytes[..4],
        &[0xD0, 0xCF, 0x11, 0xE0],
        "the item as MSG"
    );
    // The settings never show the password.
    let (status, settings) = f.get("/v4/VEXEmailSettings").await;
    assert_eq!(status, 200);
    assert!(settings.get("userPassword").is_none());
}
