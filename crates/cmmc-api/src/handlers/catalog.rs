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

/// This module's part of the API document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list_domains, list_levels, list_practices, get_practice))]
pub(crate) struct Doc;

/// GET /api/cmmc/domains: the 14 domains.
#[utoipa::path(get, path = "/api/cmmc/domains", tag = "catalogue", security(()),
    responses((status = 200, description = "The 14 domains", body = Vec<crate::dto::DomainDto>)))]
pub(crate) async fn list_domains(state: web::Data<AppState>) -> HttpResponse {
    json(state.catalog.get().domains_json.clone())
}

/// GET /api/cmmc/levels: the 3 levels.
#[utoipa::path(get, path = "/api/cmmc/levels", tag = "catalogue", security(()),
    responses((status = 200, description = "The 3 levels", body = Vec<crate::dto::LevelDto>)))]
pub(crate) async fn list_levels(state: web::Data<AppState>) -> HttpResponse {
    json(state.catalog.get().levels_json.clone())
}

/// The query of GET /api/cmmc/practices, as given.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct PracticeQuery {
    /// The level, 1 to 3.
    #[param(pattern = "^[123]$")]
    level: Option<String>,
    /// A domain id such as `AC`.
    #[param(pattern = "^(AC|AT|AU|CM|IA|IR|MA|MP|PS|PE|RA|CA|SC|SI)$")]
    domain: Option<String>,
    /// Words in the id, title or description (at most 200 characters).
    #[param(max_length = 200)]
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
#[utoipa::path(get, path = "/api/cmmc/practices", tag = "catalogue", security(()), params(PracticeQuery),
    responses(
        (status = 200, description = "The matching practices, in catalogue order", body = Vec<crate::dto::PracticeDto>),
        (status = 400, description = "A bad level, domain or search, or an unknown parameter", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn list_practices(
    state: web::Data<AppState>,
    query: web::Query<PracticeQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = PracticeFilter::try_from(query.into_inner())?;
    Ok(json(state.catalog.get().practices_json(&filter)))
}

/// GET /api/cmmc/practices/{practice_id}: one practice with its objectives and evidence requirements.
#[utoipa::path(get, path = "/api/cmmc/practices/{practice_id}", tag = "catalogue", security(()),
    params(("practice_id" = String, Path, description = "A practice id such as `AC.L2-3.1.1`", example = "AC.L2-3.1.1")),
    responses(
        (status = 200, description = "The practice", body = crate::dto::PracticeDto),
        (status = 404, description = "No such practice", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
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
