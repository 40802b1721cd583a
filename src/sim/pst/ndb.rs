//! The node database's on-disk records ([MS-PST] 2.2): the header, block and page trailers,
//! data blocks, the data tree (XBLOCK, XXBLOCK), the subnode tree (SLBLOCK, SIBLOCK), B-tree
//! pages and allocation map pages, all for the Unicode format and with no encryption.
//!
//! Every function here encodes one record from values: where it lies in the file is decided by
//! `layout`, because a block's signature and a page's trailer depend on its offset.

/// A data block's most data bytes (8192 bytes on disk with its trailer) ([MS-PST] 2.2.2.8.3.1).
pub const MAX_BLOCK_DATA: usize = 8176;
/// A page's size on disk.
pub const PAGE: u64 = 512;
/// Block IDs step by 4: the two low bits are flags ([MS-PST] 2.2.2.2).
pub const BID_STEP: u64 = 4;
/// The BID flag of an internal block (data tree and subnode tree blocks).
pub const BID_INTERNAL: u64 = 2;
/// Entries of an XBLOCK, XXBLOCK or SIBLOCK: (8176 - 8) / 8.
pub const MAX_TREE_ENTRIES: usize = 1021;
/// Entries of an SLBLOCK: (8176 - 8) / 24.
pub const MAX_SL_ENTRIES: usize = 340;

/// Page types ([MS-PST] 2.2.2.7.1).
pub const PTYPE_BBT: u8 = 0x80;
pub const PTYPE_NBT: u8 = 0x81;
pub const PTYPE_FMAP: u8 = 0x82;
pub const PTYPE_PMAP: u8 = 0x83;
pub const PTYPE_AMAP: u8 = 0x84;
pub const PTYPE_FPMAP: u8 = 0x85;
pub const PTYPE_DLIST: u8 = 0x86;

/// The CRC of [MS-PST] 5.3: CRC-32 (IEEE) without the initial and final inversion.
pub fn crc(data: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new_with_initial(0xFFFF_FFFF);
    hasher.update(data);
    !hasher.finalize()
}

/// A block or page signature from its offset and ID ([MS-PST] 5.5).
pub fn signature(ib: u64, bid: u64) -> u16 {
    let value = (ib as u32) ^ (bid as u32);
    ((value >> 16) as u16) ^ (value as u16)
}

/// Bytes a block of `data_len` data bytes takes on disk: with its 16-byte trailer, 64-aligned.
pub fn block_size(data_len: usize) -> u64 {
    ((data_len as u64 + 16).div_ceil(64)) * 64
}

/// A block on disk: `data`, zero padding and the trailer ([MS-PST] 2.2.2.8.1).
pub fn block(data: &[u8], ib: u64, bid: u64) -> Vec<u8> {
    block_with_crc(data, ib, bid, crc(data))
}

/// [`block`] with the data's CRC already known, for generated blocks of repeated content.
pub fn block_with_crc(data: &[u8], ib: u64, bid: u64, data_crc: u32) -> Vec<u8> {
    let size = block_size(data.len()) as usize;
    let mut out = vec![0u8; size];
    out[..data.len()].copy_from_slice(data);
    let trailer = &mut out[size - 16..];
    trailer[0..2].copy_from_slice(&(data.len() as u16).to_le_bytes());
    trailer[2..4].copy_from_slice(&signature(ib, bid).to_le_bytes());
    trailer[4..8].copy_from_slice(&data_crc.to_le_bytes());
    trailer[8..16].copy_from_slice(&bid.to_le_bytes());
    out
}

/// The data of an XBLOCK (`level` 1, over data blocks) or XXBLOCK (`level` 2, over XBLOCKs)
/// of `total` bytes ([MS-PST] 2.2.2.8.3.2).
pub fn data_tree(level: u8, total: u32, bids: &[u64]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + 8 * bids.len());
    out.push(0x01); // btype
    out.push(level);
    out.extend_from_slice(&(bids.len() as u16).to_le_bytes());
    out.extend_from_slice(&total.to_le_bytes());
    for bid in bids {
        out.extend_from_slice(&bid.to_le_bytes());
    }
    out
}

/// One entry of a node's subnode tree: its NID, data and own subnodes ([MS-PST] 2.2.2.8.3.3.1).
#[derive(Debug, Clone, Copy)]
pub struct SubnodeEntry {
    pub nid: u32,
    pub data: u64,
    pub sub: u64,
}

/// The data of an SLBLOCK of at most [`MAX_SL_ENTRIES`] entries, sorted by NID.
pub fn sl_block(entries: &[SubnodeEntry]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + 24 * entries.len());
    out.extend_from_slice(&[0x02, 0x00]); // btype, cLevel 0
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    for entry in entries {
        out.extend_from_slice(&u64::from(entry.nid).to_le_bytes());
        out.extend_from_slice(&entry.data.to_le_bytes());
        out.extend_from_slice(&entry.sub.to_le_bytes());
    }
    out
}

