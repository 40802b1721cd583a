//! Restores that run after their answer: from v8 on, a restore answers `{sessionId}` at once
//! and its statistics are read from `getRestoreStatistics` until every item is accounted for.
//!
//! Which versions do this is read from the operation table: a version that serves
//! `getRestoreStatistics` answers restores with a session to poll.

use std::time::{Duration, Instant};

use crate::generated::operations::{ApiVersion, Operation};
use crate::outcome::Answer;
use crate::versioned::Call;
use crate::{ActionKind, Client, Error, Restored, SessionId};

/// Whether restores in `version` answer before they have run.
pub(crate) fn is_async(version: ApiVersion) -> bool {
    Operation::GetRestoreStatistics.served_by(version)
}

/// How [`RestoreHandle::wait_with`] polls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitPolicy {
    /// The first pause between two polls; each next one is twice as long, up to `max_delay`.
    pub first_delay: Duration,
    /// The longest pause between two polls.
    pub max_delay: Duration,
    /// How long to wait in all before giving up (the restore goes on on the server).
    pub timeout: Duration,
    /// How long statistics that count no item at all (a total of 0) are taken for "not
    /// counted yet"; past it the restore is taken to have had nothing to restore (an empty
    /// folder). The server has no "finished" flag to tell the two apart.
    pub empty_after: Duration,
}

impl Default for WaitPolicy {
    /// 200 ms, doubling up to 5 s, for at most 1 hour; nothing counted for 30 s is nothing
    /// to restore.
    fn default() -> Self {
        Self {
            first_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            timeout: Duration::from_secs(3600),
            empty_after: Duration::from_secs(30),
        }
    }
}

/// A restore the server accepted. Before v8 it has already run and holds its statistics; from
/// v8 on it runs in the restore session [`RestoreHandle::session_id`], and
/// [`RestoreHandle::wait`] polls its statistics until it is done.
#[derive(Debug)]
pub struct RestoreHandle {
    client: Client,
    action: ActionKind,
    state: State,
}

#[derive(Debug)]
enum State {
    Done(Box<Restored>),
    Running {
        version: ApiVersion,
        session: SessionId,
    },
}

impl RestoreHandle {
    /// A restore that ran: its statistics came with the answer.
    pub(crate) fn done(client: &Client, restored: Restored) -> Self {
        Self {
            client: client.clone(),
            action: restored.action(),
            state: State::Done(Box::new(restored)),
        }
    }

    /// A restore that `version` accepted with `answer`, `{sessionId}`.
    pub(crate) async fn started(
        client: &Client,
        version: ApiVersion,
        action: ActionKind,
        answer: Answer,
    ) -> Result<Self, Error> {
        let session = started_session(answer, client.idle_timeout()).await?;
        tracing::info!(%session, "the restore runs in its own session");
        Ok(Self {
            client: client.clone(),
            action,
            state: State::Running { version, session },
        })
    }

    /// `restoretoOriginallocation` or `restoreTo`.
    pub fn action(&self) -> ActionKind {
        self.action
    }

    /// The session the restore runs in (v8 and later); `None` for a restore that has run.
    pub fn session_id(&self) -> Option<SessionId> {
        match self.state {
            State::Running { session, .. } => Some(session),
            State::Done(_) => None,
        }
    }

    /// Waits for the restore with [`WaitPolicy::default`].
    pub async fn wait(self) -> Result<Restored, Error> {
        self.wait_with(WaitPolicy::default()).await
    }

