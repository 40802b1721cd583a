//! The writer's files read back by Microsoft's `outlook-pst`: split parts, and a PST of
//! several gigabytes read at random through a virtual file that generates only what the reader
//! asks for. (The integration tests compare whole exports with the simulator's data.)

use std::io::{Read, Seek, SeekFrom};
use std::rc::Rc;
use std::sync::Arc;

use outlook_pst::ltp::prop_context::PropertyValue;
use outlook_pst::ltp::table_context::TableRowData;
use outlook_pst::messaging::attachment::Attachment as _;
use outlook_pst::messaging::folder::Folder;
use outlook_pst::messaging::message::Message as _;
use outlook_pst::messaging::store::{Store, UnicodeStore};
use outlook_pst::ndb::node_id::NodeId;

use super::*;

/// Messages held by the test, as a PST's source.
struct Sample {
    subjects: Vec<String>,
    body: String,
    attachment: Vec<u8>,
}

fn sample(subjects: &[&str]) -> Arc<Sample> {
    Arc::new(Sample {
        subjects: subjects.iter().map(|s| s.to_string()).collect(),
        body: "Hello,\r\nthe figures.".into(),
        attachment: b"1 2 3".to_vec(),
    })
}

impl Source for Sample {
    fn name(&self) -> &str {
        "John Smith"
    }

    fn folders(&self) -> Vec<&str> {
        vec!["Sent Items"]
    }

    fn len(&self) -> usize {
        self.subjects.len()
    }

    fn message(&self, i: usize) -> Message<'_> {
        let at = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        Message {
            folder: if i.is_multiple_of(2) {
                "Inbox"
            } else {
                "Inbox/Projects"
            },
            subject: &self.subjects[i],
            from: Person {
                name: "John Smith",
                email: "j_smith@example.com",
            },
            to: vec![Person {
                name: "Rachel Clark",
                email: "r.clark@example.com",
            }],
            cc: Vec::new(),
            sent: at,
            received: at,
            body: &self.body,
            html: html_of(&self.body),
            message_id: format!("<{i}@example.com>"),
            attachments: vec![Attachment {
                name: "figures.txt",
                content: Content::Bytes(&self.attachment),
            }],
        }
    }
}

/// The subjects of every message under the IPM subtree, folder by folder, depth first.
fn ipm_subjects(store: &UnicodeStore) -> Vec<String> {
    let ipm = store.properties().ipm_sub_tree_entry_id().unwrap();
    let mut out = Vec::new();
    walk(store, store.open_folder(&ipm).unwrap(), &mut out);
    out
}

fn walk(store: &UnicodeStore, folder: Rc<dyn Folder>, out: &mut Vec<String>) {
    let entry = |row: &TableRowData| {
        let nid = NodeId::from(u32::from(row.id()));
        store.properties().make_entry_id(nid).unwrap()
    };
    for row in folder.contents_table().unwrap().rows_matrix() {
        let message = store.open_message(&entry(row), None).unwrap();
        match message.properties().get(0x0037) {
            Some(PropertyValue::Unicode(s)) => out.push(String::from_utf16(s.buffer()).unwrap()),
            other => panic!("a subject, not {other:?}"),
        }
    }
    for row in folder.hierarchy_table().unwrap().rows_matrix() {
        walk(store, store.open_folder(&entry(row)).unwrap(), out);
    }
}

fn open_bytes(bytes: Vec<u8>) -> Rc<UnicodeStore> {
    let file =
        outlook_pst::UnicodePstFile::read_from(Box::new(std::io::Cursor::new(bytes))).unwrap();
    UnicodeStore::read(Rc::new(file)).unwrap()
}

/// The subfolder of `folder` named `name`.
fn subfolder(store: &UnicodeStore, folder: &dyn Folder, name: &str) -> Rc<dyn Folder> {
    (folder.hierarchy_table().unwrap().rows_matrix())
        .map(|r| {
            let nid = NodeId::from(u32::from(r.id()));
            store
                .open_folder(&store.properties().make_entry_id(nid).unwrap())
                .unwrap()
        })
        .find(|f| f.properties().display_name().is_ok_and(|n| n == name))
        .unwrap_or_else(|| panic!("no folder {name}"))
}

/// The first message of `folder`'s contents table.
fn first_message(
    store: &Rc<UnicodeStore>,
    folder: &Rc<dyn Folder>,
) -> Rc<outlook_pst::messaging::message::UnicodeMessage> {
    let row = folder
        .contents_table()
        .unwrap()
        .rows_matrix()
        .next()
        .unwrap();
    let nid = NodeId::from(u32::from(row.id()));
    let entry = store.properties().make_entry_id(nid).unwrap();
    outlook_pst::messaging::message::UnicodeMessage::read(store.clone(), &entry, None).unwrap()
}

