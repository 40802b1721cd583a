//! One handler per operation, grouped by API area, and what they share: links, pages, and
//! finding the session, mailbox and item that a path names. Every response is a generated
//! type ([`crate::types`]), built with its builder or `..Default::default()`, so that an
//! optional property the spec adds needs no handler change.

/// The JSON answer of one page of a paged list, built with the page type's generated builder.
macro_rules! page_response {
    ($page_type:ty, $page:ident, $results:expr) => {{
        let body: $page_type = <$page_type>::builder()
            .limit($page.limit)
            .links($page.links)
            .offset($page.offset)
            .results($results)
            .try_into()?;
        Ok(json(StatusCode::OK, &body))
    }};
}

mod actions;
mod mailboxes;
mod sessions;
mod settings;
mod token;
mod versioned;

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use super::data::{Catalog, FolderData, ItemData, MailboxData};
use super::http::Sim;
use super::http::errors::ApiError;
use super::http::input::Input;
use super::state::Session;
use crate::generated::operations::{ApiVersion, Operation};
use crate::types;

/// A generated type as a JSON answer.
fn json<T: serde::Serialize>(status: StatusCode, value: &T) -> Response {
    (status, axum::Json(value)).into_response()
}

/// A file answer, as the v4 server sends one.
fn file(length: u64, name: &str, body: Body) -> Response {
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// The window of a page and the parts of the generated page types besides `results`.
struct Page {
    window: std::ops::Range<usize>,
    offset: i32,
    limit: i32,
    links: types::PageLinks,
}

/// The path of `operation` in `version`, as its spec spells it, with `params` (each already
/// one encoded path segment) in its template: links carry the version's prefix and casing.
fn path_of(version: ApiVersion, operation: Operation, params: &[(&str, &str)]) -> String {
    let mut path = operation.path(version).unwrap_or_default().to_string();
    for (name, value) in params {
        path = path.replace(&format!("{{{name}}}"), value);
    }
    path
}

fn session_path(version: ApiVersion, id: Uuid) -> String {
    let id = id.to_string();
    path_of(
        version,
        Operation::GetRestoreSession,
        &[("restoreSessionId", &id)],
    )
}

/// The path of a mailbox of a session (`getMailbox`), and below it of a folder or an item
/// (`getMailboxFolder`, `getMailboxItem`), whose id is encoded as one segment.
fn mailbox_path(version: ApiVersion, session: Uuid, mailbox: Uuid, below: Option<Below>) -> String {
    let (session, mailbox) = (session.to_string(), mailbox.to_string());
    let mut params = vec![
        ("restoreSessionId", session.as_str()),
        ("mailboxId", mailbox.as_str()),
    ];
    let encoded;
    let operation = match below {
        None => Operation::GetMailbox,
        Some(Below::Folder(id)) => {
            encoded = crate::path::encode_segment(id);
            params.push(("folderId", &encoded));
            Operation::GetMailboxFolder
        }
        Some(Below::Item(id)) => {
            encoded = crate::path::encode_segment(id);
            params.push(("itemId", &encoded));
            Operation::GetMailboxItem
        }
    };
    path_of(version, operation, &params)
}

/// What a link below a mailbox leads to.
#[derive(Debug, Clone, Copy)]
enum Below<'a> {
    Folder(&'a str),
    Item(&'a str),
}

impl Sim {
    fn link(&self, input: &Input, path_and_query: &str) -> Result<types::Link, ApiError> {
        let href = format!("{}://{}{path_and_query}", self.scheme, input.authority);
        Ok(types::Link::builder().href(href).try_into()?)
    }

    fn self_links(&self, input: &Input, path: &str) -> Result<types::Links, ApiError> {
        Ok(types::Links(BTreeMap::from([(
            "self".to_string(),
            self.link(input, path)?,
        )])))
    }

    /// The window of a page, and its links (`next` while more results exist).
    fn page(
        &self,
        input: &Input,
        total: usize,
        extra: &[(&str, String)],
    ) -> Result<Page, ApiError> {
        let offset = input
            .query_i64("offset")
            .unwrap_or(0)
            .clamp(0, i32::MAX as i64) as usize;
        let limit = input
            .query_i64("limit")
            .unwrap_or(30)
            .clamp(1, i32::MAX as i64) as usize;
        let start = offset.min(total);
        let end = start.saturating_add(limit).min(total);
        let href = |offset: usize| {
            let mut query: Vec<(&str, String)> = extra.to_vec();
            query.push(("offset", offset.to_string()));
            query.push(("limit", limit.to_string()));
            let query = serde_urlencoded::to_string(&query).unwrap_or_default();
            self.link(input, &format!("{}?{query}", input.uri_path))
        };
        let links = types::PageLinks::builder()
            .first(href(0)?)
            // Back to data: from past the end, the last `limit` results.
            .prev(
                (offset > 0)
                    .then(|| href(offset.min(total).saturating_sub(limit)))
                    .transpose()?,
            )
            .self_(href(offset)?)
            .next(
                (offset.saturating_add(limit) < total)
                    .then(|| href(offset + limit))
                    .transpose()?,
            )
            .try_into()?;
        Ok(Page {
            window: start..end,
            offset: offset as i32,
            limit: limit as i32,
            links,
        })
    }

    fn catalog(&self) -> &Catalog {
        &self.shared.catalog
    }

    fn session(&self, input: &Input) -> Result<Session, ApiError> {
        let id = input.uuid("restoreSessionId")?;
        self.shared
            .session(id)
            .ok_or_else(|| ApiError::not_found(format!("Restore session {id} was not found.")))
    }

    /// A session that can act: one that was not stopped.
    fn working_session(&self, input: &Input) -> Result<Session, ApiError> {
        let session = self.session(input)?;
        if let Some(ended) = session.ended {
            return Err(ApiError::bad_request(format!(
                "The restore session is not active: it was stopped at {}.",
                ended.to_rfc3339()
            )));
        }
        Ok(session)
    }

    /// The mailboxes a session exposes: only an Exchange (vex) session has any.
    fn session_mailboxes(&self, session: &Session) -> &[MailboxData] {
        if session.kind == types::RestoreSessionType::Vex {
            &self.catalog().mailboxes
        } else {
            &[]
        }
    }

    fn mailbox(&self, session: &Session, input: &Input) -> Result<&MailboxData, ApiError> {
        let id = input.uuid("mailboxId")?;
        self.session_mailboxes(session)
            .iter()
            .find(|m| m.id == id)
            .ok_or_else(|| ApiError::not_found(format!("Mailbox {id} was not found.")))
    }

    fn folder<'a>(
        &self,
        mailbox: &'a MailboxData,
        input: &Input,
    ) -> Result<&'a FolderData, ApiError> {
        let id = input.path_param("folderId")?;
        mailbox
            .folder(id)
            .ok_or_else(|| ApiError::not_found(format!("Folder {id} was not found.")))
    }

    fn item<'a>(&self, mailbox: &'a MailboxData, input: &Input) -> Result<&'a ItemData, ApiError> {
        let id = input.path_param("itemId")?;
        mailbox
            .item(id)
            .ok_or_else(|| ApiError::not_found(format!("Mailbox item {id} was not found.")))
    }
}
