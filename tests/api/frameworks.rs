//! The framework crosswalks through the API (public, from memory) and an
//! assessment's readiness projections onto SP 800-171 Rev 3 and SP 800-53
//! Rev 5, whose expected states the test works out itself from the
//! source data.

use std::collections::{BTreeMap, HashMap};

use cmmc_tests::{PASSWORD, TestApp, db_test, project_root, spawn_app};
use serde_json::{Value, json};

fn source() -> Value {
    let path =
        project_root().join("data").join("frameworks").join("source").join("crosswalks.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn find<'a>(list: &'a Value, framework: &str, id: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|m| m["framework"] == framework && m["requirement_id"] == id)
        .unwrap_or_else(|| panic!("no {framework} {id} in {list}"))
}

db_test!(
    async fn the_crosswalks_are_served_both_ways(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let (status, frameworks, _) = app.get("/api/frameworks").await;
        assert_eq!(status, 200);
        let ids: Vec<&str> = frameworks.as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["cmmc", "sp800-171r2", "sp800-171r3", "sp800-53r4", "sp800-53r5", "iso27001-2013", "iso27001-2022"]);
        let count = |id: &str| frameworks.as_array().unwrap().iter().find(|f| f["id"] == id).unwrap()["requirements"].as_u64();
        assert_eq!((count("cmmc"), count("sp800-171r2"), count("sp800-171r3")), (Some(151), Some(110), Some(97)));

        let (_, r3, _) = app.get("/api/frameworks/sp800-171r3/requirements").await;
        assert_eq!(r3.as_array().unwrap().len(), 97);
        assert_eq!(r3[0], json!({ "id": "03.01.01", "title": "Account Management", "family": "03.01 Access Control" }));
        let (_, r2, _) = app.get("/api/frameworks/sp800-171r2/requirements").await;
        assert_eq!((r2[0]["id"].as_str(), r2[0]["title"].as_str()), (Some("3.1.1"), Some("Authorized Access Control")));
        let (status, problem, _) = app.get("/api/frameworks/sp800-999/requirements").await;
        assert_eq!((status, problem["type"].as_str()), (404, Some("/problems/not-found")));

        // A practice's mappings, direct and derived.
        let (status, m, _) = app.get("/api/cmmc/practices/AC.L2-3.1.1/mappings").await;
        assert_eq!(status, 200);
        assert_eq!((find(&m, "sp800-171r2", "3.1.1")["relationship"].as_str(), find(&m, "sp800-171r2", "3.1.1")["kind"].as_str()), (Some("equivalent"), Some("direct")));
        let r3 = find(&m, "sp800-171r3", "03.01.01");
        assert_eq!((r3["relationship"].as_str(), r3["change_rating"].as_str()), (Some("carried_forward"), Some("significant")));
        assert_eq!(find(&m, "sp800-53r4", "AC-17")["kind"], "direct");
        assert_eq!(find(&m, "sp800-53r5", "AC-2(13)")["kind"], "derived");
        assert_eq!(find(&m, "iso27001-2013", "A.9.2.1")["note"], "via AC-2");
        let iso = find(&m, "iso27001-2022", "A.5.16");
        assert_eq!((iso["kind"].as_str(), iso["note"].as_str()), (Some("derived"), Some("via AC-2")));
        let src = source();
        let r4 = src["sp800_171r2_to_sp800_53"]["3.1.1"]["r4"].as_array().unwrap().len();
        assert_eq!(m.as_array().unwrap().iter().filter(|x| x["framework"] == "sp800-53r4").count(), r4);
        // Appendix D's "does not fully satisfy" marker: partial only when every path says so.
        let (_, partial, _) = app.get("/api/cmmc/practices/IR.L2-3.6.1/mappings").await;
        let only_partial = find(&partial, "iso27001-2013", "A.7.2.2");
        assert_eq!((only_partial["relationship"].as_str(), only_partial["note"].as_str()), (Some("partially_maps_to"), Some("via IR-2")));
        let (_, mixed, _) = app.get("/api/cmmc/practices/AT.L2-3.2.1/mappings").await;
        assert_eq!(find(&mixed, "iso27001-2013", "A.7.2.2")["note"], "via AT-2, AT-3");
        assert_eq!(find(&mixed, "iso27001-2013", "A.7.2.2")["relationship"], "maps_to", "AT-2 satisfies it fully");
        let (_, l1, _) = app.get("/api/cmmc/practices/AC.L1-3.1.1/mappings").await;
        assert_eq!(l1, json!([]));
        assert_eq!(app.get("/api/cmmc/practices/AC.L2-9.9.9/mappings").await.0, 404);

        // The reverse: which practices feed a Rev 3 requirement.
        let (_, back, _) = app.get("/api/frameworks/sp800-171r3/requirements/03.01.01/mappings").await;
        let mut practices: Vec<&str> = back.as_array().unwrap().iter().map(|x| x["practice_id"].as_str().unwrap()).collect();
        practices.sort_unstable();
        let expected: Vec<String> = src["sp800_171r3_to_sp800_171r2"]["03.01.01"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_owned()).collect();
        assert_eq!(practices.len(), expected.len());
        for r2 in &expected {
            assert!(practices.iter().any(|p| p.ends_with(&format!("-{r2}"))), "{r2} in {practices:?}");
        }
        let (_, control, _) = app.get("/api/frameworks/sp800-53r5/requirements/AC-2(13)/mappings").await;
        assert!(control.as_array().unwrap().iter().any(|x| x["practice_id"] == "AC.L2-3.1.1" && x["kind"] == "derived"));
        assert_eq!(app.get("/api/frameworks/sp800-171r3/requirements/03.99.99/mappings").await.0, 404);
    }
);

