//! The reference catalogue: domains, levels, practices. Public: it is public
//! NIST and DoD reference material and holds nothing of any organisation.

use actix_web::{HttpResponse, web};
use bytes::Bytes;
use cmmc_domain::{DomainId, Level};
use cmmc_services::catalog::PracticeFilter;
use serde::Deserialize;

use crate::error::ApiError;
use crate::startup::AppState;

/// The longest search string accepted.
const MAX_SEARCH_CHARS: usize = 200;

fn json(body: Bytes) -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(body)
}

/// GET /api/cmmc/domains: the 14 domains.
pub(crate) async fn list_domains(state: web::Data<AppState>) -> HttpResponse {
    json(state.catalog.get().domains_json.clone())
}

/// GET /api/cmmc/levels: the 3 levels.
pub(crate) async fn list_levels(state: web::Data<AppState>) -> HttpResponse {
    json(state.catalog.get().levels_json.clone())
}

/// The query of GET /api/cmmc/practices, as given.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PracticeQuery {
    level: Option<String>,
    domain: Option<String>,
    search: Option<String>,
}

impl TryFrom<PracticeQuery> for PracticeFilter {
    type Error = ApiError;

    fn try_from(query: PracticeQuery) -> Result<Self, Self::Error> {
        let level = query
            .level
            .map(|level| level.parse::<Level>())
            .transpose()
            .map_err(|err| ApiError::invalid_parameter("level", err))?;
        let domain = query
            .domain
            .map(|domain| domain.parse::<DomainId>())
            .transpose()
            .map_err(|err| ApiError::invalid_parameter("domain", err))?;
        let search = query.search.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        if search.as_ref().is_some_and(|s| s.chars().count() > MAX_SEARCH_CHARS) {
            return Err(ApiError::invalid_parameter(
                "search",
                format!("must be at most {MAX_SEARCH_CHARS} characters"),
            ));
        }
        Ok(Self { level, domain, search })
    }
}

/// GET /api/cmmc/practices?level=&domain=&search=: the matching practices in catalogue order.
pub(crate) async fn list_practices(
    state: web::Data<AppState>,
    query: web::Query<PracticeQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = PracticeFilter::try_from(query.into_inner())?;
    Ok(json(state.catalog.get().practices_json(&filter)))
}

/// GET /api/cmmc/practices/{practice_id}: one practice with its objectives and evidence requirements.
pub(crate) async fn get_practice(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let practice_id = path.into_inner();
    match state.catalog.get().practice_json(&practice_id) {
        Some(body) => Ok(json(body)),
        None => {
            let why = match practice_id.parse::<cmmc_domain::PracticeId>() {
                Ok(_) => "is not in the catalogue".to_owned(),
                Err(err) => format!("is not a practice id ({err})"),
            };
            Err(ApiError::not_found(format!("practice {practice_id:?} {why}")))
        }
    }
}
