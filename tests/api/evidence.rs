//! Evidence through the HTTP API: upload, list, download, review, and every
//! kind of bad input, a cut-off upload and a tampered file.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use cmmc_tests::{PASSWORD, TestApp, db_test, spawn_app, spawn_app_with};
use serde_json::{Value, json};

struct Setup {
    admin: String,
    officer: String,
    assessor: String,
    assessment: String,
    upload_dir: PathBuf,
}

async fn setup(app: &TestApp) -> Setup {
    let admin = app.admin_token().await;
    let org = app.create_org(&admin, "Acme").await;
    app.create_user(&admin, &org, "officer", &["compliance_officer"]).await;
    app.create_user(&admin, &org, "assessor", &["assessor"]).await;
    app.create_user(&admin, &org, "viewer", &["viewer"]).await;
    let officer = app.login("officer", PASSWORD).await;
    let assessor = app.login("assessor", PASSWORD).await;
    let created = app
        .call("POST", "/api/assessments", Some(&officer), Some(json!({ "org_id": org, "title": "FY26", "target_level": 2, "assessment_type": "self" })))
        .await;
    let assessment = created.body["id"].as_str().unwrap().to_owned();
    app.call("POST", &format!("/api/assessments/{assessment}/start"), Some(&officer), None).await;
    Setup { admin, officer, assessor, assessment, upload_dir: app.settings.upload_dir.clone() }
}

fn pdf(n: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.extend((0..n).map(|i| (i % 251) as u8));
    bytes
}

async fn upload(
    app: &TestApp,
    token: &str,
    assessment: &str,
    form: reqwest::multipart::Form,
) -> (u16, Value) {
    let response = app
        .client
        .post(format!(
            "{}/api/assessments/{assessment}/practices/AC.L2-3.1.1/evidence",
            app.address
        ))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn file_form(title: &str, name: &str, bytes: Vec<u8>) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("title", title.to_owned())
        .text("description", "as exported from the policy library")
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()))
}

/// The files in the upload directory (stored evidence and any leftover temporary files).
fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

async fn count(app: &TestApp, s: &Setup) -> u64 {
    app.call("GET", &format!("/api/assessments/{}/evidence", s.assessment), Some(&s.officer), None)
        .await
        .body["total"]
        .as_u64()
        .unwrap()
}

db_test!(
    async fn evidence_uploads_lists_and_downloads_byte_identical(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let bytes = pdf(300_000);
        let (status, created) = upload(&app, &s.officer, &s.assessment, file_form("Access control policy", "Política de acceso.pdf", bytes.clone())).await;
        assert_eq!(status, 201, "{created}");
        assert_eq!(created["original_filename"], "Política de acceso.pdf");
        assert_eq!(created["size_bytes"], bytes.len());
        assert_eq!(created["media_type"], "application/pdf");
        assert_eq!(created["review_status"], "pending");
        let sha = created["sha256"].as_str().unwrap().to_owned();
        assert_eq!(files(&s.upload_dir), vec![sha.clone()], "stored under its hash, nothing else left behind");

        let id = created["id"].as_str().unwrap().to_owned();
        let listed = app.call("GET", &format!("/api/assessments/{}/practices/AC.L2-3.1.1/evidence", s.assessment), Some(&s.assessor), None).await;
        assert_eq!(listed.body["total"], 1);
        let pending = app.call("GET", &format!("/api/assessments/{}/evidence?review_status=pending", s.assessment), Some(&s.assessor), None).await;
        assert_eq!(pending.body["items"][0]["id"], id.as_str());
        assert_eq!(app.call("GET", &format!("/api/assessments/{}/evidence?review_status=maybe", s.assessment), Some(&s.assessor), None).await.status, 400);

        let response = app
            .client
            .get(format!("{}/api/assessments/{}/practices/AC.L2-3.1.1/evidence/{id}/download", app.address, s.assessment))
            .bearer_auth(&s.assessor)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(response.headers()["content-type"], "application/pdf");
        let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
        assert!(disposition.starts_with("attachment"), "{disposition}");
        assert!(disposition.contains("filename*=UTF-8''Pol%C3%ADtica"), "{disposition}");
        assert_eq!(response.bytes().await.unwrap().to_vec(), bytes, "byte-identical");

        let practice = app.call("GET", &format!("/api/assessments/{}/practices/AC.L2-3.1.1", s.assessment), Some(&s.officer), None).await;
        assert_eq!(practice.body["evidence"], json!({ "pending": 1, "accepted": 0, "rejected": 0 }));

        // A link instead of a file.
        let form = reqwest::multipart::Form::new().text("title", "SSP on SharePoint").text("file_url", "https://sharepoint.example/ssp.docx");
        let (status, link) = upload(&app, &s.officer, &s.assessment, form).await;
        assert_eq!(status, 201, "{link}");
        let link_id = link["id"].as_str().unwrap();
        let download = app.call("GET", &format!("/api/assessments/{}/practices/AC.L2-3.1.1/evidence/{link_id}/download", s.assessment), Some(&s.officer), None).await;
        assert_eq!(download.status, 409, "a link has no file: {:?}", download.body);
        assert!(download.body["detail"].as_str().unwrap().contains("link"), "{:?}", download.body);
        let audit = app.call("GET", "/api/audit?action=evidence.create", Some(&s.admin), None).await;
        assert_eq!(audit.body["total"], 2);
    }
);

