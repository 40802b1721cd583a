//! The simulator's mutable state: tokens, sessions, settings, the outbox and the production
//! side of the mailboxes. One mutex guards it all, held only for short, non-async sections,
//! so that concurrent requests never lose or duplicate an update.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use uuid::Uuid;

use super::data::{Catalog, ItemData};
use super::production::{Production, is_excluded, restore_into};
use super::restores::{Restores, Statistics, Step};
use super::spelling::field_name;
use crate::SecretString;
use crate::generated::operations::{ApiVersion, Operation};
use crate::types;

/// A restore session.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: Uuid,
    pub name: String,
    /// What the session exposes, as the explore request asked (v4 asks for `vex`, `veod` or
    /// `vesp`; v6 on add `Vet`).
    pub kind: types::RestoreSessionType,
    pub created: DateTime<Utc>,
    pub ended: Option<DateTime<Utc>>,
}

impl Session {
    pub fn is_working(&self) -> bool {
        self.ended.is_none()
    }
}

/// An item that a restore put in a production mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoredItem {
    /// ID of the backed-up item it came from.
    pub item_id: String,
    /// Folder path it was restored to.
    pub folder: String,
    /// Its subject.
    pub subject: String,
    /// Whether it is marked unread.
    pub unread: bool,
    /// Whether it changed in production since it was last restored.
    pub changed_since_restore: bool,
    /// How many restores created or merged it.
    pub restores: u32,
}

/// A message that a send action sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    /// Sender address.
    pub from: String,
    /// Recipient address.
    pub to: String,
    /// Subject.
    pub subject: String,
    /// Body text, if the request gave one.
    pub text: Option<String>,
    /// The attached items: one for the one-item action, each item for the multi-item one.
    pub attachments: Vec<SentAttachment>,
}

/// A backed-up item attached to a sent message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentAttachment {
    /// ID of the backed-up item.
    pub item_id: String,
    /// File name of the attachment.
    pub name: String,
    /// The item as an MSG file.
    pub bytes: Vec<u8>,
}

/// What a restore counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub created: i64,
    pub merged: i64,
    pub skipped: i64,
}

/// How a restore treats the target.
#[derive(Debug, Clone, Default)]
pub struct RestorePlan {
    pub target_mailbox: Uuid,
    pub folder: String,
    pub changed_items: bool,
    pub mark_unread: bool,
    pub exclude_drafts: bool,
    pub exclude_deleted_items: bool,
}

/// The VEX email settings: the generated type that GET answers with, and the password, which
/// the server keeps but never returns.
#[derive(Debug, Clone)]
struct Vex {
    settings: types::VexEmailSettings,
    /// Kept so that a PUT behaves like the real server; never returned.
    #[allow(dead_code)]
    user_password: Option<SecretString>,
}

impl Default for Vex {
    /// A server with notifications off, no mail server, and port 25.
    fn default() -> Self {
        Self {
            settings: types::VexEmailSettings {
                enable_notification: Some(false),
                port: std::num::NonZeroU32::new(25),
                use_authentication: Some(false),
                use_ssl: Some(false),
                ..types::VexEmailSettings::default()
            },
            user_password: None,
        }
    }
}

/// `current` with the properties that `update` sets, matched by their wire names, so that
/// a property the spec adds to both schemas needs no code. Properties of `update` that `T`
/// does not have are left out.
fn merge<T: Serialize + DeserializeOwned>(
    current: &T,
    update: &impl Serialize,
) -> Result<T, serde_json::Error> {
    let mut merged = serde_json::to_value(current)?;
    if let (Value::Object(into), Value::Object(from)) = (&mut merged, serde_json::to_value(update)?)
    {
        into.extend(from);
    }
    serde_json::from_value(merged)
}

struct Issued {
    login: Login,
    expires: Instant,
}

/// Who a token was issued to: the user name, and which routes it may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    pub user: String,
    pub kind: LoginKind,
}

/// The two kinds of login of a v4 server (see the spec's conventions and `x-vbo-login`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginKind {
    Administrator,
    Tenant,
}

impl LoginKind {
    /// The spelling of `x-vbo-login` in the spec.
    pub fn from_spec(value: &str) -> Option<Self> {
        match value {
            "administrator" => Some(Self::Administrator),
            "tenant" => Some(Self::Tenant),
            _ => None,
        }
    }
}

