//! The messaging layer ([MS-PST] 2.4): the message store, the name-to-ID map, the root folder,
//! the IPM subtree with a folder per exported folder, and the messages (in [`super::message`]).
//!
//! A [`Plan`] decides every node's NID and place up front from a [`Source`] of messages, and
//! builds any node's content on demand: the writer builds each node once to learn its size, and
//! again when the file streams past it, so that no more than one node is ever held.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::ltp::{self, SubnodeIds, Value};
use super::message::{CONTENTS_COLUMNS, contents_row, message_node};
use super::node::*;

/// A sender or recipient.
#[derive(Debug, Clone, Copy)]
pub struct Person<'a> {
    pub name: &'a str,
    pub email: &'a str,
}

/// An attachment's bytes: given, or generated (a piece of the padding).
#[derive(Debug, Clone, Copy)]
pub enum Content<'a> {
    Bytes(&'a [u8]),
    Generated { piece: u32, len: u64 },
}

impl Content<'_> {
    pub fn len(&self) -> u64 {
        match self {
            Content::Bytes(b) => b.len() as u64,
            Content::Generated { len, .. } => *len,
        }
    }
}

/// A file attached to a message.
#[derive(Debug, Clone, Copy)]
pub struct Attachment<'a> {
    pub name: &'a str,
    pub content: Content<'a>,
}

/// A message and the folder it goes in.
#[derive(Debug, Clone)]
pub struct Message<'a> {
    /// Its folder's path under the IPM subtree, such as `Inbox/Projects`.
    pub folder: &'a str,
    pub subject: &'a str,
    pub from: Person<'a>,
    pub to: Vec<Person<'a>>,
    pub cc: Vec<Person<'a>>,
    pub sent: DateTime<Utc>,
    pub received: DateTime<Utc>,
    pub body: &'a str,
    pub html: String,
    pub message_id: String,
    pub attachments: Vec<Attachment<'a>>,
}

/// What a PST holds, read as often as the writer needs: the writer never copies it.
pub trait Source: Send + Sync {
    /// The store's display name.
    fn name(&self) -> &str;
    /// Folder paths to create even when no message is in them.
    fn folders(&self) -> Vec<&str>;
    /// How many messages there are.
    fn len(&self) -> usize;
    /// Message `i`, the same on every call.
    fn message(&self, i: usize) -> Message<'_>;
    /// Message `i`'s folder: what planning needs, without making the whole message.
    fn folder(&self, i: usize) -> &str {
        self.message(i).folder
    }
}

/// The folder, outside the IPM subtree, that holds the padding message.
pub const PADDING_FOLDER: &str = "VBO365 simulator padding";

// Property IDs ([MS-OXPROPS]).
pub const DISPLAY_NAME: u16 = 0x3001;
const RECORD_KEY: u16 = 0x0FF9;
const IPM_SUBTREE_ENTRY_ID: u16 = 0x35E0;
const IPM_WASTEBASKET_ENTRY_ID: u16 = 0x35E3;
const VALID_FOLDER_MASK: u16 = 0x35DF;
const PST_PASSWORD: u16 = 0x67FF;
const CONTENT_COUNT: u16 = 0x3602;
const CONTENT_UNREAD_COUNT: u16 = 0x3603;
const SUBFOLDERS: u16 = 0x360A;
const CONTAINER_CLASS: u16 = 0x3613;

/// A property tag: its ID and type.
pub fn tag(id: u16, kind: u16) -> u32 {
    (u32::from(id) << 16) | u32::from(kind)
}

pub fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

/// A FILETIME: 100-nanosecond intervals since 1601-01-01 UTC.
pub fn filetime(time: DateTime<Utc>) -> u64 {
    const EPOCH_DIFFERENCE_SECS: i64 = 11_644_473_600;
    let secs = (time.timestamp() + EPOCH_DIFFERENCE_SECS).max(0) as u64;
    secs * 10_000_000 + u64::from(time.timestamp_subsec_nanos() / 100)
}

/// Fixed NIDs ([MS-PST] 2.4.1).
pub const NID_MESSAGE_STORE: u32 = 0x21;
const NID_NAME_TO_ID_MAP: u32 = 0x61;
const NID_ROOT_FOLDER: u32 = 0x122;
/// The first folder index Outlook hands out: the IPM subtree's.
const FIRST_FOLDER_INDEX: u32 = 0x401;
const FIRST_MESSAGE_INDEX: u32 = 0x10001;

/// A message of the plan: one of the source's, or the padding message.
#[derive(Debug, Clone, Copy)]
enum Which {
    Source(usize),
    Padding,
}

/// A folder: its NID, name, parent, subfolders and messages (indexes into the plan's).
#[derive(Debug)]
struct Folder {
    nid: u32,
    name: String,
    parent: u32,
    children: Vec<usize>,
    messages: Vec<usize>,
}

