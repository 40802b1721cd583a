//! The versions after v4, served by v4's handlers: a request of a later version is read into
//! v4's shape (the common model) and handled as v4 handles it, so that every version sees
//! the same data and behaves the same; what differs is the version's own shape, applied here
//! and where a handler builds links and pages (`Input::version`).
//!
//! - An action operation (one per action from v6 on) takes the bare options; its body
//!   becomes v4's `{"<key>": options}` with the key that the action table (`x-vbo-action`,
//!   [`ACTIONS`]) names for the operation, and is then handled by v4's action handler of
//!   the same scope. What only a later version has (`impersonationAccountName`,
//!   `officeRegion`, `disable_antiforgery_token`...) is accepted and left out, as v4's schema
//!   has nothing to act on it with.
//! - v8's restores run after their answer (`crate::sim::restores`), read with
//!   `getRestoreStatistics`.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::json;
use crate::generated::operations::{ACTIONS, ActionScope, ApiVersion, Operation, action_route};
use crate::generated::v8;
use crate::sim::http::Sim;
use crate::sim::http::errors::ApiError;
use crate::sim::http::input::Input;
use crate::sim::request;
use crate::types;

/// Whether restores in `version` run after their answer, as the client reads it: the
/// versions that serve `getRestoreStatistics`.
pub fn restores_later(version: ApiVersion) -> bool {
    Operation::GetRestoreStatistics.served_by(version)
}

/// v8's answer to a restore route: the id to read its statistics with.
pub fn restore_started(id: Uuid) -> Result<Response, ApiError> {
    let started: v8::types::RestoreStarted = v8::types::RestoreStarted::builder()
        .session_id(id)
        .try_into()?;
    Ok(json(StatusCode::OK, &started))
}

/// The statistics of a whole mailbox's or folder's restore from v6 on, which count the
/// folders that failed too (none: the simulator's restores do not fail).
pub fn whole_restore_statistics(
    statistics: &types::RestoreStatistics,
) -> Result<Response, ApiError> {
    let mut value = serde_json::to_value(statistics)
        .map_err(|e| ApiError::internal(format!("the statistics cannot be written: {e}")))?;
    if let Value::Object(object) = &mut value {
        object.insert("failedFoldersCount".into(), Value::from(0));
    }
    Ok(json(StatusCode::OK, &value))
}

/// The session type a later version's explore asks for: its `type` (`Vex`, `Veod`, `Vesp`,
/// `Vet`), Exchange when it names none. The body passed the version's schema.
pub fn explored_type(input: &Input) -> types::RestoreSessionType {
    input
        .body
        .as_ref()
        .and_then(|body| body.get("type"))
        .and_then(Value::as_str)
        .map_or(
            types::RestoreSessionType::Vex,
            types::RestoreSessionType::from,
        )
}

/// The scope and v4 action key of the action operation `operation` of `version`.
fn action_of(version: ApiVersion, operation: Operation) -> Option<(ActionScope, &'static str)> {
    ACTIONS
        .iter()
        .find(|(v, _, _, route)| *v == version && route.operation == operation)
        .map(|(_, scope, key, _)| (*scope, *key))
}

impl Sim {
    /// The schema of the request body of `operation` in v4's spec (JSON, or the token form).
    fn common_body_schema(&self, operation: Operation) -> Option<Value> {
        let spec = &self.common;
        let op = spec
            .operations()
            .into_iter()
            .find(|op| op.id == Some(operation.id()))?;
        let body = op.request_body(spec)?;
        let content = body.get("content")?.as_object()?;
        content.values().next()?.get("schema").cloned()
    }

    /// `input` with its body as v4's `operation` reads it: without the properties v4's
    /// schema does not have. A v4 request is left as it is.
    pub fn in_common_shape(
        &self,
        input: &Input,
        operation: Operation,
        body: Option<Value>,
    ) -> Input {
        let mut common = input.clone();
        if input.version == ApiVersion::V4 {
            return common;
        }
        common.body = match (body, self.common_body_schema(operation)) {
            (Some(body), Some(schema)) => Some(request::prune(&self.common, &schema, body)),
            (body, _) => body,
        };
        common
    }

