//! The web interface in a real browser (`tests/web/browser.py`: Playwright
//! for Python driving Debian's Chromium, axe-core injected on every page),
//! against the real server on a fresh SQLite database.
//!
//! Needs `CMMC_TEST_PYTHON` (a Python with Playwright; `.ci/run` makes one)
//! and Chromium (`CMMC_CHROMIUM`, else `/usr/bin/chromium`). Without them the
//! test says so and passes, except under CI, where it fails.
//! `CMMC_SCREENSHOT_DIR` keeps the screenshots (`just screenshots`).

use std::path::PathBuf;

use cmmc_tests::{PASSWORD, TestApp, TestBackend, project_root, spawn_app};
use serde_json::json;

/// The Python and the browser, or why the test cannot run here.
fn tools() -> Result<(String, PathBuf), String> {
    let python =
        std::env::var("CMMC_TEST_PYTHON").map_err(|_| "CMMC_TEST_PYTHON is not set".to_owned())?;
    let chromium = std::env::var("CMMC_CHROMIUM")
        .map_or_else(|_| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    if !chromium.exists() {
        return Err(format!("no browser at {}", chromium.display()));
    }
    Ok((python, chromium))
}

/// A completed Level 2 self-assessment with `not_met` practices unmet
/// (the rest met), for the dashboard's history; answers its SPRS score.
async fn completed(app: &TestApp, token: &str, org: &str, title: &str, not_met: &[&str]) -> i64 {
    let body =
        json!({ "org_id": org, "title": title, "target_level": 2, "assessment_type": "self" });
    let created = app.call("POST", "/api/assessments", Some(token), Some(body)).await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.call("POST", &format!("/api/assessments/{id}/start"), Some(token), None).await.status,
        200
    );
    let catalogue = app.call("GET", "/api/cmmc/practices?level=2", None, None).await;
    let items =
        catalogue.body["items"].as_array().or_else(|| catalogue.body.as_array()).unwrap().clone();
    for practice in items.iter().map(|p| p["practice_id"].as_str().unwrap()) {
        let status = if not_met.contains(&practice) { "not_met" } else { "met" };
        let url = format!("/api/assessments/{id}/practices/{practice}");
        let answer = app.call("PATCH", &url, Some(token), Some(json!({ "status": status }))).await;
        assert_eq!(answer.status, 200, "{practice}: {:?}", answer.body);
    }
    for step in ["submit", "complete"] {
        let answer =
            app.call("POST", &format!("/api/assessments/{id}/{step}"), Some(token), None).await;
        assert_eq!(answer.status, 200, "{step}: {:?}", answer.body);
    }
    let score = app.call("GET", &format!("/api/assessments/{id}/score"), Some(token), None).await;
    score.body["sprs_score"].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compliance_officer_and_an_assessor_work_through_an_assessment_in_a_browser() {
    let (python, chromium) = match tools() {
        Ok(tools) => tools,
        Err(why) if std::env::var_os("CI").is_some() => {
            panic!("the browser test cannot run under CI: {why}")
        }
        Err(why) => {
            eprintln!("{why}: the browser test did not run here (CI runs it)");
            return;
        }
    };
    let Some(app) = spawn_app(TestBackend::Sqlite).await else { return };
    let admin = app.admin_token().await;
    let org = app.create_org(&admin, "Demo Defense Contractor").await;
    app.create_user(&admin, &org, "officer", &["compliance_officer"]).await;
    app.create_user(&admin, &org, "assessor", &["assessor", "c3pao_lead"]).await;
    app.create_user(&admin, &org, "boss", &["org_admin"]).await;
    // Two earlier assessments, completed, for the score history.
    let officer = app.login("officer", PASSWORD).await;
    let older = ["AC.L2-3.1.1", "AC.L2-3.1.12", "IA.L2-3.5.3", "SC.L2-3.13.11", "AU.L2-3.3.1"];
    completed(&app, &officer, &org, "FY25 self-assessment", &older).await;
    let sprs =
        completed(&app, &officer, &org, "FY26 self-assessment", &["AC.L2-3.1.12", "AU.L2-3.3.5"])
            .await;

    let kept = std::env::var_os("CMMC_SCREENSHOT_DIR").map(PathBuf::from);
    let scratch = tempfile::tempdir().unwrap();
    let shots = kept.unwrap_or_else(|| scratch.path().to_path_buf());
    let script = project_root().join("tests/web/browser.py");
    let axe = project_root().join("tests/web/vendor/axe-core-4.11.4.min.js");
    let mut command = std::process::Command::new(&python);
    command
        .arg(&script)
        .env("CMMC_BASE_URL", &app.address)
        .env("CMMC_CHROMIUM", &chromium)
        .env("CMMC_AXE_JS", &axe)
        .env("CMMC_SCREENSHOT_DIR", &shots)
        .env("CMMC_PASSWORD", PASSWORD)
        .env("CMMC_EXPECTED_SPRS", sprs.to_string());
    // The server runs on this runtime's threads while the browser drives it.
    let output = tokio::task::spawn_blocking(move || command.output()).await.unwrap().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the browser test failed\n{stdout}\n{stderr}");
    let summary: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    let pages = summary["pages_checked_by_axe"].as_array().unwrap();
    for page in [
        "login",
        "dashboard",
        "assessment",
        "practice",
        "findings",
        "poams",
        "catalog",
        "password",
        "mfa-scan",
        "users",
    ] {
        assert!(pages.iter().any(|p| p == page), "axe did not check {page}: {pages:?}");
    }
    for name in ["dashboard", "practice"] {
        let png = std::fs::read(shots.join(format!("{name}.png"))).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "{name}.png is a PNG");
    }
}
