//! The POA&M closeout of a Conditional status (32 CFR 170.21(b)) and the
//! affirmation that follows it, made by a senior official in their own name
//! (32 CFR 170.22).

use cmmc_tests::{PASSWORD, TestApp, db_test, spawn_app};
use serde_json::{Value, json};

struct Conditional {
    admin: String,
    org: String,
    officer: String,
    officer_id: String,
    assessment: String,
    poam: String,
}

/// A completed Level 2 self-assessment, Conditional at 105 (AC.L2-3.1.8 and
/// AC.L2-3.1.9 not met, 1 point each; SC.L2-3.13.11 partially met, 3
/// points), with a POA&M whose one item names AC.L2-3.1.8 only.
async fn conditional(app: &TestApp) -> Conditional {
    let admin = app.admin_token().await;
    let org = app.create_org(&admin, "Acme").await;
    let officer_id =
        app.create_user(&admin, &org, "officer", &["compliance_officer", "assessor"]).await;
    let officer = app.login("officer", PASSWORD).await;
    let body =
        json!({ "org_id": org, "title": "FY26", "target_level": 2, "assessment_type": "self" });
    let created = app.call("POST", "/api/assessments", Some(&officer), Some(body)).await;
    let assessment = created.body["id"].as_str().unwrap().to_owned();
    let start = format!("/api/assessments/{assessment}/start");
    assert_eq!(app.call("POST", &start, Some(&officer), None).await.status, 200);
    let catalogue = app.call("GET", "/api/cmmc/practices?level=2", None, None).await;
    let items =
        catalogue.body["items"].as_array().or_else(|| catalogue.body.as_array()).unwrap().clone();
    for p in &items {
        let practice = p["practice_id"].as_str().unwrap();
        let status = match practice {
            "AC.L2-3.1.8" | "AC.L2-3.1.9" => "not_met",
            "SC.L2-3.13.11" => "partially_met",
            _ => "met",
        };
        let body = if status == "not_met" {
            json!({ "status": status, "objectives": { "a": "met", "b": "not_met" } })
        } else {
            json!({ "status": status })
        };
        let url = format!("/api/assessments/{assessment}/practices/{practice}");
        let answer = app.call("PATCH", &url, Some(&officer), Some(body)).await;
        assert_eq!(answer.status, 200, "{practice}: {:?}", answer.body);
    }
    let poam = json!({ "assessment_id": assessment, "title": "Logon controls" });
    let poam = app.call("POST", "/api/poams", Some(&officer), Some(poam)).await;
    let poam = poam.body["id"].as_str().unwrap().to_owned();
    add_item(app, &officer, &poam, "AC.L2-3.1.8").await;
    for step in ["submit", "complete"] {
        let url = format!("/api/assessments/{assessment}/{step}");
        let answer = app.call("POST", &url, Some(&officer), None).await;
        assert_eq!(answer.status, 200, "{step}: {:?}", answer.body);
    }
    Conditional { admin, org, officer, officer_id, assessment, poam }
}

async fn add_item(app: &TestApp, token: &str, poam: &str, practice: &str) -> String {
    let due = (chrono::Utc::now().date_naive() + chrono::Days::new(60)).to_string();
    let body = json!({ "milestone": format!("Fix {practice}"), "practice_id": practice, "scheduled_completion": due });
    let item = app.call("POST", &format!("/api/poams/{poam}/items"), Some(token), Some(body)).await;
    assert_eq!(item.status, 201, "{:?}", item.body);
    item.body["id"].as_str().unwrap().to_owned()
}

async fn complete_items(app: &TestApp, c: &Conditional) {
    let poam = app.call("GET", &format!("/api/poams/{}", c.poam), Some(&c.officer), None).await;
    let today = chrono::Utc::now().date_naive().to_string();
    for item in poam.body["items"].as_array().unwrap() {
        let url = format!("/api/poams/{}/items/{}", c.poam, item["id"].as_str().unwrap());
        let done = json!({ "status": "completed", "actual_completion": today });
        let answer = app.call("PATCH", &url, Some(&c.officer), Some(done)).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
    }
}

fn day(offset: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(offset)).to_string()
}

