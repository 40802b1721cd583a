//! The multi-item action (`performMailboxItemsAction`): one of the six actions on several items
//! of a mailbox in one request.
//!
//! Its body is the one-item body with `items` added inside the action's object (and in place
//! of the `null` of `sendtoDefaultaddress` and `savetoMsg`), as the spec's `MailboxItemsAction`
//! says. The body is made from an [`Action`] by that one rule and read back into the generated
//! type, so every action and credential method the one-item form has, the multi-item form has,
//! with no mapping written per action.

use serde_json::{Map, Value};
use tracing::Instrument as _;

use crate::generated::types;
use crate::generated::wire::Operation;
use crate::item_action::{self, ItemAction};
use crate::{Action, ActionOutcome, Client, Error, MailboxId, SessionId};

/// The operation the multi-item calls send.
const OPERATION: Operation = Operation::PerformMailboxItemsAction;

/// The items of a multi-item action: at least one, each checked as the one-item action checks
/// its `itemId`, none listed twice. Checked when made, so a call never sends a bad list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemIds(Vec<String>);

impl ItemIds {
    /// The ids, in order. A bad or repeated id is an error naming its place (`items[2].id`).
    pub fn new<I, S>(ids: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let ids: Vec<String> = ids.into_iter().map(Into::into).collect();
        if ids.is_empty() {
            return Err(Error::invalid("items", "must hold at least one item"));
        }
        let mut seen = std::collections::HashMap::with_capacity(ids.len());
        for (index, id) in ids.iter().enumerate() {
            crate::validate::item_id(&format!("items[{index}].id"), id)?;
            if let Some(first) = seen.insert(id.as_str(), index) {
                return Err(Error::invalid(
                    format!("items[{index}].id"),
                    format!("repeats items[{first}].id: each item is listed once"),
                ));
            }
        }
        Ok(Self(ids))
    }

    /// The ids, in order.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// How many items there are (at least one).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: a list holds at least one item.
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// The multi-item body of `action` for `items`.
pub(crate) fn body(action: &Action, items: &ItemIds) -> Result<types::MailboxItemsAction, Error> {
    let cannot = |what: String| {
        Error::invalid(
            "items",
            format!(
                "cannot make the multi-item body of {}: {what}",
                action.kind().wire_name()
            ),
        )
    };
    let one =
        serde_json::to_value(action.body()).map_err(|e| cannot(crate::redact::serde_error(&e)))?;
    let Value::Object(mut outer) = one else {
        return Err(cannot("the one-item body is not an object".into()));
    };
    let list: Vec<Value> = items
        .as_slice()
        .iter()
        .map(|id| {
            Value::Object(Map::from_iter([(
                "id".to_string(),
                Value::from(id.as_str()),
            )]))
        })
        .collect();
    for options in outer.values_mut() {
        let mut object = match options.take() {
            Value::Object(object) => object,
            Value::Null => Map::new(),
            _ => return Err(cannot("the action's options are not an object".into())),
        };
        object.insert("items".into(), Value::Array(list.clone()));
        *options = Value::Object(object);
    }
    serde_json::from_value(Value::Object(outer)).map_err(|e| cannot(crate::redact::serde_error(&e)))
}

/// The one-item action and the item ids of a multi-item body: the inverse of [`body`], for the
/// simulator, which performs the action on each item.
#[cfg(feature = "sim")]
pub(crate) fn split(
    body: types::MailboxItemsAction,
) -> Result<(types::MailboxItemAction, Vec<String>), String> {
    let Value::Object(mut outer) = serde_json::to_value(body).map_err(|e| e.to_string())? else {
        return Err("the body is not an object".into());
    };
    let mut ids = Vec::new();
    for options in outer.values_mut() {
        let Value::Object(mut object) = options.take() else {
            return Err("the action's options are not an object".into());
        };
        if let Some(Value::Array(items)) = object.remove("items") {
            ids.extend(
                items
                    .iter()
                    .filter_map(|item| item.get("id").and_then(Value::as_str))
                    .map(str::to_string),
            );
        }
        *options = Value::Object(object);
    }
    // Options that held only the items: `null` where the one-item form is (`savetoMsg`,
    // `sendtoDefaultaddress`), else an empty object (`{"exportToPst": {}}`).
    let mut nulled = outer.clone();
    for options in nulled.values_mut() {
        if options.as_object().is_some_and(Map::is_empty) {
            *options = Value::Null;
        }
    }
    let one = serde_json::from_value(Value::Object(nulled))
        .or_else(|_| serde_json::from_value(Value::Object(outer)))
        .map_err(|e| e.to_string())?;
    Ok((one, ids))
}

#[cfg(all(test, feature = "sim"))]
mod tests {
    use super::*;
    use crate::{Credentials, RestoreOptions};

