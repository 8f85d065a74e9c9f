//! Rules the server checks that the Rust types do not carry into the
//! generated schemas. They are added to the document after generation, from
//! the same domain constants the server checks against, so that the document
//! says what the server accepts and a fuzzer drawing from it makes requests
//! the server takes.
//!
//! What no schema can state (a rule that depends on stored data, on the
//! server's policy or on several fields at once) is answered 422, not 400:
//! the document's description says so.

use std::sync::LazyLock;

use cmmc_domain::{AssessmentType, DomainId, Level, ObjectiveStatus, RoleName};
use serde_json::{Value, json};

/// What no text may hold, as the input check refuses it: in parameters and
/// object keys every control character; in JSON strings every one but tab,
/// line feed and carriage return.
pub(super) const PARAMETER_TEXT: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$";
pub(super) const BODY_TEXT: &str =
    "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$";

/// One-line texts that must not be blank (`cmmc_domain::text::short_text`).
const SHORT_TEXT: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$";

/// A link the server will parse: http(s); a host name whose last label
/// starts with a letter, or an IPv4 address; an optional port; a path of
/// printable ASCII. (The server also takes IPv6 literals and international
/// names; a pattern that named every form it parses would be unreadable.)
const LINK: &str = concat!(
    "^https?://",
    "(([A-Za-z0-9-]{1,63}\\.){0,8}[A-Za-z][A-Za-z0-9-]{0,62}",
    "|((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9]))",
    "(:(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}))?",
    "(/[!-~]{0,400})?$"
);

/// Multi-line texts that must not be blank (`cmmc_domain::text::long_text`).
const LONG_TEXT: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$";

/// The longest email address (`cmmc_domain::Email`), in characters.
const EMAIL_MAX_CHARS: u64 = 254;

/// A practice id as `cmmc_domain::PracticeId` parses it: each domain with its
/// own NIST family, `L1`/`L2` without and `L3` with the `e` suffix, numbers
/// without a leading zero.
static PRACTICE_ID: LazyLock<String> = LazyLock::new(|| {
    let branches: Vec<String> = DomainId::ALL
        .iter()
        .map(|domain| {
            format!(
                "{}\\.L([12]-3\\.{}\\.[1-9][0-9]?|3-3\\.{}\\.[1-9][0-9]?e)",
                domain.as_str(),
                domain.nist_family(),
                domain.nist_family()
            )
        })
        .collect();
    format!("^({})$", branches.join("|"))
});

/// Adds every rule to the generated document `value`.
pub(super) fn add_all(value: &mut Value) {
    if let Some(paths) = value.get_mut("paths").and_then(Value::as_object_mut) {
        for operation in paths.values_mut().filter_map(Value::as_object_mut) {
            for op in operation.values_mut().filter_map(Value::as_object_mut) {
                let parameters = op.get_mut("parameters").and_then(Value::as_array_mut);
                for parameter in parameters.into_iter().flatten() {
                    if let Some(schema) = parameter.get_mut("schema") {
                        add_pattern(schema, PARAMETER_TEXT);
                    }
                }
                if let Some(body) = op.get_mut("requestBody") {
                    optional_body(body);
                    add_patterns(body, BODY_TEXT);
                }
            }
        }
    }
    if let Some(schemas) = value.pointer_mut("/components/schemas") {
        if let Some(create) = schemas.get_mut("CreateAssessment") {
            add_level_rule(create);
        }
        if let Some(form) = schemas.get_mut("EvidenceUploadForm") {
            // A form refuses any other field. (That it takes a file or a
            // link, not both, is answered 422: schemathesis cannot generate
            // multipart bodies from a `oneOf` of required fields.)
            form["additionalProperties"] = json!(false);
        }
        add_patterns(schemas, BODY_TEXT);
    }
}

/// A body declared as `Option<T>` may be left out, not sent as `null`
/// (the input check takes only a JSON object): it becomes `T`, not required.
fn optional_body(body: &mut Value) {
    let Some(schema) = body.pointer_mut("/content/application~1json/schema") else { return };
    let Some(branches) = schema.get("oneOf").and_then(Value::as_array) else { return };
    let is_null = |b: &Value| b.get("type").is_some_and(|t| t == "null");
    if let [a, b] = branches.as_slice()
        && (is_null(a) || is_null(b))
    {
        let kept = if is_null(a) { b.clone() } else { a.clone() };
        *schema = kept;
        body["required"] = Value::Bool(false);
    }
}

