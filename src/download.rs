//! Saving a downloaded file: streamed to a temporary file beside the target, in constant
//! memory, and renamed into place only once the whole body has arrived and matches its
//! `Content-Length`. On any error or cancellation nothing is left under the final name.

use std::path::{Path, PathBuf};

use std::io::Write as _;

use bytes::Bytes;

use crate::{Error, FileDownload, FileKind};

/// Pieces queued for the writer at most. The HTTP stack hands over pieces of up to a few
/// hundred KiB, written as they come (no second buffer): this bounds a download's memory.
const QUEUE: usize = 8;

/// Where a download goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Exactly this file. It must not exist yet, unless `overwrite` is set.
    File {
        /// The file.
        path: PathBuf,
        /// Whether an existing file is replaced (atomically, once the download is complete).
        overwrite: bool,
    },
    /// A file in this directory, named from the item and the detected kind
    /// (`<item id>.pst`, `.zip` or `.msg`), never replacing an existing file.
    Directory(PathBuf),
}

impl Destination {
    /// A directory if `path` is an existing directory, else that file (not overwritten).
    pub fn from_path(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        if path.is_dir() {
            Self::Directory(path)
        } else {
            Self::File {
                path,
                overwrite: false,
            }
        }
    }

    /// Checks what can be checked before the action is sent: the directory exists and takes a
    /// new file (probed with a temporary file, removed at once: a server may spend an hour
    /// building an export that then has nowhere to go), and an explicit file does not exist
    /// (unless it may be overwritten).
    pub fn check(&self) -> Result<(), Error> {
        let (dir, file) = match self {
            Self::Directory(dir) => (dir.as_path(), None),
            Self::File { path, overwrite } => {
                let dir = path
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                (dir, (!overwrite).then_some(path))
            }
        };
        if !dir.is_dir() {
            return Err(Error::invalid(
                "to",
                format!("directory {} does not exist", dir.display()),
            ));
        }
        tempfile::Builder::new()
            .prefix(".vbo-probe-")
            .tempfile_in(dir)
            .map_err(|e| {
                Error::invalid(
                    "to",
                    format!("directory {} cannot be written: {e}", dir.display()),
                )
            })?;
        if let Some(file) = file
            && file.exists()
        {
            return Err(Error::invalid(
                "to",
                format!(
                    "{} already exists; choose another name or allow overwriting",
                    file.display()
                ),
            ));
        }
        Ok(())
    }
}

/// Progress of a download, for a UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Bytes written so far.
    pub done: u64,
    /// The announced size, when the server sent one.
    pub total: Option<u64>,
}

/// A file saved in full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedFile {
    /// Where it is.
    pub path: PathBuf,
    /// What it is.
    pub kind: FileKind,
    /// Its size in bytes.
    pub bytes: u64,
}

impl FileDownload {
    /// Streams the file to `destination`, calling `progress` after each piece. `item_id`
    /// names the file when the destination is a directory.
    pub async fn save(
        mut self,
        destination: &Destination,
        item_id: &str,
        mut progress: impl FnMut(Progress),
    ) -> Result<SavedFile, Error> {
        destination.check()?;
        let (dir, target, overwrite) = match destination {
            Destination::Directory(dir) => (
                dir.clone(),
                free_name(dir, &file_stem(item_id), self.kind().extension()),
                false,
            ),
            Destination::File { path, overwrite } => {
                let dir = path
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                (dir.to_path_buf(), path.clone(), *overwrite)
            }
        };
        let temp = tempfile::Builder::new()
            .prefix(".vbo-download-")
            .suffix(".part")
            .tempfile_in(&dir)
            .map_err(|e| {
                Error::io(
                    &format!("creating a temporary file in {}", dir.display()),
                    e,
                )
            })?;
        let writing = || format!("writing {}", temp.path().display());
        let file = temp
            .as_file()
            .try_clone()
            .map_err(|e| Error::io(&writing(), e))?;
        let mut writer = Writer::spawn(file);
        let total = self.length();
        let mut done = 0u64;
        progress(Progress { done, total });
        while let Some(chunk) = self.next_chunk().await? {
            done += chunk.len() as u64;
            if writer.queue.send(Piece::Chunk(chunk)).await.is_err() {
                break; // the writer failed; its error is reported below
            }
            progress(Progress { done, total });
        }
        writer
            .finish()
            .await
            .map_err(|e| Error::io(&writing(), e))?;
        let target = place(temp, target, overwrite, destination, item_id, self.kind())?;
        tracing::info!(path = %target.display(), bytes = done, kind = ?self.kind(), "saved");
        Ok(SavedFile {
            path: target,
            kind: self.kind(),
            bytes: done,
        })
    }
}

