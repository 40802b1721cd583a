//! `exportToPst` files, generated on the fly in constant memory: a PST with a valid Unicode
//! PST header and a zero-filled body, or, when the size limit splits the export, a ZIP of
//! several such PSTs.
//!
//! The ZIP is written here rather than with a ZIP crate because the response needs its
//! `Content-Length` before the first byte and must never be held in memory: the layout is
//! computed up front, and the CRC-32 of each zero-filled part is computed in O(log n) with
//! [`crc32fast::Hasher::combine`] instead of by reading gigabytes. Entries are stored
//! (uncompressed), which every reader accepts; archives over 4 GiB use ZIP64.

use bytes::Bytes;
use futures_util::Stream;

/// Size of the Unicode PST header ([MS-PST] 2.2.2.6).
pub const PST_HEADER_LEN: u64 = 564;
/// Chunk size of the streamed body.
const CHUNK: usize = 64 * 1024;
static ZEROS: [u8; CHUNK] = [0; CHUNK];

/// Largest PST the simulator makes: far past any test, and small enough that a split at the
/// smallest limit (1 GiB) stays a directory of at most 1024 parts.
pub const MAX_PST_SIZE: u64 = 1 << 40;

/// Checks that a PST of `size` bytes can be made.
pub fn check_size(size: u64) -> Result<(), String> {
    if !(PST_HEADER_LEN..=MAX_PST_SIZE).contains(&size) {
        return Err(format!(
            "pst_size must be from {PST_HEADER_LEN} bytes (the PST header) to {MAX_PST_SIZE} \
             (1 TiB), not {size}"
        ));
    }
    Ok(())
}

/// The CRC of [MS-PST] 5.3: CRC-32 (IEEE) without the initial and final inversion.
fn pst_crc(data: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new_with_initial(0xFFFF_FFFF);
    hasher.update(data);
    !hasher.finalize()
}

/// The 564-byte header of a Unicode PST file of `file_size` bytes.
pub fn pst_header(file_size: u64) -> Vec<u8> {
    let mut h = vec![0u8; PST_HEADER_LEN as usize];
    h[0..4].copy_from_slice(b"!BDN");
    h[8..10].copy_from_slice(b"SM"); // wMagicClient
    h[10..12].copy_from_slice(&23u16.to_le_bytes()); // wVer: Unicode
    h[12..14].copy_from_slice(&19u16.to_le_bytes()); // wVerClient
    h[14] = 0x01; // bPlatformCreate
    h[15] = 0x01; // bPlatformAccess
    h[32..40].copy_from_slice(&4u64.to_le_bytes()); // bidNextP
    h[40..44].copy_from_slice(&1u32.to_le_bytes()); // dwUnique
    // ROOT (at 180): dwReserved, then ibFileEof, ibAMapLast.
    h[184..192].copy_from_slice(&file_size.to_le_bytes());
    h[192..200].copy_from_slice(&0x4400u64.to_le_bytes());
    // ROOT is 72 bytes at 180..252; its fAMapValid (byte 68) says the allocation maps are valid.
    h[248] = 0x02;
    h[256..384].fill(0xFF); // rgbFM
    h[384..512].fill(0xFF); // rgbFP
    h[512] = 0x80; // bSentinel
    h[513] = 0x00; // bCryptMethod: none
    h[516..524].copy_from_slice(&4u64.to_le_bytes()); // bidNextB
    let partial = pst_crc(&h[8..8 + 471]);
    h[4..8].copy_from_slice(&partial.to_le_bytes());
    let full = pst_crc(&h[8..8 + 516]);
    h[524..528].copy_from_slice(&full.to_le_bytes());
    h
}

