//! v8's asynchronous restores: a restore route answers `{sessionId}` at once, and the restore
//! runs for [`crate::sim::SimConfig::restore_delay`]; `getRestoreStatistics` shows it in
//! progress until then, and its outcome after.
//!
//! A restore is kept here with what it will do (each item and its plan). It is applied to
//! the production mailboxes exactly once, by the first use of the state after its time has
//! come ([`Restores::settle`], called under the state's lock): nothing can see the production
//! side without that lock, so it changes, for every observer, when the restore ends, and no
//! background task is needed that a shutdown could cut short.

use std::time::Instant;

use uuid::Uuid;

use super::data::ItemData;
use super::state::{Counts, RestorePlan};

/// One item of a restore and how it is restored.
#[derive(Debug, Clone)]
pub struct Step {
    pub item: ItemData,
    pub plan: RestorePlan,
}

/// What a restore did to one item.
#[derive(Debug, Clone)]
pub struct ItemOutcome {
    pub item_id: String,
    pub subject: String,
    /// The folder it was restored to.
    pub folder: String,
    /// The production mailbox it was restored to.
    pub target_mailbox: Uuid,
    pub counts: Counts,
}

/// A restore that was started.
#[derive(Debug)]
struct Restore {
    /// The id its answer gave (`sessionId`).
    id: Uuid,
    /// The restore session (explore) it runs in.
    session: Uuid,
    /// When it ends.
    due: Instant,
    /// How many items it processes.
    total: i64,
    /// What it will do; emptied once done.
    steps: Vec<Step>,
    /// What it did, once done.
    outcome: Option<Vec<ItemOutcome>>,
}

/// A restore's statistics as `getRestoreStatistics` shows them: while it runs, its total and
/// nothing processed yet; once done, its counts and each item's outcome.
#[derive(Debug, Clone, Default)]
pub struct Statistics {
    pub total: i64,
    pub restored: i64,
    pub failed: i64,
    pub skipped: i64,
    pub items: Vec<ItemOutcome>,
}

impl Statistics {
    fn add(&mut self, restore: &Restore) {
        self.total += restore.total;
        for item in restore.outcome.iter().flatten() {
            self.restored += item.counts.created + item.counts.merged;
            self.skipped += item.counts.skipped;
            self.items.push(item.clone());
        }
    }
}

/// Every asynchronous restore started, oldest first.
#[derive(Debug, Default)]
pub struct Restores {
    list: Vec<Restore>,
}

impl Restores {
    /// Starts a restore of `steps` in `session` that ends at `due`; its id.
    pub fn start(&mut self, session: Uuid, steps: Vec<Step>, due: Instant) -> Uuid {
        let id = Uuid::new_v4();
        self.list.push(Restore {
            id,
            session,
            due,
            total: i64::try_from(steps.len()).unwrap_or(i64::MAX),
            steps,
            outcome: None,
        });
        id
    }

    /// Applies, with `apply`, every restore whose time has come at `now` and that has not run
    /// yet, in the order they end (then started): each runs exactly once.
    pub fn settle(
        &mut self,
        now: Instant,
        mut apply: impl FnMut(&ItemData, &RestorePlan) -> Counts,
    ) {
        if !self
            .list
            .iter()
            .any(|r| r.outcome.is_none() && r.due <= now)
        {
            return;
        }
        let mut due: Vec<usize> = (0..self.list.len())
            .filter(|&i| self.list[i].outcome.is_none() && self.list[i].due <= now)
            .collect();
        due.sort_by_key(|&i| (self.list[i].due, i));
        for i in due {
            let restore = &mut self.list[i];
            let outcome = std::mem::take(&mut restore.steps)
                .into_iter()
                .map(|step| ItemOutcome {
                    counts: apply(&step.item, &step.plan),
                    item_id: step.item.id,
                    subject: step.item.subject,
                    folder: step.plan.folder,
                    target_mailbox: step.plan.target_mailbox,
                })
                .collect();
            restore.outcome = Some(outcome);
        }
    }

    /// The statistics of the restore `id`, or, for a restore session's id, of every restore
    /// started in it (none yet: all zero); `None` if neither is known.
    pub fn statistics(&self, id: Uuid, is_session: bool) -> Option<Statistics> {
        if let Some(restore) = self.list.iter().find(|r| r.id == id) {
            let mut statistics = Statistics::default();
            statistics.add(restore);
            return Some(statistics);
        }
        is_session.then(|| {
            let mut statistics = Statistics::default();
            for restore in self.list.iter().filter(|r| r.session == id) {
                statistics.add(restore);
            }
            statistics
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::sim::data::Catalog;

    #[test]
    fn a_restore_shows_its_total_until_due_then_runs_exactly_once() {
        let catalog = Catalog::generate_with(1, 0);
        let mailbox = &catalog.mailboxes[0];
        let steps: Vec<Step> = mailbox.items[..3]
            .iter()
            .map(|item| Step {
                item: item.clone(),
                plan: RestorePlan {
                    target_mailbox: mailbox.id,
                    folder: item.folder_path.clone(),
                    ..RestorePlan::default()
                },
            })
            .collect();
        let start = Instant::now();
        let session = Uuid::new_v4();
        let mut restores = Restores::default();
        let id = restores.start(session, steps, start + Duration::from_secs(60));
        let mut applied = 0;
        let mut apply = |_: &ItemData, _: &RestorePlan| {
            applied += 1;
            Counts {
                created: 1,
                ..Counts::default()
            }
        };
        restores.settle(start, &mut apply);
        let running = restores.statistics(id, false).unwrap();
        assert_eq!(
            (running.total, running.restored, running.items.len()),
            (3, 0, 0)
        );
        restores.settle(start + Duration::from_secs(61), &mut apply);
        restores.settle(start + Duration::from_secs(62), &mut apply);
        assert_eq!(applied, 3, "each item once");
        let done = restores.statistics(id, false).unwrap();
        assert_eq!((done.total, done.restored, done.skipped), (3, 3, 0));
        assert_eq!(done.items.len(), 3);
        // The session's statistics add up its restores; an unknown id has none.
        assert_eq!(restores.statistics(session, true).unwrap().restored, 3);
        assert!(restores.statistics(Uuid::new_v4(), false).is_none());
        assert_eq!(restores.statistics(Uuid::new_v4(), true).unwrap().total, 0);
    }
}
