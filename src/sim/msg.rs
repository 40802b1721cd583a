//! `savetoMsg` files: Outlook MSG files ([MS-OXMSG]), an OLE2/CFB compound file whose
//! streams and property streams carry the message's properties, written with the `cfb` crate.
//!
//! Strings are Unicode (`001F` streams, UTF-16LE without terminator) and the store support
//! mask says so, which is what readers such as Python's `extract_msg` check.

use std::io::{Cursor, Write};

use chrono::{DateTime, Utc};

use super::data::{ItemData, Person};

const PT_LONG: u16 = 0x0003;
const PT_BOOLEAN: u16 = 0x000B;
const PT_SYSTIME: u16 = 0x0040;
const PT_UNICODE: u16 = 0x001F;
const PT_BINARY: u16 = 0x0102;

/// Property flags: readable and writable.
const FLAGS: u32 = 0x0000_0006;

/// One property of a property stream: fixed-size values inline, others as a stream.
enum Prop {
    Long(u16, u32),
    Bool(u16, bool),
    Time(u16, DateTime<Utc>),
    Text(u16, String),
    Binary(u16, Vec<u8>),
}

impl Prop {
    fn id(&self) -> u16 {
        match self {
            Prop::Long(id, _)
            | Prop::Bool(id, _)
            | Prop::Time(id, _)
            | Prop::Text(id, _)
            | Prop::Binary(id, _) => *id,
        }
    }

    fn kind(&self) -> u16 {
        match self {
            Prop::Long(..) => PT_LONG,
            Prop::Bool(..) => PT_BOOLEAN,
            Prop::Time(..) => PT_SYSTIME,
            Prop::Text(..) => PT_UNICODE,
            Prop::Binary(..) => PT_BINARY,
        }
    }
}

/// A FILETIME: 100-nanosecond intervals since 1601-01-01 UTC.
fn filetime(time: DateTime<Utc>) -> u64 {
    const EPOCH_DIFFERENCE_SECS: i64 = 11_644_473_600;
    let secs = time.timestamp() + EPOCH_DIFFERENCE_SECS;
    (secs as u64) * 10_000_000 + u64::from(time.timestamp_subsec_nanos() / 100)
}