/// One node of the plan.
#[derive(Debug, Clone, Copy)]
enum Part {
    Store,
    NameMap,
    Folder(usize),
    Hierarchy(usize),
    Contents(usize),
    Associated,
    Message(usize),
}

/// Every node of a PST, decided up front and built on demand.
pub struct Plan {
    source: Arc<dyn Source>,
    key: [u8; 16],
    pieces: Vec<u64>,
    piece_names: Vec<String>,
    folders: Vec<Folder>,
    ipm: usize,
    wastebasket: usize,
    /// Each message: its NID, its folder and what it is.
    messages: Vec<(u32, usize, Which)>,
    /// The nodes, by NID.
    parts: Vec<(u32, Part)>,
}

impl std::fmt::Debug for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plan")
            .field("messages", &self.messages.len())
            .field("folders", &self.folders.len())
            .field("pieces", &self.pieces)
            .finish_non_exhaustive()
    }
}

impl Plan {
    /// The plan of a PST of `source`'s messages, plus a padding message with one attachment
    /// per piece of `pieces` (their lengths).
    pub fn new(source: Arc<dyn Source>, key: [u8; 16], pieces: &[u64]) -> Self {
        let mut plan = Self {
            source,
            key,
            pieces: pieces.to_vec(),
            piece_names: (1..=pieces.len())
                .map(|i| format!("padding-{i:03}.txt"))
                .collect(),
            folders: Vec::new(),
            ipm: 0,
            wastebasket: 0,
            messages: Vec::new(),
            parts: Vec::new(),
        };
        plan.folders.push(Folder {
            nid: NID_ROOT_FOLDER,
            name: String::new(),
            parent: NID_ROOT_FOLDER,
            children: Vec::new(),
            messages: Vec::new(),
        });
        plan.ipm = plan.add_folder("Top of Outlook data file", 0);
        plan.wastebasket = plan.add_folder("Deleted Items", plan.ipm);
        let source = plan.source.clone();
        for path in source.folders() {
            plan.folder_at(path);
        }
        let mut placed: Vec<(usize, Which)> = (0..source.len())
            .map(|i| (plan.folder_at(source.folder(i)), Which::Source(i)))
            .collect();
        if !pieces.is_empty() {
            placed.push((plan.add_folder(PADDING_FOLDER, 0), Which::Padding));
        }
        for (index, (folder, which)) in (FIRST_MESSAGE_INDEX..).zip(placed) {
            plan.folders[folder].messages.push(plan.messages.len());
            plan.messages
                .push((nid(NID_TYPE_NORMAL_MESSAGE, index), folder, which));
        }
        let mut parts = vec![
            (NID_MESSAGE_STORE, Part::Store),
            (NID_NAME_TO_ID_MAP, Part::NameMap),
        ];
        for (i, f) in plan.folders.iter().enumerate() {
            let index = f.nid >> 5;
            parts.push((f.nid, Part::Folder(i)));
            parts.push((nid(NID_TYPE_HIERARCHY_TABLE, index), Part::Hierarchy(i)));
            parts.push((nid(NID_TYPE_CONTENTS_TABLE, index), Part::Contents(i)));
            parts.push((nid(NID_TYPE_ASSOC_CONTENTS_TABLE, index), Part::Associated));
        }
        parts.extend(
            plan.messages
                .iter()
                .enumerate()
                .map(|(i, m)| (m.0, Part::Message(i))),
        );
        parts.sort_by_key(|(nid, _)| *nid);
        plan.parts = parts;
        plan
    }

    /// A new folder `name` under folder `parent`.
    fn add_folder(&mut self, name: &str, parent: usize) -> usize {
        let index = FIRST_FOLDER_INDEX + self.folders.len() as u32 - 1;
        self.folders.push(Folder {
            nid: nid(NID_TYPE_NORMAL_FOLDER, index),
            name: name.to_owned(),
            parent: self.folders[parent].nid,
            children: Vec::new(),
            messages: Vec::new(),
        });
        let new = self.folders.len() - 1;
        self.folders[parent].children.push(new);
        new
    }

    /// The folder of `path` under the IPM subtree, made with its parents when first seen.
    fn folder_at(&mut self, path: &str) -> usize {
        let mut at = self.ipm;
        for name in path.split('/').filter(|n| !n.is_empty()) {
            let found = self.folders[at]
                .children
                .iter()
                .find(|&&c| self.folders[c].name == name);
            at = match found {
                Some(&c) => c,
                None => self.add_folder(name, at),
            };
        }
        at
    }

    /// How many nodes the PST has.
    pub fn len(&self) -> usize {
        self.parts.len()
    }

