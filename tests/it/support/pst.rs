//! Reads a PST back with Microsoft's `outlook-pst` crate, an implementation independent of the
//! simulator's writer, and dumps what it holds: the folders, their messages, each message's
//! recipients and attachments.
//!
//! Only Unicode PSTs: opening an attachment needs the concrete `UnicodeMessage`, which the
//! `Rc<dyn Store>` of `outlook_pst::open_store` hides. Otherwise the walk is that of the crate's
//! examples (store, IPM subtree, folder tables, message, recipient and attachment tables).
//!
//! Attachment data: outlook-pst 1.2 has no reader for `PidTagAttachDataBinary` that a caller can
//! reach; `UnicodeAttachment::read` loads the whole value (held twice: in the property map and in
//! `AttachmentData`). The helper digests that buffer and drops the attachment before opening the
//! next one, so memory peaks at about twice the largest attachment.

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::rc::Rc;

use outlook_pst::UnicodePstFile;
use outlook_pst::ltp::prop_context::PropertyValue;
use outlook_pst::ltp::prop_type::PropertyType;
use outlook_pst::ltp::table_context::{TableContext, TableRowData};
use outlook_pst::messaging::attachment::{Attachment, AttachmentData, UnicodeAttachment};
use outlook_pst::messaging::folder::Folder;
use outlook_pst::messaging::message::{Message, UnicodeMessage};
use outlook_pst::messaging::store::{Store, UnicodeStore};
use outlook_pst::ndb::node_id::{NID_ROOT_FOLDER, NodeId, NodeIdType};

/// What a PST holds, as read by outlook-pst: every folder under the IPM subtree and, separately,
/// the root folder's other children (e.g. "Search Root") with their subfolders. Folders come in
/// hierarchy-table order, each before its subfolders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PstDump {
    pub ipm_folders: Vec<FolderDump>,
    pub other_root_folders: Vec<FolderDump>,
}

/// One folder and the messages of its contents table, in row order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderDump {
    /// Display names joined by '/', from below the IPM subtree (or the root folder), e.g.
    /// "Inbox/Projects".
    pub path: String,
    /// PidTagContentCount (0x3602).
    pub content_count: Option<i32>,
    pub messages: Vec<MessageDump>,
}

/// One message, opened with all its properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageDump {
    /// PidTagSubject (0x0037), without the "\u{1}" + prefix-length marker Outlook may put first.
    pub subject: Option<String>,
    /// PidTagMessageClass (0x001A).
    pub message_class: Option<String>,
    /// PidTagSenderName (0x0C1A).
    pub sender_name: Option<String>,
    /// PidTagSenderEmailAddress (0x0C1F), else PidTagSenderSmtpAddress (0x5D01).
    pub sender_email: Option<String>,
    /// The rows of the recipient table; empty when the message has none.
    pub recipients: Vec<RecipientDump>,
    /// PidTagBody (0x1000).
    pub body: Option<String>,
    /// PidTagHtml (0x1013), binary.
    pub html: Option<Vec<u8>>,
    /// PidTagMessageDeliveryTime (0x0E06), FILETIME as read.
    pub delivery_time: Option<i64>,
    /// PidTagClientSubmitTime (0x0039), FILETIME as read.
    pub submit_time: Option<i64>,
    /// One per row of the attachment table, each attachment object opened.
    pub attachments: Vec<AttachmentDump>,
}

/// One row of a recipient table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientDump {
    /// PidTagRecipientType (0x0C15): 1 To, 2 Cc, 3 Bcc.
    pub kind: Option<i32>,
    /// PidTagDisplayName (0x3001).
    pub name: Option<String>,
    /// PidTagSmtpAddress (0x39FE), else PidTagEmailAddress (0x3003).
    pub email: Option<String>,
}

