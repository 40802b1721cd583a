//! The seeded backed-up data: deterministic for a seed, so that tests and demos can rely on
//! what they find, and varied enough to exercise paging, folders and awkward item ids.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use chrono::{DateTime, Duration, TimeZone, Utc};
use uuid::Uuid;

/// Everything the simulator's backups hold.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// ID of the one organization.
    pub organization_id: Uuid,
    /// Its name, such as `westsupport.onmicrosoft.com`.
    pub organization_name: String,
    /// When the organization's first backup ran: the daily job at 22:00, a week before the
    /// first seeded message, so that every seeded session has a backup to explore.
    pub first_backup: DateTime<Utc>,
    /// When its latest backup ran: the first daily run after the newest message, so that the
    /// backups hold every seeded item.
    pub last_backup: DateTime<Utc>,
    /// Restore sessions that exist when the simulator starts.
    pub sessions: Vec<SessionSeed>,
    /// The organization's backed-up mailboxes.
    pub mailboxes: Vec<MailboxData>,
}

/// A restore session that exists at start.
#[derive(Debug, Clone)]
pub struct SessionSeed {
    /// Its ID.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// When it started.
    pub created: DateTime<Utc>,
    /// When it stopped; `None` while it is working.
    pub ended: Option<DateTime<Utc>>,
}

/// A backed-up mailbox.
#[derive(Debug, Clone)]
pub struct MailboxData {
    /// Its ID.
    pub id: Uuid,
    /// Display name.
    pub name: String,
    /// Email address (an archive shares its owner's).
    pub email: String,
    /// Whether this is an archive mailbox.
    pub is_archive: bool,
    /// Its folders, parents before children.
    pub folders: Vec<FolderData>,
    /// Its items, in folder order.
    pub items: Vec<ItemData>,
}

impl MailboxData {
    /// The folder with this ID.
    pub fn folder(&self, id: &str) -> Option<&FolderData> {
        self.folders.iter().find(|f| f.id == id)
    }

    /// The item with this ID.
    pub fn item(&self, id: &str) -> Option<&ItemData> {
        self.items.iter().find(|i| i.id == id)
    }
}

/// A folder of a mailbox.
#[derive(Debug, Clone)]
pub struct FolderData {
    /// Its ID, base64-like.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its path from the mailbox root, such as `Inbox/Projects`.
    pub path: String,
    /// The parent folder's ID; `None` at the top.
    pub parent_id: Option<String>,
}

/// A person, as a sender or recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Display name.
    pub name: String,
    /// Email address.
    pub email: String,
}

/// A file attached to a message.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// File name.
    pub name: String,
    /// Its bytes.
    pub content: Vec<u8>,
}

/// A backed-up message.
#[derive(Debug, Clone)]
pub struct ItemData {
    /// Its ID: base64-like, holding `-`, `_` and `=`, or `+`, `/` and `=` for some.
    pub id: String,
    /// ID of its folder.
    pub folder_id: String,
    /// Path of its folder, such as `Inbox`.
    pub folder_path: String,
    /// Subject.
    pub subject: String,
    /// Sender.
    pub from: Person,
    /// Recipients.
    pub to: Vec<Person>,
    /// Copy recipients.
    pub cc: Vec<Person>,
    /// When it was sent.
    pub sent: DateTime<Utc>,
    /// When it was received.
    pub received: DateTime<Utc>,
    /// Plain-text body.
    pub body: String,
    /// Its one attachment.
    pub attachment: Attachment,
}

/// The people of the organization; the seed picks who writes to whom, not who exists.
const PEOPLE: [(&str, &str); 5] = [
    ("John Smith", "j_smith"),
    ("Rachel Clark", "r.clark"),
    ("Dana Johnes", "djohnes"),
    ("Ana Lopez", "a.lopez"),
    ("Wei Chen", "w.chen"),
];

const SUBJECTS: [&str; 12] = [
    "Support Tickets",
    "Quarterly report",
    "Server migration plan",
    "Re: Licence renewal",
    "Team offsite agenda",
    "Backup window change",
    "Fwd: Invoice 2020-031",
    "Exchange retention policy",
    "Welcome aboard",
    "Re: Support Tickets",
    "Password expiry notice",
    "Minutes of Monday's meeting",
];

const SENTENCES: [&str; 6] = [
    "Please find attached the files you requested.",
    "Could you review the numbers before Friday?",
    "The maintenance window moves to Saturday night.",
    "Let me know if anything is missing.",
    "Thanks for the quick turnaround on this one.",
    "I have added the details to the shared folder.",
];

