//! The web interface over HTTP, as a browser speaks to it (cookies, forms,
//! htmx requests): sign-in and its cookies, the security headers, the form
//! tokens every POST needs, sessions ending at once, saving an answer
//! (the score panel answered out of band) and the If-Match rule on a stale
//! save, evidence, and the pages' tenant rules. The same flows in a real
//! browser are in `browser.rs`.

use std::collections::BTreeMap;

use cmmc_tests::{PASSWORD, TestApp, db_test, spawn_app, spawn_app_with};
use serde_json::json;

/// A page as answered.
pub(crate) struct Page {
    pub(crate) status: u16,
    pub(crate) body: String,
    headers: reqwest::header::HeaderMap,
}

impl Page {
    fn header(&self, name: &str) -> String {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
    }

    fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }

    /// The value of the first hidden input `name`.
    fn hidden(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker).unwrap_or_else(|| panic!("no {name} in {}", self.body))
            + marker.len();
        let end = self.body[start..].find('"').unwrap() + start;
        self.body[start..end].to_owned()
    }
}

/// One browser: its cookie jar, kept by hand from `Set-Cookie`.
pub(crate) struct Browser<'a> {
    app: &'a TestApp,
    cookies: BTreeMap<String, String>,
}

impl<'a> Browser<'a> {
    pub(crate) fn new(app: &'a TestApp) -> Self {
        Self { app, cookies: BTreeMap::new() }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let request = request.header("cookie", self.cookie_header()).header("accept", "text/html");
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap();
        let page = Page { status, body, headers };
        for cookie in page.set_cookies() {
            let pair = cookie.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || cookie.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        page
    }

    pub(crate) async fn get(&mut self, path: &str) -> Page {
        let url = format!("{}{path}", self.app.address);
        self.send(self.app.client.get(url)).await
    }

    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let url = format!("{}{path}", self.app.address);
        self.send(self.app.client.post(url).form(fields)).await
    }

    async fn post_htmx(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let url = format!("{}{path}", self.app.address);
        self.send(self.app.client.post(url).header("hx-request", "true").form(fields)).await
    }

    /// Signs in through the form; answers the form token of this browser.
    pub(crate) async fn sign_in(&mut self, username: &str) -> String {
        let login = self.get("/login").await;
        let token = login.hidden("csrf_token");
        let answer = self
            .post(
                "/login",
                &[
                    ("csrf_token", &token),
                    ("username", username),
                    ("password", PASSWORD),
                    ("next", "/"),
                ],
            )
            .await;
        assert_eq!(answer.status, 303, "{}", answer.body);
        token
    }
}

struct Setup {
    admin: String,
    org: String,
    officer_id: String,
    assessment: String,
}

async fn setup(app: &TestApp) -> Setup {
    let admin = app.admin_token().await;
    let org = app.create_org(&admin, "Acme").await;
    let officer_id = app.create_user(&admin, &org, "officer", &["compliance_officer"]).await;
    app.create_user(&admin, &org, "assessor", &["assessor", "c3pao_lead"]).await;
    let officer = app.login("officer", PASSWORD).await;
    let body = json!({ "org_id": org, "title": "FY27 self-assessment", "target_level": 2, "assessment_type": "self" });
    let created = app.call("POST", "/api/assessments", Some(&officer), Some(body)).await;
    let assessment = created.body["id"].as_str().unwrap().to_owned();
    Setup { admin, org, officer_id, assessment }
}

