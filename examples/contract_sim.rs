//! The simulator side of `cargo xtask contract`: starts the simulator in this process on a
//! random port over HTTPS, saves an MSG, a whole-mailbox PST and a split PST export through
//! the `vbo365` client for the independent readers (Python's, and `readpst`), prints one JSON line describing it all, and serves
//! until its standard input closes.
//!
//! It is an example rather than part of xtask because xtask must build even when the spec
//! does not generate (its lint reports why), while this needs the whole `vbo365` crate.
//!
//! Usage: `cargo run --example contract_sim -- <output directory>`; the account's password is
//! `VBO365_CONTRACT_PASSWORD` when set (xtask makes one per run), else the default.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use serde_json::json;
use vbo365::sim::{DEFAULT_PST_SIZE, SimConfig, Simulator};
use vbo365::{Action, ActionOutcome, Client};

/// Size of the split export: just over the smallest size limit, so that it splits in two.
const SPLIT_EXPORT_SIZE: u64 = (1 << 30) + (3 << 20);
const SPLIT_LIMIT: u64 = 1 << 30;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

async fn save(outcome: ActionOutcome, path: &Path) -> Result<u64> {
    let ActionOutcome::File(mut file) = outcome else {
        return Err(format!("expected a file for {}", path.display()).into());
    };
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut written = 0u64;
    while let Some(chunk) = file.next_chunk().await? {
        out.write_all(&chunk)?;
        written += chunk.len() as u64;
    }
    out.flush()?;
    Ok(written)
}

#[tokio::main]
async fn main() -> Result<()> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: contract_sim <output directory>")?,
    );
    std::fs::create_dir_all(&out)?;
    let mut config = SimConfig {
        ca_dir: Some(out.clone()),
        token_lifetime: std::time::Duration::from_secs(8 * 3600),
        ..SimConfig::default()
    };
    if let Ok(password) = std::env::var("VBO365_CONTRACT_PASSWORD") {
        config.tenant_password = password.clone().into();
        config.password = password.into();
    }
    let sim = Simulator::start(config).await?;
    let client = Client::builder(sim.base_url())
        .add_ca_pem(sim.ca_pem().unwrap_or_default())
        .build()?;
    client.login(sim.username(), sim.password().clone()).await?;
    let catalog = sim.catalog();
    let session = catalog
        .sessions
        .iter()
        .find(|s| s.ended.is_none())
        .ok_or("no working session")?;
    let stopped = catalog
        .sessions
        .iter()
        .find(|s| s.ended.is_some())
        .ok_or("no stopped session")?;
    let mailbox = &catalog.mailboxes[0];
    let item = mailbox
        .items
        .iter()
        .find(|i| !i.cc.is_empty())
        .ok_or("no item with copy recipients")?;

    let msg_path = out.join("item.msg");
    let outcome = client
        .perform_action(
            session.session_id(),
            mailbox.mailbox_id(),
            &item.id,
            &Action::save_to_msg(),
        )
        .await?;
    save(outcome, &msg_path).await?;

    // The whole mailbox as one PST, for readpst to extract and compare.
    let pst_path = out.join("mailbox.pst");
    let outcome = client
        .perform_action_on_mailbox(
            session.session_id(),
            mailbox.mailbox_id(),
            &Action::export_to_pst(),
        )
        .await?;
    save(outcome, &pst_path).await?;

    let zip_path = out.join("export.zip");
    sim.set_pst_size(SPLIT_EXPORT_SIZE)?;
    let outcome = client
        .perform_action(
            session.session_id(),
            mailbox.mailbox_id(),
            &item.id,
            &Action::export_to_pst_split(SPLIT_LIMIT)?,
        )
        .await?;
    let zip_len = save(outcome, &zip_path).await?;
    sim.set_pst_size(DEFAULT_PST_SIZE)?;

    let people = |p: &[vbo365::sim::Person]| -> Vec<String> {
        p.iter()
            .map(|p| format!("{} <{}>", p.name, p.email))
            .collect()
    };
    let ready = json!({
        "base_url": sim.base_url(),
        "ca": sim.ca_cert_path(),
        "username": sim.username(),
        "tenant_username": sim.tenant_username(),
        "ids": {
            "organizationId": catalog.organization_id,
            "restoreSessionId": session.id,
            "stoppedSessionId": stopped.id,
            "mailboxId": mailbox.id,
            "itemId": item.id,
        },
        "msg": {
            "path": msg_path,
            "subject": item.subject,
            "sender": format!("{} <{}>", item.from.name, item.from.email),
            "to": people(&item.to),
            "cc": people(&item.cc),
            "body": item.body,
            "attachment": item.attachment.name,
        },
        "pst": {
            "path": pst_path,
            "store": mailbox.name,
            "messages": mailbox.items.iter().map(|i| json!({
                "folder": i.folder_path,
                "subject": i.subject,
                "from": format!("{} <{}>", i.from.name, i.from.email),
                "to": i.to.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
                "cc": i.cc.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
                "body": i.body,
                "attachment": i.attachment.name,
                "attachment_crc32": crc32fast::hash(&i.attachment.content),
            })).collect::<Vec<_>>(),
        },
        "zip": {
            "item": {
                "folder": item.folder_path,
                "subject": item.subject,
            },
            "path": zip_path,
            "length": zip_len,
            "pst_total": SPLIT_EXPORT_SIZE,
            "part_limit": SPLIT_LIMIT,
        },
    });
    println!("{ready}");
    std::io::stdout().flush()?;

    // Serve until xtask closes our standard input.
    let stdin = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        let mut input = std::io::stdin().lock();
        while input.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
            line.clear();
        }
    });
    stdin.await?;
    sim.shutdown().await?;
    Ok(())
}
