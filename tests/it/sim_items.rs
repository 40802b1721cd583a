//! The multi-item action against the simulator: one PST, one ZIP of MSGs, one restore and one
//! message for several items; an unknown item fails the whole request before anything is
//! done; and the loose body a v4-era portal sends (`Id`, a repeated id) is served.

use std::io::Read as _;

use reqwest::StatusCode;
use serde_json::json;
use vbo365::{Action, ActionOutcome, Client, Credentials, FileKind, ItemIds, MailboxId, SessionId};

use super::sim_rules::{Fixture, message};

async fn client(f: &Fixture) -> Client {
    let client = Client::builder(f.sim.base_url())
        .api_version(vbo365::ApiVersion::V4)
        .build()
        .unwrap();
    client
        .login(f.sim.username(), f.sim.password().clone())
        .await
        .unwrap();
    client
}

async fn bytes(outcome: ActionOutcome) -> (FileKind, Vec<u8>) {
    let ActionOutcome::File(mut file) = outcome else {
        panic!("expected a file, got {outcome:?}");
    };
    let mut bytes = Vec::new();
    while let Some(chunk) = file.next_chunk().await.unwrap() {
        bytes.extend_from_slice(&chunk);
    }
    (file.kind(), bytes)
}

fn ids(f: &Fixture, count: usize) -> (SessionId, MailboxId, ItemIds) {
    let mailbox = &f.sim.catalog().mailboxes[0];
    let ids = ItemIds::new(mailbox.items[..count].iter().map(|i| i.id.clone())).unwrap();
    (f.session().into(), mailbox.id.into(), ids)
}

#[tokio::test]
async fn several_items_come_back_as_one_pst_or_a_zip_of_their_msgs() {
    let f = Fixture::start().await;
    let client = client(&f).await;
    let (session, mailbox, three) = ids(&f, 3);
    let outcome = client
        .perform_action_on_items(session, mailbox, &three, &Action::export_to_pst())
        .await
        .unwrap();
    let (kind, pst) = bytes(outcome).await;
    assert_eq!(kind, FileKind::Pst);
    assert!(pst.starts_with(b"!BDN"));

    let outcome = client
        .perform_action_on_items(session, mailbox, &three, &Action::save_to_msg())
        .await
        .unwrap();
    let (kind, zip) = bytes(outcome).await;
    assert_eq!(kind, FileKind::Zip, "several MSGs come as a ZIP");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    assert_eq!(archive.len(), 3, "one MSG per item");
    for index in 0..3 {
        let mut entry = archive.by_index(index).unwrap();
        let name = entry.name().to_string();
        assert!(name.starts_with(&format!("{:02} ", index + 1)), "{name}");
        assert!(name.ends_with(".msg"), "{name}");
        let mut msg = Vec::new();
        entry.read_to_end(&mut msg).unwrap();
        assert!(
            msg.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]),
            "{name} is an MSG file"
        );
    }

    // One item on the multi-item route: its MSG itself.
    let (session, mailbox, one) = ids(&f, 1);
    let outcome = client
        .perform_on_items(session, mailbox, &one, &vbo365::SaveToMsg::new())
        .await
        .unwrap();
    assert_eq!(outcome.kind(), FileKind::Msg);
}

#[tokio::test]
async fn several_items_are_restored_and_sent_in_one_request_each() {
    let f = Fixture::start().await;
    let client = client(&f).await;
    let (session, mailbox, two) = ids(&f, 2);
    let source = &f.sim.catalog().mailboxes[0];
    let restore = Action::restore_to_original(Credentials::device_code("C6A9DB737")).unwrap();
    let ActionOutcome::Restored(restored) = client
        .perform_action_on_items(session, mailbox, &two, &restore)
        .await
        .unwrap()
    else {
        panic!("a restore answers statistics");
    };
    assert_eq!(restored.statistics().created_items_count, Some(2));
    let contents = f.sim.mailbox_contents(&source.email).unwrap();
    let restored_ids: Vec<&str> = contents.iter().map(|r| r.item_id.as_str()).collect();
    assert_eq!(restored_ids, two.as_slice());
    // Again: both are there already, so both are skipped.
    let ActionOutcome::Restored(again) = client
        .perform_action_on_items(session, mailbox, &two, &restore)
        .await
        .unwrap()
    else {
        panic!("a restore answers statistics");
    };
    assert_eq!(again.statistics().skipped_items_count, Some(2));

    f.configure_sending().await;
    let send = Action::send_to_default_address();
    client
        .perform_action_on_items(session, mailbox, &two, &send)
        .await
        .unwrap();
    let outbox = f.sim.outbox();
    assert_eq!(outbox.len(), 1, "one message for both items");
    assert_eq!(outbox[0].to, source.email);
    let attached: Vec<&str> = outbox[0]
        .attachments
        .iter()
        .map(|a| a.item_id.as_str())
        .collect();
    assert_eq!(attached, two.as_slice());
    assert!(
        outbox[0]
            .attachments
            .iter()
            .all(|a| a.bytes.starts_with(&[0xD0, 0xCF]))
    );
}

#[tokio::test]
async fn an_unknown_item_fails_the_whole_request_before_anything_is_done() {
    let f = Fixture::start().await;
    let client = client(&f).await;
    let (session, mailbox, _) = ids(&f, 1);
    let source = &f.sim.catalog().mailboxes[0];
    let items = ItemIds::new([source.items[0].id.as_str(), "AAAAnot-an-item=="]).unwrap();
    let restore = Action::restore_to_original(Credentials::device_code("C6A9DB737")).unwrap();
    let error = client
        .perform_action_on_items(session, mailbox, &items, &restore)
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404), "{error}");
    assert!(
        error.message().unwrap().contains("AAAAnot-an-item=="),
        "{error}"
    );
    assert!(
        f.sim
            .mailbox_contents(&source.email)
            .unwrap_or_default()
            .is_empty(),
        "the known item was not restored either"
    );
}

#[tokio::test]
async fn the_loose_body_of_a_v4_era_portal_is_served() {
    let f = Fixture::start().await;
    let source = &f.sim.catalog().mailboxes[0];
    let path = format!(
        "/v4/RestoreSessions/{}/Organization/Mailboxes/{}/Items/Action",
        f.session(),
        source.id
    );
    let id = &source.items[0].id;
    // `Id` as the portal spells it, the same item twice, and string booleans.
    let body = json!({"restoretoOriginallocation": {
        "userName": "jsmith@westsupport.onmicrosoft.com", "userPassword": "paSSw0rd",
        "items": [{"Id": id}, {"Id": id}]
    }});
    let (status, statistics) = f.post(&path, body).await;
    assert_eq!(status, StatusCode::OK, "{statistics}");
    assert_eq!(
        statistics["createdItemsCount"], 1,
        "a repeated item is restored once"
    );

    // Options that are only the items (schemathesis found the simulator failing on this).
    for key in ["exportToPst", "savetoMsg"] {
        let response = f
            .http
            .post(f.url(&path))
            .bearer_auth(&f.token)
            .json(&json!({ key: {"items": [{"id": id}]} }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{key}");
        let head = response.bytes().await.unwrap();
        let magic: &[u8] = if key == "exportToPst" {
            b"!BDN"
        } else {
            &[0xD0, 0xCF]
        };
        assert!(head.starts_with(magic), "{key}");
    }

    let (status, body) = f.post(&path, json!({"savetoMsg": {"items": []}})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(message(&body).contains("items"), "{body}");
    let (status, body) = f.post(&path, json!({"savetoMsg": null})).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "the items are required: {body}"
    );
}