    /// Polls the statistics with backoff until every item is restored, failed or skipped, or
    /// `policy.timeout` passes (an error that says the restore may still be running).
    pub async fn wait_with(self, policy: WaitPolicy) -> Result<Restored, Error> {
        let (version, session) = match self.state {
            State::Done(restored) => return Ok(*restored),
            State::Running { version, session } => (version, session),
        };
        let started = Instant::now();
        let mut delay = policy.first_delay;
        loop {
            let call = Call::new(Operation::GetRestoreStatistics).path("restoreSessionId", session);
            let response = self.client.send_call(version, call).await.map_err(|e| {
                e.with_context(format!(
                    "the restore was accepted and runs in session {session}; its statistics \
                     could not be asked for"
                ))
            })?;
            let status = response.status();
            let empty_is_final = started.elapsed() >= policy.empty_after;
            let statistics = poll_statistics(
                version,
                self.action,
                response,
                self.client.idle_timeout(),
                empty_is_final,
            )
            .await
            .map_err(|e| {
                e.with_context(format!(
                    "the restore was accepted and runs in session {session}; its statistics \
                     could not be read ({status})"
                ))
            })?;
            if let Some(restored) = statistics {
                return Ok(restored);
            }
            if started.elapsed() + delay > policy.timeout {
                return Err(Error::server_still_running(format!(
                    "the restore in session {session} had not finished after {:?}; it may \
                     still be running: check the session before running it again",
                    policy.timeout
                )));
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(policy.max_delay);
        }
    }
}

/// The session of an accepted asynchronous restore: `{sessionId}`.
async fn started_session(
    answer: Answer,
    idle_timeout: Option<Duration>,
) -> Result<SessionId, Error> {
    let unexpected = |what: String| {
        Error::decode(format!(
            "the server accepted the restore and it may run, but answered {what} instead of \
             its session; check the target mailbox before running it again"
        ))
    };
    let response = match answer {
        Answer::Body(response) => response,
        Answer::NoContent => return Err(unexpected("204 No Content".into())),
        Answer::Restored(_) => return Err(unexpected("restore statistics".into())),
    };
    let body = crate::outcome::read_bounded(response.into_inner(), idle_timeout).await?;
    let started: crate::generated::v8::types::RestoreStarted = serde_json::from_slice(&body)
        .map_err(|e| {
            unexpected(format!(
                "a body that is not `{{sessionId}}` ({})",
                crate::redact::serde_error(&e)
            ))
        })?;
    Ok(SessionId::from(started.session_id))
}

/// One poll of `getRestoreStatistics`: the outcome once every item is accounted for, `None`
/// while the restore runs. A status other than 200 is the error it says.
async fn poll_statistics(
    version: ApiVersion,
    action: ActionKind,
    response: reqwest::Response,
    idle_timeout: Option<Duration>,
    empty_is_final: bool,
) -> Result<Option<Restored>, Error> {
    const OPERATION: Operation = Operation::GetRestoreStatistics;
    if !response.status().is_success() {
        let error = progenitor_client::Error::<crate::generated::types::Error>::UnexpectedResponse(
            response,
        );
        return Err(Error::from_generated(error, OPERATION).await);
    }
    let stream = progenitor_client::ResponseValue::stream(response).into_inner();
    let body = crate::outcome::read_bounded(stream, idle_timeout).await?;
    match version {
        ApiVersion::V8 => {
            let statistics: crate::generated::v8::types::RestoreSessionStatistics =
                serde_json::from_slice(&body).map_err(|e| {
                    Error::decode(format!(
                        "the restore statistics are not the documented JSON ({})",
                        crate::redact::serde_error(&e)
                    ))
                    .with_operation(OPERATION)
                })?;
            Ok(finished(action, statistics, empty_is_final))
        }
        other => Err(Error::unsupported(OPERATION, other)),
    }
}

/// The outcome of a v8 restore once its statistics account for every item: `None` while
/// items are left, and while the total is 0 unless `empty_is_final` (at first a total of 0
/// means that the server has not counted the items yet).
fn finished(
    action: ActionKind,
    statistics: crate::generated::v8::types::RestoreSessionStatistics,
    empty_is_final: bool,
) -> Option<Restored> {
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    let total = count(statistics.total_items_count);
    let (restored, failed, skipped) = (
        count(statistics.restored_items_count),
        count(statistics.failed_items_count),
        count(statistics.skipped_items_count),
    );
    if (total == 0 && !empty_is_final) || restored + failed + skipped < total {
        return None;
    }
    Some(Restored {
        action,
        statistics: crate::generated::types::RestoreStatistics {
            created_items_count: None,
            merged_items_count: None,
            failed_items_count: Some(statistics.failed_items_count),
            skipped_items_count: Some(statistics.skipped_items_count),
            warnings: Some(statistics.warnings),
            exceptions: None,
            cannot_continue_error: None,
        },
        restored: Some(restored),
        errors: statistics.errors,
    })
}
