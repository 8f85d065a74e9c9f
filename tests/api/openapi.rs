//! The API contract: the OpenAPI document covers every route, is served
//! with its interactive docs (nothing loaded from another host), and the
//! committed `docs/openapi.json` is what the code generates.

use cmmc_tests::{db_test, spawn_app};

fn document() -> serde_json::Value {
    serde_json::from_str(&cmmc_api::openapi::document_json().unwrap()).unwrap()
}

#[test]
fn the_committed_document_is_what_the_code_generates() {
    let generated = cmmc_api::openapi::document_json().unwrap();
    let path = cmmc_tests::project_root().join("docs").join("openapi.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/openapi.json differs from the code: run `cargo xtask openapi` and commit the diff"
    );
}

#[test]
fn every_route_is_in_the_document_with_its_responses() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut missing = Vec::new();
    for (method, path) in cmmc_api::routes::route_list() {
        let operation = &doc["paths"][&path][method.to_lowercase()];
        if operation.is_null() {
            missing.push(format!("{method} {path}"));
            continue;
        }
        let responses = operation["responses"].as_object().unwrap();
        assert!(responses.keys().any(|s| s.starts_with('2')), "{method} {path}: no success answer");
        let public = path.starts_with("/api/cmmc")
            || path.starts_with("/api/frameworks")
            || path == "/api/health"
            || path == "/api/diag/db"
            || path == "/api/auth/login"
            || path == "/api/auth/refresh"
            || path == "/api/auth/mfa/verify";
        if !public {
            assert!(responses.contains_key("401"), "{method} {path}: 401 not documented");
            assert_eq!(
                operation["security"][0]["bearer"],
                serde_json::json!([]),
                "{method} {path}"
            );
        }
        for (status, response) in responses {
            if status.starts_with('4') || (status.starts_with('5') && path != "/api/diag/db") {
                assert!(
                    response["content"]["application/problem+json"].is_object(),
                    "{method} {path} {status}: not problem+json"
                );
            }
        }
    }
    assert!(missing.is_empty(), "routes missing from the document: {missing:?}");
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
}

db_test!(
    async fn the_document_and_its_docs_page_are_served_from_the_server_itself(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let (status, served, content_type) = app.get("/api/openapi.json").await;
        assert_eq!(status, 200);
        assert!(content_type.starts_with("application/json"), "{content_type}");
        assert_eq!(served, document());
        let page = app.client.get(format!("{}/api/docs/", app.address)).send().await.unwrap();
        assert_eq!(page.status().as_u16(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("swagger"), "{html}");
        for asset in ["swagger-ui.css", "swagger-ui-bundle.js"] {
            let response = app.client.get(format!("{}/api/docs/{asset}", app.address)).send().await.unwrap();
            assert_eq!(response.status().as_u16(), 200, "{asset} is built in");
        }
        for forbidden in ["http://", "https://", "//cdn", "//unpkg"] {
            let outside: Vec<&str> = html.match_indices(forbidden).map(|(i, _)| &html[i..(i + 40).min(html.len())]).collect();
            assert!(outside.iter().all(|s| s.contains("127.0.0.1") || s.contains("localhost")), "the docs page loads from elsewhere: {outside:?}");
        }
    }
);
