//! What an action returns, checked against the action that was sent.
//!
//! The Action endpoint answers 200 with a file, JSON restore statistics or no body, depending
//! on the action (see `crates/codegen/src/view.rs`, rule 1), so the generated method hands back the raw
//! stream. Each action's answer is read by the one reader for its outcome: a file action that
//! gets JSON or nothing, or a restore that gets no statistics, is an error that says what came
//! back, never a success of another kind.

use std::time::Duration;

use bytes::BytesMut;
use progenitor_client::{ByteStream, ResponseValue};
use reqwest::header::CONTENT_TYPE;

use crate::file_download::next;
use crate::generated::types::RestoreStatistics;
use crate::{ActionKind, Error, FileDownload, FileKind};

/// Largest JSON body read into memory; real restore statistics are under 1 KiB.
const MAX_JSON_BODY: usize = 1 << 20;

/// The outcome of an [`crate::Action`] whose kind is known only at run time, for example one
/// chosen on a command line. Each variant knows its action ([`ActionOutcome::action`]), and
/// [`crate::Client::perform_action`] only ever builds the variant of the action it sent. With
/// a typed action ([`crate::ItemAction`]) the compiler knows the outcome instead.
#[derive(Debug)]
pub enum ActionOutcome {
    /// `exportToPst` (a PST or a ZIP of PSTs) or `savetoMsg` (an MSG): a file to stream.
    File(FileDownload),
    /// `restoretoOriginallocation` or `restoreTo`: what the restore did.
    Restored(Restored),
    /// `sendtoDefaultaddress` or `sendtoDifferentaddress`: the server took the mail.
    Sent(Sent),
}

impl ActionOutcome {
    /// The action this is the outcome of.
    pub fn action(&self) -> ActionKind {
        match self {
            Self::File(file) => file.action(),
            Self::Restored(restored) => restored.action(),
            Self::Sent(sent) => sent.action(),
        }
    }
}

/// What a restore did: the server's statistics, for the restore that was sent.
#[derive(Debug, Clone)]
pub struct Restored {
    pub(crate) action: ActionKind,
    pub(crate) statistics: RestoreStatistics,
    /// v8's `restoredItemsCount`, which does not tell created from merged items.
    pub(crate) restored: Option<u64>,
    /// v8's `errors`.
    pub(crate) errors: Vec<String>,
}

impl Restored {
    /// `restoretoOriginallocation` or `restoreTo`.
    pub fn action(&self) -> ActionKind {
        self.action
    }

    /// The counts as the server sent them.
    pub fn statistics(&self) -> &RestoreStatistics {
        &self.statistics
    }

    /// Items the server could not restore (`failedItemsCount`, 0 when absent).
    pub fn failed_items(&self) -> u64 {
        count(self.statistics.failed_items_count)
    }

    /// Why the restore stopped before its end (`cannotContinueError`, sent by v6 and later
    /// servers), if it did.
    pub fn cannot_continue(&self) -> Option<&str> {
        self.statistics
            .cannot_continue_error
            .as_deref()
            .filter(|text| !text.trim().is_empty())
    }

    /// Errors met on single items (`exceptions`, sent by v6 and later servers).
    pub fn exceptions(&self) -> &[String] {
        self.statistics.exceptions.as_deref().unwrap_or_default()
    }

    /// Warnings of the restore (`warnings`, sent by v6 and later servers); they do not make it
    /// incomplete.
    pub fn warnings(&self) -> &[String] {
        self.statistics.warnings.as_deref().unwrap_or_default()
    }

    /// Errors of the restore as a whole (`errors`, sent by v8 and later servers).
    pub fn errors(&self) -> &[String] {
        &self.errors
    }

    /// v8's `restoredItemsCount`, where the server sent it instead of the created and merged
    /// counts.
    pub fn restored_count(&self) -> Option<u64> {
        self.restored
    }

    /// Items restored, created or merged: `createdItemsCount` + `mergedItemsCount`, or v8's
    /// `restoredItemsCount` (v8 does not tell the two apart, and leaves both counts out).
    pub fn restored_items(&self) -> u64 {
        self.restored.unwrap_or_else(|| {
            count(self.statistics.created_items_count) + count(self.statistics.merged_items_count)
        })
    }

    /// Whether every item was restored, merged or skipped: a restore with failed items, item
    /// errors or an early stop ran, but it is not a success.
    pub fn is_complete(&self) -> bool {
        self.failed_items() == 0
            && self.exceptions().is_empty()
            && self.errors.is_empty()
            && self.cannot_continue().is_none()
    }

    /// The statistics, by value.
    pub fn into_statistics(self) -> RestoreStatistics {
        self.statistics
    }
}

/// A send the server accepted (200 or 204, no body).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    action: ActionKind,
}

impl Sent {
    /// `sendtoDefaultaddress` or `sendtoDifferentaddress`.
    pub fn action(&self) -> ActionKind {
        self.action
    }
}

fn count(value: Option<i64>) -> u64 {
    value.map_or(0, |v| v.max(0).unsigned_abs())
}

