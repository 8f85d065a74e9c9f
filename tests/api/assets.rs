//! The asset inventory: CRUD with its rules, tenant isolation and audit
//! rows, and the CSV import (all or nothing, upsert by tag, every bad row
//! named) and export (which imports back unchanged).

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

/// POSTs `csv` as `text/csv` to the import: status and body.
async fn import(app: &TestApp, s: &Setup, csv: &str) -> (u16, Value) {
    let url = format!("{}/api/organizations/{}/assets/import", app.address, s.org);
    let response = app
        .client
        .post(url)
        .bearer_auth(&s.officer)
        .header("Content-Type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

async fn total(app: &TestApp, s: &Setup) -> i64 {
    let url = format!("/api/organizations/{}/assets", s.org);
    app.call("GET", &url, Some(&s.officer), None).await.body["total"].as_i64().unwrap()
}

db_test!(
    async fn assets_are_kept_with_their_rules_and_audited(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let url = format!("/api/organizations/{}/assets", s.org);
        let body = json!({ "asset_tag": " LT-0042 ", "name": "Engineering laptop", "asset_type": "hardware", "category": "cui", "owner": "Pat Doe", "handles_cui": true, "tags": ["laptop", "laptop", ""] });
        let created = app.call("POST", &url, Some(&s.officer), Some(body.clone())).await;
        assert_eq!(created.status, 201, "{:?}", created.body);
        let a = &created.body;
        assert_eq!((a["asset_tag"].as_str(), a["category"].as_str()), (Some("LT-0042"), Some("cui")));
        assert_eq!(a["tags"], json!(["laptop"]));
        assert_eq!(a["handles_fci"], false);
        let id = a["id"].as_str().unwrap().to_owned();

        assert_eq!(app.call("POST", &url, Some(&s.officer), Some(body.clone())).await.status, 409, "the tag is taken");
        let mut bad = body.clone();
        bad["asset_tag"] = json!("LT-2");
        bad["category"] = json!("secret");
        let refused = app.call("POST", &url, Some(&s.officer), Some(bad)).await;
        assert_eq!((refused.status, refused.body["errors"][0]["field"].as_str()), (400, Some("category")));
        let mut provider = body.clone();
        provider["asset_tag"] = json!("LT-3");
        provider["provider_id"] = json!("00000000-0000-4000-8000-000000000000");
        assert_eq!(app.call("POST", &url, Some(&s.officer), Some(provider)).await.status, 422);
        assert_eq!(app.call("POST", &url, Some(&s.viewer), Some(body)).await.status, 403);

        let firewall = json!({ "asset_tag": "FW-1", "name": "Firewall", "asset_type": "network", "category": "security_protection" });
        assert_eq!(app.call("POST", &url, Some(&s.officer), Some(firewall)).await.status, 201);
        let cui = app.call("GET", &format!("{url}?category=cui"), Some(&s.viewer), None).await.body;
        assert_eq!(cui["total"], 1);
        assert_eq!(cui["items"][0]["asset_tag"], "LT-0042");
        assert_eq!(app.call("GET", &format!("{url}?category=secret"), Some(&s.viewer), None).await.status, 400);

        let one = format!("{url}/{id}");
        let changed = app.call("PATCH", &one, Some(&s.officer), Some(json!({ "owner": null, "location": "Building 2" }))).await;
        assert_eq!(changed.status, 200, "{:?}", changed.body);
        assert_eq!((changed.body["owner"].clone(), changed.body["location"].as_str()), (Value::Null, Some("Building 2")));
        let clash = app.call("PATCH", &one, Some(&s.officer), Some(json!({ "asset_tag": "FW-1" }))).await;
        assert_eq!(clash.status, 409);
        assert_eq!(app.call("GET", &one, Some(&s.viewer), None).await.body["asset_tag"], "LT-0042", "the clash changed nothing");

        let other = app.create_org(&s.admin, "Other").await;
        app.create_user(&s.admin, &other, "stranger", &["compliance_officer"]).await;
        let stranger = app.login("stranger", PASSWORD).await;
        assert_eq!(app.call("GET", &one, Some(&stranger), None).await.status, 404);
        assert_eq!(app.call("GET", &url, Some(&stranger), None).await.status, 404);
        let wrong_org = format!("/api/organizations/{other}/assets/{id}");
        assert_eq!(app.call("GET", &wrong_org, Some(&s.admin), None).await.status, 404, "an asset is found under its own organisation only");

        assert_eq!(app.call("DELETE", &one, Some(&s.officer), None).await.status, 204);
        assert_eq!(app.call("GET", &one, Some(&s.officer), None).await.status, 404);
        for action in ["asset.create", "asset.update", "asset.delete"] {
            let audit = app.call("GET", &format!("/api/audit?action={action}"), Some(&s.admin), None).await.body;
            let expected = if action == "asset.create" { 2 } else { 1 };
            assert_eq!(audit["total"], expected, "{action}");
        }
    }
);

db_test!(
    async fn the_inventory_imports_all_or_nothing_and_exports_what_imports_back(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let file = "asset_tag,name,asset_type,category,owner,handles_cui,tags\nLT-1,Laptop,hardware,cui,Pat,yes,a;b\nFW-1,Firewall,network,security_protection,,no,\nCL-1,=cmd|' /C calc'!A0,cloud_service,cui,,true,\n";
        let (status, body) = import(&app, &s, file).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body, json!({ "inserted": 3, "updated": 0, "unchanged": 0 }));
        let (_, again) = import(&app, &s, file).await;
        assert_eq!(again, json!({ "inserted": 0, "updated": 0, "unchanged": 3 }), "the same file changes nothing");
        let edited = file.replace("Firewall,network", "Edge firewall,network");
        let (_, edited) = import(&app, &s, &edited).await;
        assert_eq!(edited, json!({ "inserted": 0, "updated": 1, "unchanged": 2 }));

        // A bad value in the last row: nothing of the file is written.
        let bad = "asset_tag,name,asset_type,category,handles_cui\nNEW-1,New,hardware,cui,no\nNEW-2,Newer,hardware,cui,no\nNEW-3,Broken,toaster,cui,maybe\n";
        let (status, problem) = import(&app, &s, bad).await;
        assert_eq!(status, 400, "{problem}");
        let errors = problem["errors"].as_array().unwrap();
        let found: Vec<(i64, &str)> = errors.iter().map(|e| (e["line"].as_i64().unwrap(), e["column"].as_str().unwrap())).collect();
        assert_eq!(found, [(4, "handles_cui"), (4, "asset_type")], "{problem}");
        assert!(errors[0]["problem"].as_str().unwrap().contains("maybe"));
        assert_eq!(total(&app, &s).await, 3, "all or nothing");
        let (status, problem) = import(&app, &s, "asset_tag,colour\nX,red\n").await;
        assert_eq!(status, 400);
        let columns: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["column"].as_str().unwrap()).collect();
        assert!(columns.contains(&"colour") && columns.contains(&"name"), "{columns:?}");

        let json_body = app.call("POST", &format!("/api/organizations/{}/assets/import", s.org), Some(&s.officer), Some(json!({}))).await;
        assert_eq!(json_body.status, 415);

        let export = app.client.get(format!("{}/api/organizations/{}/assets/export", app.address, s.org)).bearer_auth(&s.viewer).send().await.unwrap();
        assert_eq!(export.status(), 200);
        assert_eq!(export.headers()["content-type"], "text/csv; charset=utf-8");
        let csv = export.text().await.unwrap();
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), ["asset_tag", "name", "asset_type", "category", "owner", "location", "description", "handles_cui", "handles_fci", "provider", "tags"]);
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 3);
        assert_eq!(&rows[0][0], "CL-1");
        assert_eq!(&rows[0][1], "'=cmd|' /C calc'!A0", "a formula is defused");
        assert_eq!(&rows[2][10], "a;b");
        let (_, back) = import(&app, &s, &csv).await;
        assert_eq!(back, json!({ "inserted": 0, "updated": 0, "unchanged": 3 }), "the export imports back unchanged");

        let mut many = String::from("asset_tag,name,asset_type,category\n");
        for n in 0..1200 {
            many.push_str(&format!("BULK-{n:05},Workstation {n},hardware,cui\n"));
        }
        let (status, body) = import(&app, &s, &many).await;
        assert_eq!((status, body["inserted"].as_i64()), (200, Some(1200)));
        assert_eq!(total(&app, &s).await, 1203);
        let audit = app.call("GET", "/api/audit?action=asset.import", Some(&s.admin), None).await.body;
        assert_eq!(audit["total"], 5, "each import that wrote or checked is audited; refusals are not");
    }
);
