//! Whole lists, read page by page to the end. The server pages every list (30 results by
//! default), and clients that read only the first page have shown users 980 of 1,900
//! mailboxes; these methods follow the pages for the caller.

use std::future::Future;
use std::num::NonZeroU32;

use crate::generated::types;
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

async fn collect<P, F, Fut>(mut fetch: F) -> Result<Vec<P::Item>, Error>
where
    P: Page,
    F: FnMut(i32) -> Fut,
    Fut: Future<Output = Result<P, Error>>,
{
    let mut all = Vec::new();
    for _ in 0..MAX_PAGES {
        let offset = i32::try_from(all.len()).map_err(|_| {
            Error::decode("the list has more results than an int32 offset can reach")
        })?;
        let page = fetch(offset).await?;
        // A server that ignores `offset` and keeps linking a next page would repeat its first
        // page until MAX_PAGES: millions of duplicates.
        if page.offset() != offset {
            return Err(Error::decode(format!(
                "asked for the page at offset {offset}, the server answered the page at offset \
                 {}; it does not page as the spec says",
                page.offset()
            )));
        }
        let (results, more) = page.into_parts();
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
            self.api()
                .list_restore_sessions()
                .offset(offset)
                .limit(PAGE_SIZE)
                .call()
                .await
        })
        .await
    }

    /// Every mailbox of the organization in a restore session.
    pub async fn all_mailboxes(&self, session: SessionId) -> Result<Vec<types::Mailbox>, Error> {
        collect(|offset| async move {
            self.api()
                .list_mailboxes()
                .restore_session_id(session)
                .offset(offset)
                .limit(PAGE_SIZE)
                .call()
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
            request.call().await
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
        collect(|offset| async move {
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
            request.call().await
        })
        .await
    }
}
