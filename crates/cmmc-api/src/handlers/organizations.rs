//! Organisations and their users.

use actix_web::{HttpResponse, web};
use cmmc_services::organizations::{NewOrganization, OrganizationChanges};
use cmmc_services::users::{NewUser, UserChanges};

use crate::dto::organizations::{
    CreateOrganization, CreateUser, SetRoles, UpdateOrganization, UpdateUser,
};
use crate::dto::{OrganizationDto, Page, PageQuery, UserDto};
use crate::error::ApiError;
use crate::extract::CurrentUser;
use crate::startup::AppState;

/// This module's part of the API document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    create_organization,
    list_organizations,
    get_organization,
    update_organization,
    create_user,
    list_users,
    get_user,
    update_user,
    set_roles
))]
pub(crate) struct Doc;

/// POST /api/organizations
#[utoipa::path(post, path = "/api/organizations", tag = "organizations", security(("bearer" = [])),
    request_body = CreateOrganization,
    responses(
        (status = 201, description = "The organisation, created", body = OrganizationDto,
            example = json!({"id": "0b6f4a52-3f1e-4a8e-9a51-6d2f0c9e7b10", "name": "Acme Defense LLC", "cage_code": "1ABC2", "duns_number": "123456789", "target_level": 2, "datapact_api_url": null, "datapact_api_key_set": false, "created_at": "2026-11-23T08:00:00Z", "updated_at": "2026-11-23T08:00:00Z"})),
        (status = 400, description = "A malformed body, an unknown field, a control character, or a bad name, CAGE code, DUNS/UEI or level", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only a system administrator creates organisations", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The CAGE code is already in use", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn create_organization(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<CreateOrganization>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let new = NewOrganization {
        name: body.name,
        cage_code: body.cage_code,
        duns_number: body.duns_number,
        target_level: body.target_level,
    };
    let organization = state.services.create_organization(&user.0, new).await?;
    Ok(HttpResponse::Created().json(OrganizationDto::from(&organization)))
}

/// GET /api/organizations?page=&per_page=
#[utoipa::path(get, path = "/api/organizations", tag = "organizations", security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "The organisations the caller may see (a system administrator: all), by name", body = Page<OrganizationDto>,
            example = json!({"items": [{"id": "0b6f4a52-3f1e-4a8e-9a51-6d2f0c9e7b10", "name": "Acme Defense LLC", "cage_code": "1ABC2", "duns_number": "123456789", "target_level": 2, "datapact_api_url": null, "datapact_api_key_set": false, "created_at": "2026-11-23T08:00:00Z", "updated_at": "2026-11-23T08:00:00Z"}], "total": 1, "page": 1, "per_page": 50})),
        (status = 400, description = "A page or per_page out of range, an unknown parameter, or a control character", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller has no role that reads organisations", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn list_organizations(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.into_inner().checked()?;
    let (items, total) = state.services.list_organizations(&user.0, page).await?;
    let items = items.iter().map(OrganizationDto::from).collect();
    Ok(HttpResponse::Ok().json(Page::of(items, total, page)))
}

/// GET /api/organizations/{org_id}
#[utoipa::path(get, path = "/api/organizations/{org_id}", tag = "organizations", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation's id, a UUID")),
    responses(
        (status = 200, description = "The organisation", body = OrganizationDto,
            example = json!({"id": "0b6f4a52-3f1e-4a8e-9a51-6d2f0c9e7b10", "name": "Acme Defense LLC", "cage_code": "1ABC2", "duns_number": "123456789", "target_level": 2, "datapact_api_url": "https://datapact.example.com", "datapact_api_key_set": true, "created_at": "2026-11-23T08:00:00Z", "updated_at": "2026-11-24T10:30:00Z"})),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller has no role that reads organisations", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation, another organisation's, or an id that is not a UUID", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn get_organization(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let organization = state.services.get_organization(&user.0, &path).await?;
    Ok(HttpResponse::Ok().json(OrganizationDto::from(&organization)))
}

/// PATCH /api/organizations/{org_id}
#[utoipa::path(patch, path = "/api/organizations/{org_id}", tag = "organizations", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation's id, a UUID")),
    request_body = UpdateOrganization,
    responses(
        (status = 200, description = "The organisation, changed", body = OrganizationDto,
            example = json!({"id": "0b6f4a52-3f1e-4a8e-9a51-6d2f0c9e7b10", "name": "Acme Defense Inc.", "cage_code": null, "duns_number": "123456789", "target_level": 3, "datapact_api_url": null, "datapact_api_key_set": false, "created_at": "2026-11-23T08:00:00Z", "updated_at": "2026-11-24T10:30:00Z"})),
        (status = 400, description = "A malformed body, an unknown field, a control character, or a bad name, CAGE code, DUNS/UEI or level", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the organisation's org_admin or a system administrator changes it", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation, another organisation's, or an id that is not a UUID", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The CAGE code is already in use", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn update_organization(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<UpdateOrganization>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let changes = OrganizationChanges {
        name: body.name,
        cage_code: body.cage_code,
        duns_number: body.duns_number,
        target_level: body.target_level,
    };
    let organization = state.services.update_organization(&user.0, &path, changes).await?;
    Ok(HttpResponse::Ok().json(OrganizationDto::from(&organization)))
}

/// POST /api/organizations/{org_id}/users
#[utoipa::path(post, path = "/api/organizations/{org_id}/users", tag = "organizations", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation's id, a UUID")),
    request_body = CreateUser,
    responses(
        (status = 201, description = "The user, created and active", body = UserDto,
            example = json!({"id": "5d0c2b7e-8f3a-4c61-b2d4-9e1a7f6c3b20", "username": "jdoe", "email": "jdoe@example.com", "org_id": "0b6f4a52-3f1e-4a8e-9a51-6d2f0c9e7b10", "is_active": true, "senior_official": false, "roles": ["compliance_officer"], "locked_until": null, "created_at": "2026-11-23T08:00:00Z", "updated_at": "2026-11-23T08:00:00Z"})),
        (status = 400, description = "A malformed body, an unknown field, a control character, a bad username or email, a password that breaks the rules, or an unknown role", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A password of the right length and characters that breaks another rule: over 72 bytes, the username or email, one character repeated", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the organisation's org_admin or a system administrator creates users; only a system administrator grants system_admin", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation, another organisation's, or an id that is not a UUID", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "A user with this username or email already exists", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn create_user(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let new = NewUser {
        username: body.username,
        email: body.email,
        password: body.password,
        roles: body.roles,
    };
    let created = state.services.create_user(&user.0, &path, new).await?;
    Ok(HttpResponse::Created().json(UserDto::from(&created)))
}

/// GET /api/organizations/{org_id}/users
#[utoipa::path(get, path = "/api/organizations/{org_id}/users", tag = "organizations", security(("bearer" = [])),
    params(("org_id" = String, Path, description = "The organisation's id, a UUID")),
    responses(
        (status = 200, description = "The organisation's users, by username", body = Vec<UserDto>,
            example = json!([{"id": "5d0c2b7e-8f3a-4c61-b2d4-9e1a7f6c3b20", "username": "jdoe", "email": "jdoe@example.com", "org_id": "0b6f4a52-3f1e-4a8e-9a51-6d2f0c9e7b10", "is_active": true, "senior_official": false, "roles": ["compliance_officer"], "locked_until": null, "created_at": "2026-11-23T08:00:00Z", "updated_at": "2026-11-23T08:00:00Z"}])),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the organisation's org_admin or a system administrator lists its users", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Another organisation, or an id that is not a UUID", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn list_users(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let users = state.services.list_users(&user.0, &path).await?;
    Ok(HttpResponse::Ok().json(users.iter().map(UserDto::from).collect::<Vec<_>>()))
}

/// GET /api/organizations/{org_id}/users/{user_id}
#[utoipa::path(get, path = "/api/organizations/{org_id}/users/{user_id}", tag = "organizations", security(("bearer" = [])),
    params(
        ("org_id" = String, Path, description = "The organisation's id, a UUID"),
        ("user_id" = String, Path, description = "The user's id, a UUID"),
    ),
    responses(
        (status = 200, description = "The user", body = UserDto,
            example = json!({"id": "5d0c2b7e-8f3a-4c61-b2d4-9e1a7f6c3b20", "username": "jdoe", "email": "jdoe@example.com", "org_id": "0b6f4a52-3f1e-4a8e-9a51-6d2f0c9e7b10", "is_active": true, "senior_official": false, "roles": ["compliance_officer"], "locked_until": null, "created_at": "2026-11-23T08:00:00Z", "updated_at": "2026-11-23T08:00:00Z"})),
        (status = 400, description = "A control character in the query", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the organisation's org_admin or a system administrator reads its users", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user in this organisation, another organisation, or an id that is not a UUID", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn get_user(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (org_id, user_id) = path.into_inner();
    let found = state.services.get_user(&user.0, &org_id, &user_id).await?;
    Ok(HttpResponse::Ok().json(UserDto::from(&found)))
}

/// PATCH /api/organizations/{org_id}/users/{user_id}
#[utoipa::path(patch, path = "/api/organizations/{org_id}/users/{user_id}", tag = "organizations", security(("bearer" = [])),
    params(
        ("org_id" = String, Path, description = "The organisation's id, a UUID"),
        ("user_id" = String, Path, description = "The user's id, a UUID"),
    ),
    request_body = UpdateUser,
    responses(
        (status = 200, description = "The user, changed; a deactivated user's sign-ins are revoked", body = UserDto,
            example = json!({"id": "5d0c2b7e-8f3a-4c61-b2d4-9e1a7f6c3b20", "username": "jdoe", "email": "jdoe@example.com", "org_id": "0b6f4a52-3f1e-4a8e-9a51-6d2f0c9e7b10", "is_active": false, "senior_official": false, "roles": ["compliance_officer"], "locked_until": null, "created_at": "2026-11-23T08:00:00Z", "updated_at": "2026-11-24T10:30:00Z"})),
        (status = 400, description = "A malformed body, an unknown field, a control character, or a bad email", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the organisation's org_admin or a system administrator changes its users; only a system administrator changes a system administrator", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user in this organisation, another organisation, or an id that is not a UUID", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The email is another user's, or the caller would deactivate their own account", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn update_user(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    body: web::Json<UpdateUser>,
) -> Result<HttpResponse, ApiError> {
    let (org_id, user_id) = path.into_inner();
    let body = body.into_inner();
    let changes = UserChanges {
        email: body.email,
        is_active: body.is_active,
        senior_official: body.senior_official,
    };
    let updated = state.services.update_user(&user.0, &org_id, &user_id, changes).await?;
    Ok(HttpResponse::Ok().json(UserDto::from(&updated)))
}

/// PUT /api/organizations/{org_id}/users/{user_id}/roles
#[utoipa::path(put, path = "/api/organizations/{org_id}/users/{user_id}/roles", tag = "organizations", security(("bearer" = [])),
    params(
        ("org_id" = String, Path, description = "The organisation's id, a UUID"),
        ("user_id" = String, Path, description = "The user's id, a UUID"),
    ),
    request_body = SetRoles,
    responses(
        (status = 200, description = "The user with the new roles", body = UserDto,
            example = json!({"id": "5d0c2b7e-8f3a-4c61-b2d4-9e1a7f6c3b20", "username": "jdoe", "email": "jdoe@example.com", "org_id": "0b6f4a52-3f1e-4a8e-9a51-6d2f0c9e7b10", "is_active": true, "senior_official": false, "roles": ["assessor", "viewer"], "locked_until": null, "created_at": "2026-11-23T08:00:00Z", "updated_at": "2026-11-23T08:00:00Z"})),
        (status = 400, description = "A malformed body, an unknown field, a control character, or an unknown role", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the organisation's org_admin or a system administrator changes roles; only a system administrator grants or removes system_admin", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user in this organisation, another organisation, or an id that is not a UUID", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The caller would remove their own org_admin role", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn set_roles(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    body: web::Json<SetRoles>,
) -> Result<HttpResponse, ApiError> {
    let (org_id, user_id) = path.into_inner();
    let updated = state.services.set_roles(&user.0, &org_id, &user_id, &body.roles).await?;
    Ok(HttpResponse::Ok().json(UserDto::from(&updated)))
}
