//! `vbo demo`: the whole product against the embedded simulator, over real HTTPS: log in, find
//! an item, run all six actions, export the whole mailbox, and show what happened.

use std::path::Path;

use serde_json::json;
use vbo365::sim::{SimConfig, Simulator};
use vbo365::{
    Action, ActionKind, ActionOutcome, Client, Credentials, Destination, RestoreOptions, types,
};

use super::action::{statistics_json, statistics_text};
use super::args::DemoArgs;
use super::failure::Failure;
use super::output::{Output, human_bytes};

pub async fn run(
    args: &DemoArgs,
    version: vbo365::VersionChoice,
    out: Output,
) -> Result<(), Failure> {
    std::fs::create_dir_all(&args.out)
        .map_err(|e| Failure::usage(format!("cannot create {}: {e}", args.out.display())))?;
    // The simulator serves every version; the client speaks the one asked for (Auto: v8).
    let config = SimConfig {
        pst_size: args.pst_size,
        ..SimConfig::default()
    };
    let sim = Simulator::start(config)
        .await
        .map_err(|e| Failure::internal(e.to_string()))?;
    let say = |line: String| out.note(&line);
    say(format!(
        "simulator: {} (HTTPS, CA {})",
        sim.base_url(),
        sim.ca_cert_path()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    ));
    let result = steps(&sim, version, &args.out, &say).await;
    let shutdown = sim.shutdown().await;
    let report = result?;
    shutdown.map_err(|e| Failure::internal(e.to_string()))?;
    out.show_text(&report, &summary_text(&report))
}

