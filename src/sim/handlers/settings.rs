//! The VEX email settings that the send actions need: kept in the state as the generated
//! [`types::VexEmailSettings`], updated by the generated [`types::VexEmailSettingsUpdate`].

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::json;
use crate::sim::http::Sim;
use crate::sim::http::errors::ApiError;
use crate::sim::http::input::Input;
use crate::types;

impl Sim {
    pub fn get_vex_settings(&self) -> Result<Response, ApiError> {
        Ok(json(StatusCode::OK, &self.shared.vex_settings()))
    }

    pub fn put_vex_settings(&self, input: &Input) -> Result<Response, ApiError> {
        let common = self.in_common_shape(input, input.operation, input.body.clone());
        let update: types::VexEmailSettingsUpdate = common.typed()?;
        self.shared
            .update_vex_settings(update)
            .map_err(ApiError::internal)?;
        Ok(StatusCode::OK.into_response())
    }
}
