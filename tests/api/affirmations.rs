//! Affirmations (32 CFR 170.22) and the organisation's standing: what is due
//! before anything is assessed, right after an assessment, and after the
//! affirmation; what may be affirmed; and that each affirmation is audited.

use cmmc_tests::{PASSWORD, db_test, spawn_app};
use serde_json::{Value, json};

db_test!(
    async fn an_affirmation_follows_an_assessment_and_the_next_is_due_a_year_on(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let admin = app.admin_token().await;
        let org = app.create_org(&admin, "Acme").await;
        app.create_user(&admin, &org, "officer", &["compliance_officer", "assessor"]).await;
        let officer = app.login("officer", PASSWORD).await;
        let compliance = format!("/api/organizations/{org}/compliance");
        let before = app.call("GET", &compliance, Some(&officer), None).await;
        assert_eq!(before.status, 200, "{:?}", before.body);
        assert_eq!(before.body["level"], Value::Null);
        assert_eq!(before.body["next_affirmation_due"], Value::Null);
        assert_eq!(before.body["problems"][0]["kind"], "no_assessment");

        // A Level 1 self-assessment with every practice met: Final for a year.
        let body = json!({ "org_id": org, "title": "FY26 L1", "target_level": 1, "assessment_type": "self" });
        let id = app.call("POST", "/api/assessments", Some(&officer), Some(body)).await.body["id"].as_str().unwrap().to_owned();
        assert_eq!(app.call("POST", &format!("/api/assessments/{id}/start"), Some(&officer), None).await.status, 200);
        let affirm = |assessment: &str| json!({ "assessment_id": assessment, "official_name": "Jordan Smith", "official_title": "CEO", "official_email": "jordan@example.com", "official_phone": "+1 555 0100" });
        let early = app.call("POST", &format!("/api/organizations/{org}/affirmations"), Some(&officer), Some(affirm(&id))).await;
        assert_eq!(early.status, 409, "an assessment in progress cannot be affirmed: {:?}", early.body);
        let practices = app.call("GET", &format!("/api/assessments/{id}/practices"), Some(&officer), None).await;
        let items = practices.body["items"].as_array().or_else(|| practices.body.as_array()).unwrap().clone();
        assert_eq!(items.len(), 17);
        for p in &items {
            let url = format!("/api/assessments/{id}/practices/{}", p["practice_id"].as_str().unwrap());
            assert_eq!(app.call("PATCH", &url, Some(&officer), Some(json!({ "status": "met" }))).await.status, 200);
        }
        for step in ["submit", "complete"] {
            let answer = app.call("POST", &format!("/api/assessments/{id}/{step}"), Some(&officer), None).await;
            assert_eq!(answer.status, 200, "{step}: {:?}", answer.body);
        }
        let today = chrono::Utc::now().date_naive();
        let next_year = today.checked_add_months(chrono::Months::new(12)).unwrap().to_string();
        let after = app.call("GET", &compliance, Some(&officer), None).await.body;
        assert_eq!((after["level"].as_i64(), after["cmmc_status"].as_str()), (Some(1), Some("final")));
        assert_eq!(after["status_date"], today.to_string());
        assert_eq!(after["validity_end"], next_year, "a Level 1 status lasts a year");
        assert_eq!(after["next_affirmation_due"], today.to_string(), "due with the assessment");
        assert_eq!(after["problems"][0]["kind"], "affirmation_due", "{after}");
        let dashboard = app.call("GET", &format!("/api/organizations/{org}/dashboard"), Some(&officer), None).await.body;
        assert_eq!(dashboard["next_affirmation_due"], today.to_string(), "the dashboard shows it too");
        assert_eq!(dashboard["compliance_problems"][0]["kind"], "affirmation_due");

        // Refusals name their field and change nothing.
        let mut bad = affirm(&id);
        bad["official_email"] = json!("nope");
        let refused = app.call("POST", &format!("/api/organizations/{org}/affirmations"), Some(&officer), Some(bad)).await;
        assert_eq!((refused.status, refused.body["errors"][0]["field"].as_str()), (400, Some("official_email")));
        let other = app.create_org(&admin, "Other").await;
        let foreign = json!({ "org_id": other, "title": "Theirs", "target_level": 1, "assessment_type": "self" });
        let foreign = app.call("POST", "/api/assessments", Some(&admin), Some(foreign)).await.body["id"].as_str().unwrap().to_owned();
        let refused = app.call("POST", &format!("/api/organizations/{org}/affirmations"), Some(&officer), Some(affirm(&foreign))).await;
        assert_eq!(refused.status, 422, "another organisation's assessment: {:?}", refused.body);

        let made = app.call("POST", &format!("/api/organizations/{org}/affirmations"), Some(&officer), Some(affirm(&id))).await;
        assert_eq!(made.status, 201, "{:?}", made.body);
        assert_eq!(made.body["level"], 1);
        let statement = made.body["statement"].as_str().unwrap();
        assert!(statement.contains("Acme") && statement.contains("CMMC Level 1") && statement.contains("will maintain"), "{statement}");
        let after = app.call("GET", &compliance, Some(&officer), None).await.body;
        assert_eq!(after["next_affirmation_due"], next_year, "yearly after the last");
        assert_eq!(after["problems"], json!([]));
        let listed = app.call("GET", &format!("/api/organizations/{org}/affirmations"), Some(&officer), None).await;
        assert_eq!(listed.body.as_array().unwrap().len(), 1);
        assert_eq!(listed.body[0]["official_name"], "Jordan Smith");
        let audit = app.call("GET", "/api/audit?action=affirmation.create", Some(&admin), None).await;
        assert_eq!(audit.body["total"], 1, "only the affirmation made");
        app.create_user(&admin, &other, "stranger", &["compliance_officer"]).await;
        let stranger = app.login("stranger", PASSWORD).await;
        assert_eq!(app.call("GET", &compliance, Some(&stranger), None).await.status, 404);
    }
);
