//! The package a C3PAO receives: a streamed zip with the OSCAL documents,
//! the CSV reports, every evidence file under `evidence/<practice_id>/` and
//! a signed manifest, which `cargo xtask verify-package` (the same
//! `ops::verify_package`) checks; a changed byte is named.

use std::io::Read;

use cmmc_tests::{TestApp, db_test, spawn_app};
use serde_json::Value;

use crate::exports::{fetch, setup};

async fn upload(app: &TestApp, token: &str, assessment: &str, name: &str, bytes: &[u8]) {
    let form = reqwest::multipart::Form::new()
        .text("title", format!("File {name}"))
        .part("file", reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_owned()));
    let url =
        format!("{}/api/assessments/{assessment}/practices/AC.L2-3.1.1/evidence", app.address);
    let answer = app.client.post(url).bearer_auth(token).multipart(form).send().await.unwrap();
    assert_eq!(answer.status(), 201);
}

fn entry(zip: &mut zip::ZipArchive<std::io::Cursor<Vec<u8>>>, name: &str) -> Vec<u8> {
    let mut bytes = Vec::new();
    zip.by_name(name).unwrap_or_else(|_| panic!("no {name}")).read_to_end(&mut bytes).unwrap();
    bytes
}

db_test!(
    async fn a_package_holds_everything_and_its_manifest_proves_it(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        upload(&app, &s.officer, &s.assessment, "policy.txt", b"Access policy, version 1\n").await;
        upload(&app, &s.officer, &s.assessment, "policy.txt", b"Access policy, version 2\n").await;

        let (status, content_type, disposition, bytes) = fetch(&app, &s.officer, &format!("/api/assessments/{}/package", s.assessment)).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
        assert_eq!(content_type, "application/zip");
        assert_eq!(disposition, format!("attachment; filename=\"assessment-{}-package.zip\"", s.assessment));
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
        let mut names: Vec<String> = zip.file_names().map(|n| n.unwrap().to_string()).collect();
        names.sort();
        let expected = [
            "evidence/AC.L2-3.1.1/policy-2.txt".to_owned(),
            "evidence/AC.L2-3.1.1/policy.txt".to_owned(),
            "evidence/links.json".to_owned(),
            "manifest.json".to_owned(),
            "oscal/assessment-results.json".to_owned(),
            format!("oscal/poam-{}.json", s.poam),
            format!("reports/poam-{}.csv", s.poam),
            "reports/results.csv".to_owned(),
        ];
        assert_eq!(names, expected);
        assert_eq!(entry(&mut zip, "evidence/AC.L2-3.1.1/policy.txt"), b"Access policy, version 1\n");
        assert_eq!(entry(&mut zip, "evidence/AC.L2-3.1.1/policy-2.txt"), b"Access policy, version 2\n");
        let manifest: Value = serde_json::from_slice(&entry(&mut zip, "manifest.json")).unwrap();
        assert_eq!(manifest["assessment"]["id"], s.assessment.as_str());
        assert_eq!(manifest["signature"]["algorithm"], "HMAC-SHA256");
        assert_eq!(manifest["files"].as_array().unwrap().len(), expected.len() - 1);
        let results: Value = serde_json::from_slice(&entry(&mut zip, "oscal/assessment-results.json")).unwrap();
        assert_eq!(results["assessment-results"]["results"][0]["findings"].as_array().unwrap().len(), 110);
        let hrefs: Vec<&str> = results["assessment-results"]["back-matter"]["resources"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["rlinks"][0]["href"].as_str())
            .filter(|h| h.starts_with("evidence/"))
            .collect();
        assert_eq!(hrefs, ["evidence/AC.L2-3.1.1/policy.txt", "evidence/AC.L2-3.1.1/policy-2.txt"], "the OSCAL results link the files where the package puts them");
        let links: Value = serde_json::from_slice(&entry(&mut zip, "evidence/links.json")).unwrap();
        assert_eq!(links[0]["url"], "https://sharepoint.example/policy.pdf");

        let dir = tempfile::tempdir().unwrap();
        let whole = dir.path().join("whole.zip");
        std::fs::write(&whole, &bytes).unwrap();
        assert_eq!(cmmc_bootstrap::ops::verify_package(&app.settings, &whole).unwrap(), Vec::<String>::new());
        let at = bytes.windows(9).position(|w| w == b"version 2").unwrap();
        let mut changed = bytes.clone();
        changed[at] = b'V';
        let tampered = dir.path().join("tampered.zip");
        std::fs::write(&tampered, &changed).unwrap();
        let problems = cmmc_bootstrap::ops::verify_package(&app.settings, &tampered).unwrap();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].starts_with("evidence/AC.L2-3.1.1/policy-2.txt: "), "{problems:?}");

        let audit = app.call("GET", "/api/audit?action=assessment.package", Some(&s.admin), None).await.body;
        assert_eq!(audit["total"], 1);
        let other = app.create_org(&s.admin, "Other").await;
        app.create_user(&s.admin, &other, "stranger", &["compliance_officer"]).await;
        let stranger = app.login("stranger", cmmc_tests::PASSWORD).await;
        let hidden = app.call("GET", &format!("/api/assessments/{}/package", s.assessment), Some(&stranger), None).await;
        assert_eq!(hidden.status, 404);
    }
);
