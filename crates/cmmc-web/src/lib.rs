//! The web interface of the CMMC tracker: pages rendered on the server from
//! compiled `askama` templates, over the same `cmmc-services` calls as the
//! JSON API, so the permission matrix and tenant rules are the same ones.
//!
//! The server mounts it at `/` beside `/api` ([`configure`]). Every page
//! works as plain HTML forms; htmx (vendored, [`assets`]) makes saving a
//! practice answer update the score without a reload. A browser signs in
//! with a session cookie that holds its sign-in's refresh token, re-checked
//! on every request ([`session`]); every form carries a token bound to the
//! browser ([`session::FormToken`]); the Content-Security-Policy allows
//! only this server's own scripts and styles.

pub mod assets;
mod chart;
pub mod download;
mod error;
mod forms;
pub mod pages;
pub mod session;
mod views;

use std::sync::Arc;

use actix_web::web;
use cmmc_services::Services;
use cmmc_services::catalog::Catalog;

pub use error::WebError;

/// Where the pages read the catalogue: the server's cache of it, shared
/// with the API (reloaded there when the reference data changes).
pub type CatalogSource = Arc<dyn Fn() -> Arc<dyn AsRef<Catalog> + Send + Sync> + Send + Sync>;

/// What the web interface is told by the server that mounts it.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// Mark cookies `Secure`: the public URL is `https://` (TLS ends at a
    /// proxy in front of the server, or in it).
    pub secure_cookies: bool,
    /// How long a browser's sign-in lasts: the refresh token's lifetime.
    pub session_ttl_secs: i64,
    /// The longest a page waits on the database.
    pub request_timeout: std::time::Duration,
}

/// What every page shares.
pub struct WebState {
    pub(crate) services: Services,
    pub(crate) settings: WebSettings,
    pub(crate) catalog: CatalogSource,
}

impl WebState {
    #[must_use]
    pub fn new(services: Services, settings: WebSettings, catalog: CatalogSource) -> Self {
        Self { services, settings, catalog }
    }

    pub(crate) fn catalog(&self) -> Arc<dyn AsRef<Catalog> + Send + Sync> {
        (self.catalog)()
    }
}

/// Registers the pages and their assets. The caller adds `web::Data<WebState>`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    assets::configure(cfg);
    pages::configure(cfg);
}

/// Whether `path` is a page upload, whose handler bounds its own database
/// waits (its body may take longer to arrive than a query may take).
#[must_use]
pub fn bounds_its_own_waits(method: &str, path: &str) -> bool {
    method == "POST" && path.starts_with("/assessments/") && path.ends_with("/evidence")
}

/// The page for a path nothing answers, for a browser.
#[must_use]
pub fn not_found_page() -> actix_web::HttpResponse {
    error::page_response(
        actix_web::http::StatusCode::NOT_FOUND,
        "Page not found",
        "There is no page at this address.",
    )
}