fn utf16(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// Writes `props` under `storage`: one stream per variable-length property, and the
/// `__properties_version1.0` stream with `header` before the 16-byte entries.
fn write_props<F: std::io::Read + Write + std::io::Seek>(
    file: &mut cfb::CompoundFile<F>,
    storage: &str,
    header: &[u8],
    props: &[Prop],
) -> std::io::Result<()> {
    let mut table = header.to_vec();
    for prop in props {
        let tag = (u32::from(prop.id()) << 16) | u32::from(prop.kind());
        table.extend_from_slice(&tag.to_le_bytes());
        table.extend_from_slice(&FLAGS.to_le_bytes());
        let value: [u8; 8] = match prop {
            Prop::Long(_, v) => u64::from(*v).to_le_bytes(),
            Prop::Bool(_, v) => u64::from(*v).to_le_bytes(),
            Prop::Time(_, t) => filetime(*t).to_le_bytes(),
            Prop::Text(_, text) => {
                let bytes = utf16(text);
                stream(file, storage, prop, &bytes)?;
                // [MS-OXMSG] 2.4.2.2: a string's size counts its terminator.
                (bytes.len() as u64 + 2).to_le_bytes()
            }
            Prop::Binary(_, bytes) => {
                stream(file, storage, prop, bytes)?;
                (bytes.len() as u64).to_le_bytes()
            }
        };
        table.extend_from_slice(&value);
    }
    let mut out = file.create_stream(format!("{storage}/__properties_version1.0"))?;
    out.write_all(&table)
}

fn stream<F: std::io::Read + Write + std::io::Seek>(
    file: &mut cfb::CompoundFile<F>,
    storage: &str,
    prop: &Prop,
    bytes: &[u8],
) -> std::io::Result<()> {
    let name = format!("{storage}/__substg1.0_{:04X}{:04X}", prop.id(), prop.kind());
    file.create_stream(name)?.write_all(bytes)
}

fn header_line(people: &[Person]) -> String {
    people
        .iter()
        .map(|p| format!("{} <{}>", p.name, p.email))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The MSG file of `item`.
pub fn build(item: &ItemData) -> std::io::Result<Vec<u8>> {
    let mut file =
        cfb::CompoundFile::create_with_version(cfb::Version::V3, Cursor::new(Vec::new()))?;
    let recipients: Vec<(&Person, u32)> = item
        .to
        .iter()
        .map(|p| (p, 1)) // MAPI_TO
        .chain(item.cc.iter().map(|p| (p, 2))) // MAPI_CC
        .collect();

    // Top level: a 32-byte header (reserved, next recipient and attachment ids, counts).
    let mut header = vec![0u8; 8];
    header.extend_from_slice(&(recipients.len() as u32).to_le_bytes());
    header.extend_from_slice(&1u32.to_le_bytes());
    header.extend_from_slice(&(recipients.len() as u32).to_le_bytes());
    header.extend_from_slice(&1u32.to_le_bytes());
    header.extend_from_slice(&[0u8; 8]);
    let props = [
        Prop::Text(0x001A, "IPM.Note".into()),
        Prop::Text(0x0037, item.subject.clone()),
        Prop::Text(0x0E1D, item.subject.clone()), // normalized subject
        Prop::Text(0x1000, item.body.clone()),
        Prop::Text(0x0C1A, item.from.name.clone()), // sender name
        Prop::Text(0x0C1E, "SMTP".into()),
        Prop::Text(0x0C1F, item.from.email.clone()),
        Prop::Text(0x5D01, item.from.email.clone()), // sender SMTP address
        Prop::Text(0x0042, item.from.name.clone()),  // sent representing
        Prop::Text(0x0065, item.from.email.clone()),
        Prop::Text(0x0E04, header_line(&item.to)), // display to
        Prop::Text(0x0E03, header_line(&item.cc)), // display cc
        Prop::Time(0x0039, item.sent),             // client submit time
        Prop::Time(0x0E06, item.received),         // delivery time
        Prop::Long(0x0E07, 0x0000_0001),           // message flags: read
        Prop::Bool(0x0E1B, true),                  // has attachments
        Prop::Long(0x340D, 0x0004_0000),           // store support: Unicode
        Prop::Long(0x3FDE, 65001),                 // internet code page: UTF-8
    ];
    write_props(&mut file, "", &header, &props)?;

    file.create_storage("/__nameid_version1.0")?;
    for id in ["00020102", "00030102", "00040102"] {
        file.create_stream(format!("/__nameid_version1.0/__substg1.0_{id}"))?;
    }

    for (index, (person, kind)) in recipients.iter().enumerate() {
        let storage = format!("/__recip_version1.0_#{index:08X}");
        file.create_storage(&storage)?;
        let props = [
            Prop::Text(0x3001, person.name.clone()), // display name
            Prop::Text(0x3002, "SMTP".into()),       // address type
            Prop::Text(0x3003, person.email.clone()),
            Prop::Text(0x39FE, person.email.clone()), // SMTP address
            Prop::Long(0x0C15, *kind),                // recipient type
            Prop::Long(0x3000, index as u32),         // row id
        ];
        write_props(&mut file, &storage, &[0u8; 8], &props)?;
    }

    let storage = "/__attach_version1.0_#00000000";
    file.create_storage(storage)?;
    let attachment = &item.attachment;
    let props = [
        Prop::Text(0x3707, attachment.name.clone()), // long file name
        Prop::Text(0x3704, attachment.name.clone()), // file name
        Prop::Text(0x3001, attachment.name.clone()), // display name
        Prop::Text(0x370E, "text/plain".into()),     // MIME type
        Prop::Binary(0x3701, attachment.content.clone()),
        Prop::Long(0x3705, 1),                               // method: by value
        Prop::Long(0x0E21, 0),                               // attachment number
        Prop::Long(0x370B, 0xFFFF_FFFF),                     // rendering position: none
        Prop::Long(0x0E20, attachment.content.len() as u32), // size
    ];
    write_props(&mut file, storage, &[0u8; 8], &props)?;

    file.flush()?;
    Ok(file.into_inner().into_inner())
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;
    use crate::sim::data::Catalog;

    fn read(file: &mut cfb::CompoundFile<Cursor<Vec<u8>>>, path: &str) -> Vec<u8> {
        let mut out = Vec::new();
        file.open_stream(path)
            .unwrap_or_else(|e| panic!("{path}: {e}"))
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn the_msg_is_a_compound_file_with_the_item_properties() {
        let catalog = Catalog::generate(1);
        let item = &catalog.mailboxes[0].items[0];
        let bytes = build(item).unwrap();
        assert_eq!(
            &bytes[..8],
            &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]
        );
        let mut file = cfb::CompoundFile::open(Cursor::new(bytes)).unwrap();
        assert_eq!(
            read(&mut file, "/__substg1.0_0037001F"),
            utf16(&item.subject)
        );
        assert_eq!(read(&mut file, "/__substg1.0_1000001F"), utf16(&item.body));
        assert_eq!(
            read(
                &mut file,
                "/__recip_version1.0_#00000000/__substg1.0_3003001F"
            ),
            utf16(&item.to[0].email)
        );
        assert_eq!(
            read(
                &mut file,
                "/__attach_version1.0_#00000000/__substg1.0_37010102"
            ),
            item.attachment.content
        );
        let props = read(&mut file, "/__properties_version1.0");
        assert_eq!(
            (props.len() - 32) % 16,
            0,
            "32-byte header, 16-byte entries"
        );
        let subject_entry = props[32..]
            .chunks(16)
            .find(|e| e[0..4] == 0x0037_001Fu32.to_le_bytes())
            .expect("the subject has an entry");
        assert_eq!(
            u32::from_le_bytes(subject_entry[8..12].try_into().unwrap()) as usize,
            utf16(&item.subject).len() + 2
        );
    }

    #[test]
    fn filetime_counts_from_1601() {
        let unix_epoch = DateTime::from_timestamp(0, 0).unwrap();
        assert_eq!(filetime(unix_epoch), 116_444_736_000_000_000);
    }
}