    /// An action operation of v6 on: the bare options wrapped under the action's key and
    /// handled by v4's action handler for the same scope.
    pub fn perform_routed(&self, input: &Input) -> Result<Response, ApiError> {
        let unknown = || {
            ApiError::internal(format!(
                "{} of {} is not in the action table",
                input.operation, input.version
            ))
        };
        let (scope, key) = action_of(input.version, input.operation).ok_or_else(unknown)?;
        let common = action_route(ApiVersion::V4, scope, key).ok_or_else(unknown)?;
        let mut options = input.body.clone().unwrap_or(Value::Null);
        if let Value::Object(object) = &mut options {
            // Properties that v4 names otherwise, as the version's spec says
            // (`x-vbo-v4-name`: the mailbox and folder exports' `contentKeyword`).
            let spelling = crate::generated::body_spelling(input.version, input.operation);
            for (v4, renamed) in spelling.map_or(&[][..], |s| s.renames) {
                if let Some(value) = object.remove(*renamed) {
                    object.insert((*v4).to_string(), value);
                }
            }
        }
        let wrapped = Value::Object(Map::from_iter([(key.to_string(), options)]));
        let input = self.in_common_shape(input, common.operation, Some(wrapped));
        match common.operation {
            Operation::PerformMailboxItemAction => self.perform_action(&input),
            Operation::PerformMailboxItemsAction => self.perform_items_action(&input),
            Operation::PerformMailboxAction => self.perform_mailbox_action(&input),
            Operation::PerformMailboxFolderAction => self.perform_folder_action(&input),
            _ => Err(unknown()),
        }
    }

    /// The organizations as a page (`OrganizationPage`, v8), with the query's
    /// `extendedView` carried on in the page's links.
    pub fn organization_page(
        &self,
        input: &Input,
        organizations: Vec<types::Organization>,
    ) -> Result<Response, ApiError> {
        let extra: Vec<(&str, String)> = input
            .query_bool("extendedView")
            .map(|v| ("extendedView", v.to_string()))
            .into_iter()
            .collect();
        let page = self.page(input, organizations.len(), &extra)?;
        let results = organizations[page.window].to_vec();
        let write =
            |e: serde_json::Error| ApiError::internal(format!("the page cannot be written: {e}"));
        let body = Value::Object(Map::from_iter([
            ("offset".to_string(), Value::from(page.offset)),
            ("limit".to_string(), Value::from(page.limit)),
            (
                "results".to_string(),
                serde_json::to_value(results).map_err(write)?,
            ),
            (
                "_links".to_string(),
                serde_json::to_value(page.links).map_err(write)?,
            ),
        ]));
        let page: v8::types::OrganizationPage = serde_json::from_value(body)
            .map_err(|e| ApiError::internal(format!("the page does not fit v8's type: {e}")))?;
        Ok(json(StatusCode::OK, &page))
    }

    /// `getRestoreStatistics` (v8): what a restore did so far, by the id its answer gave, or
    /// what the restores of a restore session did.
    pub fn get_restore_statistics(&self, input: &Input) -> Result<Response, ApiError> {
        let id = input.uuid("restoreSessionId")?;
        let statistics = self
            .shared
            .restore_statistics(id)
            .ok_or_else(|| ApiError::not_found(format!("Restore session {id} was not found.")))?;
        let items = statistics
            .items
            .iter()
            .map(|item| {
                let target = self
                    .catalog()
                    .mailboxes
                    .iter()
                    .find(|m| m.id == item.target_mailbox);
                let status = if item.counts.skipped > 0 {
                    v8::types::RestoreItemStatus::Skipped
                } else {
                    v8::types::RestoreItemStatus::Success
                };
                v8::types::RestoreItemDetails::builder()
                    .item_restore_details_type(v8::types::RestoreItemDetailsType::Item)
                    .id(Some(item.item_id.clone()))
                    .title(Some(item.subject.clone()))
                    .path(Some(item.folder.clone()))
                    .mailbox_email(target.map(|m| m.email.clone()))
                    .mailbox_is_archive(target.map(|m| m.is_archive))
                    .created_mailbox_items_count(Some(item.counts.created))
                    .merged_mailbox_items_count(Some(item.counts.merged))
                    .skipped_mailbox_items_count(Some(item.counts.skipped))
                    .failed_mailbox_items_count(Some(0_i64))
                    .status(Some(status))
                    .try_into()
            })
            .collect::<Result<Vec<v8::types::RestoreItemDetails>, _>>()?;
        let body: v8::types::RestoreSessionStatistics =
            v8::types::RestoreSessionStatistics::builder()
                .total_items_count(statistics.total)
                .restored_items_count(statistics.restored)
                .failed_items_count(statistics.failed)
                .skipped_items_count(statistics.skipped)
                .items(items)
                .try_into()?;
        Ok(json(StatusCode::OK, &body))
    }
}