/// The CRC-32 state of `len` zero bytes, in O(log len) combines.
fn zeros_crc(len: u64) -> crc32fast::Hasher {
    let mut block = crc32fast::Hasher::new();
    block.update(&ZEROS);
    let mut out = crc32fast::Hasher::new();
    let mut blocks = len / CHUNK as u64;
    let mut power = block;
    while blocks > 0 {
        if blocks & 1 == 1 {
            out.combine(&power);
        }
        let square = power.clone();
        power.combine(&square);
        blocks >>= 1;
    }
    out.update(&ZEROS[..(len % CHUNK as u64) as usize]);
    out
}

/// One piece of a generated file.
#[derive(Debug, Clone)]
pub enum Segment {
    /// Bytes held in memory (headers, directories).
    Bytes(Bytes),
    /// So many zero bytes, never held in memory.
    Zeros(u64),
}

impl Segment {
    fn len(&self) -> u64 {
        match self {
            Segment::Bytes(b) => b.len() as u64,
            Segment::Zeros(n) => *n,
        }
    }
}

/// A generated file: its segments, its length and what it is.
#[derive(Debug, Clone)]
pub struct Export {
    /// The pieces, in order.
    pub segments: Vec<Segment>,
    /// Whether it is a ZIP of several PSTs.
    pub zip: bool,
}

impl Export {
    /// The exact length in bytes.
    pub fn len(&self) -> u64 {
        self.segments.iter().map(Segment::len).sum()
    }

    /// The body as a stream of chunks of at most 64 KiB.
    pub fn stream(self) -> impl Stream<Item = Result<Bytes, std::convert::Infallible>> + Send {
        let pieces = self.segments.into_iter().flat_map(|segment| {
            let chunks: Box<dyn Iterator<Item = Bytes> + Send> = match segment {
                Segment::Bytes(bytes) => Box::new(std::iter::once(bytes)),
                Segment::Zeros(n) => {
                    let full = n / CHUNK as u64;
                    let rest = (n % CHUNK as u64) as usize;
                    Box::new(
                        (0..full)
                            .map(|_| Bytes::from_static(&ZEROS))
                            .chain((rest > 0).then(|| Bytes::from_static(&ZEROS[..rest]))),
                    )
                }
            };
            chunks
        });
        futures_util::stream::iter(pieces.map(Ok))
    }
}

/// The PST segments of a file of `size` bytes.
fn pst_segments(size: u64) -> Vec<Segment> {
    vec![
        Segment::Bytes(Bytes::from(pst_header(size))),
        Segment::Zeros(size - PST_HEADER_LEN),
    ]
}

/// The export of `size` bytes: one PST, or with `split_at`, a ZIP of PSTs of at most
/// `split_at` bytes each when `size` exceeds it. `name` is the file name stem.
pub fn export(size: u64, split_at: Option<u64>, name: &str) -> Export {
    match split_at {
        Some(limit) if size > limit && limit >= PST_HEADER_LEN => {
            let mut parts = Vec::new();
            let mut left = size;
            while left > limit {
                // Leave at least a header for the last part, or it would not be a PST.
                let take = limit.min(left - PST_HEADER_LEN);
                parts.push(take);
                left -= take;
            }
            parts.push(left);
            zip(parts
                .iter()
                .enumerate()
                .map(|(i, len)| (format!("{name}_{:03}.pst", i + 1), *len))
                .collect())
        }
        _ => Export {
            segments: pst_segments(size),
            zip: false,
        },
    }
}

const ZIP64_LIMIT: u64 = 0xFFFF_FFFF;
/// 1980-01-01 00:00 in MS-DOS time and date.
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = (1 << 5) | 1;

