//! `exportToPst` files: real Unicode PST files ([MS-PST]) that PST readers open, streamed in
//! constant memory; or, when the size limit splits the export, a ZIP whose PSTs each open on
//! their own.
//!
//! No maintained crate writes PST (Microsoft's `outlook-pst` reads only, and is the tests'
//! independent reader), so the writer is here, one module per part of the specification:
//!
//! | module | [MS-PST] | what |
//! |---|---|---|
//! | [`ndb`] | 2.2 | header, block and page trailers, data and subnode trees, B-tree and map pages |
//! | [`blocks`] | 2.2.2.8 | nodes to blocks and BIDs; the padding's blocks as arithmetic |
//! | [`layout`] | 2.2.2.7 | where each block and page lies; the file, one allocation map region at a time |
//! | [`ltp`] | 2.3 | heap-on-node, B-tree on heap, property and table contexts |
//! | [`messaging`] | 2.4.3, 2.4.4 | message store, folders: the plan of every node |
//! | [`message`] | 2.4.5, 2.4.6 | a message, its recipient and attachment tables, its attachments |
//! | [`names`] | 2.4.7 | the name-to-ID map |
//! | [`zip`] | — | the stored ZIP of a split export |
//!
//! Memory: the file is laid out before its first byte, from sizes only, and each node is built
//! again when the stream reaches it, so an export holds one node at a time plus about 100
//! bytes per block; the padding and the B-tree pages over it are arithmetic.
//!
//! A PST is at least `pst_size` bytes: when its messages take less, a padding message holds
//! attachments of generated text (in the root folder's [`messaging::PADDING_FOLDER`], outside
//! the IPM subtree that mail clients show) and the rest, under one region, is free space.

mod blocks;
mod layout;
mod ltp;
mod message;
mod messaging;
mod names;
mod ndb;
mod node;
mod zip;

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::Stream;

use crate::sim::data::MailboxData;
use crate::sim::state::Shared;

pub use blocks::pattern_at;
pub use messaging::{Attachment, Content, Message, PADDING_FOLDER, Person, Source};

use blocks::{Assembled, Padding};
use layout::Layout;
use messaging::Plan;

/// The smallest `pst_size`: a PST never drops content to fit, so any size up to its natural
/// one gives the same file; this keeps the setting meaningful.
pub const MIN_PST_SIZE: u64 = 64 * 1024;
/// Largest PST the simulator makes: far past any test, and small enough that a split at the
/// smallest limit (1 GiB) stays a directory of at most 1024 parts.
pub const MAX_PST_SIZE: u64 = 1 << 40;
/// Padding smaller than this is left as free space: a padding message would not fit in it.
const MIN_PADDING: u64 = 2 * 0x3E000;

/// Checks that a PST of `size` bytes can be made.
pub fn check_size(size: u64) -> Result<(), String> {
    if !(MIN_PST_SIZE..=MAX_PST_SIZE).contains(&size) {
        return Err(format!(
            "pst_size must be from {MIN_PST_SIZE} bytes (64 KiB) to {MAX_PST_SIZE} (1 TiB), \
             not {size}"
        ));
    }
    Ok(())
}

/// A PST file, laid out and ready to stream.
#[derive(Debug)]
pub struct Pst {
    layout: Layout,
}

impl Pst {
    /// A PST of `source`'s messages of at least `min_len` bytes.
    pub fn new(source: Arc<dyn Source>, min_len: u64) -> Self {
        let key = store_key(source.name());
        let plan = |padding: &Padding| Plan::new(source.clone(), key, &padding.pieces);
        let none = Padding::default();
        let bare = plan(&none);
        let assembled = blocks::assemble(&bare, &none);
        if min_len < layout::end_of(&assembled, &none) + MIN_PADDING {
            return Self {
                layout: Layout::new(bare, assembled, none, min_len),
            };
        }
        // The largest padding that keeps the file within `min_len`. The blocks' sizes and
        // BIDs depend only on how many pieces the padding has, so each count is built once.
        let mut built: HashMap<usize, Assembled> = HashMap::new();
        let mut end = |len: u64| {
            let padding = Padding::new(len);
            let assembled = (built.entry(padding.pieces.len()))
                .or_insert_with(|| blocks::assemble(&plan(&padding), &padding));
            layout::end_of(assembled, &padding)
        };
        let (mut fits, mut over) = (0u64, min_len);
        while over - fits > 1 {
            let mid = fits + (over - fits) / 2;
            if end(mid) <= min_len {
                fits = mid;
            } else {
                over = mid;
            }
        }
        let padding = Padding::new(fits);
        let assembled = match built.remove(&padding.pieces.len()) {
            Some(assembled) => assembled,
            None => blocks::assemble(&plan(&padding), &padding),
        };
        Self {
            layout: Layout::new(plan(&padding), assembled, padding, min_len),
        }
    }

