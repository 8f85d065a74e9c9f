//! The catalogue, searchable, and (for administrators) the users and roles.

use actix_web::{HttpResponse, web};
use askama::Template;
use cmmc_domain::access::Action;
use cmmc_services::Page;
use cmmc_services::catalog::{Practice, PracticeFilter};
use cmmc_services::organizations::Organization;
use cmmc_services::users::User;
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
    users: Vec<User>,
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
    html(&UsersPage { chrome: Chrome::of(&user, "users"), organizations, org_id, users })
}
