//! Providers and their customer responsibility matrices, an assessment's
//! scope with the 32 CFR 170.19 warnings, and applying providers: inherited
//! objectives filled in with their source, shared ones annotated, an
//! override recorded; tenant isolation and audit rows throughout.

use cmmc_tests::{PASSWORD, TestApp, db_test, spawn_app};
use serde_json::{Value, json};

struct Setup {
    admin: String,
    org: String,
    officer: String,
    viewer: String,
    assessment: String,
}

async fn setup(app: &TestApp) -> Setup {
    let admin = app.admin_token().await;
    let org = app.create_org(&admin, "Acme").await;
    app.create_user(&admin, &org, "officer", &["compliance_officer", "assessor"]).await;
    app.create_user(&admin, &org, "viewer", &["viewer"]).await;
    let officer = app.login("officer", PASSWORD).await;
    let viewer = app.login("viewer", PASSWORD).await;
    let body =
        json!({ "org_id": org, "title": "FY27", "target_level": 2, "assessment_type": "self" });
    let created = app.call("POST", "/api/assessments", Some(&officer), Some(body)).await;
    let assessment = created.body["id"].as_str().unwrap().to_owned();
    Setup { admin, org, officer, viewer, assessment }
}

async fn provider(app: &TestApp, s: &Setup, name: &str, authorization: &str) -> String {
    let url = format!("/api/organizations/{}/providers", s.org);
    let body = json!({ "name": name, "kind": "cloud_service_provider", "authorization": authorization, "services": ["Email"] });
    let created = app.call("POST", &url, Some(&s.officer), Some(body)).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    created.body["id"].as_str().unwrap().to_owned()
}

async fn asset(app: &TestApp, s: &Setup, body: Value) -> String {
    let url = format!("/api/organizations/{}/assets", s.org);
    let created = app.call("POST", &url, Some(&s.officer), Some(body)).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    created.body["id"].as_str().unwrap().to_owned()
}

