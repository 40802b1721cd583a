//! Organizations and restore sessions: listing the organization, exploring it (which starts
//! a session), reading and stopping sessions, and device codes for restores.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use super::{json, path_of, session_path};
use crate::generated::operations::{ApiVersion, Operation};
use crate::sim::http::Sim;
use crate::sim::http::errors::ApiError;
use crate::sim::http::input::Input;
use crate::sim::state::Session;
use crate::types;

impl Sim {
    fn restore_session(
        &self,
        input: &Input,
        session: &Session,
    ) -> Result<types::RestoreSession, ApiError> {
        let state = if session.is_working() {
            types::RestoreSessionState::Working
        } else {
            types::RestoreSessionState::Stopped
        };
        Ok(types::RestoreSession::builder()
            .creation_time(crate::Timestamp::from(session.created))
            .end_time(session.ended.map(crate::Timestamp::from))
            .id(session.id)
            .links(self.self_links(input, &session_path(input.version, session.id))?)
            .name(session.name.clone())
            .organization(self.shared.catalog.organization_name.clone())
            .result(types::RestoreSessionResult::Success)
            .state(state)
            .type_(session.kind.clone())
            .try_into()?)
    }

    /// The one organization, with its `self` link at `path`, and its backup times unless
    /// the request asked for the short view (`extendedView`, from v6 on).
    fn organization(&self, input: &Input, path: &str) -> Result<types::Organization, ApiError> {
        let catalog = self.catalog();
        let extended = extended_view(input);
        let time = |t| extended.then(|| crate::Timestamp::from(t));
        Ok(types::Organization::builder()
            .first_backuptime(time(catalog.first_backup))
            .id(catalog.organization_id)
            .last_backuptime(time(catalog.last_backup))
            .links(self.self_links(input, path)?)
            .name(catalog.organization_name.clone())
            .type_("Office365".to_string())
            .try_into()?)
    }

    pub fn list_organizations(&self, input: &Input) -> Result<Response, ApiError> {
        let path = organization_path(input.version, self.catalog().organization_id);
        let organizations = vec![self.organization(input, &path)?];
        if input
            .operation
            .query_parameters(input.version)
            .contains(&"offset")
        {
            // Paged from v8 on.
            return self.organization_page(input, organizations);
        }
        Ok(json(StatusCode::OK, &organizations))
    }

    pub fn get_organization(&self, input: &Input) -> Result<Response, ApiError> {
        let id = input.uuid("organizationId")?;
        if id != self.catalog().organization_id {
            return Err(ApiError::not_found(format!(
                "Organization {id} was not found."
            )));
        }
        let path = organization_path(input.version, id);
        Ok(json(StatusCode::OK, &self.organization(input, &path)?))
    }

    /// The organization a session explores: the one organization, whatever the session's state.
    pub fn get_restore_session_organization(&self, input: &Input) -> Result<Response, ApiError> {
        let session = self.session(input)?;
        let id = session.id.to_string();
        let path = path_of(
            input.version,
            Operation::GetRestoreSessionOrganization,
            &[("restoreSessionId", &id)],
        );
        Ok(json(StatusCode::OK, &self.organization(input, &path)?))
    }

    pub fn get_tenant_organization(&self, input: &Input) -> Result<Response, ApiError> {
        let path = path_of(input.version, Operation::GetTenantOrganization, &[]);
        let mut organization = self.organization(input, &path)?;
        // From v6 on a tenant's organization (`TenantOrganization`) has no links.
        if input.version > ApiVersion::V4 {
            organization.links = None;
        }
        Ok(json(StatusCode::OK, &organization))
    }

    pub fn explore_organization(&self, input: &Input) -> Result<Response, ApiError> {
        let id = input.uuid("organizationId")?;
        if id != self.catalog().organization_id {
            return Err(ApiError::not_found(format!(
                "Organization {id} was not found."
            )));
        }
        self.explore(input)
    }

    /// A tenant's explore: its own organization, which its token names.
    pub fn explore_tenant_organization(&self, input: &Input) -> Result<Response, ApiError> {
        self.explore(input)
    }

    fn explore(&self, input: &Input) -> Result<Response, ApiError> {
        let kind = if input.version == ApiVersion::V4 {
            let action: types::ExploreAction = input.typed()?;
            session_type(
                action
                    .explore
                    .type_
                    .unwrap_or(types::ExploreOptionsType::Vex),
            )
        } else {
            super::versioned::explored_type(input)
        };
        let session = self.shared.start_session(kind);
        Ok(json(
            StatusCode::CREATED,
            &self.restore_session(input, &session)?,
        ))
    }

    pub fn list_restore_sessions(&self, input: &Input) -> Result<Response, ApiError> {
        let sessions = self.shared.sessions();
        let page = self.page(input, sessions.len(), &[])?;
        let results = sessions[page.window]
            .iter()
            .map(|s| self.restore_session(input, s))
            .collect::<Result<Vec<_>, _>>()?;
        page_response!(types::RestoreSessionPage, page, results)
    }

    pub fn get_restore_session(&self, input: &Input) -> Result<Response, ApiError> {
        let session = self.session(input)?;
        Ok(json(
            StatusCode::OK,
            &self.restore_session(input, &session)?,
        ))
    }

    pub fn stop_restore_session(&self, input: &Input) -> Result<Response, ApiError> {
        // v4's `{"stop": null}`; from v6 on there is no body.
        if input.body.is_some() {
            let _: types::StopAction = input.typed()?;
        }
        let session = self.session(input)?;
        self.shared.stop_session(session.id);
        Ok(StatusCode::OK.into_response())
    }

    pub fn get_restore_device_code(&self, input: &Input) -> Result<Response, ApiError> {
        self.working_session(input)?;
        let common = self.in_common_shape(input, input.operation, input.body.clone());
        let _: types::RestoreDeviceCodeRequest = common.typed()?;
        let code = Uuid::new_v4().simple().to_string()[..9].to_ascii_uppercase();
        let url = "https://microsoft.com/devicelogin";
        let device_code: types::RestoreDeviceCode = types::RestoreDeviceCode::builder()
            .expires_in(900_i32)
            .message(format!(
                "To sign in, use a web browser to open the page {url} and enter the code {code} to authenticate."
            ))
            .user_code(code)
            .verification_url(url.to_string())
            .try_into()?;
        Ok(json(StatusCode::OK, &device_code))
    }
}

/// The path of the organization `id` (`getOrganization`) in `version`.
fn organization_path(version: ApiVersion, id: Uuid) -> String {
    let id = id.to_string();
    path_of(
        version,
        Operation::GetOrganization,
        &[("organizationId", &id)],
    )
}

/// Whether an organization is shown with its backup times: as `extendedView` says, and
/// where it is not given, as its default says: v4 has no such parameter and shows them, from
/// v7 on it defaults to false (v6 requires it).
fn extended_view(input: &Input) -> bool {
    input.query_bool("extendedView").unwrap_or_else(|| {
        !input
            .operation
            .query_parameters(input.version)
            .contains(&"extendedView")
    })
}

/// The response's open session type for the request's closed one.
fn session_type(kind: types::ExploreOptionsType) -> types::RestoreSessionType {
    match kind {
        types::ExploreOptionsType::Vex => types::RestoreSessionType::Vex,
        types::ExploreOptionsType::Veod => types::RestoreSessionType::Veod,
        types::ExploreOptionsType::Vesp => types::RestoreSessionType::Vesp,
    }
}
