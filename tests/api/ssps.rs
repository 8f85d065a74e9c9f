//! System security plans: the lifecycle (draft, statements, publish, new
//! version), immutability once published, the rules of statements, who may
//! do what, and the SSP an assessment names.

use cmmc_tests::{PASSWORD, TestApp, db_test, spawn_app};
use serde_json::{Value, json};

struct Setup {
    admin: String,
    org: String,
    officer: String,
    viewer: String,
}

async fn setup(app: &TestApp) -> Setup {
    let admin = app.admin_token().await;
    let org = app.create_org(&admin, "Acme").await;
    app.create_user(&admin, &org, "officer", &["compliance_officer"]).await;
    app.create_user(&admin, &org, "viewer", &["viewer"]).await;
    let officer = app.login("officer", PASSWORD).await;
    let viewer = app.login("viewer", PASSWORD).await;
    Setup { admin, org, officer, viewer }
}

fn new_ssp(level: i64) -> Value {
    json!({
        "name": "CUI enclave SSP", "version": "1", "level": level,
        "system_description": "The engineering enclave.", "scope_type": "enclave",
        "boundary_description": "VLAN 20 and the file server.",
        "cage_codes": ["1abc2", "1ABC2"],
        "people": [{ "role": "system_owner", "name": "Pat Doe", "title": "CIO", "email": "pat@example.com", "phone": "+1 555 0100" }]
    })
}

async fn create(app: &TestApp, s: &Setup, body: Value) -> cmmc_tests::Answer {
    app.call("POST", &format!("/api/organizations/{}/ssps", s.org), Some(&s.officer), Some(body))
        .await
}

async fn state(
    app: &TestApp,
    s: &Setup,
    ssp: &str,
    practice: &str,
    body: Value,
) -> cmmc_tests::Answer {
    app.call("PUT", &format!("/api/ssps/{ssp}/statements/{practice}"), Some(&s.officer), Some(body))
        .await
}

/// The Level 1 practice ids, in catalogue order.
async fn level1_practices(app: &TestApp) -> Vec<String> {
    let answer = app.call("GET", "/api/cmmc/practices?level=1", None, None).await;
    let items = answer.body["items"].as_array().or_else(|| answer.body.as_array()).unwrap().clone();
    items.iter().map(|p| p["practice_id"].as_str().unwrap().to_owned()).collect()
}

