//! Findings, POA&M generation and lifecycle, overdue items, and the dashboard.

use cmmc_tests::{PASSWORD, TestApp, db_test, spawn_app};
use serde_json::{Value, json};

struct Setup {
    admin: String,
    org: String,
    officer: String,
    assessment: String,
}

async fn setup(app: &TestApp) -> Setup {
    let admin = app.admin_token().await;
    let org = app.create_org(&admin, "Acme").await;
    app.create_user(&admin, &org, "officer", &["compliance_officer"]).await;
    let officer = app.login("officer", PASSWORD).await;
    let created = app
        .call("POST", "/api/assessments", Some(&officer), Some(json!({ "org_id": org, "title": "FY26", "target_level": 2, "assessment_type": "self" })))
        .await;
    let assessment = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.call("POST", &format!("/api/assessments/{assessment}/start"), Some(&officer), None)
            .await
            .status,
        200
    );
    Setup { admin, org, officer, assessment }
}

async fn finding(app: &TestApp, s: &Setup, body: Value) -> cmmc_tests::Answer {
    app.call(
        "POST",
        &format!("/api/assessments/{}/findings", s.assessment),
        Some(&s.officer),
        Some(body),
    )
    .await
}

db_test!(
    async fn findings_follow_their_workflow(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let created = finding(&app, &s, json!({ "finding_type": "deficiency", "severity": "high", "title": "No MFA for admins", "practice_id": "IA.L2-3.5.3" })).await;
        assert_eq!(created.status, 201, "{:?}", created.body);
        assert_eq!(created.body["status"], "open");
        let id = created.body["id"].as_str().unwrap().to_owned();
        let url = format!("/api/assessments/{}/findings/{id}", s.assessment);
        // A practice outside the assessment is well formed but refused: 422.
        for (body, field, status) in [
            (json!({ "finding_type": "problem", "severity": "high", "title": "x" }), "finding_type", 400),
            (json!({ "finding_type": "deficiency", "severity": "urgent", "title": "x" }), "severity", 400),
            (json!({ "finding_type": "deficiency", "severity": "low", "title": "x", "practice_id": "AC.L3-3.1.2e" }), "practice_id", 422),
        ] {
            let answer = finding(&app, &s, body).await;
            assert_eq!(answer.status, status, "{:?}", answer.body);
            assert_eq!(answer.body["errors"][0]["field"], field);
        }
        let listed = app.call("GET", &format!("/api/assessments/{}/findings?severity=high", s.assessment), Some(&s.officer), None).await;
        assert_eq!(listed.body.as_array().unwrap().len(), 1);
        for (status, code) in [("resolved", 409), ("in_remediation", 200), ("open", 409), ("resolved", 200), ("accepted", 409)] {
            let answer = app.call("PATCH", &url, Some(&s.officer), Some(json!({ "status": status }))).await;
            assert_eq!(answer.status, code, "-> {status}: {:?}", answer.body);
        }
        assert_eq!(app.call("DELETE", &url, Some(&s.officer), None).await.status, 409, "a resolved finding is a record");
        let other = finding(&app, &s, json!({ "finding_type": "observation", "severity": "low", "title": "Typo in SSP" })).await;
        let other_id = other.body["id"].as_str().unwrap();
        assert_eq!(app.call("DELETE", &format!("/api/assessments/{}/findings/{other_id}", s.assessment), Some(&s.officer), None).await.status, 204);
        let audit = app.call("GET", &format!("/api/audit?resource_id={id}"), Some(&s.admin), None).await.body;
        assert_eq!(audit["total"], 3, "create and two status changes");
    }
);

