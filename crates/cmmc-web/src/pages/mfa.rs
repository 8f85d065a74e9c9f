//! Multi-factor authentication for one's own account: set up TOTP with a
//! QR code drawn on the server (SVG, no script), confirm it with a first
//! code and see the recovery codes once, or turn it off with a code and the
//! password. A sign-in that may only enrol lands here.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::html;
use crate::WebState;
use crate::error::WebError;
use crate::session::SignedIn;
use crate::views::Chrome;

/// What the page shows.
enum Step {
    /// MFA is off: a button to set it up.
    Off,
    /// Enrolment started: the QR code, the secret, the confirmation form.
    Scan { qr_svg: String, secret: String },
    /// Just turned on: the recovery codes, shown this once.
    Codes(Vec<String>),
    /// MFA is on: the form to turn it off.
    On,
}

#[derive(Template)]
#[template(path = "mfa.html")]
struct MfaPage {
    chrome: Chrome,
    step: Step,
    /// The sign-in may only enrol: the organisation or deployment requires MFA.
    required: bool,
    message: Option<String>,
}

fn page(user: &SignedIn, step: Step, message: Option<String>) -> MfaPage {
    MfaPage {
        chrome: Chrome::of(user, "account"),
        step,
        required: user.actor.mfa_enrolment_only,
        message,
    }
}

/// The otpauth URI as a QR code, an SVG drawn on the server.
fn qr_svg(uri: &str) -> Result<String, WebError> {
    let code = qrcode::QrCode::new(uri.as_bytes())
        .map_err(|err| WebError::internal(format!("drawing the QR code: {err}")))?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build();
    // An image with a name, for assistive technology; the XML prolog goes.
    let start = svg.find("<svg").unwrap_or(0);
    Ok(svg[start..].replacen(
        "<svg",
        "<svg role=\"img\" aria-label=\"QR code of the authenticator setup link\"",
        1,
    ))
}

/// GET /account/mfa
pub(crate) async fn show(
    state: web::Data<WebState>,
    user: SignedIn,
) -> Result<HttpResponse, WebError> {
    let me = state.services.me(&user.actor).await?;
    let step = if me.mfa_enabled { Step::On } else { Step::Off };
    html(&page(&user, step, None))
}

/// POST /account/mfa/enrol: a new secret, shown as a QR code.
pub(crate) async fn enrol(
    state: web::Data<WebState>,
    user: SignedIn,
) -> Result<HttpResponse, WebError> {
    let enrolment = state.services.start_totp_enrolment(&user.actor).await?;
    let step = Step::Scan { qr_svg: qr_svg(&enrolment.otpauth_uri)?, secret: enrolment.secret };
    html(&page(&user, step, None))
}

#[derive(Deserialize)]
pub(crate) struct CodeForm {
    code: String,
}

/// POST /account/mfa/confirm: the first code turns MFA on.
pub(crate) async fn confirm(
    state: web::Data<WebState>,
    user: SignedIn,
    form: web::Form<CodeForm>,
) -> Result<HttpResponse, WebError> {
    match state.services.confirm_totp(&user.actor, form.code.trim()).await {
        Ok(codes) => html(&page(&user, Step::Codes(codes), None)),
        Err(
            err @ (cmmc_services::ServiceError::InvalidInput { .. }
            | cmmc_services::ServiceError::Unprocessable { .. }),
        ) => {
            // Start again with a fresh secret: the page no longer holds the old one.
            let message = Some(format!(
                "{} Scan the new code and try again.",
                crate::error::message_of(&err)
            ));
            let enrolment = state.services.start_totp_enrolment(&user.actor).await?;
            let step =
                Step::Scan { qr_svg: qr_svg(&enrolment.otpauth_uri)?, secret: enrolment.secret };
            html(&page(&user, step, message))
        }
        Err(err) => Err(err.into()),
    }
}

#[derive(Deserialize)]
pub(crate) struct DisableForm {
    code: String,
    password: String,
}

/// POST /account/mfa/disable: a current code and the password turn it off.
pub(crate) async fn disable(
    state: web::Data<WebState>,
    user: SignedIn,
    form: web::Form<DisableForm>,
) -> Result<HttpResponse, WebError> {
    match state.services.disable_totp(&user.actor, form.code.trim(), &form.password).await {
        Ok(()) => html(&page(&user, Step::Off, Some("Multi-factor authentication is off.".into()))),
        Err(
            err @ (cmmc_services::ServiceError::InvalidInput { .. }
            | cmmc_services::ServiceError::Unprocessable { .. }),
        ) => html(&page(&user, Step::On, Some(crate::error::message_of(&err)))),
        Err(err) => Err(err.into()),
    }
}