#[derive(Default)]
struct State {
    sessions: Vec<Session>,
    tokens: HashMap<String, Issued>,
    refresh_tokens: HashMap<String, Login>,
    vex: Vex,
    outbox: Vec<SentMessage>,
    production: HashMap<Uuid, Production>,
    /// v8's asynchronous restores.
    restores: Restores,
}

/// Everything the request handlers share.
pub struct Shared {
    pub catalog: Catalog,
    /// The administrator account.
    pub username: String,
    pub password: SecretString,
    /// The tenant account: the credentials that added the organization.
    pub tenant_username: String,
    pub tenant_password: SecretString,
    pub token_lifetime: Duration,
    pub pst_size: AtomicU64,
    /// How long an asynchronous (v8) restore runs.
    pub restore_delay: Duration,
    state: Mutex<State>,
}

/// A new access or refresh token: 256 random bits.
fn new_token() -> String {
    format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple())
}

impl Shared {
    pub fn new(catalog: Catalog, config: &super::SimConfig) -> Self {
        let sessions = catalog
            .sessions
            .iter()
            .map(|s| Session {
                id: s.id,
                name: s.name.clone(),
                kind: types::RestoreSessionType::Vex,
                created: s.created,
                ended: s.ended,
            })
            .collect();
        Self {
            catalog,
            username: config.username.clone(),
            password: config.password.clone(),
            tenant_username: config.tenant_username.clone(),
            tenant_password: config.tenant_password.clone(),
            token_lifetime: config.token_lifetime,
            pst_size: AtomicU64::new(config.pst_size),
            restore_delay: config.restore_delay,
            state: Mutex::new(State {
                sessions,
                ..State::default()
            }),
        }
    }