db_test!(
    async fn signing_in_sets_strict_cookies_under_a_strict_policy(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        setup(&app).await;
        let mut browser = Browser::new(&app);
        let first = browser.get("/").await;
        assert_eq!(first.status, 303);
        assert_eq!(first.header("location"), "/login?next=/");
        let form_cookie = first.set_cookies().into_iter().find(|c| c.starts_with("cmmc_form=")).unwrap();
        assert!(form_cookie.contains("HttpOnly") && form_cookie.contains("SameSite=Strict"), "{form_cookie}");
        assert!(!form_cookie.contains("Secure"), "plain HTTP here: {form_cookie}");

        let login = browser.get("/login").await;
        assert_eq!(login.status, 200);
        let csp = login.header("content-security-policy");
        assert!(csp.contains("script-src 'self'") && csp.contains("style-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
        assert_eq!(login.header("x-frame-options"), "DENY");
        assert!(login.set_cookies().is_empty(), "the browser keeps its form cookie");
        assert!(login.body.contains("<label for=\"username\">Username</label>"));
        assert!(login.body.contains("<label for=\"password\">Password</label>"));
        assert!(login.body.contains(">Sign in</button>"));
        for script in login.body.split("<script").skip(1) {
            assert!(script.trim_start().starts_with("src=\"/static/"), "inline script: {script}");
        }
        assert!(!login.body.contains("style=\""), "inline style");

        // Without the form token, or with another browser's, nothing happens.
        let forged = browser.post("/login", &[("username", "officer"), ("password", PASSWORD), ("csrf_token", "00")]).await;
        assert_eq!(forged.status, 403, "{}", forged.body);
        let mut other = Browser::new(&app);
        let other_token = other.get("/login").await.hidden("csrf_token");
        let crossed = browser
            .post("/login", &[("username", "officer"), ("password", PASSWORD), ("csrf_token", &other_token)])
            .await;
        assert_eq!(crossed.status, 403);
        assert!(!browser.cookies.contains_key("cmmc_session"));

        let token = login.hidden("csrf_token");
        let wrong = browser.post("/login", &[("csrf_token", &token), ("username", "officer"), ("password", "wrong password!")]).await;
        assert_eq!(wrong.status, 401);
        assert!(wrong.body.contains("the username or password is incorrect"), "{}", wrong.body);
        assert!(wrong.body.contains("value=\"officer\""), "the username stays");

        let signed = browser
            .post("/login", &[("csrf_token", &token), ("username", "officer"), ("password", PASSWORD), ("next", "//evil.example/")])
            .await;
        assert_eq!(signed.status, 303);
        assert_eq!(signed.header("location"), "/", "no open redirect");
        let session = signed.set_cookies().into_iter().find(|c| c.starts_with("cmmc_session=")).unwrap();
        assert!(session.contains("HttpOnly") && session.contains("SameSite=Strict") && session.contains("Max-Age="), "{session}");
        let dashboard = browser.get("/").await;
        assert_eq!(dashboard.status, 200, "{}", dashboard.body);
        assert!(dashboard.body.contains("Dashboard: Acme"));
        assert!(dashboard.body.contains("FY27 self-assessment"));
        assert!(dashboard.body.contains("No assessment has been completed yet"), "no history yet");
        assert!(!dashboard.body.contains("<svg"), "no empty chart");
        assert_eq!(dashboard.header("cache-control"), "private, no-store");
    }
);

db_test!(
    async fn secure_cookies_when_the_public_url_is_https(backend) {
        let Some(app) = spawn_app_with(backend, &[("public_url", "https://cmmc.example.com")]).await else { return };
        setup(&app).await;
        let mut browser = Browser::new(&app);
        let login = browser.get("/login").await;
        assert!(login.set_cookies().iter().all(|c| c.contains("; Secure")), "{:?}", login.set_cookies());
        let token = login.hidden("csrf_token");
        let signed = browser.post("/login", &[("csrf_token", &token), ("username", "officer"), ("password", PASSWORD)]).await;
        assert!(signed.set_cookies().iter().any(|c| c.starts_with("cmmc_session=") && c.contains("; Secure")));
    }
);

db_test!(
    async fn signing_out_deactivation_and_role_changes_take_effect_at_once(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let mut browser = Browser::new(&app);
        let token = browser.sign_in("officer").await;
        assert_eq!(browser.get("/assessments/new").await.status, 200);

        // A role change: the next page already refuses.
        let roles = app
            .call("PUT", &format!("/api/organizations/{}/users/{}/roles", s.org, s.officer_id), Some(&s.admin), Some(json!({ "roles": ["viewer"] })))
            .await;
        assert_eq!(roles.status, 200, "{:?}", roles.body);
        let refused = browser.get("/assessments/new").await;
        assert_eq!(refused.status, 403, "{}", refused.body);

        // Signing out ends the sign-in itself, not only the cookie.
        let kept = browser.cookies.get("cmmc_session").unwrap().clone();
        let out = browser.post("/logout", &[("csrf_token", &token)]).await;
        assert_eq!(out.status, 303);
        assert!(!browser.cookies.contains_key("cmmc_session"));
        browser.cookies.insert("cmmc_session".into(), kept);
        assert_eq!(browser.get("/").await.status, 303, "the old cookie no longer works");
        let audit = app.call("GET", "/api/audit?action=auth.logout", Some(&s.admin), None).await;
        assert_eq!(audit.body["total"], 1, "{:?}", audit.body);

        // Deactivation: the next page sends the browser to sign in.
        let mut again = Browser::new(&app);
        again.sign_in("assessor").await;
        assert_eq!(again.get("/").await.status, 200);
        let users = app.call("GET", &format!("/api/organizations/{}/users", s.org), Some(&s.admin), None).await;
        let assessor_id = users.body["items"].as_array().or(users.body.as_array()).unwrap().iter().find(|u| u["username"] == "assessor").unwrap()["id"].as_str().unwrap().to_owned();
        let off = app
            .call("PATCH", &format!("/api/organizations/{}/users/{assessor_id}", s.org), Some(&s.admin), Some(json!({ "is_active": false })))
            .await;
        assert_eq!(off.status, 200, "{:?}", off.body);
        let gone = again.get(&format!("/assessments/{}", s.assessment)).await;
        assert_eq!(gone.status, 303);
        assert!(gone.header("location").starts_with("/login?next=/assessments/"), "{}", gone.header("location"));
        assert!(!gone.header("hx-redirect").is_empty(), "htmx follows with a full page load");
    }
);

/// Every POST page with real ids in its path.
fn post_paths(s: &Setup, poam: &str, item: &str, evidence: &str, finding: &str) -> Vec<String> {
    cmmc_web::pages::page_list()
        .into_iter()
        .filter(|(method, _)| *method == "POST")
        .map(|(_, path)| {
            path.replace("{id}", &s.assessment)
                .replace("{practice_id}", "IA.L2-3.5.3")
                .replace("{evidence_id}", evidence)
                .replace("{finding_id}", finding)
                .replace("{poam_id}", poam)
                .replace("{item_id}", item)
        })
        .collect()
}

db_test!(
    async fn every_form_needs_this_browsers_token_and_changes_nothing_without_it(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let mut browser = Browser::new(&app);
        browser.sign_in("officer").await;
        let mut stranger = Browser::new(&app);
        let foreign = stranger.get("/login").await.hidden("csrf_token");
        let before = app.call("GET", "/api/audit?per_page=1", Some(&s.admin), None).await.body["total"].clone();
        let zero = "00000000-0000-0000-0000-000000000000";
        let paths = post_paths(&s, zero, zero, zero, zero);
        assert!(paths.len() >= 12, "{paths:?}");
        for path in &paths {
            for token in ["", foreign.as_str()] {
                let page = browser.post(path, &[("csrf_token", token), ("action", "start"), ("title", "x"), ("status", "met"), ("version", "1")]).await;
                assert_eq!(page.status, 403, "{path} with {token:?}: {}", page.body);
                assert!(page.body.contains("The form has expired"), "{path}");
            }
        }
        let after = app.call("GET", "/api/audit?per_page=1", Some(&s.admin), None).await.body["total"].clone();
        // The stranger's visit and these refusals wrote nothing but nothing.
        assert_eq!(before, after);
        let assessment = app.call("GET", &format!("/api/assessments/{}", s.assessment), Some(&s.admin), None).await;
        assert_eq!(assessment.body["status"], "draft");
    }
);

db_test!(
    async fn an_answer_saved_moves_the_score_and_a_stale_save_shows_what_changed(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let mut officer = Browser::new(&app);
        let token = officer.sign_in("officer").await;
        let page = officer.get(&format!("/assessments/{}", s.assessment)).await;
        assert!(page.body.contains(">Start assessment</button>"), "{}", page.body);
        let started = officer.post(&format!("/assessments/{}/transition", s.assessment), &[("csrf_token", &token), ("action", "start")]).await;
        assert_eq!(started.status, 303);
        let page = officer.get(&format!("/assessments/{}?domain=IA", s.assessment)).await;
        assert!(page.body.contains("data-testid=\"sprs-score\">-203<"), "every practice unevaluated counts as unmet");
        assert!(page.body.contains("IA.L2-3.5.3") && !page.body.contains("AC.L2-3.1.1<"), "filtered to IA");

        let path = format!("/assessments/{}/practices/IA.L2-3.5.3", s.assessment);
        let mut assessor = Browser::new(&app);
        let assessor_token = assessor.sign_in("assessor").await;
        let theirs = assessor.get(&path).await;
        let mine = officer.get(&path).await;
        assert_eq!(mine.status, 200, "{}", mine.body);
        for text in ["<legend>[a] privileged accounts are identified", "Not applicable</label>", ">Save</button>"] {
            assert!(mine.body.to_lowercase().contains(&text.to_lowercase()), "{text}");
        }
        let version = mine.hidden("version");
        let objectives: Vec<(String, &str)> = ["a", "b", "c", "d", "e", "f"].iter().map(|l| (format!("objective_{l}"), "met")).collect();
        let mut fields: Vec<(&str, &str)> = vec![("csrf_token", &token), ("version", &version), ("assessor_notes", "TOTP everywhere")];
        let objective_count = mine.body.matches("<fieldset class=\"objective\"").count();
        fields.extend(objectives.iter().take(objective_count).map(|(n, v)| (n.as_str(), *v)));
        let saved = officer.post_htmx(&path, &fields).await;
        assert_eq!(saved.status, 200, "{}", saved.body);
        assert!(saved.body.contains("Saved.") && saved.body.contains("hx-swap-oob=\"true\""), "{}", saved.body);
        let score = app.call("GET", &format!("/api/assessments/{}/score", s.assessment), Some(&s.admin), None).await;
        let sprs = score.body["sprs_score"].as_i64().unwrap();
        assert!(sprs > -203);
        assert!(saved.body.contains(&format!("data-testid=\"sprs-score\">{sprs}<")), "the panel shows the committed score");

        // The assessor's page was read before that save: theirs is stale.
        let stale = assessor
            .post(&path, &[("csrf_token", &assessor_token), ("version", &theirs.hidden("version")), ("objective_a", "not_met"), ("assessor_notes", "TOTP everywhere")])
            .await;
        assert_eq!(stale.status, 412, "{}", stale.body);
        assert!(stale.body.contains("Someone else saved this practice"));
        assert!(stale.body.contains("<td>Objective [a]</td><td>Not met</td><td>Met</td>"), "{}", stale.body);
        let answer = app.call("GET", &format!("/api/assessments/{}/practices/IA.L2-3.5.3", s.assessment), Some(&s.admin), None).await;
        assert_eq!(answer.body["status"], "met", "not overwritten: {:?}", answer.body);
        let audit = app.call("GET", "/api/audit?action=assessment_practice.update", Some(&s.admin), None).await;
        assert_eq!(audit.body["total"], 1);
        // A plain form post goes back to the page.
        let version = stale.hidden("version");
        let plain = assessor.post(&path, &[("csrf_token", &assessor_token), ("version", &version), ("objective_a", "not_met")]).await;
        assert_eq!(plain.status, 303);
        assert_eq!(plain.header("location"), format!("{path}?saved=1"));
        let unknown = officer.post(&path, &[("csrf_token", &token), ("version", "1"), ("colour", "red")]).await;
        assert_eq!(unknown.status, 400);
    }
);

db_test!(
    async fn evidence_is_uploaded_downloaded_and_reviewed_by_another_user(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let mut officer = Browser::new(&app);
        let token = officer.sign_in("officer").await;
        officer.post(&format!("/assessments/{}/transition", s.assessment), &[("csrf_token", &token), ("action", "start")]).await;
        let path = format!("/assessments/{}/practices/AC.L2-3.1.1/evidence", s.assessment);
        let upload = |token: &str| {
            reqwest::multipart::Form::new()
                .text("csrf_token", token.to_owned())
                .text("title", "Access policy")
                .part("file", reqwest::multipart::Part::bytes(b"Access is granted by role.\n".to_vec()).file_name("policy.txt"))
        };
        let url = format!("{}{path}", app.address);
        let refused = officer.send(app.client.post(&url).multipart(upload("00"))).await;
        assert_eq!(refused.status, 403);
        let listed = app.call("GET", &format!("/api/assessments/{}/evidence", s.assessment), Some(&s.admin), None).await;
        assert_eq!(listed.body["total"], 0, "nothing stored without the token");
        let sent = officer.send(app.client.post(&url).multipart(upload(&token))).await;
        assert_eq!(sent.status, 303, "{}", sent.body);
        let page = officer.get(&format!("/assessments/{}/practices/AC.L2-3.1.1", s.assessment)).await;
        assert!(page.body.contains("Download policy.txt"), "{}", page.body);
        assert!(page.body.contains("data-testid=\"review-status\">Pending"));
        let start = page.body.find("/evidence/").unwrap() + "/evidence/".len();
        let evidence_id = page.body[start..start + 36].to_owned();
        let file = officer.get(&format!("{path}/{evidence_id}/download")).await;
        assert_eq!(file.status, 200);
        assert_eq!(file.body, "Access is granted by role.\n");
        assert!(file.header("content-disposition").contains("policy.txt"));
        assert!(!page.body.contains(">Accept</button>"), "an officer may not review");

        let mut assessor = Browser::new(&app);
        let assessor_token = assessor.sign_in("assessor").await;
        let page = assessor.get(&format!("/assessments/{}/practices/AC.L2-3.1.1", s.assessment)).await;
        assert!(page.body.contains(">Accept</button>"));
        let reviewed = assessor
            .post(&format!("{path}/{evidence_id}/review"), &[("csrf_token", &assessor_token), ("status", "accepted"), ("comment", "Signed and current")])
            .await;
        assert_eq!(reviewed.status, 303, "{}", reviewed.body);
        let page = assessor.get(&format!("/assessments/{}/practices/AC.L2-3.1.1", s.assessment)).await;
        assert!(page.body.contains("data-testid=\"review-status\">Accepted"), "{}", page.body);
    }
);

db_test!(
    async fn pages_keep_to_the_tenant_rules_and_unknown_pages_are_html(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let other_org = app.create_org(&s.admin, "Other").await;
        app.create_user(&s.admin, &other_org, "stranger", &["compliance_officer"]).await;
        let mut stranger = Browser::new(&app);
        stranger.sign_in("stranger").await;
        for path in [
            format!("/assessments/{}", s.assessment),
            format!("/assessments/{}/practices/AC.L2-3.1.1", s.assessment),
            format!("/assessments/{}/findings", s.assessment),
            format!("/assessments/{}/poams", s.assessment),
        ] {
            let page = stranger.get(&path).await;
            assert_eq!(page.status, 404, "{path}: {}", page.body);
            assert!(page.header("content-type").starts_with("text/html"));
        }
        let list = stranger.get("/assessments").await;
        assert!(!list.body.contains("FY27"), "another organisation's assessment is not listed");
        let missing = stranger.get("/no/such/page").await;
        assert_eq!(missing.status, 404);
        assert!(missing.body.contains("Page not found"));
        let api = app.call("GET", "/api/no/such/endpoint", None, None).await;
        assert_eq!(api.header("content-type"), "application/problem+json");
        let htmx = stranger.get("/static/htmx-2.0.11.min.js").await;
        assert_eq!(htmx.status, 200);
        assert!(htmx.header("cache-control").contains("immutable"));
        assert!(htmx.body.contains("htmx"));
        let catalog = stranger.get("/catalog?q=multifactor").await;
        assert!(catalog.body.contains("IA.L2-3.5.3"), "search finds MFA");
        assert!(!catalog.body.contains("AC.L2-3.1.1<"));
        let users = stranger.get("/admin/users").await;
        assert_eq!(users.status, 403, "a compliance officer may not list users");
    }
);

db_test!(
    async fn the_download_links_are_the_api_exports_and_are_audited(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let mut officer = Browser::new(&app);
        let token = officer.sign_in("officer").await;
        officer.post(&format!("/assessments/{}/transition", s.assessment), &[("csrf_token", &token), ("action", "start")]).await;
        let page = officer.get(&format!("/assessments/{}", s.assessment)).await;
        for link in ["export/results?format=xlsx", "export/results?format=csv", "export/report?format=docx", "export/report?format=html"] {
            assert!(page.body.contains(&format!("/assessments/{}/{link}", s.assessment)), "{link}");
        }
        let url = |rest: &str| format!("{}/assessments/{}/{rest}", app.address, s.assessment);
        let cookie = officer.cookie_header();
        let fetch = |url: String| {
            let cookie = cookie.clone();
            let client = app.client.clone();
            async move { client.get(url).header("cookie", cookie).send().await.unwrap() }
        };
        let xlsx = fetch(url("export/results?format=xlsx")).await;
        assert_eq!(xlsx.status(), 200);
        assert!(xlsx.headers()["content-disposition"].to_str().unwrap().contains(".xlsx"));
        assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"), "a zip: the workbook");
        let csv = fetch(url("export/results?format=csv")).await.text().await.unwrap();
        assert!(csv.starts_with("practice_id,") && csv.contains("IA.L2-3.5.3"), "{}", &csv[..80.min(csv.len())]);
        let report = fetch(url("export/report?format=html")).await;
        assert!(report.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
        assert!(report.text().await.unwrap().contains("Assessment summary"));
        let bad = fetch(url("export/results?format=pdf")).await;
        assert_eq!(bad.status(), 400);
        let audit = app.call("GET", "/api/audit?action=assessment.export", Some(&s.admin), None).await;
        assert_eq!(audit.body["total"], 2, "each download is audited as the API's are");

        officer.post(&format!("/assessments/{}/poams/generate", s.assessment), &[("csrf_token", &token)]).await;
        let poams = officer.get(&format!("/assessments/{}/poams", s.assessment)).await;
        let start = poams.body.find("href=\"/poams/").unwrap() + "href=\"".len();
        let link = &poams.body[start..start + "/poams/".len() + 36];
        let file = fetch(format!("{}{link}/export?format=csv", app.address)).await;
        assert_eq!(file.status(), 200);
        assert!(file.text().await.unwrap().lines().count() > 1, "the POA&M's items");
        let stranger_org = app.create_org(&s.admin, "Other").await;
        app.create_user(&s.admin, &stranger_org, "stranger", &["compliance_officer"]).await;
        let mut stranger = Browser::new(&app);
        stranger.sign_in("stranger").await;
        let theirs = stranger.get(&format!("/assessments/{}/export/results?format=csv", s.assessment)).await;
        assert_eq!(theirs.status, 404, "another organisation's export");
    }
);

/// The current TOTP code of `secret` (base32), as an authenticator app shows it.
fn totp_code(secret: &str) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.to_owned()).to_bytes().unwrap();
    let totp =
        totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, bytes, None, "x".into()).unwrap();
    totp.generate_current().unwrap()
}

