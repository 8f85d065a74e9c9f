//! OSCAL 1.2.3 exports: the catalogue and profiles, an assessment's
//! results, a POA&M and an SSP, each validated against NIST's JSON schema
//! of its model with check-jsonschema and loaded into compliance-trestle's
//! models (two independent readers, through `CMMC_TEST_PYTHON`), and their
//! content checked.

use cmmc_tests::{TestApp, db_test, spawn_app};
use serde_json::{Value, json};

use crate::exports::setup;

/// Whether `document` validates against `tests/fixtures/oscal/<schema>`;
/// None without `CMMC_TEST_PYTHON`. Panics with check-jsonschema's report
/// when it does not.
fn validates(document: &Value, schema: &str) -> Option<()> {
    let Ok(python) = std::env::var("CMMC_TEST_PYTHON") else {
        eprintln!("CMMC_TEST_PYTHON is not set: {schema} is not checked here (CI sets it)");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("document.json");
    std::fs::write(&path, serde_json::to_vec(document).unwrap()).unwrap();
    let schema_path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/oscal").join(schema);
    let output = std::process::Command::new(&python)
        .args(["-m", "check_jsonschema", "--schemafile"])
        .arg(&schema_path)
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{schema}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let (module, class, key) = trestle_model(schema);
    let script = format!(
        "import json, sys\nfrom trestle.oscal.{module} import {class}\n{class}.parse_obj(json.load(open(sys.argv[1]))['{key}'])\n"
    );
    let output =
        std::process::Command::new(&python).args(["-c", &script]).arg(&path).output().unwrap();
    assert!(
        output.status.success(),
        "trestle {class}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(())
}

/// compliance-trestle's module, model class and root key for a schema.
fn trestle_model(schema: &str) -> (&'static str, &'static str, &'static str) {
    match schema {
        "oscal_catalog_schema.json" => ("catalog", "Catalog", "catalog"),
        "oscal_profile_schema.json" => ("profile", "Profile", "profile"),
        "oscal_assessment-results_schema.json" => {
            ("assessment_results", "AssessmentResults", "assessment-results")
        }
        "oscal_poam_schema.json" => {
            ("poam", "PlanOfActionAndMilestones", "plan-of-action-and-milestones")
        }
        "oscal_ssp_schema.json" => ("ssp", "SystemSecurityPlan", "system-security-plan"),
        other => panic!("no trestle model for {other}"),
    }
}

async fn get_json(app: &TestApp, token: Option<&str>, path: &str) -> Value {
    let answer = app.call("GET", path, token, None).await;
    assert_eq!(answer.status, 200, "{path}: {:?}", answer.body);
    answer.body
}

/// Every control of a catalog, with its group's id.
fn controls(catalog: &Value) -> Vec<(String, Value)> {
    catalog["catalog"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| {
            let group = g["id"].as_str().unwrap().to_owned();
            g["controls"].as_array().unwrap().iter().map(move |c| (group.clone(), c.clone()))
        })
        .collect()
}

fn prop<'a>(item: &'a Value, name: &str) -> Option<&'a str> {
    item["props"].as_array()?.iter().find(|p| p["name"] == name)?["value"].as_str()
}

