//! DataPact against a real local HTTP server standing in for it: the key's
//! protection, the contract proxy, mappings, every status mapping and every
//! kind of failure.

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use cmmc_tests::{PASSWORD, TestApp, db_test, spawn_app_with, start_server, test_settings};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

const KEY: &str = "dp-live-secret-7f3a9c";

#[derive(Default)]
struct StubState {
    authorizations: Mutex<Vec<String>>,
    rate_limited_once: AtomicUsize,
}

async fn contracts(request: HttpRequest, state: web::Data<StubState>) -> HttpResponse {
    record(&request, &state);
    HttpResponse::Ok().json(json!({ "results": [{ "id": "c-ok", "name": "Prime contract" }, { "id": "c-partial", "name": "Sub" }], "total": 2 }))
}

fn record(request: &HttpRequest, state: &StubState) {
    let auth = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if let Ok(mut seen) = state.authorizations.lock() {
        seen.push(auth);
    }
}

async fn compliance(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<StubState>,
) -> HttpResponse {
    record(&request, &state);
    let id = path.into_inner();
    let ok = |status: &str| {
        HttpResponse::Ok()
            .json(json!({ "contract_id": id, "status": status, "score": 0.5, "details": {} }))
    };
    match id.as_str() {
        "c-ok" => ok("compliant"),
        "c-partial" => ok("partial"),
        "c-non" => ok("non_compliant"),
        "c-odd" => ok("awaiting_review"),
        "c-slow" => {
            tokio::time::sleep(std::time::Duration::from_secs(3)).await;
            ok("compliant")
        }
        "c-401" => HttpResponse::Unauthorized().finish(),
        "c-404" => HttpResponse::NotFound().finish(),
        "c-429-once" if state.rate_limited_once.fetch_add(1, Ordering::SeqCst) == 0 => {
            HttpResponse::TooManyRequests().insert_header(("Retry-After", "1")).finish()
        }
        "c-429-once" => ok("compliant"),
        "c-429" => HttpResponse::TooManyRequests().insert_header(("Retry-After", "1")).finish(),
        "c-500" => HttpResponse::InternalServerError().json(json!({ "error": "boom" })),
        "c-html" => HttpResponse::Ok().content_type("text/html").body("<html>maintenance</html>"),
        _ => HttpResponse::NotFound().finish(),
    }
}

/// Starts the stand-in DataPact on a random port.
fn start_stub() -> (String, Arc<StubState>) {
    let state = web::Data::new(StubState::default());
    let shared = state.clone().into_inner();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .route("/api/contracts", web::get().to(contracts))
            .route("/api/contracts/{id}/compliance", web::get().to(compliance))
    })
    .listen(listener)
    .unwrap()
    .workers(2)
    .run();
    tokio::spawn(server);
    (format!("http://127.0.0.1:{port}"), shared)
}

struct Setup {
    admin: String,
    org: String,
    org_admin: String,
    officer: String,
    assessment: String,
}

async fn setup(app: &TestApp) -> Setup {
    let admin = app.admin_token().await;
    let org = app.create_org(&admin, "Acme").await;
    app.create_user(&admin, &org, "orgadmin", &["org_admin"]).await;
    app.create_user(&admin, &org, "officer", &["compliance_officer"]).await;
    let org_admin = app.login("orgadmin", PASSWORD).await;
    let officer = app.login("officer", PASSWORD).await;
    let created = app
        .call("POST", "/api/assessments", Some(&officer), Some(json!({ "org_id": org, "title": "FY26", "target_level": 2, "assessment_type": "self" })))
        .await;
    let assessment = created.body["id"].as_str().unwrap().to_owned();
    app.call("POST", &format!("/api/assessments/{assessment}/start"), Some(&officer), None).await;
    Setup { admin, org, org_admin, officer, assessment }
}

async fn configure(app: &TestApp, s: &Setup, url: &str) {
    let answer = app
        .call(
            "PUT",
            &format!("/api/organizations/{}/datapact", s.org),
            Some(&s.org_admin),
            Some(json!({ "api_url": url, "api_key": KEY })),
        )
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body, json!({ "api_url": url, "api_key_set": true }));
}

async fn map(app: &TestApp, s: &Setup, practice: &str, contract: &str) -> cmmc_tests::Answer {
    app.call(
        "POST",
        &format!("/api/organizations/{}/datapact/mappings", s.org),
        Some(&s.org_admin),
        Some(json!({ "practice_id": practice, "datapact_contract_id": contract, "datapact_contract_name": format!("Contract {contract}") })),
    )
    .await
}

