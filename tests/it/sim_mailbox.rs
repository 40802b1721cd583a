//! One mailbox and the whole-mailbox action (`getMailbox`, `performMailboxAction`) against the
//! simulator: the requests a v4-era portal sends, byte for byte, and the typed client's, which
//! export a whole mailbox to one PST and restore all of its items in one request.

use reqwest::StatusCode;
use serde_json::Value;
use vbo365::{
    Action, ActionKind, Client, Credentials, ExportToPst, FileKind, MailboxId, RestoreOptions,
    RestoreTo, RestoreToOriginalLocation, SessionId,
};

use super::sim_rules::Fixture;

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

/// `POST` of `body` as raw text, as the portal builds it (string concatenation).
async fn post_text(f: &Fixture, path: &str, accept: &str, body: &str) -> reqwest::Response {
    f.http
        .post(f.url(path))
        .bearer_auth(&f.token)
        .header("content-type", "application/json")
        .header("accept", accept)
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn each_listed_mailbox_is_served_on_its_own_at_its_self_link() {
    let f = Fixture::start().await;
    let mailboxes = format!("/v4/RestoreSessions/{}/Organization/Mailboxes", f.session());
    let (status, page) = f.get(&mailboxes).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let listed = page["results"].as_array().unwrap();
    assert_eq!(listed.len(), f.sim.catalog().mailboxes.len());
    for mailbox in listed {
        // The portal's path (`getMailboxID`), and the mailbox's own link.
        let (status, one) = f
            .get(&format!("{mailboxes}/{}", mailbox["id"].as_str().unwrap()))
            .await;
        assert_eq!(status, StatusCode::OK, "{one}");
        assert_eq!(&one, mailbox);
        let link = mailbox["_links"]["self"]["href"].as_str().unwrap();
        let response = f.http.get(link).bearer_auth(&f.token).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{link}");
    }

    // The typed client reads the same mailbox.
    let client = client(&f).await;
    let first = &f.sim.catalog().mailboxes[0];
    let mailbox = client
        .mailbox(f.session().into(), first.id.into())
        .await
        .unwrap();
    assert_eq!(mailbox.email.as_deref(), Some(first.email.as_str()));

    // An unknown mailbox is a 404 that names it; a stopped session refuses, as for lists.
    let unknown = uuid::Uuid::from_u128(7);
    let (status, error) = f.get(&format!("{mailboxes}/{unknown}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains(&unknown.to_string()),
        "{error}"
    );
    let stopped = format!(
        "/v4/RestoreSessions/{}/Organization/Mailboxes/{}",
        f.stopped_session(),
        first.id
    );
    let (status, _) = f.get(&stopped).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_portals_whole_mailbox_export_and_restore_bodies_are_served() {
    let f = Fixture::start().await;
    let source = &f.sim.catalog().mailboxes[1];
    let target = &f.sim.catalog().mailboxes[2];
    let path = format!(
        "/v4/RestoreSessions/{}/Organization/Mailboxes/{}/Action",
        f.session(),
        source.id
    );

    // `exportMailbox`: PascalCase keys, a "false" string and a trailing comma.
    let body = r#"{ 			"ExportToPst": { 				"EnablePstSizeLimit": "false", 			} 		}"#;
    let response = post_text(&f, &path, "application/octet-stream", body).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "application/octet-stream"
    );
    assert!(response.bytes().await.unwrap().starts_with(b"!BDN"));

    // `restoreMailbox` to another mailbox, with every flag as a string and an empty casServer.
    let body = format!(
        r#"{{ "restoreTo": 					{{ "casServer": "", 					  "mailbox": "{}", 					  "folder": "Restored", 					  "userName": "admin@westsupport.onmicrosoft.com", 					  "userPassword": "paSSw0rd", 					  "changedItems": "true", 					  "deletedItems": "true", 					  "markRestoredAsUnread": "true", 					  "excludeDrafts": "true", 					  "excludeDeletedItems": "false", 					  "excludeInPlaceHoldItems": "true", 					  "excludeLitigationHoldItems": "true" 					}} 				}}"#,
        target.email
    );
    let response = post_text(&f, &path, "application/json-stream", &body).await;
    assert_eq!(response.status(), StatusCode::OK);
    let statistics: Value = response.json().await.unwrap();
    let drafts = source
        .items
        .iter()
        .filter(|i| i.folder_path == "Drafts")
        .count();
    assert!(drafts > 0, "the seeded mailbox has drafts to leave out");
    assert_eq!(
        statistics["createdItemsCount"],
        source.items.len() - drafts,
        "{statistics}"
    );
    assert_eq!(statistics["skippedItemsCount"], drafts, "{statistics}");
    // Every item under the folder, at its own path.
    let restored = f.sim.mailbox_contents(&target.email).unwrap();
    assert_eq!(restored.len(), source.items.len() - drafts);
    for item in source.items.iter().filter(|i| i.folder_path != "Drafts") {
        let copy = restored.iter().find(|r| r.item_id == item.id).unwrap();
        assert_eq!(copy.folder, format!("Restored/{}", item.folder_path));
        assert!(copy.unread);
    }

    // Sending and saving are item actions only: the schema refuses them here.
    for body in [
        r#"{"savetoMsg": null}"#,
        r#"{"sendtoDefaultaddress": null}"#,
    ] {
        let response = post_text(&f, &path, "application/json", body).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
    }
}

#[tokio::test]
async fn the_typed_client_exports_and_restores_a_whole_mailbox_in_one_request_each() {
    let f = Fixture::start().await;
    let client = client(&f).await;
    let source = &f.sim.catalog().mailboxes[0];
    let (session, mailbox): (SessionId, MailboxId) = (f.session().into(), source.id.into());

    let mut export = client
        .perform_on_mailbox(session, mailbox, &ExportToPst::new())
        .await
        .unwrap();
    assert_eq!(export.kind(), FileKind::Pst);
    assert_eq!(export.action(), ActionKind::ExportToPst);
    let first = export.next_chunk().await.unwrap().unwrap();
    assert!(first.starts_with(b"!BDN"));

    let restore = RestoreToOriginalLocation::new(Credentials::device_code("C6A9DB737")).unwrap();
    let restored = client
        .perform_on_mailbox(session, mailbox, &restore)
        .await
        .unwrap();
    assert_eq!(restored.action(), ActionKind::RestoreToOriginalLocation);
    assert!(restored.is_complete());
    let count = source.items.len() as i64;
    assert_eq!(restored.statistics().created_items_count, Some(count));
    // The mailbox holds every item once, in its own folder.
    let contents = f.sim.mailbox_contents(&source.email).unwrap();
    assert_eq!(contents.len(), source.items.len());
    for item in &source.items {
        let copy = contents.iter().find(|r| r.item_id == item.id).unwrap();
        assert_eq!(copy.folder, item.folder_path);
    }
    // Again, as the run-time form: everything is there, so everything is skipped.
    let again = Action::from(restore);
    let outcome = client
        .perform_action_on_mailbox(session, mailbox, &again)
        .await
        .unwrap();
    let vbo365::ActionOutcome::Restored(again) = outcome else {
        panic!("a restore answers statistics, got {outcome:?}");
    };
    assert_eq!(again.statistics().skipped_items_count, Some(count));

    // restoreTo without a folder keeps each item's path in the target mailbox.
    let target = &f.sim.catalog().mailboxes[1];
    let restore_to = RestoreTo::new(
        target.email.clone(),
        Credentials::user_password("admin", "paSSw0rd"),
        RestoreOptions::default(),
    )
    .unwrap();
    let restored = client
        .perform_on_mailbox(session, mailbox, &restore_to)
        .await
        .unwrap();
    assert_eq!(restored.action(), ActionKind::RestoreTo);
    let contents = f.sim.mailbox_contents(&target.email).unwrap();
    assert_eq!(contents.len(), source.items.len());
    assert!(
        contents
            .iter()
            .all(|r| source.item(&r.item_id).unwrap().folder_path == r.folder)
    );
}

#[tokio::test]
async fn a_folder_is_served_at_its_link_and_exported_or_restored_with_its_subfolders() {
    let f = Fixture::start().await;
    let source = &f.sim.catalog().mailboxes[0];
    let inbox = &source.folders[0];
    assert_eq!(inbox.path, "Inbox");
    let in_inbox: Vec<_> = source
        .items
        .iter()
        .filter(|i| i.folder_path == "Inbox" || i.folder_path.starts_with("Inbox/"))
        .collect();
    assert!(in_inbox.iter().any(|i| i.folder_path == "Inbox/Projects"));
    let folders = format!(
        "/v4/RestoreSessions/{}/Organization/Mailboxes/{}/Folders",
        f.session(),
        source.id
    );

    // Every listed folder at its own link.
    let (_, page) = f.get(&folders).await;
    for folder in page["results"].as_array().unwrap() {
        let link = folder["_links"]["self"]["href"].as_str().unwrap();
        let response = f.http.get(link).bearer_auth(&f.token).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{link}");
        assert_eq!(&response.json::<Value>().await.unwrap(), folder);
    }

    // `exportMailFolder` and `restoreMailFolder`, as the portal sends them.
    let path = format!(
        "{folders}/{}/Action",
        progenitor_client::encode_path(&inbox.id)
    );
    let body = r#"{ "ExportToPst": { "EnablePstSizeLimit": "false", } }"#;
    let response = post_text(&f, &path, "application/octet-stream", body).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.bytes().await.unwrap().starts_with(b"!BDN"));
    let body = r#"{ "restoretoOriginallocation": { "userCode": "C6A9DB737" } }"#;
    let response = post_text(&f, &path, "application/json-stream", body).await;
    assert_eq!(response.status(), StatusCode::OK);
    let statistics: Value = response.json().await.unwrap();
    assert_eq!(
        statistics["createdItemsCount"],
        in_inbox.len(),
        "{statistics}"
    );
    let restored = f.sim.mailbox_contents(&source.email).unwrap();
    assert_eq!(
        restored.len(),
        in_inbox.len(),
        "only the Inbox and its subfolder"
    );

    // The typed client, into another mailbox under a folder; an unknown folder is a 404.
    let client = client(&f).await;
    let (session, mailbox): (SessionId, MailboxId) = (f.session().into(), source.id.into());
    let target = &f.sim.catalog().mailboxes[1];
    let restore_to = RestoreTo::new(
        target.email.clone(),
        Credentials::device_code("C6A9DB737"),
        RestoreOptions {
            folder: Some("Old inbox".into()),
            ..RestoreOptions::default()
        },
    )
    .unwrap();
    let restored = client
        .perform_on_folder(session, mailbox, &inbox.id, &restore_to)
        .await
        .unwrap();
    assert_eq!(
        restored.statistics().created_items_count,
        Some(in_inbox.len() as i64)
    );
    let copies = f.sim.mailbox_contents(&target.email).unwrap();
    assert!(
        copies
            .iter()
            .all(|c| c.folder.starts_with("Old inbox/Inbox")),
        "{copies:?}"
    );
    let error = client
        .perform_on_folder(session, mailbox, "AAAAnot-a-folder", &ExportToPst::new())
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404), "{error}");
}