db_test!(
    async fn mfa_is_set_up_with_a_qr_code_and_then_asked_for_at_sign_in(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let mut browser = Browser::new(&app);
        let token = browser.sign_in("officer").await;
        let off = browser.get("/account/mfa").await;
        assert!(off.body.contains(">Set up an authenticator app</button>"), "{}", off.body);
        let scan = browser.post("/account/mfa/enrol", &[("csrf_token", &token)]).await;
        assert_eq!(scan.status, 200, "{}", scan.body);
        assert!(scan.body.contains("<svg role=\"img\" aria-label=\"QR code"), "a QR code drawn on the server");
        assert!(!scan.body.contains("<?xml"));
        let marker = "data-testid=\"totp-secret\">";
        let start = scan.body.find(marker).unwrap() + marker.len();
        let secret = scan.body[start..].split('<').next().unwrap().to_owned();
        let wrong = browser.post("/account/mfa/confirm", &[("csrf_token", &token), ("code", "000000")]).await;
        assert_eq!(wrong.status, 200);
        assert!(wrong.body.contains("Scan the new code"), "{}", wrong.body);
        let start = wrong.body.find(marker).unwrap() + marker.len();
        let secret_again = wrong.body[start..].split('<').next().unwrap().to_owned();
        assert_ne!(secret, secret_again, "a fresh secret after a wrong code");
        let on = browser.post("/account/mfa/confirm", &[("csrf_token", &token), ("code", &totp_code(&secret_again))]).await;
        assert_eq!(on.status, 200, "{}", on.body);
        assert_eq!(on.body.matches("<li><code>").count(), 10, "ten recovery codes, shown once");
        browser.post("/logout", &[("csrf_token", &token)]).await;

        // Signing in now takes the second step.
        let login = browser.get("/login").await;
        let token = login.hidden("csrf_token");
        let first = browser.post("/login", &[("csrf_token", &token), ("username", "officer"), ("password", PASSWORD)]).await;
        assert_eq!(first.status, 200);
        assert!(first.body.contains("<label for=\"code\">Authentication code</label>"));
        assert!(!browser.cookies.contains_key("cmmc_session"), "no sign-in before the code");
        let mfa_token = first.hidden("mfa_token");
        let bad = browser.post("/login/mfa", &[("csrf_token", &token), ("mfa_token", &mfa_token), ("code", "123456")]).await;
        assert_eq!(bad.status, 401);
        let again = browser.post("/login", &[("csrf_token", &token), ("username", "officer"), ("password", PASSWORD)]).await;
        let mfa_token = again.hidden("mfa_token");
        let code = totp_code(&secret_again);
        let signed = browser.post("/login/mfa", &[("csrf_token", &token), ("mfa_token", &mfa_token), ("code", &code)]).await;
        assert!(signed.status == 303 || signed.status == 401, "{}", signed.status);
        // The code may have been used at confirmation within the same 30 s (no replay): a recovery code then.
        if signed.status == 401 {
            let retry = browser.post("/login", &[("csrf_token", &token), ("username", "officer"), ("password", PASSWORD)]).await;
            let recovery = on.body.split("<li><code>").nth(1).unwrap().split('<').next().unwrap().to_owned();
            let ok = browser.post("/login/mfa", &[("csrf_token", &token), ("mfa_token", &retry.hidden("mfa_token")), ("code", &recovery)]).await;
            assert_eq!(ok.status, 303, "{}", ok.body);
        }
        assert!(browser.cookies.contains_key("cmmc_session"));
        assert_eq!(browser.get("/account/mfa").await.status, 200);
        let audit = app.call("GET", "/api/audit?action=auth.login", Some(&s.admin), None).await;
        assert!(audit.body["total"].as_i64().unwrap() >= 3);
    }
);