async fn import_crm(app: &TestApp, token: &str, provider: &str, csv: &str) -> (u16, Value) {
    let url = format!("{}/api/providers/{provider}/responsibilities/import", app.address);
    let response = app
        .client
        .post(url)
        .bearer_auth(token)
        .header("Content-Type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

async fn audit_total(app: &TestApp, admin: &str, action: &str) -> i64 {
    let audit = app.call("GET", &format!("/api/audit?action={action}"), Some(admin), None).await;
    audit.body["total"].as_i64().unwrap()
}

db_test!(
    async fn providers_and_their_matrices_are_kept_checked_and_isolated(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let id = provider(&app, &s, "Azure Government", "fedramp_high").await;
        let list = format!("/api/organizations/{}/providers", s.org);
        let again = json!({ "name": "Azure Government", "kind": "cloud_service_provider", "authorization": "none" });
        assert_eq!(app.call("POST", &list, Some(&s.officer), Some(again)).await.status, 409);
        let bad = json!({ "name": "X", "kind": "isp", "authorization": "none" });
        let refused = app.call("POST", &list, Some(&s.officer), Some(bad)).await;
        assert_eq!((refused.status, refused.body["errors"][0]["field"].as_str()), (400, Some("kind")));
        let viewer_try = json!({ "name": "Y", "kind": "cloud_service_provider", "authorization": "none" });
        assert_eq!(app.call("POST", &list, Some(&s.viewer), Some(viewer_try)).await.status, 403);
        let page = app.call("GET", &list, Some(&s.viewer), None).await.body;
        assert_eq!((page["total"].as_i64(), page["items"][0]["meets_fedramp_moderate"].as_bool()), (Some(1), Some(true)));

        let one = format!("/api/providers/{id}");
        let changed = app.call("PATCH", &one, Some(&s.officer), Some(json!({ "authorization": "none" }))).await;
        assert_eq!((changed.status, changed.body["authorization"].as_str()), (200, Some("none")));
        assert_eq!(changed.body["name"], "Azure Government", "a field left out stays");

        let matrix = format!("/api/providers/{id}/responsibilities");
        let rows = json!({ "responsibilities": [
            { "practice_id": "PE.L2-3.10.1", "objective": null, "responsibility": "inherited", "provider_statement": "Our data centres." },
            { "practice_id": "AC.L2-3.1.1", "objective": "[c]", "responsibility": "shared", "provider_statement": "Entra ID lists devices." },
        ]});
        let put = app.call("PUT", &matrix, Some(&s.officer), Some(rows.clone())).await;
        assert_eq!(put.status, 200, "{:?}", put.body);
        assert_eq!((put.body["inserted"].as_i64(), put.body["responsibilities"][0]["objective"].as_str()), (Some(2), Some("c")));
        let kept = put.body["responsibilities"][1]["id"].clone();
        let same = app.call("PUT", &matrix, Some(&s.officer), Some(rows)).await.body;
        assert_eq!((same["unchanged"].as_i64(), same["responsibilities"][1]["id"].clone()), (Some(2), kept), "ids are kept");
        for (body, field, status) in [
            (json!({ "responsibilities": [{ "practice_id": "AC.L2-3.1.1", "objective": "z", "responsibility": "inherited" }] }), "responsibilities[0].objective", 422),
            (json!({ "responsibilities": [{ "practice_id": "AC.L2-3.1.99", "responsibility": "inherited" }] }), "responsibilities[0].practice_id", 422),
            (json!({ "responsibilities": [{ "practice_id": "AC.L2-3.1.1", "responsibility": "shared" }] }), "responsibilities[0].provider_statement", 422),
        ] {
            let answer = app.call("PUT", &matrix, Some(&s.officer), Some(body)).await;
            assert_eq!((answer.status, answer.body["errors"][0]["field"].as_str()), (status, Some(field)), "{:?}", answer.body);
        }
        assert_eq!(app.call("GET", &matrix, Some(&s.viewer), None).await.body.as_array().unwrap().len(), 2, "refusals changed nothing");

        // The CSV import: all or nothing (a bad last row), every bad row named, upsert.
        let good = "practice_id,objective,responsibility,provider_statement\nSC.L2-3.13.1,a,inherited,Boundary firewalls.\nAC.L2-3.1.1,c,shared,Entra ID and Intune list devices.\n";
        let (status, body) = import_crm(&app, &s.officer, &id, good).await;
        assert_eq!((status, body), (200, json!({ "inserted": 1, "updated": 1, "unchanged": 0 })));
        let bad = "practice_id,objective,responsibility,provider_statement\nSC.L2-3.13.2,,customer,\nAC.L2-3.1.1,q,inherited,\nAC.L2-3.1.2,,shared,\n";
        let (status, problem) = import_crm(&app, &s.officer, &id, bad).await;
        assert_eq!(status, 400, "{problem}");
        let lines: Vec<(i64, &str)> = problem["errors"].as_array().unwrap().iter().map(|e| (e["line"].as_i64().unwrap(), e["column"].as_str().unwrap())).collect();
        assert_eq!(lines, [(3, "objective"), (4, "provider_statement")]);
        let exported = app.client.get(format!("{}{matrix}/export", app.address)).bearer_auth(&s.viewer).send().await.unwrap().text().await.unwrap();
        assert!(exported.starts_with("practice_id,objective,responsibility,provider_statement\n"), "{exported}");
        let (status, back) = import_crm(&app, &s.officer, &id, &exported).await;
        assert_eq!((status, back["unchanged"].as_i64()), (200, Some(3)), "the export imports back unchanged");

        let other = app.create_org(&s.admin, "Other").await;
        app.create_user(&s.admin, &other, "stranger", &["compliance_officer"]).await;
        let stranger = app.login("stranger", PASSWORD).await;
        assert_eq!(app.call("GET", &one, Some(&stranger), None).await.status, 404);
        assert_eq!(app.call("GET", &matrix, Some(&stranger), None).await.status, 404);
        assert_eq!(import_crm(&app, &stranger, &id, good).await.0, 404);
        let foreign_asset = json!({ "asset_tag": "X-1", "name": "X", "asset_type": "hardware", "category": "cui", "provider_id": id });
        let url = format!("/api/organizations/{other}/assets");
        assert_eq!(app.call("POST", &url, Some(&stranger), Some(foreign_asset)).await.status, 422, "another organisation's provider");
        for (action, n) in [("provider.create", 1), ("provider.update", 1), ("provider.responsibilities", 2), ("provider.responsibilities_import", 2)] {
            assert_eq!(audit_total(&app, &s.admin, action).await, n, "{action}");
        }
    }
);

db_test!(
    async fn a_scope_is_a_snapshot_with_the_rules_of_170_19(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let cloud = provider(&app, &s, "Cheap Cloud", "none").await;
        let laptop = asset(&app, &s, json!({ "asset_tag": "LT-1", "name": "Laptop", "asset_type": "hardware", "category": "cui", "handles_cui": true })).await;
        let plc = asset(&app, &s, json!({ "asset_tag": "PLC-1", "name": "Lathe controller", "asset_type": "ot_iot", "category": "specialized" })).await;
        let vm = asset(&app, &s, json!({ "asset_tag": "VM-1", "name": "File server", "asset_type": "cloud_service", "category": "cui", "handles_cui": true, "provider_id": cloud })).await;
        let printer = asset(&app, &s, json!({ "asset_tag": "PR-1", "name": "Printer", "asset_type": "hardware", "category": "out_of_scope", "handles_cui": true })).await;
        let scope = format!("/api/assessments/{}/scope", s.assessment);
        let set = app.call("PUT", &scope, Some(&s.officer), Some(json!({ "asset_ids": [laptop, plc, vm, printer] }))).await;
        assert_eq!(set.status, 200, "{:?}", set.body);
        let counts = &set.body["counts"];
        assert_eq!((counts["cui"].as_i64(), counts["specialized"].as_i64(), counts["security_protection"].as_i64()), (Some(2), Some(1), Some(0)));
        let rules: Vec<(&str, &str)> = set.body["warnings"].as_array().unwrap().iter().map(|w| (w["rule"].as_str().unwrap(), w["asset_id"].as_str().unwrap_or(""))).collect();
        assert!(rules.contains(&("specialized_undocumented", plc.as_str())), "{rules:?}");
        assert!(rules.contains(&("provider_not_fedramp_moderate", vm.as_str())), "{rules:?}");
        assert!(rules.contains(&("out_of_scope_handles_cui", printer.as_str())), "{rules:?}");
        assert!(!rules.iter().any(|(r, _)| *r == "no_cui_asset"), "{rules:?}");

        // A later change to the inventory leaves the scope as recorded.
        let laptop_url = format!("/api/organizations/{}/assets/{laptop}", s.org);
        let renamed = app.call("PATCH", &laptop_url, Some(&s.officer), Some(json!({ "name": "Renamed", "category": "out_of_scope" }))).await;
        assert_eq!(renamed.status, 200);
        assert_eq!(app.call("DELETE", &format!("/api/organizations/{}/assets/{printer}", s.org), Some(&s.officer), None).await.status, 204);
        let got = app.call("GET", &scope, Some(&s.viewer), None).await.body;
        let first = &got["assets"][0];
        assert_eq!((first["asset_tag"].as_str(), first["name"].as_str(), first["category"].as_str()), (Some("LT-1"), Some("Laptop"), Some("cui")));
        assert_eq!(got["assets"].as_array().unwrap().len(), 4, "a deleted asset stays in the scope");

        // Only the organisation's assets, each once; a scope with no CUI asset is warned about.
        let other = app.create_org(&s.admin, "Other").await;
        app.create_user(&s.admin, &other, "stranger", &["compliance_officer"]).await;
        let stranger = app.login("stranger", PASSWORD).await;
        let theirs = app.call("POST", &format!("/api/organizations/{other}/assets"), Some(&stranger), Some(json!({ "asset_tag": "T-1", "name": "T", "asset_type": "hardware", "category": "cui" }))).await;
        let theirs = theirs.body["id"].as_str().unwrap().to_owned();
        for ids in [json!([laptop, theirs]), json!([laptop, laptop])] {
            let refused = app.call("PUT", &scope, Some(&s.officer), Some(json!({ "asset_ids": ids }))).await;
            assert_eq!(refused.status, 422, "{:?}", refused.body);
        }
        assert_eq!(app.call("GET", &scope, Some(&stranger), None).await.status, 404);
        assert_eq!(app.call("PUT", &scope, Some(&s.viewer), Some(json!({ "asset_ids": [] }))).await.status, 403);
        let emptied = app.call("PUT", &scope, Some(&s.officer), Some(json!({ "asset_ids": [] }))).await.body;
        assert_eq!(emptied["warnings"][0]["rule"], "no_cui_asset");
        assert_eq!(audit_total(&app, &s.admin, "assessment.scope").await, 2);
    }
);

db_test!(
    async fn applying_providers_fills_inherited_objectives_and_an_override_is_recorded(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let gcc = provider(&app, &s, "M365 GCC High", "fedramp_high").await;
        let cheap = provider(&app, &s, "Cheap Cloud", "none").await;
        let rows = json!({ "responsibilities": [
            { "practice_id": "PE.L2-3.10.1", "responsibility": "inherited", "provider_statement": "Our data centres." },
            { "practice_id": "AC.L2-3.1.1", "objective": "c", "responsibility": "shared", "provider_statement": "Entra ID lists devices." },
        ]});
        assert_eq!(app.call("PUT", &format!("/api/providers/{gcc}/responsibilities"), Some(&s.officer), Some(rows)).await.status, 200);
        let cheap_rows = json!({ "responsibilities": [{ "practice_id": "PE.L2-3.10.1", "objective": "a", "responsibility": "shared", "provider_statement": "Badges." }] });
        assert_eq!(app.call("PUT", &format!("/api/providers/{cheap}/responsibilities"), Some(&s.officer), Some(cheap_rows)).await.status, 200);
        let vm = asset(&app, &s, json!({ "asset_tag": "VM-1", "name": "VM", "asset_type": "cloud_service", "category": "cui", "handles_cui": true, "provider_id": cheap })).await;
        let scope = format!("/api/assessments/{}/scope", s.assessment);
        assert_eq!(app.call("PUT", &scope, Some(&s.officer), Some(json!({ "asset_ids": [vm] }))).await.status, 200);

        let apply = format!("/api/assessments/{}/providers/apply", s.assessment);
        let body = json!({ "provider_ids": [gcc, cheap] });
        assert_eq!(app.call("POST", &apply, Some(&s.officer), Some(body.clone())).await.status, 409, "a draft is not evaluated yet");
        assert_eq!(app.call("POST", &format!("/api/assessments/{}/start", s.assessment), Some(&s.officer), None).await.status, 200);
        // An assessor's own answer is never touched.
        let ac = format!("/api/assessments/{}/practices/AC.L2-3.1.1", s.assessment);
        assert_eq!(app.call("PATCH", &ac, Some(&s.officer), Some(json!({ "objectives": { "a": "met" } }))).await.status, 200);
        assert_eq!(app.call("POST", &apply, Some(&s.viewer), Some(body.clone())).await.status, 403);
        let foreign = json!({ "provider_ids": ["00000000-0000-4000-8000-000000000000"] });
        assert_eq!(app.call("POST", &apply, Some(&s.officer), Some(foreign)).await.status, 422);

        let applied = app.call("POST", &apply, Some(&s.officer), Some(body.clone())).await;
        assert_eq!(applied.status, 200, "{:?}", applied.body);
        let r = &applied.body;
        assert_eq!((r["inherited"].as_i64(), r["shared"].as_i64(), r["skipped"].as_i64()), (Some(4), Some(1), Some(0)), "{r}");
        assert_eq!(r["warnings"][0]["rule"], "provider_not_fedramp_moderate");
        assert_eq!(r["warnings"][0]["provider_id"].as_str(), Some(cheap.as_str()));

        let pe = format!("/api/assessments/{}/practices/PE.L2-3.10.1", s.assessment);
        let answer = app.call("GET", &pe, Some(&s.viewer), None).await.body;
        assert_eq!(answer["status"], "met", "every objective inherited: {answer}");
        let a = &answer["objectives"][0];
        assert_eq!((a["status"].as_str(), a["inherited_from"]["provider_name"].as_str(), a["overridden"].as_bool()), (Some("met"), Some("M365 GCC High"), Some(false)));
        assert_eq!(a["inherited_from"]["responsibility"], "inherited", "the first provider named wins");
        let ac_answer = app.call("GET", &ac, Some(&s.viewer), None).await.body;
        let c = &ac_answer["objectives"][2];
        assert_eq!((c["status"].clone(), c["inherited_from"]["responsibility"].as_str()), (Value::Null, Some("shared")));
        assert_eq!(c["inherited_from"]["provider_statement"], "Entra ID lists devices.");
        assert_eq!(ac_answer["objectives"][0]["inherited_from"], Value::Null);

        // The assessor overrides one inherited objective; a second apply leaves it.
        let overridden = app.call("PATCH", &pe, Some(&s.officer), Some(json!({ "objectives": { "b": "not_met" } }))).await;
        assert_eq!(overridden.status, 200, "{:?}", overridden.body);
        let b = &overridden.body["objectives"][1];
        assert_eq!((b["status"].as_str(), b["overridden"].as_bool(), b["inherited_from"]["provider_name"].as_str()), (Some("not_met"), Some(true), Some("M365 GCC High")));
        assert_eq!(overridden.body["status"], "not_met");
        let again = app.call("POST", &apply, Some(&s.officer), Some(body)).await.body;
        assert_eq!(again["skipped"].as_i64(), Some(1), "{again}");
        let after = app.call("GET", &pe, Some(&s.viewer), None).await.body;
        assert_eq!(after["objectives"][1]["status"], "not_met", "the override stands");
        let audit = app.call("GET", "/api/audit?action=assessment_practice.update", Some(&s.admin), None).await.body;
        let overrides: Vec<&Value> = audit["items"].as_array().unwrap().iter().filter(|i| i["details"]["overridden"] == json!(["b"])).collect();
        assert_eq!(overrides.len(), 1, "the override is in the audit trail");
        assert_eq!(audit_total(&app, &s.admin, "assessment.providers_apply").await, 2);

        // The score, the assessment, the results export and the SSP show what providers carry.
        let score = app.call("GET", &format!("/api/assessments/{}/score", s.assessment), Some(&s.viewer), None).await.body;
        assert_eq!(score["inherited"], json!({ "objectives_inherited": 4, "objectives_shared": 1, "objectives_overridden": 1 }));
        let detail = app.call("GET", &format!("/api/assessments/{}", s.assessment), Some(&s.viewer), None).await.body;
        assert_eq!(detail["scope_warnings"][0]["rule"], "provider_not_fedramp_moderate", "{detail}");
        assert_eq!(detail["title"], "FY27", "the assessment's own fields are all there");
        let csv = app.client.get(format!("{}/api/assessments/{}/export?format=csv", app.address, s.assessment)).bearer_auth(&s.viewer).send().await.unwrap().text().await.unwrap();
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let header = reader.headers().unwrap().clone();
        let column = header.iter().position(|h| h == "inherited_from").expect("an inherited_from column");
        let pe_row = reader.records().map(Result::unwrap).find(|r| &r[0] == "PE.L2-3.10.1").unwrap();
        assert_eq!(&pe_row[column], "M365 GCC High: inherited a, b, c, d. overridden: b");
        let ssp_body = json!({ "name": "Enclave", "version": "1", "system_description": "CUI enclave", "scope_type": "enclave", "boundary_description": "VLAN 20" });
        let ssp = app.call("POST", &format!("/api/organizations/{}/ssps", s.org), Some(&s.officer), Some(ssp_body)).await;
        let ssp = ssp.body["id"].as_str().unwrap().to_owned();
        let html = app.client.get(format!("{}/api/ssps/{ssp}/export?format=html", app.address)).bearer_auth(&s.viewer).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("Inherited from M365 GCC High (all objectives): Our data centres."), "the SSP states the inheritance");
        assert!(html.contains("Shared with M365 GCC High (objective [c]): Entra ID lists devices."));
    }
);

db_test!(
    async fn a_provider_is_deleted_once_no_asset_names_it(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let id = provider(&app, &s, "Managed SOC", "none").await;
        let matrix = json!({ "responsibilities": [{ "practice_id": "AU.L2-3.3.1", "responsibility": "inherited" }] });
        let put = app.call("PUT", &format!("/api/providers/{id}/responsibilities"), Some(&s.officer), Some(matrix)).await;
        assert_eq!(put.status, 200, "{:?}", put.body);
        let asset_id = asset(&app, &s, json!({ "asset_tag": "SIEM-1", "name": "SIEM", "asset_type": "cloud_service", "category": "security_protection", "provider_id": id })).await;
        let url = format!("/api/providers/{id}");
        let refused = app.call("DELETE", &url, Some(&s.officer), None).await;
        assert_eq!((refused.status, refused.body["type"].as_str()), (409, Some("/problems/conflict")));
        assert!(refused.body["detail"].as_str().unwrap().contains("1 asset(s)"));
        assert_eq!(app.call("GET", &url, Some(&s.viewer), None).await.status, 200, "a refusal changes nothing");
        assert_eq!(app.call("DELETE", &url, Some(&s.viewer), None).await.status, 403);
        let detach = app.call("PATCH", &format!("/api/organizations/{}/assets/{asset_id}", s.org), Some(&s.officer), Some(json!({ "provider_id": null }))).await;
        assert_eq!(detach.status, 200, "{:?}", detach.body);
        assert_eq!(app.call("DELETE", &url, Some(&s.officer), None).await.status, 204);
        assert_eq!(app.call("GET", &url, Some(&s.viewer), None).await.status, 404);
        assert_eq!(app.call("GET", &format!("{url}/responsibilities"), Some(&s.viewer), None).await.status, 404);
        let audit = app.call("GET", "/api/audit?action=provider.delete", Some(&s.admin), None).await.body;
        assert_eq!((audit["total"].as_i64(), audit["items"][0]["details"]["responsibilities"].as_i64()), (Some(1), Some(1)));
    }
);