    /// The state, with every asynchronous restore whose time has come applied first.
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // No code panics while holding the lock; recover the data if a panic ever did.
        let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let state = &mut *guard;
        let production = &mut state.production;
        state.restores.settle(Instant::now(), |item, plan| {
            restore_into(production, item, plan)
        });
        guard
    }

    /// Starts an asynchronous restore of `steps` in `session`, which ends after the restore
    /// delay; the id to read its statistics with.
    pub fn start_restore(&self, session: Uuid, steps: Vec<Step>) -> Uuid {
        let due = Instant::now() + self.restore_delay;
        self.lock().restores.start(session, steps, due)
    }

    /// The statistics of an asynchronous restore, or of those of a restore session.
    pub fn restore_statistics(&self, id: Uuid) -> Option<Statistics> {
        let state = self.lock();
        let is_session = state.sessions.iter().any(|s| s.id == id);
        state.restores.statistics(id, is_session)
    }

    /// Issues an access token and a refresh token for `login`.
    pub fn issue_token(&self, login: &Login) -> (String, String) {
        let access = new_token();
        let refresh = new_token();
        let now = Instant::now();
        let mut state = self.lock();
        state.tokens.retain(|_, t| t.expires > now);
        state.tokens.insert(
            access.clone(),
            Issued {
                login: login.clone(),
                expires: now + self.token_lifetime,
            },
        );
        state.refresh_tokens.insert(refresh.clone(), login.clone());
        (access, refresh)
    }

    /// The login of a valid, unexpired access token.
    pub fn token_login(&self, token: &str) -> Option<Login> {
        let state = self.lock();
        state
            .tokens
            .get(token)
            .filter(|t| t.expires > Instant::now())
            .map(|t| t.login.clone())
    }

    /// Uses up a refresh token: its login, once.
    pub fn redeem_refresh_token(&self, token: &str) -> Option<Login> {
        self.lock().refresh_tokens.remove(token)
    }

    pub fn expire_access_tokens(&self) {
        let now = Instant::now();
        for token in self.lock().tokens.values_mut() {
            token.expires = now;
        }
    }

    pub fn sessions(&self) -> Vec<Session> {
        self.lock().sessions.clone()
    }

    pub fn session(&self, id: Uuid) -> Option<Session> {
        self.lock().sessions.iter().find(|s| s.id == id).cloned()
    }

    pub fn start_session(&self, kind: types::RestoreSessionType) -> Session {
        let name = match kind {
            types::RestoreSessionType::Vex => "Exchange restore session",
            types::RestoreSessionType::Veod => "OneDrive restore session",
            types::RestoreSessionType::Vesp => "SharePoint restore session",
            types::RestoreSessionType::Vet => "Teams restore session",
            types::RestoreSessionType::Unknown(_) => "Restore session",
        };
        let session = Session {
            id: Uuid::new_v4(),
            name: name.to_string(),
            kind,
            created: Utc::now(),
            ended: None,
        };
        self.lock().sessions.push(session.clone());
        session
    }

    /// Stops a session; stopping a stopped session changes nothing. False if it is unknown.
    pub fn stop_session(&self, id: Uuid) -> bool {
        let mut state = self.lock();
        match state.sessions.iter_mut().find(|s| s.id == id) {
            Some(session) => {
                session.ended.get_or_insert_with(Utc::now);
                true
            }
            None => false,
        }
    }

    pub fn vex_settings(&self) -> types::VexEmailSettings {
        self.lock().vex.settings.clone()
    }

    /// Applies a PUT of the VEX email settings: what it sets replaces, the rest stays.
    pub fn update_vex_settings(
        &self,
        mut update: types::VexEmailSettingsUpdate,
    ) -> Result<(), String> {
        let password = update.user_password.take();
        let mut state = self.lock();
        let vex = &mut state.vex;
        vex.settings = merge(&vex.settings, &update)
            .map_err(|e| format!("the settings cannot be updated: {e}"))?;
        if password.is_some() {
            vex.user_password = password;
        }
        Ok(())
    }

    /// Sends a message, or says which VEX email setting is missing. `to`/`from` of `None`
    /// mean the item's mailbox and the settings' sender.
    /// The refusal names the settings' route in `version`.
    pub fn send(
        &self,
        mut message: SentMessage,
        use_settings_sender: bool,
        version: ApiVersion,
    ) -> Result<(), String> {
        let mut state = self.lock();
        let vex = &state.vex.settings;
        let mut missing = Vec::new();
        if vex.enable_notification != Some(true) {
            let name = field_name!(types::VexEmailSettings, enable_notification);
            missing.push(format!("{name} is false"));
        }
        if vex.server.is_none() {
            let name = field_name!(types::VexEmailSettings, server);
            missing.push(format!("{name} is not set"));
        }
        if vex.from.is_none() && use_settings_sender {
            let name = field_name!(types::VexEmailSettings, from);
            missing.push(format!("{name} is not set"));
        }
        if !missing.is_empty() {
            let put = Operation::PutVexEmailSettings;
            return Err(format!(
                "The VEX email settings are not configured ({}); configure them with {} {} before sending.",
                missing.join(", "),
                put.method(version).unwrap_or_default(),
                put.path(version).unwrap_or_default()
            ));
        }
        if use_settings_sender {
            message.from = vex.from.clone().unwrap_or_default();
        }
        state.outbox.push(message);
        Ok(())
    }

    pub fn outbox(&self) -> Vec<SentMessage> {
        self.lock().outbox.clone()
    }

    /// Restores `item` as `plan` says and counts what happened.
    pub fn restore(&self, item: &ItemData, plan: &RestorePlan) -> Counts {
        if is_excluded(item, plan) {
            return Counts {
                skipped: 1,
                ..Counts::default()
            };
        }
        restore_into(&mut self.lock().production, item, plan)
    }

    pub fn mailbox_contents(&self, email: &str) -> Option<Vec<RestoredItem>> {
        let mailbox = self.catalog.mailbox_by_email(email)?;
        Some(
            self.lock()
                .production
                .get(&mailbox.id)
                .map(|p| p.items().to_vec())
                .unwrap_or_default(),
        )
    }

    pub fn change_restored_item(&self, email: &str, folder: &str, item_id: &str) -> bool {
        let Some(mailbox) = self.catalog.mailbox_by_email(email) else {
            return false;
        };
        let mut state = self.lock();
        match state
            .production
            .get_mut(&mailbox.id)
            .and_then(|items| items.get_mut(item_id, folder))
        {
            Some(item) => {
                item.changed_since_restore = true;
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroU32;

    use super::*;

    #[test]
    fn a_settings_update_replaces_what_it_sets_and_keeps_the_rest() {
        let current = types::VexEmailSettings {
            server: Some("smtp.example.com".into()),
            port: NonZeroU32::new(25),
            use_ssl: Some(false),
            ..types::VexEmailSettings::default()
        };
        let update = types::VexEmailSettingsUpdate {
            port: NonZeroU32::new(587),
            use_ssl: Some(true),
            user_password: Some(SecretString::new("never returned")),
            ..types::VexEmailSettingsUpdate::default()
        };
        let merged = merge(&current, &update).unwrap();
        assert_eq!(
            merged,
            types::VexEmailSettings {
                server: Some("smtp.example.com".into()),
                port: NonZeroU32::new(587),
                use_ssl: Some(true),
                ..types::VexEmailSettings::default()
            }
        );
    }
}