    /// The exact length in bytes.
    pub fn len(&self) -> u64 {
        self.layout.len()
    }

    #[cfg(test)]
    fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The bytes from `offset` to the end of their region, for readers in the tests.
    #[cfg(test)]
    fn read_at(&self, offset: u64) -> Bytes {
        self.layout.read_at(offset)
    }

    /// The file as chunks of one allocation map region (248 KiB) at most.
    pub fn chunks(self) -> impl Iterator<Item = Bytes> + Send {
        self.layout.chunks()
    }
}

/// The store's record key: derived from its name, so that an export is reproducible.
fn store_key(name: &str) -> [u8; 16] {
    let mut key = [0u8; 16];
    for (i, part) in key.chunks_mut(4).enumerate() {
        let mut hasher = crc32fast::Hasher::new_with_initial(i as u32);
        hasher.update(name.as_bytes());
        part.copy_from_slice(&hasher.finalize().to_le_bytes());
    }
    key
}

/// A generated export: one PST, or a ZIP of PSTs.
#[derive(Debug)]
pub struct Export {
    parts: Vec<(String, Pst)>,
    /// Whether it is a ZIP of several PSTs.
    pub zip: bool,
}

impl Export {
    /// The exact length in bytes.
    pub fn len(&self) -> u64 {
        if self.zip {
            let entries: Vec<(String, u64)> = self
                .parts
                .iter()
                .map(|(n, p)| (n.clone(), p.len()))
                .collect();
            zip::archive_len(&entries)
        } else {
            self.parts.iter().map(|(_, p)| p.len()).sum()
        }
    }

    /// The file as chunks, made as they are taken.
    pub fn chunks(self) -> Box<dyn Iterator<Item = Bytes> + Send> {
        if self.zip {
            let entries = (self.parts.into_iter())
                .map(|(name, pst)| zip::ZipEntry {
                    name,
                    len: pst.len(),
                    bytes: pst.chunks(),
                })
                .collect();
            Box::new(zip::archive(entries))
        } else {
            Box::new(self.parts.into_iter().flat_map(|(_, pst)| pst.chunks()))
        }
    }

    /// The body as a stream of chunks, made on the blocking pool a few chunks ahead of the
    /// client: a chunk can take a large node's rebuilding, which must not hold up a runtime
    /// worker. A client that stops reading stops the making; one that goes away ends it.
    /// Must be called within a Tokio runtime.
    pub fn stream(self) -> impl Stream<Item = Result<Bytes, std::convert::Infallible>> + Send {
        let (sender, receiver) = tokio::sync::mpsc::channel::<Bytes>(4);
        let chunks = self.chunks();
        tokio::task::spawn_blocking(move || {
            for chunk in chunks {
                if sender.blocking_send(chunk).is_err() {
                    break;
                }
            }
        });
        futures_util::stream::unfold(receiver, |mut receiver| async move {
            let chunk = receiver.recv().await?;
            Some((Ok(chunk), receiver))
        })
    }
}

/// The items of one mailbox of the simulator's catalog, as a PST's source: the catalog is
/// shared, so the export streams without copying the items.
pub struct CatalogSource {
    shared: Arc<Shared>,
    mailbox: usize,
    items: Vec<usize>,
    folders: Vec<String>,
}

impl CatalogSource {
    /// Items `items` of mailbox `mailbox` of the catalog, with `folders` made even when empty.
    pub fn new(
        shared: Arc<Shared>,
        mailbox: usize,
        items: Vec<usize>,
        folders: Vec<String>,
    ) -> Self {
        Self {
            shared,
            mailbox,
            items,
            folders,
        }
    }

    fn mailbox(&self) -> &MailboxData {
        &self.shared.catalog.mailboxes[self.mailbox]
    }
}

impl Source for CatalogSource {
    fn name(&self) -> &str {
        &self.mailbox().name
    }

    fn folders(&self) -> Vec<&str> {
        self.folders.iter().map(String::as_str).collect()
    }

    fn len(&self) -> usize {
        self.items.len()
    }

