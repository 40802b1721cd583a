//! The client's whole flow on every API version, as one matrix: the same code, the same
//! `Action` values and the same typed outcomes against the simulator serving each version
//! from its own spec, over real HTTPS.

use vbo365::sim::{SimConfig, Simulator};
use vbo365::types;
use vbo365::{
    Action, ActionOutcome, ApiVersion, Client, Credentials, Destination, ExportToPst, FileKind,
    ItemIds, RestoreOptions, RestoreToOriginalLocation, SaveToMsg, SendToDefaultAddress,
    VersionChoice,
};

async fn client_for(
    sim: &vbo365::sim::RunningSimulator,
    version: impl Into<VersionChoice>,
) -> Client {
    let client = Client::builder(sim.base_url())
        .api_version(version)
        .add_ca_pem(sim.ca_pem().unwrap())
        .build()
        .unwrap();
    client
        .login(sim.username(), sim.password().clone())
        .await
        .unwrap();
    client
}

fn vex_settings() -> types::VexEmailSettingsUpdate {
    types::VexEmailSettingsUpdate {
        enable_notification: Some(true),
        server: Some("smtp.westsupport.local".try_into().unwrap()),
        port: std::num::NonZeroU32::new(587),
        use_ssl: Some(true),
        from: Some("vbo@westsupport.onmicrosoft.com".into()),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_flow_works_the_same_on_every_version() {
    for version in ApiVersion::ALL {
        let sim = Simulator::start(SimConfig::default()).await.unwrap();
        let client = client_for(&sim, version).await;
        assert_eq!(client.api_version().await.unwrap(), version);

        let organizations = client.organizations().await.unwrap();
        assert_eq!(organizations.len(), 1, "{version}");
        assert_eq!(organizations[0].id, sim.catalog().organization_id);
        let explore = types::ExploreOptions {
            type_: Some(types::ExploreOptionsType::Vex),
            show_deleted: Some(true),
            ..Default::default()
        };
        let session = client
            .explore(organizations[0].organization_id(), explore)
            .await
            .unwrap();
        let session_id = session.session_id();
        assert_eq!(
            client.restore_session(session_id).await.unwrap().id,
            session.id
        );

        let mailboxes = client.all_mailboxes(session_id).await.unwrap();
        let seeded = &sim.catalog().mailboxes;
        assert_eq!(mailboxes.len(), seeded.len(), "{version}: every mailbox");
        let source = &seeded[0];
        let target = seeded
            .iter()
            .skip(1)
            .find(|m| !m.is_archive)
            .expect("a second mailbox");
        let items = client
            .all_items(session_id, source.id.into(), None)
            .await
            .unwrap();
        assert_eq!(items.len(), source.items.len(), "{version}: every page");
        let inbox = &source.folders[0];
        let in_folder = client
            .all_items(session_id, source.id.into(), Some(&inbox.id))
            .await
            .unwrap();
        assert!(
            !in_folder.is_empty() && in_folder.len() <= items.len(),
            "{version}: the folder filter"
        );
        let item = &items[0].id;
        let mailbox = source.id.into();

        // The six actions, typed: each outcome type is the same on every version.
        let dir = tempfile::tempdir().unwrap();
        let pst = client
            .perform(session_id, mailbox, item, &ExportToPst::new())
            .await
            .unwrap();
        assert_eq!(pst.kind(), FileKind::Pst, "{version}");
        let saved = pst
            .save(&Destination::Directory(dir.path().into()), item, |_| {})
            .await
            .unwrap();
        assert!(saved.bytes >= vbo365::sim::MIN_PST_SIZE, "{version}");
        let msg = client
            .perform(session_id, mailbox, item, &SaveToMsg::new())
            .await
            .unwrap();
        assert_eq!(msg.kind(), FileKind::Msg, "{version}");

        let restored = client
            .perform(
                session_id,
                mailbox,
                item,
                &RestoreToOriginalLocation::new(Credentials::device_code("C6A9DB737")).unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(restored.restored_items(), 1, "{version}: {restored:?}");
        assert!(restored.is_complete(), "{version}: {restored:?}");
        let production = sim.mailbox_contents(&source.email).unwrap();
        assert_eq!(production.len(), 1, "{version}: restored once");
        let again = client
            .perform_action(
                session_id,
                mailbox,
                item,
                &Action::restore_to_original(Credentials::device_code("C6A9DB737")).unwrap(),
            )
            .await
            .unwrap();
        let ActionOutcome::Restored(again) = again else {
            panic!("{version}: {again:?}");
        };
        assert_eq!(
            again.restored_items(),
            0,
            "{version}: a repeat skips the item"
        );
        assert_eq!(again.statistics().skipped_items_count, Some(1), "{version}");
        let to_other = Action::restore_to(
            target.email.clone(),
            Credentials::device_code("C6A9DB737"),
            RestoreOptions::default(),
        )
        .unwrap();
        let outcome = client
            .perform_action(session_id, mailbox, item, &to_other)
            .await
            .unwrap();
        assert!(
            matches!(&outcome, ActionOutcome::Restored(r) if r.restored_items() == 1),
            "{version}: {outcome:?}"
        );
        assert_eq!(
            sim.mailbox_contents(&target.email).unwrap().len(),
            1,
            "{version}"
        );

        client.set_vex_email_settings(vex_settings()).await.unwrap();
        client
            .perform(session_id, mailbox, item, &SendToDefaultAddress::new())
            .await
            .unwrap();
        let different = Action::send_to_different_address(
            "j_smith@westsupport.onmicrosoft.com",
            "r.clark@westsupport.onmicrosoft.com",
            Some("Support Tickets".into()),
            None,
        )
        .unwrap();
        let sent = client
            .perform_action(session_id, mailbox, item, &different)
            .await
            .unwrap();
        assert!(matches!(sent, ActionOutcome::Sent(_)), "{version}");
        let outbox = sim.outbox();
        assert_eq!(outbox.len(), 2, "{version}: each send once");
        assert_eq!(outbox[1].to, "r.clark@westsupport.onmicrosoft.com");

        // The multi-item form: one request, one ZIP of the MSG files.
        let two = ItemIds::new([items[0].id.clone(), items[1].id.clone()]).unwrap();
        let zip = client
            .perform_on_items(session_id, mailbox, &two, &SaveToMsg::new())
            .await
            .unwrap();
        assert_eq!(zip.kind(), FileKind::Zip, "{version}");

        // The whole mailbox in one PST.
        let whole = client
            .perform_on_mailbox(session_id, mailbox, &ExportToPst::new())
            .await
            .unwrap();
        assert_eq!(whole.kind(), FileKind::Pst, "{version}");

        client.stop_restore_session(session_id).await.unwrap();
        let stopped = client.restore_session(session_id).await.unwrap();
        assert_eq!(stopped.state.to_string(), "Stopped", "{version}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_finds_the_newest_version_the_simulator_serves() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let client = client_for(&sim, VersionChoice::Auto).await;
    assert_eq!(
        client.api_version().await.unwrap(),
        *ApiVersion::ALL.last().unwrap()
    );
}