db_test!(
    async fn review_rules_hold_and_reviewed_evidence_stays(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let (_, created) = upload(&app, &s.assessor, &s.assessment, file_form("Screenshot", "mfa.png", [&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A][..], &[7; 64]].concat())).await;
        assert_eq!(created["media_type"], "image/png");
        let id = created["id"].as_str().unwrap().to_owned();
        let url = format!("/api/assessments/{}/practices/AC.L2-3.1.1/evidence/{id}", s.assessment);
        let review_url = format!("{url}/review");
        let review = |token: &str, body: Value| {
            let (token, review_url) = (token.to_owned(), review_url.clone());
            let app = &app;
            async move { app.call("POST", &review_url, Some(&token), Some(body)).await }
        };
        assert_eq!(review(&s.assessor, json!({ "status": "accepted" })).await.status, 403, "nobody reviews what they uploaded");
        assert_eq!(review(&s.officer, json!({ "status": "accepted" })).await.status, 403, "compliance officers do not review");
        let viewer = app.login("viewer", PASSWORD).await;
        assert_eq!(review(&viewer, json!({ "status": "accepted" })).await.status, 403);
        app.create_user(&s.admin, &created_org(&app, &s).await, "lead", &["c3pao_lead"]).await;
        let lead = app.login("lead", PASSWORD).await;
        assert_eq!(review(&lead, json!({ "status": "pending" })).await.status, 400);
        let rejected = review(&lead, json!({ "status": "rejected", "comment": "unreadable" })).await;
        assert_eq!(rejected.status, 200, "{:?}", rejected.body);
        assert_eq!(rejected.body["review_status"], "rejected");
        assert_eq!(rejected.body["review_comment"], "unreadable");
        assert!(rejected.body["reviewed_at"].is_string());
        assert!(rejected.body["reviewer_id"].is_string());
        assert_eq!(app.call("DELETE", &url, Some(&s.assessor), None).await.status, 409, "reviewed evidence is a record");
        let practice = app.call("GET", &format!("/api/assessments/{}/practices", s.assessment), Some(&s.officer), None).await;
        assert_eq!(practice.body[0]["evidence"], json!({ "pending": 0, "accepted": 0, "rejected": 1 }));

        let (_, second) = upload(&app, &s.assessor, &s.assessment, file_form("Draft", "draft.txt", b"draft notes".to_vec())).await;
        let second_url = format!("/api/assessments/{}/practices/AC.L2-3.1.1/evidence/{}", s.assessment, second["id"].as_str().unwrap());
        assert_eq!(app.call("DELETE", &second_url, Some(&s.assessor), None).await.status, 204);
        assert!(!files(&s.upload_dir).contains(&second["sha256"].as_str().unwrap().to_owned()), "its file went with it");
        assert!(files(&s.upload_dir).contains(&created["sha256"].as_str().unwrap().to_owned()));
    }
);

async fn created_org(app: &TestApp, s: &Setup) -> String {
    let assessment = app
        .call("GET", &format!("/api/assessments/{}", s.assessment), Some(&s.officer), None)
        .await;
    assessment.body["org_id"].as_str().unwrap().to_owned()
}

