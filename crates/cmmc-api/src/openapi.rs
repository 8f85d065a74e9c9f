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

/// The parts every route shares.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "CMMC Tracker API",
        description = "CMMC 2.0 assessments for defense contractors: the reference catalogue, organisations and users, assessments with objective-level answers and SPRS scoring, findings, POA&Ms, evidence, DataPact and the audit trail.\n\nErrors are `application/problem+json` (RFC 9457). Signed-in routes take `Authorization: Bearer <access_token>` from `POST /api/auth/login`; the catalogue, `/api/health` and `/api/diag/db` are public.\n\nHEAD is not served: a HEAD request answers 405 like any method a path does not have.",
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
    Ok(with_text_rules(serde_json::to_value(document())?))
}

/// What no text may hold, as the input check refuses it: in parameters
/// every control character; in JSON strings every one but tab, line feed
/// and carriage return.
const PARAMETER_TEXT: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$";
const BODY_TEXT: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$";

/// Adds the rule of `input_guard` to every string that has no pattern,
/// format or enumeration of its own, so that the document says what the
/// server accepts.
fn with_text_rules(mut value: serde_json::Value) -> serde_json::Value {
    if let Some(paths) = value.get_mut("paths").and_then(serde_json::Value::as_object_mut) {
        for operation in paths.values_mut().filter_map(serde_json::Value::as_object_mut) {
            for op in operation.values_mut().filter_map(serde_json::Value::as_object_mut) {
                let parameters = op.get_mut("parameters").and_then(serde_json::Value::as_array_mut);
                for parameter in parameters.into_iter().flatten() {
                    if let Some(schema) = parameter.get_mut("schema") {
                        add_pattern(schema, PARAMETER_TEXT);
                    }
                }
                if let Some(body) = op.get_mut("requestBody") {
                    add_patterns(body, BODY_TEXT);
                }
            }
        }
    }
    if let Some(schemas) = value.pointer_mut("/components/schemas") {
        add_patterns(schemas, BODY_TEXT);
    }
    value
}

/// One-line texts that must not be blank (`cmmc_domain::text::short_text`).
const SHORT_TEXT: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$";

/// The rule of a request field, by its name, where the server checks more
/// than "no control characters".
fn field_pattern(name: &str) -> Option<&'static str> {
    Some(match name {
        "title" | "name" | "milestone" | "datapact_contract_id" => SHORT_TEXT,
        "practice_id" => "^[A-Z]{2}\\.L[123]-3\\.[0-9]{1,2}\\.[0-9]{1,2}e?$",
        "cage_code" => "^([A-Za-z0-9]{5})?$",
        // A UEI (12 letters and digits, no I or O, not starting with 0) or a 9-digit DUNS; empty clears.
        "duns_number" => "^([A-HJ-NP-Za-hj-np-z1-9][A-HJ-NP-Za-hj-np-z0-9]{11}|[0-9]{9})?$",
        "email" => {
            "^[^@\\s\\u0000-\\u001F\\u007F-\\u009F]+@[^@.\\s\\u0000-\\u001F\\u007F-\\u009F]+(\\.[^@.\\s\\u0000-\\u001F\\u007F-\\u009F]+)+$"
        }
        "api_url" | "file_url" => "^https?://[^\\s\\u0000-\\u001F\\u007F-\\u009F]{1,500}$",
        _ => return None,
    })
}

fn is_plain_string(schema: &serde_json::Value) -> bool {
    let string = match &schema["type"] {
        serde_json::Value::String(t) => t == "string",
        serde_json::Value::Array(types) => types.iter().any(|t| t == "string"),
        _ => false,
    };
    string && ["pattern", "format", "enum", "const"].iter().all(|k| schema.get(*k).is_none())
}

fn add_pattern(schema: &mut serde_json::Value, pattern: &str) {
    if is_plain_string(schema) {
        schema["pattern"] = serde_json::Value::from(pattern);
    }
}

/// Every plain string schema below `value`; object properties named in
/// [`field_pattern`] get their own rule.
fn add_patterns(value: &mut serde_json::Value, pattern: &str) {
    add_pattern(value, pattern);
    let properties = value.get_mut("properties").and_then(serde_json::Value::as_object_mut);
    for (name, schema) in properties.into_iter().flatten() {
        if let Some(own) = field_pattern(name) {
            add_pattern(schema, own);
        }
        if name == "roles" && schema["items"].is_object() && schema["items"].get("enum").is_none() {
            let roles: Vec<&str> = cmmc_domain::RoleName::ALL.iter().map(|r| r.as_str()).collect();
            schema["items"]["enum"] = serde_json::json!(roles);
        }
    }
    match value {
        serde_json::Value::Object(map) => {
            for child in map.values_mut() {
                add_patterns(child, pattern);
            }
        }
        serde_json::Value::Array(items) => {
            for child in items {
                add_patterns(child, pattern);
            }
        }
        _ => {}
    }
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
        assert_eq!(login["pattern"], BODY_TEXT, "{login}");
    }
}
