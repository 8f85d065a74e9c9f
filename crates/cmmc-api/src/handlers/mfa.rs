//! Multi-factor authentication: enrolment, the second step of a sign-in,
//! turning it off, an organisation's policy and an administrator's reset.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::dto::auth::{
    CodeRequest, DisableTotpRequest, MfaPolicyBody, RecoveryCodesResponse, TokenResponse,
    TotpEnrolmentResponse, VerifyRequest,
};
use crate::error::ApiError;
use crate::extract::{CurrentUser, client_ip};
use crate::startup::AppState;

#[derive(utoipa::OpenApi)]
#[openapi(paths(start_totp, confirm_totp, disable_totp, verify, set_policy, reset))]
pub(crate) struct Doc;

fn no_store() -> actix_web::HttpResponseBuilder {
    let mut response = HttpResponse::Ok();
    response.insert_header(("Cache-Control", "no-store"));
    response
}

/// POST /api/auth/mfa/totp: starts enrolment. Audited as `auth.mfa_enrol`.
#[utoipa::path(post, path = "/api/auth/mfa/totp", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, description = "A new secret and its otpauth URI, shown once; MFA is on after `POST /api/auth/mfa/totp/confirm`", body = TotpEnrolmentResponse),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "MFA is on already", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn start_totp(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    let enrolment = state.services.start_totp_enrolment(&user.0).await?;
    Ok(no_store().json(TotpEnrolmentResponse {
        secret: enrolment.secret,
        otpauth_uri: enrolment.otpauth_uri,
    }))
}

/// POST /api/auth/mfa/totp/confirm: turns MFA on with a first code.
/// Audited as `auth.mfa_enabled`.
#[utoipa::path(post, path = "/api/auth/mfa/totp/confirm", tag = "auth", security(("bearer" = [])),
    request_body = CodeRequest,
    responses(
        (status = 200, description = "MFA is on: ten single-use recovery codes, shown this once", body = RecoveryCodesResponse),
        (status = 400, description = "A malformed body, an unknown field or a control character", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "MFA is on already, or enrolment has not started", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The code does not match", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn confirm_totp(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<CodeRequest>,
) -> Result<HttpResponse, ApiError> {
    let recovery_codes = state.services.confirm_totp(&user.0, &body.code).await?;
    Ok(no_store().json(RecoveryCodesResponse { recovery_codes }))
}

/// DELETE /api/auth/mfa/totp: turns MFA off with a code and the password.
/// Audited as `auth.mfa_disabled`.
#[utoipa::path(delete, path = "/api/auth/mfa/totp", tag = "auth", security(("bearer" = [])),
    request_body = DisableTotpRequest,
    responses(
        (status = 204, description = "MFA is off"),
        (status = 400, description = "A malformed body, an unknown field or a control character", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "MFA is off, or the organisation requires it", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The code or the password is wrong", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn disable_totp(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<DisableTotpRequest>,
) -> Result<HttpResponse, ApiError> {
    state.services.disable_totp(&user.0, &body.code, &body.password).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// POST /api/auth/mfa/verify: the second step of a sign-in.
#[utoipa::path(post, path = "/api/auth/mfa/verify", tag = "auth", security(()),
    request_body = VerifyRequest,
    responses(
        (status = 200, description = "Signed in: a token pair", body = TokenResponse),
        (status = 400, description = "A malformed body, an unknown field or a control character", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "An unknown, used or expired MFA token, a wrong code (counted toward the lockout), or a locked account", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn verify(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: web::Json<VerifyRequest>,
) -> Result<HttpResponse, ApiError> {
    let pair = state.services.verify_mfa(&body.mfa_token, &body.code, client_ip(&request)).await?;
    Ok(no_store().json(TokenResponse::from(pair)))
}

/// PUT /api/organizations/{org_id}/mfa-policy: whom the organisation
/// requires to use MFA. Audited as `organization.mfa_policy`.
#[utoipa::path(put, path = "/api/organizations/{org_id}/mfa-policy", tag = "organizations", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation (a UUID)")),
    request_body = MfaPolicyBody,
    responses(
        (status = 200, description = "The policy as set", body = MfaPolicyBody),
        (status = 400, description = "A policy that is not none, privileged or all; a malformed body or an unknown field", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow changing the organisation", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation (or another one)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn set_policy(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<MfaPolicyBody>,
) -> Result<HttpResponse, ApiError> {
    let policy = state.services.set_mfa_policy(&user.0, &path, &body.require).await?;
    Ok(HttpResponse::Ok().json(MfaPolicyBody { require: policy.as_str().to_owned() }))
}

/// DELETE /api/organizations/{org_id}/users/{user_id}/mfa: an
/// administrator's reset of a user's MFA; the user's sign-ins end.
/// Audited as `user.mfa_reset`.
#[utoipa::path(delete, path = "/api/organizations/{org_id}/users/{user_id}/mfa", tag = "organizations", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation (a UUID)"), ("user_id" = String, Path, description = "The user (a UUID)")),
    responses(
        (status = 204, description = "Reset: the user enrols again"),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow changing users", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user in the organisation (or another organisation)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Your own MFA (turn it off with a code instead)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn reset(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (org_id, user_id) = path.into_inner();
    state.services.reset_mfa(&user.0, &org_id, &user_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