db_test!(
    async fn a_closeout_makes_a_conditional_status_final_once_every_item_is_done(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let c = conditional(&app).await;
        let url = format!("/api/assessments/{}/closeout", c.assessment);
        let assessment = app.call("GET", &format!("/api/assessments/{}", c.assessment), Some(&c.officer), None).await.body;
        let score = app.call("GET", &format!("/api/assessments/{}/score", c.assessment), Some(&c.officer), None).await.body;
        assert_eq!((assessment["cmmc_status"].as_str(), assessment["sprs_score"].as_i64()), (Some("conditional"), Some(105)), "{score}");
        assert_eq!(assessment["closed_out_at"], Value::Null);

        let refused = app.call("POST", &url, Some(&c.officer), None).await;
        assert_eq!(refused.status, 409, "{:?}", refused.body);
        let detail = refused.body["detail"].as_str().unwrap();
        assert!(detail.contains("no POA&M item names AC.L2-3.1.9, SC.L2-3.13.11"), "partially met counts as open: {detail}");
        assert!(detail.contains("POA&M items are not completed for AC.L2-3.1.8"), "{detail}");
        add_item(&app, &c.officer, &c.poam, "AC.L2-3.1.9").await;
        add_item(&app, &c.officer, &c.poam, "SC.L2-3.13.11").await;
        let unrelated = json!({ "milestone": "Tidy the wiki" });
        let unrelated = app.call("POST", &format!("/api/poams/{}/items", c.poam), Some(&c.officer), Some(unrelated)).await;
        assert_eq!(unrelated.status, 201, "{:?}", unrelated.body);
        let pending = app.call("POST", &url, Some(&c.officer), None).await;
        assert!(pending.body["detail"].as_str().unwrap().contains("1 other POA&M item(s) are not completed"), "{:?}", pending.body);
        complete_items(&app, &c).await;
        let unchanged = app.call("GET", &format!("/api/assessments/{}", c.assessment), Some(&c.officer), None).await.body;
        assert_eq!(unchanged["cmmc_status"], "conditional", "a refusal changes nothing");

        app.create_user(&c.admin, &c.org, "viewer", &["viewer"]).await;
        let viewer = app.login("viewer", PASSWORD).await;
        assert_eq!(app.call("POST", &url, Some(&viewer), None).await.status, 403);
        app.create_user(&c.admin, &c.org, "orgadmin", &["org_admin"]).await;
        let org_admin = app.login("orgadmin", PASSWORD).await;
        assert_eq!(app.call("POST", &url, Some(&org_admin), None).await.status, 403, "a closeout records evaluations");
        let other = app.create_org(&c.admin, "Other").await;
        app.create_user(&c.admin, &other, "stranger", &["compliance_officer"]).await;
        let stranger = app.login("stranger", PASSWORD).await;
        assert_eq!(app.call("POST", &url, Some(&stranger), None).await.status, 404);

        let closed = app.call("POST", &url, Some(&c.officer), None).await;
        assert_eq!(closed.status, 200, "{:?}", closed.body);
        let a = &closed.body;
        assert_eq!(a["cmmc_status"], "final");
        assert_eq!(a["sprs_score"], 110, "both requirements are met after closeout");
        assert_eq!(a["closed_out_by"], c.officer_id.as_str());
        assert!(a["closed_out_at"].as_str().unwrap().starts_with(&day(0)));
        assert_eq!(a["completed_at"], assessment["completed_at"], "the status date stays the Conditional one");
        assert_eq!(app.call("POST", &url, Some(&c.officer), None).await.status, 409, "once only");

        let practice = app.call("GET", &format!("/api/assessments/{}/practices/AC.L2-3.1.8", c.assessment), Some(&c.officer), None).await.body;
        assert_eq!(practice["status"], "met");
        assert_eq!(practice["evaluated_by"], c.officer_id.as_str());
        assert_eq!(practice["score"], 1.0, "the score follows the status");
        let partial = app.call("GET", &format!("/api/assessments/{}/practices/SC.L2-3.13.11", c.assessment), Some(&c.officer), None).await.body;
        assert_eq!(partial["status"], "met");
        let objectives = practice["objectives"].as_array().unwrap();
        assert!(objectives.iter().all(|o| o["status"] != "not_met"), "{objectives:?}");
        let poam = app.call("GET", &format!("/api/poams/{}", c.poam), Some(&c.officer), None).await.body;
        assert_eq!(poam["status"], "completed");
        let score = app.call("GET", &format!("/api/assessments/{}/score", c.assessment), Some(&c.officer), None).await.body;
        assert_eq!((score["sprs_score"].as_i64(), score["cmmc_status"].as_str()), (Some(110), Some("final")));

        let compliance = app.call("GET", &format!("/api/organizations/{}/compliance", c.org), Some(&c.officer), None).await.body;
        assert_eq!(compliance["cmmc_status"], "final");
        assert_eq!(compliance["sprs_score"], 110);
        let three_years = (chrono::Utc::now().date_naive() + chrono::Months::new(36)).to_string();
        assert_eq!(compliance["validity_end"], three_years, "3 years from the Conditional status date");
        assert_eq!(compliance["next_affirmation_due"], day(0), "an affirmation follows the closeout");
        let kinds: Vec<&str> = compliance["problems"].as_array().unwrap().iter().map(|p| p["kind"].as_str().unwrap()).collect();
        assert!(!kinds.contains(&"closeout_due"), "{kinds:?}");

        let audit = app.call("GET", "/api/audit?action=assessment.closeout", Some(&c.admin), None).await.body;
        assert_eq!(audit["total"], 1);
        let details = &audit["items"][0]["details"];
        assert_eq!(details["practices"], json!(["AC.L2-3.1.8", "AC.L2-3.1.9", "SC.L2-3.13.11"]));
        assert_eq!(details["sprs_score"], json!({ "before": 105, "after": 110 }));
    }
);

