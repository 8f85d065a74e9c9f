//! Exports of an assessment's results and of a POA&M, read back with real
//! readers: the `csv` crate, and openpyxl (through `CMMC_TEST_PYTHON`) for
//! XLSX. Cells are checked, not just sizes.

use cmmc_tests::{PASSWORD, TestApp, db_test, spawn_app};
use serde_json::{Value, json};

pub(crate) struct Setup {
    pub(crate) admin: String,
    pub(crate) officer: String,
    pub(crate) assessment: String,
    pub(crate) poam: String,
    pub(crate) item: String,
}

/// An assessment in progress with two answers (AC.L2-3.1.1 not met with a
/// note that looks like a formula, AC.L2-3.1.2 met), one piece of evidence,
/// a finding and a POA&M item whose date was moved once.
pub(crate) async fn setup(app: &TestApp) -> Setup {
    let admin = app.admin_token().await;
    let org = app.create_org(&admin, "Acme").await;
    app.create_user(&admin, &org, "officer", &["compliance_officer", "assessor"]).await;
    let officer = app.login("officer", PASSWORD).await;
    let body = json!({ "org_id": org, "title": "FY26 Level 2", "target_level": 2, "assessment_type": "self" });
    let created = app.call("POST", "/api/assessments", Some(&officer), Some(body)).await;
    let assessment = created.body["id"].as_str().unwrap().to_owned();
    let start = app
        .call("POST", &format!("/api/assessments/{assessment}/start"), Some(&officer), None)
        .await;
    assert_eq!(start.status, 200, "{:?}", start.body);
    let practice = |id: &str| format!("/api/assessments/{assessment}/practices/{id}");
    let not_met = json!({ "status": "not_met", "assessor_notes": "=HYPERLINK(\"http://x\")", "objectives": { "a": "met", "b": "not_met" } });
    let answer = app.call("PATCH", &practice("AC.L2-3.1.1"), Some(&officer), Some(not_met)).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let met = json!({ "status": "met" });
    assert_eq!(
        app.call("PATCH", &practice("AC.L2-3.1.2"), Some(&officer), Some(met)).await.status,
        200
    );
    let form = reqwest::multipart::Form::new()
        .text("title", "Access policy")
        .text("file_url", "https://sharepoint.example/policy.pdf");
    let uploaded = app
        .client
        .post(format!("{}{}/evidence", app.address, practice("AC.L2-3.1.1")))
        .bearer_auth(&officer)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), 201);
    let finding = json!({ "finding_type": "deficiency", "severity": "high", "title": "Shared admin account", "description": "One login for three people", "practice_id": "AC.L2-3.1.1" });
    let finding = app
        .call(
            "POST",
            &format!("/api/assessments/{assessment}/findings"),
            Some(&officer),
            Some(finding),
        )
        .await;
    let finding_id = finding.body["id"].as_str().unwrap().to_owned();
    let poam = app
        .call(
            "POST",
            "/api/poams",
            Some(&officer),
            Some(json!({ "assessment_id": assessment, "title": "AC plan" })),
        )
        .await;
    let poam_id = poam.body["id"].as_str().unwrap().to_owned();
    let item = json!({ "milestone": "Issue named accounts", "practice_id": "AC.L2-3.1.1", "finding_id": finding_id, "scheduled_completion": "2020-01-31", "resources_required": "2 days of IT time", "point_of_contact": "Pat Doe, IT" });
    let item =
        app.call("POST", &format!("/api/poams/{poam_id}/items"), Some(&officer), Some(item)).await;
    assert_eq!(item.status, 201, "{:?}", item.body);
    let item_id = item.body["id"].as_str().unwrap().to_owned();
    let moved = json!({ "scheduled_completion": "2020-03-31" });
    let moved = app
        .call(
            "PATCH",
            &format!("/api/poams/{poam_id}/items/{item_id}"),
            Some(&officer),
            Some(moved),
        )
        .await;
    assert_eq!(moved.status, 200, "{:?}", moved.body);
    Setup { admin, officer, assessment, poam: poam_id, item: item_id }
}