/// A small deterministic generator (SplitMix64): the data must not change with a library's
/// algorithm, and ten lines do not justify a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }

    fn uuid(&mut self) -> Uuid {
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&self.bytes(16));
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }

    /// A base64-like Exchange id, drawn until it holds every character of `needed`.
    fn exchange_id(&mut self, standard_alphabet: bool, needed: &[char]) -> String {
        loop {
            // 34 bytes: 46 characters and `==` padding, like the ids of the real server.
            let bytes = self.bytes(34);
            let body = if standard_alphabet {
                STANDARD.encode(&bytes)
            } else {
                URL_SAFE.encode(&bytes)
            };
            let id = format!("AAAAA{body}");
            if needed.iter().all(|c| id.contains(*c)) {
                return id;
            }
        }
    }
}

/// Folders of every regular mailbox: (name, parent index).
const FOLDERS: [(&str, Option<usize>); 5] = [
    ("Inbox", None),
    ("Projects", Some(0)),
    ("Sent Items", None),
    ("Drafts", None),
    ("Deleted Items", None),
];

/// The organization's name.
pub const ORGANIZATION: &str = "westsupport.onmicrosoft.com";

impl Catalog {
    /// The data for `seed`.
    pub fn generate(seed: u64) -> Self {
        Self::generate_with(seed, 0)
    }

    /// The data for `seed`, with `extra_items` more messages in the first mailbox's Inbox
    /// (for bulk runs and benchmarks that need many distinct items).
    pub fn generate_with(seed: u64, extra_items: usize) -> Self {
        let mut rng = Rng(seed ^ 0x5642_4F33_3635_5349);
        let organization_id = rng.uuid();
        let base = Utc
            .with_ymd_and_hms(2020, 3, 1, 8, 0, 0)
            .single()
            .expect("a valid date");
        let sessions = vec![
            SessionSeed {
                id: rng.uuid(),
                name: "Exchange restore session".into(),
                created: base + Duration::days(1),
                ended: None,
            },
            SessionSeed {
                id: rng.uuid(),
                name: "Exchange restore session".into(),
                created: base - Duration::days(3),
                ended: Some(base - Duration::days(3) + Duration::minutes(42)),
            },
        ];
        let person = |index: usize| Person {
            name: PEOPLE[index].0.to_string(),
            email: format!("{}@{ORGANIZATION}", PEOPLE[index].1),
        };
        // (owner, archive, items per folder)
        let layout: [(usize, bool, [usize; 5]); 4] = [
            (0, false, [32 + extra_items, 2, 2, 1, 1]),
            (1, false, [4, 1, 1, 1, 1]),
            (2, false, [3, 1, 1, 1, 1]),
            (0, true, [3, 0, 0, 0, 0]),
        ];
        let mut mailboxes = Vec::new();
        let mut clock = base;
        for (mailbox_index, (owner, is_archive, counts)) in layout.into_iter().enumerate() {
            let owner_person = person(owner);
            // Rachel's ids use the standard alphabet, so that `+` and `/` reach the path.
            let standard_alphabet = mailbox_index == 1;
            let needed: &[char] = if standard_alphabet {
                &['+', '/', '=']
            } else {
                &['-', '_', '=']
            };
            let mut folders: Vec<FolderData> = Vec::new();
            for (name, parent) in FOLDERS {
                let parent = parent.map(|p| folders[p].clone());
                folders.push(FolderData {
                    id: rng.exchange_id(false, &['=']),
                    name: name.to_string(),
                    path: match &parent {
                        Some(p) => format!("{}/{name}", p.path),
                        None => name.to_string(),
                    },
                    parent_id: parent.map(|p| p.id),
                });
            }
            if is_archive {
                folders.truncate(1);
            }
            let mut items = Vec::new();
            for (folder_index, count) in counts.into_iter().enumerate() {
                let folder = folders.get(folder_index).cloned();
                let Some(folder) = folder else { continue };
                for n in 0..count {
                    clock += Duration::minutes(37 + rng.below(300) as i64);
                    let other = (owner + 1 + rng.below(PEOPLE.len() - 1)) % PEOPLE.len();
                    let outgoing = matches!(folder.name.as_str(), "Sent Items" | "Drafts");
                    let (from, to) = if outgoing {
                        (owner_person.clone(), person(other))
                    } else {
                        (person(other), owner_person.clone())
                    };
                    let third = (other + 1) % PEOPLE.len();
                    let cc = if rng.below(3) == 0 && third != owner {
                        vec![person(third)]
                    } else {
                        Vec::new()
                    };
                    let subject = SUBJECTS[rng.below(SUBJECTS.len())].to_string();
                    let sentence = SENTENCES[rng.below(SENTENCES.len())];
                    let first_name = to.name.split(' ').next().unwrap_or("there");
                    let body = format!(
                        "Hello {first_name},\r\n\r\n{sentence}\r\n\r\nRegards,\r\n{}\r\n",
                        from.name
                    );
                    let attachment = Attachment {
                        name: format!("notes-{}-{}.txt", mailbox_index + 1, items.len() + 1),
                        content: format!("{subject}\r\nItem {n} of folder {}\r\n", folder.path)
                            .into_bytes(),
                    };
                    items.push(ItemData {
                        id: rng.exchange_id(standard_alphabet, needed),
                        folder_id: folder.id.clone(),
                        folder_path: folder.path.clone(),
                        subject,
                        from,
                        to: vec![to],
                        cc,
                        sent: clock,
                        received: clock + Duration::seconds(1 + rng.below(90) as i64),
                        body,
                        attachment,
                    });
                }
            }
            mailboxes.push(MailboxData {
                id: rng.uuid(),
                name: if is_archive {
                    format!("{} (Archive)", owner_person.name)
                } else {
                    owner_person.name.clone()
                },
                email: owner_person.email.clone(),
                is_archive,
                folders,
                items,
            });
        }
        let newest = mailboxes
            .iter()
            .flat_map(|m| &m.items)
            .map(|i| i.received)
            .max()
            .unwrap_or(base);
        Self {
            organization_id,
            organization_name: ORGANIZATION.to_string(),
            first_backup: daily_run_at_or_after(base - Duration::days(8)),
            last_backup: daily_run_at_or_after(newest),
            sessions,
            mailboxes,
        }
    }