/// A stored ZIP of PSTs, given as (entry name, PST size).
fn zip(parts: Vec<(String, u64)>) -> Export {
    // Whether offsets or sizes reach 4 GiB: then every record carries ZIP64 fields.
    let plain_total: u64 = parts
        .iter()
        .map(|(name, len)| 30 + 46 + 2 * name.len() as u64 + len)
        .sum::<u64>()
        + 22;
    let zip64 = plain_total >= ZIP64_LIMIT;
    let mut segments = Vec::new();
    let mut central = Vec::new();
    let mut offset = 0u64;
    for (name, len) in &parts {
        let header = pst_header(*len);
        let mut crc = crc32fast::Hasher::new();
        crc.update(&header);
        crc.combine(&zeros_crc(len - PST_HEADER_LEN));
        let crc = crc.finalize();
        let version: u16 = if zip64 { 45 } else { 20 };
        let (small_len, local_extra) = if zip64 {
            let mut extra = Vec::new();
            extra.extend_from_slice(&1u16.to_le_bytes());
            extra.extend_from_slice(&16u16.to_le_bytes());
            extra.extend_from_slice(&len.to_le_bytes());
            extra.extend_from_slice(&len.to_le_bytes());
            (0xFFFF_FFFFu32, extra)
        } else {
            (*len as u32, Vec::new())
        };
        let mut local = Vec::new();
        local.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        local.extend_from_slice(&version.to_le_bytes());
        local.extend_from_slice(&0u16.to_le_bytes()); // flags
        local.extend_from_slice(&0u16.to_le_bytes()); // stored
        local.extend_from_slice(&DOS_TIME.to_le_bytes());
        local.extend_from_slice(&DOS_DATE.to_le_bytes());
        local.extend_from_slice(&crc.to_le_bytes());
        local.extend_from_slice(&small_len.to_le_bytes());
        local.extend_from_slice(&small_len.to_le_bytes());
        local.extend_from_slice(&(name.len() as u16).to_le_bytes());
        local.extend_from_slice(&(local_extra.len() as u16).to_le_bytes());
        local.extend_from_slice(name.as_bytes());
        local.extend_from_slice(&local_extra);
        let local_len = local.len() as u64;
        segments.push(Segment::Bytes(Bytes::from(local)));
        segments.push(Segment::Bytes(Bytes::from(header)));
        segments.push(Segment::Zeros(len - PST_HEADER_LEN));

        let (small_offset, central_extra) = if zip64 {
            let mut extra = Vec::new();
            extra.extend_from_slice(&1u16.to_le_bytes());
            extra.extend_from_slice(&24u16.to_le_bytes());
            extra.extend_from_slice(&len.to_le_bytes());
            extra.extend_from_slice(&len.to_le_bytes());
            extra.extend_from_slice(&offset.to_le_bytes());
            (0xFFFF_FFFFu32, extra)
        } else {
            (offset as u32, Vec::new())
        };
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&version.to_le_bytes()); // made by (MS-DOS)
        central.extend_from_slice(&version.to_le_bytes()); // needed
        central.extend_from_slice(&0u16.to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes());
        central.extend_from_slice(&DOS_TIME.to_le_bytes());
        central.extend_from_slice(&DOS_DATE.to_le_bytes());
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&small_len.to_le_bytes());
        central.extend_from_slice(&small_len.to_le_bytes());
        central.extend_from_slice(&(name.len() as u16).to_le_bytes());
        central.extend_from_slice(&(central_extra.len() as u16).to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes()); // comment
        central.extend_from_slice(&0u16.to_le_bytes()); // disk
        central.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
        central.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        central.extend_from_slice(&small_offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
        central.extend_from_slice(&central_extra);
        offset += local_len + len;
    }
    let central_offset = offset;
    let central_len = central.len() as u64;
    let entries = parts.len() as u64;
    let mut end = Vec::new();
    if zip64 {
        let record_offset = central_offset + central_len;
        end.extend_from_slice(&0x0606_4b50u32.to_le_bytes());
        end.extend_from_slice(&44u64.to_le_bytes());
        end.extend_from_slice(&45u16.to_le_bytes());
        end.extend_from_slice(&45u16.to_le_bytes());
        end.extend_from_slice(&0u32.to_le_bytes());
        end.extend_from_slice(&0u32.to_le_bytes());
        end.extend_from_slice(&entries.to_le_bytes());
        end.extend_from_slice(&entries.to_le_bytes());
        end.extend_from_slice(&central_len.to_le_bytes());
        end.extend_from_slice(&central_offset.to_le_bytes());
        end.extend_from_slice(&0x0706_4b50u32.to_le_bytes());
        end.extend_from_slice(&0u32.to_le_bytes());
        end.extend_from_slice(&record_offset.to_le_bytes());
        end.extend_from_slice(&1u32.to_le_bytes());
    }
    let clamp16 = |v: u64| if zip64 { 0xFFFF } else { v as u16 };
    let clamp32 = |v: u64| if zip64 { 0xFFFF_FFFF } else { v as u32 };
    end.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    end.extend_from_slice(&0u16.to_le_bytes());
    end.extend_from_slice(&0u16.to_le_bytes());
    end.extend_from_slice(&clamp16(entries).to_le_bytes());
    end.extend_from_slice(&clamp16(entries).to_le_bytes());
    end.extend_from_slice(&clamp32(central_len).to_le_bytes());
    end.extend_from_slice(&clamp32(central_offset).to_le_bytes());
    end.extend_from_slice(&0u16.to_le_bytes());
    segments.push(Segment::Bytes(Bytes::from(central)));
    segments.push(Segment::Bytes(Bytes::from(end)));
    Export {
        segments,
        zip: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pst_crc_is_the_ms_pst_variant_of_crc32() {
        // [MS-PST] 5.3 starts from 0 with no final inversion; for a single zero byte the
        // table lookup gives 0, and for 0x01 it gives the table's entry 1.
        assert_eq!(pst_crc(&[0]), 0);
        assert_eq!(pst_crc(&[1]), 0x7707_3096);
    }

    #[test]
    fn the_pst_header_is_a_unicode_header_with_valid_checksums() {
        let h = pst_header(1 << 20);
        assert_eq!(h.len(), 564);
        assert_eq!(&h[0..4], b"!BDN");
        assert_eq!(&h[8..10], b"SM");
        assert_eq!(u16::from_le_bytes([h[10], h[11]]), 23);
        assert_eq!(
            u32::from_le_bytes(h[4..8].try_into().unwrap()),
            pst_crc(&h[8..479])
        );
        assert_eq!(
            u32::from_le_bytes(h[524..528].try_into().unwrap()),
            pst_crc(&h[8..524])
        );
        assert_eq!(
            u64::from_le_bytes(h[184..192].try_into().unwrap()),
            1 << 20,
            "ibFileEof is the file size"
        );
        assert_eq!(h[512], 0x80);
    }

    #[test]
    fn the_combined_crc_of_zeros_is_the_crc_of_the_bytes() {
        for len in [0u64, 1, 65_535, 65_536, 65_537, 3 * 65_536 + 17, 1 << 20] {
            let mut direct = crc32fast::Hasher::new();
            direct.update(&vec![0u8; len as usize]);
            assert_eq!(zeros_crc(len).finalize(), direct.finalize(), "len {len}");
        }
    }

    #[test]
    fn a_small_export_is_one_pst_of_the_exact_size() {
        let export = export(100_000, None, "item");
        assert!(!export.zip);
        assert_eq!(export.len(), 100_000);
        let unsplit = super::export(100_000, Some(200_000), "item");
        assert!(!unsplit.zip, "an export under the limit is not split");
    }

    #[test]
    fn a_split_never_leaves_a_part_smaller_than_a_header() {
        let export = export(2 * 4096 + 10, Some(4096), "item");
        assert!(export.zip);
        let pst_sizes: Vec<u64> = export
            .segments
            .iter()
            .filter_map(|s| match s {
                Segment::Zeros(n) => Some(n + PST_HEADER_LEN),
                Segment::Bytes(_) => None,
            })
            .collect();
        assert_eq!(pst_sizes.iter().sum::<u64>(), 2 * 4096 + 10);
        assert!(pst_sizes.iter().all(|s| *s >= PST_HEADER_LEN && *s <= 4096));
    }
}