db_test!(
    async fn a_senior_official_affirms_in_their_own_name_only(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let c = conditional(&app).await;
        let ceo_id = app.create_user(&c.admin, &c.org, "ceo", &["viewer"]).await;
        let ceo = app.login("ceo", PASSWORD).await;
        let affirmations = format!("/api/organizations/{}/affirmations", c.org);
        let affirm = |user: &str| json!({ "assessment_id": c.assessment, "official_user_id": user, "official_name": "Jordan Smith", "official_title": "CEO", "official_email": "ceo@example.com" });

        let not_yet = app.call("POST", &affirmations, Some(&ceo), Some(affirm(&ceo_id))).await;
        assert_eq!(not_yet.status, 422, "not marked yet: {:?}", not_yet.body);
        assert_eq!(not_yet.body["errors"][0]["field"], "official_user_id");
        let as_named = app.call("POST", &affirmations, Some(&ceo), Some(json!({ "official_name": "Jordan Smith", "official_title": "CEO", "official_email": "ceo@example.com" }))).await;
        assert_eq!(as_named.status, 403, "a viewer records no one else's affirmation");

        let user_url = format!("/api/organizations/{}/users/{ceo_id}", c.org);
        let refused = app.call("PATCH", &user_url, Some(&c.officer), Some(json!({ "senior_official": true }))).await;
        assert_eq!(refused.status, 403, "marking is for whoever manages users");
        let marked = app.call("PATCH", &user_url, Some(&c.admin), Some(json!({ "senior_official": true }))).await;
        assert_eq!(marked.status, 200, "{:?}", marked.body);
        assert_eq!(marked.body["senior_official"], true);
        let audit = app.call("GET", &format!("/api/audit?action=user.update&resource_id={ceo_id}"), Some(&c.admin), None).await.body;
        assert_eq!(audit["items"][0]["details"]["senior_official"], json!({ "before": false, "after": true }));

        let mut other_address = affirm(&ceo_id);
        other_address["official_email"] = json!("jordan.smith@example.com");
        let refused = app.call("POST", &affirmations, Some(&ceo), Some(other_address)).await;
        assert_eq!((refused.status, refused.body["errors"][0]["field"].as_str()), (422, Some("official_email")), "one's own address only");
        let for_someone = app.call("POST", &affirmations, Some(&c.officer), Some(affirm(&ceo_id))).await;
        assert_eq!(for_someone.status, 422, "nobody affirms in another user's name: {:?}", for_someone.body);
        let made = app.call("POST", &affirmations, Some(&ceo), Some(affirm(&ceo_id))).await;
        assert_eq!(made.status, 201, "{:?}", made.body);
        assert_eq!(made.body["official_user_id"], ceo_id.as_str());
        assert_eq!(made.body["made_by"], ceo_id.as_str());
        let listed = app.call("GET", &affirmations, Some(&ceo), None).await.body;
        assert_eq!(listed.as_array().unwrap().len(), 1, "the refusals left nothing behind");

        let unmarked = app.call("PATCH", &user_url, Some(&c.admin), Some(json!({ "senior_official": false }))).await;
        assert_eq!(unmarked.body["senior_official"], false);
        let again = app.call("POST", &affirmations, Some(&ceo), Some(affirm(&ceo_id))).await;
        assert_eq!(again.status, 422);
    }
);