db_test!(
    async fn an_ssp_is_drafted_stated_published_and_versioned(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let created = create(&app, &s, new_ssp(1)).await;
        assert_eq!(created.status, 201, "{:?}", created.body);
        assert_eq!(created.body["status"], "draft");
        assert_eq!(created.body["cage_codes"], json!(["1ABC2"]), "upper case, once");
        assert_eq!(created.body["ssp_date"], Value::Null);
        let id = created.body["id"].as_str().unwrap().to_owned();
        assert_eq!(create(&app, &s, new_ssp(1)).await.status, 409, "name and version are unique");

        // Statements: 201 when new, 200 when replaced; the rules of each field.
        let implemented = json!({ "implementation_status": "implemented", "narrative": "Done by the IAM workflow.", "objectives": ["a"] });
        assert_eq!(state(&app, &s, &id, "AC.L1-3.1.1", implemented.clone()).await.status, 201);
        let again = state(&app, &s, &id, "AC.L1-3.1.1", implemented).await;
        assert_eq!(again.status, 200, "{:?}", again.body);
        for (body, status, field) in [
            (json!({ "implementation_status": "planned", "narrative": "Next quarter." }), 422, "planned_date"),
            (json!({ "implementation_status": "implemented", "narrative": "x", "planned_date": "2027-01-31" }), 422, "planned_date"),
            (json!({ "implementation_status": "implemented", "narrative": "x", "objectives": ["zz"] }), 422, "objectives"),
            (json!({ "implementation_status": "done", "narrative": "x" }), 400, "implementation_status"),
            (json!({ "implementation_status": "implemented", "narrative": "   " }), 400, "narrative"),
        ] {
            let answer = state(&app, &s, &id, "AC.L1-3.1.2", body.clone()).await;
            assert_eq!(answer.status, status, "{body}: {:?}", answer.body);
            assert_eq!(answer.body["errors"][0]["field"], field, "{body}");
        }
        let planned = json!({ "implementation_status": "planned", "narrative": "Next quarter.", "planned_date": "2027-01-31" });
        assert_eq!(state(&app, &s, &id, "AC.L2-3.1.3", planned.clone()).await.status, 404, "a Level 2 practice is not in a Level 1 SSP");

        // Publishing needs a security official and every requirement stated.
        let refused = app.call("POST", &format!("/api/ssps/{id}/publish"), Some(&s.officer), None).await;
        assert_eq!(refused.status, 409);
        let detail = refused.body["detail"].as_str().unwrap();
        assert!(detail.contains("no security official") && detail.contains("16 requirements have no implementation statement"), "{detail}");
        let practices = level1_practices(&app).await;
        assert_eq!(practices.len(), 17);
        for practice in &practices[1..] {
            assert_eq!(state(&app, &s, &id, practice, planned.clone()).await.status, 201, "{practice}");
        }
        let people = json!({ "people": [
            { "role": "system_owner", "name": "Pat Doe", "email": "pat@example.com" },
            { "role": "security_official", "name": "Sam Lee", "email": "sam@example.com" }
        ] });
        assert_eq!(app.call("PATCH", &format!("/api/ssps/{id}"), Some(&s.officer), Some(people)).await.status, 200);
        let statements = app.call("GET", &format!("/api/ssps/{id}/statements"), Some(&s.viewer), None).await;
        let listed: Vec<&str> = statements.body.as_array().unwrap().iter().map(|st| st["practice_id"].as_str().unwrap()).collect();
        assert_eq!(listed, practices.iter().map(String::as_str).collect::<Vec<_>>(), "catalogue order");
        let published = app.call("POST", &format!("/api/ssps/{id}/publish"), Some(&s.officer), None).await;
        assert_eq!(published.status, 200, "{:?}", published.body);
        assert_eq!(published.body["status"], "published");
        assert_eq!(published.body["ssp_date"], chrono::Utc::now().date_naive().to_string());

        // A published version never changes.
        assert_eq!(app.call("POST", &format!("/api/ssps/{id}/publish"), Some(&s.officer), None).await.status, 409);
        let patch = app.call("PATCH", &format!("/api/ssps/{id}"), Some(&s.officer), Some(json!({ "name": "Renamed" }))).await;
        assert_eq!(patch.status, 409);
        assert_eq!(state(&app, &s, &id, "AC.L1-3.1.1", planned.clone()).await.status, 409);
        assert_eq!(app.call("GET", &format!("/api/ssps/{id}"), Some(&s.viewer), None).await.body["name"], "CUI enclave SSP");

        // A new version is a draft copy with the next number.
        let next = app.call("POST", &format!("/api/ssps/{id}/versions"), Some(&s.officer), None).await;
        assert_eq!(next.status, 201, "{:?}", next.body);
        assert_eq!((next.body["version"].as_str(), next.body["status"].as_str()), (Some("2"), Some("draft")));
        assert_eq!(next.body["previous_id"], id.as_str());
        assert_eq!(next.body["people"].as_array().unwrap().len(), 2);
        let next_id = next.body["id"].as_str().unwrap();
        let copied = app.call("GET", &format!("/api/ssps/{next_id}/statements"), Some(&s.officer), None).await;
        assert_eq!(copied.body.as_array().unwrap().len(), 17);
        assert_eq!(app.call("POST", &format!("/api/ssps/{id}/versions"), Some(&s.officer), None).await.status, 409, "version 2 exists");
        let named = app.call("POST", &format!("/api/ssps/{id}/versions"), Some(&s.officer), Some(json!({ "version": "1.5" }))).await;
        assert_eq!(named.body["version"], "1.5");
        let listed = app.call("GET", &format!("/api/organizations/{}/ssps", s.org), Some(&s.viewer), None).await;
        assert_eq!(listed.body.as_array().unwrap().len(), 3);

        let audit = app.call("GET", "/api/audit?action=ssp.publish", Some(&s.admin), None).await;
        assert_eq!(audit.body["total"], 1);
        let audit = app.call("GET", "/api/audit?action=ssp.statement", Some(&s.admin), None).await;
        assert_eq!(audit.body["total"], 18, "each statement written, once each");
    }
);

