//! The bodies of signing in and out, and of changing one's password.

use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoginRequest {
    /// The username or the email.
    pub(crate) username: String,
    pub(crate) password: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RefreshRequest {
    pub(crate) refresh_token: String,
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LogoutRequest {
    pub(crate) refresh_token: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasswordRequest {
    pub(crate) current_password: String,
    /// At least 12 characters and at most 72 bytes; not the username or the
    /// email, not one character repeated, not one of the last five.
    #[schema(min_length = 12, max_length = 72)]
    pub(crate) new_password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"access_token": "…", "refresh_token": "…", "token_type": "Bearer", "expires_in": 900}))]
pub(crate) struct TokenResponse {
    access_token: String,
    refresh_token: String,
    token_type: &'static str,
    expires_in: i64,
}

impl From<cmmc_services::auth::TokenPair> for TokenResponse {
    fn from(pair: cmmc_services::auth::TokenPair) -> Self {
        Self {
            access_token: pair.access_token,
            refresh_token: pair.refresh_token,
            token_type: "Bearer",
            expires_in: pair.expires_in,
        }
    }
}
