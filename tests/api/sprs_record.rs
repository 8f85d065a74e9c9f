//! The SPRS record of a completed assessment, against a scenario worked out
//! by hand: a Level 2 self-assessment with two one-point requirements not
//! met (AC.L2-3.1.8 and AC.L2-3.1.9), both on the POA&M, so 110 - 2 = 108,
//! which is at least 88 with every gap POA&M-eligible: a Conditional status
//! for 180 days from the day it was completed, the plan complete when its
//! latest item is (in 90 days), and the SSP's name, version, date and CAGE
//! code carried over.

use cmmc_tests::{PASSWORD, TestApp, db_test, spawn_app};
use serde_json::json;

/// A published Level 2 SSP version with a statement for every requirement.
async fn published_ssp(app: &TestApp, token: &str, org: &str, practices: &[String]) -> String {
    let body = json!({
        "name": "CUI enclave SSP", "version": "1", "level": 2, "system_description": "The enclave.",
        "scope_type": "enclave", "boundary_description": "VLAN 20.", "cage_codes": ["1abc2"],
        "people": [
            { "role": "system_owner", "name": "Pat Doe", "email": "pat@example.com" },
            { "role": "security_official", "name": "Sam Lee", "email": "sam@example.com" }
        ]
    });
    let ssp =
        app.call("POST", &format!("/api/organizations/{org}/ssps"), Some(token), Some(body)).await;
    let ssp = ssp.body["id"].as_str().unwrap().to_owned();
    let statement =
        json!({ "implementation_status": "implemented", "narrative": "As the policy says." });
    for practice in practices {
        let url = format!("/api/ssps/{ssp}/statements/{practice}");
        assert_eq!(app.call("PUT", &url, Some(token), Some(statement.clone())).await.status, 201);
    }
    let published = app.call("POST", &format!("/api/ssps/{ssp}/publish"), Some(token), None).await;
    assert_eq!(published.status, 200, "{:?}", published.body);
    ssp
}

db_test!(
    async fn a_conditional_level_2_record_carries_the_numbers_worked_out_by_hand(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let admin = app.admin_token().await;
        let org = app.create_org(&admin, "Acme").await;
        app.create_user(&admin, &org, "officer", &["compliance_officer", "assessor"]).await;
        let officer = app.login("officer", PASSWORD).await;
        let catalogue = app.call("GET", "/api/cmmc/practices?level=2", None, None).await;
        let items = catalogue.body["items"].as_array().or_else(|| catalogue.body.as_array()).unwrap().clone();
        let practices: Vec<String> = items.iter().map(|p| p["practice_id"].as_str().unwrap().to_owned()).collect();
        assert_eq!(practices.len(), 110);
        let ssp = published_ssp(&app, &officer, &org, &practices).await;

        let body = json!({ "org_id": org, "title": "FY26", "target_level": 2, "assessment_type": "self", "ssp_id": ssp });
        let id = app.call("POST", "/api/assessments", Some(&officer), Some(body)).await.body["id"].as_str().unwrap().to_owned();
        assert_eq!(app.call("POST", &format!("/api/assessments/{id}/start"), Some(&officer), None).await.status, 200);
        for practice in &practices {
            let status = if ["AC.L2-3.1.8", "AC.L2-3.1.9"].contains(&practice.as_str()) { "not_met" } else { "met" };
            let url = format!("/api/assessments/{id}/practices/{practice}");
            let answer = app.call("PATCH", &url, Some(&officer), Some(json!({ "status": status }))).await;
            assert_eq!(answer.status, 200, "{practice}: {:?}", answer.body);
        }
        let today = chrono::Utc::now().date_naive();
        let poam = app.call("POST", "/api/poams", Some(&officer), Some(json!({ "assessment_id": id, "title": "Logon controls" }))).await;
        let poam = poam.body["id"].as_str().unwrap().to_owned();
        let mut items = Vec::new();
        for (practice, days) in [("AC.L2-3.1.8", 60), ("AC.L2-3.1.9", 90)] {
            let due = (today + chrono::Days::new(days)).to_string();
            let body = json!({ "milestone": format!("Fix {practice}"), "practice_id": practice, "scheduled_completion": due });
            let item = app.call("POST", &format!("/api/poams/{poam}/items"), Some(&officer), Some(body)).await;
            assert_eq!(item.status, 201, "{:?}", item.body);
            items.push(item.body["id"].as_str().unwrap().to_owned());
        }
        let record_url = format!("/api/assessments/{id}/sprs-record");
        let early = app.call("GET", &record_url, Some(&officer), None).await;
        assert_eq!(early.status, 409, "not completed yet: {:?}", early.body);
        for step in ["submit", "complete"] {
            let answer = app.call("POST", &format!("/api/assessments/{id}/{step}"), Some(&officer), None).await;
            assert_eq!(answer.status, 200, "{step}: {:?}", answer.body);
        }

        let record = app.call("GET", &record_url, Some(&officer), None).await;
        assert_eq!(record.status, 200, "{:?}", record.body);
        let r = &record.body;
        let day = |n: u64| (today + chrono::Days::new(n)).to_string();
        assert_eq!(r["standard"], "NIST SP 800-171 Rev 2");
        assert_eq!(r["assessing_organization"], "self");
        assert_eq!(r["summary_score"], 108, "110 - 1 - 1");
        assert_eq!(r["cmmc_status"], "conditional", "108 >= 88 and both gaps may be on a POA&M");
        assert_eq!(r["assessment_date"], today.to_string());
        assert_eq!(r["status_date"], today.to_string());
        assert_eq!(r["plan_completion_date"], day(90), "the latest open item");
        assert_eq!(r["validity_end"], day(180));
        assert_eq!(r["closeout_deadline"], day(180));
        assert_eq!(r["scope"], "Enclave");
        assert_eq!(r["cage_codes"], json!(["1ABC2"]));
        assert_eq!((r["ssp_name"].as_str(), r["ssp_version"].as_str()), (Some("CUI enclave SSP"), Some("1")));
        assert_eq!(r["ssp_date"], today.to_string());
        assert_eq!(r["level"], 2);

        let text = app.client.get(format!("{}{record_url}?format=text", app.address)).bearer_auth(&officer).send().await.unwrap();
        assert_eq!(text.headers()["content-type"], "text/plain; charset=utf-8");
        let text = text.text().await.unwrap();
        assert!(text.contains("Summary score: 108\n") && text.contains(&format!("POA&M closeout deadline: {}\n", day(180))), "{text}");
        assert_eq!(app.call("GET", &format!("{record_url}?format=pdf"), Some(&officer), None).await.status, 400);

        // An item moved past the closeout deadline makes the record invalid.
        let late = json!({ "scheduled_completion": day(200) });
        let moved = app.call("PATCH", &format!("/api/poams/{poam}/items/{}", items[1]), Some(&officer), Some(late)).await;
        assert_eq!(moved.status, 200, "{:?}", moved.body);
        let refused = app.call("GET", &record_url, Some(&officer), None).await;
        assert_eq!(refused.status, 409);
        assert!(refused.body["detail"].as_str().unwrap().contains("within 180 days"), "{:?}", refused.body);
        let audit = app.call("GET", "/api/audit?action=assessment.sprs_record", Some(&admin), None).await;
        assert_eq!(audit.body["total"], 2, "each record produced is audited; refusals are not");
    }
);