    fn folder(&self, i: usize) -> &str {
        &self.mailbox().items[self.items[i]].folder_path
    }

    fn message(&self, i: usize) -> Message<'_> {
        let item = &self.mailbox().items[self.items[i]];
        fn person(p: &crate::sim::data::Person) -> Person<'_> {
            Person {
                name: &p.name,
                email: &p.email,
            }
        }
        Message {
            folder: &item.folder_path,
            subject: &item.subject,
            from: person(&item.from),
            to: item.to.iter().map(person).collect(),
            cc: item.cc.iter().map(person).collect(),
            sent: item.sent,
            received: item.received,
            body: &item.body,
            html: html_of(&item.body),
            message_id: format!("<{}@vbo365.invalid>", item.id),
            attachments: vec![Attachment {
                name: &item.attachment.name,
                content: Content::Bytes(&item.attachment.content),
            }],
        }
    }
}

/// Some of another source's messages: a part of a split export.
struct Part {
    source: Arc<dyn Source>,
    messages: Vec<usize>,
}

impl Source for Part {
    fn name(&self) -> &str {
        self.source.name()
    }

    fn folders(&self) -> Vec<&str> {
        self.source.folders()
    }

    fn len(&self) -> usize {
        self.messages.len()
    }

    fn message(&self, i: usize) -> Message<'_> {
        self.source.message(self.messages[i])
    }

    fn folder(&self, i: usize) -> &str {
        self.source.folder(self.messages[i])
    }
}

/// The HTML body of a plain-text body: escaped, one paragraph per line.
pub fn html_of(body: &str) -> String {
    let mut html = String::from("<html><head><meta charset=\"utf-8\"></head><body>");
    for line in body.lines() {
        html.push_str("<p>");
        for c in line.chars() {
            match c {
                '<' => html.push_str("&lt;"),
                '>' => html.push_str("&gt;"),
                '&' => html.push_str("&amp;"),
                '"' => html.push_str("&quot;"),
                c => html.push(c),
            }
        }
        html.push_str("</p>");
    }
    html.push_str("</body></html>");
    html
}

/// Roughly what a message adds to a PST, to fill split parts before they are built.
fn footprint(message: &Message<'_>) -> u64 {
    let attachments: u64 = message.attachments.iter().map(|a| a.content.len()).sum();
    4096 + 2 * (message.body.len() + message.subject.len()) as u64
        + message.html.len() as u64
        + attachments
}

/// The export of `source` in PSTs of `size` bytes in all: one PST, or with `split_at`, a ZIP
/// of PSTs of at most `split_at` bytes each when `size` exceeds it (unless one message alone
/// is larger). `name` is the file name stem.
pub fn export(source: Arc<dyn Source>, size: u64, split_at: Option<u64>, name: &str) -> Export {
    let limit = match split_at {
        Some(limit) if size > limit => limit,
        _ => {
            let pst = Pst::new(source.clone(), size);
            if split_at.is_none_or(|limit| pst.len() <= limit) {
                return Export {
                    parts: vec![(format!("{name}.pst"), pst)],
                    zip: false,
                };
            }
            split_at.unwrap_or(size)
        }
    };
    // Messages fill the parts in order, each part up to about the limit; the sizes then pad
    // the parts to `size` in all.
    let budget = limit.saturating_sub(limit / 8).max(1);
    let mut groups: Vec<Vec<usize>> = vec![Vec::new()];
    let mut used = 0;
    for i in 0..source.len() {
        let cost = footprint(&source.message(i));
        if used > 0 && used + cost > budget {
            groups.push(Vec::new());
            used = 0;
        }
        used += cost;
        if let Some(group) = groups.last_mut() {
            group.push(i);
        }
    }
    let parts_for_size = size.div_ceil(limit) as usize;
    while groups.len() < parts_for_size {
        groups.push(Vec::new());
    }
    let count = groups.len() as u64;
    let parts = groups
        .into_iter()
        .enumerate()
        .map(|(i, messages)| {
            let share = if (i as u64) < count - 1 {
                limit
            } else {
                size.saturating_sub(limit * (count - 1))
            };
            let part = Arc::new(Part {
                source: source.clone(),
                messages,
            });
            (
                format!("{name}_{:03}.pst", i + 1),
                Pst::new(part, share.min(limit)),
            )
        })
        .collect();
    Export { parts, zip: true }
}

#[cfg(test)]
mod tests;
