//! Assessments through the HTTP API: lifecycle, evaluation, ETags, scores.

use cmmc_tests::{PASSWORD, TestApp, db_test, spawn_app};
use serde_json::{Value, json};

struct Setup {
    admin: String,
    org: String,
    officer: String,
    assessor: String,
}

async fn setup(app: &TestApp) -> Setup {
    let admin = app.admin_token().await;
    let org = app.create_org(&admin, "Acme").await;
    app.create_user(&admin, &org, "officer", &["compliance_officer"]).await;
    app.create_user(&admin, &org, "assessor", &["assessor"]).await;
    let officer = app.login("officer", PASSWORD).await;
    let assessor = app.login("assessor", PASSWORD).await;
    Setup { admin, org, officer, assessor }
}

async fn create(app: &TestApp, token: &str, org: &str, level: i64, kind: &str) -> Value {
    let answer = app
        .call("POST", "/api/assessments", Some(token), Some(json!({ "org_id": org, "title": "FY26", "target_level": level, "assessment_type": kind })))
        .await;
    assert_eq!(answer.status, 201, "{:?}", answer.body);
    answer.body
}

async fn step(
    app: &TestApp,
    token: &str,
    id: &str,
    step: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let answer =
        app.call("POST", &format!("/api/assessments/{id}/{step}"), Some(token), body).await;
    (answer.status, answer.body)
}

async fn patch_practice(
    app: &TestApp,
    token: &str,
    id: &str,
    practice: &str,
    body: Value,
) -> cmmc_tests::Answer {
    app.call(
        "PATCH",
        &format!("/api/assessments/{id}/practices/{practice}"),
        Some(token),
        Some(body),
    )
    .await
}

