//! The simulator's files over the wire: a PST of the configured size, a ZIP when the size
//! limit splits the export, and an MSG compound file. (The ZIP's layout, ZIP64 included, is
//! read back by the `zip` crate in the unit tests; `cargo xtask contract` downloads a 1 GiB
//! split export and an MSG and opens them with Python's `zipfile` and `extract-msg`.)

use std::io::Read;

use vbo365::sim::{SimConfig, Simulator};
use vbo365::{Action, ActionOutcome, Client, FileKind};

/// A client logged in to `sim` as its administrator.
pub async fn client_for(sim: &vbo365::sim::RunningSimulator) -> Client {
    let client = Client::builder(sim.base_url())
        .api_version(vbo365::ApiVersion::V4)
        .build()
        .unwrap();
    client
        .login(sim.username(), sim.password().clone())
        .await
        .unwrap();
    client
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pst_export_streams_the_configured_size_with_a_pst_header() {
    let size = 5 * (1 << 20) + 7;
    let sim = Simulator::start(SimConfig {
        tls: false,
        pst_size: size,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let client = client_for(&sim).await;
    let session = sim.catalog().sessions[0].id;
    let mailbox = &sim.catalog().mailboxes[2];
    let outcome = client
        .perform_action(
            vbo365::SessionId::from(session),
            vbo365::MailboxId::from(mailbox.id),
            &mailbox.items[0].id,
            &Action::export_to_pst(),
        )
        .await
        .unwrap();
    let ActionOutcome::File(mut file) = outcome else {
        panic!("a file")
    };
    assert_eq!(file.kind(), FileKind::Pst);
    assert_eq!(file.length(), Some(size));
    let mut head = Vec::new();
    let mut received = 0u64;
    let mut chunks = 0;
    while let Some(chunk) = file.next_chunk().await.unwrap() {
        if head.len() < 564 {
            head.extend_from_slice(&chunk[..chunk.len().min(564 - head.len())]);
        }
        received += chunk.len() as u64;
        chunks += 1;
    }
    assert_eq!(received, size);
    assert!(chunks > 1, "the body is streamed in pieces");
    assert_eq!(&head[..4], b"!BDN");
    assert_eq!(&head[8..10], b"SM");
    assert_eq!(u16::from_le_bytes([head[10], head[11]]), 23, "Unicode PST");
    assert_eq!(
        u64::from_le_bytes(head[184..192].try_into().unwrap()),
        size,
        "ibFileEof"
    );
    sim.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_over_the_limit_is_a_zip_of_psts() {
    let sim = Simulator::start(SimConfig {
        tls: false,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    // Just over the smallest limit the spec allows; only the start is read here.
    sim.set_pst_size((1 << 30) + (1 << 20)).unwrap();
    let client = client_for(&sim).await;
    let session = sim.catalog().sessions[0].id;
    let mailbox = &sim.catalog().mailboxes[0];
    let item = &mailbox.items[5];
    let outcome = client
        .perform_action(
            vbo365::SessionId::from(session),
            vbo365::MailboxId::from(mailbox.id),
            &item.id,
            &Action::export_to_pst_split(1 << 30).unwrap(),
        )
        .await
        .unwrap();
    let ActionOutcome::File(mut file) = outcome else {
        panic!("a file")
    };
    assert_eq!(file.kind(), FileKind::Zip);
    let length = file.length().unwrap();
    // Two parts: local headers, data, central directory and end record around 1 GiB + 1 MiB.
    assert!(length > (1 << 30) + (1 << 20) && length < (1 << 30) + (1 << 20) + 1024);
    let mut head = Vec::new();
    while head.len() < 1024 {
        head.extend_from_slice(&file.next_chunk().await.unwrap().unwrap());
    }
    assert_eq!(&head[..4], b"PK\x03\x04");
    let name_len = u16::from_le_bytes([head[26], head[27]]) as usize;
    let extra_len = u16::from_le_bytes([head[28], head[29]]) as usize;
    let name = std::str::from_utf8(&head[30..30 + name_len]).unwrap();
    assert!(name.ends_with("_001.pst"), "{name}");
    // Streamed: the CRC and sizes follow the data (flag bit 3), and the central directory
    // holds them; the unit tests and `cargo xtask contract` read those.
    assert_eq!(
        u16::from_le_bytes([head[6], head[7]]) & 0x08,
        0x08,
        "a data descriptor"
    );
    assert_eq!(&head[14..26], &[0; 12], "CRC and sizes come after the data");
    assert_eq!(&head[30 + name_len + extra_len..][..4], b"!BDN");
    drop(file);
    // The PST size of later exports can be changed, but not below the smallest PST size.
    assert!(sim.set_pst_size(100).is_err());
    assert!(sim.set_pst_size(vbo365::sim::MIN_PST_SIZE - 1).is_err());
    sim.set_pst_size(vbo365::sim::MIN_PST_SIZE).unwrap();
    sim.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_msg_is_a_compound_file_with_the_item_properties() {
    let sim = Simulator::start(SimConfig {
        tls: false,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let client = client_for(&sim).await;
    let session = sim.catalog().sessions[0].id;
    let mailbox = &sim.catalog().mailboxes[1];
    let item = &mailbox.items[0];
    let outcome = client
        .perform_action(
            vbo365::SessionId::from(session),
            vbo365::MailboxId::from(mailbox.id),
            &item.id,
            &Action::save_to_msg(),
        )
        .await
        .unwrap();
    let ActionOutcome::File(mut file) = outcome else {
        panic!("a file")
    };
    assert_eq!(file.kind(), FileKind::Msg);
    let mut bytes = Vec::new();
    while let Some(chunk) = file.next_chunk().await.unwrap() {
        bytes.extend_from_slice(&chunk);
    }
    let mut msg = cfb::CompoundFile::open(std::io::Cursor::new(bytes)).unwrap();
    let mut text = |path: &str| {
        let mut raw = Vec::new();
        msg.open_stream(path)
            .unwrap()
            .read_to_end(&mut raw)
            .unwrap();
        let units: Vec<u16> = raw
            .chunks(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16(&units).unwrap()
    };
    assert_eq!(text("/__substg1.0_0037001F"), item.subject);
    assert_eq!(text("/__substg1.0_1000001F"), item.body);
    assert_eq!(text("/__substg1.0_0C1A001F"), item.from.name);
    assert_eq!(text("/__substg1.0_5D01001F"), item.from.email);
    assert_eq!(
        text("/__recip_version1.0_#00000000/__substg1.0_39FE001F"),
        item.to[0].email
    );
    assert_eq!(
        text("/__attach_version1.0_#00000000/__substg1.0_3707001F"),
        item.attachment.name
    );
    sim.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_a_save_midway_removes_its_temporary_file() {
    let sim = Simulator::start(SimConfig {
        tls: false,
        pst_size: 4 << 30,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let client = client_for(&sim).await;
    let session = sim.catalog().sessions[0].id;
    let mailbox = &sim.catalog().mailboxes[0];
    let dir = tempfile::tempdir().unwrap();
    let outcome = client
        .perform_action(
            vbo365::SessionId::from(session),
            vbo365::MailboxId::from(mailbox.id),
            &mailbox.items[0].id,
            &Action::export_to_pst(),
        )
        .await
        .unwrap();
    let ActionOutcome::File(file) = outcome else {
        panic!("a PST export returns a file")
    };
    let destination = vbo365::Destination::Directory(dir.path().to_path_buf());
    let (started, mut seen) = tokio::sync::watch::channel(0u64);
    let save = file.save(&destination, &mailbox.items[0].id, move |p| {
        let _ = started.send(p.done);
    });
    let stop = async {
        seen.wait_for(|done| *done > 1 << 20).await.unwrap();
    };
    tokio::select! {
        saved = save => panic!("a 4 GiB download finished first: {saved:?}"),
        () = stop => {}
    }
    // The save future is dropped here, midway.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "the temporary file is gone: {left:?}");
}