db_test!(
    async fn a_sign_in_that_must_enrol_is_sent_to_the_mfa_page(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        let policy = app.call("PUT", &format!("/api/organizations/{}/mfa-policy", s.org), Some(&s.admin), Some(json!({ "require": "all" }))).await;
        assert_eq!(policy.status, 200, "{:?}", policy.body);
        let mut browser = Browser::new(&app);
        let login = browser.get("/login").await;
        let token = login.hidden("csrf_token");
        let signed = browser.post("/login", &[("csrf_token", &token), ("username", "officer"), ("password", PASSWORD), ("next", "/assessments")]).await;
        assert_eq!(signed.status, 303);
        assert_eq!(signed.header("location"), "/account/mfa");
        let page = browser.get("/account/mfa").await;
        assert!(page.body.contains("Your organisation requires multi-factor authentication"), "{}", page.body);
        let elsewhere = browser.get("/assessments").await;
        assert_eq!(elsewhere.status, 303);
        assert_eq!(elsewhere.header("location"), "/account/mfa");
    }
);

db_test!(
    async fn an_administrator_changes_roles_and_deactivates_from_the_users_page(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let s = setup(&app).await;
        app.create_user(&s.admin, &s.org, "boss", &["org_admin"]).await;
        let mut boss = Browser::new(&app);
        let token = boss.sign_in("boss").await;
        let page = boss.get("/admin/users").await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("<legend>Roles of officer</legend>"));
        assert!(!page.body.contains("value=\"system_admin\""), "only a system administrator makes system administrators");
        assert!(!page.body.contains("Deactivate boss"), "not oneself");
        let mut officer = Browser::new(&app);
        officer.sign_in("officer").await;
        assert_eq!(officer.get("/assessments/new").await.status, 200);

        let roles = format!("/admin/users/{}/{}/roles", s.org, s.officer_id);
        let changed = boss.post(&roles, &[("csrf_token", &token), ("role", "viewer")]).await;
        assert_eq!(changed.status, 303, "{}", changed.body);
        assert_eq!(officer.get("/assessments/new").await.status, 403, "at once");
        let page = boss.get("/admin/users").await;
        let row = page.body.split("<legend>Roles of officer</legend>").nth(1).unwrap().split("</fieldset>").next().unwrap().to_owned();
        assert!(row.contains("value=\"viewer\" checked") && !row.contains("value=\"compliance_officer\" checked"), "{row}");
        let bad = boss.post(&roles, &[("csrf_token", &token), ("role", "emperor")]).await;
        assert_eq!(bad.status, 400, "{}", bad.body);

        let active = format!("/admin/users/{}/{}/active", s.org, s.officer_id);
        let unreadable = boss.post(&active, &[("csrf_token", &token), ("active", "maybe")]).await;
        assert_eq!(unreadable.status, 400, "{}", unreadable.body);
        assert!(unreadable.header("content-type").starts_with("text/html"));
        assert!(unreadable.body.contains("Please check the form"), "{}", unreadable.body);
        assert_eq!(officer.get("/").await.status, 200, "nothing changed");
        assert_eq!(boss.post(&active, &[("csrf_token", &token), ("active", "false")]).await.status, 303);
        assert_eq!(officer.get("/").await.status, 303, "deactivated: signed out at once");
        let audit = app.call("GET", "/api/audit?action=user.roles_change", Some(&s.admin), None).await;
        assert_eq!(audit.body["total"], 1, "{:?}", audit.body);

        // Another organisation's administrator sees and changes nothing here.
        let other = app.create_org(&s.admin, "Other").await;
        app.create_user(&s.admin, &other, "rival", &["org_admin"]).await;
        let mut rival = Browser::new(&app);
        let rival_token = rival.sign_in("rival").await;
        let refused = rival.post(&roles, &[("csrf_token", &rival_token), ("role", "org_admin")]).await;
        assert_eq!(refused.status, 404);
    }
);