/// A success status of the Action endpoint, before it is read as an outcome. The v4 spec
/// declares 200; later versions answer sends with 204, which the generated client reports
/// as unexpected, so it is carried here on its own. Public only to appear in the sealed
/// [`crate::ItemAction`]; this module is private, so no other crate can name it.
#[doc(hidden)]
pub enum Answer {
    Body(ResponseValue<ByteStream>),
    NoContent,
    /// A restore that ran after its answer, waited for (v8's asynchronous restores).
    Restored(Box<Restored>),
}

/// Reads the answer to a file action: a file of one of `kinds`, or an error naming what came.
pub(crate) async fn file(
    action: ActionKind,
    kinds: &[FileKind],
    answer: Answer,
    idle_timeout: Option<Duration>,
) -> Result<FileDownload, Error> {
    let wanted = kinds
        .iter()
        .map(|k| k.extension().to_ascii_uppercase())
        .collect::<Vec<_>>()
        .join(" or ");
    let unexpected = |what: String| {
        Error::decode(format!(
            "the server answered {what} instead of a {wanted} file; nothing was saved"
        ))
    };
    let response = match answer {
        Answer::NoContent => return Err(unexpected("204 No Content".into())),
        Answer::Restored(_) => return Err(unexpected("restore statistics".into())),
        Answer::Body(response) => response,
    };
    let length = response.content_length();
    if is_json(&response) {
        let body = read_bounded(response.into_inner(), idle_timeout).await?;
        return Err(unexpected(format!("200 with JSON ({} bytes)", body.len())));
    }
    let mut stream = response.into_inner();
    // Read until the magic bytes are in hand, or the body ends.
    let mut head = BytesMut::new();
    while head.len() < FileKind::MAGIC_LEN {
        match next(&mut stream, idle_timeout).await? {
            Some(chunk) => head.extend_from_slice(&chunk),
            None => break,
        }
    }
    if head.is_empty() {
        return Err(match length {
            Some(length) if length > 0 => {
                Error::body_message(format!("the body ended after 0 of {length} bytes"))
            }
            _ => unexpected("200 with an empty body".into()),
        });
    }
    let kind = FileKind::detect(&head);
    if !kinds.contains(&kind) {
        let start: Vec<String> = head
            .iter()
            .take(FileKind::MAGIC_LEN)
            .map(|b| format!("{b:02X}"))
            .collect();
        return Err(unexpected(format!(
            "200 with a body that starts with the bytes {}",
            start.join(" ")
        )));
    }
    Ok(FileDownload::new(
        action,
        kind,
        length,
        head.freeze(),
        stream,
        idle_timeout,
    ))
}

/// Reads the answer to a restore: its statistics. Anything else is an error that says the
/// restore was accepted and may have run, so that nobody runs it again blindly.
pub(crate) async fn restored(
    action: ActionKind,
    answer: Answer,
    idle_timeout: Option<Duration>,
) -> Result<Restored, Error> {
    let unexpected = |what: String| {
        Error::decode(format!(
            "the server accepted the restore and it may have run, but answered {what} instead \
             of restore statistics; check the target mailbox before running it again"
        ))
    };
    let response = match answer {
        Answer::NoContent => return Err(unexpected("204 No Content".into())),
        Answer::Restored(restored) if restored.action == action => return Ok(*restored),
        Answer::Restored(restored) => {
            return Err(unexpected(format!(
                "the statistics of {}",
                restored.action.wire_name()
            )));
        }
        Answer::Body(response) => response,
    };
    let body = read_bounded(response.into_inner(), idle_timeout)
        .await
        .map_err(|e| {
            e.with_context(
                "the restore was accepted and may have run; its statistics broke off".into(),
            )
        })?;
    if body.is_empty() {
        return Err(unexpected("200 with an empty body".into()));
    }
    let statistics: RestoreStatistics = serde_json::from_slice(&body).map_err(|e| {
        unexpected(format!(
            "200 with a body that is not JSON statistics ({})",
            crate::redact::serde_error(&e)
        ))
    })?;
    let RestoreStatistics {
        created_items_count,
        merged_items_count,
        failed_items_count,
        skipped_items_count,
        warnings,
        exceptions,
        cannot_continue_error,
    } = &statistics;
    if [
        created_items_count,
        merged_items_count,
        failed_items_count,
        skipped_items_count,
    ]
    .iter()
    .all(|c| c.is_none())
        && warnings.is_none()
        && exceptions.is_none()
        && cannot_continue_error.is_none()
    {
        // The schema makes every property optional, but an object with none of them says
        // nothing about what happened.
        return Err(unexpected(
            "200 with JSON that holds none of the counts".into(),
        ));
    }
    Ok(Restored {
        action,
        statistics,
        restored: None,
        errors: Vec::new(),
    })
}

/// Reads the answer to a send: 200 or 204, any body ignored.
pub(crate) fn sent(action: ActionKind, _answer: Answer) -> Sent {
    Sent { action }
}

pub(crate) fn is_json(response: &ResponseValue<ByteStream>) -> bool {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|media| media == "application/json" || media.ends_with("+json"))
}

pub(crate) async fn read_bounded(
    mut stream: ByteStream,
    idle_timeout: Option<Duration>,
) -> Result<BytesMut, Error> {
    let mut body = BytesMut::new();
    while let Some(chunk) = next(&mut stream, idle_timeout).await? {
        if body.len() + chunk.len() > MAX_JSON_BODY {
            return Err(Error::decode("the JSON body is larger than 1 MiB"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
