//! What a page answers when something goes wrong: an HTML page with the
//! status and a message a person can act on, or a trip to the sign-in page.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;
use cmmc_services::ServiceError;

use crate::views::Chrome;

/// A page's failure.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// Not signed in (or the sign-in ended): go to `/login`, then `next`.
    #[error("sign in first")]
    SignIn { next: String },
    /// A POST without this browser's form token.
    #[error("the form has expired")]
    FormExpired,
    /// A form that is not what the page sends.
    #[error("{0}")]
    BadForm(String),
    /// What a service said.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl WebError {
    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Self::Service(ServiceError::Unexpected(anyhow::Error::msg(message.into())))
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    chrome: Chrome,
    status: u16,
    heading: &'a str,
    message: &'a str,
}

/// An error page with `status`.
#[must_use]
pub(crate) fn page_response(status: StatusCode, heading: &str, message: &str) -> HttpResponse {
    let page = ErrorPage { chrome: Chrome::anonymous(), status: status.as_u16(), heading, message };
    match page.render() {
        Ok(html) => HttpResponse::build(status).content_type("text/html; charset=utf-8").body(html),
        Err(err) => {
            tracing::error!(error = %err, "rendering the error page");
            HttpResponse::build(status)
                .content_type("text/plain; charset=utf-8")
                .body(message.to_owned())
        }
    }
}

/// The status a service error answers, with a heading.
fn status_of(err: &ServiceError) -> (StatusCode, &'static str) {
    match err {
        ServiceError::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "Not signed in"),
        ServiceError::Forbidden { .. } => (StatusCode::FORBIDDEN, "Not allowed"),
        ServiceError::MfaEnrolmentRequired => {
            (StatusCode::FORBIDDEN, "Multi-factor authentication required")
        }
        ServiceError::NotFound { .. } => (StatusCode::NOT_FOUND, "Not found"),
        ServiceError::InvalidInput { .. } | ServiceError::InvalidRows(_) => {
            (StatusCode::BAD_REQUEST, "Please check the form")
        }
        ServiceError::Unprocessable { .. } => {
            (StatusCode::UNPROCESSABLE_ENTITY, "Please check the form")
        }
        ServiceError::Conflict(_) => (StatusCode::CONFLICT, "Not possible now"),
        ServiceError::PreconditionFailed(_) => {
            (StatusCode::PRECONDITION_FAILED, "Changed meanwhile")
        }
        ServiceError::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "File too large"),
        ServiceError::UnsupportedMediaType(_) => {
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "File not accepted")
        }
        ServiceError::Upstream { .. } => (StatusCode::BAD_GATEWAY, "Another service failed"),
        ServiceError::DatabaseUnavailable(_) => {
            (StatusCode::SERVICE_UNAVAILABLE, "Try again shortly")
        }
        ServiceError::Integrity(_) | ServiceError::Unexpected(_) => {
            (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong")
        }
    }
}

/// What a person may read of a service error: its own words, except for
/// failures whose detail is for the log.
pub(crate) fn message_of(err: &ServiceError) -> String {
    match err {
        ServiceError::Integrity(_) | ServiceError::Unexpected(_) => {
            "The server could not do this; the failure has been logged.".to_owned()
        }
        ServiceError::DatabaseUnavailable(_) => "The database is unavailable right now.".to_owned(),
        ServiceError::Forbidden { action } => format!("Your roles do not allow this ({action})."),
        ServiceError::InvalidRows(rows) => rows
            .iter()
            .map(|row| format!("line {}, {}: {}", row.line, row.column, row.problem))
            .collect::<Vec<_>>()
            .join("; "),
        other => capitalised(&other.to_string()),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

impl ResponseError for WebError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::SignIn { .. } | Self::Service(ServiceError::MfaEnrolmentRequired) => {
                StatusCode::SEE_OTHER
            }
            Self::FormExpired => StatusCode::FORBIDDEN,
            Self::BadForm(_) => StatusCode::BAD_REQUEST,
            Self::Service(err) => status_of(err).0,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::SignIn { next } => {
                let location = format!("/login?next={}", crate::forms::encode(next));
                HttpResponse::SeeOther()
                    .insert_header(("Location", location.clone()))
                    // An htmx request follows the sign-in with a full page load.
                    .insert_header(("HX-Redirect", location))
                    .finish()
            }
            Self::FormExpired => page_response(
                StatusCode::FORBIDDEN,
                "The form has expired",
                "This form was not sent from a page of this server in this browser. Go back, reload the page and try again.",
            ),
            Self::BadForm(message) => {
                page_response(StatusCode::BAD_REQUEST, "Please check the form", message)
            }
            Self::Service(ServiceError::MfaEnrolmentRequired) => HttpResponse::SeeOther()
                .insert_header(("Location", "/account/mfa"))
                .insert_header(("HX-Redirect", "/account/mfa"))
                .finish(),
            Self::Service(err) => {
                let (status, heading) = status_of(err);
                if status.is_server_error() {
                    tracing::error!(error = ?err, "a page failed");
                }
                page_response(status, heading, &message_of(err))
            }
        }
    }
}