db_test!(
    async fn the_catalogue_is_an_oscal_catalog_with_a_profile_per_level(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let catalog = get_json(&app, None, "/api/cmmc/oscal/catalog").await;
        validates(&catalog, "oscal_catalog_schema.json");
        assert_eq!(catalog["catalog"]["metadata"]["oscal-version"], "1.2.3");
        assert_eq!(catalog["catalog"]["groups"].as_array().unwrap().len(), 14);
        let all = controls(&catalog);
        assert_eq!(all.len(), 151);
        let (group, ac) = all.iter().find(|(_, c)| c["id"] == "ac.l2-3.1.1").unwrap();
        assert_eq!(group, "ac");
        assert_eq!(prop(ac, "label"), Some("AC.L2-3.1.1"));
        assert_eq!(prop(ac, "sprs-weight"), Some("5"));
        assert_eq!(prop(ac, "poam-eligibility"), Some("ineligible"));
        let parts = ac["parts"].as_array().unwrap();
        assert!(parts[0]["prose"].as_str().unwrap().starts_with("Limit system access"), "{}", parts[0]);
        let objectives = parts.iter().find(|p| p["id"] == "ac.l2-3.1.1_obj").unwrap()["parts"].as_array().unwrap();
        assert_eq!(objectives[0]["id"], "ac.l2-3.1.1_obj.a");
        assert_eq!(prop(&objectives[0], "label"), Some("[a]"));
        let methods: Vec<&str> = parts.iter().filter(|p| p["name"] == "assessment-method").map(|p| prop(p, "method").unwrap()).collect();
        assert_eq!(methods, ["EXAMINE", "INTERVIEW", "TEST"]);
        let with_params = all.iter().filter(|(_, c)| c["params"].is_array()).count();
        assert!(with_params > 0, "Level 3's organisation-defined parameters are params");
        assert!(all.iter().all(|(_, c)| c["params"].as_array().is_none_or(|p| c["id"].as_str().unwrap().contains(".l3-") && !p.is_empty())));

        for (level, count) in [(1, 17), (2, 110), (3, 134)] {
            let profile = get_json(&app, None, &format!("/api/cmmc/oscal/profiles/{level}")).await;
            validates(&profile, "oscal_profile_schema.json");
            let ids = profile["profile"]["imports"][0]["include-controls"][0]["with-ids"].as_array().unwrap();
            assert_eq!(ids.len(), count, "level {level}");
        }
        assert_eq!(app.call("GET", "/api/cmmc/oscal/profiles/4", None, None).await.status, 404);
        let again = get_json(&app, None, "/api/cmmc/oscal/catalog").await;
        assert_eq!(again, catalog, "the catalog is dated by its reference data: stable");
    }
);

