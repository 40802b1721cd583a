//! `createToken`: the three grants, and the token answer.

use axum::http::StatusCode;
use axum::response::Response;

use super::json;
use crate::SecretString;
use crate::sim::http::Sim;
use crate::sim::http::errors::ApiError;
use crate::sim::http::input::Input;
use crate::sim::state::{Login, LoginKind};
use crate::types;

impl Sim {
    pub fn create_token(&self, input: &Input) -> Result<Response, ApiError> {
        // From v7 on the form may carry `disable_antiforgery_token`: the simulator issues no
        // antiforgery token either way.
        let common = self.in_common_shape(input, input.operation, input.body.clone());
        let request: types::TokenRequest = common.typed()?;
        let login = match request {
            types::TokenRequest::PasswordGrant(grant) => {
                self.password_login(grant.username.as_str(), grant.password.expose())?
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
                Login {
                    user: grant.client_id.to_string(),
                    kind: LoginKind::Tenant,
                }
            }
        };
        let user = login.user.clone();
        let (access, refresh) = self.shared.issue_token(&login);
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

impl Sim {
    /// The login of a password grant: the administrator or the tenant account. User names
    /// match in any case, as Windows and Microsoft 365 accounts do; passwords exactly.
    fn password_login(&self, username: &str, password: &str) -> Result<Login, ApiError> {
        let shared = &self.shared;
        let accounts = [
            (&shared.username, &shared.password, LoginKind::Administrator),
            (
                &shared.tenant_username,
                &shared.tenant_password,
                LoginKind::Tenant,
            ),
        ];
        accounts
            .into_iter()
            .find(|(user, secret, _)| {
                username.eq_ignore_ascii_case(user) && password == secret.expose()
            })
            .map(|(user, _, kind)| Login {
                user: user.clone(),
                kind,
            })
            .ok_or_else(|| ApiError::invalid_grant("The user name or password is incorrect."))
    }
}
