//! The risk register: risks scored and banded, filtered and paged; raised
//! from a finding or an unmet practice; accepting and closing by their
//! rules; the heat map, the dashboard and the CSV export; links checked
//! against the organisation; tenant isolation and audit rows throughout.

use cmmc_tests::{PASSWORD, TestApp, db_test, spawn_app};
use serde_json::{Value, json};

struct Setup {
    admin: String,
    org: String,
    officer: String,
    officer_id: String,
    assessor: String,
    viewer: String,
    assessment: String,
}

async fn setup(app: &TestApp) -> Setup {
    let admin = app.admin_token().await;
    let org = app.create_org(&admin, "Acme").await;
    let officer_id = app.create_user(&admin, &org, "officer", &["compliance_officer"]).await;
    app.create_user(&admin, &org, "assessor", &["assessor", "c3pao_lead"]).await;
    app.create_user(&admin, &org, "viewer", &["viewer"]).await;
    let officer = app.login("officer", PASSWORD).await;
    let assessor = app.login("assessor", PASSWORD).await;
    let viewer = app.login("viewer", PASSWORD).await;
    let body =
        json!({ "org_id": org, "title": "FY27", "target_level": 2, "assessment_type": "self" });
    let created = app.call("POST", "/api/assessments", Some(&officer), Some(body)).await;
    let assessment = created.body["id"].as_str().unwrap().to_owned();
    let started = app
        .call("POST", &format!("/api/assessments/{assessment}/start"), Some(&officer), None)
        .await;
    assert_eq!(started.status, 200, "{:?}", started.body);
    Setup { admin, org, officer, officer_id, assessor, viewer, assessment }
}

async fn create(app: &TestApp, s: &Setup, body: Value) -> cmmc_tests::Answer {
    app.call("POST", &format!("/api/organizations/{}/risks", s.org), Some(&s.officer), Some(body))
        .await
}

async fn audit_total(app: &TestApp, admin: &str, action: &str) -> i64 {
    let audit = app.call("GET", &format!("/api/audit?action={action}"), Some(admin), None).await;
    audit.body["total"].as_i64().unwrap()
}

