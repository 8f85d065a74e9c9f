//! Answers for requests no route takes.

use actix_web::{HttpRequest, HttpResponse, ResponseError};

use crate::error::{ApiError, ProblemKind};

/// Any path we do not serve.
pub(crate) async fn not_found(request: HttpRequest) -> HttpResponse {
    ApiError::not_found(format!("no endpoint at {}", request.path())).error_response()
}

/// A path we serve, with a method we do not.
pub(crate) async fn method_not_allowed(request: HttpRequest) -> HttpResponse {
    ApiError::new(
        ProblemKind::MethodNotAllowed,
        format!("{} is not allowed on {}", request.method(), request.path()),
    )
    .error_response()
}