db_test!(
    async fn a_browser_sign_in_left_idle_ends_and_one_in_use_does_not(backend) {
        let Some(app) = spawn_app_with(backend, &[("web_idle_timeout_secs", "3")]).await else { return };
        let s = setup(&app).await;
        let mut browser = Browser::new(&app);
        browser.sign_in("officer").await;
        let pause = |secs: u64| tokio::time::sleep(std::time::Duration::from_secs(secs));
        // Each page within the timeout of the last keeps the sign-in alive.
        for _ in 0..2 {
            pause(2).await;
            assert_eq!(browser.get("/").await.status, 200, "in use");
        }
        pause(4).await;
        let idle = browser.get("/").await;
        assert_eq!(idle.status, 303, "left idle for longer than the timeout");
        assert!(idle.header("location").starts_with("/login"));
        let audit = app.call("GET", "/api/audit?action=auth.idle_timeout", Some(&s.admin), None).await;
        assert_eq!(audit.body["total"], 1, "{:?}", audit.body);
        // The sign-in itself ended: signing in again starts a new one.
        browser.sign_in("officer").await;
        assert_eq!(browser.get("/").await.status, 200);
        let settings = cmmc_api::Settings::from_sources(None, &[("web_idle_timeout_secs", Some("0".into()))]);
        assert!(settings.is_err(), "a timeout of 0 is refused");
    }
);
