//! The generated client's hooks: every request gets the bearer token and the right `Accept`.

use std::sync::{Arc, RwLock};

use progenitor_client::{ClientHooks, OperationInfo};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};

use crate::SecretString;
use crate::generated::Client;

/// State shared by the generated client's requests.
#[derive(Debug, Clone, Default)]
pub struct Inner {
    token: Arc<RwLock<Option<SecretString>>>,
}

impl Inner {
    /// Sets the access token sent with every request but `createToken`.
    pub fn set_access_token(&self, token: SecretString) {
        *self.token.write().unwrap_or_else(|e| e.into_inner()) = Some(token);
    }

    fn bearer(&self) -> Option<HeaderValue> {
        let token = self.token.read().unwrap_or_else(|e| e.into_inner());
        let token = token.as_ref()?;
        let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose())).ok()?;
        value.set_sensitive(true);
        Some(value)
    }
}

/// The Action endpoint answers with a file, JSON or nothing; say that we accept all of them.
const ACTION_ACCEPT: &str = "application/octet-stream, application/json";

impl ClientHooks<Inner> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        use progenitor_client::ClientInfo;
        if info.operation_id != "create_token"
            && let Some(bearer) = self.inner().bearer()
        {
            request.headers_mut().insert(AUTHORIZATION, bearer);
        }
        if info.operation_id == "perform_mailbox_item_action" {
            request
                .headers_mut()
                .insert(ACCEPT, HeaderValue::from_static(ACTION_ACCEPT));
        }
        Ok(())
    }
}
