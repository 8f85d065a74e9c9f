//! The API contract: an OpenAPI 3.1 document generated from the code
//! (`utoipa`: each handler's `#[utoipa::path]`, each body's `ToSchema`),
//! served at `GET /api/openapi.json`, with Swagger UI at `/api/docs/` from
//! assets built into the binary. `cmmc-api openapi` prints it, and
//! `cargo xtask openapi` writes it to `docs/openapi.json`, which a test keeps
//! equal to what the code generates.
//!
//! Each handler module documents its own routes (`Doc`); [`document`]
//! merges them and adds what every route shares: bearer authentication and
//! the problem details body.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, Server};
use utoipa::{Modify, OpenApi};

use crate::handlers;

mod rules;

/// The parts every route shares.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "CMMC Tracker API",
        description = "CMMC 2.0 assessments for defense contractors: the reference catalogue, organisations and users, assessments with objective-level answers and SPRS scoring, findings, POA&Ms, evidence, DataPact and the audit trail.\n\nErrors are `application/problem+json` (RFC 9457). Signed-in routes take `Authorization: Bearer <access_token>` from `POST /api/auth/login`; the catalogue, `/api/health` and `/api/diag/db` are public.\n\nA 400 means the request breaks this document (a malformed body, an unknown field, a value outside its schema). A 422 means the request conforms to the document but breaks a rule no schema can state: one that depends on stored data (a practice outside the assessment, an objective the practice does not have), on the server's policy (a destination the outbound policy refuses) or on several fields at once (a password equal to the username, or over 72 bytes).\n\nHEAD is not served: a HEAD request answers 405 like any method a path does not have.\n\nThe CI fuzz run (`cargo xtask fuzz`, schemathesis with every check) covers every operation but two, which it leaves out because they end its own session: `POST /api/auth/logout` revokes the token it signs in with, and `PUT /api/auth/password` changes the password and revokes its other sign-ins. The integration tests cover both. Of a request that conforms to this document it accepts what a schema cannot decide and each operation declares: 404 and 409 for what the request refers to, 412 for a stale If-Match, 413 and 415 for an upload's size and detected type, 422 as above, and 502 or 504 from the two routes that call DataPact (`GET /api/organizations/{org_id}/datapact/contracts`, `POST /api/assessments/{id}/datapact/sync`), which the run never reaches.",
        license(name = "Apache-2.0")
    ),
    components(schemas(crate::error::Problem, crate::error::FieldError)),
    modifiers(&BearerAuth),
    tags(
        (name = "catalogue", description = "The CMMC reference catalogue (public)"),
        (name = "health", description = "Liveness and database diagnostics (public)"),
        (name = "auth", description = "Signing in, tokens and one's own account"),
        (name = "organizations", description = "Organisations and their users"),
        (name = "assessments", description = "Assessments, practice answers and scores"),
        (name = "evidence", description = "Evidence files and links, and their review"),
        (name = "remediation", description = "Findings, POA&Ms and the dashboard"),
        (name = "datapact", description = "The DataPact connection, mappings and sync"),
        (name = "audit", description = "The tamper-evident audit trail"),
        (name = "ssps", description = "System security plans (CA.L2-3.12.4): versions, implementation statements, publishing"),
        (name = "assets", description = "The asset inventory (32 CFR 170.19 scoping), and its CSV import and export"),
        (name = "providers", description = "Cloud and external service providers, their customer responsibility matrices, assessment scope, and applying providers to an assessment"),
        (name = "risks", description = "The risk register: risks scored by likelihood and impact, linked to practices, findings, POA&M items and assets; its heat map and CSV export"),
        (name = "frameworks", description = "Framework crosswalks (SP 800-171 Rev 2 and Rev 3, SP 800-53 Rev 4 and Rev 5, ISO/IEC 27001:2013 and 2022), and an assessment projected onto Rev 3 and Rev 5"),
        (name = "oscal", description = "OSCAL 1.2.3 JSON: the catalogue and level profiles, assessment results, POA&Ms and SSPs"),
        (name = "affirmations", description = "Affirmations (32 CFR 170.22) and the organisation's standing"),
        (name = "reports", description = "Files people hand over: results and POA&Ms as CSV and XLSX"),
    )
)]
struct Shared;

/// Adds the bearer scheme the secured routes name.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An access token from POST /api/auth/login"))
                    .build(),
            ),
        );
    }
}

/// The whole document.
#[must_use]
pub fn document() -> Document {
    let mut doc = Shared::openapi();
    doc.servers = Some(vec![Server::new("/")]);
    for part in [
        handlers::catalog::Doc::openapi(),
        handlers::diag::Doc::openapi(),
        handlers::auth::Doc::openapi(),
        handlers::organizations::Doc::openapi(),
        handlers::assessments::Doc::openapi(),
        handlers::evidence::Doc::openapi(),
        handlers::remediation::Doc::openapi(),
        handlers::datapact::Doc::openapi(),
        handlers::audit::Doc::openapi(),
        handlers::exports::Doc::openapi(),
        handlers::ssps::Doc::openapi(),
        handlers::oscal::Doc::openapi(),
        handlers::assets::Doc::openapi(),
        handlers::providers::Doc::openapi(),
        handlers::mfa::Doc::openapi(),
        handlers::affirmations::Doc::openapi(),
        handlers::risks::Doc::openapi(),
        handlers::frameworks::Doc::openapi(),
    ] {
        doc.merge(part);
    }
    doc
}

/// The document as served and committed: [`document`] with the text rules
/// of the input check on every plain string.
///
/// # Errors
/// When it cannot be serialised (a bug).
pub fn document_value() -> Result<serde_json::Value, serde_json::Error> {
    let mut value = serde_json::to_value(document())?;
    rules::add_all(&mut value);
    Ok(value)
}

/// The document as served, serialised once per process and shared by every
/// worker (each worker building its own `Value` cost megabytes apiece).
///
/// # Errors
/// When it cannot be serialised (a bug); the error is kept and shown again.
pub fn served_json() -> Result<bytes::Bytes, String> {
    static SERVED: std::sync::OnceLock<Result<bytes::Bytes, String>> = std::sync::OnceLock::new();
    SERVED
        .get_or_init(|| {
            let value = document_value().map_err(|e| e.to_string())?;
            serde_json::to_vec(&value).map(bytes::Bytes::from).map_err(|e| e.to_string())
        })
        .clone()
}

/// The document as committed in `docs/openapi.json`: pretty, with a final newline.
///
/// # Errors
/// When it cannot be serialised (a bug).
pub fn document_json() -> Result<String, serde_json::Error> {
    let mut text = serde_json::to_string_pretty(&document_value()?)?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_say_what_the_input_check_refuses() {
        let text = document_json().unwrap();
        assert!(text.contains("u0000-"), "no text pattern in the document");
        let value = document_value().unwrap();
        let login = &value["components"]["schemas"]["LoginRequest"]["properties"]["username"];
        assert_eq!(login["pattern"], rules::BODY_TEXT, "{login}");
    }
}
