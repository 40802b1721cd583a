//! The simulator's PST exports read back by Microsoft's `outlook-pst`, an independent reader:
//! the folders, each message's subject, sender, recipients, dates, bodies and attachments
//! match the simulator's data. (`cargo xtask contract` reads them with `readpst` too.)

use std::path::Path;

use vbo365::sim::{ItemData, RunningSimulator, SimConfig, Simulator};
use vbo365::{Action, ActionOutcome, Client, ExportToPst, ItemIds, MailboxId, SessionId};

use crate::sim_files::client_for;
use crate::support::pst::{FolderDump, MessageDump, read_pst};

async fn start(pst_size: u64) -> (RunningSimulator, Client) {
    start_with(SimConfig {
        pst_size,
        ..SimConfig::default()
    })
    .await
}

async fn start_with(config: SimConfig) -> (RunningSimulator, Client) {
    let sim = Simulator::start(SimConfig {
        tls: false,
        ..config
    })
    .await
    .unwrap();
    let client = client_for(&sim).await;
    (sim, client)
}

async fn save(outcome: ActionOutcome, path: &Path) -> u64 {
    let ActionOutcome::File(file) = outcome else {
        panic!("expected a file, got {outcome:?}")
    };
    save_file(file, path).await
}

async fn save_file(mut file: vbo365::FileDownload, path: &Path) -> u64 {
    let mut bytes = Vec::new();
    while let Some(chunk) = file.next_chunk().await.unwrap() {
        bytes.extend_from_slice(&chunk);
    }
    std::fs::write(path, &bytes).unwrap();
    bytes.len() as u64
}

/// A FILETIME as the writer stores it.
fn filetime(time: chrono::DateTime<chrono::Utc>) -> i64 {
    (time.timestamp() + 11_644_473_600) * 10_000_000
        + i64::from(time.timestamp_subsec_nanos() / 100)
}

