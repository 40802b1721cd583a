//! Sending an action to a version after v4, whose one endpoint per action the action table
//! names (`x-vbo-action` in each spec, `crates/codegen/src/table.rs`).
//!
//! Every action is built once, in v4's shape: `{"<key>": options}`, with `items` inside the
//! options for several items. v4 sends that through its generated client, byte for byte as
//! before. A later version's operation takes the bare options (`null` options: no body),
//! checked against and written as that version's generated types ([`crate::versioned`]): a
//! property the version does not have is refused, naming it, before anything is sent.

use serde_json::Value;
use tracing::Instrument as _;

use crate::generated::operations::{ActionScope, ApiVersion, Operation, action_route};
use crate::generated::types;
use crate::outcome::Answer;
use crate::restore_handle::{self, RestoreHandle};
use crate::versioned::Call;
use crate::{Action, ActionKind, Client, Error, MailboxId, SessionId};

/// What an action acts on, with the ids its path needs.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target<'a> {
    Item {
        session: SessionId,
        mailbox: MailboxId,
        item: &'a str,
    },
    /// The items are in the body.
    Items {
        session: SessionId,
        mailbox: MailboxId,
    },
    Folder {
        session: SessionId,
        mailbox: MailboxId,
        folder: &'a str,
    },
    Mailbox {
        session: SessionId,
        mailbox: MailboxId,
    },
}

impl Target<'_> {
    fn scope(self) -> ActionScope {
        match self {
            Self::Item { .. } => ActionScope::Item,
            Self::Items { .. } => ActionScope::Items,
            Self::Folder { .. } => ActionScope::Folder,
            Self::Mailbox { .. } => ActionScope::Mailbox,
        }
    }

    /// The path parameters, named as every version's spec names them.
    fn path(self) -> Vec<(&'static str, String)> {
        let (session, mailbox, last) = match self {
            Self::Item {
                session,
                mailbox,
                item,
            } => (session, mailbox, Some(("itemId", item))),
            Self::Folder {
                session,
                mailbox,
                folder,
            } => (session, mailbox, Some(("folderId", folder))),
            Self::Items {
                session, mailbox, ..
            }
            | Self::Mailbox { session, mailbox } => (session, mailbox, None),
        };
        let mut path = vec![
            ("restoreSessionId", session.to_string()),
            ("mailboxId", mailbox.to_string()),
        ];
        path.extend(last.map(|(name, value)| (name, value.to_string())));
        path
    }
}

impl Client {
    /// Sends `wrapped`, an action of `kind` in v4's shape, to the operation that performs it
    /// on `target` in `version`; an asynchronous restore is waited for.
    pub(crate) async fn send_routed(
        &self,
        version: ApiVersion,
        kind: ActionKind,
        target: Target<'_>,
        wrapped: Value,
    ) -> Result<Answer, Error> {
        let answer = self
            .send_routed_once(version, kind, target, wrapped)
            .await?;
        if kind.restores() && restore_handle::is_async(version) {
            let handle = RestoreHandle::started(self, version, kind, answer).await?;
            return handle.wait().await.map(|r| Answer::Restored(Box::new(r)));
        }
        Ok(answer)
    }

    /// Starts a restore of one item and hands back its handle without waiting for it. From
    /// v8 on the restore runs in its own session after the answer
    /// ([`RestoreHandle::wait`] polls it); before v8 it has run, and the handle holds its
    /// statistics. Any other action is refused before anything is sent.
    pub async fn start_restore(
        &self,
        restore_session_id: SessionId,
        mailbox_id: MailboxId,
        item_id: &str,
        action: &Action,
    ) -> Result<RestoreHandle, Error> {
        let kind = action.kind();
        if !kind.restores() {
            return Err(Error::invalid(
                kind.wire_name(),
                "is not a restore: start_restore takes the two restores only",
            ));
        }
        crate::validate::item_id("itemId", item_id)?;
        let version = self.api_version().await?;
        if !restore_handle::is_async(version) {
            let outcome = self
                .perform_action(restore_session_id, mailbox_id, item_id, action)
                .await?;
            return match outcome {
                crate::ActionOutcome::Restored(restored) => Ok(RestoreHandle::done(self, restored)),
                other => Err(Error::decode(format!(
                    "the restore answered as {}",
                    other.action().wire_name()
                ))),
            };
        }
        let target = Target::Item {
            session: restore_session_id,
            mailbox: mailbox_id,
            item: item_id,
        };
        let answer = self
            .send_routed_once(version, kind, target, action.wire_value()?)
            .await?;
        RestoreHandle::started(self, version, kind, answer).await
    }

