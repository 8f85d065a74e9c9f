//! Signing in (with the second step when MFA is on), signing out, and
//! changing one's password.

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use askama::Template;
use cmmc_services::ServiceError;
use cmmc_services::auth::SignIn;
use serde::Deserialize;

use super::{html, html_with, see_other};
use crate::WebState;
use crate::error::WebError;
use crate::session::{self, FormToken, SignedIn, safe_next};
use crate::views::Chrome;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    chrome: Chrome,
    form_token: &'a str,
    next: &'a str,
    username: &'a str,
    message: Option<&'a str>,
    mfa_token: Option<&'a str>,
}

impl<'a> LoginPage<'a> {
    fn new(form: &'a FormToken, next: &'a str) -> Self {
        Self {
            chrome: Chrome::anonymous(),
            form_token: &form.0,
            next: safe_next(next),
            username: "",
            message: None,
            mfa_token: None,
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct NextQuery {
    next: Option<String>,
}

/// GET /login
pub(crate) async fn login_page(
    form: FormToken,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, WebError> {
    let next = query.next.as_deref().unwrap_or("/");
    html(&LoginPage::new(&form, next))
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
}

fn client_ip(request: &HttpRequest) -> Option<String> {
    request.peer_addr().map(|addr| addr.ip().to_string())
}

/// Signed in: the session cookie, and on to `next`.
fn signed_in(state: &WebState, refresh_token: String, next: &str) -> HttpResponse {
    let mut response = see_other(safe_next(next));
    if let Err(err) = response.add_cookie(&session::session_cookie(refresh_token, state)) {
        tracing::error!(error = %err, "setting the session cookie");
    }
    response
}

/// POST /login
pub(crate) async fn login(
    request: HttpRequest,
    state: web::Data<WebState>,
    form_token: FormToken,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, WebError> {
    let answer = state.services.login(&form.username, &form.password, client_ip(&request)).await;
    match answer {
        // A sign-in that may only enrol goes where it can.
        Ok(SignIn::Tokens { tokens, enrol_only: true }) => {
            Ok(signed_in(&state, tokens.refresh_token, "/account/mfa"))
        }
        Ok(SignIn::Tokens { tokens, .. }) => {
            Ok(signed_in(&state, tokens.refresh_token, &form.next))
        }
        Ok(SignIn::MfaRequired { mfa_token, .. }) => {
            let mut page = LoginPage::new(&form_token, &form.next);
            page.mfa_token = Some(&mfa_token);
            html(&page)
        }
        Err(ServiceError::Unauthenticated(message)) => {
            let mut page = LoginPage::new(&form_token, &form.next);
            page.username = &form.username;
            page.message = Some(&message);
            html_with(StatusCode::UNAUTHORIZED, &page)
        }
        Err(err) => Err(err.into()),
    }
}

#[derive(Deserialize)]
pub(crate) struct MfaForm {
    mfa_token: String,
    code: String,
    #[serde(default)]
    next: String,
}

/// POST /login/mfa: the second step.
pub(crate) async fn verify_mfa(
    request: HttpRequest,
    state: web::Data<WebState>,
    form_token: FormToken,
    form: web::Form<MfaForm>,
) -> Result<HttpResponse, WebError> {
    match state.services.verify_mfa(&form.mfa_token, form.code.trim(), client_ip(&request)).await {
        Ok(tokens) => Ok(signed_in(&state, tokens.refresh_token, &form.next)),
        Err(ServiceError::Unauthenticated(message)) => {
            // The challenge is spent or expired, or the code was wrong: start again.
            let mut page = LoginPage::new(&form_token, &form.next);
            page.message = Some(&message);
            html_with(StatusCode::UNAUTHORIZED, &page)
        }
        Err(err) => Err(err.into()),
    }
}

/// POST /logout: ends the sign-in everywhere its tokens are used.
pub(crate) async fn logout(
    state: web::Data<WebState>,
    user: SignedIn,
) -> Result<HttpResponse, WebError> {
    state.services.logout(&user.actor, Some(&user.token)).await?;
    let mut response = see_other("/login");
    if let Err(err) = response.add_cookie(&session::expired_session_cookie(&state)) {
        tracing::error!(error = %err, "removing the session cookie");
    }
    Ok(response)
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    chrome: Chrome,
    message: Option<String>,
    done: bool,
}

/// GET /account/password
pub(crate) async fn password_page(user: SignedIn) -> Result<HttpResponse, WebError> {
    html(&PasswordPage { chrome: Chrome::of(&user, "account"), message: None, done: false })
}

#[derive(Deserialize)]
pub(crate) struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm_password: String,
}

/// POST /account/password: every other sign-in of the user ends.
pub(crate) async fn change_password(
    state: web::Data<WebState>,
    user: SignedIn,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, WebError> {
    let chrome = Chrome::of(&user, "account");
    if form.new_password != form.confirm_password {
        let message = Some("The new password and its confirmation differ.".to_owned());
        return html_with(StatusCode::BAD_REQUEST, &PasswordPage { chrome, message, done: false });
    }
    match state
        .services
        .change_password(&user.actor, &form.current_password, &form.new_password)
        .await
    {
        Ok(()) => html(&PasswordPage { chrome, message: None, done: true }),
        Err(err @ (ServiceError::InvalidInput { .. } | ServiceError::Unprocessable { .. })) => {
            let message = Some(crate::error::message_of(&err));
            html_with(StatusCode::BAD_REQUEST, &PasswordPage { chrome, message, done: false })
        }
        Err(err) => Err(err.into()),
    }
}