/// Every step, each through the client over real HTTPS. Returns the report.
async fn steps(
    sim: &vbo365::sim::RunningSimulator,
    version: vbo365::VersionChoice,
    dir: &Path,
    say: &impl Fn(String),
) -> Result<serde_json::Value, Failure> {
    let client = Client::builder(sim.base_url())
        .add_ca_pem(sim.ca_pem().unwrap_or_default())
        .api_version(version)
        .build()?;
    let speaks = client.api_version().await?;
    say(format!("speaking API {speaks} ({version})"));
    let token = client.login(sim.username(), sim.password().clone()).await?;
    say(format!(
        "logged in as {} (token valid {} s)",
        sim.username(),
        token.expires_in
    ));

    let orgs = client.organizations().await?;
    let org = orgs
        .first()
        .ok_or_else(|| Failure::internal("the simulator has no organization"))?;
    let explore = types::ExploreOptions {
        type_: Some(types::ExploreOptionsType::Vex),
        ..Default::default()
    };
    let session = client.explore(org.organization_id(), explore).await?;
    let session_id = session.session_id();
    say(format!(
        "started restore session {} for {}",
        session.id, org.name
    ));

    let mailboxes = client.all_mailboxes(session_id).await?;
    let mut users = mailboxes.iter().filter(|m| m.is_archive != Some(true));
    let (source, target) = match (users.next(), users.next()) {
        (Some(a), Some(b)) => (a, b),
        _ => return Err(Failure::internal("the simulator needs two mailboxes")),
    };
    let items = client
        .all_items(session_id, source.mailbox_id(), None)
        .await?;
    let item = items
        .first()
        .ok_or_else(|| Failure::internal("the mailbox has no items"))?;
    say(format!(
        "{} mailboxes; {} holds {} items (all pages); using \"{}\"",
        mailboxes.len(),
        source.email.as_deref().unwrap_or("?"),
        items.len(),
        item.subject.as_deref().unwrap_or("")
    ));
    let source_id = source.mailbox_id();
    let run = |action: Action| {
        let client = client.clone();
        let item_id = item.id.clone();
        async move {
            client
                .perform_action(session_id, source_id, &item_id, &action)
                .await
        }
    };

    let mut files = Vec::new();
    for (action, name) in [
        (Action::export_to_pst(), "export.pst"),
        (Action::save_to_msg(), "message.msg"),
    ] {
        let wire = action.kind().wire_name();
        let ActionOutcome::File(file) = run(action).await? else {
            return Err(Failure::internal(format!("{wire} returned no file")));
        };
        let destination = Destination::File {
            path: dir.join(name),
            overwrite: true,
        };
        let saved = file.save(&destination, &item.id, |_| {}).await?;
        say(format!(
            "{wire}: saved {} ({:?}, {})",
            saved.path.display(),
            saved.kind,
            human_bytes(saved.bytes)
        ));
        files.push(json!({ "action": wire, "path": saved.path, "kind": saved.kind.extension(), "bytes": saved.bytes }));
    }
    // The whole mailbox in one PST, in one request (`performMailboxAction`).
    let pst = client
        .perform_on_mailbox(session_id, source_id, &vbo365::ExportToPst::new())
        .await?;
    let destination = Destination::File {
        path: dir.join("mailbox.pst"),
        overwrite: true,
    };
    let saved = pst
        .save(&destination, &source.id.to_string(), |_| {})
        .await?;
    let wire = format!("{} (whole mailbox)", ActionKind::ExportToPst.wire_name());
    say(format!(
        "{wire}: saved {} ({:?}, {})",
        saved.path.display(),
        saved.kind,
        human_bytes(saved.bytes)
    ));
    files.push(json!({ "action": wire, "path": saved.path, "kind": saved.kind.extension(), "bytes": saved.bytes }));

    let mut restores = Vec::new();
    let original = Action::restore_to_original(Credentials::user_password(
        "admin@westsupport.onmicrosoft.com",
        "paSSw0rd",
    ))?;
    let to_other = Action::restore_to(
        target.email.clone().unwrap_or_default(),
        Credentials::device_code("C6A9DB737"),
        RestoreOptions {
            folder: Some("Restored by vbo demo".into()),
            ..RestoreOptions::default()
        },
    )?;
    for (action, again) in [
        (original.clone(), ""),
        (original, " (again)"),
        (to_other, ""),
    ] {
        let label = format!("{}{again}", action.kind().wire_name());
        let ActionOutcome::Restored(restored) = run(action).await? else {
            return Err(Failure::internal(format!("{label} returned no statistics")));
        };
        let summary = statistics_text(&restored);
        say(format!("{label}: {summary}"));
        restores.push(json!({ "action": label, "statistics": statistics_json(&restored), "summary": summary }));
    }

    // Sending needs the VEX email settings: show the server's refusal, then configure them.
    match run(Action::send_to_default_address()).await {
        Err(refused) => say(format!(
            "{} before the VEX settings: refused ({refused})",
            ActionKind::SendToDefaultAddress.wire_name()
        )),
        Ok(_) => {
            return Err(Failure::internal(
                "the simulator sent without VEX email settings",
            ));
        }
    }
    let settings = types::VexEmailSettingsUpdate {
        enable_notification: Some(true),
        server: Some("smtp.westsupport.local".try_into().expect("not empty")),
        port: std::num::NonZeroU32::new(587),
        use_ssl: Some(true),
        from: Some("vbo@westsupport.onmicrosoft.com".into()),
        ..Default::default()
    };
    client.set_vex_email_settings(settings).await?;
    say("configured the VEX email settings".into());
    for action in [
        Action::send_to_default_address(),
        Action::send_to_different_address(
            "vbo@westsupport.onmicrosoft.com",
            "auditor@westsupport.onmicrosoft.com",
            Some("The message you asked for".into()),
            Some("Attached, as restored by vbo demo.".into()),
        )?,
    ] {
        let wire = action.kind().wire_name();
        run(action).await?;
        say(format!("{wire}: sent"));
    }

    client.stop_restore_session(session_id).await?;
    say(format!("stopped restore session {}", session.id));

    let outbox: Vec<_> = sim
        .outbox()
        .iter()
        .map(|m| {
            let attachments: Vec<_> = m
                .attachments
                .iter()
                .map(|a| json!({ "name": a.name, "bytes": a.bytes.len() }))
                .collect();
            json!({ "from": m.from, "to": m.to, "subject": m.subject, "attachments": attachments })
        })
        .collect();
    let target_email = target.email.clone().unwrap_or_default();
    let restored: Vec<_> = sim
        .mailbox_contents(&target_email)
        .unwrap_or_default()
        .iter()
        .map(|r| json!({ "subject": r.subject, "folder": r.folder }))
        .collect();
    Ok(json!({
        "server": sim.base_url(),
        "api_version": speaks.to_string(),
        "session": session.id,
        "mailbox": source.email,
        "item": { "id": item.id, "subject": item.subject },
        "files": files,
        "restores": restores,
        "outbox": outbox,
        "restored_into": { "mailbox": target_email, "items": restored },
    }))
}

fn summary_text(report: &serde_json::Value) -> String {
    let mut text = String::from("\nWhat the demo did:\n");
    for file in report["files"].as_array().into_iter().flatten() {
        text.push_str(&format!(
            "  file     {} ({} bytes)\n",
            file["path"].as_str().unwrap_or(""),
            file["bytes"]
        ));
    }
    for restore in report["restores"].as_array().into_iter().flatten() {
        text.push_str(&format!(
            "  restore  {}: {}\n",
            restore["action"].as_str().unwrap_or(""),
            restore["summary"].as_str().unwrap_or("")
        ));
    }
    for message in report["outbox"].as_array().into_iter().flatten() {
        let attached: Vec<&str> = message["attachments"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a["name"].as_str())
            .collect();
        text.push_str(&format!(
            "  outbox   {} -> {}: \"{}\" with {}\n",
            message["from"].as_str().unwrap_or(""),
            message["to"].as_str().unwrap_or(""),
            message["subject"].as_str().unwrap_or(""),
            attached.join(", ")
        ));
    }
    text.push_str(&format!(
        "  mailbox  {} now holds {} restored item(s)",
        report["restored_into"]["mailbox"].as_str().unwrap_or(""),
        report["restored_into"]["items"]
            .as_array()
            .map_or(0, Vec::len)
    ));
    text
}
