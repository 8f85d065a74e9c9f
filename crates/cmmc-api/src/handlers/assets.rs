//! The asset inventory: CRUD, and the inventory as a CSV file.

use actix_web::{HttpRequest, HttpResponse, web};
use cmmc_domain::asset::AssetInput;
use cmmc_services::ServiceError;
use cmmc_services::assets::{AssetChanges, AssetFilter};
use futures_util::StreamExt as _;

use crate::dto::assets::{AssetDto, AssetQuery, CreateAsset, ImportReportDto, UpdateAsset};
use crate::dto::{Page, PageQuery};
use crate::error::ApiError;
use crate::extract::CurrentUser;
use crate::startup::AppState;

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list_assets,
    create_asset,
    get_asset,
    update_asset,
    delete_asset,
    import_assets,
    export_assets
))]
pub(crate) struct Doc;

/// The largest CSV file an import takes.
pub(crate) const IMPORT_MAX_BYTES: usize = 16 * 1024 * 1024;

/// GET /api/organizations/{org_id}/assets?category=&asset_type=&page=&per_page=
#[utoipa::path(get, path = "/api/organizations/{org_id}/assets", tag = "assets", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation (a UUID)"), AssetQuery),
    responses(
        (status = 200, description = "A page of the inventory, by tag", body = Page<AssetDto>),
        (status = 400, description = "A bad filter or page, an unknown parameter, or a control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "No role of the caller may read assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation (or another one)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn list_assets(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    query: web::Query<AssetQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = PageQuery::new(query.page, query.per_page).checked()?;
    let filter = AssetFilter { category: query.category, asset_type: query.asset_type, page };
    let (items, total) = state.services.list_assets(&user.0, &path, filter).await?;
    let items = items.iter().map(AssetDto::from).collect();
    Ok(HttpResponse::Ok().json(Page::of(items, total, page)))
}

/// POST /api/organizations/{org_id}/assets: adds an asset. Audited as `asset.create`.
#[utoipa::path(post, path = "/api/organizations/{org_id}/assets", tag = "assets", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation (a UUID)")),
    request_body = CreateAsset,
    responses(
        (status = 201, description = "The asset", body = AssetDto),
        (status = 400, description = "A bad field (named), a malformed body, an unknown field or a control character", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow managing assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation (or another one)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The organisation has an asset with this tag", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A provider_id the organisation does not have", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn create_asset(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<CreateAsset>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let input = AssetInput {
        asset_tag: b.asset_tag,
        name: b.name,
        asset_type: b.asset_type,
        category: b.category,
        owner: b.owner,
        location: b.location,
        description: b.description,
        handles_cui: b.handles_cui,
        handles_fci: b.handles_fci,
        tags: b.tags,
    };
    let asset =
        state.services.create_asset(&user.0, &path, input, b.provider_id.as_deref()).await?;
    Ok(HttpResponse::Created().json(AssetDto::from(&asset)))
}

/// GET /api/organizations/{org_id}/assets/{asset_id}
#[utoipa::path(get, path = "/api/organizations/{org_id}/assets/{asset_id}", tag = "assets", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation (a UUID)"), ("asset_id" = String, Path, description = "The asset (a UUID)")),
    responses(
        (status = 200, description = "The asset", body = AssetDto),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "No role of the caller may read assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such asset in the organisation (or another organisation)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn get_asset(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (org_id, asset_id) = path.into_inner();
    let asset = state.services.get_asset(&user.0, &org_id, &asset_id).await?;
    Ok(HttpResponse::Ok().json(AssetDto::from(&asset)))
}

/// PATCH /api/organizations/{org_id}/assets/{asset_id}: audited as `asset.update`.
#[utoipa::path(patch, path = "/api/organizations/{org_id}/assets/{asset_id}", tag = "assets", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation (a UUID)"), ("asset_id" = String, Path, description = "The asset (a UUID)")),
    request_body = UpdateAsset,
    responses(
        (status = 200, description = "The asset as changed", body = AssetDto),
        (status = 400, description = "A bad field (named), a malformed body, an unknown field or a control character", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow managing assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such asset in the organisation (or another organisation)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another asset of the organisation has this tag", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A provider_id the organisation does not have", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn update_asset(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    body: web::Json<UpdateAsset>,
) -> Result<HttpResponse, ApiError> {
    let (org_id, asset_id) = path.into_inner();
    let b = body.into_inner();
    let changes = AssetChanges {
        asset_tag: b.asset_tag,
        name: b.name,
        asset_type: b.asset_type,
        category: b.category,
        owner: b.owner,
        location: b.location,
        description: b.description,
        handles_cui: b.handles_cui,
        handles_fci: b.handles_fci,
        provider_id: b.provider_id,
        tags: b.tags,
    };
    let asset = state.services.update_asset(&user.0, &org_id, &asset_id, changes).await?;
    Ok(HttpResponse::Ok().json(AssetDto::from(&asset)))
}

/// DELETE /api/organizations/{org_id}/assets/{asset_id}: audited as `asset.delete`.
#[utoipa::path(delete, path = "/api/organizations/{org_id}/assets/{asset_id}", tag = "assets", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation (a UUID)"), ("asset_id" = String, Path, description = "The asset (a UUID)")),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow managing assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such asset in the organisation (or another organisation)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn delete_asset(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (org_id, asset_id) = path.into_inner();
    state.services.delete_asset(&user.0, &org_id, &asset_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Whether the request says its body is `text/csv`.
pub(crate) fn is_csv(request: &HttpRequest) -> bool {
    request
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("text/csv"))
}

/// The body, refused (413) past `limit` bytes.
pub(crate) async fn read_body(
    mut payload: web::Payload,
    limit: usize,
) -> Result<Vec<u8>, ApiError> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::invalid_parameter("body", e))?;
        if body.len() + chunk.len() > limit {
            return Err(ServiceError::PayloadTooLarge(format!(
                "the file is over {} MiB",
                limit / (1024 * 1024)
            ))
            .into());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// POST /api/organizations/{org_id}/assets/import: a `text/csv` file of the
/// inventory (header first; see the README for the columns). Every row is
/// checked before anything is written; then all are written, upserting by
/// tag. Audited as `asset.import`.
#[utoipa::path(post, path = "/api/organizations/{org_id}/assets/import", tag = "assets", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation (a UUID)")),
    request_body(content = String, description = "A CSV file with a header row naming the columns", content_type = "text/csv"),
    responses(
        (status = 200, description = "How many assets were inserted, updated and left unchanged", body = ImportReportDto),
        (status = 400, description = "Rows that break the rules: `errors` lists each with its `line` (1 is the header), `column` and `problem`; nothing was written", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your roles do not allow managing assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation (or another one)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file is over 16 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not text/csv", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn import_assets(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    request: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let csv = is_csv(&request);
    let body = read_body(payload, IMPORT_MAX_BYTES).await?;
    let report = state.services.import_assets(&user.0, &path, &body, csv).await?;
    Ok(HttpResponse::Ok().json(ImportReportDto::from(report)))
}

/// GET /api/organizations/{org_id}/assets/export: the inventory as CSV, by
/// tag, which imports back unchanged. Audited as `asset.export`.
#[utoipa::path(get, path = "/api/organizations/{org_id}/assets/export", tag = "assets", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation (a UUID)")),
    responses(
        (status = 200, description = "The CSV file, as an attachment", content(("text/csv; charset=utf-8"))),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "No role of the caller may read assessments", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation (or another one)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn export_assets(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let bytes = state.services.export_assets(&user.0, &path).await?;
    Ok(csv_attachment(bytes, "assets.csv"))
}

/// A CSV file as an attachment named `filename`, never cached by a proxy.
pub(crate) fn csv_attachment(bytes: Vec<u8>, filename: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{filename}\"")))
        .insert_header(("Cache-Control", "private, no-store"))
        .body(bytes)
}
