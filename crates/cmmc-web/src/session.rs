//! Signing in a browser, and the rules every page request follows.
//!
//! - `cmmc_session` holds the sign-in's refresh token (never spent by the
//!   web: [`cmmc_services::Services::authenticate_browser`] re-reads the
//!   sign-in on every request, so signing out anywhere, deactivation and
//!   role changes take effect on the next page). `HttpOnly`,
//!   `SameSite=Strict`, `Secure` when the public URL is `https://`.
//! - `cmmc_form` is a random value per browser; every form carries
//!   [`FormToken`], an HMAC of it under the server secret, and every POST
//!   is refused without the right one (cross-site request forgery).
//! - `guard` adds the Content-Security-Policy and the other headers.

use std::future::{Future, Ready, ready};
use std::pin::Pin;

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieAge};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage as _, HttpRequest, web};
use cmmc_services::Actor;

use crate::WebState;
use crate::error::WebError;

pub const SESSION_COOKIE: &str = "cmmc_session";
pub const FORM_COOKIE: &str = "cmmc_form";

/// Only this server's scripts, styles and images; no inline script or
/// style, no framing, forms post only here.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; \
    frame-ancestors 'none'; base-uri 'none'";

/// The browser's form cookie value, read or newly made for this request.
#[derive(Debug, Clone)]
struct FormBinding {
    value: String,
    new: bool,
}

fn random_hex() -> Result<String, WebError> {
    let mut bytes = [0_u8; 32];
    getrandom::getrandom(&mut bytes)
        .map_err(|err| WebError::internal(format!("no randomness: {err}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn state_of(request: &HttpRequest) -> Result<web::Data<WebState>, WebError> {
    request
        .app_data::<web::Data<WebState>>()
        .cloned()
        .ok_or_else(|| WebError::internal("the web state is missing"))
}

pub(crate) fn cookie<'a>(name: &'a str, value: String, state: &WebState) -> Cookie<'a> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.settings.secure_cookies)
        .finish()
}

/// The session cookie for a new sign-in, lasting as long as the sign-in.
pub(crate) fn session_cookie(refresh_token: String, state: &WebState) -> Cookie<'static> {
    let mut cookie = cookie(SESSION_COOKIE, refresh_token, state);
    cookie.set_max_age(CookieAge::seconds(state.settings.session_ttl_secs));
    cookie
}

/// A cookie that removes the session cookie.
pub(crate) fn expired_session_cookie(state: &WebState) -> Cookie<'static> {
    let mut cookie = cookie(SESSION_COOKIE, String::new(), state);
    cookie.make_removal();
    cookie
}

/// The middleware of every page: the form cookie (made on a browser's
/// first visit), and the security headers.
pub(crate) async fn guard(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let existing = request.cookie(FORM_COOKIE).map(|c| c.value().to_owned());
    let binding =
        match existing.filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit())) {
            Some(value) => FormBinding { value, new: false },
            None => FormBinding { value: random_hex()?, new: true },
        };
    request.extensions_mut().insert(binding.clone());
    let state = state_of(request.request())?;
    let mut request = request;
    if request.method() == actix_web::http::Method::POST {
        check_post(&mut request).await?;
    }
    let mut response = next.call(request).await?;
    if binding.new {
        let cookie = cookie(FORM_COOKIE, binding.value, &state);
        if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    let headers = response.headers_mut();
    for (name, value) in [
        ("content-security-policy", CONTENT_SECURITY_POLICY),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
        ("x-content-type-options", "nosniff"),
    ] {
        headers.insert(header::HeaderName::from_static(name), HeaderValue::from_static(value));
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    }
    Ok(response)
}

