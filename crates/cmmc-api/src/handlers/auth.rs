//! Signing in and out, and the signed-in user.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::dto::UserDto;
use crate::dto::auth::{
    LoginRequest, LoginResponse, LogoutRequest, PasswordRequest, RefreshRequest, TokenResponse,
};
use crate::error::ApiError;
use crate::extract::{CurrentUser, client_ip};
use crate::startup::AppState;

fn no_store(body: TokenResponse) -> HttpResponse {
    HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(body)
}

/// This module's part of the API document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(login, refresh, logout, me, change_password))]
pub(crate) struct Doc;

/// POST /api/auth/login
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", security(()), request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in: a token pair; or, with MFA on, `mfa_required` and an `mfa_token` for `POST /api/auth/mfa/verify`", body = LoginResponse),
        (status = 400, description = "A malformed body or unknown field", body = crate::error::Problem, content_type = "application/problem+json"), (status = 401, description = "No valid access token, or (login, refresh) refused", body = crate::error::Problem, content_type = "application/problem+json"), (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn login(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let sign_in = state.services.login(&body.username, &body.password, client_ip(&request)).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(LoginResponse::from(sign_in)))
}

/// POST /api/auth/refresh
#[utoipa::path(post, path = "/api/auth/refresh", tag = "auth", security(()), request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair; the old refresh token is spent", body = TokenResponse),
        (status = 400, description = "A malformed body or unknown field", body = crate::error::Problem, content_type = "application/problem+json"), (status = 401, description = "No valid access token, or (login, refresh) refused", body = crate::error::Problem, content_type = "application/problem+json"), (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn refresh(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: web::Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let pair = state.services.refresh(&body.refresh_token, client_ip(&request)).await?;
    Ok(no_store(pair.into()))
}

/// POST /api/auth/logout (the body is optional)
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", security(("bearer" = [])), request_body(content = Option<LogoutRequest>),
    responses(
        (status = 204, description = "Signed out"),
        (status = 400, description = "A malformed body or unknown field", body = crate::error::Problem, content_type = "application/problem+json"), (status = 401, description = "No valid access token, or (login, refresh) refused", body = crate::error::Problem, content_type = "application/problem+json"), (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn logout(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: Option<web::Json<LogoutRequest>>,
) -> Result<HttpResponse, ApiError> {
    let body = body.map(web::Json::into_inner).unwrap_or_default();
    state.services.logout(&user.0, body.refresh_token.as_deref()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// GET /api/auth/me
#[utoipa::path(get, path = "/api/auth/me", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, description = "The signed-in user", body = crate::dto::UserDto),
        (status = 401, description = "No valid access token, or (login, refresh) refused", body = crate::error::Problem, content_type = "application/problem+json"), (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn me(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    let me = state.services.me(&user.0).await?;
    Ok(HttpResponse::Ok().json(UserDto::from(&me)))
}

/// PUT /api/auth/password
#[utoipa::path(put, path = "/api/auth/password", tag = "auth", security(("bearer" = [])), request_body = PasswordRequest,
    responses(
        (status = 204, description = "Changed; the user's other sign-ins are revoked"),
        (status = 400, description = "A malformed body, a wrong current password, or a new password that breaks the rules", body = crate::error::Problem, content_type = "application/problem+json"), (status = 401, description = "No valid access token, or (login, refresh) refused", body = crate::error::Problem, content_type = "application/problem+json"), (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A new password of the right length and characters that breaks another rule: over 72 bytes, the username or email, one character repeated", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn change_password(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<PasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    state.services.change_password(&user.0, &body.current_password, &body.new_password).await?;
    Ok(HttpResponse::NoContent().finish())
}
