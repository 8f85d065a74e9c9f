//! The route table, in one place. `table` lists every route with its
//! handler; `configure` registers them, and tests enumerate them through
//! [`route_list`] (the permission-matrix test fails on a route it has no
//! entry for).

use std::collections::BTreeMap;

use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, Route, error::QueryPayloadError, web};

use crate::error::{ApiError, ProblemKind};
use crate::handlers::{
    affirmations, assessments, assets, audit, auth, catalog, datapact, diag, evidence, exports,
    fallback, frameworks, mfa, organizations, oscal, providers, remediation, risks, ssps,
};

/// Every route: method, path under `/api`, handler.
fn table() -> Vec<(&'static str, &'static str, Route)> {
    [
        public_routes(),
        auth_routes(),
        organizations_routes(),
        assessments_routes(),
        evidence_routes(),
        remediation_routes(),
        datapact_routes(),
        audit_routes(),
        export_routes(),
        ssp_routes(),
        asset_routes(),
        provider_routes(),
        affirmation_routes(),
        risk_routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The public routes: health, diagnostics, the catalogue and the crosswalks.
fn public_routes() -> Vec<(&'static str, &'static str, Route)> {
    vec![
        ("GET", "/health", web::get().to(diag::health)),
        ("GET", "/diag/db", web::get().to(diag::diag_db)),
        ("GET", "/cmmc/domains", web::get().to(catalog::list_domains)),
        ("GET", "/cmmc/levels", web::get().to(catalog::list_levels)),
        ("GET", "/cmmc/practices", web::get().to(catalog::list_practices)),
        ("GET", "/cmmc/practices/{practice_id}", web::get().to(catalog::get_practice)),
        ("GET", "/cmmc/oscal/catalog", web::get().to(oscal::oscal_catalog)),
        ("GET", "/cmmc/oscal/profiles/{level}", web::get().to(oscal::oscal_profile)),
        (
            "GET",
            "/cmmc/practices/{practice_id}/mappings",
            web::get().to(frameworks::practice_mappings),
        ),
        ("GET", "/frameworks", web::get().to(frameworks::list_frameworks)),
        (
            "GET",
            "/frameworks/{framework}/requirements",
            web::get().to(frameworks::list_requirements),
        ),
        (
            "GET",
            "/frameworks/{framework}/requirements/{requirement_id}/mappings",
            web::get().to(frameworks::requirement_mappings),
        ),
    ]
}

/// Providers, their responsibility matrices, assessment scope and applying providers.
fn provider_routes() -> Vec<(&'static str, &'static str, Route)> {
    vec![
        ("GET", "/organizations/{org_id}/providers", web::get().to(providers::list_providers)),
        ("POST", "/organizations/{org_id}/providers", web::post().to(providers::create_provider)),
        ("GET", "/providers/{provider_id}", web::get().to(providers::get_provider)),
        ("PATCH", "/providers/{provider_id}", web::patch().to(providers::update_provider)),
        ("DELETE", "/providers/{provider_id}", web::delete().to(providers::delete_provider)),
        (
            "GET",
            "/providers/{provider_id}/responsibilities",
            web::get().to(providers::list_responsibilities),
        ),
        (
            "PUT",
            "/providers/{provider_id}/responsibilities",
            web::put().to(providers::replace_responsibilities),
        ),
        (
            "POST",
            "/providers/{provider_id}/responsibilities/import",
            web::post().to(providers::import_responsibilities),
        ),
        (
            "GET",
            "/providers/{provider_id}/responsibilities/export",
            web::get().to(providers::export_responsibilities),
        ),
        ("GET", "/assessments/{id}/scope", web::get().to(providers::get_scope)),
        ("PUT", "/assessments/{id}/scope", web::put().to(providers::set_scope)),
        ("POST", "/assessments/{id}/providers/apply", web::post().to(providers::apply_providers)),
    ]
}

/// The asset inventory. The file routes come before `{asset_id}`.
fn asset_routes() -> Vec<(&'static str, &'static str, Route)> {
    vec![
        ("GET", "/organizations/{org_id}/assets", web::get().to(assets::list_assets)),
        ("POST", "/organizations/{org_id}/assets", web::post().to(assets::create_asset)),
        ("POST", "/organizations/{org_id}/assets/import", web::post().to(assets::import_assets)),
        ("GET", "/organizations/{org_id}/assets/export", web::get().to(assets::export_assets)),
        ("GET", "/organizations/{org_id}/assets/{asset_id}", web::get().to(assets::get_asset)),
        (
            "PATCH",
            "/organizations/{org_id}/assets/{asset_id}",
            web::patch().to(assets::update_asset),
        ),
        (
            "DELETE",
            "/organizations/{org_id}/assets/{asset_id}",
            web::delete().to(assets::delete_asset),
        ),
    ]
}

/// Signing in and one's own account.
fn auth_routes() -> Vec<(&'static str, &'static str, Route)> {
    vec![
        ("POST", "/auth/login", web::post().to(auth::login)),
        ("POST", "/auth/refresh", web::post().to(auth::refresh)),
        ("POST", "/auth/logout", web::post().to(auth::logout)),
        ("GET", "/auth/me", web::get().to(auth::me)),
        ("PUT", "/auth/password", web::put().to(auth::change_password)),
        ("POST", "/auth/mfa/totp", web::post().to(mfa::start_totp)),
        ("DELETE", "/auth/mfa/totp", web::delete().to(mfa::disable_totp)),
        ("POST", "/auth/mfa/totp/confirm", web::post().to(mfa::confirm_totp)),
        ("POST", "/auth/mfa/verify", web::post().to(mfa::verify)),
        ("PUT", "/organizations/{org_id}/mfa-policy", web::put().to(mfa::set_policy)),
        ("DELETE", "/organizations/{org_id}/users/{user_id}/mfa", web::delete().to(mfa::reset)),
    ]
}

/// Organisations and their users.
fn organizations_routes() -> Vec<(&'static str, &'static str, Route)> {
    vec![
        ("POST", "/organizations", web::post().to(organizations::create_organization)),
        ("GET", "/organizations", web::get().to(organizations::list_organizations)),
        ("GET", "/organizations/{org_id}", web::get().to(organizations::get_organization)),
        ("PATCH", "/organizations/{org_id}", web::patch().to(organizations::update_organization)),
        ("POST", "/organizations/{org_id}/users", web::post().to(organizations::create_user)),
        ("GET", "/organizations/{org_id}/users", web::get().to(organizations::list_users)),
        ("GET", "/organizations/{org_id}/users/{user_id}", web::get().to(organizations::get_user)),
        (
            "PATCH",
            "/organizations/{org_id}/users/{user_id}",
            web::patch().to(organizations::update_user),
        ),
        (
            "PUT",
            "/organizations/{org_id}/users/{user_id}/roles",
            web::put().to(organizations::set_roles),
        ),
    ]
}

/// Assessments, their practice answers and scores.
fn assessments_routes() -> Vec<(&'static str, &'static str, Route)> {
    vec![
        ("POST", "/assessments", web::post().to(assessments::create_assessment)),
        ("POST", "/assessments/import/oscal", web::post().to(oscal::import_assessment_results)),
        ("GET", "/assessments", web::get().to(assessments::list_assessments)),
        ("GET", "/assessments/{id}", web::get().to(assessments::get_assessment)),
        ("PATCH", "/assessments/{id}", web::patch().to(assessments::update_assessment)),
        ("DELETE", "/assessments/{id}", web::delete().to(assessments::delete_assessment)),
        ("POST", "/assessments/{id}/start", web::post().to(assessments::start_assessment)),
        ("POST", "/assessments/{id}/submit", web::post().to(assessments::submit_assessment)),
        ("POST", "/assessments/{id}/complete", web::post().to(assessments::complete_assessment)),
        ("POST", "/assessments/{id}/closeout", web::post().to(assessments::closeout_assessment)),
        ("POST", "/assessments/{id}/reopen", web::post().to(assessments::reopen_assessment)),
        ("GET", "/assessments/{id}/practices", web::get().to(assessments::list_practice_answers)),
        (
            "GET",
            "/assessments/{id}/practices/{practice_id}",
            web::get().to(assessments::get_practice_answer),
        ),
        (
            "PATCH",
            "/assessments/{id}/practices/{practice_id}",
            web::patch().to(assessments::update_practice_answer),
        ),
        ("GET", "/assessments/{id}/score", web::get().to(assessments::get_score)),
    ]
}

/// Evidence of practice answers.
fn evidence_routes() -> Vec<(&'static str, &'static str, Route)> {
    vec![
        (
            "POST",
            "/assessments/{id}/practices/{practice_id}/evidence",
            web::post().to(evidence::upload_evidence),
        ),
        (
            "GET",
            "/assessments/{id}/practices/{practice_id}/evidence",
            web::get().to(evidence::list_practice_evidence),
        ),
        ("GET", "/assessments/{id}/evidence", web::get().to(evidence::list_assessment_evidence)),
        (
            "GET",
            "/assessments/{id}/practices/{practice_id}/evidence/{evidence_id}/download",
            web::get().to(evidence::download_evidence),
        ),
        (
            "DELETE",
            "/assessments/{id}/practices/{practice_id}/evidence/{evidence_id}",
            web::delete().to(evidence::delete_evidence),
        ),
        (
            "POST",
            "/assessments/{id}/practices/{practice_id}/evidence/{evidence_id}/review",
            web::post().to(evidence::review_evidence),
        ),
    ]
}

/// Findings and POA&Ms.
fn remediation_routes() -> Vec<(&'static str, &'static str, Route)> {
    vec![
        ("POST", "/assessments/{id}/findings", web::post().to(remediation::create_finding)),
        ("GET", "/assessments/{id}/findings", web::get().to(remediation::list_findings)),
        ("GET", "/assessments/{id}/findings/{finding_id}", web::get().to(remediation::get_finding)),
        (
            "PATCH",
            "/assessments/{id}/findings/{finding_id}",
            web::patch().to(remediation::update_finding),
        ),
        (
            "DELETE",
            "/assessments/{id}/findings/{finding_id}",
            web::delete().to(remediation::delete_finding),
        ),
        ("POST", "/assessments/{id}/poam", web::post().to(remediation::generate_poam)),
        ("POST", "/poams", web::post().to(remediation::create_poam)),
        ("GET", "/poams", web::get().to(remediation::list_poams)),
        (
            "DELETE",
            "/poams/{poam_id}/items/{item_id}",
            web::delete().to(remediation::delete_poam_item),
        ),
        ("GET", "/poams/{poam_id}", web::get().to(remediation::get_poam)),
        ("PATCH", "/poams/{poam_id}", web::patch().to(remediation::update_poam)),
        ("DELETE", "/poams/{poam_id}", web::delete().to(remediation::delete_poam)),
        ("POST", "/poams/{poam_id}/items", web::post().to(remediation::add_poam_item)),
        (
            "PATCH",
            "/poams/{poam_id}/items/{item_id}",
            web::patch().to(remediation::update_poam_item),
        ),
    ]
}

/// Affirmations and the organisation's standing.
fn affirmation_routes() -> Vec<(&'static str, &'static str, Route)> {
    vec![
        (
            "POST",
            "/organizations/{org_id}/affirmations",
            web::post().to(affirmations::create_affirmation),
        ),
        (
            "GET",
            "/organizations/{org_id}/affirmations",
            web::get().to(affirmations::list_affirmations),
        ),
        ("GET", "/organizations/{org_id}/compliance", web::get().to(affirmations::compliance)),
    ]
}

/// System security plans.
fn ssp_routes() -> Vec<(&'static str, &'static str, Route)> {
    vec![
        ("POST", "/organizations/{org_id}/ssps", web::post().to(ssps::create_ssp)),
        ("GET", "/organizations/{org_id}/ssps", web::get().to(ssps::list_ssps)),
        ("GET", "/ssps/{ssp_id}", web::get().to(ssps::get_ssp)),
        ("PATCH", "/ssps/{ssp_id}", web::patch().to(ssps::update_ssp)),
        ("GET", "/ssps/{ssp_id}/statements", web::get().to(ssps::list_statements)),
        ("PUT", "/ssps/{ssp_id}/statements/{practice_id}", web::put().to(ssps::put_statement)),
        ("POST", "/ssps/{ssp_id}/publish", web::post().to(ssps::publish_ssp)),
        ("POST", "/ssps/{ssp_id}/versions", web::post().to(ssps::new_version)),
    ]
}

/// Files people hand over.
fn export_routes() -> Vec<(&'static str, &'static str, Route)> {
    vec![
        ("GET", "/assessments/{id}/export", web::get().to(exports::export_assessment)),
        ("GET", "/poams/{poam_id}/export", web::get().to(exports::export_poam)),
        ("GET", "/assessments/{id}/sprs-record", web::get().to(exports::sprs_record)),
        ("GET", "/ssps/{ssp_id}/export", web::get().to(exports::export_ssp)),
        ("GET", "/assessments/{id}/package", web::get().to(exports::assessment_package)),
        (
            "GET",
            "/assessments/{id}/oscal/assessment-results",
            web::get().to(oscal::oscal_assessment_results),
        ),
        ("GET", "/poams/{poam_id}/oscal", web::get().to(oscal::oscal_poam)),
        ("GET", "/organizations/{org_id}/oscal/ssp", web::get().to(oscal::oscal_ssp)),
        ("GET", "/assessments/{id}/report", web::get().to(exports::assessment_report)),
    ]
}

/// The risk register.
fn risk_routes() -> Vec<(&'static str, &'static str, Route)> {
    vec![
        ("GET", "/organizations/{org_id}/risks", web::get().to(risks::list_risks)),
        ("POST", "/organizations/{org_id}/risks", web::post().to(risks::create_risk)),
        ("GET", "/organizations/{org_id}/risks/heatmap", web::get().to(risks::risk_heatmap)),
        ("GET", "/organizations/{org_id}/risks/export", web::get().to(risks::export_risks)),
        ("GET", "/risks/{risk_id}", web::get().to(risks::get_risk)),
        ("PATCH", "/risks/{risk_id}", web::patch().to(risks::update_risk)),
        ("DELETE", "/risks/{risk_id}", web::delete().to(risks::delete_risk)),
        (
            "GET",
            "/assessments/{id}/readiness/sp800-171r3",
            web::get().to(frameworks::readiness_sp800_171r3),
        ),
        (
            "GET",
            "/assessments/{id}/readiness/sp800-53r5",
            web::get().to(frameworks::readiness_sp800_53r5),
        ),
    ]
}

/// The dashboard and DataPact.
fn datapact_routes() -> Vec<(&'static str, &'static str, Route)> {
    vec![
        ("GET", "/organizations/{org_id}/dashboard", web::get().to(remediation::dashboard)),
        ("GET", "/organizations/{org_id}/datapact", web::get().to(datapact::get_connection)),
        ("PUT", "/organizations/{org_id}/datapact", web::put().to(datapact::set_connection)),
        (
            "GET",
            "/organizations/{org_id}/datapact/contracts",
            web::get().to(datapact::list_contracts),
        ),
        (
            "GET",
            "/organizations/{org_id}/datapact/mappings",
            web::get().to(datapact::list_mappings),
        ),
        (
            "POST",
            "/organizations/{org_id}/datapact/mappings",
            web::post().to(datapact::create_mapping),
        ),
        (
            "PATCH",
            "/organizations/{org_id}/datapact/mappings/{mapping_id}",
            web::patch().to(datapact::update_mapping),
        ),
        (
            "DELETE",
            "/organizations/{org_id}/datapact/mappings/{mapping_id}",
            web::delete().to(datapact::delete_mapping),
        ),
        ("POST", "/assessments/{id}/datapact/sync", web::post().to(datapact::sync)),
        ("GET", "/assessments/{id}/datapact/logs", web::get().to(datapact::list_logs)),
    ]
}

/// The audit trail.
fn audit_routes() -> Vec<(&'static str, &'static str, Route)> {
    vec![
        ("GET", "/audit", web::get().to(audit::list_audit)),
        ("GET", "/audit/verify", web::get().to(audit::verify_audit)),
    ]
}

/// Every route as (method, full path), in table order.
#[must_use]
pub fn route_list() -> Vec<(&'static str, String)> {
    table().into_iter().map(|(method, path, _)| (method, format!("/api{path}"))).collect()
}

/// Registers every route and the extractor error handlers.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    let mut by_path: BTreeMap<&'static str, (Vec<&'static str>, Vec<Route>)> = BTreeMap::new();
    let mut order: Vec<&'static str> = Vec::new();
    for (method, path, route) in table() {
        if !by_path.contains_key(path) {
            order.push(path);
        }
        let (methods, routes) = by_path.entry(path).or_default();
        methods.push(method);
        routes.push(route);
    }
    let mut scope = web::scope("/api");
    for path in order {
        let (methods, routes) = by_path.remove(path).unwrap_or_default();
        // RFC 9110: a 405 lists the methods the path has.
        let allow: std::sync::Arc<str> = methods.join(", ").into();
        let mut resource = web::resource(path)
            .default_service(web::to(move |request: HttpRequest| {
                fallback::method_not_allowed(request, std::sync::Arc::clone(&allow))
            }))
            .wrap(from_fn(crate::input_guard::check));
        for route in routes {
            resource = resource.route(route);
        }
        scope = scope.service(resource);
    }
    // The contract and its interactive docs, from assets built into the binary.
    match crate::openapi::served_json() {
        Ok(document) => {
            cfg.route(
                "/api/openapi.json",
                web::get().to(move || {
                    let body = document.clone();
                    async move {
                        actix_web::HttpResponse::Ok().content_type("application/json").body(body)
                    }
                }),
            );
            let docs = utoipa_swagger_ui::SwaggerUi::new("/api/docs/{_:.*}")
                .config(utoipa_swagger_ui::Config::from("/api/openapi.json"));
            cfg.service(docs);
        }
        Err(err) => tracing::error!(error = %err, "the API document cannot be built"),
    }
    cfg.app_data(web::QueryConfig::default().error_handler(query_error))
        .app_data(web::PathConfig::default().error_handler(|err, _req: &HttpRequest| {
            ApiError::invalid_parameter("path", err).into()
        }))
        .app_data(web::JsonConfig::default().limit(1 << 20).error_handler(
            |err, _req: &HttpRequest| {
                ApiError::new(ProblemKind::InvalidBody, err.to_string()).into()
            },
        ))
        .service(scope)
        .default_service(web::to(fallback::not_found));
}

fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let message = err.to_string();
    // serde_urlencoded names the offending field in its message.
    let message = message.strip_prefix("Query deserialize error: ").unwrap_or(&message).to_owned();
    ApiError::invalid_parameter("query", message).into()
}
