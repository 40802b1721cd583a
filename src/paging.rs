//! Whole lists, read page by page to the end. The server pages every list (30 results by
//! default), and clients that read only the first page have shown users 980 of 1,900
//! mailboxes; these methods follow the pages for the caller.

use std::future::Future;
use std::num::NonZeroU32;

use crate::generated::operations::Operation;
use crate::generated::types;
use crate::versioned::Call;
use crate::{Client, Error, MailboxId, SessionId};

/// Results asked for per request: the server's maximum in practice, to keep requests few.
const PAGE_SIZE: NonZeroU32 = NonZeroU32::new(100).expect("non-zero");
/// A bound on pages read, so that a server that never ends its list cannot loop us forever.
const MAX_PAGES: usize = 100_000;

/// A page of the spec: its results, and whether another page follows.
trait Page {
    type Item;
    /// Where the page starts, as the server says.
    fn offset(&self) -> i32;
    fn into_parts(self) -> (Vec<Self::Item>, bool);
}

macro_rules! page {
    ($page:ty => $item:ty) => {
        impl Page for $page {
            type Item = $item;
            fn offset(&self) -> i32 {
                self.offset
            }
            fn into_parts(self) -> (Vec<$item>, bool) {
                let more = match self.links.as_ref() {
                    // `next` is the server's word when it sends links at all.
                    Some(links) => links.next.is_some(),
                    None => {
                        i64::try_from(self.results.len()).unwrap_or(i64::MAX)
                            >= i64::from(self.limit)
                    }
                };
                (self.results, more && self.limit > 0)
            }
        }
    };
}

page!(types::RestoreSessionPage => types::RestoreSession);
page!(types::MailboxPage => types::Mailbox);
page!(types::FolderPage => types::MailboxFolder);
page!(types::ItemPage => types::MailboxItem);

/// Every result of a paged list: `fetch(offset)` gets one page, until a page says it is the
/// last (no `next` link, or fewer results than its limit) or comes back empty.
async fn collect<P, F, Fut>(mut fetch: F) -> Result<Vec<P::Item>, Error>
where
    P: Page,
    F: FnMut(i32) -> Fut,
    Fut: Future<Output = Result<P, Error>>,
{
    collect_pages(|offset| {
        let page = fetch(offset);
        async move {
            let page = page.await?;
            let offset = page.offset();
            let (results, more) = page.into_parts();
            Ok((offset, results, more))
        }
    })
    .await
}

/// [`collect`] over pages that `fetch` has read: (their offset, their results, whether more
/// follow).
pub(crate) async fn collect_pages<T, F, Fut>(mut fetch: F) -> Result<Vec<T>, Error>
where
    F: FnMut(i32) -> Fut,
    Fut: Future<Output = Result<(i32, Vec<T>, bool), Error>>,
{
    let mut all = Vec::new();
    for _ in 0..MAX_PAGES {
        let offset = i32::try_from(all.len()).map_err(|_| {
            Error::decode("the list has more results than an int32 offset can reach")
        })?;
        let (answered, results, more) = fetch(offset).await?;
        if answered != offset {
            return Err(Error::decode(format!(
                "asked for the page at offset {offset}, the server answered the page at offset \
                 {answered}; it does not page as the spec says"
            )));
        }
        let empty = results.is_empty();
        all.extend(results);
        if !more || empty {
            return Ok(all);
        }
    }
    Err(Error::decode(format!(
        "the list did not end after {MAX_PAGES} pages"
    )))
}

impl Client {
    /// Every restore session.
    pub async fn all_restore_sessions(&self) -> Result<Vec<types::RestoreSession>, Error> {
        collect(|offset| async move {
            let call = page(Operation::ListRestoreSessions, offset);
            self.read(call, || {
                self.api()
                    .list_restore_sessions()
                    .offset(offset)
                    .limit(PAGE_SIZE)
                    .call()
            })
            .await
        })
        .await
    }

    /// Every mailbox of the organization in a restore session.
    pub async fn all_mailboxes(&self, session: SessionId) -> Result<Vec<types::Mailbox>, Error> {
        collect(|offset| async move {
            let call = page(Operation::ListMailboxes, offset).path("restoreSessionId", session);
            self.read(call, || {
                self.api()
                    .list_mailboxes()
                    .restore_session_id(session)
                    .offset(offset)
                    .limit(PAGE_SIZE)
                    .call()
            })
            .await
        })
        .await
    }

    /// Every folder of a mailbox under `parent` (the top-level folders when `None`).
    pub async fn all_folders(
        &self,
        session: SessionId,
        mailbox: MailboxId,
        parent: Option<&str>,
    ) -> Result<Vec<types::MailboxFolder>, Error> {
        if let Some(parent) = parent {
            crate::validate::not_empty("parentId", parent)?;
        }
        collect(|offset| async move {
            let mut call = page(Operation::ListMailboxFolders, offset)
                .path("restoreSessionId", session)
                .path("mailboxId", mailbox);
            if let Some(parent) = parent {
                call = call.query("parentId", parent);
            }
            self.read(call, || {
                let mut request = self
                    .api()
                    .list_mailbox_folders()
                    .restore_session_id(session)
                    .mailbox_id(mailbox)
                    .offset(offset)
                    .limit(PAGE_SIZE);
                if let Some(parent) = parent {
                    request = request.parent_id(parent);
                }
                request.call()
            })
            .await
        })
        .await
    }

    /// Every item of a mailbox, or of one of its folders.
    pub async fn all_items(
        &self,
        session: SessionId,
        mailbox: MailboxId,
        folder: Option<&str>,
    ) -> Result<Vec<types::MailboxItem>, Error> {
        if let Some(folder) = folder {
            crate::validate::not_empty("folderId", folder)?;
        }
        let version = self.api_version().await?;
        collect(|offset| async move {
            let mut call = page(Operation::ListMailboxItems, offset)
                .path("restoreSessionId", session)
                .path("mailboxId", mailbox);
            if let Some(folder) = folder {
                call = call.query(folder_filter(version)?, folder);
            }
            self.read(call, || {
                let mut request = self
                    .api()
                    .list_mailbox_items()
                    .restore_session_id(session)
                    .mailbox_id(mailbox)
                    .offset(offset)
                    .limit(PAGE_SIZE);
                if let Some(folder) = folder {
                    request = request.folder_id(folder);
                }
                request.call()
            })
            .await
        })
        .await
    }
}

/// The request for the page at `offset` of a list.
pub(crate) fn page(operation: Operation, offset: i32) -> Call {
    Call::new(operation)
        .query("offset", offset)
        .query("limit", PAGE_SIZE)
}

/// The query parameter that filters the item list by folder in `version`: `folderId` until
/// v7 renamed it `parentId` (read from the spec's parameters, not from a version number).
fn folder_filter(version: crate::ApiVersion) -> Result<&'static str, Error> {
    const NAMES: [&str; 2] = ["parentId", "folderId"];
    Operation::ListMailboxItems
        .query_parameters(version)
        .iter()
        .copied()
        .find(|name| NAMES.contains(name))
        .ok_or_else(|| {
            Error::invalid(
                "folderId",
                format!("API {version} cannot filter the item list by folder"),
            )
        })
}