/// One attachment object. Attachments without binary data (embedded message, by reference) have
/// `data_len` 0, the CRC of nothing (0) and an empty head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentDump {
    /// PidTagAttachLongFilename (0x3707), else PidTagAttachFilename (0x3704).
    pub name: Option<String>,
    /// PidTagAttachSize (0x0E20).
    pub size: Option<i32>,
    /// Length of PidTagAttachDataBinary (0x3701).
    pub data_len: u64,
    /// CRC-32 (IEEE, as in ZIP and `crc32fast::hash`) of PidTagAttachDataBinary.
    pub data_crc32: u32,
    /// The first 64 bytes of PidTagAttachDataBinary.
    pub data_head: Vec<u8>,
}

/// Reads the PST at `path`. Errors name the folder, message, attachment or property that failed;
/// a panic inside outlook-pst (it has a few on malformed input) comes back as an error too.
pub fn read_pst(path: &Path) -> Result<PstDump, String> {
    catch_unwind(AssertUnwindSafe(|| read(path))).unwrap_or_else(|panic| {
        let text = panic.downcast_ref::<String>().cloned();
        let text = text.or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()));
        let at = path.display();
        Err(format!("{at}: outlook-pst panicked: {text:?}"))
    })
}

type Table = Rc<dyn TableContext>;
type Res<T> = Result<T, String>;
type Values = BTreeMap<u16, PropertyValue>;
type Convert<T> = fn(&PropertyValue) -> Option<T>;

fn read(path: &Path) -> Res<PstDump> {
    let at = path.display();
    let pst = UnicodePstFile::open(path).map_err(|e| format!("{at}: open as Unicode PST: {e}"))?;
    let store = UnicodeStore::read(Rc::new(pst))
        .map_err(|e| format!("{at}: message store (NID 0x21): {e}"))?;
    let ipm = (store.properties().ipm_sub_tree_entry_id())
        .map_err(|e| format!("{at}: PidTagIpmSubTreeEntryId (0x35E0): {e}"))?
        .node_id();
    let mut walk = Walk {
        store,
        seen: BTreeSet::new(),
        out: Vec::new(),
    };
    let ipm_folder = walk.open_folder(ipm, "IPM subtree")?;
    walk.children(&table(&*ipm_folder, "IPM subtree", true)?, "", None)?;
    let ipm_folders = std::mem::take(&mut walk.out);
    // Not `Store::root_hierarchy_table`: in outlook-pst 1.2.0 it deadlocks (store.rs:392-409
    // holds the reader mutex that `TableContext::read` locks again).
    let root = walk.open_folder(NID_ROOT_FOLDER, "root folder")?;
    walk.children(&table(&*root, "root folder", true)?, "", Some(ipm))?;
    Ok(PstDump {
        ipm_folders,
        other_root_folders: walk.out,
    })
}

/// The folder walk: every folder it dumped, and the NIDs it met (a hierarchy cycle is an error).
struct Walk {
    store: Rc<UnicodeStore>,
    seen: BTreeSet<NodeId>,
    out: Vec<FolderDump>,
}

impl Walk {
    /// Dumps the folders listed in the hierarchy table `table` (less `skip`), depth first.
    fn children(&mut self, table: &Table, parent: &str, skip: Option<NodeId>) -> Res<()> {
        for nid in table.rows_matrix().map(row_nid) {
            if Some(nid) != skip {
                self.folder(nid, parent)?;
            }
        }
        Ok(())
    }

    fn folder(&mut self, nid: NodeId, parent: &str) -> Res<()> {
        let at = format!("folder NID 0x{:X} under {parent:?}", u32::from(nid));
        if !self.seen.insert(nid) {
            return Err(format!("{at}: listed twice (hierarchy cycle?)"));
        }
        let folder = self.open_folder(nid, &at)?;
        let props = Props::new(&at, folder.properties().iter());
        let name = props
            .text(0x3001)?
            .ok_or(format!("{at}: no PidTagDisplayName"))?;
        let path = format!("{parent}{}{name}", if parent.is_empty() { "" } else { "/" });
        let mut dump = FolderDump {
            path,
            content_count: props.int(0x3602)?,
            messages: Vec::new(),
        };
        // A search folder has neither a hierarchy nor a (normal) contents table.
        if matches!(nid.id_type(), Ok(NodeIdType::SearchFolder)) {
            self.out.push(dump);
            return Ok(());
        }
        let at = format!("folder {:?}", dump.path);
        for nid in table(&*folder, &at, false)?.rows_matrix().map(row_nid) {
            dump.messages.push(self.message(nid, &at)?);
        }
        let path = dump.path.clone();
        self.out.push(dump);
        self.children(&table(&*folder, &at, true)?, &path, None)
    }

