//! Errors as RFC 9457 problem details (`application/problem+json`).
//!
//! Every kind of error has a stable `type` that clients can rely on; `detail`
//! is safe to show a user; internal causes are logged, never answered.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use cmmc_services::ServiceError;
use serde::Serialize;

/// The kinds of error the API answers, each with its status and `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// A query, path or body parameter is malformed or out of range (400).
    InvalidParameter,
    /// The request body is not the JSON the endpoint takes (400).
    InvalidBody,
    /// The request conforms to the schema but breaks a rule that depends on
    /// stored state, server policy or several fields at once (422).
    Unprocessable,
    /// No valid credentials (401).
    Unauthenticated,
    /// Signed in, but the role does not allow it (403).
    Forbidden,
    /// Nothing here by that name (404).
    NotFound,
    /// The request conflicts with the current state (409).
    Conflict,
    /// The resource changed since the client read it (412).
    PreconditionFailed,
    /// An external service (DataPact) failed (502; 504 for a timeout).
    Upstream,
    /// An upload over the size limit (413).
    PayloadTooLarge,
    /// An upload of a kind not accepted (415).
    UnsupportedMediaType,
    /// Stored data failed its integrity check (500).
    IntegrityFailure,
    /// The route exists but not with this method (405).
    MethodNotAllowed,
    /// The database cannot be reached (503).
    Unavailable,
    /// A bug or an infrastructure failure (500).
    Internal,
    /// A request head that is not HTTP/1 as the server reads it (400).
    MalformedRequest,
    /// The first request head did not arrive in time (408).
    RequestTimeout,
    /// A request target over 65,534 bytes (414).
    UriTooLong,
    /// Over 96 header fields, or a head over 128 KiB (431).
    HeadersTooLarge,
}

impl ProblemKind {
    #[must_use]
    pub const fn status(self) -> StatusCode {
        match self {
            Self::InvalidParameter | Self::InvalidBody => StatusCode::BAD_REQUEST,
            Self::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Conflict => StatusCode::CONFLICT,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Upstream => StatusCode::BAD_GATEWAY,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::IntegrityFailure => StatusCode::INTERNAL_SERVER_ERROR,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::MalformedRequest => StatusCode::BAD_REQUEST,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::UriTooLong => StatusCode::URI_TOO_LONG,
            Self::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        }
    }

    /// The stable problem type.
    #[must_use]
    pub const fn type_uri(self) -> &'static str {
        match self {
            Self::InvalidParameter => "/problems/invalid-parameter",
            Self::InvalidBody => "/problems/invalid-body",
            Self::Unprocessable => "/problems/unprocessable",
            Self::Unauthenticated => "/problems/unauthenticated",
            Self::Forbidden => "/problems/forbidden",
            Self::NotFound => "/problems/not-found",
            Self::Conflict => "/problems/conflict",
            Self::PreconditionFailed => "/problems/precondition-failed",
            Self::PayloadTooLarge => "/problems/payload-too-large",
            Self::Upstream => "/problems/upstream",
            Self::UnsupportedMediaType => "/problems/unsupported-media-type",
            Self::IntegrityFailure => "/problems/integrity-failure",
            Self::MethodNotAllowed => "/problems/method-not-allowed",
            Self::Unavailable => "/problems/unavailable",
            Self::Internal => "/problems/internal",
            Self::MalformedRequest => "/problems/malformed-request",
            Self::RequestTimeout => "/problems/request-timeout",
            Self::UriTooLong => "/problems/uri-too-long",
            Self::HeadersTooLarge => "/problems/headers-too-large",
        }
    }

    #[must_use]
    pub const fn title(self) -> &'static str {
        match self {
            Self::InvalidParameter => "Invalid parameter",
            Self::InvalidBody => "Invalid request body",
            Self::Unprocessable => "Unprocessable request",
            Self::Unauthenticated => "Authentication required",
            Self::Forbidden => "Forbidden",
            Self::NotFound => "Not found",
            Self::Conflict => "Conflict",
            Self::PreconditionFailed => "Precondition failed",
            Self::PayloadTooLarge => "Payload too large",
            Self::Upstream => "DataPact failed",
            Self::UnsupportedMediaType => "Unsupported media type",
            Self::IntegrityFailure => "Integrity check failed",
            Self::MethodNotAllowed => "Method not allowed",
            Self::Unavailable => "Service unavailable",
            Self::Internal => "Internal server error",
            Self::MalformedRequest => "Malformed request",
            Self::RequestTimeout => "Request timeout",
            Self::UriTooLong => "URI too long",
            Self::HeadersTooLarge => "Request header fields too large",
        }
    }
}

