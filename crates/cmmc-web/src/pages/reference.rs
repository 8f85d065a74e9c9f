//! The catalogue, searchable, and (for administrators) the users and roles.

use actix_web::{HttpResponse, web};
use askama::Template;
use cmmc_domain::RoleName;
use cmmc_domain::access::{Action, may_assign_role};
use cmmc_services::Page;
use cmmc_services::catalog::{Practice, PracticeFilter};
use cmmc_services::organizations::Organization;
use cmmc_services::users::{User, UserChanges};
use serde::Deserialize;

use super::html;
use crate::WebState;
use crate::error::WebError;
use crate::forms::optional;
use crate::session::SignedIn;
use crate::views::Chrome;

#[derive(Template)]
#[template(path = "catalog.html")]
struct CatalogPage<'a> {
    chrome: Chrome,
    query: String,
    practices: Vec<&'a Practice>,
}

#[derive(Deserialize)]
pub(crate) struct SearchQuery {
    q: Option<String>,
}

/// GET /catalog?q=
pub(crate) async fn catalog(
    state: web::Data<WebState>,
    user: SignedIn,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, WebError> {
    let search = optional(query.q.clone());
    if search.as_ref().is_some_and(|s| s.chars().count() > 200) {
        return Err(WebError::BadForm("Search for at most 200 characters.".into()));
    }
    let filter = PracticeFilter { search: search.clone(), ..PracticeFilter::default() };
    let catalog = state.catalog();
    let practices = (*catalog).as_ref().practices_matching(&filter).collect();
    html(&CatalogPage {
        chrome: Chrome::of(&user, "catalog"),
        query: search.unwrap_or_default(),
        practices,
    })
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    chrome: Chrome,
    organizations: Vec<Organization>,
    org_id: Option<String>,
    users: Vec<UserRow>,
    may_edit: bool,
}

/// A user with the roles the administrator may give, each checked or not.
struct UserRow {
    user: User,
    /// (value, label, held)
    choices: Vec<(&'static str, String, bool)>,
}

#[derive(Deserialize)]
pub(crate) struct OrgQuery {
    org: Option<String>,
}

/// GET /admin/users (a system administrator picks the organisation: `?org=`)
pub(crate) async fn users(
    state: web::Data<WebState>,
    user: SignedIn,
    query: web::Query<OrgQuery>,
) -> Result<HttpResponse, WebError> {
    user.actor.require(Action::UserRead)?;
    let admin = user.actor.is_system_admin();
    let organizations = if admin {
        state.services.list_organizations(&user.actor, Page::new(Some(1), Some(200))?).await?.0
    } else {
        Vec::new()
    };
    let org_id = if admin { optional(query.org.clone()) } else { user.actor.org_id.clone() };
    let users = match &org_id {
        Some(org_id) => state.services.list_users(&user.actor, org_id).await?,
        None => Vec::new(),
    };
    let assignable: Vec<RoleName> =
        RoleName::ALL.iter().copied().filter(|r| may_assign_role(&user.actor.roles, *r)).collect();
    let users = users
        .into_iter()
        .map(|u| UserRow {
            choices: assignable
                .iter()
                .map(|r| (r.as_str(), crate::views::label(r.as_str()), u.roles.contains(r)))
                .collect(),
            user: u,
        })
        .collect();
    let may_edit = crate::views::may(&user, Action::UserRolesChange);
    let chrome = Chrome::of(&user, "users");
    html(&UsersPage { chrome, organizations, org_id, users, may_edit })
}

/// POST /admin/users/{org_id}/{user_id}/roles (`role`, once per role held):
/// replaces the user's roles; the change takes effect on their next request.
pub(crate) async fn set_roles(
    state: web::Data<WebState>,
    user: SignedIn,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let (org_id, user_id) = path.into_inner();
    let roles: Vec<String> =
        form.into_inner().into_iter().filter(|(name, _)| name == "role").map(|(_, v)| v).collect();
    state.services.set_roles(&user.actor, &org_id, &user_id, &roles).await?;
    Ok(super::see_other(&format!("/admin/users?org={org_id}")))
}

#[derive(Deserialize)]
pub(crate) struct ActiveForm {
    active: bool,
}

/// POST /admin/users/{org_id}/{user_id}/active (`active`: true or false):
/// deactivating ends the user's sign-ins at once.
pub(crate) async fn set_active(
    state: web::Data<WebState>,
    user: SignedIn,
    path: web::Path<(String, String)>,
    form: web::Form<ActiveForm>,
) -> Result<HttpResponse, WebError> {
    let (org_id, user_id) = path.into_inner();
    let changes = UserChanges { is_active: Some(form.active), ..UserChanges::default() };
    state.services.update_user(&user.actor, &org_id, &user_id, changes).await?;
    Ok(super::see_other(&format!("/admin/users?org={org_id}")))
}
