//! One message of the messaging layer ([MS-PST] 2.4.5, 2.4.6): its property context, its
//! recipient table, its attachment table and attachment objects, all in its subnodes; and its
//! row of its folder's contents table.

use super::ltp::{self, SubnodeIds, Value};
use super::messaging::{Content, DISPLAY_NAME, Message, Person, filetime, tag, text};
use super::node::*;

// Property IDs ([MS-OXPROPS]).
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

/// Fixed subnode NIDs of a message ([MS-PST] 2.4.1).
const NID_ATTACHMENT_TABLE: u32 = 0x671;
const NID_RECIPIENT_TABLE: u32 = 0x692;
const MSGFLAG_READ: u32 = 0x01;
const MSGFLAG_HASATTACH: u32 = 0x10;

/// The contents table's columns ([MS-PST] 2.4.4.5.1, a subset).
pub const CONTENTS_COLUMNS: [u32; 10] = [
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

/// A message's node.
pub fn message_node(m: &Message<'_>, message: u32, folder: u32) -> Node {
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
    let table = ltp::table_context(&recipient_columns, recipients, &mut SubnodeIds::default());
    subnodes.push(Subnode {
        nid: NID_RECIPIENT_TABLE,
        data: Data::Blocks(table.blocks),
        subnodes: table.subnodes,
    });

    // Attachments ([MS-PST] 2.4.6).
    let mut attachment_rows = Vec::new();
    for (i, a) in m.attachments.iter().enumerate() {
        let anid = nid(NID_TYPE_ATTACHMENT, i as u32 + 1);
        let (data, len) = match a.content {
            Content::Bytes(b) => (Value::Binary(b.to_vec()), b.len() as u64),
            Content::Generated { piece, len } => (Value::Generated(piece), len),
        };
        let size = u32::try_from(len).unwrap_or(u32::MAX);
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
        let table = ltp::table_context(&columns, attachment_rows, &mut SubnodeIds::default());
        subnodes.push(Subnode {
            nid: NID_ATTACHMENT_TABLE,
            data: Data::Blocks(table.blocks),
            subnodes: table.subnodes,
        });
    }

    let (flags, size) = (flags(m), size(m));
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
    Node {
        nid: message,
        parent: folder,
        data: Data::Blocks(pc.blocks),
        subnodes,
    }
}

/// PidTagMessageFlags: read, and whether it has attachments.
fn flags(m: &Message<'_>) -> u32 {
    MSGFLAG_READ
        | if m.attachments.is_empty() {
            0
        } else {
            MSGFLAG_HASATTACH
        }
}

/// PidTagMessageSize: about what the message takes.
fn size(m: &Message<'_>) -> u32 {
    let attachments: u64 = m.attachments.iter().map(|a| a.content.len()).sum();
    u32::try_from(m.body.len() as u64 + m.html.len() as u64 + attachments + 1024)
        .unwrap_or(u32::MAX)
}

/// The message's row of its folder's contents table, in [`CONTENTS_COLUMNS`] order.
pub fn contents_row(m: &Message<'_>) -> Vec<Option<Value>> {
    vec![
        Some(Value::Long(1)),
        Some(text("IPM.Note")),
        Some(text(m.subject)),
        Some(Value::Time(filetime(m.sent))),
        Some(text(m.from.name)),
        Some(text(&names(&m.to))),
        Some(Value::Time(filetime(m.received))),
        Some(Value::Long(flags(m))),
        Some(Value::Long(size(m))),
        Some(Value::Bool(!m.attachments.is_empty())),
    ]
}