    fn open_folder(&self, nid: NodeId, at: &str) -> Res<Rc<dyn Folder>> {
        let entry = (self.store.properties().make_entry_id(nid))
            .map_err(|e| format!("{at}: EntryID: {e}"))?;
        (self.store.open_folder(&entry)).map_err(|e| format!("{at}: open: {e}"))
    }

    fn message(&self, nid: NodeId, at: &str) -> Res<MessageDump> {
        let at = format!("{at}, message NID 0x{:X}", u32::from(nid));
        let entry = (self.store.properties().make_entry_id(nid))
            .map_err(|e| format!("{at}: EntryID: {e}"))?;
        let message = UnicodeMessage::read(self.store.clone(), &entry, None)
            .map_err(|e| format!("{at}: open: {e}"))?;
        let props = Props::new(&at, message.properties().iter());
        let (mut recipients, mut attachments) = (Vec::new(), Vec::new());
        if let Some(table) = message.recipient_table() {
            for (i, row) in table.rows_matrix().enumerate() {
                let at = format!("{at}, recipient row {i}");
                let values = row_values(&**table, row, &at)?;
                let row = Props::new(&at, values.iter());
                let kind = row.int(0x0C15)?;
                let name = row.text(0x3001)?;
                let email = row.text_or(0x39FE, 0x3003)?;
                recipients.push(RecipientDump { kind, name, email });
            }
        }
        if let Some(table) = message.attachment_table() {
            for row in table.rows_matrix() {
                // attachment.rs:205-301 relocks the locked reader for an afEmbeddedMessage (5).
                let method = row_values(&**table, row, &at)?.remove(&0x3705);
                if let Some(PropertyValue::Integer32(5)) = method {
                    let nid = u32::from(row.id());
                    return Err(format!(
                        "{at}: attachment NID 0x{nid:X}: embedded message, not opened (it hangs outlook-pst 1.2.0)"
                    ));
                }
                attachments.push(attachment(&message, row_nid(row), &at)?);
            }
        }
        let subject = props.text(0x0037)?.map(|s| match s.strip_prefix('\u{1}') {
            Some(rest) => rest.chars().skip(1).collect(),
            None => s,
        });
        Ok(MessageDump {
            subject,
            message_class: props.text(0x001A)?,
            sender_name: props.text(0x0C1A)?,
            sender_email: props.text_or(0x0C1F, 0x5D01)?,
            recipients,
            body: props.text(0x1000)?,
            html: props.bytes(0x1013)?,
            delivery_time: props.time(0x0E06)?,
            submit_time: props.time(0x0039)?,
            attachments,
        })
    }
}

fn attachment(message: &Rc<UnicodeMessage>, nid: NodeId, at: &str) -> Res<AttachmentDump> {
    let at = format!("{at}, attachment NID 0x{:X}", u32::from(nid));
    let attachment = UnicodeAttachment::read(message.clone(), nid, None)
        .map_err(|e| format!("{at}: open: {e}"))?;
    let props = Props::new(&at, attachment.properties().iter());
    let data: &[u8] = match attachment.data() {
        Some(AttachmentData::Binary(value)) => value.buffer(),
        _ => &[],
    };
    Ok(AttachmentDump {
        name: props.text_or(0x3707, 0x3704)?,
        size: props.int(0x0E20)?,
        data_len: data.len() as u64,
        data_crc32: crc32fast::hash(data),
        data_head: data[..data.len().min(64)].to_vec(),
    })
}

