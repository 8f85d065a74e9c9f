//! Organisations and their users.

use actix_web::{HttpResponse, web};
use cmmc_services::organizations::{NewOrganization, OrganizationChanges};
use cmmc_services::users::{NewUser, UserChanges};
use serde::Deserialize;

use crate::dto::{OrganizationDto, Page, PageQuery, UserDto};
use crate::error::ApiError;
use crate::extract::CurrentUser;
use crate::startup::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateOrganization {
    name: String,
    cage_code: Option<String>,
    duns_number: Option<String>,
    target_level: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateOrganization {
    name: Option<String>,
    #[serde(default, deserialize_with = "crate::dto::double_option")]
    cage_code: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::dto::double_option")]
    duns_number: Option<Option<String>>,
    target_level: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateUser {
    username: String,
    email: String,
    password: String,
    #[serde(default)]
    roles: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateUser {
    email: Option<String>,
    is_active: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SetRoles {
    roles: Vec<String>,
}

/// POST /api/organizations
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
pub(crate) async fn get_organization(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let organization = state.services.get_organization(&user.0, &path).await?;
    Ok(HttpResponse::Ok().json(OrganizationDto::from(&organization)))
}

/// PATCH /api/organizations/{org_id}
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
pub(crate) async fn list_users(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let users = state.services.list_users(&user.0, &path).await?;
    Ok(HttpResponse::Ok().json(users.iter().map(UserDto::from).collect::<Vec<_>>()))
}

/// GET /api/organizations/{org_id}/users/{user_id}
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
pub(crate) async fn update_user(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    body: web::Json<UpdateUser>,
) -> Result<HttpResponse, ApiError> {
    let (org_id, user_id) = path.into_inner();
    let body = body.into_inner();
    let changes = UserChanges { email: body.email, is_active: body.is_active };
    let updated = state.services.update_user(&user.0, &org_id, &user_id, changes).await?;
    Ok(HttpResponse::Ok().json(UserDto::from(&updated)))
}

/// PUT /api/organizations/{org_id}/users/{user_id}/roles
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
