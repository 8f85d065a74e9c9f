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

/// What a sign-in with a password answers: a token pair, or (MFA on) a
/// challenge for `POST /api/auth/mfa/verify`.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = LoginAnswer, example = json!({"access_token": "…", "refresh_token": "…", "token_type": "Bearer", "expires_in": 900, "mfa_required": false, "mfa_enrolment_required": false}))]
pub(crate) struct LoginResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    access_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    token_type: Option<&'static str>,
    /// Seconds until the access token (or, with `mfa_required`, the MFA token) expires.
    expires_in: i64,
    /// A second factor is needed: send `mfa_token` and a code to `POST /api/auth/mfa/verify`.
    mfa_required: bool,
    /// Single-use, short-lived; only with `mfa_required`.
    #[serde(skip_serializing_if = "Option::is_none")]
    mfa_token: Option<String>,
    /// The user must enrol in MFA (`POST /api/auth/mfa/totp`) before anything else;
    /// until then these tokens allow nothing but enrolling, `me`, and signing out.
    mfa_enrolment_required: bool,
}

impl From<cmmc_services::auth::SignIn> for LoginResponse {
    fn from(sign_in: cmmc_services::auth::SignIn) -> Self {
        use cmmc_services::auth::SignIn;
        match sign_in {
            SignIn::Tokens { tokens, enrol_only } => Self {
                access_token: Some(tokens.access_token),
                refresh_token: Some(tokens.refresh_token),
                token_type: Some("Bearer"),
                expires_in: tokens.expires_in,
                mfa_required: false,
                mfa_token: None,
                mfa_enrolment_required: enrol_only,
            },
            SignIn::MfaRequired { mfa_token, expires_in } => Self {
                access_token: None,
                refresh_token: None,
                token_type: None,
                expires_in,
                mfa_required: true,
                mfa_token: Some(mfa_token),
                mfa_enrolment_required: false,
            },
        }
    }
}

/// A new TOTP secret, shown once.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = TotpEnrolment)]
pub(crate) struct TotpEnrolmentResponse {
    /// The secret in base32, for typing into an authenticator app.
    pub(crate) secret: String,
    /// `otpauth://totp/...`, for an authenticator app to read as a QR code.
    pub(crate) otpauth_uri: String,
}

/// A code from the authenticator app.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = TotpCode)]
pub(crate) struct CodeRequest {
    /// Six digits.
    #[schema(max_length = 32)]
    pub(crate) code: String,
}

/// Ten single-use recovery codes, shown this once.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = RecoveryCodes)]
pub(crate) struct RecoveryCodesResponse {
    pub(crate) recovery_codes: Vec<String>,
}

/// Turning MFA off: a current code and the password.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = TotpOff)]
pub(crate) struct DisableTotpRequest {
    /// A TOTP code or a recovery code.
    #[schema(max_length = 32)]
    pub(crate) code: String,
    pub(crate) password: String,
}

/// The second step of a sign-in.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = MfaVerify)]
pub(crate) struct VerifyRequest {
    /// From the login's answer.
    #[schema(max_length = 128)]
    pub(crate) mfa_token: String,
    /// A TOTP code (six digits) or a recovery code (`xxxxx-xxxxx`).
    #[schema(max_length = 32)]
    pub(crate) code: String,
}

/// Whom an organisation requires to use MFA.
#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = MfaPolicy)]
pub(crate) struct MfaPolicyBody {
    /// `none`, `privileged` (org_admin and system_admin) or `all`.
    #[schema(pattern = "^(none|privileged|all)$")]
    pub(crate) require: String,
}
