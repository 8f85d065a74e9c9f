//! Answers for requests no route takes.

use actix_web::{HttpRequest, HttpResponse, ResponseError};

use crate::error::{ApiError, ProblemKind};

/// Any path we do not serve: a problem document under `/api`, and for a
/// browser asking for a page elsewhere, the web interface's own 404 page.
pub(crate) async fn not_found(request: HttpRequest) -> HttpResponse {
    let wants_page = request
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_page && !request.path().starts_with("/api") {
        return cmmc_web::not_found_page();
    }
    ApiError::not_found(format!("no endpoint at {}", request.path())).error_response()
}

/// A path we serve, with a method we do not: 405 with `Allow` naming the
/// methods it has (HEAD is not among them, even where GET is).
pub(crate) async fn method_not_allowed(
    request: HttpRequest,
    allow: std::sync::Arc<str>,
) -> HttpResponse {
    let mut response = ApiError::new(
        ProblemKind::MethodNotAllowed,
        format!("{} is not allowed on {}; allowed: {allow}", request.method(), request.path()),
    )
    .error_response();
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&allow) {
        response.headers_mut().insert(actix_web::http::header::ALLOW, value);
    }
    response
}
