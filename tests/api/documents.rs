//! Documents: the SSP and an assessment's summary as DOCX (read back with
//! python-docx through `CMMC_TEST_PYTHON`) and as printable HTML. Headings,
//! tables, cells and the chart's bars are checked, not just sizes.

use std::collections::BTreeMap;

use cmmc_tests::{TestApp, db_test, spawn_app};
use serde_json::{Value, json};

use crate::exports::{fetch, python_reads, setup};

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// A DOCX as python-docx reads it: `paragraphs` as [style, text] and
/// `tables` as rows of {text, span, fill}; None without `CMMC_TEST_PYTHON`.
fn python_docx(bytes: &[u8]) -> Option<Value> {
    let script = r#"
import sys, json, docx
from docx.oxml.ns import qn
from docx.table import _Cell
d = docx.Document(sys.argv[1])
def cell(tc, t):
    shd = tc.find('.//' + qn('w:shd'))
    text = '\n'.join(p.text for p in _Cell(tc, t).paragraphs)
    return {'text': text, 'span': tc.grid_span, 'fill': None if shd is None else shd.get(qn('w:fill'))}
print(json.dumps({
    'paragraphs': [[p.style.name, p.text] for p in d.paragraphs],
    'tables': [[[cell(tc, t) for tc in tr.tc_lst] for tr in t._tbl.tr_lst] for t in d.tables],
}))
"#;
    python_reads(bytes, "document.docx", script)
}

