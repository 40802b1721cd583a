//! Organizations and restore sessions: listing the organization, exploring it (which starts
//! a session), reading and stopping sessions, and device codes for restores.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use super::{json, session_path};
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
            .links(self.self_links(input, &session_path(session.id))?)
            .name(session.name.clone())
            .organization(self.shared.catalog.organization_name.clone())
            .result(types::RestoreSessionResult::Success)
            .state(state)
            .type_(session_type(session.kind))
            .try_into()?)
    }

    /// The one organization, with its `self` link at `path`.
    fn organization(&self, input: &Input, path: &str) -> Result<types::Organization, ApiError> {
        let catalog = self.catalog();
        Ok(types::Organization::builder()
            .first_backuptime(Some(crate::Timestamp::from(catalog.first_backup)))
            .id(catalog.organization_id)
            .last_backuptime(Some(crate::Timestamp::from(catalog.last_backup)))
            .links(self.self_links(input, path)?)
            .name(catalog.organization_name.clone())
            .type_("Office365".to_string())
            .try_into()?)
    }

    pub fn list_organizations(&self, input: &Input) -> Result<Response, ApiError> {
        let path = format!("/v4/Organizations/{}", self.catalog().organization_id);
        Ok(json(
            StatusCode::OK,
            &vec![self.organization(input, &path)?],
        ))
    }

    pub fn get_organization(&self, input: &Input) -> Result<Response, ApiError> {
        let id = input.uuid("organizationId")?;
        if id != self.catalog().organization_id {
            return Err(ApiError::not_found(format!(
                "Organization {id} was not found."
            )));
        }
        let path = format!("/v4/Organizations/{id}");
        Ok(json(StatusCode::OK, &self.organization(input, &path)?))
    }

    /// The organization a session explores: the one organization, whatever the session's state.
    pub fn get_restore_session_organization(&self, input: &Input) -> Result<Response, ApiError> {
        let session = self.session(input)?;
        let path = format!("{}/Organization", session_path(session.id));
        Ok(json(StatusCode::OK, &self.organization(input, &path)?))
    }

    pub fn get_tenant_organization(&self, input: &Input) -> Result<Response, ApiError> {
        Ok(json(
            StatusCode::OK,
            &self.organization(input, "/v4/Organization")?,
        ))
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
        let action: types::ExploreAction = input.typed()?;
        let kind = action
            .explore
            .type_
            .unwrap_or(types::ExploreOptionsType::Vex);
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
        let _: types::StopAction = input.typed()?;
        let session = self.session(input)?;
        self.shared.stop_session(session.id);
        Ok(StatusCode::OK.into_response())
    }

    pub fn get_restore_device_code(&self, input: &Input) -> Result<Response, ApiError> {
        self.working_session(input)?;
        let _: types::RestoreDeviceCodeRequest = input.typed()?;
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

/// The response's open session type for the request's closed one.
fn session_type(kind: types::ExploreOptionsType) -> types::RestoreSessionType {
    match kind {
        types::ExploreOptionsType::Vex => types::RestoreSessionType::Vex,
        types::ExploreOptionsType::Veod => types::RestoreSessionType::Veod,
        types::ExploreOptionsType::Vesp => types::RestoreSessionType::Vesp,
    }
}