db_test!(
    async fn the_whole_lifecycle_from_create_to_complete(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let created = create(&app, &s.officer, &s.org, 2, "third_party").await;
        assert_eq!(created["status"], "draft");
        let id = created["id"].as_str().unwrap().to_owned();
        let practices = app.call("GET", &format!("/api/assessments/{id}/practices"), Some(&s.assessor), None).await.body;
        assert_eq!(practices.as_array().unwrap().len(), 110);
        assert!(practices.as_array().unwrap().iter().all(|p| p["status"] == "not_evaluated"));
        assert_eq!(practices[0]["practice_id"], "AC.L2-3.1.1");
        assert_eq!(practices[1]["practice_id"], "AC.L2-3.1.2");

        assert_eq!(patch_practice(&app, &s.assessor, &id, "AC.L2-3.1.1", json!({ "status": "met" })).await.status, 409, "draft");
        let (status, started) = step(&app, &s.officer, &id, "start", None).await;
        assert_eq!(status, 200);
        assert_eq!(started["status"], "in_progress");
        assert!(started["started_at"].is_string());

        // Everything met but partial encryption and one 1-point requirement.
        for practice in practices.as_array().unwrap() {
            let practice_id = practice["practice_id"].as_str().unwrap();
            let status = match practice_id {
                "SC.L2-3.13.11" => "partially_met",
                "AC.L2-3.1.4" => "not_met",
                "AC.L2-3.1.12" => "not_applicable",
                _ => "met",
            };
            let answer = patch_practice(&app, &s.assessor, &id, practice_id, json!({ "status": status })).await;
            assert_eq!(answer.status, 200, "{practice_id}: {:?}", answer.body);
        }
        let score = app.call("GET", &format!("/api/assessments/{id}/score"), Some(&s.officer), None).await.body;
        assert_eq!(score["sprs_score"], 106);
        assert_eq!(score["provisional"], false);
        assert_eq!(score["submittable"], true);
        assert!(score["level3_score"].is_null());
        assert_eq!(score["cmmc_status"], "conditional");
        assert!(score["conditional_deadline"].is_null(), "not completed yet");
        assert_eq!(
            score["deductions"],
            json!([{ "practice_id": "AC.L2-3.1.4", "points": 1 }, { "practice_id": "SC.L2-3.13.11", "points": 3 }])
        );

        let (status, submitted) = step(&app, &s.officer, &id, "submit", None).await;
        assert_eq!((status, submitted["status"].as_str()), (200, Some("under_review")));
        let (status, completed) = step(&app, &s.officer, &id, "complete", None).await;
        assert_eq!(status, 200, "{completed}");
        assert_eq!(completed["status"], "completed");
        assert_eq!(completed["sprs_score"], 106);
        assert_eq!(completed["cmmc_status"], "conditional");
        let deadline = (chrono::Utc::now() + chrono::Duration::days(180)).date_naive().to_string();
        assert_eq!(completed["conditional_deadline"], deadline.as_str());
        let score = app.call("GET", &format!("/api/assessments/{id}/score"), Some(&s.officer), None).await.body;
        assert_eq!(score["conditional_deadline"], deadline.as_str());

        // A completed assessment is read-only.
        assert_eq!(patch_practice(&app, &s.assessor, &id, "AC.L2-3.1.4", json!({ "status": "met" })).await.status, 409);
        assert_eq!(app.call("PATCH", &format!("/api/assessments/{id}"), Some(&s.officer), Some(json!({ "title": "x" }))).await.status, 409);
        assert_eq!(app.call("DELETE", &format!("/api/assessments/{id}"), Some(&s.officer), None).await.status, 409);
        for name in ["start", "submit", "complete", "reopen"] {
            assert_eq!(step(&app, &s.officer, &id, name, Some(json!({ "reason": "r" }))).await.0, 409, "{name}");
        }

        // Each step left its audit row.
        let audit = app.call("GET", &format!("/api/audit?resource_id={id}&per_page=200"), Some(&s.admin), None).await.body;
        let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().rev().map(|r| r["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["assessment.create", "assessment.start", "assessment.submit", "assessment.complete"]);
        let practice_rows = app.call("GET", "/api/audit?action=assessment_practice.update&per_page=1", Some(&s.admin), None).await.body;
        assert_eq!(practice_rows["total"], 110);
        let listed = app.call("GET", "/api/assessments?status=completed&level=2", Some(&s.assessor), None).await.body;
        assert_eq!(listed["total"], 1);
        assert_eq!(app.call("GET", "/api/assessments?status=draft", Some(&s.assessor), None).await.body["total"], 0);
        assert_eq!(app.call("GET", "/api/assessments?status=finished", Some(&s.assessor), None).await.status, 400);
    }
);

db_test!(
    async fn forbidden_transitions_answer_409_and_reopen_needs_a_reason(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let id = create(&app, &s.officer, &s.org, 1, "self").await["id"].as_str().unwrap().to_owned();
        for name in ["submit", "complete", "reopen"] {
            let (status, body) = step(&app, &s.officer, &id, name, Some(json!({ "reason": "r" }))).await;
            assert_eq!(status, 409, "{name} from draft: {body}");
            assert_eq!(body["type"], "/problems/conflict");
        }
        assert_eq!(step(&app, &s.assessor, &id, "start", None).await.0, 403, "assessors do not run the lifecycle");
        assert_eq!(step(&app, &s.officer, &id, "start", None).await.0, 200);
        assert_eq!(step(&app, &s.officer, &id, "start", None).await.0, 409);
        assert_eq!(step(&app, &s.officer, &id, "complete", None).await.0, 409);
        assert_eq!(step(&app, &s.officer, &id, "submit", None).await.0, 200);
        assert_eq!(step(&app, &s.officer, &id, "start", None).await.0, 409);
        let (status, body) = step(&app, &s.officer, &id, "complete", None).await;
        assert_eq!(status, 409, "17 practices are not evaluated");
        assert!(body["detail"].as_str().unwrap().contains("17 practice(s)"), "{body}");
        assert_eq!(step(&app, &s.officer, &id, "reopen", None).await.0, 400);
        assert_eq!(step(&app, &s.officer, &id, "reopen", Some(json!({ "reason": "  " }))).await.0, 400);
        let (status, body) = step(&app, &s.officer, &id, "reopen", Some(json!({ "reason": "evidence arrived late" }))).await;
        assert_eq!((status, body["status"].as_str()), (200, Some("in_progress")));
        let audit = app.call("GET", "/api/audit?action=assessment.reopen", Some(&s.admin), None).await.body;
        assert_eq!(audit["items"][0]["details"]["reason"], "evidence arrived late");
        let score = app.call("GET", &format!("/api/assessments/{id}/score"), Some(&s.officer), None).await.body;
        assert!(score["sprs_score"].is_null(), "Level 1 has no SPRS score");
        assert_eq!(score["provisional"], true);
        assert_eq!(score["cmmc_status"], "none");
    }
);

db_test!(
    async fn objectives_decide_the_status_and_contradictions_are_refused(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let id = create(&app, &s.officer, &s.org, 2, "self").await["id"].as_str().unwrap().to_owned();
        step(&app, &s.officer, &id, "start", None).await;
        let all_met = json!({ "a": "met", "b": "met", "c": "not_applicable", "d": "met", "e": "met", "f": "met" });
        let answer = patch_practice(&app, &s.assessor, &id, "AC.L2-3.1.1", json!({ "objectives": all_met })).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        assert_eq!(answer.body["status"], "met");
        assert_eq!(answer.body["objectives"][2]["status"], "not_applicable");
        let answer = patch_practice(&app, &s.assessor, &id, "AC.L2-3.1.1", json!({ "objectives": { "b": "not_met" } })).await;
        assert_eq!(answer.body["status"], "not_met");
        let before = answer.body["version"].clone();
        // A value outside the document is a 400; a well-formed answer that
        // contradicts the practice (its objectives, its results) a 422.
        for (body, field, status) in [
            (json!({ "status": "met", "objectives": { "b": "not_met" } }), "status", 422),
            (json!({ "objectives": { "z": "met" } }), "objectives.z", 422),
            (json!({ "objectives": { "a": "sort of" } }), "objectives.a", 400),
            (json!({ "status": "done" }), "status", 400),
        ] {
            let answer = patch_practice(&app, &s.assessor, &id, "AC.L2-3.1.1", body.clone()).await;
            assert_eq!(answer.status, status, "{body}");
            assert_eq!(answer.body["errors"][0]["field"], field, "{body}: {:?}", answer.body);
        }
        let unchanged = app.call("GET", &format!("/api/assessments/{id}/practices/AC.L2-3.1.1"), Some(&s.assessor), None).await;
        assert_eq!(unchanged.body["version"], before, "bad input changes nothing");
        // Objectives recorded earlier bind a later status-only change too.
        let bypass = patch_practice(&app, &s.assessor, &id, "AC.L2-3.1.1", json!({ "status": "met" })).await;
        assert_eq!(bypass.status, 422, "{:?}", bypass.body);
        // Partial MFA is a kind of not met: allowed beside a not-met objective.
        let answer = patch_practice(&app, &s.assessor, &id, "IA.L2-3.5.3", json!({ "status": "partially_met", "objectives": { "a": "not_met" } })).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        assert_eq!(answer.body["status"], "partially_met");
        let unknown = patch_practice(&app, &s.assessor, &id, "AC.L3-3.1.2e", json!({ "status": "met" })).await;
        assert_eq!(unknown.status, 404, "not in a Level 2 assessment");
        let filtered = app.call("GET", &format!("/api/assessments/{id}/practices?domain=IA&status=partially_met"), Some(&s.assessor), None).await;
        assert_eq!(filtered.body.as_array().unwrap().len(), 1);
        assert_eq!(app.call("GET", &format!("/api/assessments/{id}/practices?domain=ZZ"), Some(&s.assessor), None).await.status, 400);
    }
);

db_test!(
    async fn a_stale_if_match_gets_412_and_changes_nothing(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let id = create(&app, &s.officer, &s.org, 2, "self").await["id"].as_str().unwrap().to_owned();
        step(&app, &s.officer, &id, "start", None).await;
        let url = format!("{}/api/assessments/{id}/practices/AC.L2-3.1.1", app.address);
        let read = app.call("GET", &format!("/api/assessments/{id}/practices/AC.L2-3.1.1"), Some(&s.assessor), None).await;
        let etag = read.header("etag");
        assert_eq!(etag, "\"1\"");
        let first = app.client.patch(&url).bearer_auth(&s.assessor).header("If-Match", &etag).json(&json!({ "status": "met" })).send().await.unwrap();
        assert_eq!(first.status().as_u16(), 200);
        assert_eq!(first.headers()["etag"], "\"2\"");
        let stale = app.client.patch(&url).bearer_auth(&s.officer).header("If-Match", &etag).json(&json!({ "status": "not_met" })).send().await.unwrap();
        assert_eq!(stale.status().as_u16(), 412);
        let now = app.call("GET", &format!("/api/assessments/{id}/practices/AC.L2-3.1.1"), Some(&s.assessor), None).await;
        assert_eq!(now.body["status"], "met", "the stale write changed nothing");
        let without = patch_practice(&app, &s.officer, &id, "AC.L2-3.1.1", json!({ "assessor_notes": "checked" })).await;
        assert_eq!(without.status, 200, "If-Match is optional");
        assert_eq!(without.header("etag"), "\"3\"");
    }
);

db_test!(
    async fn creation_checks_its_input_and_each_level_gets_its_practices(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let level3 = create(&app, &s.admin, &s.org, 3, "government").await;
        let id = level3["id"].as_str().unwrap();
        let practices = app.call("GET", &format!("/api/assessments/{id}/practices"), Some(&s.officer), None).await.body;
        assert_eq!(practices.as_array().unwrap().len(), 134, "24 Level 3 and 110 Level 2");
        let level1 = create(&app, &s.officer, &s.org, 1, "self").await;
        let id1 = level1["id"].as_str().unwrap();
        assert_eq!(app.call("GET", &format!("/api/assessments/{id1}/practices"), Some(&s.officer), None).await.body.as_array().unwrap().len(), 17);
        for (body, field) in [
            (json!({ "org_id": s.org, "title": "T", "target_level": 7, "assessment_type": "self" }), "target_level"),
            (json!({ "org_id": s.org, "title": "T", "target_level": 1, "assessment_type": "third_party" }), "assessment_type"),
            (json!({ "org_id": s.org, "title": "T", "target_level": 2, "assessment_type": "c3pao" }), "assessment_type"),
            (json!({ "org_id": s.org, "title": " ", "target_level": 2, "assessment_type": "self" }), "title"),
        ] {
            let answer = app.call("POST", "/api/assessments", Some(&s.officer), Some(body.clone())).await;
            assert_eq!(answer.status, 400, "{body}");
            assert_eq!(answer.body["errors"][0]["field"], field);
        }
        let missing = app.call("POST", "/api/assessments", Some(&s.officer), Some(json!({ "org_id": "nope", "title": "T", "target_level": 2, "assessment_type": "self" }))).await;
        assert_eq!(missing.status, 404);
        let huge = app.call("GET", "/api/assessments?page=18446744073709551615&per_page=200", Some(&s.officer), None).await;
        assert_eq!(huge.status, 400, "an absurd page is refused, not a crash");
        // A draft with evidence is not deleted from under its files.
        let form = reqwest::multipart::Form::new().text("title", "Policy").text("file_url", "https://example.com/p.pdf");
        let uploaded = app
            .client
            .post(format!("{}/api/assessments/{id1}/practices/AC.L1-3.1.1/evidence", app.address))
            .bearer_auth(&s.officer)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(uploaded.status().as_u16(), 201);
        let refused = app.call("DELETE", &format!("/api/assessments/{id1}"), Some(&s.officer), None).await;
        assert_eq!(refused.status, 409, "{:?}", refused.body);
        let evidence: serde_json::Value = uploaded_list(&app, &s.officer, id1).await;
        let evidence_id = evidence["items"][0]["id"].as_str().unwrap().to_owned();
        let removed = app
            .call("DELETE", &format!("/api/assessments/{id1}/practices/AC.L1-3.1.1/evidence/{evidence_id}"), Some(&s.officer), None)
            .await;
        assert_eq!(removed.status, 204);
        // Drafts can be deleted; the practices go with them.
        assert_eq!(app.call("DELETE", &format!("/api/assessments/{id1}"), Some(&s.officer), None).await.status, 204);
        assert_eq!(app.call("GET", &format!("/api/assessments/{id1}"), Some(&s.officer), None).await.status, 404);
    }
);

db_test!(
    async fn another_organisations_assessment_answers_404(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let other = app.create_org(&s.admin, "Other").await;
        let theirs = create(&app, &s.admin, &other, 2, "self").await["id"].as_str().unwrap().to_owned();
        for path in [format!("/api/assessments/{theirs}"), format!("/api/assessments/{theirs}/score"), format!("/api/assessments/{theirs}/practices")] {
            let answer = app.call("GET", &path, Some(&s.officer), None).await;
            assert_eq!(answer.status, 404, "{path}");
        }
        assert_eq!(step(&app, &s.officer, &theirs, "start", None).await.0, 404);
        let listed = app.call("GET", &format!("/api/assessments?org_id={other}"), Some(&s.officer), None).await.body;
        assert_eq!(listed["total"], 0);
    }
);

db_test!(
    async fn a_reseed_cannot_rewrite_an_assessment(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let id = create(&app, &s.officer, &s.org, 2, "self").await["id"].as_str().unwrap().to_owned();
        let dir = tempfile::tempdir().unwrap();
        for entry in std::fs::read_dir(cmmc_tests::data_dir()).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
        }
        let file = dir.path().join("level2_practices.yaml");
        let text = std::fs::read_to_string(&file).unwrap();
        std::fs::write(&file, text.replacen("title: Authorized Access Control\n", "title: Renamed Later\n", 1)).unwrap();
        cmmc_seed::seed_dir(&app.db.connect().await, dir.path()).await.unwrap();
        let answer = app.call("GET", &format!("/api/assessments/{id}/practices/AC.L2-3.1.1"), Some(&s.officer), None).await;
        assert_eq!(answer.body["title"], "Authorized Access Control", "kept as assessed");
        assert_eq!(answer.body["sprs_weight"], 5);
        assert_eq!(answer.body["objectives"].as_array().unwrap().len(), 6);
    }
);

async fn uploaded_list(app: &TestApp, token: &str, assessment: &str) -> Value {
    app.call("GET", &format!("/api/assessments/{assessment}/evidence"), Some(token), None)
        .await
        .body
}

db_test!(
    async fn concurrent_edits_without_if_match_all_apply_and_lose_nothing(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let id = create(&app, &s.officer, &s.org, 2, "self").await["id"].as_str().unwrap().to_owned();
        step(&app, &s.officer, &id, "start", None).await;
        // AC.L2-3.1.1 has objectives a to f: six writers, one objective each, at once.
        let edits = ["a", "b", "c", "d", "e", "f"].map(|label| {
            let token = if label < "d" { s.assessor.clone() } else { s.officer.clone() };
            let app = &app;
            let id = id.clone();
            async move { patch_practice(app, &token, &id, "AC.L2-3.1.1", json!({ "objectives": { label: "met" } })).await }
        });
        let answers = futures_util::future::join_all(edits).await;
        assert!(answers.iter().all(|a| a.status == 200), "{:?}", answers.iter().map(|a| a.status).collect::<Vec<_>>());
        let practice = app.call("GET", &format!("/api/assessments/{id}/practices/AC.L2-3.1.1"), Some(&s.officer), None).await;
        assert_eq!(practice.body["status"], "met", "every objective arrived: {}", practice.body);
        assert_eq!(practice.body["version"], 7, "six versions on top of the first");
    }
);
