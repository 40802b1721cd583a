//! The name-to-ID map ([MS-PST] 2.4.7): the named properties a PST knows. The simulator's
//! messages use none, but readers such as libpff refuse a map whose streams are empty, so it
//! holds one numeric and one string name, as Outlook's own maps never come empty.

use super::ltp::Value;

/// PidTagNameidBucketCount: the hash table's size.
const BUCKETS: u32 = 251;
/// PSETID_Common ({00062008-0000-0000-C000-000000000046}), little-endian as GUIDs are stored.
const PSETID_COMMON: [u8; 16] = [
    0x08, 0x20, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46,
];
/// PidLidReminderSet, a numeric name in PSETID_Common.
const REMINDER_SET: u32 = 0x8503;
/// The string name, in PS_PUBLIC_STRINGS.
const SOURCE_NAME: &str = "vbo365-export-source";
/// GUID indexes: 1 is PS_MAPI, 2 PS_PUBLIC_STRINGS, 3 and on the GUID stream's.
const PS_PUBLIC_STRINGS: u16 = 2;
const FIRST_STREAM_GUID: u16 = 3;

/// A NAMEID record: the name (a number, or an offset into the string stream), its GUID and
/// kind, and its index (the property ID is 0x8000 plus it).
fn name_id(id: u32, guid: u16, string: bool, index: u16) -> [u8; 8] {
    let mut record = [0u8; 8];
    record[0..4].copy_from_slice(&id.to_le_bytes());
    record[4..6].copy_from_slice(&((guid << 1) | u16::from(string)).to_le_bytes());
    record[6..8].copy_from_slice(&index.to_le_bytes());
    record
}

/// The map's properties: bucket count, GUID, entry and string streams, and the hash buckets.
pub fn properties() -> Vec<(u16, Value)> {
    let units: Vec<u8> = SOURCE_NAME
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let mut strings = (units.len() as u32).to_le_bytes().to_vec();
    strings.extend_from_slice(&units);
    while !strings.len().is_multiple_of(4) {
        strings.push(0);
    }
    let numeric = name_id(REMINDER_SET, FIRST_STREAM_GUID, false, 0);
    let string = name_id(0, PS_PUBLIC_STRINGS, true, 1);
    // Bucket of a name ([MS-PST] 2.4.7.5): the number, or the CRC of the string's UTF-16, with
    // the GUID and kind bits mixed in.
    let numeric_hash = (REMINDER_SET ^ u32::from(FIRST_STREAM_GUID << 1)) % BUCKETS;
    let string_hash = (super::ndb::crc(&units) ^ u32::from((PS_PUBLIC_STRINGS << 1) | 1)) % BUCKETS;
    let mut props = vec![
        (0x0001, Value::Long(BUCKETS)),
        (0x0002, Value::Binary(PSETID_COMMON.to_vec())),
        (0x0003, Value::Binary([numeric, string].concat())),
        (0x0004, Value::Binary(strings)),
    ];
    if numeric_hash == string_hash {
        props.push((
            0x1000 + numeric_hash as u16,
            Value::Binary([numeric, string].concat()),
        ));
    } else {
        props.push((
            0x1000 + numeric_hash as u16,
            Value::Binary(numeric.to_vec()),
        ));
        props.push((0x1000 + string_hash as u16, Value::Binary(string.to_vec())));
    }
    props
}