/// The texts of the paragraphs styled `style`.
fn styled(doc: &Value, style: &str) -> Vec<String> {
    doc["paragraphs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p[0] == style)
        .map(|p| p[1].as_str().unwrap().to_owned())
        .collect()
}

/// Each table as rows of cell texts.
fn table_texts(doc: &Value) -> Vec<Vec<Vec<String>>> {
    doc["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            t.as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    r.as_array()
                        .unwrap()
                        .iter()
                        .map(|c| c["text"].as_str().unwrap().to_owned())
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// The first table whose first row starts with `first`.
fn table_starting<'a>(tables: &'a [Vec<Vec<String>>], first: &str) -> &'a Vec<Vec<String>> {
    tables.iter().find(|t| t[0][0] == first).unwrap_or_else(|| panic!("no table {first}"))
}

/// The score's deductions summed per domain, worked out here from the
/// score endpoint rather than by the report's code.
async fn points_by_domain(app: &TestApp, token: &str, assessment: &str) -> BTreeMap<String, i64> {
    let score =
        app.call("GET", &format!("/api/assessments/{assessment}/score"), Some(token), None).await;
    let mut points = BTreeMap::new();
    for d in score.body["deductions"].as_array().unwrap() {
        let domain = d["practice_id"].as_str().unwrap().split('.').next().unwrap().to_owned();
        *points.entry(domain).or_insert(0) += d["points"].as_i64().unwrap();
    }
    points
}

async fn audit_actions(app: &TestApp, token: &str, action: &str) -> Vec<Value> {
    let audit = app.call("GET", &format!("/api/audit?action={action}"), Some(token), None).await;
    audit.body["items"].as_array().unwrap().clone()
}

db_test!(
    async fn the_assessment_summary_is_a_word_document_and_a_printable_page(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let finding = json!({ "finding_type": "deficiency", "severity": "low", "title": "<b>Banner</b> & logon text", "practice_id": "AC.L2-3.1.9" });
        let url = format!("/api/assessments/{}/findings", s.assessment);
        assert_eq!(app.call("POST", &url, Some(&s.officer), Some(finding)).await.status, 201);
        let expected = points_by_domain(&app, &s.officer, &s.assessment).await;
        assert!(expected["AC"] >= 5, "AC.L2-3.1.1 (5 points) is not met");

        let path = format!("/api/assessments/{}/report?format=docx", s.assessment);
        let (status, content_type, disposition, bytes) = fetch(&app, &s.officer, &path).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
        assert_eq!(content_type, DOCX);
        assert_eq!(disposition, "attachment; filename=\"fy26-level-2-report.docx\"");
        if let Some(doc) = python_docx(&bytes) {
            assert_eq!(styled(&doc, "Title"), ["Assessment summary"]);
            assert_eq!(styled(&doc, "Subtitle"), ["Acme", "FY26 Level 2"]);
            assert_eq!(
                styled(&doc, "Heading 1"),
                ["Points lost per domain", "Deductions", "Findings by severity", "POA&M"]
            );
            let tables = table_texts(&doc);
            let facts = table_starting(&tables, "Level");
            assert!(facts.contains(&vec!["Status".to_owned(), "In progress".to_owned()]), "{facts:?}");
            assert!(facts.contains(&vec!["CMMC status earned".to_owned(), "None".to_owned()]), "{facts:?}");
            // The chart: a row per domain, its bar spanning shaded cells, its points last.
            let chart = doc["tables"].as_array().unwrap().iter().find(|t| t[0][0]["text"] == "AC").unwrap();
            let mut seen = BTreeMap::new();
            let mut longest = 0;
            for row in chart.as_array().unwrap() {
                let cells = row.as_array().unwrap();
                let domain = cells[0]["text"].as_str().unwrap().to_owned();
                let points: i64 = cells.last().unwrap()["text"].as_str().unwrap().parse().unwrap();
                let bar: i64 = cells.iter().filter(|c| c["fill"] == "C0392B").map(|c| c["span"].as_i64().unwrap()).sum();
                let total: i64 = cells[1..cells.len() - 1].iter().map(|c| c["span"].as_i64().unwrap()).sum();
                assert_eq!(total, 20, "{domain}: every row spans the chart's width");
                assert_eq!(bar > 0, points > 0, "{domain}: a bar exactly where points were lost");
                longest = longest.max(bar);
                seen.insert(domain, points);
            }
            assert_eq!(longest, 20, "the largest loss fills the chart");
            for (domain, points) in &expected {
                assert_eq!(seen.get(domain), Some(points), "{domain}");
            }
            let deductions = table_starting(&tables, "Requirement");
            assert!(deductions.contains(&vec!["AC.L2-3.1.1".to_owned(), "Authorized Access Control".to_owned(), "5".to_owned()]), "{:?}", &deductions[..3]);
            let severities = table_starting(&tables, "Critical");
            assert_eq!(severities[0], ["Critical", "High", "Medium", "Low"]);
            assert_eq!(severities[1], ["0", "1", "0", "1"]);
            let findings = table_starting(&tables, "Severity");
            assert_eq!(findings[1], ["High", "Shared admin account", "Open", "AC.L2-3.1.1"]);
            assert_eq!(findings[2], ["Low", "<b>Banner</b> & logon text", "Open", "AC.L2-3.1.9"]);
            let poam = tables.iter().find(|t| t[0][1] == "Weakness").unwrap();
            assert_eq!(poam[1][0], "AC.L2-3.1.1");
            assert_eq!(poam[1][2], "Issue named accounts");
            assert_eq!(poam[1][3], "2020-03-31");
            assert_eq!(poam[1][4], "open (overdue)");
            assert_eq!(poam[1][5], "Pat Doe, IT");
            let overdue = &doc["tables"].as_array().unwrap().iter().find(|t| t[0][1]["text"] == "Weakness").unwrap()[1][0];
            assert_eq!(overdue["fill"], "F8CBAD", "overdue items are filled");
        }

        let path = format!("/api/assessments/{}/report?format=html", s.assessment);
        let response = app.client.get(format!("{}{path}", app.address)).bearer_auth(&s.officer).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let header = |name: &str| response.headers()[name].to_str().unwrap().to_owned();
        assert_eq!(header("content-type"), "text/html; charset=utf-8");
        assert_eq!(header("content-disposition"), "inline; filename=\"fy26-level-2-report.html\"");
        assert!(header("content-security-policy").starts_with("default-src 'none'"));
        let html = response.text().await.unwrap();
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("<svg role=\"img\" aria-label=\"SPRS points lost per domain\""));
        assert!(html.contains(&format!("<title>Access Control: {}</title>", expected["AC"])), "the AC bar says its points");
        assert!(html.contains("&#60;b&#62;Banner&#60;/b&#62; &#38; logon text") || html.contains("&lt;b&gt;Banner&lt;/b&gt; &amp; logon text"), "user text is escaped");
        assert!(!html.contains("<b>Banner"));
        assert!(html.contains("class=\"overdue\""));
        assert!(html.contains("@media print"));

        // Our own Word file is taken as evidence (OOXML recognised by its parts).
        let (_, _, _, docx) = fetch(&app, &s.officer, &format!("/api/assessments/{}/report", s.assessment)).await;
        let form = reqwest::multipart::Form::new()
            .text("title", "Summary report")
            .part("file", reqwest::multipart::Part::bytes(docx).file_name("summary.docx"));
        let uploaded = app
            .client
            .post(format!("{}/api/assessments/{}/practices/CA.L2-3.12.1/evidence", app.address, s.assessment))
            .bearer_auth(&s.officer)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(uploaded.status(), 201);

        let bad = app.call("GET", &format!("/api/assessments/{}/report?format=pdf", s.assessment), Some(&s.officer), None).await;
        assert_eq!(bad.status, 400);
        assert_eq!(bad.body["errors"][0]["field"], "format");
        let reports = audit_actions(&app, &s.admin, "assessment.report").await;
        assert_eq!(reports.len(), 3, "each report made is audited, a refused one is not");
        assert_eq!(reports[0]["resource_id"], s.assessment.as_str());

        let stranger_org = app.create_org(&s.admin, "Other").await;
        app.create_user(&s.admin, &stranger_org, "stranger", &["compliance_officer"]).await;
        let stranger = app.login("stranger", cmmc_tests::PASSWORD).await;
        let hidden = app.call("GET", &format!("/api/assessments/{}/report", s.assessment), Some(&stranger), None).await;
        assert_eq!(hidden.status, 404);
    }
);