    /// [`Client::send_routed`] without waiting for an asynchronous restore.
    async fn send_routed_once(
        &self,
        version: ApiVersion,
        kind: ActionKind,
        target: Target<'_>,
        wrapped: Value,
    ) -> Result<Answer, Error> {
        let route = action_route(version, target.scope(), kind.wire_name()).ok_or_else(|| {
            Error::invalid(
                kind.wire_name(),
                format!(
                    "API {version} has no operation that performs it on {}",
                    match target.scope() {
                        ActionScope::Item => "one item",
                        ActionScope::Items => "several items",
                        ActionScope::Folder => "a folder",
                        ActionScope::Mailbox => "a whole mailbox",
                    }
                ),
            )
        })?;
        let body = if route.wrapped {
            Some(wrapped)
        } else {
            options(wrapped)
        };
        let mut call = Call::new(route.operation);
        call.path = target.path();
        if let Some(body) = body {
            call = call.body(body);
        }
        let span = tracing::info_span!("action", action = kind.wire_name(), %version);
        let result = self.send_call(version, call).instrument(span).await;
        raw_answer(result, kind, route.operation).await
    }
}

/// The options inside `{"<key>": options}`; `None` for `null`, which goes as no body.
fn options(wrapped: Value) -> Option<Value> {
    match wrapped {
        Value::Object(object) => object.into_iter().next().map(|(_, v)| v),
        other => Some(other),
    }
    .filter(|options| !options.is_null())
}

impl Client {
    /// The operation that performs `kind` on one item in the version the client speaks.
    pub(crate) async fn item_operation(&self, kind: crate::ActionKind) -> Operation {
        self.action_operation(ActionScope::Item, kind).await
    }

    /// The operation that performs `kind` on `scope` in the version the client speaks, for
    /// errors to name (v4's `/Action` before the version is known).
    pub(crate) async fn action_operation(
        &self,
        scope: ActionScope,
        kind: crate::ActionKind,
    ) -> Operation {
        let version = self.api_version().await.unwrap_or(ApiVersion::V4);
        action_route(version, scope, kind.wire_name())
            .map_or(Operation::PerformMailboxItemAction, |route| route.operation)
    }
}

/// The answer to an action sent through [`Client::send_call`] (any status comes back), read
/// as `crate::client::answer` reads the generated client's.
pub(crate) async fn raw_answer(
    result: Result<reqwest::Response, Error>,
    kind: crate::ActionKind,
    operation: Operation,
) -> Result<Answer, Error> {
    let response = result.map_err(|error| may_have_run(error, kind))?;
    if response.status() == reqwest::StatusCode::NO_CONTENT {
        return Ok(Answer::NoContent);
    }
    if response.status().is_success() {
        return Ok(Answer::Body(progenitor_client::ResponseValue::stream(
            response,
        )));
    }
    let error = progenitor_client::Error::<types::Error>::UnexpectedResponse(response);
    Err(may_have_run(
        Error::from_generated(error, operation).await,
        kind,
    ))
}

/// No answer came back: a restore or send may have run all the same.
pub(crate) fn may_have_run(error: Error, kind: crate::ActionKind) -> Error {
    if kind.changes_data() && error.may_have_reached_server() && !error.is_status() {
        return error.with_context(format!(
            "{} may have run on the server; check before sending it again",
            kind.wire_name()
        ));
    }
    error
}
