//! A streaming writer of stored (uncompressed) ZIP archives.
//!
//! A download's `Content-Length` goes out before its first byte, and its entries are
//! produced lazily and can be many GiB, so an entry is never held in memory and never read
//! twice. The layout depends only on the entries' names and lengths ([`archive_len`]), but
//! an entry's CRC-32 is known only once its bytes have streamed past. So every entry sets
//! general-purpose flag bit 3: its local header has a CRC and sizes of zero, a data
//! descriptor after its bytes carries the real ones, and the central directory at the end
//! repeats them. Archives that could reach 4 GiB use ZIP64 throughout.

use bytes::Bytes;
use crc32fast::Hasher;

/// One entry: its name, its exact length, and its bytes, produced on demand.
///
/// `bytes` must yield exactly `len` bytes in all, in chunks of any size (see [`archive`]).
/// Names longer than 65535 bytes are cut to fit the ZIP's 16-bit field.
pub struct ZipEntry<I> {
    pub name: String,
    pub len: u64,
    pub bytes: I,
}

/// The value that 32-bit ZIP fields cannot hold, as it means "see the ZIP64 field".
const ZIP64_LIMIT: u64 = u32::MAX as u64;
const LOCAL_LEN: u64 = 30;
const CENTRAL_LEN: u64 = 46;
const END_LEN: u64 = 22;
const ZIP64_END_LEN: u64 = 56;
const ZIP64_LOCATOR_LEN: u64 = 20;
/// Version needed to extract: 2.0, or 4.5 for ZIP64.
const VERSION: [u16; 2] = [20, 45];
/// General-purpose flags: bit 3, CRC and sizes in a data descriptor; bit 11, UTF-8 name.
const FLAG_DESCRIPTOR: u16 = 1 << 3;
const FLAG_UTF8: u16 = 1 << 11;
/// "Made by" Unix, with a regular file's `rw-r--r--`: Info-ZIP's `unzip` mangles UTF-8
/// names made by MS-DOS, and extracts Unix entries without a mode as mode 0.
const MADE_BY_UNIX: u16 = 3 << 8;
const UNIX_FILE_MODE: u32 = 0o100644 << 16;
/// 1980-01-01 00:00: MS-DOS time 0 then date (1 << 5) | 1, as one little-endian field.
const DOS_TIME_DATE: u32 = ((1 << 5) | 1) << 16;
/// Pads an entry that ends early, so that the archive keeps its announced length.
static ZEROS: [u8; 64 * 1024] = [0; 64 * 1024];

/// The exact length in bytes of the archive of entries given as (name, length).
pub fn archive_len(entries: &[(String, u64)]) -> u64 {
    layout(entries.iter().map(|(n, l)| (n.as_str(), *l)), false).1
}

/// The archive of `entries`, as chunks whose lengths add up to [`archive_len`].
///
/// The entries' iterators are consumed in order, each to its end before the next is
/// advanced. An entry whose iterator yields more bytes than its `len` is cut, and one that
/// yields fewer is padded with zeros, so that the archive keeps its announced length; as
/// that is the caller's bug, it fails a `debug_assert!`, and in release builds the entry's
/// recorded CRC is inverted so that every reader rejects the entry.
pub fn archive<I>(entries: Vec<ZipEntry<I>>) -> impl Iterator<Item = Bytes> + Send
where
    I: Iterator<Item = Bytes> + Send,
{
    archive_with(entries, false)
}

/// [`archive`], with ZIP64 forced on if `force`, so that tests can check it on small
/// archives.
fn archive_with<I>(entries: Vec<ZipEntry<I>>, force: bool) -> Archive<I> {
    let (zip64, len) = layout(entries.iter().map(|e| (e.name.as_str(), e.len)), force);
    Archive {
        count: entries.len() as u64,
        entries: entries.into_iter(),
        zip64,
        len,
        offset: 0,
        central: Vec::new(),
        state: State::Between,
    }
}

