//! One check, where input enters, for what no field may hold: NUL and other
//! control characters (tab, line feed and carriage return aside in JSON
//! strings) in the path, the query and JSON bodies. A path id that is not a
//! well-formed id answers 404 once the caller is signed in
//! ([`check_path_ids`], called by the `CurrentUser` extractor), before any
//! query names it.
//!
//! Wrapped around every resource, so the route's parameters are known.
//! Rules for what a field may hold beyond this (trimmed, not empty, bounded)
//! live in `cmmc_domain::text` and the services.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::CONTENT_TYPE;
use actix_web::middleware::Next;
use actix_web::{HttpMessage as _, ResponseError as _, web};
use cmmc_domain::text::forbidden_control;
use futures_util::StreamExt as _;
use serde_json::Value;

use crate::error::{ApiError, ProblemKind};

/// The largest JSON body the check reads; larger ones are left to the
/// extractor, which refuses them.
const MAX_CHECKED_BODY: usize = 1 << 20;

/// The middleware: refuses bad input with a problem answer, or calls on.
pub(crate) async fn check(
    mut request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let refusal = match check_path(&request).and_then(|()| check_query(&request)) {
        Err(err) => Some(err),
        Ok(()) if is_json(&request) => check_body(&mut request).await.err(),
        Ok(()) => None,
    };
    match refusal {
        Some(err) => {
            let response = err.error_response().map_into_right_body();
            Ok(request.into_response(response))
        }
        None => Ok(next.call(request).await?.map_into_left_body()),
    }
}

fn decoded(raw: &str) -> String {
    percent_encoding::percent_decode_str(raw).decode_utf8_lossy().into_owned()
}

/// A path segment with a control character, or over 64 characters, names
/// nothing.
fn check_path(request: &ServiceRequest) -> Result<(), ApiError> {
    for (name, raw) in request.match_info().iter() {
        let value = decoded(raw);
        if value.chars().count() > 64 || forbidden_control(&value, false).is_some() {
            return Err(not_found(name));
        }
    }
    Ok(())
}

fn not_found(param: &str) -> ApiError {
    let what = param.trim_end_matches("_id").replace('_', " ");
    let what = if what == "id" { "resource" } else { what.as_str() };
    ApiError::not_found(format!("no {what} has this id"))
}

/// Ids in the path (every parameter named `id` or `*_id` but `practice_id`)
/// are UUIDs; anything else names nothing.
///
/// # Errors
/// A 404 naming what the id was for.
pub(crate) fn check_path_ids(request: &actix_web::HttpRequest) -> Result<(), ApiError> {
    for (name, raw) in request.match_info().iter() {
        if name.ends_with("id")
            && name != "practice_id"
            && uuid::Uuid::try_parse(&decoded(raw)).is_err()
        {
            return Err(not_found(name));
        }
    }
    Ok(())
}

fn check_query(request: &ServiceRequest) -> Result<(), ApiError> {
    for (name, value) in form_urlencoded::parse(request.query_string().as_bytes()) {
        if let Some(c) =
            forbidden_control(&name, false).or_else(|| forbidden_control(&value, false))
        {
            return Err(control_character(&name, c));
        }
    }
    Ok(())
}

fn control_character(field: &str, c: char) -> ApiError {
    let field: String = field.chars().filter(|c| !c.is_control()).take(64).collect();
    let field = if field.is_empty() { "query".to_owned() } else { field };
    ApiError::invalid_parameter(
        &field,
        format!("must not contain control characters (found U+{:04X})", u32::from(c)),
    )
}

fn is_json(request: &ServiceRequest) -> bool {
    request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| {
            // As the JSON extractor judges it: a `json` subtype or suffix.
            let essence = essence.trim().to_ascii_lowercase();
            essence.split('/').nth(1) == Some("json") || essence.ends_with("+json")
        })
}

/// Reads a JSON body (up to the limit), checks every string and key in it,
/// and puts it back for the extractor.
async fn check_body(request: &mut ServiceRequest) -> Result<(), ApiError> {
    let mut payload = request.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        // A broken stream is the extractor's to report.
        let Ok(chunk) = chunk else { break };
        body.extend_from_slice(&chunk);
        if body.len() > MAX_CHECKED_BODY {
            return Err(ApiError::new(
                ProblemKind::PayloadTooLarge,
                format!("a JSON body may be at most {MAX_CHECKED_BODY} bytes"),
            ));
        }
    }
    let body = body.freeze();
    let result = match serde_json::from_slice::<Value>(&body) {
        // Every JSON body of this API is an object: serde would otherwise
        // read an array into a struct's fields by position.
        Ok(value) if !value.is_object() => {
            Err(ApiError::new(ProblemKind::InvalidBody, "the body must be a JSON object"))
        }
        Ok(value) => check_value(&value, ""),
        // Not JSON: the extractor says what is wrong with it.
        Err(_) => Ok(()),
    };
    request.set_payload(Payload::from(body));
    result
}

/// The first string or key (depth first) with a forbidden control character.
fn check_value(value: &Value, at: &str) -> Result<(), ApiError> {
    match value {
        Value::String(text) => match forbidden_control(text, true) {
            Some(c) => Err(control_character(if at.is_empty() { "body" } else { at }, c)),
            None => Ok(()),
        },
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, item)| check_value(item, &format!("{at}[{i}]"))),
        Value::Object(map) => map.iter().try_for_each(|(key, item)| {
            let field = if at.is_empty() { key.clone() } else { format!("{at}.{key}") };
            if let Some(c) = forbidden_control(key, false) {
                return Err(control_character(&field, c));
            }
            check_value(item, &field)
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_fields_with_control_characters_are_named() {
        let body = serde_json::json!({ "title": "ok", "items": [{ "name": "a\u{0}b" }] });
        let err = check_value(&body, "").unwrap_err();
        assert_eq!(err.errors[0].field, "items[0].name");
        assert!(check_value(&serde_json::json!({ "notes": "line\n\tmore\r\n" }), "").is_ok());
        let err = check_value(&serde_json::json!({ "x\u{1}": 1 }), "").unwrap_err();
        assert_eq!(err.errors[0].field, "x");
    }
}