    fn every_action() -> Vec<Action> {
        let pfx = b"pfx";
        let app = uuid::Uuid::nil();
        let mut actions = vec![
            Action::export_to_pst(),
            Action::export_to_pst_split(1 << 30).unwrap(),
            Action::save_to_msg(),
            Action::send_to_default_address(),
            Action::send_to_different_address("a@b.c", "d@e.f", None, None).unwrap(),
            Action::send_with_vex_sender("d@e.f", Some("s".into()), None).unwrap(),
        ];
        for credentials in [
            Credentials::user_password("u", "p"),
            Credentials::device_code("C6A9"),
            Credentials::application_certificate(app, pfx, "x"),
        ] {
            actions.push(Action::restore_to_original(credentials.clone()).unwrap());
            actions
                .push(Action::restore_to("a@b.c", credentials, RestoreOptions::default()).unwrap());
        }
        actions
    }

    #[test]
    fn the_multi_item_body_reads_back_as_the_same_action_and_items() {
        let items = ItemIds::new(["AAAA", "BBBB"]).unwrap();
        for action in every_action() {
            let many = body(&action, &items).unwrap();
            let (one, ids) = split(many).unwrap();
            assert_eq!(&one, action.body(), "{:?}", action.kind());
            assert_eq!(ids, items.as_slice());
        }
    }

    #[test]
    fn options_that_are_only_items_read_back_as_the_one_item_form() {
        for (key, one) in [
            ("exportToPst", serde_json::json!({"exportToPst": {}})),
            ("savetoMsg", serde_json::json!({"savetoMsg": null})),
            (
                "sendtoDefaultaddress",
                serde_json::json!({"sendtoDefaultaddress": null}),
            ),
        ] {
            let many: types::MailboxItemsAction =
                serde_json::from_value(serde_json::json!({ key: {"items": [{"id": "0"}]} }))
                    .unwrap();
            let (action, ids) = split(many).unwrap();
            assert_eq!(serde_json::to_value(&action).unwrap(), one, "{key}");
            assert_eq!(ids, ["0"]);
        }
    }
}

impl Client {
    /// Performs a typed action on several items of one mailbox in one request
    /// (`performMailboxItemsAction`): one PST of every item, one restore, one message with
    /// every item attached, or the MSG files (a ZIP for several). Checked, sent once and read
    /// as [`Client::perform`] does.
    pub async fn perform_on_items<A: ItemAction>(
        &self,
        restore_session_id: SessionId,
        mailbox_id: MailboxId,
        items: &ItemIds,
        action: &A,
    ) -> Result<A::Outcome, Error> {
        let answer = self
            .send_items_action(restore_session_id, mailbox_id, items, action.action())
            .await?;
        let operation = self
            .action_operation(crate::generated::operations::ActionScope::Items, A::KIND)
            .await;
        A::read_many(answer, self.idle_timeout())
            .await
            .map_err(|e| e.with_operation(operation))
    }

    /// [`Client::perform_on_items`] for a run-time [`Action`].
    pub async fn perform_action_on_items(
        &self,
        restore_session_id: SessionId,
        mailbox_id: MailboxId,
        items: &ItemIds,
        action: &Action,
    ) -> Result<ActionOutcome, Error> {
        let answer = self
            .send_items_action(restore_session_id, mailbox_id, items, action)
            .await?;
        let operation = self
            .action_operation(
                crate::generated::operations::ActionScope::Items,
                action.kind(),
            )
            .await;
        item_action::read_any_many(action.kind(), answer, self.idle_timeout())
            .await
            .map_err(|e| e.with_operation(operation))
    }

    async fn send_items_action(
        &self,
        restore_session_id: SessionId,
        mailbox_id: MailboxId,
        items: &ItemIds,
        action: &Action,
    ) -> Result<crate::outcome::Answer, Error> {
        let body = body(action, items)?;
        let version = self.api_version().await?;
        if version != crate::ApiVersion::V4 {
            let target = crate::action_send::Target::Items {
                session: restore_session_id,
                mailbox: mailbox_id,
            };
            let wrapped = serde_json::to_value(&body)
                .map_err(|e| Error::invalid("items", crate::redact::serde_error(&e)))?;
            return self
                .send_routed(version, action.kind(), target, wrapped)
                .await;
        }
        let span = tracing::info_span!(
            "items_action",
            action = action.kind().wire_name(),
            items = items.len()
        );
        let result = self
            .api()
            .perform_mailbox_items_action()
            .restore_session_id(restore_session_id)
            .mailbox_id(mailbox_id)
            .body(body)
            .send()
            .instrument(span)
            .await;
        crate::client::answer(result, action.kind(), OPERATION).await
    }
}