const FAST: &[(&str, &str)] =
    &[("datapact_timeout_secs", "1"), ("datapact_max_retry_after_secs", "2")];

db_test!(
    async fn the_key_is_encrypted_at_rest_and_never_returned(backend) {
        let Some(app) = spawn_app_with(backend, FAST).await else { return };
        let s = setup(&app).await;
        let (url, stub) = start_stub();
        configure(&app, &s, &url).await;
        let org = app.call("GET", &format!("/api/organizations/{}", s.org), Some(&s.org_admin), None).await;
        assert_eq!(org.body["datapact_api_key_set"], true);
        assert!(!org.body.to_string().contains(KEY));
        let stored = app
            .db
            .connect()
            .await
            .query_one(Statement::from_string(
                sea_orm::DatabaseBackend::Sqlite,
                format!("SELECT datapact_api_key FROM organizations WHERE id = '{}'", s.org),
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<String>("", "datapact_api_key")
            .unwrap();
        assert!(stored.starts_with("v1:") && !stored.contains(KEY), "unreadable in the database: {stored}");

        let contracts = app.call("GET", &format!("/api/organizations/{}/datapact/contracts", s.org), Some(&s.org_admin), None).await;
        assert_eq!(contracts.status, 200, "{:?}", contracts.body);
        assert_eq!(contracts.body["total"], 2);
        assert_eq!(contracts.body["items"][0]["id"], "c-ok", "results normalised to items");
        assert_eq!(stub.authorizations.lock().unwrap().as_slice(), [format!("Bearer {KEY}")], "the key reached DataPact, and only DataPact");
        // The same URL without a key keeps the key; another URL without a key clears it,
        // so the key can never be redirected to another server.
        let same = app
            .call("PUT", &format!("/api/organizations/{}/datapact", s.org), Some(&s.org_admin), Some(json!({ "api_url": url })))
            .await;
        assert_eq!(same.body["api_key_set"], true);
        let elsewhere = app
            .call("PUT", &format!("/api/organizations/{}/datapact", s.org), Some(&s.org_admin), Some(json!({ "api_url": "https://attacker.example" })))
            .await;
        assert_eq!(elsewhere.body["api_key_set"], false);
        configure(&app, &s, &url).await;
        let officer = app
            .call("PUT", &format!("/api/organizations/{}/datapact", s.org), Some(&s.officer), Some(json!({ "api_url": url })))
            .await;
        assert_eq!(officer.status, 403, "only org_admin configures DataPact");
        let bad = app
            .call("PUT", &format!("/api/organizations/{}/datapact", s.org), Some(&s.org_admin), Some(json!({ "api_url": "ftp://x", "api_key": "k" })))
            .await;
        assert_eq!(bad.status, 400);
        let audit = app.call("GET", "/api/audit?action=datapact.configure&per_page=200", Some(&s.admin), None).await;
        assert_eq!(audit.body["total"], 4);
        assert!(!audit.body.to_string().contains(KEY), "not in the audit trail");
    }
);

db_test!(
    async fn a_key_of_the_longest_length_is_stored(backend) {
        // Its ciphertext is longer than the key; PostgreSQL once refused it (500).
        let Some(app) = spawn_app_with(backend, FAST).await else { return };
        let s = setup(&app).await;
        let key = "k".repeat(1024);
        let path = format!("/api/organizations/{}/datapact", s.org);
        let body = json!({ "api_url": "https://dp.example", "api_key": key });
        let answer = app.call("PUT", &path, Some(&s.org_admin), Some(body)).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        assert_eq!(answer.body["api_key_set"], true);
        let longer = json!({ "api_url": "https://dp.example", "api_key": "k".repeat(1025) });
        assert_eq!(app.call("PUT", &path, Some(&s.org_admin), Some(longer)).await.status, 400);
    }
);

db_test!(
    async fn without_a_configured_secret_no_key_is_stored(backend) {
        let Some(test_db) = cmmc_tests::TestDb::create(backend).await else { return };
        let mut settings = test_settings(&test_db, &[]);
        if test_db.sqlite_path.is_none() {
            return; // PostgreSQL servers never start without a secret (tested in settings).
        }
        settings.secret_key = None;
        let port = start_server(settings.clone()).await;
        let app = TestApp {
            address: format!("http://127.0.0.1:{port}"),
            port,
            client: reqwest::Client::new(),
            db: test_db,
            settings,
        };
        let s = setup(&app).await;
        let answer = app
            .call("PUT", &format!("/api/organizations/{}/datapact", s.org), Some(&s.org_admin), Some(json!({ "api_url": "https://dp.example", "api_key": KEY })))
            .await;
        assert_eq!(answer.status, 409, "{:?}", answer.body);
        assert!(answer.body["detail"].as_str().unwrap().contains("CMMC_SECRET_KEY"));
        let org = app.call("GET", &format!("/api/organizations/{}", s.org), Some(&s.org_admin), None).await;
        assert_eq!(org.body["datapact_api_key_set"], false);
    }
);

db_test!(
    async fn mappings_are_created_listed_and_deleted(backend) {
        let Some(app) = spawn_app_with(backend, FAST).await else { return };
        let s = setup(&app).await;
        let created = map(&app, &s, "AC.L2-3.1.1", "c-ok").await;
        assert_eq!(created.status, 201, "{:?}", created.body);
        assert_eq!(created.body["datapact_contract_name"], "Contract c-ok");
        assert_eq!(map(&app, &s, "AC.L2-3.1.1", "c-ok").await.status, 409);
        // Well formed, but not in the catalogue: a rule no schema states (422).
        assert_eq!(map(&app, &s, "AC.L2-3.1.99", "c-ok").await.status, 422);
        assert_eq!(map(&app, &s, "nonsense", "c-ok").await.status, 400);
        assert_eq!(map(&app, &s, "AC.L2-3.1.2", " ").await.status, 400);
        let listed = app.call("GET", &format!("/api/organizations/{}/datapact/mappings", s.org), Some(&s.officer), None).await;
        assert_eq!(listed.body.as_array().unwrap().len(), 1);
        let id = created.body["id"].as_str().unwrap();
        let url = format!("/api/organizations/{}/datapact/mappings/{id}", s.org);
        let renamed = app.call("PATCH", &url, Some(&s.org_admin), Some(json!({ "datapact_contract_name": "Prime, renewed" }))).await;
        assert_eq!(renamed.status, 200, "{:?}", renamed.body);
        assert_eq!(renamed.body["datapact_contract_name"], "Prime, renewed");
        assert_eq!(renamed.body["datapact_contract_id"], "c-ok");
        let cleared = app.call("PATCH", &url, Some(&s.org_admin), Some(json!({ "datapact_contract_name": null }))).await;
        assert!(cleared.body["datapact_contract_name"].is_null());
        assert_eq!(app.call("PATCH", &url, Some(&s.org_admin), Some(json!({ "datapact_contract_id": "" }))).await.status, 400);
        assert_eq!(app.call("DELETE", &url, Some(&s.org_admin), None).await.status, 204);
        assert_eq!(app.call("DELETE", &url, Some(&s.org_admin), None).await.status, 404);
        let other = app.create_org(&s.admin, "Other").await;
        app.create_user(&s.admin, &other, "stranger", &["org_admin"]).await;
        let stranger = app.login("stranger", PASSWORD).await;
        let theirs = app.call("GET", &format!("/api/organizations/{}/datapact/mappings", s.org), Some(&stranger), None).await;
        assert_eq!(theirs.status, 404);
    }
);

db_test!(
    async fn a_sync_maps_each_status_and_tells_each_failure_apart(backend) {
        let Some(app) = spawn_app_with(backend, FAST).await else { return };
        let s = setup(&app).await;
        let not_configured = app.call("POST", &format!("/api/assessments/{}/datapact/sync", s.assessment), Some(&s.officer), None).await;
        assert_eq!(not_configured.status, 409);
        let (url, _stub) = start_stub();
        configure(&app, &s, &url).await;
        let plan = [
            ("AC.L2-3.1.1", "c-ok"),
            ("AC.L2-3.1.2", "c-partial"),
            ("AC.L2-3.1.3", "c-non"),
            ("AC.L2-3.1.4", "c-odd"),
            ("AC.L2-3.1.5", "c-slow"),
            ("AC.L2-3.1.6", "c-401"),
            ("AC.L2-3.1.7", "c-404"),
            ("AC.L2-3.1.8", "c-429-once"),
            ("AC.L2-3.1.9", "c-429"),
            ("AC.L2-3.1.10", "c-500"),
            ("AC.L2-3.1.11", "c-html"),
            ("AC.L3-3.1.2e", "c-ok"),
        ];
        for (practice, contract) in plan {
            assert_eq!(map(&app, &s, practice, contract).await.status, 201);
        }
        let synced = app.call("POST", &format!("/api/assessments/{}/datapact/sync", s.assessment), Some(&s.officer), None).await;
        assert_eq!(synced.status, 200, "{:?}", synced.body);
        let results = synced.body["results"].as_array().unwrap();
        assert_eq!(results.len(), 11, "the Level 3 practice is not in this assessment");
        let by = |practice: &str| results.iter().find(|r| r["practice_id"] == practice).unwrap().clone();
        for (practice, suggested) in [
            ("AC.L2-3.1.1", "met"),
            ("AC.L2-3.1.2", "partially_met"),
            ("AC.L2-3.1.3", "not_met"),
            ("AC.L2-3.1.4", "not_evaluated"),
            ("AC.L2-3.1.8", "met"),
        ] {
            assert_eq!(by(practice)["outcome"], "success", "{practice}");
            assert_eq!(by(practice)["suggested_status"], suggested, "{practice}");
        }
        for (practice, kind, outcome) in [
            ("AC.L2-3.1.5", "timeout", "timeout"),
            ("AC.L2-3.1.6", "unauthorized", "error"),
            ("AC.L2-3.1.7", "not_found", "error"),
            ("AC.L2-3.1.9", "rate_limited", "error"),
            ("AC.L2-3.1.10", "server_error", "error"),
            ("AC.L2-3.1.11", "invalid_response", "error"),
        ] {
            assert_eq!(by(practice)["error_kind"], kind, "{practice}: {:?}", by(practice));
            assert_eq!(by(practice)["outcome"], outcome, "{practice}");
        }
        assert_eq!(synced.body["synced"], 5);
        assert_eq!(synced.body["failed"], 6);

        // The suggestion sits beside the assessor's own status, which is untouched.
        let practice = app.call("GET", &format!("/api/assessments/{}/practices/AC.L2-3.1.2", s.assessment), Some(&s.officer), None).await;
        assert_eq!(practice.body["datapact_sync_status"], "partially_met");
        assert!(practice.body["datapact_sync_at"].is_string());
        assert_eq!(practice.body["status"], "not_evaluated");
        // The practice page shows the suggestion beside the answer.
        let mut browser = crate::web::Browser::new(&app);
        browser.sign_in("officer").await;
        let page = browser.get(&format!("/assessments/{}/practices/AC.L2-3.1.2", s.assessment)).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("data-testid=\"datapact-suggestion\">DataPact suggests <strong>Partially met</strong>"), "{}", page.body);
        let other = browser.get(&format!("/assessments/{}/practices/SC.L2-3.13.16", s.assessment)).await;
        assert!(!other.body.contains("datapact-suggestion"), "no suggestion where no sync left one");

        let logs = app.call("GET", &format!("/api/assessments/{}/datapact/logs?per_page=200", s.assessment), Some(&s.officer), None).await;
        assert_eq!(logs.body["total"], 13, "one row per HTTP call: eleven, and a retry for each 429");
        let statuses: Vec<&str> = logs.body["items"].as_array().unwrap().iter().map(|l| l["status"].as_str().unwrap()).collect();
        assert_eq!(statuses.iter().filter(|s| **s == "success").count(), 5);
        assert_eq!(statuses.iter().filter(|s| **s == "timeout").count(), 1);
        assert_eq!(statuses.iter().filter(|s| **s == "error").count(), 7);
        assert!(!logs.body.to_string().contains(KEY), "no secret in any log row");
        let db = app.db.connect().await;
        let raw = db
            .query_all(Statement::from_string(db.get_database_backend(), "SELECT request_payload, error_message FROM datapact_sync_logs"))
            .await
            .unwrap();
        assert_eq!(raw.len(), 13);

        // A DataPact nobody listens on.
        let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        configure(&app, &s, &format!("http://127.0.0.1:{closed}")).await;
        let refused = app.call("POST", &format!("/api/assessments/{}/datapact/sync", s.assessment), Some(&s.officer), None).await;
        assert!(refused.body["results"].as_array().unwrap().iter().all(|r| r["error_kind"] == "unreachable"), "{:?}", refused.body);
        let proxy = app.call("GET", &format!("/api/organizations/{}/datapact/contracts", s.org), Some(&s.org_admin), None).await;
        assert_eq!(proxy.status, 502);
        assert_eq!(proxy.body["errors"][0]["message"], "unreachable");
        let _: Option<Value> = None;
    }
);