/// Renames the complete download into place. In a directory, a name taken meanwhile (another
/// item of a bulk run with the same file name, say) moves on to the next free name, so that a
/// finished download is never thrown away for its name.
fn place(
    mut temp: tempfile::NamedTempFile,
    mut target: PathBuf,
    overwrite: bool,
    destination: &Destination,
    item_id: &str,
    kind: FileKind,
) -> Result<PathBuf, Error> {
    let moving =
        |target: &Path, e| Error::io(&format!("moving the download to {}", target.display()), e);
    if overwrite {
        temp.persist(&target)
            .map_err(|e| moving(&target, e.error))?;
        return Ok(target);
    }
    for _ in 0..1000 {
        match temp.persist_noclobber(&target) {
            Ok(_) => return Ok(target),
            Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {
                let Destination::Directory(dir) = destination else {
                    return Err(moving(&target, e.error));
                };
                temp = e.file;
                target = free_name(dir, &file_stem(item_id), kind.extension());
            }
            Err(e) => return Err(moving(&target, e.error)),
        }
    }
    Err(Error::io(
        &format!("finding a free file name in {}", target.display()),
        std::io::Error::from(std::io::ErrorKind::AlreadyExists),
    ))
}

enum Piece {
    Chunk(Bytes),
    Finish,
}

/// Writes the file on a blocking thread, so that the async side only hands over the body's
/// pieces: no copy into a second buffer, no trip through the blocking pool per write (both
/// cost the earlier `tokio::fs` version a third of curl's throughput, see docs/bench.md). The
/// bounded queue keeps memory constant whatever the file size.
struct Writer {
    queue: tokio::sync::mpsc::Sender<Piece>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Writer {
    fn spawn(mut file: std::fs::File) -> Self {
        let (queue, mut pieces) = tokio::sync::mpsc::channel(QUEUE);
        let task = tokio::task::spawn_blocking(move || {
            loop {
                match pieces.blocking_recv() {
                    Some(Piece::Chunk(chunk)) => file.write_all(&chunk)?,
                    Some(Piece::Finish) => break,
                    // The download was dropped (an error upstream, or Ctrl-C): stop writing.
                    None => return Err(std::io::Error::other("the download was cancelled")),
                }
            }
            // On disk before the rename, so that a crash never leaves a short file in place.
            file.sync_all()
        });
        Self { queue, task }
    }

    /// Writes what is queued, flushes and syncs the file, and reports the first write error.
    async fn finish(&mut self) -> std::io::Result<()> {
        let _ = self.queue.send(Piece::Finish).await;
        (&mut self.task)
            .await
            .map_err(|e| std::io::Error::other(format!("the writer thread failed: {e}")))?
    }
}

/// A file name from an item id: ids are base64-like, so `/` and anything unusual become `_`.
fn file_stem(item_id: &str) -> String {
    let mut stem: String = item_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_=.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    stem = stem.trim_start_matches('.').to_string();
    stem.truncate(200);
    if stem.is_empty() {
        "item".to_string()
    } else {
        stem
    }
}

/// `<stem>.<ext>`, or `<stem> (2).<ext>` and so on when taken.
fn free_name(dir: &Path, stem: &str, extension: &str) -> PathBuf {
    let first = dir.join(format!("{stem}.{extension}"));
    if !first.exists() {
        return first;
    }
    (2..)
        .map(|n| dir.join(format!("{stem} ({n}).{extension}")))
        .find(|p| !p.exists())
        .expect("some number is free")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_ids_become_safe_file_names() {
        assert_eq!(file_stem("AAAA-b_c+d/e=="), "AAAA-b_c_d_e==");
        assert_eq!(file_stem("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(file_stem(""), "item");
        assert_eq!(file_stem(&"x".repeat(300)).len(), 200);
    }

    /// Two items of a bulk run can pick the same free name before either is saved; the
    /// second must move on to the next name, not lose its finished download.
    #[test]
    fn a_name_taken_meanwhile_moves_to_the_next_free_name() {
        let dir = tempfile::tempdir().unwrap();
        let taken = dir.path().join("a_b.pst");
        let destination = Destination::Directory(dir.path().into());
        let temp = tempfile::NamedTempFile::new_in(dir.path()).unwrap();
        std::fs::write(temp.path(), b"second").unwrap();
        std::fs::write(&taken, b"first").unwrap(); // taken after the name was chosen
        let placed = place(
            temp,
            taken.clone(),
            false,
            &destination,
            "a/b",
            FileKind::Pst,
        )
        .unwrap();
        assert_eq!(placed, dir.path().join("a_b (2).pst"));
        assert_eq!(std::fs::read(&taken).unwrap(), b"first");
        assert_eq!(std::fs::read(&placed).unwrap(), b"second");

        // An explicit file is never replaced, and says so.
        let file = Destination::File {
            path: taken.clone(),
            overwrite: false,
        };
        let temp = tempfile::NamedTempFile::new_in(dir.path()).unwrap();
        let error = place(temp, taken.clone(), false, &file, "a/b", FileKind::Pst).unwrap_err();
        assert!(error.is_io(), "{error:?}");
        assert_eq!(std::fs::read(&taken).unwrap(), b"first");
    }
}