db_test!(
    async fn a_generated_poam_lists_every_gap_and_whether_it_may_be_on_a_poam(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let practices = app.call("GET", &format!("/api/assessments/{}/practices", s.assessment), Some(&s.officer), None).await.body;
        for practice in practices.as_array().unwrap() {
            let practice_id = practice["practice_id"].as_str().unwrap();
            let status = match practice_id {
                "AC.L2-3.1.4" | "AC.L2-3.1.1" => "not_met",
                "SC.L2-3.13.11" => "partially_met",
                _ => "met",
            };
            let answer = app
                .call("PATCH", &format!("/api/assessments/{}/practices/{practice_id}", s.assessment), Some(&s.officer), Some(json!({ "status": status })))
                .await;
            assert_eq!(answer.status, 200);
        }
        let loose = finding(&app, &s, json!({ "finding_type": "observation", "severity": "medium", "title": "Visitor log gaps" })).await;
        assert_eq!(loose.status, 201);
        let linked = finding(&app, &s, json!({ "finding_type": "deficiency", "severity": "critical", "title": "Shared admin accounts", "practice_id": "AC.L2-3.1.1" })).await;
        let linked_id = linked.body["id"].as_str().unwrap().to_owned();
        for step in ["submit", "complete"] {
            assert_eq!(app.call("POST", &format!("/api/assessments/{}/{step}", s.assessment), Some(&s.officer), None).await.status, 200);
        }
        let poam = app.call("POST", &format!("/api/assessments/{}/poam", s.assessment), Some(&s.officer), None).await;
        assert_eq!(poam.status, 201, "{:?}", poam.body);
        assert_eq!(poam.body["status"], "draft");
        let items = poam.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 4, "three unmet practices and one finding of no unmet practice: {items:?}");
        let by_practice = |id: &str| items.iter().find(|i| i["practice_id"] == id).unwrap().clone();
        assert_eq!(by_practice("AC.L2-3.1.4")["poam_eligible"], true, "a 1-point requirement");
        assert_eq!(by_practice("AC.L2-3.1.1")["poam_eligible"], false, "5 points");
        assert_eq!(by_practice("AC.L2-3.1.1")["finding_id"], linked_id.as_str());
        assert_eq!(by_practice("SC.L2-3.13.11")["poam_eligible"], true, "encryption employed, not FIPS-validated");
        let deadline = (chrono::Utc::now() + chrono::Duration::days(180)).date_naive().to_string();
        assert!(items.iter().all(|i| i["scheduled_completion"] == deadline.as_str() && i["status"] == "open"));

        // An item past its scheduled completion reads as overdue, until completed.
        let poam_id = poam.body["id"].as_str().unwrap().to_owned();
        let item_id = by_practice("AC.L2-3.1.4")["id"].as_str().unwrap().to_owned();
        let item_url = format!("/api/poams/{poam_id}/items/{item_id}");
        let late = app.call("PATCH", &item_url, Some(&s.officer), Some(json!({ "scheduled_completion": "2020-01-01" }))).await;
        assert_eq!((late.body["status"].as_str(), late.body["overdue"].as_bool()), (Some("overdue"), Some(true)));
        let dashboard = app.call("GET", &format!("/api/organizations/{}/dashboard", s.org), Some(&s.officer), None).await.body;
        assert_eq!(dashboard["overdue_poam_items"].as_array().unwrap().len(), 1);
        assert_eq!(dashboard["current_sprs_score"], 110 - 1 - 5 - 3);
        assert_eq!(dashboard["sprs_history"].as_array().unwrap().len(), 1);
        assert_eq!(dashboard["open_findings_by_severity"], json!({ "critical": 1, "high": 0, "low": 0, "medium": 1 }));
        let ac = dashboard["practices_met_by_domain"].as_array().unwrap().iter().find(|d| d["domain_id"] == "AC").unwrap().clone();
        assert_eq!((ac["met"].as_u64(), ac["total"].as_u64()), (Some(20), Some(22)));
        assert_eq!(app.call("PATCH", &item_url, Some(&s.officer), Some(json!({ "status": "overdue" }))).await.status, 400);
        let done = app.call("PATCH", &item_url, Some(&s.officer), Some(json!({ "status": "completed" }))).await;
        assert_eq!(done.body["status"], "completed");
        assert_eq!(done.body["actual_completion"], chrono::Utc::now().date_naive().to_string().as_str());
        // A completed item keeps its date: clearing it is a 422 (a rule on two
        // fields and the stored status), not a broken CHECK (found by schemathesis).
        for body in [json!({ "actual_completion": null }), json!({ "status": "completed", "actual_completion": null })] {
            let cleared = app.call("PATCH", &item_url, Some(&s.officer), Some(body.clone())).await;
            assert_eq!(cleared.status, 422, "{body}: {:?}", cleared.body);
            assert_eq!(cleared.body["errors"][0]["field"], "actual_completion");
        }

        // The POA&M's own lifecycle.
        let url = format!("/api/poams/{poam_id}");
        assert_eq!(app.call("PATCH", &url, Some(&s.officer), Some(json!({ "status": "completed" }))).await.status, 409);
        assert_eq!(app.call("PATCH", &url, Some(&s.officer), Some(json!({ "status": "active" }))).await.status, 200);
        assert_eq!(app.call("DELETE", &url, Some(&s.officer), None).await.status, 409, "only drafts are deleted");
        let added = app.call("POST", &format!("{url}/items"), Some(&s.officer), Some(json!({ "milestone": "Buy FIPS modules", "practice_id": "SC.L2-3.13.11" }))).await;
        assert_eq!(added.status, 201);
        assert_eq!(app.call("PATCH", &url, Some(&s.officer), Some(json!({ "status": "completed" }))).await.status, 200);
        let listed = app.call("GET", &format!("/api/poams?assessment_id={}", s.assessment), Some(&s.officer), None).await.body;
        assert_eq!(listed.as_array().unwrap().len(), 1);
        // A POA&M made by hand, with an item added and removed.
        let manual = app.call("POST", "/api/poams", Some(&s.officer), Some(json!({ "assessment_id": s.assessment, "title": "Quarterly plan" }))).await;
        assert_eq!(manual.status, 201, "{:?}", manual.body);
        assert_eq!(manual.body["status"], "draft");
        let manual_id = manual.body["id"].as_str().unwrap().to_owned();
        let item = app.call("POST", &format!("/api/poams/{manual_id}/items"), Some(&s.officer), Some(json!({ "milestone": "Train staff" }))).await;
        let item_id = item.body["id"].as_str().unwrap().to_owned();
        assert_eq!(app.call("DELETE", &format!("/api/poams/{manual_id}/items/{item_id}"), Some(&s.officer), None).await.status, 204);
        assert_eq!(app.call("GET", &format!("/api/poams/{manual_id}"), Some(&s.officer), None).await.body["items"], json!([]));
        assert_eq!(app.call("DELETE", &format!("{url}/items/{item_id}"), Some(&s.officer), None).await.status, 409, "completed POA&Ms are read-only");
        let audit = app.call("GET", &format!("/api/audit?resource_id={poam_id}"), Some(&s.admin), None).await.body;
        assert_eq!(audit["total"], 3, "generated, activated, completed");
    }
);

db_test!(
    async fn another_organisations_findings_and_poams_answer_404(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let f = finding(&app, &s, json!({ "finding_type": "deficiency", "severity": "low", "title": "x" })).await;
        let finding_id = f.body["id"].as_str().unwrap().to_owned();
        let poam = app.call("POST", &format!("/api/assessments/{}/poam", s.assessment), Some(&s.officer), None).await;
        let poam_id = poam.body["id"].as_str().unwrap().to_owned();
        let other = app.create_org(&s.admin, "Other").await;
        app.create_user(&s.admin, &other, "stranger", &["org_admin"]).await;
        let stranger = app.login("stranger", PASSWORD).await;
        for path in [
            format!("/api/assessments/{}/findings/{finding_id}", s.assessment),
            format!("/api/poams/{poam_id}"),
            format!("/api/organizations/{}/dashboard", s.org),
        ] {
            assert_eq!(app.call("GET", &path, Some(&stranger), None).await.status, 404, "{path}");
        }
        assert_eq!(app.call("GET", "/api/poams", Some(&stranger), None).await.body.as_array().unwrap().len(), 0);
    }
);
