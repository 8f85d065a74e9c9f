//! The pages, each module one part of the interface; `table` is the
//! route table.

mod account;
mod assessments;
mod dashboard;
mod evidence;
mod exports;
mod mfa;
mod practice;
mod reference;
mod remediation;

use actix_web::http::header;
use actix_web::middleware::from_fn;
use actix_web::{HttpResponse, Route, web};
use askama::Template;

use crate::error::WebError;
use crate::session;

/// Every page: method, path, handler.
fn table() -> Vec<(&'static str, &'static str, Route)> {
    vec![
        ("GET", "/login", web::get().to(account::login_page)),
        ("POST", "/login", web::post().to(account::login)),
        ("POST", "/login/mfa", web::post().to(account::verify_mfa)),
        ("POST", "/logout", web::post().to(account::logout)),
        ("GET", "/account/password", web::get().to(account::password_page)),
        ("POST", "/account/password", web::post().to(account::change_password)),
        ("GET", "/account/mfa", web::get().to(mfa::show)),
        ("POST", "/account/mfa/enrol", web::post().to(mfa::enrol)),
        ("POST", "/account/mfa/confirm", web::post().to(mfa::confirm)),
        ("POST", "/account/mfa/disable", web::post().to(mfa::disable)),
        ("GET", "/", web::get().to(dashboard::dashboard)),
        ("GET", "/assessments", web::get().to(assessments::list)),
        ("POST", "/assessments", web::post().to(assessments::create)),
        ("GET", "/assessments/new", web::get().to(assessments::new_page)),
        ("GET", "/assessments/{id}", web::get().to(assessments::show)),
        ("POST", "/assessments/{id}/transition", web::post().to(assessments::transition)),
        ("GET", "/assessments/{id}/practices/{practice_id}", web::get().to(practice::show)),
        ("POST", "/assessments/{id}/practices/{practice_id}", web::post().to(practice::save)),
        (
            "POST",
            "/assessments/{id}/practices/{practice_id}/evidence",
            web::post().to(evidence::upload),
        ),
        (
            "GET",
            "/assessments/{id}/practices/{practice_id}/evidence/{evidence_id}/download",
            web::get().to(evidence::download),
        ),
        (
            "POST",
            "/assessments/{id}/practices/{practice_id}/evidence/{evidence_id}/review",
            web::post().to(evidence::review),
        ),
        ("GET", "/assessments/{id}/findings", web::get().to(remediation::findings)),
        ("POST", "/assessments/{id}/findings", web::post().to(remediation::create_finding)),
        (
            "POST",
            "/assessments/{id}/findings/{finding_id}/status",
            web::post().to(remediation::finding_status),
        ),
        ("GET", "/assessments/{id}/poams", web::get().to(remediation::poams)),
        ("POST", "/assessments/{id}/poams/generate", web::post().to(remediation::generate_poam)),
        ("POST", "/poams/{poam_id}/items/{item_id}", web::post().to(remediation::update_item)),
        ("GET", "/assessments/{id}/export/results", web::get().to(exports::results)),
        ("GET", "/assessments/{id}/export/report", web::get().to(exports::report)),
        ("GET", "/poams/{poam_id}/export", web::get().to(exports::poam)),
        ("GET", "/ssps/{ssp_id}/export", web::get().to(exports::ssp)),
        ("GET", "/catalog", web::get().to(reference::catalog)),
        ("GET", "/admin/users", web::get().to(reference::users)),
        ("POST", "/admin/users/{org_id}/{user_id}/roles", web::post().to(reference::set_roles)),
        ("POST", "/admin/users/{org_id}/{user_id}/active", web::post().to(reference::set_active)),
    ]
}

/// Every page's method and path, for tests that walk them all.
#[must_use]
pub fn page_list() -> Vec<(&'static str, &'static str)> {
    table().into_iter().map(|(method, path, _)| (method, path)).collect()
}

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    let mut order: Vec<&'static str> = Vec::new();
    let mut routes: std::collections::BTreeMap<&'static str, Vec<Route>> = Default::default();
    for (_, path, route) in table() {
        if !routes.contains_key(path) {
            order.push(path);
        }
        routes.entry(path).or_default().push(route);
    }
    for path in order {
        let mut resource = web::resource(path)
            .wrap(from_fn(session::guard))
            .app_data(form_config())
            .app_data(query_config())
            .app_data(path_config());
        for route in routes.remove(path).unwrap_or_default() {
            resource = resource.route(route);
        }
        cfg.service(resource);
    }
}

/// A form, query or path the pages cannot read answers an HTML page (400,
/// or 404 for a path), as every other refusal of the pages does.
fn form_config() -> web::FormConfig {
    web::FormConfig::default().error_handler(|err, _| {
        WebError::BadForm(format!("The form could not be read: {err}.")).into()
    })
}

fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _| {
        WebError::BadForm(format!("The address could not be read: {err}.")).into()
    })
}

fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_, _| {
        WebError::Service(cmmc_services::ServiceError::NotFound { what: "page".into() }).into()
    })
}

/// A rendered page, 200.
pub(crate) fn html(page: &impl Template) -> Result<HttpResponse, WebError> {
    html_with(actix_web::http::StatusCode::OK, page)
}

/// A rendered page with `status`.
pub(crate) fn html_with(
    status: actix_web::http::StatusCode,
    page: &impl Template,
) -> Result<HttpResponse, WebError> {
    let body =
        page.render().map_err(|err| WebError::internal(format!("rendering a page: {err}")))?;
    Ok(HttpResponse::build(status).content_type("text/html; charset=utf-8").body(body))
}

/// After a form: see the page at `location` (303, so a reload does not post again).
pub(crate) fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, location.to_owned())).finish()
}

/// Whether htmx sent the request (it then wants a fragment).
pub(crate) fn is_htmx(request: &actix_web::HttpRequest) -> bool {
    request.headers().contains_key("hx-request")
}
