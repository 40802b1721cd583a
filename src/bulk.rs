//! One action on many items, with a concurrency limit, a result per item, and no item's
//! failure stopping the others.

use std::path::PathBuf;

use futures_util::StreamExt as _;

use crate::download::{Destination, SavedFile};
use crate::{Action, ActionOutcome, Client, Error, ItemIds, MailboxId, Restored, Sent, SessionId};

/// What one item of a bulk run came to.
#[derive(Debug)]
pub enum BulkOutcome {
    /// An export or save, written to disk.
    Saved(SavedFile),
    /// A restore, with its statistics (see [`Restored::is_complete`]).
    Restored(Restored),
    /// A send the server accepted.
    Sent(Sent),
}

/// How a bulk run goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkOptions {
    /// Items in flight at once (at least 1).
    pub concurrency: usize,
    /// Where files go, for the actions that return files (`exportToPst`, `savetoMsg`).
    pub directory: Option<PathBuf>,
}

/// The result for one item, in the order the items were given.
#[derive(Debug)]
pub struct BulkItem {
    /// The item.
    pub item_id: String,
    /// What happened to it.
    pub result: Result<BulkOutcome, Error>,
}

impl Client {
    /// Performs `action` on every item, at most `options.concurrency` at a time. Files (PST,
    /// MSG) are saved into `options.directory`, which file actions require. `on_item` sees each
    /// result as it completes, for progress. Fails before sending anything when the input is
    /// invalid; after that, every item gets its own result.
    pub async fn perform_bulk(
        &self,
        restore_session_id: SessionId,
        mailbox_id: MailboxId,
        item_ids: Vec<String>,
        action: &Action,
        options: &BulkOptions,
        mut on_item: impl FnMut(&BulkItem),
    ) -> Result<Vec<BulkItem>, Error> {
        let concurrency = options.concurrency;
        if concurrency == 0 {
            return Err(Error::invalid("concurrency", "must be at least 1"));
        }
        let mut first_seen = std::collections::HashMap::new();
        for (index, id) in item_ids.iter().enumerate() {
            crate::validate::item_id(&format!("itemIds[{index}]"), id)?;
            // The same item twice would restore or send it twice.
            if let Some(first) = first_seen.insert(id.as_str(), index) {
                return Err(Error::invalid(
                    format!("itemIds[{index}]"),
                    format!("repeats itemIds[{first}]: each item may appear once"),
                ));
            }
        }
        let destination = destination(action, options)?;
        let destination = destination.as_ref();
        let mut results: Vec<(usize, BulkItem)> =
            futures_util::stream::iter(item_ids.into_iter().enumerate())
                .map(|(index, item_id)| async move {
                    let result = self
                        .bulk_one(
                            restore_session_id,
                            mailbox_id,
                            &item_id,
                            action,
                            destination,
                        )
                        .await;
                    (index, BulkItem { item_id, result })
                })
                .buffer_unordered(concurrency)
                .inspect(|(_, item)| on_item(item))
                .collect()
                .await;
        results.sort_by_key(|(index, _)| *index);
        Ok(results.into_iter().map(|(_, item)| item).collect())
    }

    /// Performs `action` on every item in one multi-item request
    /// ([`Client::perform_action_on_items`]): one PST of all of them, one restore, one
    /// message, or their MSG files (a ZIP for several). A file is saved into
    /// `options.directory`, named for the number of items; `concurrency` does not apply.
    pub async fn perform_bulk_at_once(
        &self,
        restore_session_id: SessionId,
        mailbox_id: MailboxId,
        items: &ItemIds,
        action: &Action,
        options: &BulkOptions,
    ) -> Result<BulkOutcome, Error> {
        let destination = destination(action, options)?;
        let outcome = self
            .perform_action_on_items(restore_session_id, mailbox_id, items, action)
            .await?;
        let stem = format!("{}-items", items.len());
        saved(outcome, destination.as_ref(), &stem).await
    }

    async fn bulk_one(
        &self,
        session: SessionId,
        mailbox: MailboxId,
        item_id: &str,
        action: &Action,
        destination: Option<&Destination>,
    ) -> Result<BulkOutcome, Error> {
        let outcome = self
            .perform_action(session, mailbox, item_id, action)
            .await?;
        saved(outcome, destination, item_id).await
    }
}

/// Where the files of a bulk run go: a directory, which file actions require.
fn destination(action: &Action, options: &BulkOptions) -> Result<Option<Destination>, Error> {
    match (action.kind().changes_data(), options.directory.clone()) {
        (true, _) => Ok(None),
        (false, Some(dir)) => {
            let destination = Destination::Directory(dir);
            destination.check()?;
            Ok(Some(destination))
        }
        (false, None) => Err(Error::invalid(
            "to",
            format!(
                "{} returns files: a directory to save them in is required",
                action.kind().wire_name()
            ),
        )),
    }
}

/// The outcome of a bulk request, with a file saved under `stem` in the destination.
async fn saved(
    outcome: ActionOutcome,
    destination: Option<&Destination>,
    stem: &str,
) -> Result<BulkOutcome, Error> {
    match outcome {
        ActionOutcome::File(file) => {
            // A file comes only from a file action, which was given its directory above.
            let destination = destination.ok_or_else(|| {
                Error::invalid("to", "a directory to save the files in is required")
            })?;
            Ok(BulkOutcome::Saved(
                file.save(destination, stem, |_| {}).await?,
            ))
        }
        ActionOutcome::Restored(restored) => Ok(BulkOutcome::Restored(restored)),
        ActionOutcome::Sent(sent) => Ok(BulkOutcome::Sent(sent)),
    }
}