/// A field-level problem of a 400 or 422 answer. A problem of an uploaded
/// file's row also says where: `line` (1 is the header), `column` (the
/// same as `field`) and `problem` (the same as `message`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

impl FieldError {
    /// A problem of `field`.
    #[must_use]
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            message: message.into(),
            line: None,
            column: None,
            problem: None,
        }
    }
}

/// An error on its way to becoming a problem+json answer.
#[derive(Debug, thiserror::Error)]
#[error("{detail}")]
pub struct ApiError {
    pub kind: ProblemKind,
    /// Safe to show the user.
    pub detail: String,
    pub errors: Vec<FieldError>,
    /// Logged for 5xx; never sent.
    #[source]
    pub cause: Option<anyhow::Error>,
}

impl ApiError {
    #[must_use]
    pub fn new(kind: ProblemKind, detail: impl Into<String>) -> Self {
        Self { kind, detail: detail.into(), errors: Vec::new(), cause: None }
    }

    /// A 400 naming the parameter and what is wrong with it.
    #[must_use]
    pub fn invalid_parameter(field: &str, message: impl std::fmt::Display) -> Self {
        let message = message.to_string();
        Self {
            kind: ProblemKind::InvalidParameter,
            detail: format!("{field}: {message}"),
            errors: vec![FieldError::new(field, message)],
            cause: None,
        }
    }

    #[must_use]
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(ProblemKind::NotFound, detail)
    }

    /// 400 listing every problem of an uploaded file's rows.
    fn invalid_rows(rows: Vec<cmmc_services::RowProblem>) -> Self {
        let detail = match rows.first() {
            Some(first) => format!(
                "{} problem(s) in the file, nothing was written; the first: line {}, {}: {}",
                rows.len(),
                first.line,
                first.column,
                first.problem
            ),
            None => "the file has problems; nothing was written".to_owned(),
        };
        let errors = rows
            .into_iter()
            .map(|row| FieldError {
                field: row.column.clone(),
                message: row.problem.clone(),
                line: Some(row.line),
                column: Some(row.column),
                problem: Some(row.problem),
            })
            .collect();
        Self { kind: ProblemKind::InvalidParameter, detail, errors, cause: None }
    }

    /// 503 with `Retry-After`: the server is busy with this kind of work.
    #[must_use]
    pub fn busy(detail: impl Into<String>) -> Self {
        Self::new(ProblemKind::Unavailable, detail)
    }
}

/// The problem details body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({
    "type": "/problems/invalid-parameter", "title": "Invalid parameter", "status": 400,
    "detail": "level: \"7\" is not a CMMC level",
    "errors": [{ "field": "level", "message": "\"7\" is not a CMMC level" }]
}))]
pub struct Problem<'a> {
    #[serde(rename = "type")]
    pub type_uri: &'static str,
    pub title: &'static str,
    pub status: u16,
    pub detail: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub errors: &'a [FieldError],
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.kind.status()
    }

    fn error_response(&self) -> HttpResponse {
        if self.kind.status().is_server_error() {
            match &self.cause {
                Some(cause) => {
                    tracing::error!(error.cause = %distinct_causes(cause), detail = %self.detail, "request failed")
                }
                None => tracing::error!(detail = %self.detail, "request failed"),
            }
        }
        let mut response = HttpResponse::build(self.kind.status());
        if self.kind == ProblemKind::Unauthenticated {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        if self.kind == ProblemKind::Unavailable {
            response.insert_header(("Retry-After", "2"));
        }
        response.content_type("application/problem+json").json(Problem {
            type_uri: self.kind.type_uri(),
            title: self.kind.title(),
            status: self.kind.status().as_u16(),
            detail: &self.detail,
            errors: &self.errors,
        })
    }
}

