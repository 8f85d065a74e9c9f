//! The DataPact HTTP API, as the original tracker's design documents describe
//! it: `GET /api/contracts` (`{items or results, total}`), `GET
//! /api/contracts/{id}`, `GET /api/contracts/{id}/compliance` (`{contract_id,
//! status, score, details}`), authenticated with `Authorization: Bearer <key>`.
//! Every assumption about DataPact is in this file.

use std::time::Duration;

use serde_json::{Value as Json, json};

use super::DataPactSettings;
use crate::ServiceError;

/// A DataPact API client for one organisation.
pub(crate) struct DataPactClient {
    http: reqwest::Client,
    outbound: crate::outbound::OutboundPolicy,
    base_url: String,
    api_key: String,
    max_retry_after: Duration,
}

/// One way a call to DataPact can fail; each is told apart to the caller.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DataPactError {
    #[error("DataPact did not answer in time")]
    Timeout,
    #[error("DataPact could not be reached: {0}")]
    Unreachable(String),
    #[error("DataPact refused the API key (HTTP {0})")]
    Unauthorized(u16),
    #[error("DataPact has no such contract (HTTP 404)")]
    NotFound,
    #[error("DataPact is rate-limiting us (HTTP 429)")]
    RateLimited,
    #[error("DataPact failed (HTTP {0})")]
    ServerError(u16, Option<Json>),
    #[error("DataPact answered something unexpected: {0}")]
    InvalidResponse(String),
    #[error("the outbound policy refuses this call: {0}")]
    Blocked(String),
}

impl DataPactError {
    /// A stable name for the kind of failure.
    pub(crate) const fn kind(&self) -> &'static str {
        match self {
            Self::Timeout => "timeout",
            Self::Unreachable(_) => "unreachable",
            Self::Unauthorized(_) => "unauthorized",
            Self::NotFound => "not_found",
            Self::RateLimited => "rate_limited",
            Self::ServerError(..) => "server_error",
            Self::InvalidResponse(_) => "invalid_response",
            Self::Blocked(_) => "blocked",
        }
    }

    /// DataPact's own answer, when it gave one.
    pub(crate) const fn body(&self) -> Option<&Json> {
        match self {
            Self::ServerError(_, body) => body.as_ref(),
            _ => None,
        }
    }
}

impl DataPactClient {
    pub(crate) fn new(
        base_url: &str,
        api_key: String,
        settings: &DataPactSettings,
    ) -> Result<Self, ServiceError> {
        let http = settings
            .outbound
            .client_builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|err| anyhow::format_err!("building the DataPact client: {err}"))?;
        Ok(Self {
            http,
            outbound: settings.outbound.clone(),
            base_url: base_url.trim_end_matches('/').to_owned(),
            api_key,
            max_retry_after: settings.max_retry_after,
        })
    }

    /// `GET /api/contracts`; answers every HTTP call made (the request as
    /// logged, without secrets, and its outcome), the last one deciding.
    pub(crate) async fn list_contracts(&self) -> Vec<(Json, Result<Json, DataPactError>)> {
        self.get("/api/contracts".to_owned()).await
    }

    /// `GET /api/contracts/{id}/compliance`.
    pub(crate) async fn compliance(
        &self,
        contract_id: &str,
    ) -> Vec<(Json, Result<Json, DataPactError>)> {
        let id: String = contract_id
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        self.get(format!("/api/contracts/{id}/compliance")).await
    }

    async fn get(&self, path: String) -> Vec<(Json, Result<Json, DataPactError>)> {
        let url = format!("{}{path}", self.base_url);
        // What is logged of the request: never the key.
        let request = json!({ "method": "GET", "url": url });
        let first = self.send(&url).await;
        let Err((DataPactError::RateLimited, Some(wait))) = &first else {
            return vec![(request, first.map_err(|(err, _)| err))];
        };
        // Honour Retry-After once, up to a limit.
        let wait = (*wait).min(self.max_retry_after);
        tokio::time::sleep(wait).await;
        let retry = json!({ "method": "GET", "url": url, "retry_after_secs": wait.as_secs() });
        let second = self.send(&url).await;
        vec![(request, first.map_err(|(err, _)| err)), (retry, second.map_err(|(err, _)| err))]
    }

    async fn send(&self, url: &str) -> Result<Json, (DataPactError, Option<Duration>)> {
        let parsed = reqwest::Url::parse(url)
            .map_err(|err| (DataPactError::InvalidResponse(format!("a bad URL: {err}")), None))?;
        self.outbound
            .check_url(&parsed)
            .map_err(|err| (DataPactError::Blocked(err.to_string()), None))?;
        let response =
            self.http.get(url).bearer_auth(&self.api_key).send().await.map_err(|err| {
                let kind = if err.is_timeout() {
                    DataPactError::Timeout
                } else {
                    // The error's text (with its causes, where a refusal by the
                    // outbound policy is named) never holds the headers.
                    DataPactError::Unreachable(error_chain(&err.without_url()))
                };
                (kind, None)
            })?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = response.bytes().await.map_err(|err| {
            if err.is_timeout() {
                (DataPactError::Timeout, None)
            } else {
                (DataPactError::Unreachable(err.without_url().to_string()), None)
            }
        })?;
        // What DataPact sends is stored and logged: no NUL or control
        // characters get that far.
        let json: Option<Json> = serde_json::from_slice(&body).ok().map(sanitize);
        match status {
            200..=299 => json.ok_or_else(|| {
                (DataPactError::InvalidResponse("the body is not JSON".into()), None)
            }),
            401 | 403 => Err((DataPactError::Unauthorized(status), None)),
            404 => Err((DataPactError::NotFound, None)),
            429 => Err((DataPactError::RateLimited, retry_after)),
            500..=599 => Err((DataPactError::ServerError(status, json), None)),
            other => Err((DataPactError::InvalidResponse(format!("HTTP {other}")), None)),
        }
    }
}

/// An error and its causes, on one line.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    sanitize_text(&text)
}

/// Text from outside with every control character but tab, line feed and
/// carriage return replaced by U+FFFD.
pub(crate) fn sanitize_text(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() && !matches!(c, '\t' | '\n' | '\r') { '\u{FFFD}' } else { c })
        .collect()
}

/// A JSON value from outside with every string (and key) sanitised.
pub(crate) fn sanitize(value: Json) -> Json {
    match value {
        Json::String(text) => Json::String(sanitize_text(&text)),
        Json::Array(items) => Json::Array(items.into_iter().map(sanitize).collect()),
        Json::Object(map) => {
            Json::Object(map.into_iter().map(|(k, v)| (sanitize_text(&k), sanitize(v))).collect())
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_datapact_loses_its_control_characters() {
        let body = json!({ "items": [{ "name": "Acme\u{0}\u{1b}[31m", "id\u{0}": "x\ty" }] });
        assert_eq!(
            sanitize(body),
            json!({ "items": [{ "name": "Acme\u{FFFD}\u{FFFD}[31m", "id\u{FFFD}": "x\ty" }] })
        );
    }
}