/// Whether the archive needs ZIP64, and its length: ZIP64 as soon as any offset, size or
/// count of the archive without it could reach its field's "see ZIP64" value.
fn layout<'a, E>(entries: E, force_zip64: bool) -> (bool, u64)
where
    E: Iterator<Item = (&'a str, u64)> + Clone,
{
    let total = |zip64: bool| {
        let (extras, descriptor, end) = if zip64 {
            (20 + 28, 24, ZIP64_END_LEN + ZIP64_LOCATOR_LEN + END_LEN)
        } else {
            (0, 16, END_LEN)
        };
        entries
            .clone()
            .map(|(name, len)| {
                let name = name_bytes(name).len() as u64;
                (LOCAL_LEN + CENTRAL_LEN + 2 * name + extras + descriptor).saturating_add(len)
            })
            .fold(end, u64::saturating_add)
    };
    let zip64 = force_zip64 || entries.clone().count() >= 0xFFFF || total(false) >= ZIP64_LIMIT;
    (zip64, total(zip64))
}

/// The name as written: at most 65535 bytes, cut at a character boundary.
fn name_bytes(name: &str) -> &[u8] {
    let mut end = name.len().min(u16::MAX as usize);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name.as_bytes()[..end]
}

/// The archive as a state machine: each entry's local header, bytes and data descriptor in
/// turn, then the central directory built along the way, then the end records.
struct Archive<I> {
    entries: std::vec::IntoIter<ZipEntry<I>>,
    count: u64,
    zip64: bool,
    /// The announced length, checked at the end.
    len: u64,
    /// Bytes yielded so far, so the offset of what comes next.
    offset: u64,
    central: Vec<u8>,
    state: State<I>,
}

enum State<I> {
    /// Next comes a local header, or the central directory after the last entry.
    Between,
    Data(Current<I>),
    Done,
}

/// The entry being streamed.
struct Current<I> {
    entry: ZipEntry<I>,
    header_offset: u64,
    written: u64,
    crc: Hasher,
    /// Whether the entry yielded other than `len` bytes.
    wrong_len: bool,
}

impl<I: Iterator<Item = Bytes>> Current<I> {
    /// The entry's next chunk, held to exactly `len` bytes in all.
    fn next_chunk(&mut self) -> Option<Bytes> {
        let left = self.entry.len - self.written;
        let chunk = if left == 0 {
            // One more look, to tell a finished entry from a long one, never draining it.
            if !self.wrong_len && self.entry.bytes.next().is_some_and(|c| !c.is_empty()) {
                self.wrong_len = true;
            }
            return None;
        } else if let Some(mut chunk) = self.entry.bytes.next() {
            if chunk.len() as u64 > left {
                self.wrong_len = true;
                chunk.truncate(left as usize);
            }
            chunk
        } else {
            self.wrong_len = true;
            Bytes::from_static(&ZEROS[..left.min(ZEROS.len() as u64) as usize])
        };
        self.crc.update(&chunk);
        self.written += chunk.len() as u64;
        Some(chunk)
    }
}

impl<I: Iterator<Item = Bytes>> Iterator for Archive<I> {
    type Item = Bytes;

    fn next(&mut self) -> Option<Bytes> {
        loop {
            let record = match std::mem::replace(&mut self.state, State::Done) {
                State::Between => match self.entries.next() {
                    Some(entry) => {
                        let header = local_header(name_bytes(&entry.name), self.zip64);
                        self.state = State::Data(Current {
                            entry,
                            header_offset: self.offset,
                            written: 0,
                            crc: Hasher::new(),
                            wrong_len: false,
                        });
                        header
                    }
                    None => {
                        let mut tail = std::mem::take(&mut self.central);
                        let central_len = tail.len() as u64;
                        end_records(&mut tail, self.offset, central_len, self.count, self.zip64);
                        debug_assert_eq!(self.offset + tail.len() as u64, self.len);
                        tail
                    }
                },
                State::Data(mut current) => match current.next_chunk() {
                    Some(chunk) => {
                        self.offset += chunk.len() as u64;
                        self.state = State::Data(current);
                        if chunk.is_empty() {
                            continue;
                        }
                        return Some(chunk);
                    }
                    None => {
                        let (name, len) = (name_bytes(&current.entry.name), current.entry.len);
                        debug_assert!(!current.wrong_len, "ZIP entry {name:?} is not {len} bytes");
                        // A wrong length inverts the CRC, so that readers reject the entry.
                        let crc = current.crc.finalize() ^ if current.wrong_len { !0 } else { 0 };
                        let offset = current.header_offset;
                        central_header(&mut self.central, name, crc, len, offset, self.zip64);
                        self.state = State::Between;
                        descriptor(crc, len, self.zip64)
                    }
                },
                State::Done => return None,
            };
            self.offset += record.len() as u64;
            return Some(Bytes::from(record));
        }
    }
}

/// Appends each value in little-endian order, at the width of its type.
macro_rules! put {
    ($out:expr, $($v:expr),+ $(,)?) => { $($out.extend_from_slice(&$v.to_le_bytes());)+ };
}

fn flags(name: &[u8]) -> u16 {
    FLAG_DESCRIPTOR | if name.is_ascii() { 0 } else { FLAG_UTF8 }
}

/// A local header: CRC and sizes zero (or "see ZIP64", with zeros there), as they follow in
/// the data descriptor.
fn local_header(name: &[u8], zip64: bool) -> Vec<u8> {
    let (size, extra) = if zip64 { (u32::MAX, 20u16) } else { (0, 0) };
    let mut h = Vec::with_capacity(LOCAL_LEN as usize + name.len() + 20);
    put!(h, 0x0403_4b50u32, VERSION[zip64 as usize], flags(name));
    put!(h, 0u16, DOS_TIME_DATE, 0u32, size, size); // stored; CRC, sizes
    put!(h, name.len() as u16, extra);
    h.extend_from_slice(name);
    if zip64 {
        put!(h, 1u16, 16u16, 0u64, 0u64); // ZIP64 extra: the sizes
    }
    h
}

/// The data descriptor after an entry's bytes, with its signature.
fn descriptor(crc: u32, len: u64, zip64: bool) -> Vec<u8> {
    let mut d = Vec::with_capacity(24);
    put!(d, 0x0807_4b50u32, crc);
    if zip64 {
        put!(d, len, len);
    } else {
        put!(d, len as u32, len as u32);
    }
    d
}

fn central_header(out: &mut Vec<u8>, name: &[u8], crc: u32, len: u64, offset: u64, zip64: bool) {
    let clamp = |v: u64| if zip64 { u32::MAX } else { v as u32 };
    let (version, extra) = (VERSION[zip64 as usize], if zip64 { 28u16 } else { 0 });
    let made_by = MADE_BY_UNIX | version;
    put!(out, 0x0201_4b50u32, made_by, version, flags(name));
    put!(out, 0u16, DOS_TIME_DATE, crc, clamp(len), clamp(len)); // stored
    put!(out, name.len() as u16, extra, 0u16, 0u16, 0u16); // comment, disk, attributes
    put!(out, UNIX_FILE_MODE, clamp(offset));
    out.extend_from_slice(name);
    if zip64 {
        put!(out, 1u16, 24u16, len, len, offset);
    }
}

/// The ZIP64 end record and locator if `zip64`, then the classic end record.
fn end_records(out: &mut Vec<u8>, central_offset: u64, central_len: u64, count: u64, zip64: bool) {
    if zip64 {
        let record_offset = central_offset + central_len;
        put!(out, 0x0606_4b50u32, ZIP64_END_LEN - 12, 45u16, 45u16);
        put!(out, 0u32, 0u32, count, count); // disks
        put!(out, central_len, central_offset);
        put!(out, 0x0706_4b50u32, 0u32, record_offset, 1u32);
    }
    let clamp16 = |v: u64| if zip64 { u16::MAX } else { v as u16 };
    let clamp32 = |v: u64| if zip64 { u32::MAX } else { v as u32 };
    put!(out, 0x0605_4b50u32, 0u32, clamp16(count), clamp16(count)); // disks
    put!(out, clamp32(central_len), clamp32(central_offset), 0u16); // no comment
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::zip::ZipArchive;
    use std::io::{self, Cursor, Read, Seek, SeekFrom};

    type Chunks = Box<dyn Iterator<Item = Bytes> + Send>;
    const CHUNK: u64 = 64 * 1024;
    const GIB: u64 = 1 << 30;

    fn contents() -> Vec<(String, Vec<u8>)> {
        let bytes = |n: u32, m: u32| (0..n).map(|i| (i * 7 % m) as u8).collect();
        let contents = [
            ("hello.txt", b"hello, world\n".to_vec()),
            ("empty", Vec::new()),
            ("dir/ünïcode.bin", bytes(5000, 256)),
            ("big.pst", bytes(300_000, 251)),
        ];
        contents.map(|(name, data)| (name.to_string(), data)).into()
    }

    fn entry<B>(name: &str, len: u64, bytes: B) -> ZipEntry<Chunks>
    where
        B: IntoIterator<Item = Bytes, IntoIter: Send + 'static>,
    {
        let (name, bytes) = (name.to_string(), Box::new(bytes.into_iter()));
        ZipEntry { name, len, bytes }
    }

    /// Entries yielding `contents` in uneven chunks, the first one empty.
    fn entries(contents: &[(String, Vec<u8>)]) -> Vec<ZipEntry<Chunks>> {
        let entry = |(i, (name, data)): (usize, &(String, Vec<u8>))| {
            let mut chunks = vec![Bytes::new()];
            chunks.extend(data.chunks(1 + i * 40_000).map(Bytes::copy_from_slice));
            entry(name, data.len() as u64, chunks)
        };
        contents.iter().enumerate().map(entry).collect()
    }

    /// The archive, checked to have the length announced from names and lengths alone.
    fn build(entries: Vec<ZipEntry<Chunks>>, zip64: bool) -> Vec<u8> {
        let named: Vec<_> = entries.iter().map(|e| (e.name.clone(), e.len)).collect();
        let (_, len) = layout(named.iter().map(|(n, l)| (n.as_str(), *l)), zip64);
        assert!(zip64 || len == archive_len(&named));
        let chunks: Vec<Bytes> = archive_with(entries, zip64).collect();
        assert!(chunks.iter().all(|c| !c.is_empty()));
        let data = chunks.concat();
        assert_eq!(data.len() as u64, len);
        data
    }

    #[test]
    fn entries_read_back_with_their_bytes_and_crcs() {
        let contents = contents();
        for zip64 in [false, true] {
            let data = build(entries(&contents), zip64);
            let le32 = |at: u64| u32::from_le_bytes(data[at as usize..][..4].try_into().unwrap());
            assert_python_finds(true, &data, if zip64 { "zip64" } else { "plain" });
            // The first local header defers CRC and sizes to a data descriptor.
            assert_eq!(le32(0), 0x0403_4b50);
            assert_eq!(data[4..8], [VERSION[zip64 as usize] as u8, 0, 8, 0]);
            let size = if zip64 { u32::MAX } else { 0 };
            let crc_and_sizes = [14, 18, 22].map(le32);
            assert_eq!(crc_and_sizes, [0, size, size]);
            let zip64_end = data.len() as u64 - END_LEN - ZIP64_END_LEN - ZIP64_LOCATOR_LEN;
            assert_eq!(le32(zip64_end) == 0x0606_4b50, zip64);
            let mut zip = ZipArchive::new(Cursor::new(&data)).unwrap();
            assert_eq!(zip.len(), contents.len());
            for (i, (name, expected)) in contents.iter().enumerate() {
                let mut file = zip.by_index(i).unwrap();
                let (len, crc) = (expected.len() as u64, crc32fast::hash(expected));
                let read_back = (file.name(), file.size(), file.crc32(), file.unix_mode());
                assert_eq!(read_back, (name.as_str(), len, crc, Some(0o100644)));
                let mut read = Vec::new();
                file.read_to_end(&mut read).unwrap();
                assert_eq!(&read, expected, "{name}");
                let after = file.data_start().unwrap() + len;
                let descriptor = [after, after + 4].map(le32);
                assert_eq!(descriptor, [0x0807_4b50, crc]);
            }
        }
    }

    /// Checks that reading the entries `bad` fails their CRC check, and the others do not.
    fn assert_crc_fails(data: &[u8], bad: &[usize]) {
        let mut zip = ZipArchive::new(Cursor::new(data)).unwrap();
        for i in 0..zip.len() {
            let read = zip.by_index(i).unwrap().read_to_end(&mut Vec::new());
            match read {
                Err(e) if bad.contains(&i) => assert!(e.to_string().contains("checksum"), "{e}"),
                _ => assert!(read.is_ok() && !bad.contains(&i), "entry {i}: {read:?}"),
            }
        }
    }

    #[test]
    fn a_corrupt_entry_fails_its_crc_check() {
        let mut data = build(entries(&contents()), false);
        let mut zip = ZipArchive::new(Cursor::new(&data)).unwrap();
        let at = zip.by_index(2).unwrap().data_start().unwrap() + 10;
        data[at as usize] ^= 0xFF; // a byte of the third entry's data
        assert_crc_fails(&data, &[2]);
        assert_python_finds(false, &data, "corrupt");
    }

    #[test]
    #[cfg_attr(debug_assertions, should_panic(expected = "is not 10 bytes"))]
    fn an_entry_of_the_wrong_length_keeps_the_layout_and_fails_its_crc_check() {
        let short = entry("short", 10, [Bytes::from_static(b"1234567")]);
        let long = entry("long", 5, std::iter::repeat(Bytes::from_static(b"xyz")));
        let good = entry("good", 2, [Bytes::from_static(b"ok")]);
        assert_crc_fails(&build(vec![short, long, good], false), &[0, 1]);
    }

    /// Entry bytes: clones of one 64 KiB chunk, so that gigabytes cost no memory.
    fn pattern(seed: u8, len: u64) -> impl Iterator<Item = Bytes> + Send {
        let chunk = Bytes::from_iter((0..CHUNK).map(|i| (i % 251) as u8 ^ seed));
        (0..len.div_ceil(CHUNK)).map(move |i| chunk.slice(..(len - i * CHUNK).min(CHUNK) as usize))
    }

    /// The CRC of `pattern(seed, len)`, by combining CRCs rather than reading gigabytes.
    fn pattern_crc(seed: u8, len: u64) -> u32 {
        let chunk = pattern(seed, CHUNK).next().unwrap();
        let (mut crc, mut power, mut count) = (Hasher::new(), Hasher::new(), len / CHUNK);
        power.update(&chunk);
        for _ in 0..64 - count.leading_zeros() {
            if count & 1 == 1 {
                crc.combine(&power);
            }
            power.combine(&power.clone());
            count >>= 1;
        }
        crc.update(&chunk[..(len % CHUNK) as usize]);
        crc.finalize()
    }

    /// A `Read + Seek` view of an archive's chunks, with their offsets. Holding the whole
    /// archive is cheap, as its entries' chunks share one pattern chunk each.
    struct Chunked {
        chunks: Vec<(u64, Bytes)>,
        len: u64,
        pos: u64,
    }

    fn chunked(archive: impl Iterator<Item = Bytes>) -> Chunked {
        let (mut len, mut chunks) = (0, Vec::new());
        for chunk in archive {
            chunks.push((len, chunk.clone()));
            len += chunk.len() as u64;
        }
        Chunked {
            chunks,
            len,
            pos: 0,
        }
    }

    impl Read for Chunked {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.pos >= self.len {
                return Ok(0);
            }
            let (start, chunk) = &self.chunks[self.chunks.partition_point(|c| c.0 <= self.pos) - 1];
            let at = (self.pos - start) as usize;
            let n = buf.len().min(chunk.len() - at);
            buf[..n].copy_from_slice(&chunk[at..at + n]);
            self.pos += n as u64;
            Ok(n)
        }
    }

    impl Seek for Chunked {
        fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
            self.pos = match to {
                SeekFrom::Start(at) => Some(at),
                SeekFrom::End(delta) => self.len.checked_add_signed(delta),
                SeekFrom::Current(delta) => self.pos.checked_add_signed(delta),
            }
            .ok_or(io::ErrorKind::InvalidInput)?;
            Ok(self.pos)
        }
    }

    #[test]
    fn an_archive_over_4_gib_is_zip64_and_reads_back() {
        let sizes = [2 * GIB, 2 * GIB, GIB + 123];
        let named: Vec<_> = (0..3).map(|i| (format!("{i}.pst"), sizes[i])).collect();
        let entries = named.iter().zip(0..);
        let entries = entries.map(|((name, len), seed)| entry(name, *len, pattern(seed, *len)));
        let reader = chunked(archive(entries.collect()));
        assert_eq!(reader.len, archive_len(&named));
        let mut zip = ZipArchive::new(reader).unwrap();
        for (i, (name, size)) in named.iter().enumerate() {
            let file = zip.by_index(i).unwrap();
            assert_eq!((file.name(), file.size()), (name.as_str(), *size));
            assert_eq!(file.crc32(), pattern_crc(i as u8, *size));
        }
        let mut third = zip.by_index(2).unwrap();
        assert!(third.data_start().unwrap() > 4 * GIB);
        // Read to the end, through the reader's CRC check.
        assert_eq!(io::copy(&mut third, &mut io::sink()).unwrap(), GIB + 123);
        drop(third);
        let mut third = zip.by_index_seek(2).unwrap();
        let mut ends = [0; 32];
        third.read_exact(&mut ends[..16]).unwrap();
        third.seek(SeekFrom::End(-16)).unwrap();
        third.read_exact(&mut ends[16..]).unwrap();
        let byte = |p: u64| ((p % CHUNK) % 251) as u8 ^ 2;
        let expected: Vec<_> = (0..16).chain(GIB + 107..GIB + 123).map(byte).collect();
        assert_eq!(ends[..], expected);
    }

    /// Checks that Python's zipfile finds every CRC right, or not if `!valid`.
    fn assert_python_finds(valid: bool, data: &[u8], tag: &str) {
        let path = std::env::temp_dir().join(format!("zip-{}-{tag}.zip", std::process::id()));
        std::fs::write(&path, data).unwrap();
        let script = "import zipfile,sys; assert zipfile.ZipFile(sys.argv[1]).testzip() is None";
        let mut python = std::process::Command::new("python3");
        let out = python.args(["-c", script]).arg(&path).output();
        std::fs::remove_file(&path).unwrap();
        match out {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                println!("python3 is absent: skipping the zipfile check of {tag}")
            }
            out => assert_eq!(out.unwrap().status.success(), valid, "{tag}"),
        }
    }
}