db_test!(
    async fn bad_ssps_are_refused_naming_the_field_and_change_nothing(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        for (change, field) in [
            (json!({ "scope_type": "galaxy" }), "scope_type"),
            (json!({ "cage_codes": ["12"] }), "cage_codes[0]"),
            (json!({ "people": [{ "role": "system_owner", "name": "Pat", "email": "nope" }] }), "people[0].email"),
            (json!({ "people": [{ "role": "boss", "name": "Pat", "email": "pat@example.com" }] }), "people[0].role"),
            (json!({ "level": 4 }), "level"),
            (json!({ "name": " " }), "name"),
        ] {
            let mut body = new_ssp(2);
            body.as_object_mut().unwrap().extend(change.as_object().unwrap().clone());
            let answer = create(&app, &s, body).await;
            assert_eq!(answer.status, 400, "{change}: {:?}", answer.body);
            assert_eq!(answer.body["errors"][0]["field"], field, "{change}");
        }
        let listed = app.call("GET", &format!("/api/organizations/{}/ssps", s.org), Some(&s.officer), None).await;
        assert_eq!(listed.body, json!([]));
        assert_eq!(create(&app, &s, json!({ "name": "x" })).await.status, 400, "required fields");
        let as_viewer = app.call("POST", &format!("/api/organizations/{}/ssps", s.org), Some(&s.viewer), Some(new_ssp(2))).await;
        assert_eq!(as_viewer.status, 403, "viewers read SSPs but do not write them");
    }
);

db_test!(
    async fn an_assessment_names_the_ssp_it_assessed(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let ssp = create(&app, &s, new_ssp(2)).await.body["id"].as_str().unwrap().to_owned();
        let body = json!({ "org_id": s.org, "title": "FY26", "target_level": 2, "assessment_type": "self", "ssp_id": ssp });
        let assessment = app.call("POST", "/api/assessments", Some(&s.officer), Some(body)).await;
        assert_eq!(assessment.status, 201, "{:?}", assessment.body);
        assert_eq!(assessment.body["ssp_id"], ssp.as_str());
        let id = assessment.body["id"].as_str().unwrap();
        // CA.L2-3.12.4's answer (the SSP requirement) links to it; no other answer does.
        let answer = |practice: &str| format!("/api/assessments/{id}/practices/{practice}");
        let ssp_answer = app.call("GET", &answer("CA.L2-3.12.4"), Some(&s.officer), None).await;
        assert_eq!(ssp_answer.body["ssp_id"], ssp.as_str(), "{:?}", ssp_answer.body);
        let other_answer = app.call("GET", &answer("AC.L2-3.1.1"), Some(&s.officer), None).await;
        assert_eq!(other_answer.body["ssp_id"], Value::Null);

        let other = app.create_org(&s.admin, "Other").await;
        app.create_user(&s.admin, &other, "stranger", &["compliance_officer"]).await;
        let stranger = app.login("stranger", PASSWORD).await;
        let foreign = app
            .call("POST", &format!("/api/organizations/{other}/ssps"), Some(&stranger), Some(new_ssp(2)))
            .await;
        let foreign = foreign.body["id"].as_str().unwrap();
        assert_eq!(app.call("GET", &format!("/api/ssps/{foreign}"), Some(&s.officer), None).await.status, 404);
        for bad in [foreign.to_owned(), uuid::Uuid::new_v4().to_string()] {
            let patch = app.call("PATCH", &format!("/api/assessments/{id}"), Some(&s.officer), Some(json!({ "ssp_id": bad }))).await;
            assert_eq!(patch.status, 422, "{:?}", patch.body);
            assert_eq!(patch.body["errors"][0]["field"], "ssp_id");
        }
        let cleared = app.call("PATCH", &format!("/api/assessments/{id}"), Some(&s.officer), Some(json!({ "ssp_id": null }))).await;
        assert_eq!(cleared.body["ssp_id"], Value::Null);
    }
);