/// The generated files read back by the `zip` crate, an independent ZIP reader, through a
/// virtual file that serves the segments without ever holding the zeros.
#[cfg(test)]
mod zip_reader_tests {
    use std::io::{Read, Seek, SeekFrom};

    use super::*;

    struct Virtual {
        segments: Vec<(u64, Segment)>,
        len: u64,
        pos: u64,
    }

    impl Virtual {
        fn new(export: Export) -> Self {
            let mut start = 0;
            let segments = export
                .segments
                .into_iter()
                .map(|s| {
                    let at = start;
                    start += s.len();
                    (at, s)
                })
                .collect();
            Self {
                segments,
                len: start,
                pos: 0,
            }
        }
    }

    impl Read for Virtual {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let Some((start, segment)) = self
                .segments
                .iter()
                .find(|(start, s)| *start <= self.pos && self.pos < start + s.len())
            else {
                return Ok(0);
            };
            let offset = self.pos - start;
            let n = buf.len().min((segment.len() - offset) as usize);
            match segment {
                Segment::Bytes(bytes) => {
                    buf[..n].copy_from_slice(&bytes[offset as usize..offset as usize + n])
                }
                Segment::Zeros(_) => buf[..n].fill(0),
            }
            self.pos += n as u64;
            Ok(n)
        }
    }

    impl Seek for Virtual {
        fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
            let pos = match to {
                SeekFrom::Start(p) => p as i128,
                SeekFrom::End(d) => self.len as i128 + d as i128,
                SeekFrom::Current(d) => self.pos as i128 + d as i128,
            };
            self.pos = u64::try_from(pos)
                .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "before 0"))?;
            Ok(self.pos)
        }
    }

    #[test]
    fn a_split_export_is_a_zip_whose_parts_pass_their_crc() {
        let export = export(3 * 300_000 + 1_000, Some(300_000), "item");
        assert!(export.zip);
        let mut archive = zip::ZipArchive::new(Virtual::new(export)).unwrap();
        assert_eq!(archive.len(), 4);
        let mut total = 0;
        for i in 0..archive.len() {
            let mut part = archive.by_index(i).unwrap();
            assert_eq!(part.name(), format!("item_{:03}.pst", i + 1));
            let size = part.size();
            let mut content = Vec::new();
            // Reading to the end makes the reader check the CRC-32 of the central directory.
            part.read_to_end(&mut content).unwrap();
            assert_eq!(content.len() as u64, size);
            assert_eq!(&content[..564], pst_header(size).as_slice());
            assert!(content[564..].iter().all(|b| *b == 0));
            total += size;
        }
        assert_eq!(total, 3 * 300_000 + 1_000);
    }

    #[test]
    fn an_export_over_4_gib_is_a_zip64_that_a_reader_opens() {
        const GIB: u64 = 1 << 30;
        let export = export(5 * GIB + 123, Some(2 * GIB), "big");
        let len = export.len();
        assert!(len > 5 * GIB);
        let mut archive = zip::ZipArchive::new(Virtual::new(export)).unwrap();
        assert_eq!(archive.len(), 3);
        let sizes: Vec<u64> = (0..3)
            .map(|i| archive.by_index(i).unwrap().size())
            .collect();
        assert_eq!(sizes, [2 * GIB, 2 * GIB, GIB + 123]);
        for (i, size) in sizes.into_iter().enumerate() {
            let part = archive.by_index(i).unwrap();
            // The third part starts past 4 GiB: its offset comes from the ZIP64 extra field.
            assert!(i < 2 || part.data_start().unwrap() > 4 * GIB);
            let mut head = vec![0u8; 564];
            part.take(564).read_exact(&mut head).unwrap();
            assert_eq!(head, pst_header(size));
        }
    }
}