db_test!(
    async fn risks_are_scored_filtered_and_checked(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let body = json!({
            "title": " Stolen laptop ", "category": "physical", "likelihood": 3, "impact": 4,
            "owner_id": s.officer_id, "review_date": "2020-01-31",
            "practice_ids": ["MP.L2-3.8.6", "MP.L2-3.8.6"], "treatment_plan": "Encrypt disks"
        });
        let answer = create(&app, &s, body).await;
        assert_eq!(answer.status, 201, "{:?}", answer.body);
        let risk = answer.body;
        assert_eq!((risk["title"].as_str(), risk["score"].as_u64(), risk["band"].as_str()), (Some("Stolen laptop"), Some(12), Some("high")));
        assert_eq!((risk["status"].as_str(), risk["open"].as_bool()), (Some("identified"), Some(true)));
        assert_eq!(risk["practice_ids"], json!(["MP.L2-3.8.6"]));
        for (likelihood, impact, band) in [(1, 4, "low"), (1, 5, "medium"), (3, 3, "medium"), (2, 5, "high"), (4, 4, "critical"), (5, 5, "critical")] {
            let body = json!({ "title": format!("R {likelihood}x{impact}"), "category": "cyber", "likelihood": likelihood, "impact": impact });
            assert_eq!(create(&app, &s, body).await.body["band"], band);
        }
        // Bad fields are 400 naming them; what the organisation lacks is 422; nothing is written.
        for (body, status, field) in [
            (json!({ "title": "x", "category": "c", "likelihood": 0, "impact": 3 }), 400, "likelihood"),
            (json!({ "title": "x", "category": "c", "likelihood": 2, "impact": 6 }), 400, "impact"),
            (json!({ "title": " ", "category": "c", "likelihood": 2, "impact": 2 }), 400, "title"),
            (json!({ "title": "x", "likelihood": 2, "impact": 2 }), 422, "category"),
            (json!({ "category": "c", "likelihood": 2, "impact": 2 }), 422, "title"),
            (json!({ "title": "x", "category": "c", "likelihood": 2, "impact": 2, "status": "open" }), 400, "status"),
            (json!({ "title": "x", "category": "c", "likelihood": 2, "impact": 2, "practice_ids": ["ZZ.L2-9.9.9"] }), 422, "practice_ids"),
            (json!({ "title": "x", "category": "c", "likelihood": 2, "impact": 2, "finding_ids": ["nope"] }), 422, "finding_ids"),
            (json!({ "title": "x", "category": "c", "likelihood": 2, "impact": 2, "asset_ids": ["nope"] }), 422, "asset_ids"),
            (json!({ "title": "x", "category": "c", "likelihood": 2, "impact": 2, "owner_id": "nope" }), 422, "owner_id"),
            (json!({ "title": "x", "category": "c", "likelihood": 2, "impact": 2, "status": "accepted" }), 422, "acceptance_reason"),
        ] {
            let answer = create(&app, &s, body.clone()).await;
            assert_eq!((answer.status, answer.body["errors"][0]["field"].as_str()), (status, Some(field)), "{body}");
        }
        let list = format!("/api/organizations/{}/risks", s.org);
        let all = app.call("GET", &list, Some(&s.viewer), None).await.body;
        assert_eq!(all["total"], 7);
        assert_eq!(all["items"][0]["score"], 25, "highest score first");
        let critical = app.call("GET", &format!("{list}?band=critical"), Some(&s.viewer), None).await.body;
        assert_eq!(critical["total"], 2);
        let owned = app.call("GET", &format!("{list}?owner_id={}&category=physical", s.officer_id), Some(&s.viewer), None).await.body;
        assert_eq!(owned["total"], 1);
        assert_eq!(app.call("GET", &format!("{list}?band=huge"), Some(&s.viewer), None).await.status, 400);
        let paged = app.call("GET", &format!("{list}?per_page=2&page=2"), Some(&s.viewer), None).await.body;
        assert_eq!(paged["items"].as_array().unwrap().len(), 2);

        // Who may: the viewer reads but cannot write; an assessor cannot keep the register.
        let body = json!({ "title": "x", "category": "c", "likelihood": 2, "impact": 2 });
        assert_eq!(app.call("POST", &list, Some(&s.viewer), Some(body.clone())).await.status, 403);
        assert_eq!(app.call("POST", &list, Some(&s.assessor), Some(body)).await.status, 403);

        // The heat map counts open risks; the dashboard shows bands and past reviews.
        let heat = app.call("GET", &format!("{list}/heatmap"), Some(&s.viewer), None).await.body;
        assert_eq!((heat["grid"][2][3].as_u64(), heat["grid"][4][4].as_u64(), heat["total_open"].as_u64()), (Some(1), Some(1), Some(7)));
        let dashboard = app.call("GET", &format!("/api/organizations/{}/dashboard", s.org), Some(&s.viewer), None).await.body;
        assert_eq!(dashboard["risks"]["open_by_band"], json!({ "low": 1, "medium": 2, "high": 2, "critical": 2 }));
        assert_eq!(dashboard["risks"]["past_review"][0]["title"], "Stolen laptop");

        // Another organisation sees nothing and reaches nothing.
        let other = app.create_org(&s.admin, "Other").await;
        app.create_user(&s.admin, &other, "stranger", &["org_admin"]).await;
        let stranger = app.login("stranger", PASSWORD).await;
        let id = risk["id"].as_str().unwrap();
        assert_eq!(app.call("GET", &format!("/api/risks/{id}"), Some(&stranger), None).await.status, 404);
        assert_eq!(app.call("PATCH", &format!("/api/risks/{id}"), Some(&stranger), Some(json!({ "impact": 1 }))).await.status, 404);
        assert_eq!(app.call("DELETE", &format!("/api/risks/{id}"), Some(&stranger), None).await.status, 404);
        assert_eq!(app.call("GET", &list, Some(&stranger), None).await.status, 404);
        let theirs = format!("/api/organizations/{other}/risks");
        let owner_elsewhere = json!({ "title": "x", "category": "c", "likelihood": 2, "impact": 2, "owner_id": s.officer_id });
        assert_eq!(app.call("POST", &theirs, Some(&stranger), Some(owner_elsewhere)).await.status, 422);
        assert_eq!(audit_total(&app, &s.admin, "risk.create").await, 7);

        // The export reads back with a real CSV reader.
        let url = format!("{}{list}/export", app.address);
        let response = app.client.get(url).bearer_auth(&s.officer).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let text = response.text().await.unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), cmmc_domain::risk::CSV_COLUMNS);
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 7);
        let laptop = rows.iter().find(|r| &r[1] == "Stolen laptop").unwrap();
        assert_eq!((&laptop[6], &laptop[7], &laptop[9], &laptop[13]), ("12", "high", "officer", "MP.L2-3.8.6"));
        assert_eq!(audit_total(&app, &s.admin, "risk.export").await, 1);
    }
);

