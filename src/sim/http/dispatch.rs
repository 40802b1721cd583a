//! The dispatch of a checked request to the handler of its operation, for every version.

use std::sync::Arc;

use axum::response::Response;

use super::Sim;
use super::errors::ApiError;
use super::input::Input;
use super::routing::Route;
use crate::generated::operations::Operation;

impl Sim {
    /// Hands a checked request to the handler of its operation, and gives the answer the
    /// status the route's spec declares. The match is exhaustive: an operation a spec adds
    /// does not compile until it has a handler here. The handlers serve every version: each
    /// reads the version's request shape and answers in the version's shape
    /// (`crate::sim::handlers::versioned`).
    pub(super) async fn dispatch(
        self: &Arc<Self>,
        route: &Route,
        input: Input,
    ) -> Result<Response, ApiError> {
        let response = match route.operation {
            Operation::CreateToken => self.create_token(&input),
            Operation::ListOrganizations => self.list_organizations(&input),
            Operation::GetOrganization => self.get_organization(&input),
            Operation::GetRestoreSessionOrganization => {
                self.get_restore_session_organization(&input)
            }
            Operation::GetMailboxFolder => self.get_mailbox_folder(&input),
            Operation::PerformMailboxFolderAction => {
                self.blocking(input, Sim::perform_folder_action).await
            }
            Operation::ExploreOrganization => self.explore_organization(&input),
            Operation::GetTenantOrganization => self.get_tenant_organization(&input),
            Operation::ExploreTenantOrganization => self.explore_tenant_organization(&input),
            Operation::ListRestoreSessions => self.list_restore_sessions(&input),
            Operation::GetRestoreSession => self.get_restore_session(&input),
            Operation::StopRestoreSession => self.stop_restore_session(&input),
            Operation::GetRestoreDeviceCode => self.get_restore_device_code(&input),
            Operation::ListMailboxes => self.list_mailboxes(&input),
            Operation::GetMailbox => self.get_mailbox(&input),
            Operation::PerformMailboxAction => {
                self.blocking(input, Sim::perform_mailbox_action).await
            }
            Operation::ListMailboxFolders => self.list_mailbox_folders(&input),
            Operation::ListMailboxItems => self.list_mailbox_items(&input),
            Operation::GetMailboxItem => self.get_mailbox_item(&input),
            Operation::PerformMailboxItemAction => self.blocking(input, Sim::perform_action).await,
            Operation::PerformMailboxItemsAction => {
                self.blocking(input, Sim::perform_items_action).await
            }
            Operation::GetVexEmailSettings => self.get_vex_settings(),
            Operation::PutVexEmailSettings => self.put_vex_settings(&input),
            // From v6 on, one operation per action, named by the action table.
            Operation::ExportMailboxToPst
            | Operation::RestoreMailbox
            | Operation::RestoreMailboxTo
            | Operation::ExportMailboxFolderToPst
            | Operation::RestoreMailboxFolder
            | Operation::RestoreMailboxFolderTo
            | Operation::ExportMailboxItemsToPst
            | Operation::RestoreMailboxItems
            | Operation::RestoreMailboxItemsTo
            | Operation::SendMailboxItemsToDefaultAddress
            | Operation::SendMailboxItemsToDifferentAddress
            | Operation::SaveMailboxItems
            | Operation::ExportMailboxItemToPst
            | Operation::RestoreMailboxItem
            | Operation::RestoreMailboxItemTo
            | Operation::SendMailboxItemToDefaultAddress
            | Operation::SendMailboxItemToDifferentAddress
            | Operation::SaveMailboxItem => self.blocking(input, Sim::perform_routed).await,
            // v8: what an asynchronous restore did.
            Operation::GetRestoreStatistics => self.get_restore_statistics(&input),
        }?;
        Ok(with_declared_status(route, response))
    }
}

/// `response` with the one success status the route declares, if it differs: a v4 handler's
/// 200 becomes v6's 200 for an explore, v8's 204 for a send (with no body). An answer of
/// another status is left alone.
fn with_declared_status(route: &Route, mut response: Response) -> Response {
    let Some(declared) = route.success else {
        return response;
    };
    if !response.status().is_success() || response.status() == declared {
        return response;
    }
    *response.status_mut() = declared;
    if declared == axum::http::StatusCode::NO_CONTENT {
        *response.body_mut() = axum::body::Body::empty();
        let headers = response.headers_mut();
        headers.remove(axum::http::header::CONTENT_TYPE);
        headers.remove(axum::http::header::CONTENT_LENGTH);
    }
    response
}

impl Sim {
    /// Runs an action's handler on the blocking pool: laying out the PST of a large mailbox
    /// takes seconds of CPU, which must not hold up a runtime worker and the requests on it.
    async fn blocking(
        self: &Arc<Self>,
        input: Input,
        handler: fn(&Sim, &Input) -> Result<Response, ApiError>,
    ) -> Result<Response, ApiError> {
        let sim = Arc::clone(self);
        tokio::task::spawn_blocking(move || handler(&sim, &input))
            .await
            .map_err(|e| ApiError::internal(format!("the action's handler failed: {e}")))?
    }
}