/// The rule of a request field, by its name, where the server checks more
/// than "no control characters".
fn field_pattern(name: &str) -> Option<&'static str> {
    Some(match name {
        "title"
        | "name"
        | "milestone"
        | "datapact_contract_id"
        | "version"
        | "responsible_role"
        | "official_name"
        | "official_title"
        | "point_of_contact"
        | "asset_tag"
        | "category" => SHORT_TEXT,
        "narrative"
        | "system_description"
        | "boundary_description"
        | "statement"
        | "provider_statement" => LONG_TEXT,
        // An objective's letter, bracketed or not; blank is the whole practice.
        "objective" => "^ *(\\[[a-z]{1,2}\\]|[a-z]{1,2})? *$",
        "practice_id" => PRACTICE_ID.as_str(),
        // No password holds a control character, not even a tab.
        "password" | "new_password" | "current_password" => PARAMETER_TEXT,
        "cage_code" => "^([A-Za-z0-9]{5})?$",
        // A UEI (12 letters and digits, no I or O, not starting with 0) or a 9-digit DUNS; empty clears.
        "duns_number" => "^([A-HJ-NP-Za-hj-np-z1-9][A-HJ-NP-Za-hj-np-z0-9]{11}|[0-9]{9})?$",
        "email" | "official_email" => {
            "^[^@\\s\\u0000-\\u001F\\u007F-\\u009F]+@[^@.\\s\\u0000-\\u001F\\u007F-\\u009F]+(\\.[^@.\\s\\u0000-\\u001F\\u007F-\\u009F]+)+$"
        }
        _ => return None,
    })
}

/// Strings the rules apply to: those without a pattern, enumeration or
/// constant of their own, and no format but `password` (a hint to hide the
/// text, not a rule).
fn is_plain_string(schema: &Value) -> bool {
    let string = match &schema["type"] {
        Value::String(t) => t == "string",
        Value::Array(types) => types.iter().any(|t| t == "string"),
        _ => false,
    };
    let formatted = schema.get("format").is_some_and(|f| f != "password");
    string && !formatted && ["pattern", "enum", "const"].iter().all(|k| schema.get(*k).is_none())
}

fn add_pattern(schema: &mut Value, pattern: &str) {
    if is_plain_string(schema) {
        schema["pattern"] = Value::from(pattern);
    }
}

/// Every plain string schema below `value`; object properties named in
/// [`field_pattern`] get their own rule, and object keys the key rule.
fn add_patterns(value: &mut Value, pattern: &str) {
    add_pattern(value, pattern);
    let properties = value.get_mut("properties").and_then(Value::as_object_mut);
    for (name, schema) in properties.into_iter().flatten() {
        add_field_rule(name, schema);
    }
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                let rule = if key == "propertyNames" { PARAMETER_TEXT } else { pattern };
                add_patterns(child, rule);
            }
        }
        Value::Array(items) => {
            for child in items {
                add_patterns(child, pattern);
            }
        }
        _ => {}
    }
}

