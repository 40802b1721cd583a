//! A file coming back from an export or a save: its kind told by its first bytes, its body
//! streamed piece by piece with idle and length checks, never held in memory.

use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt as _;
use progenitor_client::ByteStream;

use crate::{ActionKind, Error};

/// What kind of file an export or save returned, told by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// An Outlook data file (`!BDN`).
    Pst,
    /// A ZIP archive of PST files, from an export split by its size limit (`PK\x03\x04`).
    Zip,
    /// An Outlook message, an OLE2 compound file (`D0 CF 11 E0 A1 B1 1A E1`).
    Msg,
    /// None of the above; the bytes are kept as they are.
    Unknown,
}

impl FileKind {
    /// The most magic bytes [`FileKind::detect`] looks at.
    pub const MAGIC_LEN: usize = 8;

    /// Tells the kind from the first bytes of a file.
    pub fn detect(head: &[u8]) -> Self {
        if head.starts_with(b"!BDN") {
            Self::Pst
        } else if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
            Self::Zip
        } else if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            Self::Msg
        } else {
            Self::Unknown
        }
    }

    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Pst => "pst",
            Self::Zip => "zip",
            Self::Msg => "msg",
            Self::Unknown => "bin",
        }
    }
}

/// A file coming from the server, not yet read. Read it with [`FileDownload::next_chunk`];
/// the whole body is never held in memory.
pub struct FileDownload {
    action: ActionKind,
    kind: FileKind,
    length: Option<u64>,
    head: Option<Bytes>,
    stream: ByteStream,
    idle_timeout: Option<Duration>,
    received: u64,
}

impl std::fmt::Debug for FileDownload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileDownload")
            .field("action", &self.action)
            .field("kind", &self.kind)
            .field("length", &self.length)
            .field("received", &self.received)
            .finish_non_exhaustive()
    }
}

impl FileDownload {
    pub(crate) fn new(
        action: ActionKind,
        kind: FileKind,
        length: Option<u64>,
        head: Bytes,
        stream: ByteStream,
        idle_timeout: Option<Duration>,
    ) -> Self {
        Self {
            action,
            kind,
            length,
            head: Some(head),
            stream,
            idle_timeout,
            received: 0,
        }
    }

    /// The action that produced this file (`exportToPst` or `savetoMsg`).
    pub fn action(&self) -> ActionKind {
        self.action
    }

    /// The kind of file, from its magic bytes.
    pub fn kind(&self) -> FileKind {
        self.kind
    }

    /// The announced length (`Content-Length`), if the server sent one.
    pub fn length(&self) -> Option<u64> {
        self.length
    }

    /// Bytes handed out so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// The next piece of the body, or `None` at its end. Fails when the body stalls past
    /// the idle timeout, breaks off, or ends short of (or runs past) its `Content-Length`.
    pub async fn next_chunk(&mut self) -> Result<Option<Bytes>, Error> {
        let chunk = match self.head.take() {
            Some(head) => Some(head),
            None => next(&mut self.stream, self.idle_timeout)
                .await
                .map_err(|e| {
                    let total = self
                        .length
                        .map_or_else(|| "?".to_string(), |l| l.to_string());
                    e.with_context(format!("after {} of {total} bytes", self.received))
                })?,
        };
        match chunk {
            Some(chunk) => {
                self.received += chunk.len() as u64;
                if let Some(length) = self.length.filter(|&l| self.received > l) {
                    return Err(Error::body_message(format!(
                        "the body ran past its Content-Length of {length} bytes"
                    )));
                }
                Ok(Some(chunk))
            }
            None => match self.length {
                Some(length) if self.received != length => Err(Error::body_message(format!(
                    "the body ended after {} of {length} bytes",
                    self.received
                ))),
                _ => Ok(None),
            },
        }
    }
}

pub(crate) async fn next(
    stream: &mut ByteStream,
    idle: Option<Duration>,
) -> Result<Option<Bytes>, Error> {
    let read = stream.next();
    let item = match idle {
        Some(limit) => tokio::time::timeout(limit, read)
            .await
            .map_err(|_| Error::idle_timeout(limit))?,
        None => read.await,
    };
    item.transpose().map_err(Error::transport)
}