/// Checks that `message` is `item`, property by property.
pub fn assert_is(message: &MessageDump, item: &ItemData) {
    let what = &item.subject;
    assert_eq!(
        message.subject.as_deref(),
        Some(item.subject.as_str()),
        "{what}"
    );
    assert_eq!(message.message_class.as_deref(), Some("IPM.Note"), "{what}");
    assert_eq!(
        message.sender_name.as_deref(),
        Some(item.from.name.as_str()),
        "{what}"
    );
    assert_eq!(
        message.sender_email.as_deref(),
        Some(item.from.email.as_str()),
        "{what}"
    );
    let recipients: Vec<(i32, &str, &str)> = message
        .recipients
        .iter()
        .map(|r| {
            (
                r.kind.unwrap(),
                r.name.as_deref().unwrap(),
                r.email.as_deref().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(i32, &str, &str)> = item
        .to
        .iter()
        .map(|p| (1, p.name.as_str(), p.email.as_str()))
        .chain(
            item.cc
                .iter()
                .map(|p| (2, p.name.as_str(), p.email.as_str())),
        )
        .collect();
    assert_eq!(recipients, expected, "{what}: recipients, To then Cc");
    assert_eq!(message.body.as_deref(), Some(item.body.as_str()), "{what}");
    let html = String::from_utf8(message.html.clone().unwrap()).unwrap();
    for line in item
        .body
        .lines()
        .filter(|l| !l.contains(['<', '>', '&', '"']))
    {
        assert!(
            html.contains(&format!("<p>{line}</p>")),
            "{what}: {line} in {html}"
        );
    }
    assert_eq!(message.submit_time, Some(filetime(item.sent)), "{what}");
    assert_eq!(
        message.delivery_time,
        Some(filetime(item.received)),
        "{what}"
    );
    let [attachment] = message.attachments.as_slice() else {
        panic!("{what}: one attachment, not {:?}", message.attachments)
    };
    let content = &item.attachment.content;
    assert_eq!(
        attachment.name.as_deref(),
        Some(item.attachment.name.as_str()),
        "{what}"
    );
    assert_eq!(attachment.size, Some(content.len() as i32), "{what}");
    assert_eq!(attachment.data_len, content.len() as u64, "{what}");
    assert_eq!(attachment.data_crc32, crc32fast::hash(content), "{what}");
    assert_eq!(
        attachment.data_head,
        content[..content.len().min(64)],
        "{what}"
    );
}

pub fn folder<'a>(folders: &'a [FolderDump], path: &str) -> &'a FolderDump {
    folders.iter().find(|f| f.path == path).unwrap_or_else(|| {
        panic!(
            "no folder {path} in {:?}",
            folders.iter().map(|f| &f.path).collect::<Vec<_>>()
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_item_exports_to_a_pst_that_holds_it_in_its_folder_path() {
    let (sim, client) = start(1 << 20).await;
    let catalog = sim.catalog();
    let session = SessionId::from(catalog.sessions[0].id);
    let dir = tempfile::tempdir().unwrap();
    // Items with copy recipients and in nested folders are the ones most likely to go wrong.
    let mailbox = &catalog.mailboxes[0];
    let nested = mailbox.items.iter().find(|i| i.folder_path.contains('/'));
    let with_cc = mailbox.items.iter().find(|i| !i.cc.is_empty());
    for item in [nested, with_cc, mailbox.items.first()]
        .into_iter()
        .flatten()
    {
        let path = dir.path().join("item.pst");
        let outcome = client
            .perform_action(
                session,
                MailboxId::from(mailbox.id),
                &item.id,
                &Action::export_to_pst(),
            )
            .await
            .unwrap();
        assert_eq!(save(outcome, &path).await, 1 << 20, "the configured size");
        let dump = read_pst(&path).unwrap();
        let with_messages: Vec<&FolderDump> = dump
            .ipm_folders
            .iter()
            .filter(|f| !f.messages.is_empty())
            .collect();
        let [only] = with_messages.as_slice() else {
            panic!("one folder with a message, not {with_messages:?}")
        };
        assert_eq!(only.path, item.folder_path);
        assert_eq!(only.content_count, Some(1));
        let [message] = only.messages.as_slice() else {
            panic!("one message")
        };
        assert_is(message, item);
        // The parents of the item's folder are there, and the deleted items folder.
        let mut parent = item.folder_path.as_str();
        while let Some((up, _)) = parent.rsplit_once('/') {
            folder(&dump.ipm_folders, up);
            parent = up;
        }
        folder(&dump.ipm_folders, "Deleted Items");
    }
    sim.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_items_and_a_whole_mailbox_export_to_one_pst_with_every_item() {
    let (sim, client) = start(1 << 20).await;
    let catalog = sim.catalog();
    let session = SessionId::from(catalog.sessions[0].id);
    let mailbox = &catalog.mailboxes[1];
    let dir = tempfile::tempdir().unwrap();

    let chosen: Vec<&ItemData> = mailbox.items.iter().take(3).collect();
    let ids = ItemIds::new(chosen.iter().map(|i| i.id.clone())).unwrap();
    let outcome = client
        .perform_action_on_items(
            session,
            MailboxId::from(mailbox.id),
            &ids,
            &Action::export_to_pst(),
        )
        .await
        .unwrap();
    let several = dir.path().join("several.pst");
    save(outcome, &several).await;
    let dump = read_pst(&several).unwrap();
    for item in &chosen {
        let found = folder(&dump.ipm_folders, &item.folder_path)
            .messages
            .iter()
            .find(|m| {
                m.subject.as_deref() == Some(item.subject.as_str())
                    && m.submit_time == Some(filetime(item.sent))
            })
            .unwrap_or_else(|| panic!("{} in {}", item.subject, item.folder_path));
        assert_is(found, item);
    }
    let count: usize = dump.ipm_folders.iter().map(|f| f.messages.len()).sum();
    assert_eq!(count, chosen.len());

    let outcome = client
        .perform_on_mailbox(session, MailboxId::from(mailbox.id), &ExportToPst::new())
        .await
        .unwrap();
    let whole = dir.path().join("mailbox.pst");
    save_file(outcome, &whole).await;
    let dump = read_pst(&whole).unwrap();
    for f in &mailbox.folders {
        let dumped = folder(&dump.ipm_folders, &f.path);
        let items: Vec<&ItemData> = mailbox
            .items
            .iter()
            .filter(|i| i.folder_path == f.path)
            .collect();
        assert_eq!(dumped.messages.len(), items.len(), "{}", f.path);
        assert_eq!(dumped.content_count, Some(items.len() as i32), "{}", f.path);
        for (message, item) in dumped.messages.iter().zip(&items) {
            assert_is(message, item);
        }
    }
    let exported: usize = dump.ipm_folders.iter().map(|f| f.messages.len()).sum();
    assert_eq!(exported, mailbox.items.len(), "every item, once");
    sim.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pst_is_padded_to_its_size_by_a_message_outside_the_mail_folders() {
    let size = 5 * (1 << 20) + 7;
    let (sim, client) = start(size).await;
    let catalog = sim.catalog();
    let mailbox = &catalog.mailboxes[2];
    let item = &mailbox.items[0];
    let path = tempfile::tempdir().unwrap().keep().join("padded.pst");
    let outcome = client
        .perform_action(
            SessionId::from(catalog.sessions[0].id),
            MailboxId::from(mailbox.id),
            &item.id,
            &Action::export_to_pst(),
        )
        .await
        .unwrap();
    assert_eq!(save(outcome, &path).await, size);
    let dump = read_pst(&path).unwrap();
    let [message] = folder(&dump.ipm_folders, &item.folder_path)
        .messages
        .as_slice()
    else {
        panic!("one message")
    };
    assert_is(message, item);
    let padding = folder(&dump.other_root_folders, vbo365::sim::PST_PADDING_FOLDER);
    let [pad] = padding.messages.as_slice() else {
        panic!("one padding message")
    };
    let padded: u64 = pad.attachments.iter().map(|a| a.data_len).sum();
    assert!(
        padded > size - 512 * 1024 && padded < size,
        "{padded} bytes of padding in {size}"
    );
    let head = &pad.attachments[0].data_head;
    assert_eq!(head.as_slice(), vbo365::sim::pst_padding_at(0, head.len()));
    std::fs::remove_file(&path).unwrap();
    sim.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mailbox_of_thousands_of_items_exports_with_tables_over_many_blocks() {
    // Thousands of rows take the contents table's row matrix and row index past one heap
    // block: the multi-block heap, the BTH's intermediate levels and the XBLOCK of rows.
    let (sim, client) = start_with(SimConfig {
        extra_items: 3000,
        ..SimConfig::default()
    })
    .await;
    let catalog = sim.catalog();
    let mailbox = &catalog.mailboxes[0];
    let path = tempfile::tempdir().unwrap().keep().join("big.pst");
    let outcome = client
        .perform_on_mailbox(
            SessionId::from(catalog.sessions[0].id),
            MailboxId::from(mailbox.id),
            &ExportToPst::new(),
        )
        .await
        .unwrap();
    save_file(outcome, &path).await;
    let dump = read_pst(&path).unwrap();
    for f in &mailbox.folders {
        let items: Vec<&ItemData> = mailbox
            .items
            .iter()
            .filter(|i| i.folder_path == f.path)
            .collect();
        let dumped = folder(&dump.ipm_folders, &f.path);
        assert_eq!(dumped.messages.len(), items.len(), "{}", f.path);
        for (message, item) in dumped.messages.iter().zip(&items).step_by(97) {
            assert_is(message, item);
        }
    }
    assert!(mailbox.items.len() > 3000);
    std::fs::remove_file(&path).unwrap();
    sim.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_export_holds_the_folder_and_its_subfolders_even_when_empty() {
    let (sim, client) = start(1 << 20).await;
    let catalog = sim.catalog();
    let session = SessionId::from(catalog.sessions[0].id);
    let dir = tempfile::tempdir().unwrap();
    let in_subtree = |path: &str, top: &str| {
        path == top
            || path
                .strip_prefix(top)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    let mut exported = 0;
    for mailbox in &catalog.mailboxes {
        for f in &mailbox.folders {
            let outcome = client
                .perform_on_folder(
                    session,
                    MailboxId::from(mailbox.id),
                    &f.id,
                    &ExportToPst::new(),
                )
                .await
                .unwrap();
            let path = dir.path().join("folder.pst");
            save_file(outcome, &path).await;
            let dump = read_pst(&path).unwrap();
            // Every folder of the subtree is there, with exactly its own items.
            for sub in mailbox
                .folders
                .iter()
                .filter(|s| in_subtree(&s.path, &f.path))
            {
                let items: Vec<&ItemData> = mailbox
                    .items
                    .iter()
                    .filter(|i| i.folder_path == sub.path)
                    .collect();
                let dumped = folder(&dump.ipm_folders, &sub.path);
                assert_eq!(
                    dumped.messages.len(),
                    items.len(),
                    "{} in {}",
                    sub.path,
                    f.path
                );
                for (message, item) in dumped.messages.iter().zip(&items) {
                    assert_is(message, item);
                }
            }
            let total: usize = dump.ipm_folders.iter().map(|d| d.messages.len()).sum();
            let expected = mailbox
                .items
                .iter()
                .filter(|i| in_subtree(&i.folder_path, &f.path))
                .count();
            assert_eq!(total, expected, "nothing from outside {}", f.path);
            exported += 1;
        }
    }
    assert!(exported > 5, "every folder of every mailbox: {exported}");
    sim.shutdown().await.unwrap();
}
