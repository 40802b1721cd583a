//! The messaging layer ([MS-PST] 2.4): the message store, the name-to-ID map, the root folder,
//! the IPM subtree with a folder per exported folder, and messages with their recipient and
//! attachment tables, as nodes for the node database.

use chrono::{DateTime, Utc};

use super::ltp::{self, SubnodeIds, Value};
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

/// What a PST holds.
#[derive(Debug, Clone, Default)]
pub struct Mailbox<'a> {
    /// The store's display name.
    pub name: &'a str,
    /// Folder paths to create even when no message is in them.
    pub folders: Vec<&'a str>,
    pub messages: Vec<Message<'a>>,
}

/// The folder, outside the IPM subtree, that holds the padding message.
pub const PADDING_FOLDER: &str = "VBO365 simulator padding";

// Property IDs ([MS-OXPROPS]).
const DISPLAY_NAME: u16 = 0x3001;
const RECORD_KEY: u16 = 0x0FF9;
const IPM_SUBTREE_ENTRY_ID: u16 = 0x35E0;
const IPM_WASTEBASKET_ENTRY_ID: u16 = 0x35E3;
const VALID_FOLDER_MASK: u16 = 0x35DF;
const PST_PASSWORD: u16 = 0x67FF;
const CONTENT_COUNT: u16 = 0x3602;
const CONTENT_UNREAD_COUNT: u16 = 0x3603;
const SUBFOLDERS: u16 = 0x360A;
const CONTAINER_CLASS: u16 = 0x3613;
const MESSAGE_CLASS: u16 = 0x001A;
const SUBJECT: u16 = 0x0037;
const CLIENT_SUBMIT_TIME: u16 = 0x0039;
const SENT_REPRESENTING_NAME: u16 = 0x0042;
const SENT_REPRESENTING_ADDRESS_TYPE: u16 = 0x0064;
const SENT_REPRESENTING_EMAIL: u16 = 0x0065;
const CONVERSATION_TOPIC: u16 = 0x0070;
const SENDER_NAME: u16 = 0x0C1A;
const SENDER_ADDRESS_TYPE: u16 = 0x0C1E;
const SENDER_EMAIL: u16 = 0x0C1F;
const DISPLAY_CC: u16 = 0x0E03;
const DISPLAY_TO: u16 = 0x0E04;
const DELIVERY_TIME: u16 = 0x0E06;
const MESSAGE_FLAGS: u16 = 0x0E07;
const MESSAGE_SIZE: u16 = 0x0E08;
const HAS_ATTACHMENTS: u16 = 0x0E1B;
const IMPORTANCE: u16 = 0x0017;
const BODY: u16 = 0x1000;
const HTML: u16 = 0x1013;
const INTERNET_MESSAGE_ID: u16 = 0x1035;
const CREATION_TIME: u16 = 0x3007;
const LAST_MODIFICATION_TIME: u16 = 0x3008;
const INTERNET_CODEPAGE: u16 = 0x3FDE;
const RECIPIENT_TYPE: u16 = 0x0C15;
const ADDRESS_TYPE: u16 = 0x3002;
const EMAIL_ADDRESS: u16 = 0x3003;
const SMTP_ADDRESS: u16 = 0x39FE;
const OBJECT_TYPE: u16 = 0x0FFE;
const DISPLAY_TYPE: u16 = 0x3900;
const RESPONSIBILITY: u16 = 0x0E0F;
const ATTACH_SIZE: u16 = 0x0E20;
const ATTACH_DATA: u16 = 0x3701;
const ATTACH_EXTENSION: u16 = 0x3703;
const ATTACH_FILENAME: u16 = 0x3704;
const ATTACH_METHOD: u16 = 0x3705;
const ATTACH_LONG_FILENAME: u16 = 0x3707;
const RENDERING_POSITION: u16 = 0x370B;
const ATTACH_MIME_TAG: u16 = 0x370E;

fn tag(id: u16, kind: u16) -> u32 {
    (u32::from(id) << 16) | u32::from(kind)
}