    /// The mailbox with this ID.
    pub fn mailbox(&self, id: Uuid) -> Option<&MailboxData> {
        self.mailboxes.iter().find(|m| m.id == id)
    }

    /// The regular (not archive) mailbox with this address, compared case-insensitively.
    pub fn mailbox_by_email(&self, email: &str) -> Option<&MailboxData> {
        self.mailboxes
            .iter()
            .find(|m| !m.is_archive && m.email.eq_ignore_ascii_case(email))
    }
}

/// The backup job's hour of the day, UTC.
const DAILY_BACKUP_HOUR: u32 = 22;

/// The first daily backup run at or after `time`.
fn daily_run_at_or_after(time: DateTime<Utc>) -> DateTime<Utc> {
    let run = time
        .date_naive()
        .and_hms_opt(DAILY_BACKUP_HOUR, 0, 0)
        .map(|naive| naive.and_utc())
        .unwrap_or(time);
    if run >= time {
        run
    } else {
        run + Duration::days(1)
    }
}

impl SessionSeed {
    /// Its id, typed for the client's calls.
    pub fn session_id(&self) -> crate::SessionId {
        crate::SessionId::from_uuid(self.id)
    }
}

impl MailboxData {
    /// Its id, typed for the client's calls.
    pub fn mailbox_id(&self) -> crate::MailboxId {
        crate::MailboxId::from_uuid(self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_data_and_another_seed_other_ids() {
        let a = Catalog::generate(7);
        let b = Catalog::generate(7);
        let c = Catalog::generate(8);
        let ids = |c: &Catalog| -> Vec<String> {
            c.mailboxes
                .iter()
                .flat_map(|m| m.items.iter().map(|i| i.id.clone()))
                .collect()
        };
        assert_eq!(ids(&a), ids(&b));
        assert_eq!(a.organization_id, b.organization_id);
        assert_ne!(ids(&a), ids(&c));
        assert_ne!(a.organization_id, c.organization_id);
    }

    #[test]
    fn item_ids_hold_the_characters_that_need_care_in_a_path() {
        let catalog = Catalog::generate(1);
        let ids: Vec<&str> = catalog
            .mailboxes
            .iter()
            .flat_map(|m| m.items.iter().map(|i| i.id.as_str()))
            .collect();
        assert!(ids.len() > 40, "{} items", ids.len());
        assert!(ids.iter().any(|id| id.contains('-') && id.contains('_')));
        assert!(ids.iter().any(|id| id.contains('+') && id.contains('/')));
        assert!(ids.iter().all(|id| id.ends_with('=')));
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), ids.len(), "item ids are unique");
        assert!(
            catalog.mailboxes[0].items.len() > 30,
            "the first mailbox is paged"
        );
    }
}