    /// The padding message, whose attachments are the pieces.
    fn padding_message(&self) -> Message<'_> {
        Message {
            folder: "",
            subject: "Padding to the requested export size",
            from: Person {
                name: "VBO365 simulator",
                email: "simulator@vbo365.invalid",
            },
            to: Vec::new(),
            cc: Vec::new(),
            sent: DateTime::UNIX_EPOCH,
            received: DateTime::UNIX_EPOCH,
            body: "The simulator pads its PST exports to the size it is configured for with this \
                   message's attachments. They are not backed-up data.",
            html: String::new(),
            message_id: "<padding@vbo365.invalid>".to_owned(),
            attachments: (self.pieces.iter().zip(&self.piece_names).enumerate())
                .map(|(piece, (len, name))| Attachment {
                    name,
                    content: Content::Generated {
                        piece: piece as u32,
                        len: *len,
                    },
                })
                .collect(),
        }
    }

    fn message(&self, which: Which) -> Message<'_> {
        match which {
            Which::Source(i) => self.source.message(i),
            Which::Padding => self.padding_message(),
        }
    }

    fn entry_id(&self, nid: u32) -> Value {
        let mut id = vec![0u8; 4];
        id.extend_from_slice(&self.key);
        id.extend_from_slice(&nid.to_le_bytes());
        Value::Binary(id)
    }

    /// Node `k`, in NID order, built.
    pub fn node(&self, k: usize) -> Node {
        let (nid, part) = self.parts[k];
        let top = |parent: u32, built: ltp::Built| Node {
            nid,
            parent,
            data: Data::Blocks(built.blocks),
            subnodes: built.subnodes,
        };
        let mut ids = SubnodeIds::default();
        match part {
            // The store ([MS-PST] 2.4.3).
            Part::Store => top(
                0,
                ltp::property_context(
                    &[
                        (RECORD_KEY, Value::Binary(self.key.to_vec())),
                        (DISPLAY_NAME, text(self.source.name())),
                        (
                            IPM_SUBTREE_ENTRY_ID,
                            self.entry_id(self.folders[self.ipm].nid),
                        ),
                        (
                            IPM_WASTEBASKET_ENTRY_ID,
                            self.entry_id(self.folders[self.wastebasket].nid),
                        ),
                        (VALID_FOLDER_MASK, Value::Long(0x09)),
                        (PST_PASSWORD, Value::Long(0)),
                    ],
                    &mut ids,
                ),
            ),
            // The name-to-ID map ([MS-PST] 2.4.7).
            Part::NameMap => top(
                0,
                ltp::property_context(&super::names::properties(), &mut ids),
            ),
            Part::Folder(f) => {
                let props: Vec<(u16, Value)> = FOLDER_PROPS
                    .iter()
                    .copied()
                    .zip(self.folder_values(f))
                    .collect();
                top(
                    self.folders[f].parent,
                    ltp::property_context(&props, &mut ids),
                )
            }
            Part::Hierarchy(f) => {
                let columns: Vec<u32> = FOLDER_PROPS
                    .iter()
                    .zip(FOLDER_TYPES)
                    .map(|(id, kind)| tag(*id, kind))
                    .collect();
                let rows: Vec<_> = (self.folders[f].children.iter())
                    .map(|&c| {
                        (
                            self.folders[c].nid,
                            self.folder_values(c).into_iter().map(Some).collect(),
                        )
                    })
                    .collect();
                top(0, ltp::table_context(&columns, rows, &mut ids))
            }
            Part::Contents(f) => {
                // Row by row: a folder of many messages is never held as values.
                let rows = (self.folders[f].messages.iter()).map(|&m| {
                    let (nid, _, which) = self.messages[m];
                    (nid, contents_row(&self.message(which)))
                });
                top(0, ltp::table_context(&CONTENTS_COLUMNS, rows, &mut ids))
            }
            Part::Associated => top(0, ltp::table_context(&CONTENTS_COLUMNS, [], &mut ids)),
            Part::Message(m) => {
                let (nid, folder, which) = self.messages[m];
                message_node(&self.message(which), nid, self.folders[folder].nid)
            }
        }
    }

    /// A folder's properties, in [`FOLDER_PROPS`] order: its PC and its hierarchy table row.
    fn folder_values(&self, f: usize) -> Vec<Value> {
        let folder = &self.folders[f];
        vec![
            text(&folder.name),
            Value::Long(folder.messages.len() as u32),
            Value::Long(0),
            Value::Bool(!folder.children.is_empty()),
            text("IPF.Note"),
        ]
    }
}

/// A folder's properties ([MS-PST] 2.4.4.1) and their types.
const FOLDER_PROPS: [u16; 5] = [
    DISPLAY_NAME,
    CONTENT_COUNT,
    CONTENT_UNREAD_COUNT,
    SUBFOLDERS,
    CONTAINER_CLASS,
];
const FOLDER_TYPES: [u16; 5] = [
    ltp::PT_UNICODE,
    ltp::PT_LONG,
    ltp::PT_LONG,
    ltp::PT_BOOLEAN,
    ltp::PT_UNICODE,
];