/// GET `path` as `token`: status, Content-Type, Content-Disposition, bytes.
pub(crate) async fn fetch(
    app: &TestApp,
    token: &str,
    path: &str,
) -> (u16, String, String, Vec<u8>) {
    let response =
        app.client.get(format!("{}{path}", app.address)).bearer_auth(token).send().await.unwrap();
    let header = |name: &str| {
        response.headers().get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
    };
    let (content_type, disposition) = (header("content-type"), header("content-disposition"));
    (
        response.status().as_u16(),
        content_type,
        disposition,
        response.bytes().await.unwrap().to_vec(),
    )
}

/// The CSV's records as maps from column to value.
fn csv_records(bytes: &[u8]) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::Reader::from_reader(bytes);
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            headers.iter().map(str::to_owned).zip(r.unwrap().iter().map(str::to_owned)).collect()
        })
        .collect()
}

/// What `script` prints as JSON when run by `CMMC_TEST_PYTHON` on `bytes`
/// saved as `file_name`; None (with a note) without `CMMC_TEST_PYTHON`.
pub(crate) fn python_reads(bytes: &[u8], file_name: &str, script: &str) -> Option<Value> {
    let Ok(python) = std::env::var("CMMC_TEST_PYTHON") else {
        eprintln!("CMMC_TEST_PYTHON is not set: {file_name} is not read back here (CI sets it)");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(file_name);
    std::fs::write(&path, bytes).unwrap();
    let output = std::process::Command::new(python)
        .args(["-c", script, path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{file_name}: {}", String::from_utf8_lossy(&output.stderr));
    Some(serde_json::from_slice(&output.stdout).unwrap())
}

/// Every sheet of an XLSX as openpyxl reads it: {sheet: [[cell, ...], ...]},
/// dates as ISO text; None without `CMMC_TEST_PYTHON`.
fn openpyxl_sheets(bytes: &[u8]) -> Option<Value> {
    let script = "import sys, json, datetime, openpyxl\nw = openpyxl.load_workbook(sys.argv[1])\ndef v(c):\n    return c.isoformat()[:10] if isinstance(c, datetime.datetime) else c\nprint(json.dumps({s.title: [[v(c) for c in r] for r in s.iter_rows(values_only=True)] for s in w.worksheets}))\n";
    python_reads(bytes, "export.xlsx", script)
}

/// The row of `sheet` whose first cell is `key`, as a map from the header.
fn row_of(sheet: &Value, key: &str) -> serde_json::Map<String, Value> {
    let rows = sheet.as_array().unwrap();
    let header: Vec<String> =
        rows[0].as_array().unwrap().iter().map(|h| h.as_str().unwrap().to_owned()).collect();
    let row = rows.iter().find(|r| r[0] == key).unwrap_or_else(|| panic!("no row {key}"));
    header.into_iter().zip(row.as_array().unwrap().iter().cloned()).collect()
}

db_test!(
    async fn assessment_results_export_as_csv_and_xlsx(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let path = format!("/api/assessments/{}/export", s.assessment);
        let (status, content_type, disposition, csv) = fetch(&app, &s.officer, &format!("{path}?format=csv")).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&csv));
        assert_eq!(content_type, "text/csv; charset=utf-8");
        assert_eq!(disposition, "attachment; filename=\"fy26-level-2-results.csv\"");
        let records = csv_records(&csv);
        assert_eq!(records.len(), 110, "one row per Level 2 practice");
        let first = &records[0];
        assert_eq!(first["practice_id"], "AC.L2-3.1.1");
        assert_eq!(first["domain"], "AC");
        assert_eq!(first["status"], "not_met");
        assert_eq!((first["objectives_met"].as_str(), first["objectives_not_met"].as_str()), ("1", "1"));
        assert_eq!(first["points_deducted"], "5", "3.1.1 weighs 5");
        assert_eq!(first["poam_eligibility"], "ineligible", "a 5-point requirement may not be on a POA&M");
        assert_eq!(first["notes"], "'=HYPERLINK(\"http://x\")", "a formula is defused");
        assert_eq!((first["evidence_pending"].as_str(), first["evidence_accepted"].as_str()), ("1", "0"));
        let met = records.iter().find(|r| r["practice_id"] == "AC.L2-3.1.2").unwrap();
        assert_eq!((met["status"].as_str(), met["points_deducted"].as_str()), ("met", "0"));
        let lost: i32 = records.iter().map(|r| r["points_deducted"].parse::<i32>().unwrap()).sum();
        let score = app.call("GET", &format!("/api/assessments/{}/score", s.assessment), Some(&s.officer), None).await;
        assert_eq!(score.body["sprs_score"], 110 - lost, "the rows add up to the score: {:?}", score.body);

        let (status, content_type, disposition, xlsx) = fetch(&app, &s.officer, &format!("{path}?format=xlsx")).await;
        assert_eq!(status, 200);
        assert_eq!(content_type, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        assert!(disposition.ends_with("fy26-level-2-results.xlsx\""), "{disposition}");
        if let Some(sheets) = openpyxl_sheets(&xlsx) {
            let names: Vec<&String> = sheets.as_object().unwrap().keys().collect();
            assert_eq!(names.len(), 15, "a summary and a sheet per domain: {names:?}");
            let summary = &sheets["Summary"];
            let sprs = summary.as_array().unwrap().iter().find(|r| r[0] == "SPRS score").unwrap();
            assert_eq!(sprs[1], (110 - lost).to_string());
            let ac = summary.as_array().unwrap().iter().find(|r| r[0] == "AC").unwrap();
            let ac_lost: i32 = records.iter().filter(|r| r["domain"] == "AC").map(|r| r["points_deducted"].parse::<i32>().unwrap()).sum();
            assert_eq!(ac[1], ac_lost, "points lost per domain");
            let row = row_of(&sheets["AC"], "AC.L2-3.1.1");
            assert_eq!(row["points_deducted"], 5, "numbers are numbers");
            assert_eq!(row["notes"], "=HYPERLINK(\"http://x\")", "text stays text in XLSX");
        }

        let bad = app.call("GET", &format!("{path}?format=pdf"), Some(&s.officer), None).await;
        assert_eq!(bad.status, 400);
        assert_eq!(bad.body["errors"][0]["field"], "format");
        let audit = app.call("GET", "/api/audit?action=assessment.export", Some(&s.admin), None).await;
        assert_eq!(audit.body["total"], 2, "each export is audited, the refused one is not");
        // Another organisation's user sees nothing.
        let other = app.create_org(&s.admin, "Other").await;
        app.create_user(&s.admin, &other, "stranger", &["compliance_officer"]).await;
        let stranger = app.login("stranger", PASSWORD).await;
        assert_eq!(fetch(&app, &stranger, &path).await.0, 404);
    }
);

db_test!(
    async fn a_poam_exports_with_the_dod_columns(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let path = format!("/api/poams/{}/export", s.poam);
        let (status, _, disposition, csv) = fetch(&app, &s.officer, &path).await;
        assert_eq!(status, 200, "csv is the default: {}", String::from_utf8_lossy(&csv));
        assert_eq!(disposition, "attachment; filename=\"ac-plan-poam.csv\"");
        let records = csv_records(&csv);
        assert_eq!(records.len(), 1);
        let item = &records[0];
        assert_eq!(item["item_id"], s.item);
        assert_eq!(item["weakness"], "Shared admin account: One login for three people");
        assert_eq!(item["requirement"], "AC.L2-3.1.1");
        assert_eq!(item["requirement_title"], "Authorized Access Control", "the practice's title");
        assert_eq!(item["resources_required"], "2 days of IT time");
        assert_eq!(item["point_of_contact"], "Pat Doe, IT");
        assert_eq!(item["scheduled_completion"], "2020-03-31");
        let today = chrono::Utc::now().date_naive();
        assert_eq!(item["milestone_changes"], format!("{today}: was 2020-01-31"));
        assert_eq!((item["status"].as_str(), item["overdue"].as_str()), ("open", "yes"));
        assert_eq!(item["risk_accepted"], "no");

        let (status, _, _, xlsx) = fetch(&app, &s.officer, &format!("{path}?format=xlsx")).await;
        assert_eq!(status, 200);
        if let Some(sheets) = openpyxl_sheets(&xlsx) {
            let row = row_of(&sheets["POA&M"], &s.item);
            assert_eq!(row["scheduled_completion"], "2020-03-31", "a date, read back as one");
            assert_eq!(row["overdue"], "yes");
        }
        let audit = app.call("GET", "/api/audit?action=poam.export", Some(&s.admin), None).await;
        assert_eq!(audit.body["total"], 2);
    }
);