db_test!(
    async fn the_ssp_is_a_word_document_with_a_section_per_domain(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let org = app.call("GET", &format!("/api/assessments/{}", s.assessment), Some(&s.officer), None).await.body["org_id"].as_str().unwrap().to_owned();
        let body = json!({
            "name": "CUI enclave SSP", "version": "3", "level": 1,
            "system_description": "The engineering enclave.\nTwo sites.", "scope_type": "enclave",
            "boundary_description": "VLAN 20 & the file server <fs1>.",
            "cage_codes": ["1ABC2"],
            "people": [
                { "role": "system_owner", "name": "Pat Doe", "title": "CIO", "email": "pat@example.com", "phone": "+1 555 0100" },
                { "role": "security_official", "name": "Sam Lee", "email": "sam@example.com" }
            ]
        });
        let ssp = app.call("POST", &format!("/api/organizations/{org}/ssps"), Some(&s.officer), Some(body)).await;
        assert_eq!(ssp.status, 201, "{:?}", ssp.body);
        let id = ssp.body["id"].as_str().unwrap().to_owned();
        let practices = app.call("GET", "/api/cmmc/practices?level=1", None, None).await.body;
        let practices = practices["items"].as_array().or_else(|| practices.as_array()).unwrap().clone();
        let first = practices[0]["practice_id"].as_str().unwrap().to_owned();
        let statement = json!({ "implementation_status": "implemented", "narrative": "Accounts come from AD.\nReviewed <quarterly>.", "responsible_role": "IT manager" });
        let put = app.call("PUT", &format!("/api/ssps/{id}/statements/{first}"), Some(&s.officer), Some(statement)).await;
        assert_eq!(put.status, 201, "{:?}", put.body);

        let (status, content_type, disposition, bytes) = fetch(&app, &s.officer, &format!("/api/ssps/{id}/export")).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
        assert_eq!(content_type, DOCX, "docx is the default");
        assert_eq!(disposition, "attachment; filename=\"cui-enclave-ssp-v3.docx\"");
        if let Some(doc) = python_docx(&bytes) {
            assert_eq!(styled(&doc, "Title"), ["System Security Plan"]);
            assert_eq!(styled(&doc, "Subtitle"), ["Acme", "CUI enclave SSP"]);
            let tables = table_texts(&doc);
            let title = table_starting(&tables, "Version");
            assert_eq!(title[0], ["Version", "3"]);
            assert_eq!(title[1], ["Date", "Draft"]);
            assert_eq!(title[2], ["CMMC level", "1"]);
            let people = table_starting(&tables, "Role");
            assert_eq!(people[1], ["System owner", "Pat Doe", "CIO", "pat@example.com", "+1 555 0100"]);
            let texts: Vec<String> = doc["paragraphs"].as_array().unwrap().iter().map(|p| p[1].as_str().unwrap().to_owned()).collect();
            assert!(texts.contains(&"The engineering enclave.\nTwo sites.".to_owned()), "line breaks are kept");
            assert!(texts.contains(&"VLAN 20 & the file server <fs1>.".to_owned()));
            assert!(texts.contains(&"Accounts come from AD.\nReviewed <quarterly>.".to_owned()));
            let headings = styled(&doc, "Heading 1");
            assert!(headings.contains(&"Access Control (AC)".to_owned()), "{headings:?}");
            let statements: Vec<String> = styled(&doc, "Heading 2").into_iter().filter(|h| h.contains(".L1-")).collect();
            assert_eq!(statements.len(), practices.len(), "every requirement of the level has its section");
            assert!(statements[0].starts_with(&format!("{first}: ")));
            let statuses: Vec<&Vec<Vec<String>>> = tables.iter().filter(|t| t[0][0] == "Implementation status").collect();
            assert_eq!(statuses.len(), practices.len());
            assert_eq!(statuses[0][0][1], "Implemented");
            assert_eq!(statuses[0][1], ["Responsible role", "IT manager"]);
            assert_eq!(statuses[1][0][1], "Not yet stated");
        }

        for practice in &practices[1..] {
            let practice = practice["practice_id"].as_str().unwrap();
            let statement = json!({ "implementation_status": "planned", "narrative": "To do.", "planned_date": "2027-01-31" });
            let put = app.call("PUT", &format!("/api/ssps/{id}/statements/{practice}"), Some(&s.officer), Some(statement)).await;
            assert_eq!(put.status, 201, "{:?}", put.body);
        }
        let published = app.call("POST", &format!("/api/ssps/{id}/publish"), Some(&s.officer), None).await;
        assert_eq!(published.status, 200, "{:?}", published.body);
        let path = format!("/api/ssps/{id}/export?format=html");
        let (status, content_type, disposition, bytes) = fetch(&app, &s.officer, &path).await;
        assert_eq!(status, 200);
        assert_eq!(content_type, "text/html; charset=utf-8");
        assert_eq!(disposition, "inline; filename=\"cui-enclave-ssp-v3.html\"");
        let html = String::from_utf8(bytes).unwrap();
        let today = chrono::Utc::now().date_naive().to_string();
        assert!(html.contains(&format!("<dt>Date</dt><dd>{today}</dd>")), "a published version has its date");
        assert!(html.contains("Reviewed &#60;quarterly&#62;.") || html.contains("Reviewed &lt;quarterly&gt;."));
        assert!(!html.contains("<quarterly>") && !html.contains("<fs1>"));
        assert_eq!(html.matches("<div class=\"statement\">").count(), practices.len());

        let bad = app.call("GET", &format!("/api/ssps/{id}/export?format=xlsx"), Some(&s.officer), None).await;
        assert_eq!(bad.status, 400);
        let exports = audit_actions(&app, &s.admin, "ssp.export").await;
        assert_eq!(exports.len(), 2);
        assert_eq!(exports[0]["details"]["statements"], practices.len(), "newest first");
        assert_eq!(exports[1]["details"]["statements"], 1);
    }
);