/// An error's causes on one line, each said once: a cause whose text its
/// parent already includes (as database errors repeat theirs) is left out.
fn distinct_causes(err: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if !parts.last().is_some_and(|previous| previous.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        match err {
            ServiceError::NotFound { what } => Self::not_found(format!("{what} not found")),
            ServiceError::Unauthenticated(detail) => {
                Self::new(ProblemKind::Unauthenticated, detail)
            }
            ServiceError::Forbidden { action } => Self::new(
                ProblemKind::Forbidden,
                format!("your roles do not allow this ({action})"),
            ),
            ServiceError::MfaEnrolmentRequired => Self::new(
                ProblemKind::Forbidden,
                "multi-factor authentication is required for this account and not yet enrolled: \
                 this sign-in may only enrol (POST /api/auth/mfa/totp, then \
                 POST /api/auth/mfa/totp/confirm) and sign in again",
            ),
            ServiceError::InvalidInput { field, message } => {
                Self::invalid_parameter(&field, message)
            }
            ServiceError::Unprocessable { field, message } => {
                let mut problem = Self::invalid_parameter(&field, message);
                problem.kind = ProblemKind::Unprocessable;
                problem
            }
            ServiceError::InvalidRows(rows) => Self::invalid_rows(rows),
            ServiceError::Conflict(detail) => Self::new(ProblemKind::Conflict, detail),
            ServiceError::PreconditionFailed(detail) => {
                Self::new(ProblemKind::PreconditionFailed, detail)
            }
            ServiceError::PayloadTooLarge(detail) => {
                Self::new(ProblemKind::PayloadTooLarge, detail)
            }
            ServiceError::UnsupportedMediaType(detail) => {
                Self::new(ProblemKind::UnsupportedMediaType, detail)
            }
            ServiceError::Integrity(detail) => Self::new(ProblemKind::IntegrityFailure, detail),
            ServiceError::Upstream { kind, message } => Self {
                kind: ProblemKind::Upstream,
                detail: message,
                errors: vec![FieldError::new("datapact", kind)],
                cause: None,
            },
            ServiceError::DatabaseUnavailable(cause) => Self {
                kind: ProblemKind::Unavailable,
                detail: "the database is unavailable; try again shortly".into(),
                errors: Vec::new(),
                cause: Some(anyhow::Error::from_boxed(cause)),
            },
            ServiceError::Unexpected(cause) => Self {
                kind: ProblemKind::Internal,
                detail: "an unexpected error occurred; it has been logged".into(),
                errors: Vec::new(),
                cause: Some(cause),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use actix_web::body::MessageBody;

    use super::*;

    fn body_of(err: &ApiError) -> serde_json::Value {
        let response = err.error_response();
        assert_eq!(response.headers().get("content-type").unwrap(), "application/problem+json");
        let bytes = response.into_body().try_into_bytes().unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn invalid_parameters_answer_400_with_the_field() {
        let body = body_of(&ApiError::invalid_parameter("level", "\"7\" is not a CMMC level"));
        assert_eq!(body["status"], 400);
        assert_eq!(body["type"], "/problems/invalid-parameter");
        assert_eq!(body["errors"][0]["field"], "level");
    }

    #[test]
    fn internal_errors_never_reveal_their_cause() {
        let err: ApiError =
            ServiceError::Unexpected(anyhow::anyhow!("password=hunter2 at db")).into();
        let body = body_of(&err);
        assert_eq!(body["status"], 500);
        assert_eq!(body["type"], "/problems/internal");
        assert!(!body.to_string().contains("hunter2"));
    }

    #[test]
    fn an_unreachable_database_answers_503() {
        let err: ApiError =
            ServiceError::DatabaseUnavailable(Box::new(std::io::Error::other("down"))).into();
        assert_eq!(err.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body_of(&err)["type"], "/problems/unavailable");
    }

    #[test]
    fn a_cause_is_logged_once() {
        let err = anyhow::anyhow!("error returned from database: boom")
            .context("error returned from database: boom")
            .context("assessments.rs:10");
        assert_eq!(distinct_causes(&err), "assessments.rs:10: error returned from database: boom");
    }

    #[test]
    fn not_found_has_a_stable_type() {
        let body = body_of(&ApiError::not_found("practice ZZ not found"));
        assert_eq!(body["type"], "/problems/not-found");
        assert_eq!(body["status"], 404);
        assert!(body.get("errors").is_none());
    }
}