/// Every POST carries this browser's form token, checked here before any
/// handler runs: in a form's fields (read, then handed on to the handler
/// unchanged), or, for a file upload, as the first part of the multipart
/// form, which the upload handler checks before it reads the file.
async fn check_post(request: &mut ServiceRequest) -> Result<(), WebError> {
    let media = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    match media.as_str() {
        "application/x-www-form-urlencoded" => {
            let body = request.extract::<web::Bytes>().await.map_err(|err| {
                WebError::BadForm(format!("The form did not arrive whole: {err}"))
            })?;
            let token = form_urlencoded::parse(&body)
                .find(|(name, _)| name == "csrf_token")
                .map(|(_, value)| value.into_owned())
                .unwrap_or_default();
            check_form_token(request.request(), &token)?;
            request.set_payload(Payload::from(body));
            Ok(())
        }
        "multipart/form-data" if crate::bounds_its_own_waits("POST", request.path()) => Ok(()),
        _ => Err(WebError::FormExpired),
    }
}

/// The form token of this browser, for the forms of a page.
#[derive(Debug, Clone)]
pub struct FormToken(pub String);

fn binding_of(request: &HttpRequest) -> Option<FormBinding> {
    request.extensions().get::<FormBinding>().cloned()
}

impl FromRequest for FormToken {
    type Error = WebError;
    type Future = Ready<Result<Self, WebError>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(form_token(request))
    }
}

fn form_token(request: &HttpRequest) -> Result<FormToken, WebError> {
    let state = state_of(request)?;
    let binding =
        binding_of(request).ok_or_else(|| WebError::internal("the page guard did not run"))?;
    Ok(FormToken(state.services.keys().form_token(&binding.value)))
}

/// Refuses a POST whose form token is not this browser's: a forged
/// cross-site request, or a form from before the browser's cookies were cleared.
pub(crate) fn check_form_token(request: &HttpRequest, given: &str) -> Result<(), WebError> {
    let state = state_of(request)?;
    match binding_of(request) {
        Some(binding)
            if !binding.new && state.services.keys().form_token_matches(&binding.value, given) =>
        {
            Ok(())
        }
        _ => Err(WebError::FormExpired),
    }
}

/// The signed-in user of a page, with this browser's form token. A page that
/// takes one sends a visitor who is not signed in to `/login`.
#[derive(Debug, Clone)]
pub(crate) struct SignedIn {
    pub(crate) actor: Actor,
    pub(crate) form: FormToken,
    /// The session cookie's value (the sign-in's refresh token).
    pub(crate) token: String,
}

impl FromRequest for SignedIn {
    type Error = WebError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, WebError>>>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            let state = state_of(&request)?;
            let next = next_of(&request);
            let token = request
                .cookie(SESSION_COOKIE)
                .map(|c| c.value().to_owned())
                .filter(|v| !v.is_empty() && v.len() <= 512)
                .ok_or_else(|| WebError::SignIn { next: next.clone() })?;
            let ip = request.peer_addr().map(|addr| addr.ip().to_string());
            let actor = match state.services.authenticate_browser(&token, ip).await {
                Ok(actor) => actor,
                Err(cmmc_services::ServiceError::Unauthenticated(_)) => {
                    return Err(WebError::SignIn { next });
                }
                Err(err) => return Err(err.into()),
            };
            Ok(Self { actor, form: form_token(&request)?, token })
        })
    }
}

/// Where to come back to after signing in: this page, for a GET.
fn next_of(request: &HttpRequest) -> String {
    if request.method() == actix_web::http::Method::GET {
        request.uri().path_and_query().map_or_else(|| "/".to_owned(), |pq| pq.as_str().to_owned())
    } else {
        "/".to_owned()
    }
}

/// `next` if it is a path on this server, else `/` (no open redirect).
#[must_use]
pub fn safe_next(next: &str) -> &str {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control());
    if ok { next } else { "/" }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_server() {
        assert_eq!(safe_next("/assessments/1?status=met"), "/assessments/1?status=met");
        assert_eq!(safe_next("//evil.example/"), "/");
        assert_eq!(safe_next("/\\evil.example/"), "/");
        assert_eq!(safe_next("https://evil.example/"), "/");
        assert_eq!(safe_next("/a\nb"), "/");
        assert_eq!(safe_next(""), "/");
    }
}
