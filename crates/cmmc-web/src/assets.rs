//! The static files every page uses, built into the binary: htmx 2.0.11
//! (BSD Zero Clause, `assets/htmx-LICENSE.txt`) and our stylesheet. Their
//! names carry a version (bump the stylesheet's number when it
//! changes), so browsers may keep them a year.

use actix_web::{HttpResponse, web};

/// htmx, pinned: the path changes with the version.
pub const HTMX_PATH: &str = "/static/htmx-2.0.11.min.js";
pub const CSS_PATH: &str = "/static/app-3.css";

const HTMX: &[u8] = include_bytes!("../assets/htmx-2.0.11.min.js");
const CSS: &[u8] = include_bytes!("../assets/app.css");

fn asset(content_type: &'static str, body: &'static [u8]) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("Cache-Control", "public, max-age=31536000, immutable"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(body)
}

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(HTMX_PATH, web::get().to(|| async { asset("text/javascript; charset=utf-8", HTMX) }))
        .route(CSS_PATH, web::get().to(|| async { asset("text/css; charset=utf-8", CSS) }));
}