db_test!(
    async fn risks_are_raised_accepted_and_closed_by_the_rules(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        // From a finding: prefilled and linked.
        let finding = app.call("POST", &format!("/api/assessments/{}/findings", s.assessment), Some(&s.officer), Some(json!({ "finding_type": "deficiency", "severity": "high", "title": "No MFA for admins", "description": "Admins sign in with a password only", "practice_id": "IA.L2-3.5.3" }))).await;
        assert_eq!(finding.status, 201, "{:?}", finding.body);
        let finding_id = finding.body["id"].as_str().unwrap().to_owned();
        let raised = create(&app, &s, json!({ "likelihood": 4, "impact": 5, "from_finding_id": finding_id })).await;
        assert_eq!(raised.status, 201, "{:?}", raised.body);
        assert_eq!((raised.body["title"].as_str(), raised.body["category"].as_str()), (Some("No MFA for admins"), Some("compliance")));
        assert_eq!((raised.body["finding_ids"].clone(), raised.body["practice_ids"].clone()), (json!([finding_id]), json!(["IA.L2-3.5.3"])));
        // From an unmet practice; a met one is refused.
        let practice = format!("/api/assessments/{}/practices/AC.L2-3.1.1", s.assessment);
        let answered = app.call("PATCH", &practice, Some(&s.officer), Some(json!({ "status": "not_met" }))).await;
        assert_eq!(answered.status, 200, "{:?}", answered.body);
        let from_practice = json!({ "likelihood": 2, "impact": 3, "from_practice": { "assessment_id": s.assessment, "practice_id": "AC.L2-3.1.1" } });
        let raised_p = create(&app, &s, from_practice).await;
        assert_eq!(raised_p.status, 201, "{:?}", raised_p.body);
        assert!(raised_p.body["title"].as_str().unwrap().starts_with("AC.L2-3.1.1 not met"));
        assert_eq!(raised_p.body["practice_ids"], json!(["AC.L2-3.1.1"]));
        let met = json!({ "likelihood": 2, "impact": 3, "from_practice": { "assessment_id": s.assessment, "practice_id": "AC.L2-3.1.2" } });
        let refused = create(&app, &s, met).await;
        assert_eq!((refused.status, refused.body["errors"][0]["field"].as_str()), (422, Some("from_practice")));

        // A POA&M item linked: closing waits for it, or for acceptance.
        let poam = app.call("POST", "/api/poams", Some(&s.officer), Some(json!({ "assessment_id": s.assessment, "title": "Plan" }))).await;
        let poam_id = poam.body["id"].as_str().unwrap().to_owned();
        let item = app.call("POST", &format!("/api/poams/{poam_id}/items"), Some(&s.officer), Some(json!({ "milestone": "Roll out MFA", "practice_id": "IA.L2-3.5.3" }))).await;
        let item_id = item.body["id"].as_str().unwrap().to_owned();
        let risk_url = format!("/api/risks/{}", raised.body["id"].as_str().unwrap());
        let linked = app.call("PATCH", &risk_url, Some(&s.officer), Some(json!({ "poam_item_ids": [item_id], "status": "mitigating" }))).await;
        assert_eq!(linked.status, 200, "{:?}", linked.body);
        let closing = app.call("PATCH", &risk_url, Some(&s.officer), Some(json!({ "status": "closed" }))).await;
        assert_eq!((closing.status, closing.body["errors"][0]["field"].as_str()), (422, Some("status")));
        assert_eq!(app.call("GET", &risk_url, Some(&s.viewer), None).await.body["status"], "mitigating", "a refusal changes nothing");
        let done = app.call("PATCH", &format!("/api/poams/{poam_id}/items/{item_id}"), Some(&s.officer), Some(json!({ "status": "completed" }))).await;
        assert_eq!(done.status, 200, "{:?}", done.body);
        let closed = app.call("PATCH", &risk_url, Some(&s.officer), Some(json!({ "status": "closed" }))).await;
        assert_eq!((closed.status, closed.body["open"].as_bool()), (200, Some(false)));

        // Accepting needs a reason and risk.accept; then closing is allowed with open items.
        let other_item = app.call("POST", &format!("/api/poams/{poam_id}/items"), Some(&s.officer), Some(json!({ "milestone": "Review" }))).await;
        let other_item_id = other_item.body["id"].as_str().unwrap().to_owned();
        let p_url = format!("/api/risks/{}", raised_p.body["id"].as_str().unwrap());
        let link = app.call("PATCH", &p_url, Some(&s.officer), Some(json!({ "poam_item_ids": [other_item_id] }))).await;
        assert_eq!(link.status, 200);
        let no_reason = app.call("PATCH", &p_url, Some(&s.officer), Some(json!({ "status": "accepted" }))).await;
        assert_eq!((no_reason.status, no_reason.body["errors"][0]["field"].as_str()), (422, Some("acceptance_reason")));
        let accept = json!({ "status": "accepted", "acceptance_reason": "Compensated by a VPN" });
        assert_eq!(app.call("PATCH", &p_url, Some(&s.viewer), Some(accept.clone())).await.status, 403);
        let accepted = app.call("PATCH", &p_url, Some(&s.officer), Some(accept)).await;
        assert_eq!((accepted.status, accepted.body["acceptance_reason"].as_str()), (200, Some("Compensated by a VPN")));
        let closed = app.call("PATCH", &p_url, Some(&s.officer), Some(json!({ "status": "closed" }))).await;
        assert_eq!(closed.status, 200, "{:?}", closed.body);

        // Deleting a linked POA&M item drops the link; deleting a risk is audited.
        assert_eq!(app.call("DELETE", &format!("/api/poams/{poam_id}/items/{other_item_id}"), Some(&s.officer), None).await.status, 204);
        assert_eq!(app.call("GET", &p_url, Some(&s.viewer), None).await.body["poam_item_ids"], json!([]));
        assert_eq!(app.call("DELETE", &p_url, Some(&s.viewer), None).await.status, 403);
        assert_eq!(app.call("DELETE", &p_url, Some(&s.officer), None).await.status, 204);
        assert_eq!(app.call("GET", &p_url, Some(&s.officer), None).await.status, 404);
        assert_eq!(audit_total(&app, &s.admin, "risk.update").await, 5, "refusals write nothing");
        assert_eq!(audit_total(&app, &s.admin, "risk.delete").await, 1);
        let audit = app.call("GET", "/api/audit?action=risk.update&per_page=50", Some(&s.admin), None).await.body;
        let acceptance = audit["items"].as_array().unwrap().iter().find(|e| e["details"]["after"]["status"] == "accepted").unwrap().clone();
        assert_eq!(acceptance["details"]["before"]["status"], "identified");
    }
);