/// The data of an SIBLOCK over SLBLOCKs, given as (first NID, BID) ([MS-PST] 2.2.2.8.3.3.2).
pub fn si_block(children: &[(u32, u64)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + 16 * children.len());
    out.extend_from_slice(&[0x02, 0x01]);
    out.extend_from_slice(&(children.len() as u16).to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    for (nid, bid) in children {
        out.extend_from_slice(&u64::from(*nid).to_le_bytes());
        out.extend_from_slice(&bid.to_le_bytes());
    }
    out
}

/// The 16-byte trailer of a page ([MS-PST] 2.2.2.7.1), its CRC over the page's 496 first bytes.
fn page_trailer(page: &mut [u8], ptype: u8, sig: u16, bid: u64) {
    let crc = crc(&page[..496]);
    let trailer = &mut page[496..512];
    trailer[0] = ptype;
    trailer[1] = ptype;
    trailer[2..4].copy_from_slice(&sig.to_le_bytes());
    trailer[4..8].copy_from_slice(&crc.to_le_bytes());
    trailer[8..16].copy_from_slice(&bid.to_le_bytes());
}

/// An allocation map or one of its deprecated companions (PMap, FMap, FPMap) at `ib`, whose
/// ID is its offset ([MS-PST] 2.2.2.7.2).
pub fn map_page(ptype: u8, bits: &[u8; 496], ib: u64) -> [u8; 512] {
    let mut page = [0u8; 512];
    page[..496].copy_from_slice(bits);
    page_trailer(&mut page, ptype, 0, ib);
    page
}

/// An empty density list at 0x4200 ([MS-PST] 2.2.2.7.4): optional, and written so that a
/// reader that looks for it finds a valid page.
pub fn density_list(ib: u64) -> [u8; 512] {
    let mut page = [0u8; 512];
    page[0] = 0x01; // bFlags: backfill complete
    page_trailer(&mut page, PTYPE_DLIST, 0, ib);
    page
}

/// A B-tree page ([MS-PST] 2.2.2.7.7): `entries` already encoded, `entry_len` bytes each.
pub fn btree_page(
    ptype: u8,
    level: u8,
    entry_len: usize,
    entries: &[u8],
    ib: u64,
    bid: u64,
) -> [u8; 512] {
    let mut page = [0u8; 512];
    page[..entries.len()].copy_from_slice(entries);
    page[488] = (entries.len() / entry_len) as u8; // cEnt
    page[489] = (488 / entry_len) as u8; // cEntMax
    page[490] = entry_len as u8; // cbEnt
    page[491] = level; // cLevel
    page_trailer(&mut page, ptype, signature(ib, bid), bid);
    page
}

/// A block or page reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bref {
    pub bid: u64,
    pub ib: u64,
}

impl Bref {
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.bid.to_le_bytes());
        out.extend_from_slice(&self.ib.to_le_bytes());
    }
}

/// A leaf entry of the block B-tree (BBTENTRY, 24 bytes).
pub fn bbt_entry(out: &mut Vec<u8>, block: Bref, cb: u16) {
    block.put(out);
    out.extend_from_slice(&cb.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes()); // cRef: the NBT's and the file's own
    out.extend_from_slice(&[0; 4]);
}