/// Fixed NIDs ([MS-PST] 2.4.1).
pub const NID_MESSAGE_STORE: u32 = 0x21;
const NID_NAME_TO_ID_MAP: u32 = 0x61;
const NID_ROOT_FOLDER: u32 = 0x122;
const NID_ATTACHMENT_TABLE: u32 = 0x671;
const NID_RECIPIENT_TABLE: u32 = 0x692;
/// The first folder index Outlook hands out: the IPM subtree's.
const FIRST_FOLDER_INDEX: u32 = 0x401;
const FIRST_MESSAGE_INDEX: u32 = 0x10001;

/// A FILETIME: 100-nanosecond intervals since 1601-01-01 UTC.
pub fn filetime(time: DateTime<Utc>) -> u64 {
    const EPOCH_DIFFERENCE_SECS: i64 = 11_644_473_600;
    let secs = (time.timestamp() + EPOCH_DIFFERENCE_SECS).max(0) as u64;
    secs * 10_000_000 + u64::from(time.timestamp_subsec_nanos() / 100)
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

/// A folder being assembled: its NID, name, parent, subfolders and messages.
struct Folder {
    nid: u32,
    name: String,
    parent: u32,
    children: Vec<usize>,
    messages: Vec<u32>,
    /// The contents table's rows.
    rows: Vec<(u32, Vec<Option<Value>>)>,
}

/// The folder tree, from the root folder (index 0).
struct Folders {
    list: Vec<Folder>,
    next_index: u32,
}

impl Default for Folders {
    fn default() -> Self {
        let root = Folder {
            nid: NID_ROOT_FOLDER,
            name: String::new(),
            parent: NID_ROOT_FOLDER,
            children: vec![],
            messages: vec![],
            rows: vec![],
        };
        Self {
            list: vec![root],
            next_index: FIRST_FOLDER_INDEX,
        }
    }
}

impl Folders {
    /// A new folder `name` under folder `parent`.
    fn add(&mut self, name: &str, parent: usize) -> usize {
        let nid = nid(NID_TYPE_NORMAL_FOLDER, self.next_index);
        self.next_index += 1;
        let parent_nid = self.list[parent].nid;
        self.list.push(Folder {
            nid,
            name: name.to_owned(),
            parent: parent_nid,
            children: vec![],
            messages: vec![],
            rows: vec![],
        });
        let index = self.list.len() - 1;
        self.list[parent].children.push(index);
        index
    }

    /// The folder of `path` under `top`, made with its parents when first seen.
    fn at(&mut self, top: usize, path: &str) -> usize {
        let mut at = top;
        for name in path.split('/').filter(|n| !n.is_empty()) {
            at = match self.list[at]
                .children
                .iter()
                .find(|&&c| self.list[c].name == name)
            {
                Some(&c) => c,
                None => self.add(name, at),
            };
        }
        at
    }
}

/// Builds the nodes of a PST holding `mailbox`, plus a padding message with one attachment
/// per piece of `padding` (the pieces' lengths).
pub fn nodes(mailbox: &Mailbox<'_>, store_key: [u8; 16], padding: &[u64]) -> Vec<Node> {
    let entry_id = |nid: u32| {
        let mut id = vec![0u8; 4];
        id.extend_from_slice(&store_key);
        id.extend_from_slice(&nid.to_le_bytes());
        Value::Binary(id)
    };
    let mut tree = Folders::default();
    let ipm = tree.add("Top of Outlook data file", 0);
    let wastebasket = tree.add("Deleted Items", ipm);
    for path in &mailbox.folders {
        tree.at(ipm, path);
    }

    let mut nodes = Vec::new();
    let piece_names: Vec<String> = (1..=padding.len())
        .map(|i| format!("padding-{i:03}.txt"))
        .collect();
    let padding_message = (!padding.is_empty()).then(|| Message {
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
               message's attachment. It is not backed-up data.",
        html: String::new(),
        message_id: "<padding@vbo365.invalid>".to_owned(),
        attachments: padding
            .iter()
            .zip(&piece_names)
            .enumerate()
            .map(|(piece, (len, name))| Attachment {
                name,
                content: Content::Generated {
                    piece: piece as u32,
                    len: *len,
                },
            })
            .collect(),
    });
    let padding_folder = padding_message
        .as_ref()
        .map(|_| tree.add(PADDING_FOLDER, 0));
    let placed = mailbox
        .messages
        .iter()
        .map(|m| (tree.at(ipm, m.folder), m))
        .collect::<Vec<_>>();
    let mut folders = tree.list;
    let placed = placed
        .into_iter()
        .chain(padding_folder.zip(padding_message.as_ref()));
    for (index, (folder, message)) in (FIRST_MESSAGE_INDEX..).zip(placed) {
        let nid = nid(NID_TYPE_NORMAL_MESSAGE, index);
        let (node, row) = message_node(message, nid, folders[folder].nid);
        nodes.push(node);
        folders[folder].messages.push(nid);
        folders[folder].rows.push((nid, row));
    }

    // The store ([MS-PST] 2.4.3).
    let mut ids = SubnodeIds::default();
    let store = ltp::property_context(
        &[
            (RECORD_KEY, Value::Binary(store_key.to_vec())),
            (DISPLAY_NAME, text(mailbox.name)),
            (IPM_SUBTREE_ENTRY_ID, entry_id(folders[ipm].nid)),
            (IPM_WASTEBASKET_ENTRY_ID, entry_id(folders[wastebasket].nid)),
            (VALID_FOLDER_MASK, Value::Long(0x09)),
            (PST_PASSWORD, Value::Long(0)),
        ],
        &mut ids,
    );
    nodes.push(top(NID_MESSAGE_STORE, 0, store));
    // An empty name-to-ID map ([MS-PST] 2.4.7): no named properties are used.
    let names = ltp::property_context(
        &[
            (0x0001, Value::Long(251)),
            (0x0002, Value::Binary(Vec::new())),
            (0x0003, Value::Binary(Vec::new())),
            (0x0004, Value::Binary(Vec::new())),
        ],
        &mut SubnodeIds::default(),
    );
    nodes.push(top(NID_NAME_TO_ID_MAP, 0, names));

    // Each folder: its PC and its hierarchy, contents and associated contents tables.
    let hierarchy_columns = [
        tag(DISPLAY_NAME, ltp::PT_UNICODE),
        tag(CONTENT_COUNT, ltp::PT_LONG),
        tag(CONTENT_UNREAD_COUNT, ltp::PT_LONG),
        tag(SUBFOLDERS, ltp::PT_BOOLEAN),
        tag(CONTAINER_CLASS, ltp::PT_UNICODE),
    ];
    let folder_row = |f: &Folder| {
        vec![
            Some(text(&f.name)),
            Some(Value::Long(f.messages.len() as u32)),
            Some(Value::Long(0)),
            Some(Value::Bool(!f.children.is_empty())),
            Some(text("IPF.Note")),
        ]
    };
    for f in &folders {
        let mut ids = SubnodeIds::default();
        let props = ltp::property_context(
            &[
                (DISPLAY_NAME, text(&f.name)),
                (CONTENT_COUNT, Value::Long(f.messages.len() as u32)),
                (CONTENT_UNREAD_COUNT, Value::Long(0)),
                (SUBFOLDERS, Value::Bool(!f.children.is_empty())),
                (CONTAINER_CLASS, text("IPF.Note")),
            ],
            &mut ids,
        );
        nodes.push(top(f.nid, f.parent, props));
        let index = f.nid >> 5;
        let children: Vec<_> = f
            .children
            .iter()
            .map(|&c| (folders[c].nid, folder_row(&folders[c])))
            .collect();
        let hierarchy =
            ltp::table_context(&hierarchy_columns, &children, &mut SubnodeIds::default());
        nodes.push(top(nid(NID_TYPE_HIERARCHY_TABLE, index), 0, hierarchy));
        let contents = ltp::table_context(&CONTENTS_COLUMNS, &f.rows, &mut SubnodeIds::default());
        nodes.push(top(nid(NID_TYPE_CONTENTS_TABLE, index), 0, contents));
        let associated = ltp::table_context(&CONTENTS_COLUMNS, &[], &mut SubnodeIds::default());
        nodes.push(top(
            nid(NID_TYPE_ASSOC_CONTENTS_TABLE, index),
            0,
            associated,
        ));
    }
    nodes.sort_by_key(|n| n.nid);
    nodes
}

fn top(nid: u32, parent: u32, built: ltp::Built) -> Node {
    Node {
        nid,
        parent,
        data: super::node::Data::Blocks(built.blocks),
        subnodes: built.subnodes,
    }
}

/// The contents table's columns ([MS-PST] 2.4.4.5.1, a subset).
const CONTENTS_COLUMNS: [u32; 10] = [
    0x0017_0003, // PidTagImportance
    0x001A_001F, // PidTagMessageClass
    0x0037_001F, // PidTagSubject
    0x0039_0040, // PidTagClientSubmitTime
    0x0042_001F, // PidTagSentRepresentingName
    0x0E04_001F, // PidTagDisplayTo
    0x0E06_0040, // PidTagMessageDeliveryTime
    0x0E07_0003, // PidTagMessageFlags
    0x0E08_0003, // PidTagMessageSize
    0x0E1B_000B, // PidTagHasAttachments
];

fn names(people: &[Person<'_>]) -> String {
    people.iter().map(|p| p.name).collect::<Vec<_>>().join("; ")
}

/// A message's node and its contents table row.
fn message_node(m: &Message<'_>, message: u32, folder: u32) -> (Node, Vec<Option<Value>>) {
    const MSGFLAG_READ: u32 = 0x01;
    const MSGFLAG_HASATTACH: u32 = 0x10;
    let mut ids = SubnodeIds::default();
    let mut subnodes = Vec::new();

    // Recipients ([MS-PST] 2.4.5.3).
    let recipient_columns = [
        tag(RECIPIENT_TYPE, ltp::PT_LONG),
        tag(RESPONSIBILITY, ltp::PT_BOOLEAN),
        tag(OBJECT_TYPE, ltp::PT_LONG),
        tag(DISPLAY_NAME, ltp::PT_UNICODE),
        tag(ADDRESS_TYPE, ltp::PT_UNICODE),
        tag(EMAIL_ADDRESS, ltp::PT_UNICODE),
        tag(DISPLAY_TYPE, ltp::PT_LONG),
        tag(SMTP_ADDRESS, ltp::PT_UNICODE),
    ];
    let recipients: Vec<_> =
        m.to.iter()
            .map(|p| (1, p))
            .chain(m.cc.iter().map(|p| (2, p)))
            .enumerate()
            .map(|(i, (kind, p))| {
                (
                    i as u32,
                    vec![
                        Some(Value::Long(kind)),
                        Some(Value::Bool(false)),
                        Some(Value::Long(6)), // MAPI_MAILUSER
                        Some(text(p.name)),
                        Some(text("SMTP")),
                        Some(text(p.email)),
                        Some(Value::Long(0)), // DT_MAILUSER
                        Some(text(p.email)),
                    ],
                )
            })
            .collect();
    let table = ltp::table_context(&recipient_columns, &recipients, &mut SubnodeIds::default());
    subnodes.push(Subnode {
        nid: NID_RECIPIENT_TABLE,
        data: Data::Blocks(table.blocks),
        subnodes: table.subnodes,
    });

    // Attachments ([MS-PST] 2.4.6).
    let mut attachment_rows = Vec::new();
    let mut attachments_size = 0u64;
    for (i, a) in m.attachments.iter().enumerate() {
        let anid = nid(NID_TYPE_ATTACHMENT, i as u32 + 1);
        let (data, len) = match a.content {
            Content::Bytes(b) => (Value::Binary(b.to_vec()), b.len() as u64),
            Content::Generated { piece, len } => (Value::Generated(piece), len),
        };
        let size = u32::try_from(len).unwrap_or(u32::MAX);
        attachments_size += len;
        let extension = a.name.rfind('.').map_or("", |dot| &a.name[dot..]);
        let pc = ltp::property_context(
            &[
                (ATTACH_METHOD, Value::Long(1)), // afByValue
                (ATTACH_FILENAME, text(a.name)),
                (ATTACH_LONG_FILENAME, text(a.name)),
                (ATTACH_EXTENSION, text(extension)),
                (ATTACH_MIME_TAG, text("application/octet-stream")),
                (ATTACH_SIZE, Value::Long(size)),
                (RENDERING_POSITION, Value::Long(u32::MAX)),
                (ATTACH_DATA, data),
            ],
            &mut SubnodeIds::default(),
        );
        subnodes.push(Subnode {
            nid: anid,
            data: Data::Blocks(pc.blocks),
            subnodes: pc.subnodes,
        });
        attachment_rows.push((
            anid,
            vec![
                Some(Value::Long(size)),
                Some(text(a.name)),
                Some(Value::Long(1)),
                Some(Value::Long(u32::MAX)),
            ],
        ));
    }
    if !attachment_rows.is_empty() {
        let columns = [
            tag(ATTACH_SIZE, ltp::PT_LONG),
            tag(ATTACH_LONG_FILENAME, ltp::PT_UNICODE),
            tag(ATTACH_METHOD, ltp::PT_LONG),
            tag(RENDERING_POSITION, ltp::PT_LONG),
        ];
        let table = ltp::table_context(&columns, &attachment_rows, &mut SubnodeIds::default());
        subnodes.push(Subnode {
            nid: NID_ATTACHMENT_TABLE,
            data: Data::Blocks(table.blocks),
            subnodes: table.subnodes,
        });
    }

    let flags = MSGFLAG_READ
        | if m.attachments.is_empty() {
            0
        } else {
            MSGFLAG_HASATTACH
        };
    let size = u32::try_from(m.body.len() as u64 + m.html.len() as u64 + attachments_size + 1024)
        .unwrap_or(u32::MAX);
    let sent = Value::Time(filetime(m.sent));
    let received = Value::Time(filetime(m.received));
    let mut props = vec![
        (MESSAGE_CLASS, text("IPM.Note")),
        (SUBJECT, text(m.subject)),
        (CONVERSATION_TOPIC, text(m.subject)),
        (IMPORTANCE, Value::Long(1)),
        (SENDER_NAME, text(m.from.name)),
        (SENDER_EMAIL, text(m.from.email)),
        (SENDER_ADDRESS_TYPE, text("SMTP")),
        (SENT_REPRESENTING_NAME, text(m.from.name)),
        (SENT_REPRESENTING_EMAIL, text(m.from.email)),
        (SENT_REPRESENTING_ADDRESS_TYPE, text("SMTP")),
        (DISPLAY_TO, text(&names(&m.to))),
        (DISPLAY_CC, text(&names(&m.cc))),
        (CLIENT_SUBMIT_TIME, sent.clone()),
        (DELIVERY_TIME, received.clone()),
        (CREATION_TIME, received.clone()),
        (LAST_MODIFICATION_TIME, received.clone()),
        (MESSAGE_FLAGS, Value::Long(flags)),
        (MESSAGE_SIZE, Value::Long(size)),
        (HAS_ATTACHMENTS, Value::Bool(!m.attachments.is_empty())),
        (BODY, text(m.body)),
        (INTERNET_MESSAGE_ID, text(&m.message_id)),
        (INTERNET_CODEPAGE, Value::Long(65001)),
    ];
    if !m.html.is_empty() {
        props.push((HTML, Value::Binary(m.html.as_bytes().to_vec())));
    }
    let pc = ltp::property_context(&props, &mut ids);
    subnodes.extend(pc.subnodes);
    subnodes.sort_by_key(|s| s.nid);
    let row = vec![
        Some(Value::Long(1)),
        Some(text("IPM.Note")),
        Some(text(m.subject)),
        Some(sent),
        Some(text(m.from.name)),
        Some(text(&names(&m.to))),
        Some(received),
        Some(Value::Long(flags)),
        Some(Value::Long(size)),
        Some(Value::Bool(!m.attachments.is_empty())),
    ];
    (
        Node {
            nid: message,
            parent: folder,
            data: Data::Blocks(pc.blocks),
            subnodes,
        },
        row,
    )
}