/// The rule of one named property, beyond its text rule.
fn add_field_rule(name: &str, schema: &mut Value) {
    if let Some(own) = field_pattern(name) {
        add_pattern(schema, own);
    }
    let is_string = schema["type"] == "string"
        || schema["type"].as_array().is_some_and(|t| t.iter().any(|t| t == "string"));
    if matches!(name, "api_url" | "file_url") && is_string {
        // Also where the schema names the `uri` format: the pattern says which URIs.
        schema["pattern"] = Value::from(LINK);
    }
    if name == "tags" && schema["items"].is_object() {
        // An asset's tags: blanks are dropped, the rest one line of up to 64.
        schema["items"]["pattern"] = Value::from(PARAMETER_TEXT);
        schema["items"]["maxLength"] = json!(cmmc_domain::asset::TAG_TEXT_MAX);
        schema["maxItems"] = json!(cmmc_domain::asset::TAGS_MAX);
    }
    if name == "services" && schema["items"].is_object() {
        // A provider's services: blanks are dropped, the rest one line of up to 256.
        schema["items"]["pattern"] = Value::from(PARAMETER_TEXT);
        schema["items"]["maxLength"] = json!(cmmc_domain::text::TITLE_MAX);
        schema["maxItems"] = json!(cmmc_domain::provider::SERVICES_MAX);
    }
    if name == "cage_codes" && schema["items"].is_object() {
        schema["items"]["pattern"] = Value::from("^[A-Za-z0-9]{5}$");
    }
    if (name == "email" || name == "official_email")
        && schema.get("maxLength").is_none()
        && schema.get("type").is_some()
    {
        schema["maxLength"] = json!(EMAIL_MAX_CHARS);
    }
    if name == "roles" && schema["items"].is_object() && schema["items"].get("enum").is_none() {
        let roles: Vec<&str> = RoleName::ALL.iter().map(|r| r.as_str()).collect();
        schema["items"]["enum"] = json!(roles);
    }
    let results = schema.get_mut("additionalProperties").filter(|s| is_plain_string(s));
    if name == "objectives"
        && let Some(results) = results
    {
        let statuses: Vec<&str> = ObjectiveStatus::ALL.iter().map(|s| s.as_str()).collect();
        results["enum"] = json!(statuses);
    }
}

/// The assessment types each level allows (`Level::allows_assessment_type`),
/// as one branch per level.
fn add_level_rule(create: &mut Value) {
    let branches: Vec<Value> = Level::ALL
        .iter()
        .map(|level| {
            let kinds: Vec<&str> = AssessmentType::ALL
                .iter()
                .filter(|kind| level.allows_assessment_type(**kind))
                .map(|kind| kind.as_str())
                .collect();
            json!({
                "properties": {
                    "target_level": { "const": level.number() },
                    "assessment_type": { "enum": kinds },
                }
            })
        })
        .collect();
    create["oneOf"] = Value::Array(branches);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_practice_pattern_names_each_domain_with_its_family() {
        let pattern = PRACTICE_ID.as_str();
        assert!(pattern.contains("AC\\.L([12]-3\\.1\\."), "{pattern}");
        assert!(pattern.contains("SI\\.L([12]-3\\.14\\."), "{pattern}");
        assert_eq!(pattern.matches("\\.L(").count(), DomainId::ALL.len());
    }

    #[test]
    fn level_branches_follow_the_domain_rule() {
        let mut create = json!({"type": "object"});
        add_level_rule(&mut create);
        let branches = create["oneOf"].as_array().unwrap();
        assert_eq!(branches.len(), 3);
        assert_eq!(branches[0]["properties"]["assessment_type"]["enum"], json!(["self"]));
        assert_eq!(branches[2]["properties"]["assessment_type"]["enum"], json!(["government"]));
    }

    #[test]
    fn an_optional_body_may_be_left_out_but_is_never_null() {
        let mut body = json!({ "content": { "application/json": { "schema": {
            "oneOf": [{ "$ref": "#/components/schemas/X" }, { "type": "null" }]
        } } } });
        optional_body(&mut body);
        assert_eq!(
            body["content"]["application/json"]["schema"],
            json!({ "$ref": "#/components/schemas/X" })
        );
        assert_eq!(body["required"], false);
    }

    #[test]
    fn keys_and_passwords_get_the_text_rule() {
        let mut schema = json!({
            "properties": {
                "password": { "type": "string", "format": "password" },
                "objectives": {
                    "type": "object",
                    "additionalProperties": { "type": "string" },
                    "propertyNames": { "type": "string" },
                },
            }
        });
        add_patterns(&mut schema, BODY_TEXT);
        assert_eq!(schema["properties"]["password"]["pattern"], PARAMETER_TEXT);
        let objectives = &schema["properties"]["objectives"];
        assert_eq!(objectives["propertyNames"]["pattern"], PARAMETER_TEXT);
        assert_eq!(objectives["additionalProperties"]["enum"][0], "met");
    }
}