/// A leaf entry of the node B-tree (NBTENTRY, 32 bytes).
pub fn nbt_entry(out: &mut Vec<u8>, nid: u32, data: u64, sub: u64, parent: u32) {
    out.extend_from_slice(&u64::from(nid).to_le_bytes());
    out.extend_from_slice(&data.to_le_bytes());
    out.extend_from_slice(&sub.to_le_bytes());
    out.extend_from_slice(&parent.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
}

/// An intermediate B-tree entry (BTENTRY, 24 bytes): the child's first key and reference.
pub fn bt_entry(out: &mut Vec<u8>, key: u64, child: Bref) {
    out.extend_from_slice(&key.to_le_bytes());
    child.put(out);
}

/// What the header records of the file ([MS-PST] 2.2.2.5, 2.2.2.6).
#[derive(Debug, Clone)]
pub struct HeaderFields {
    pub file_eof: u64,
    pub amap_last: u64,
    pub amap_free: u64,
    pub nbt: Bref,
    pub bbt: Bref,
    pub next_page_bid: u64,
    pub next_block_bid: u64,
    /// The next free NID index of each NID type (rgnid).
    pub next_nids: [u32; 32],
}

/// Size of the Unicode PST header.
pub const HEADER_LEN: usize = 564;

/// The 564-byte Unicode header with both CRCs.
pub fn header(fields: &HeaderFields) -> Vec<u8> {
    let mut h = vec![0u8; HEADER_LEN];
    h[0..4].copy_from_slice(b"!BDN");
    h[8..10].copy_from_slice(b"SM"); // wMagicClient
    h[10..12].copy_from_slice(&23u16.to_le_bytes()); // wVer: Unicode
    h[12..14].copy_from_slice(&19u16.to_le_bytes()); // wVerClient
    h[14] = 0x01; // bPlatformCreate
    h[15] = 0x01; // bPlatformAccess
    h[32..40].copy_from_slice(&fields.next_page_bid.to_le_bytes());
    h[40..44].copy_from_slice(&1u32.to_le_bytes()); // dwUnique
    for (i, nid) in fields.next_nids.iter().enumerate() {
        h[44 + 4 * i..48 + 4 * i].copy_from_slice(&nid.to_le_bytes());
    }
    // ROOT at 180: dwReserved, ibFileEof, ibAMapLast, cbAMapFree, cbPMapFree, BREFNBT,
    // BREFBBT, fAMapValid.
    h[184..192].copy_from_slice(&fields.file_eof.to_le_bytes());
    h[192..200].copy_from_slice(&fields.amap_last.to_le_bytes());
    h[200..208].copy_from_slice(&fields.amap_free.to_le_bytes());
    let mut brefs = Vec::with_capacity(32);
    fields.nbt.put(&mut brefs);
    fields.bbt.put(&mut brefs);
    h[216..248].copy_from_slice(&brefs);
    h[248] = 0x02; // VALID_AMAP2
    h[256..384].fill(0xFF); // rgbFM (deprecated)
    h[384..512].fill(0xFF); // rgbFP (deprecated)
    h[512] = 0x80; // bSentinel
    h[513] = 0x00; // bCryptMethod: NDB_CRYPT_NONE
    h[516..524].copy_from_slice(&fields.next_block_bid.to_le_bytes());
    let partial = crc(&h[8..8 + 471]);
    h[4..8].copy_from_slice(&partial.to_le_bytes());
    let full = crc(&h[8..8 + 516]);
    h[524..528].copy_from_slice(&full.to_le_bytes());
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_crc_is_the_ms_pst_variant_of_crc32() {
        // [MS-PST] 5.3 starts from 0 with no final inversion: a zero byte gives 0, and 0x01
        // gives the table's entry 1.
        assert_eq!(crc(&[0]), 0);
        assert_eq!(crc(&[1]), 0x7707_3096);
    }

    #[test]
    fn a_block_is_64_aligned_with_its_trailer_last() {
        let b = block(b"hello", 0x4800, 0x24);
        assert_eq!(b.len(), 64);
        assert_eq!(&b[..5], b"hello");
        assert_eq!(u16::from_le_bytes([b[48], b[49]]), 5);
        assert_eq!(u16::from_le_bytes([b[50], b[51]]), signature(0x4800, 0x24));
        assert_eq!(
            u32::from_le_bytes(b[52..56].try_into().unwrap()),
            crc(b"hello")
        );
        assert_eq!(u64::from_le_bytes(b[56..64].try_into().unwrap()), 0x24);
        assert_eq!(block_size(MAX_BLOCK_DATA), 8192);
        assert_eq!(block_size(48), 64);
        assert_eq!(block_size(49), 128);
    }

    #[test]
    fn a_btree_page_records_its_counts_and_its_crc() {
        let mut entries = Vec::new();
        nbt_entry(&mut entries, 0x21, 4, 0, 0);
        nbt_entry(&mut entries, 0x61, 8, 0, 0);
        let page = btree_page(PTYPE_NBT, 0, 32, &entries, 0x8000, 12);
        assert_eq!(&page[488..492], &[2, 15, 32, 0]);
        assert_eq!(&page[496..498], &[PTYPE_NBT, PTYPE_NBT]);
        assert_eq!(
            u32::from_le_bytes(page[500..504].try_into().unwrap()),
            crc(&page[..496])
        );
    }

    #[test]
    fn the_header_carries_both_crcs_and_the_roots() {
        let fields = HeaderFields {
            file_eof: 1 << 20,
            amap_last: 0x4400,
            amap_free: 0,
            nbt: Bref { bid: 8, ib: 0x5000 },
            bbt: Bref { bid: 4, ib: 0x4E00 },
            next_page_bid: 12,
            next_block_bid: 400,
            next_nids: [0x400; 32],
        };
        let h = header(&fields);
        assert_eq!(&h[0..4], b"!BDN");
        assert_eq!(
            u32::from_le_bytes(h[4..8].try_into().unwrap()),
            crc(&h[8..479])
        );
        assert_eq!(
            u32::from_le_bytes(h[524..528].try_into().unwrap()),
            crc(&h[8..524])
        );
        assert_eq!(u64::from_le_bytes(h[184..192].try_into().unwrap()), 1 << 20);
        assert_eq!(u64::from_le_bytes(h[224..232].try_into().unwrap()), 0x5000);
        assert_eq!(u64::from_le_bytes(h[240..248].try_into().unwrap()), 0x4E00);
    }
}