db_test!(
    async fn bad_uploads_get_4xx_and_leave_neither_row_nor_file(backend) {
        let Some(app) = spawn_app_with(backend, &[("max_upload_bytes", "4096")]).await else { return };
        let s = setup(&app).await;
        let before = files(&s.upload_dir);
        let cases: Vec<(reqwest::multipart::Form, u16, &str)> = vec![
            (file_form("Empty", "empty.pdf", Vec::new()), 400, "empty"),
            (file_form("Traversal", "../../etc/passwd", pdf(10)), 400, "path"),
            (file_form("Absolute", "/etc/passwd", pdf(10)), 400, "path"),
            (file_form("Backslash", "..\\win.ini", pdf(10)), 400, "path"),
            (file_form("Executable", "setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00".to_vec()), 415, "not accepted"),
            (file_form("ELF", "tool.txt", vec![0x7F, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0]), 415, "not accepted"),
            (file_form("Too large", "big.pdf", pdf(10_000)), 413, "at most 4096"),
            (reqwest::multipart::Form::new().text("title", "Nothing"), 422, "file or a file_url"),
            (file_form("Both", "a.pdf", pdf(10)).text("file_url", "https://example.com/a.pdf"), 422, "not both"),
            (reqwest::multipart::Form::new().text("title", "Empty link").text("file_url", " "), 400, "empty"),
            (reqwest::multipart::Form::new().text("title", "Bad link").text("file_url", "file:///etc/passwd"), 400, "http"),
            (reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(pdf(10)).file_name("a.pdf")), 400, "title"),
            (file_form("Extra", "a.pdf", pdf(10)).text("owner", "me"), 400, "not a field"),
        ];
        for (form, status, words) in cases {
            let (got, body) = upload(&app, &s.officer, &s.assessment, form).await;
            assert_eq!(got, status, "{words}: {body}");
            assert_eq!(body["status"], status, "{body}");
            assert!(body["detail"].as_str().unwrap_or_default().contains(words), "{words}: {body}");
        }
        assert_eq!(count(&app, &s).await, 0, "no row");
        assert_eq!(files(&s.upload_dir), before, "no file");
    }
);

db_test!(
    async fn an_upload_cut_off_half_way_leaves_nothing(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let before = files(&s.upload_dir);
        let boundary = "cutoffboundary";
        let head = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nHalf\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"half.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
        );
        let mut body = head.into_bytes();
        body.extend(pdf(200_000));
        let request = format!(
            "POST /api/assessments/{}/practices/AC.L2-3.1.1/evidence HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n",
            s.assessment,
            s.officer,
            body.len() + 500_000
        );
        {
            let mut stream = std::net::TcpStream::connect(("127.0.0.1", app.port)).unwrap();
            stream.write_all(request.as_bytes()).unwrap();
            stream.write_all(&body).unwrap();
            stream.flush().unwrap();
            // The client goes away in the middle of the file.
        }
        let mut leftover = Vec::new();
        for _ in 0..50 {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            leftover = files(&s.upload_dir);
            if leftover == before {
                break;
            }
        }
        assert_eq!(leftover, before, "the temporary file was removed");
        assert_eq!(count(&app, &s).await, 0);
    }
);

db_test!(
    async fn a_file_tampered_with_on_disk_is_never_served(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let (_, created) = upload(&app, &s.officer, &s.assessment, file_form("Policy", "policy.pdf", pdf(1000))).await;
        let sha = created["sha256"].as_str().unwrap();
        let path = s.upload_dir.join(sha);
        let mut tampered = std::fs::read(&path).unwrap();
        tampered[100] ^= 0xFF;
        std::fs::write(&path, tampered).unwrap();
        let url = format!("/api/assessments/{}/practices/AC.L2-3.1.1/evidence/{}/download", s.assessment, created["id"].as_str().unwrap());
        let answer = app.call("GET", &url, Some(&s.officer), None).await;
        assert_eq!(answer.status, 500);
        assert_eq!(answer.body["type"], "/problems/integrity-failure");
        std::fs::remove_file(&path).unwrap();
        assert_eq!(app.call("GET", &url, Some(&s.officer), None).await.body["type"], "/problems/integrity-failure", "a missing file too");
    }
);

db_test!(
    async fn another_organisations_evidence_answers_404(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let (_, created) = upload(&app, &s.officer, &s.assessment, file_form("Policy", "policy.pdf", pdf(100))).await;
        let other = app.create_org(&s.admin, "Other").await;
        app.create_user(&s.admin, &other, "stranger", &["org_admin"]).await;
        let stranger = app.login("stranger", PASSWORD).await;
        let url = format!("/api/assessments/{}/practices/AC.L2-3.1.1/evidence/{}/download", s.assessment, created["id"].as_str().unwrap());
        assert_eq!(app.call("GET", &url, Some(&stranger), None).await.status, 404);
        assert_eq!(app.call("GET", &format!("/api/assessments/{}/evidence", s.assessment), Some(&stranger), None).await.status, 404);
        let (status, _) = upload(&app, &stranger, &s.assessment, file_form("Mine", "mine.pdf", pdf(10))).await;
        assert_eq!(status, 404);
    }
);