/// A PST read at random: each read generates the region it falls in.
struct Virtual {
    pst: Arc<Pst>,
    pos: u64,
}

impl Read for Virtual {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.pst.len() {
            return Ok(0);
        }
        let bytes = self.pst.read_at(self.pos);
        let n = buf.len().min(bytes.len());
        buf[..n].copy_from_slice(&bytes[..n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for Virtual {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        self.pos = match to {
            SeekFrom::Start(p) => p,
            SeekFrom::End(d) => self.pst.len().saturating_add_signed(d),
            SeekFrom::Current(d) => self.pos.saturating_add_signed(d),
        };
        Ok(self.pos)
    }
}

#[test]
fn every_part_of_a_split_export_is_a_pst_that_opens() {
    let subjects = ["one", "two", "three"];
    let mailbox = sample(&subjects);
    const MIB: u64 = 1 << 20;
    let export = export(mailbox, 3 * MIB + 10, Some(MIB), "john");
    assert!(export.zip);
    let len = export.len();
    let bytes: Vec<u8> = export.chunks().flat_map(|chunk| chunk.to_vec()).collect();
    assert_eq!(bytes.len() as u64, len);
    let mut archive = ::zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(archive.len(), 4, "three parts of the limit and the rest");
    let mut found = Vec::new();
    for i in 0..archive.len() {
        let mut part = archive.by_index(i).unwrap();
        assert_eq!(part.name(), format!("john_{:03}.pst", i + 1));
        assert!(
            part.size() <= MIB,
            "{} is {} bytes",
            part.name(),
            part.size()
        );
        let mut pst = Vec::new();
        part.read_to_end(&mut pst).unwrap();
        found.extend(ipm_subjects(&open_bytes(pst)));
    }
    found.sort();
    assert_eq!(
        found,
        ["one", "three", "two"],
        "each message once, in some part"
    );
}

#[test]
fn a_pst_of_gigabytes_opens_and_holds_its_messages() {
    // Past 2 GiB: the padding is in pieces, and the file has FPMap and FMap pages.
    let subjects = ["one", "two", "three"];
    let mailbox = sample(&subjects);
    let size = 5 * (1u64 << 30) + 17;
    let pst = Arc::new(Pst::new(mailbox, size));
    assert_eq!(pst.len(), size);
    let reader = Virtual {
        pst: pst.clone(),
        pos: 0,
    };
    let file = outlook_pst::UnicodePstFile::read_from(Box::new(reader)).unwrap();
    let store = UnicodeStore::read(Rc::new(file)).unwrap();
    let mut found = ipm_subjects(&store);
    found.sort();
    assert_eq!(found, ["one", "three", "two"]);
}

#[test]
fn the_same_content_gives_the_same_bytes() {
    let subjects = ["one", "two"];
    let bytes = || -> Vec<u8> {
        Pst::new(sample(&subjects), 1 << 20)
            .chunks()
            .flat_map(|c| c.to_vec())
            .collect()
    };
    assert_eq!(bytes(), bytes());
}

#[test]
fn values_too_large_for_the_heap_go_to_subnodes_and_read_back() {
    // A body past a heap allocation (3580 bytes) and an attachment past a data block (8176
    // bytes), in subnodes of the message and of the attachment, the second under an XBLOCK.
    let body: String = (0..400)
        .map(|i| format!("line {i} of a long body\r\n"))
        .collect();
    let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let mailbox = Arc::new(Sample {
        subjects: vec!["big".into()],
        body: body.clone(),
        attachment: data.clone(),
    });
    let bytes: Vec<u8> = Pst::new(mailbox, 1 << 20)
        .chunks()
        .flat_map(|c| c.to_vec())
        .collect();
    let store = open_bytes(bytes);
    let ipm = store
        .open_folder(&store.properties().ipm_sub_tree_entry_id().unwrap())
        .unwrap();
    let message = first_message(&store, &subfolder(&store, &*ipm, "Inbox"));
    match message.properties().get(0x1000) {
        Some(PropertyValue::Unicode(s)) => {
            assert_eq!(String::from_utf16(s.buffer()).unwrap(), body)
        }
        other => panic!("a body, not {other:?}"),
    }
    let table = message.attachment_table().unwrap();
    let row = table.rows_matrix().next().unwrap();
    let attachment = outlook_pst::messaging::attachment::UnicodeAttachment::read(
        message.clone(),
        NodeId::from(u32::from(row.id())),
        None,
    )
    .unwrap();
    match attachment.data() {
        Some(outlook_pst::messaging::attachment::AttachmentData::Binary(value)) => {
            assert_eq!(value.buffer(), data.as_slice())
        }
        _ => panic!("binary attachment data"),
    }
}

#[test]
fn the_allocation_maps_mark_exactly_what_the_b_trees_hold() {
    // Blocks, padding and B-tree pages across several regions; the padding's units fill
    // regions whole, the pages start after them.
    let subjects = ["one", "two", "three"];
    let pst = Pst::new(sample(&subjects), 20 << 20);
    let layout = pst.layout();
    let allocations = layout.allocations();
    for pair in allocations.windows(2) {
        assert!(pair[0].0 + pair[0].1 <= pair[1].0, "overlap: {pair:?}");
    }
    const REGION: u64 = 0x3E000;
    for r in 0..layout.region_count() {
        let start = 0x4400 + r * REGION;
        let region = layout.read_at(start);
        let amap = &region[..512];
        assert_eq!(&amap[496..498], &[0x84, 0x84], "region {r}: an AMap page");
        assert_eq!(
            u32::from_le_bytes(amap[500..504].try_into().unwrap()),
            ndb::crc(&amap[..496])
        );
        assert_eq!(
            u64::from_le_bytes(amap[504..512].try_into().unwrap()),
            start,
            "its ID is its offset"
        );
        let mut expected = [0u8; 496];
        let map_pages = if r % 8 == 0 { 2 } else { 1 };
        for unit in 0..map_pages * 8 {
            expected[unit / 8] |= 0x80 >> (unit % 8);
        }
        for &(ib, len) in allocations
            .iter()
            .filter(|(ib, _)| *ib >= start && *ib < start + REGION)
        {
            assert!(ib + len <= start + REGION, "{ib:#x}+{len} crosses a region");
            assert_eq!(ib % 64, 0);
            for unit in (ib - start) / 64..(ib - start + len).div_ceil(64) {
                expected[unit as usize / 8] |= 0x80 >> (unit % 8);
            }
        }
        assert_eq!(&amap[..496], &expected[..], "region {r}'s allocation bits");
    }
}

#[test]
fn a_pst_of_a_terabyte_lays_out_and_its_padding_message_holds_every_piece() {
    // About 490 pieces of padding (a region's maps and unused slots take 3 %): more
    // attachments than an SLBLOCK holds (340), so the padding message's subnodes are an
    // SIBLOCK over SLBLOCKs. Only what the reader asks for is made.
    let size = 1u64 << 40;
    let pst = Arc::new(Pst::new(sample(&["one"]), size));
    assert_eq!(pst.len(), size);
    let file = outlook_pst::UnicodePstFile::read_from(Box::new(Virtual { pst, pos: 0 })).unwrap();
    let store = UnicodeStore::read(Rc::new(file)).unwrap();
    assert_eq!(ipm_subjects(&store), ["one"]);
    let root_entry = store
        .properties()
        .make_entry_id(NodeId::from(0x122))
        .unwrap();
    let root = store.open_folder(&root_entry).unwrap();
    let message = first_message(&store, &subfolder(&store, &*root, PADDING_FOLDER));
    let attachments = message.attachment_table().unwrap().rows_matrix().count();
    let pieces = attachments as u64;
    assert!(pieces > 340, "{pieces} attachments");
    assert!(
        (pieces - 1) * blocks::Padding::PIECE < size
            && pieces * blocks::Padding::PIECE > size / 100 * 95,
        "one attachment per 2 GiB piece of nearly the whole file: {pieces}"
    );
}

#[test]
fn the_name_to_id_map_has_its_streams() {
    // libpff refuses a PST whose name-to-ID map has no entries: the map holds a numeric name
    // in a GUID of the GUID stream and a string name of the string stream.
    let bytes: Vec<u8> = Pst::new(sample(&["one"]), 1 << 20)
        .chunks()
        .flat_map(|c| c.to_vec())
        .collect();
    let store = open_bytes(bytes);
    let map = store.named_property_map().unwrap();
    let properties = map.properties();
    assert_eq!(properties.stream_guid().unwrap().len(), 1);
    let entries = properties.stream_entry().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(
        entries.iter().map(|e| e.prop_id()).collect::<Vec<_>>(),
        [0x8000, 0x8001],
        "named properties are 0x8000 and on"
    );
    let strings = properties.stream_string().unwrap();
    assert_eq!(strings.len(), 1);
}
