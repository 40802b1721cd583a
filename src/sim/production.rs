//! The production copy of one mailbox: what restores put there, in the order they put it,
//! found by item and folder in constant time, so that restoring a whole mailbox of many
//! items stays linear.

use std::collections::HashMap;

use super::state::RestoredItem;

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