/// A folder's hierarchy or contents table. outlook-pst hides why one could not be read (it
/// returns `None` for a missing node and a malformed table alike).
fn table(folder: &dyn Folder, at: &str, hierarchy: bool) -> Res<Table> {
    let (kind, nid_type, table) = match hierarchy {
        true => ("hierarchy", 0x0D, folder.hierarchy_table()),
        false => ("contents", 0x0E, folder.contents_table()),
    };
    let nid = (u32::from(folder.properties().node_id()) & !0x1F) | nid_type;
    let missing = format!("{at}: {kind} table (NID 0x{nid:X}) missing or unreadable");
    table.cloned().ok_or(missing)
}

/// A row's id: in hierarchy, contents and attachment tables, the NID of the object it lists.
fn row_nid(row: &TableRowData) -> NodeId {
    NodeId::from(u32::from(row.id()))
}

/// Every present column of one table row, read through the table.
fn row_values(table: &dyn TableContext, row: &TableRowData, at: &str) -> Res<Values> {
    let context = table.context();
    let cells = row.columns(context).map_err(|e| format!("{at}: {e}"))?;
    let mut values = BTreeMap::new();
    for (column, cell) in context.columns().iter().zip(cells) {
        if let Some(cell) = cell {
            let value = table
                .read_column(&cell, column.prop_type())
                .map_err(|e| format!("{at}: column 0x{:04X}: {e}", column.prop_id()))?;
            values.insert(column.prop_id(), value);
        }
    }
    Ok(values)
}

/// The properties of one object, with typed getters: an absent property is `None`, one of an
/// unexpected type an error.
struct Props<'a> {
    at: &'a str,
    map: BTreeMap<u16, &'a PropertyValue>,
}

impl<'a> Props<'a> {
    fn new(at: &'a str, iter: impl Iterator<Item = (&'a u16, &'a PropertyValue)>) -> Self {
        Props {
            at,
            map: iter.map(|(id, value)| (*id, value)).collect(),
        }
    }

    /// The value of `id` through `f`; an error names the type found if `f` yields `None`.
    fn get<T>(&self, id: u16, want: &str, f: Convert<T>) -> Res<Option<T>> {
        let Some(&value) = self.map.get(&id) else {
            return Ok(None);
        };
        let (at, found) = (self.at, PropertyType::from(value));
        let wrong = || format!("{at}: property 0x{id:04X}: expected {want}, found {found:?}");
        f(value).map(Some).ok_or_else(wrong)
    }

    /// A PtypString (UTF-16, strictly decoded) or PtypString8 (bytes taken as Latin-1). An empty
    /// value (stored as HNID 0) reads back as `PtypNull`, hence "".
    fn text(&self, id: u16) -> Res<Option<String>> {
        self.get(id, "a string (valid UTF-16)", |value| match value {
            PropertyValue::Null => Some(String::new()),
            PropertyValue::Unicode(value) => String::from_utf16(value.buffer()).ok(),
            PropertyValue::String8(v) => Some(v.buffer().iter().map(|&b| char::from(b)).collect()),
            _ => None,
        })
    }

    /// `text(id)`, else `text(fallback)`.
    fn text_or(&self, id: u16, fallback: u16) -> Res<Option<String>> {
        Ok(self.text(id)?.or(self.text(fallback)?))
    }

    fn int(&self, id: u16) -> Res<Option<i32>> {
        self.get(id, "Integer32", |value| match value {
            PropertyValue::Integer32(value) => Some(*value),
            _ => None,
        })
    }

    fn time(&self, id: u16) -> Res<Option<i64>> {
        self.get(id, "Time", |value| match value {
            PropertyValue::Time(value) => Some(*value),
            _ => None,
        })
    }

    /// A PtypBinary; empty when stored as HNID 0 (read back as `PtypNull`).
    fn bytes(&self, id: u16) -> Res<Option<Vec<u8>>> {
        self.get(id, "Binary", |value| match value {
            PropertyValue::Null => Some(Vec::new()),
            PropertyValue::Binary(value) => Some(value.buffer().to_vec()),
            _ => None,
        })
    }
}
