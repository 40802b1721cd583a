//! The production copy of one mailbox: what restores put there, in the order they put it,
//! found by item and folder in constant time, so that restoring a whole mailbox of many
//! items stays linear.

use std::collections::HashMap;

use uuid::Uuid;

use super::data::ItemData;
use super::state::{Counts, RestorePlan, RestoredItem};

/// The restored items of one mailbox.
#[derive(Debug, Default)]
pub struct Production {
    items: Vec<RestoredItem>,
    /// (item id, folder) to its place in `items`.
    index: HashMap<(String, String), usize>,
}

impl Production {
    /// The item restored from `item_id` into `folder`, if any.
    pub fn get_mut(&mut self, item_id: &str, folder: &str) -> Option<&mut RestoredItem> {
        let at = *self.index.get(&(item_id.to_string(), folder.to_string()))?;
        self.items.get_mut(at)
    }

    /// Adds a restored item (one that `get_mut` did not find).
    pub fn push(&mut self, item: RestoredItem) {
        self.index.insert(
            (item.item_id.clone(), item.folder.clone()),
            self.items.len(),
        );
        self.items.push(item);
    }

    /// Every restored item, in the order it was first restored.
    pub fn items(&self) -> &[RestoredItem] {
        &self.items
    }
}

/// Whether `plan` leaves `item` out (`excludeDrafts`, `excludeDeletedItems`).
pub fn is_excluded(item: &ItemData, plan: &RestorePlan) -> bool {
    (plan.exclude_drafts && item.folder_path == "Drafts")
        || (plan.exclude_deleted_items && item.folder_path == "Deleted Items")
}

/// Restores `item` into the production mailboxes as `plan` says: created the first time,
/// merged when it changed since (and `changedItems`), skipped otherwise.
pub fn restore_into(
    production: &mut HashMap<Uuid, Production>,
    item: &ItemData,
    plan: &RestorePlan,
) -> Counts {
    let mut counts = Counts::default();
    if is_excluded(item, plan) {
        counts.skipped = 1;
        return counts;
    }
    let mailbox = production.entry(plan.target_mailbox).or_default();
    match mailbox.get_mut(&item.id, &plan.folder) {
        None => {
            mailbox.push(RestoredItem {
                item_id: item.id.clone(),
                folder: plan.folder.clone(),
                subject: item.subject.clone(),
                unread: plan.mark_unread,
                changed_since_restore: false,
                restores: 1,
            });
            counts.created = 1;
        }
        Some(existing) if existing.changed_since_restore && plan.changed_items => {
            existing.changed_since_restore = false;
            existing.unread = plan.mark_unread;
            existing.restores += 1;
            counts.merged = 1;
        }
        Some(_) => counts.skipped = 1,
    }
    counts
}
