//! Extractors written once: the signed-in user, the client address.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use cmmc_services::Actor;

use crate::error::{ApiError, ProblemKind};
use crate::startup::AppState;

/// The signed-in user of a request (`Authorization: Bearer <access_token>`).
/// A handler that takes one answers 401 without a valid token.
#[derive(Debug, Clone)]
pub(crate) struct CurrentUser(pub(crate) Actor);

/// The client's address, as the audit trail records it: the TCP peer (a
/// proxy's `X-Forwarded-For` is not trusted, since any client can send it).
pub(crate) fn client_ip(request: &HttpRequest) -> Option<String> {
    request.peer_addr().map(|addr| addr.ip().to_string())
}

fn bearer(request: &HttpRequest) -> Result<String, ApiError> {
    let header =
        request.headers().get(actix_web::http::header::AUTHORIZATION).ok_or_else(|| {
            ApiError::new(
                ProblemKind::Unauthenticated,
                "sign in: send Authorization: Bearer <access_token>",
            )
        })?;
    let value = header.to_str().map_err(|_| {
        ApiError::new(ProblemKind::Unauthenticated, "the Authorization header is not text")
    })?;
    let (scheme, token) = value.split_once(' ').ok_or_else(|| {
        ApiError::new(
            ProblemKind::Unauthenticated,
            "the Authorization header must be Bearer <access_token>",
        )
    })?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() || token.len() > 512 {
        return Err(ApiError::new(
            ProblemKind::Unauthenticated,
            "the Authorization header must be Bearer <access_token>",
        ));
    }
    Ok(token.trim().to_owned())
}

impl FromRequest for CurrentUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let token = bearer(request);
        let state = request.app_data::<web::Data<AppState>>().cloned();
        let ip = client_ip(request);
        // Checked once signed in (a stranger learns nothing but 401), and
        // before any query names the id.
        let ids = crate::input_guard::check_path_ids(request);
        Box::pin(async move {
            let token = token?;
            let state = state
                .ok_or_else(|| ApiError::new(ProblemKind::Internal, "application state missing"))?;
            let actor = state.services.authenticate(&token, ip).await?;
            ids?;
            Ok(Self(actor))
        })
    }
}
