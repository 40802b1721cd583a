//! `createToken`: the three grants, and the token answer.

use axum::http::StatusCode;
use axum::response::Response;

use super::json;
use crate::SecretString;
use crate::sim::http::Sim;
use crate::sim::http::errors::ApiError;
use crate::sim::http::input::Input;
use crate::types;

impl Sim {
    pub fn create_token(&self, input: &Input) -> Result<Response, ApiError> {
        let request: types::TokenRequest = input.typed()?;
        let user = match request {
            types::TokenRequest::PasswordGrant(grant) => {
                if grant.username.eq_ignore_ascii_case(&self.shared.username)
                    && grant.password.expose() == self.shared.password.expose()
                {
                    self.shared.username.clone()
                } else {
                    return Err(ApiError::invalid_grant(
                        "The user name or password is incorrect.",
                    ));
                }
            }
            types::TokenRequest::RefreshTokenGrant(grant) => self
                .shared
                .redeem_refresh_token(grant.refresh_token.expose())
                .ok_or_else(|| {
                    ApiError::invalid_grant(
                        "The refresh token is invalid, expired or already used.",
                    )
                })?,
            types::TokenRequest::JwtBearerGrant(grant) => {
                let parts: Vec<&str> = grant.assertion.expose().split('.').collect();
                let well_formed = parts.len() == 3 && parts.iter().all(|p| !p.is_empty());
                if !well_formed
                    || !grant
                        .client_id
                        .eq_ignore_ascii_case(&self.catalog().organization_name)
                {
                    return Err(ApiError::invalid_grant(
                        "The assertion is not a JWT for an organization of this server.",
                    ));
                }
                grant.client_id.to_string()
            }
        };
        let (access, refresh) = self.shared.issue_token(&user);
        let now = chrono::Utc::now();
        let lifetime = self.shared.token_lifetime;
        let expires = now + chrono::Duration::from_std(lifetime).unwrap_or(chrono::Duration::MAX);
        let rfc1123 =
            |t: chrono::DateTime<chrono::Utc>| t.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        let token: types::Token = types::Token::builder()
            .access_token(SecretString::from(access))
            .expires(rfc1123(expires))
            .expires_in(i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX))
            .issued(rfc1123(now))
            .refresh_token(Some(SecretString::from(refresh)))
            .token_type("bearer".to_string())
            .user_name(user)
            .try_into()?;
        Ok(json(StatusCode::OK, &token))
    }
}