/// Sets practices' statuses in an assessment in progress.
async fn answer(app: &TestApp, token: &str, assessment: &str, answers: &[(&str, &str)]) {
    for (practice, status) in answers {
        let url = format!("/api/assessments/{assessment}/practices/{practice}");
        let done = app.call("PATCH", &url, Some(token), Some(json!({ "status": status }))).await;
        assert_eq!(done.status, 200, "{practice}: {:?}", done.body);
    }
}

/// The state the test expects, worked out from the source data.
fn expected_state(sources: &[String], statuses: &HashMap<String, &str>) -> &'static str {
    if sources.is_empty() {
        return "new";
    }
    let met = sources
        .iter()
        .filter(|r2| matches!(statuses.get(*r2).copied(), Some("met" | "not_applicable")))
        .count();
    match met {
        m if m == sources.len() => "likely_met",
        0 => "gap",
        _ => "partial",
    }
}

db_test!(
    async fn an_assessment_is_projected_onto_rev_3_and_rev_5(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let admin = app.admin_token().await;
        let org = app.create_org(&admin, "Acme").await;
        app.create_user(&admin, &org, "officer", &["compliance_officer"]).await;
        app.create_user(&admin, &org, "viewer", &["viewer"]).await;
        let officer = app.login("officer", PASSWORD).await;
        let viewer = app.login("viewer", PASSWORD).await;
        let body = json!({ "org_id": org, "title": "FY27", "target_level": 2, "assessment_type": "self" });
        let id = app.call("POST", "/api/assessments", Some(&officer), Some(body)).await.body["id"].as_str().unwrap().to_owned();
        assert_eq!(app.call("POST", &format!("/api/assessments/{id}/start"), Some(&officer), None).await.status, 200);
        let answers = [
            ("AC.L2-3.1.1", "met"),
            ("SC.L2-3.13.3", "not_met"),
            ("AC.L2-3.1.2", "met"),
            ("AC.L2-3.1.3", "met"),
            ("AC.L2-3.1.4", "partially_met"),
            ("AC.L2-3.1.12", "not_applicable"),
            ("AU.L2-3.3.1", "met"),
            ("AU.L2-3.3.2", "met"),
        ];
        answer(&app, &officer, &id, &answers).await;
        let statuses: HashMap<String, &str> = answers.iter().map(|(p, s)| (p.split_once('-').unwrap().1.to_owned(), *s)).collect();

        let (status, r3) = {
            let a = app.call("GET", &format!("/api/assessments/{id}/readiness/sp800-171r3"), Some(&viewer), None).await;
            (a.status, a.body)
        };
        assert_eq!(status, 200, "{r3}");
        assert_eq!(r3["projection"], true);
        assert!(r3["note"].as_str().unwrap().contains("not an assessment"));
        let src = source();
        let items = r3["items"].as_array().unwrap();
        assert_eq!(items.len(), 97);
        let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
        for item in items {
            let rid = item["requirement_id"].as_str().unwrap();
            // Feeding Rev 2 requirements: those whose relationship is not a bare withdrawal.
            let sources: Vec<String> = src["sp800_171r3_to_sp800_171r2"][rid]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap().to_owned())
                .collect();
            let want = expected_state(&sources, &statuses);
            assert_eq!(item["state"], want, "{rid}: {item}");
            assert_eq!(item["sources"].as_array().unwrap().len(), sources.len(), "{rid}");
            *counts.entry(want).or_default() += 1;
        }
        for (state, n) in &counts {
            assert_eq!(r3["counts"][state].as_u64(), Some(*n), "{state}");
        }
        assert_eq!(r3["counts"]["new"].as_u64(), src["meta"]["counts"]["sp800_171r3_new_without_r2_predecessor"].as_u64());
        let family: u64 = r3["by_family"]["03.01 Access Control"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
        assert_eq!(family, items.iter().filter(|i| i["family"] == "03.01 Access Control").count() as u64);
        let first = &items[0];
        assert_eq!((first["requirement_id"].as_str(), first["state"].as_str()), (Some("03.01.01"), Some("partial")), "3.1.1 met, 3.13.3 not");

        let r5 = app.call("GET", &format!("/api/assessments/{id}/readiness/sp800-53r5"), Some(&viewer), None).await;
        assert_eq!(r5.status, 200, "{:?}", r5.body);
        let controls = r5.body["items"].as_array().unwrap();
        let au2 = controls.iter().find(|c| c["requirement_id"] == "AU-2").unwrap();
        assert!(au2["sources"].as_array().unwrap().iter().any(|s| s["practice_id"] == "AU.L2-3.3.1"));
        assert!(r5.body["by_family"]["AU"].is_object());
        assert!(controls.iter().all(|c| c["state"] != "new"), "only controls some practice reaches");

        // Tenant rules, and a Level 1 assessment has nothing to project.
        let other = app.create_org(&admin, "Other").await;
        app.create_user(&admin, &other, "stranger", &["org_admin"]).await;
        let stranger = app.login("stranger", PASSWORD).await;
        assert_eq!(app.call("GET", &format!("/api/assessments/{id}/readiness/sp800-171r3"), Some(&stranger), None).await.status, 404);
        let l1 = json!({ "org_id": org, "title": "L1", "target_level": 1, "assessment_type": "self" });
        let l1_id = app.call("POST", "/api/assessments", Some(&officer), Some(l1)).await.body["id"].as_str().unwrap().to_owned();
        assert_eq!(app.call("GET", &format!("/api/assessments/{l1_id}/readiness/sp800-171r3"), Some(&officer), None).await.status, 409);
    }
);
