//! End to end over real sockets and real TLS: the `vbo365` client against the simulator,
//! through every operation of the spec.

use vbo365::sim::{SimConfig, Simulator};

use super::support::spec_operation_ids;
use vbo365::types;
use vbo365::{
    Action, ActionKind, ActionOutcome, Client, Credentials, FileKind, RestoreOptions,
    RestoreToOriginalLocation,
};

async fn read_all(outcome: ActionOutcome) -> (FileKind, Option<u64>, Vec<u8>) {
    let ActionOutcome::File(mut file) = outcome else {
        panic!("expected a file, got {outcome:?}");
    };
    let mut bytes = Vec::new();
    while let Some(chunk) = file.next_chunk().await.unwrap() {
        bytes.extend_from_slice(&chunk);
    }
    (file.kind(), file.length(), bytes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_reaches_every_operation_over_https() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    assert!(sim.base_url().starts_with("https://127.0.0.1:"));
    let ca = sim.ca_cert_path().unwrap();
    assert_eq!(
        std::fs::read_to_string(ca).unwrap(),
        sim.ca_pem().unwrap(),
        "the CA file holds the CA"
    );
    let client = Client::builder(sim.base_url())
        .api_version(vbo365::ApiVersion::V4)
        .add_ca_file(ca)
        .build()
        .unwrap();
    let mut covered = Vec::new();

    // createToken
    let token = client
        .login(sim.username(), sim.password().clone())
        .await
        .unwrap();
    assert_eq!(token.token_type, "bearer");
    assert_eq!(token.expires_in, 3600);
    assert!(token.refresh_token.is_some());
    covered.push("createToken");
    let api = client.api();

    // listOrganizations
    let organizations = api.list_organizations().send().await.unwrap().into_inner();
    assert_eq!(organizations.len(), 1);
    assert_eq!(organizations[0].id, sim.catalog().organization_id);
    assert_eq!(organizations[0].name, "westsupport.onmicrosoft.com");
    covered.push("listOrganizations");
    let organization = client
        .organization(organizations[0].organization_id())
        .await;
    assert_eq!(organization.unwrap(), organizations[0]);
    covered.push("getOrganization");

    // exploreOrganization
    let explore = types::ExploreAction {
        explore: types::ExploreOptions {
            type_: Some(types::ExploreOptionsType::Vex),
            show_deleted: Some(true),
            ..Default::default()
        },
    };
    let created = api
        .explore_organization()
        .organization_id(organizations[0].id)
        .body(explore)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let session = created.into_inner();
    assert_eq!(session.state, types::RestoreSessionState::Working);
    assert_eq!(session.type_, types::RestoreSessionType::Vex);
    covered.push("exploreOrganization");

    // listRestoreSessions: the two seeded ones and ours.
    let sessions = api
        .list_restore_sessions()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(sessions.results.len(), 3);
    assert!(sessions.results.iter().any(|s| s.id == session.id));
    covered.push("listRestoreSessions");

    // getRestoreSession
    let fetched = api
        .get_restore_session()
        .restore_session_id(session.id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(fetched.id, session.id);
    assert_eq!(fetched.end_time, None);
    covered.push("getRestoreSession");
    let explored = client
        .restore_session_organization(session.session_id())
        .await;
    assert_eq!(explored.unwrap().id, organizations[0].id);
    covered.push("getRestoreSessionOrganization");

    // listMailboxes
    let mailboxes = api
        .list_mailboxes()
        .restore_session_id(session.id)
        .send()
        .await
        .unwrap()
        .into_inner();
    let emails: Vec<_> = mailboxes
        .results
        .iter()
        .map(|m| m.email.clone().unwrap())
        .collect();
    assert_eq!(
        emails,
        [
            "j_smith@westsupport.onmicrosoft.com",
            "r.clark@westsupport.onmicrosoft.com",
            "djohnes@westsupport.onmicrosoft.com",
            "j_smith@westsupport.onmicrosoft.com",
        ]
    );
    assert_eq!(mailboxes.results[3].is_archive, Some(true));
    covered.push("listMailboxes");
    let john = &sim.catalog().mailboxes[0];
    let one = client
        .mailbox(session.session_id(), john.mailbox_id())
        .await;
    assert_eq!(one.unwrap(), mailboxes.results[0]);
    covered.push("getMailbox");
    let rachel = &sim.catalog().mailboxes[1];

    // listMailboxFolders: top level, then the children of Inbox.
    let top = api
        .list_mailbox_folders()
        .restore_session_id(session.id)
        .mailbox_id(john.id)
        .send()
        .await
        .unwrap()
        .into_inner();
    let names: Vec<_> = top
        .results
        .iter()
        .map(|f| f.name.clone().unwrap())
        .collect();
    assert_eq!(names, ["Inbox", "Sent Items", "Drafts", "Deleted Items"]);
    let children = api
        .list_mailbox_folders()
        .restore_session_id(session.id)
        .mailbox_id(john.id)
        .parent_id(top.results[0].id.as_str())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(children.results.len(), 1);
    assert_eq!(children.results[0].name.as_deref(), Some("Projects"));
    covered.push("listMailboxFolders");
    let inbox = &top.results[0];
    let one = client.mailbox_folder(session.session_id(), john.mailbox_id(), &inbox.id);
    assert_eq!(&one.await.unwrap(), inbox);
    covered.push("getMailboxFolder");

    // listMailboxItems: John's 38 items come in two pages; `next` only on the first.
    let first = api
        .list_mailbox_items()
        .restore_session_id(session.id)
        .mailbox_id(john.id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (first.offset, first.limit, first.results.len()),
        (0, 30, 30)
    );
    let next = first.links.as_ref().unwrap().next.as_ref().unwrap();
    assert!(
        next.href.starts_with(sim.base_url()) && next.href.ends_with("offset=30&limit=30"),
        "{}",
        next.href
    );
    let second = api
        .list_mailbox_items()
        .restore_session_id(session.id)
        .mailbox_id(john.id)
        .offset(30)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(second.results.len(), 8);
    assert!(second.links.as_ref().unwrap().next.is_none());
    let projects = api
        .list_mailbox_items()
        .restore_session_id(session.id)
        .mailbox_id(john.id)
        .folder_id(children.results[0].id.as_str())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(projects.results.len(), 2);
    covered.push("listMailboxItems");

    // getMailboxItem, with an id holding `+`, `/` and `=`.
    let awkward = rachel
        .items
        .iter()
        .find(|i| i.id.contains('/') && i.id.contains('+'))
        .expect("a seeded id with + and /");
    let item = api
        .get_mailbox_item()
        .restore_session_id(session.id)
        .mailbox_id(rachel.id)
        .item_id(awkward.id.as_str())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(item.id, awkward.id);
    assert_eq!(item.subject.as_deref(), Some(awkward.subject.as_str()));
    assert_eq!(item.from.as_deref(), Some(awkward.from.email.as_str()));
    covered.push("getMailboxItem");

    // getRestoreDeviceCode
    let code = api
        .get_restore_device_code()
        .restore_session_id(session.id)
        .body(types::RestoreDeviceCodeRequest {
            target_region: Some(types::RestoreDeviceCodeRequestTargetRegion::Worldwide),
            ..Default::default()
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(code.user_code.len(), 9);
    assert!(code.message.unwrap().contains(&code.user_code));
    covered.push("getRestoreDeviceCode");

    // getVexEmailSettings / putVexEmailSettings
    let settings = api
        .get_vex_email_settings()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(settings.enable_notification, Some(false));
    let update = types::VexEmailSettingsUpdate {
        enable_notification: Some(true),
        server: Some("smtp.westsupport.example".try_into().unwrap()),
        port: std::num::NonZeroU32::new(587),
        from: Some("vbo@westsupport.onmicrosoft.com".into()),
        user_password: Some("smtp-secret".into()),
        ..Default::default()
    };
    let put = api
        .put_vex_email_settings()
        .body(update)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    let settings = api
        .get_vex_email_settings()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(settings.server.as_deref(), Some("smtp.westsupport.example"));
    assert_eq!(settings.port.map(|p| p.get()), Some(587));
    covered.push("getVexEmailSettings");
    covered.push("putVexEmailSettings");

    // performMailboxItemAction, all six actions.
    let target = &john.items[0];
    let (kind, length, bytes) = read_all(
        client
            .perform_action(
                session.session_id(),
                john.mailbox_id(),
                &target.id,
                &Action::export_to_pst(),
            )
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(kind, FileKind::Pst);
    assert_eq!(length, Some(vbo365::sim::DEFAULT_PST_SIZE));
    assert_eq!(bytes.len() as u64, vbo365::sim::DEFAULT_PST_SIZE);
    assert_eq!(&bytes[..4], b"!BDN");
    let (kind, _, bytes) = read_all(
        client
            .perform_action(
                session.session_id(),
                rachel.mailbox_id(),
                &awkward.id,
                &Action::save_to_msg(),
            )
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(kind, FileKind::Msg);
    assert_eq!(&bytes[..4], &[0xD0, 0xCF, 0x11, 0xE0]);
    // The typed form: the outcome of a restore is its statistics, by type.
    let restore = RestoreToOriginalLocation::new(Credentials::user_password(
        "jsmith@westsupport.onmicrosoft.com",
        "exchange-password",
    ))
    .unwrap();
    let restored = client
        .perform(
            session.session_id(),
            john.mailbox_id(),
            &target.id,
            &restore,
        )
        .await
        .unwrap();
    assert_eq!(restored.action(), ActionKind::RestoreToOriginalLocation);
    assert_eq!(restored.statistics().created_items_count, Some(1));
    assert!(restored.is_complete());
    let restore_to = Action::restore_to(
        "djohnes@westsupport.onmicrosoft.com",
        Credentials::device_code(code.user_code.as_str()),
        RestoreOptions {
            folder: Some("Restored items".into()),
            ..RestoreOptions::default()
        },
    )
    .unwrap();
    let ActionOutcome::Restored(restored) = client
        .perform_action(
            session.session_id(),
            john.mailbox_id(),
            &target.id,
            &restore_to,
        )
        .await
        .unwrap()
    else {
        panic!("restore statistics expected")
    };
    assert_eq!(restored.action(), ActionKind::RestoreTo);
    assert_eq!(restored.statistics().created_items_count, Some(1));
    let dana = sim
        .mailbox_contents("djohnes@westsupport.onmicrosoft.com")
        .unwrap();
    assert_eq!(dana.len(), 1);
    assert_eq!(
        (dana[0].item_id.as_str(), dana[0].folder.as_str()),
        (target.id.as_str(), "Restored items")
    );
    let outcome = client
        .perform_action(
            session.session_id(),
            john.mailbox_id(),
            &target.id,
            &Action::send_to_default_address(),
        )
        .await
        .unwrap();
    assert_eq!(outcome.action(), ActionKind::SendToDefaultAddress);
    assert!(matches!(outcome, ActionOutcome::Sent(_)));
    let outcome = client
        .perform_action(
            session.session_id(),
            john.mailbox_id(),
            &target.id,
            &Action::send_to_different_address(
                "j_smith@westsupport.onmicrosoft.com",
                "auditor@example.com",
                Some("For review".into()),
                Some("See attached".into()),
            )
            .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(outcome.action(), ActionKind::SendToDifferentAddress);
    // Without `from`, the server sends from the VEX email settings' sender.
    client
        .perform_action(
            session.session_id(),
            john.mailbox_id(),
            &target.id,
            &Action::send_with_vex_sender("auditor@example.com", None, None).unwrap(),
        )
        .await
        .unwrap();
    let outbox = sim.outbox();
    assert_eq!(outbox.len(), 3);
    assert_eq!(
        (outbox[2].to.as_str(), outbox[2].from.as_str()),
        ("auditor@example.com", "vbo@westsupport.onmicrosoft.com")
    );
    assert_eq!(outbox[0].to, "j_smith@westsupport.onmicrosoft.com");
    assert_eq!(outbox[0].from, "vbo@westsupport.onmicrosoft.com");
    assert_eq!(outbox[1].to, "auditor@example.com");
    assert_eq!(outbox[1].subject, "For review");
    assert!(
        outbox
            .iter()
            .all(|m| m.attachments.len() == 1 && m.attachments[0].item_id == target.id)
    );
    covered.push("performMailboxItemAction");
    // performMailboxItemsAction (more in `sim_items.rs`): one message for two items.
    let two = vbo365::ItemIds::new([target.id.as_str(), john.items[1].id.as_str()]).unwrap();
    client
        .perform_action_on_items(
            session.session_id(),
            john.mailbox_id(),
            &two,
            &Action::send_to_default_address(),
        )
        .await
        .unwrap();
    assert_eq!(sim.outbox().len(), 4);
    assert_eq!(sim.outbox()[3].attachments.len(), 2);
    covered.push("performMailboxItemsAction");
    // performMailboxAction (more in `sim_mailbox.rs`): the whole mailbox in one PST.
    let export = vbo365::ExportToPst::new();
    let pst = client
        .perform_on_mailbox(session.session_id(), john.mailbox_id(), &export)
        .await;
    let (kind, length, bytes) = read_all(ActionOutcome::File(pst.unwrap())).await;
    assert_eq!((kind, length), (FileKind::Pst, Some(bytes.len() as u64)));
    covered.push("performMailboxAction");
    let folder = &john.folders[0].id;
    let pst = client
        .perform_on_folder(session.session_id(), john.mailbox_id(), folder, &export)
        .await;
    assert_eq!(pst.unwrap().kind(), FileKind::Pst);
    covered.push("performMailboxFolderAction");

    // stopRestoreSession: then the session is stopped and refuses actions with 400.
    let stopped = api
        .stop_restore_session()
        .restore_session_id(session.id)
        .body(types::StopAction { stop: None })
        .send()
        .await
        .unwrap();
    assert_eq!(stopped.status(), 200);
    covered.push("stopRestoreSession");
    let fetched = api
        .get_restore_session()
        .restore_session_id(session.id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(fetched.state, types::RestoreSessionState::Stopped);
    assert!(fetched.end_time.is_some());
    let error = client
        .perform_action(
            session.session_id(),
            john.mailbox_id(),
            &target.id,
            &Action::save_to_msg(),
        )
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
    assert!(error.message().unwrap().contains("not active"), "{error}");

    covered.sort();
    assert_eq!(
        covered,
        spec_operation_ids(&[None, Some("administrator")]),
        "every operation of the spec but the tenant's (`tenants.rs`)"
    );
    sim.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_renews_a_token_that_the_simulator_expired() {
    let sim = Simulator::start(SimConfig {
        tls: false,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    assert!(sim.base_url().starts_with("http://"));
    assert!(sim.ca_pem().is_none());
    let client = Client::builder(sim.base_url())
        .api_version(vbo365::ApiVersion::V4)
        .build()
        .unwrap();
    client
        .login(sim.username(), sim.password().clone())
        .await
        .unwrap();
    sim.expire_access_tokens();
    // The first request gets a 401; the client refreshes and repeats the GET once.
    let organizations = client.api().list_organizations().send().await.unwrap();
    assert_eq!(organizations.into_inner().len(), 1);
    sim.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_are_refused_with_the_oauth_error() {
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
    let error = client
        .login(sim.username(), "not-the-password")
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
    sim.shutdown().await.unwrap();
}
