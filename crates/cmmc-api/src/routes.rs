//! The route table, in one place.

use actix_web::{HttpRequest, error::QueryPayloadError, web};

use crate::error::{ApiError, ProblemKind};
use crate::handlers::{catalog, diag, fallback};

/// Registers every route and the extractor error handlers.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::QueryConfig::default().error_handler(query_error))
        .app_data(web::PathConfig::default().error_handler(|err, _req: &HttpRequest| {
            ApiError::invalid_parameter("path", err).into()
        }))
        .app_data(web::JsonConfig::default().limit(1 << 20).error_handler(
            |err, _req: &HttpRequest| {
                ApiError::new(ProblemKind::InvalidBody, err.to_string()).into()
            },
        ))
        .service(
            web::scope("/api")
                .service(get("/health").route(web::get().to(diag::health)))
                .service(get("/diag/db").route(web::get().to(diag::diag_db)))
                .service(get("/cmmc/domains").route(web::get().to(catalog::list_domains)))
                .service(get("/cmmc/levels").route(web::get().to(catalog::list_levels)))
                .service(get("/cmmc/practices").route(web::get().to(catalog::list_practices)))
                .service(
                    get("/cmmc/practices/{practice_id}")
                        .route(web::get().to(catalog::get_practice)),
                ),
        )
        .default_service(web::to(fallback::not_found));
}

/// A resource that answers 405 problem+json to methods it has no route for.
fn get(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(fallback::method_not_allowed))
}

fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let message = err.to_string();
    // serde_urlencoded names the offending field in its message.
    let message = message.strip_prefix("Query deserialize error: ").unwrap_or(&message).to_owned();
    ApiError::invalid_parameter("query", message).into()
}