db_test!(
    async fn assessments_poams_and_ssps_export_as_valid_oscal(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        for (practice, status) in [("IA.L2-3.5.3", "partially_met"), ("AC.L2-3.1.16", "not_applicable")] {
            let url = format!("/api/assessments/{}/practices/{practice}", s.assessment);
            let answer = app.call("PATCH", &url, Some(&s.officer), Some(json!({ "status": status }))).await;
            assert_eq!(answer.status, 200, "{practice}: {:?}", answer.body);
        }
        let url = format!("/api/assessments/{}/oscal/assessment-results", s.assessment);
        let results = get_json(&app, Some(&s.officer), &url).await;
        validates(&results, "oscal_assessment-results_schema.json");
        let result = &results["assessment-results"]["results"][0];
        assert_eq!(result["title"], "FY26 Level 2");
        assert_eq!(prop(result, "level"), Some("2"));
        let findings = result["findings"].as_array().unwrap();
        assert_eq!(findings.len(), 110, "a finding per practice");
        let finding = |id: &str| findings.iter().find(|f| f["target"]["target-id"] == format!("{id}_smt")).unwrap().clone();
        let not_met = finding("ac.l2-3.1.1");
        assert_eq!(not_met["target"]["status"]["state"], "not-satisfied");
        assert_eq!(not_met["remarks"], "=HYPERLINK(\"http://x\")");
        assert_eq!(finding("ac.l2-3.1.2")["target"]["status"]["state"], "satisfied");
        assert_eq!(prop(&finding("ac.l2-3.1.3"), "practice-status"), Some("not_evaluated"));
        let partial = finding("ia.l2-3.5.3");
        assert_eq!((prop(&partial, "practice-status"), &partial["target"]["status"]["state"]), (Some("partially_met"), &json!("not-satisfied")));
        let not_applicable = finding("ac.l2-3.1.16");
        assert_eq!((prop(&not_applicable, "practice-status"), &not_applicable["target"]["status"]["state"]), (Some("not_applicable"), &json!("satisfied")));
        let observations = result["observations"].as_array().unwrap();
        let objective_b = observations.iter().find(|o| prop(o, "objective-id") == Some("ac.l2-3.1.1_obj.b")).unwrap();
        assert_eq!(prop(objective_b, "objective-status"), Some("not_met"));
        let related: Vec<&Value> = not_met["related-observations"].as_array().unwrap().iter().map(|r| &r["observation-uuid"]).collect();
        assert!(related.contains(&&objective_b["uuid"]));
        let evidence = observations.iter().find(|o| o["relevant-evidence"].is_array()).unwrap();
        assert_eq!(evidence["relevant-evidence"][0]["description"], "Access policy");
        let again = get_json(&app, Some(&s.officer), &url).await;
        let strip = |mut v: Value| {
            v["assessment-results"]["metadata"]["last-modified"] = json!("");
            v
        };
        assert_eq!(strip(again), strip(results.clone()), "the same assessment gives the same document");

        let poam = get_json(&app, Some(&s.officer), &format!("/api/poams/{}/oscal", s.poam)).await;
        validates(&poam, "oscal_poam_schema.json");
        let items = poam["plan-of-action-and-milestones"]["poam-items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["title"], "Issue named accounts");
        assert_eq!(prop(&items[0], "requirement"), Some("ac.l2-3.1.1"));
        let risk = &poam["plan-of-action-and-milestones"]["risks"][0];
        assert_eq!(risk["status"], "open");
        assert_eq!(risk["remediations"][0]["tasks"][0]["timing"]["on-date"]["date"], "2020-03-31T00:00:00Z");

        let org = get_json(&app, Some(&s.officer), &format!("/api/assessments/{}", s.assessment)).await["org_id"].as_str().unwrap().to_owned();
        let ssp_url = format!("/api/organizations/{org}/oscal/ssp");
        assert_eq!(app.call("GET", &ssp_url, Some(&s.officer), None).await.status, 409, "no SSP yet");
        let body = json!({
            "name": "CUI enclave SSP", "version": "1", "level": 2,
            "system_description": "The engineering enclave.", "scope_type": "enclave",
            "boundary_description": "VLAN 20.", "cage_codes": ["1ABC2"],
            "people": [{ "role": "system_owner", "name": "Pat Doe", "title": "CIO", "email": "pat@example.com", "phone": "+1 555 0100" }]
        });
        let ssp = app.call("POST", &format!("/api/organizations/{org}/ssps"), Some(&s.officer), Some(body)).await;
        let ssp_id = ssp.body["id"].as_str().unwrap().to_owned();
        let statement = json!({ "implementation_status": "partially_implemented", "narrative": "MFA for admins.", "planned_date": "2027-01-31" });
        let put = app.call("PUT", &format!("/api/ssps/{ssp_id}/statements/IA.L2-3.5.3"), Some(&s.officer), Some(statement)).await;
        assert_eq!(put.status, 201, "{:?}", put.body);
        let plan = get_json(&app, Some(&s.officer), &format!("{ssp_url}?ssp_version={ssp_id}")).await;
        validates(&plan, "oscal_ssp_schema.json");
        let plan = &plan["system-security-plan"];
        assert_eq!(plan["import-profile"]["href"], "/api/cmmc/oscal/profiles/2");
        assert_eq!(plan["metadata"]["parties"][0]["name"], "Pat Doe");
        let requirements = plan["control-implementation"]["implemented-requirements"].as_array().unwrap();
        assert_eq!(requirements.len(), 110);
        let mfa = requirements.iter().find(|r| r["control-id"] == "ia.l2-3.5.3").unwrap();
        assert_eq!(mfa["by-components"][0]["implementation-status"]["state"], "partial");
        assert_eq!(mfa["by-components"][0]["description"], "MFA for admins.");
        assert_eq!(prop(mfa, "planned-date"), Some("2027-01-31"));

        for level in [1, 3] {
            let body = json!({ "org_id": org, "title": format!("Level {level}"), "target_level": level, "assessment_type": if level == 3 { "government" } else { "self" } });
            let created = app.call("POST", "/api/assessments", Some(&s.admin), Some(body)).await;
            assert_eq!(created.status, 201, "{:?}", created.body);
            let id = created.body["id"].as_str().unwrap().to_owned();
            let poam = populate(&app, &s.officer, &id, level).await;
            let document = get_json(&app, Some(&s.officer), &format!("/api/assessments/{id}/oscal/assessment-results")).await;
            validates(&document, "oscal_assessment-results_schema.json");
            let result = &document["assessment-results"]["results"][0];
            let count = if level == 1 { 17 } else { 134 };
            assert_eq!(result["findings"].as_array().unwrap().len(), count);
            let statuses: Vec<&str> = result["findings"].as_array().unwrap().iter().filter_map(|f| prop(f, "practice-status")).collect();
            for status in ["met", "not_met", "not_applicable", "not_evaluated"] {
                assert!(statuses.contains(&status), "level {level}: {status}");
            }
            assert!(result["observations"].as_array().unwrap().iter().any(|o| o["relevant-evidence"].is_array()), "level {level}: evidence");
            if let Some(poam) = poam {
                let document = get_json(&app, Some(&s.officer), &format!("/api/poams/{poam}/oscal")).await;
                validates(&document, "oscal_poam_schema.json");
            }
        }

        let audit = app.call("GET", "/api/audit?action=assessment.oscal_export", Some(&s.admin), None).await.body;
        assert_eq!(audit["total"], 4);
        let audit = app.call("GET", "/api/audit?action=ssp.oscal_export", Some(&s.admin), None).await.body;
        assert_eq!(audit["total"], 1, "the refusal is not audited");
        let other = app.create_org(&s.admin, "Other").await;
        app.create_user(&s.admin, &other, "stranger", &["compliance_officer"]).await;
        let stranger = app.login("stranger", cmmc_tests::PASSWORD).await;
        assert_eq!(app.call("GET", &url, Some(&stranger), None).await.status, 404);
        assert_eq!(app.call("GET", &format!("/api/poams/{}/oscal", s.poam), Some(&stranger), None).await.status, 404);
        assert_eq!(app.call("GET", &format!("{ssp_url}?ssp_version={ssp_id}"), Some(&stranger), None).await.status, 404);
    }
);

/// The findings and objective observations of an assessment-results
/// document, without their UUIDs (which name the assessment): what two
/// exports of the same answers must agree on.
fn answers_of(document: &Value) -> (Vec<Value>, Vec<Value>) {
    let result = &document["assessment-results"]["results"][0];
    let findings = result["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| json!([f["title"], f["target"], f["props"], f["remarks"], f["description"]]))
        .collect();
    let mut observations: Vec<Value> = result["observations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| prop(o, "objective-id").is_some())
        .map(|o| json!([o["title"], o["description"], o["props"], o["methods"]]))
        .collect();
    observations.sort_by_key(ToString::to_string);
    (findings, observations)
}

/// Starts assessment `id` of `level` and gives it every status (with
/// objectives), a linked piece of evidence and a finding, and at Level 3 a
/// POA&M with an item, whose id it answers.
async fn populate(app: &TestApp, token: &str, id: &str, level: i64) -> Option<String> {
    let started =
        app.call("POST", &format!("/api/assessments/{id}/start"), Some(token), None).await;
    assert_eq!(started.status, 200, "{:?}", started.body);
    let (met, not_met, not_applicable) = if level == 1 {
        ("AC.L1-3.1.1", "AC.L1-3.1.2", "AC.L1-3.1.20")
    } else {
        ("AC.L3-3.1.2e", "AC.L3-3.1.3e", "AC.L2-3.1.16")
    };
    let answers = [
        (
            met,
            json!({ "status": "met", "objectives": { "a": "met", "b": "met" }, "assessor_notes": "Checked." }),
        ),
        (not_met, json!({ "status": "not_met", "objectives": { "a": "not_met" } })),
        (not_applicable, json!({ "status": "not_applicable" })),
    ];
    for (practice, body) in answers {
        let url = format!("/api/assessments/{id}/practices/{practice}");
        let answer = app.call("PATCH", &url, Some(token), Some(body)).await;
        assert_eq!(answer.status, 200, "{practice}: {:?}", answer.body);
    }
    let form = reqwest::multipart::Form::new()
        .text("title", "Policy")
        .text("file_url", "https://sharepoint.example/policy.pdf");
    let url = format!("{}/api/assessments/{id}/practices/{met}/evidence", app.address);
    let uploaded = app.client.post(url).bearer_auth(token).multipart(form).send().await.unwrap();
    assert_eq!(uploaded.status(), 201);
    let finding = json!({ "finding_type": "deficiency", "severity": "medium", "title": "Gap", "practice_id": not_met });
    let finding = app
        .call("POST", &format!("/api/assessments/{id}/findings"), Some(token), Some(finding))
        .await;
    assert_eq!(finding.status, 201, "{:?}", finding.body);
    if level == 1 {
        return None;
    }
    let poam = app
        .call(
            "POST",
            "/api/poams",
            Some(token),
            Some(json!({ "assessment_id": id, "title": "Level 3 plan" })),
        )
        .await;
    let poam = poam.body["id"].as_str().unwrap().to_owned();
    let item = json!({ "milestone": "Close the gap", "practice_id": not_met, "scheduled_completion": "2027-03-31" });
    let item = app.call("POST", &format!("/api/poams/{poam}/items"), Some(token), Some(item)).await;
    assert_eq!(item.status, 201, "{:?}", item.body);
    Some(poam)
}

async fn assessment_total(app: &TestApp, token: &str) -> i64 {
    app.call("GET", "/api/assessments", Some(token), None).await.body["total"].as_i64().unwrap()
}

db_test!(
    async fn an_exported_assessment_imports_elsewhere_and_exports_the_same(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let exported = get_json(&app, Some(&s.officer), &format!("/api/assessments/{}/oscal/assessment-results", s.assessment)).await;
        let other = app.create_org(&s.admin, "Prime").await;
        let import = format!("/api/assessments/import/oscal?org_id={other}");
        let before = assessment_total(&app, &s.admin).await;

        let mut broken = exported.clone();
        broken["assessment-results"].as_object_mut().unwrap().remove("metadata");
        let refused = app.call("POST", &import, Some(&s.admin), Some(broken)).await;
        assert_eq!(refused.status, 400, "{:?}", refused.body);
        assert_eq!(refused.body["errors"][0]["field"], "/assessment-results", "{:?}", refused.body);
        let mut unknown = exported.clone();
        unknown["assessment-results"]["results"][0]["findings"][0]["target"]["target-id"] = json!("zz.l2-9.9.9_smt");
        let refused = app.call("POST", &import, Some(&s.admin), Some(unknown)).await;
        assert_eq!(refused.status, 400);
        assert_eq!(refused.body["errors"][0]["field"], "/assessment-results/results/0/findings/0/target/target-id");
        let mut contradiction = exported.clone();
        let findings = contradiction["assessment-results"]["results"][0]["findings"].as_array_mut().unwrap();
        let ac = findings.iter_mut().find(|f| f["target"]["target-id"] == "ac.l2-3.1.1_smt").unwrap();
        ac["props"][0]["value"] = json!("met");
        let refused = app.call("POST", &import, Some(&s.admin), Some(contradiction)).await;
        assert_eq!(refused.status, 400, "met beside a not-met objective: {:?}", refused.body);
        let mut long_notes = exported.clone();
        long_notes["assessment-results"]["results"][0]["findings"][0]["remarks"] = json!("n".repeat(20_001));
        let refused = app.call("POST", &import, Some(&s.admin), Some(long_notes)).await;
        assert_eq!(refused.status, 400, "notes over 20000 characters: {:?}", refused.body);
        assert_eq!(assessment_total(&app, &s.admin).await, before, "a refused import writes nothing");
        assert_eq!(app.call("POST", &import, Some(&s.officer), Some(exported.clone())).await.status, 404, "not the officer's organisation");

        let created = app.call("POST", &import, Some(&s.admin), Some(exported.clone())).await;
        assert_eq!(created.status, 201, "{:?}", created.body);
        assert_eq!(created.body["org_id"], other.as_str());
        assert_eq!((created.body["status"].as_str(), created.body["target_level"].as_i64()), (Some("draft"), Some(2)));
        let id = created.body["id"].as_str().unwrap();
        let practice = get_json(&app, Some(&s.admin), &format!("/api/assessments/{id}/practices/AC.L2-3.1.1")).await;
        assert_eq!(practice["status"], "not_met");
        assert_eq!(practice["assessor_notes"], "=HYPERLINK(\"http://x\")");
        let again = get_json(&app, Some(&s.admin), &format!("/api/assessments/{id}/oscal/assessment-results")).await;
        validates(&again, "oscal_assessment-results_schema.json");
        assert_eq!(answers_of(&again), answers_of(&exported), "every finding and observation agrees");
        let audit = app.call("GET", "/api/audit?action=assessment.import", Some(&s.admin), None).await.body;
        assert_eq!(audit["total"], 1);
        assert_eq!(audit["items"][0]["details"]["practices"], 110);
    }
);
