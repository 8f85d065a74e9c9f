//! Hostile text in every input position of every route: NUL and other control
//! characters, escape sequences, invisible and right-to-left characters, dot
//! segments and very long ids, in the path, the query, JSON bodies and the
//! upload form. Sent as a system administrator on a realistic fixture, so
//! nothing is refused for want of a permission. The server may refuse any of
//! it, with a problem+json 4xx, but must never answer 5xx.

use std::sync::atomic::{AtomicUsize, Ordering};

use cmmc_domain::RoleName;
use cmmc_tests::{PASSWORD, TestApp, db_test, spawn_app};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

/// Path segments as sent, percent-encoded (see [`hostile_segments`] for the long one).
const SEGMENTS: [&str; 11] = [
    "%00",
    "a%00b",
    "%01",
    "%7F",
    "%1B%5B31m",
    "%C2%80",
    "%EF%BF%BF",
    "..",
    "%2e%2e%2f",
    "%E2%80%AE",
    "%F0%9F%98%80",
];

/// Query strings sent to every GET route.
const QUERIES: [&str; 10] = [
    "?x=%00",
    "?page=%00",
    "?per_page=%00",
    "?status=%00",
    "?q=%01",
    "?action=%00",
    "?org_id=%00",
    "?level=%00",
    "?practice_id=%00",
    "?review_status=%0B",
];

/// Text put in JSON and form fields.
const TEXTS: [&str; 10] = [
    "\u{0}",
    " \u{0} ",
    "x\u{0}y",
    "\u{1}",
    "\u{1b}[31m",
    "   ",
    "\t",
    "\u{7f}",
    "\u{200b}",
    "\u{feff}",
];

/// Routes that move the assessment along: their bodies are sent last, so
/// every other route meets the assessment still in progress.
const STATE_CHANGING: [&str; 4] = ["/start", "/submit", "/complete", "/reopen"];

static UNIQUE: AtomicUsize = AtomicUsize::new(0);

fn hostile_segments() -> Vec<String> {
    let mut segments: Vec<String> = SEGMENTS.iter().map(|s| (*s).to_owned()).collect();
    segments.push("a".repeat(300));
    segments
}

struct Fixture {
    admin: String,
    /// A throw-away organisation administrator: logout and password changes use its token.
    throwaway: String,
    org: String,
    /// DataPact may get configured here by a body that is let through; never on `org`,
    /// whose sync and contract list must stay a plain "not configured" 409.
    spare_org: String,
    /// The organisation's viewer, which user paths name.
    user: String,
    assessment: String,
    evidence: String,
    finding: String,
    poam: String,
    item: String,
    mapping: String,
}

impl Fixture {
    /// `path` with every `{param}` replaced by a real id.
    fn concrete(&self, path: &str) -> String {
        path.replace("{org_id}", &self.org)
            .replace("{user_id}", &self.user)
            .replace("{practice_id}", "AC.L2-3.1.1")
            .replace("{id}", &self.assessment)
            .replace("{evidence_id}", &self.evidence)
            .replace("{finding_id}", &self.finding)
            .replace("{poam_id}", &self.poam)
            .replace("{item_id}", &self.item)
            .replace("{mapping_id}", &self.mapping)
    }
}

async fn call_ok(
    app: &TestApp,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
    status: u16,
) -> Value {
    let answer = app.call(method, path, Some(token), body).await;
    assert_eq!(answer.status, status, "{method} {path}: {:?}", answer.body);
    answer.body
}

fn id_of(body: &Value) -> String {
    body["id"].as_str().unwrap_or_else(|| panic!("no id in {body}")).to_owned()
}

fn pdf_form(title: &str, description: Option<&str>, file_name: &str) -> Form {
    let n = UNIQUE.fetch_add(1, Ordering::Relaxed);
    let mut form = Form::new().text("title", title.to_owned());
    if let Some(description) = description {
        form = form.text("description", description.to_owned());
    }
    let bytes = format!("%PDF-1.7\n% hostile input {n}\n").into_bytes();
    form.part("file", Part::bytes(bytes).file_name(file_name.to_owned()))
}

/// An assessment in progress, a finding in remediation and the POA&M
/// generated from it: (assessment, finding, POA&M, its first item).
async fn setup_assessment(
    app: &TestApp,
    admin: &str,
    org: &str,
) -> (String, String, String, String) {
    let body = json!({ "org_id": org, "title": "Hostile input", "target_level": 2, "assessment_type": "third_party" });
    let assessment = id_of(&call_ok(app, admin, "POST", "/api/assessments", Some(body), 201).await);
    call_ok(app, admin, "POST", &format!("/api/assessments/{assessment}/start"), None, 200).await;
    let findings = format!("/api/assessments/{assessment}/findings");
    let body = json!({ "finding_type": "deficiency", "severity": "high", "title": "No MFA", "practice_id": "IA.L2-3.5.3" });
    let finding = id_of(&call_ok(app, admin, "POST", &findings, Some(body), 201).await);
    let moved = json!({ "status": "in_remediation" });
    call_ok(app, admin, "PATCH", &format!("{findings}/{finding}"), Some(moved), 200).await;
    let poam =
        call_ok(app, admin, "POST", &format!("/api/assessments/{assessment}/poam"), None, 201)
            .await;
    let item = poam["items"][0]["id"].as_str().unwrap_or_else(|| panic!("no item in {poam}"));
    (assessment, finding, id_of(&poam), item.to_owned())
}

/// Evidence uploaded by the compliance officer (so the administrator may review it).
async fn upload_evidence(app: &TestApp, officer: &str, assessment: &str) -> String {
    let response = app
        .client
        .post(format!(
            "{}/api/assessments/{assessment}/practices/AC.L2-3.1.1/evidence",
            app.address
        ))
        .bearer_auth(officer)
        .multipart(pdf_form("Access control policy", None, "policy.pdf"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    id_of(&response.json::<Value>().await.unwrap())
}

async fn setup(app: &TestApp) -> Fixture {
    let admin = app.admin_token().await;
    let org = app.create_org(&admin, "Hostile Input Inc").await;
    let spare_org = app.create_org(&admin, "Spare Inc").await;
    let mut user = String::new();
    for role in RoleName::ALL.iter().filter(|r| **r != RoleName::SystemAdmin) {
        let id = app.create_user(&admin, &org, &format!("h_{role}"), &[role.as_str()]).await;
        if *role == RoleName::Viewer {
            user = id;
        }
    }
    app.create_user(&admin, &org, "throwaway", &["org_admin"]).await;
    let throwaway = app.login("throwaway", PASSWORD).await;
    let (assessment, finding, poam, item) = setup_assessment(app, &admin, &org).await;
    let officer = app.login("h_compliance_officer", PASSWORD).await;
    let evidence = upload_evidence(app, &officer, &assessment).await;
    let mapping = json!({ "practice_id": "AC.L2-3.1.2", "datapact_contract_id": "contract-1" });
    let mappings = format!("/api/organizations/{org}/datapact/mappings");
    let mapping = id_of(&call_ok(app, &admin, "POST", &mappings, Some(mapping), 201).await);
    Fixture {
        admin,
        throwaway,
        org,
        spare_org,
        user,
        assessment,
        evidence,
        finding,
        poam,
        item,
        mapping,
    }
}

/// What a request carries.
enum Payload {
    Empty,
    Json(Value),
    /// A form and how to show it in a failure.
    Form(Form, String),
}

impl Payload {
    fn describe(&self) -> String {
        match self {
            Self::Empty => "(none)".to_owned(),
            Self::Json(body) => body.to_string(),
            Self::Form(_, shown) => format!("multipart {shown}"),
        }
    }
}

fn clip(text: &str) -> String {
    let clipped: String = text.chars().take(300).collect();
    if clipped.len() < text.len() { format!("{clipped}...") } else { clipped }
}

/// Sends requests and keeps every answer that breaks the rules.
struct Checker<'a> {
    app: &'a TestApp,
    failures: Vec<String>,
    sent: usize,
}

impl Checker<'_> {
    /// Sends `method url` (`url` as written, percent-encoding kept); records a
    /// 5xx, a 4xx that is not problem+json, or no answer at all.
    async fn send(
        &mut self,
        method: &str,
        url: &str,
        token: Option<&str>,
        payload: Payload,
    ) -> u16 {
        self.sent += 1;
        let shown = payload.describe();
        let method_ = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.app.client.request(method_, format!("{}{url}", self.app.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request = match payload {
            Payload::Empty => request,
            Payload::Json(body) => request.json(&body),
            Payload::Form(form, _) => request.multipart(form),
        };
        let response = match request.send().await {
            Ok(response) => response,
            Err(err) => {
                self.failures
                    .push(format!("{method} {url}\n  body: {shown}\n  -> no answer: {err}"));
                return 0;
            }
        };
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let text = response.text().await.unwrap_or_default();
        let problem = content_type.starts_with("application/problem+json");
        if status >= 500 || (status >= 400 && !problem) {
            self.failures.push(format!(
                "{method} {url}\n  body: {shown}\n  -> {status} ({content_type}): {}",
                clip(&text)
            ));
        }
        status
    }

    fn report(&self) {
        let first: Vec<&str> = self.failures.iter().take(20).map(String::as_str).collect();
        assert!(
            self.failures.is_empty(),
            "{} of {} hostile requests got a 5xx, no answer, or a 4xx that is not problem+json; the first {}:\n\n{}",
            self.failures.len(),
            self.sent,
            first.len(),
            first.join("\n\n")
        );
        assert!(self.sent > 1000, "only {} requests were sent: routes went missing", self.sent);
    }
}

fn is_upload(method: &str, path: &str) -> bool {
    method == "POST" && path.ends_with("/practices/{practice_id}/evidence")
}

/// The `{param}`s of a route's path.
fn params(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| s.starts_with('{') && s.ends_with('}')).collect()
}

/// The template body of plausible field names, every text field `s`.
fn template(s: &str) -> Value {
    json!({
        "name": s, "title": s, "username": s, "email": s, "password": s, "description": s,
        "notes": s, "status": s, "comment": s, "milestone": s, "api_url": s, "api_key": s,
        "contract_id": s, "refresh_token": s, "current_password": s, "new_password": s,
        "org_id": s, "practice_id": s, "severity": s, "roles": [s], "target_level": 2,
        "assessment_type": s,
    })
}

/// A body the auth and organisation routes accept.
fn account_body(method: &str, path: &str, n: usize) -> Option<Value> {
    Some(match (method, path) {
        ("POST", "/api/auth/login") => {
            json!({ "username": format!("nobody{n}"), "password": "not the password" })
        }
        ("POST", "/api/auth/refresh") => json!({ "refresh_token": "cmmc_rt_unknown" }),
        ("POST", "/api/auth/logout") => json!({}),
        ("PUT", "/api/auth/password") => json!({
            "current_password": PASSWORD, "new_password": format!("a brand new passphrase {n}")
        }),
        ("POST", "/api/organizations") => {
            json!({ "name": format!("Organisation {n}"), "target_level": 2 })
        }
        ("PATCH", "/api/organizations/{org_id}") => json!({ "target_level": 2 }),
        ("POST", "/api/organizations/{org_id}/users") => json!({
            "username": format!("user{n}"), "email": format!("user{n}@example.com"),
            "password": PASSWORD, "roles": ["viewer"],
        }),
        ("PATCH", "/api/organizations/{org_id}/users/{user_id}") => json!({ "is_active": true }),
        ("PUT", "/api/organizations/{org_id}/users/{user_id}/roles") => {
            json!({ "roles": ["viewer"] })
        }
        _ => return None,
    })
}

/// A body the assessment, remediation and DataPact routes accept.
fn work_body(method: &str, path: &str, fx: &Fixture, n: usize) -> Option<Value> {
    Some(match (method, path) {
        ("POST", "/api/assessments") => json!({
            "org_id": fx.org, "title": format!("Assessment {n}"), "target_level": 2, "assessment_type": "self"
        }),
        ("PATCH", "/api/assessments/{id}") => json!({ "title": "Hostile input" }),
        ("POST", "/api/assessments/{id}/reopen") => json!({}),
        ("PATCH", "/api/assessments/{id}/practices/{practice_id}") => {
            json!({ "assessor_notes": "checked" })
        }
        ("POST", "/api/assessments/{id}/practices/{practice_id}/evidence/{evidence_id}/review") => {
            json!({ "status": "rejected", "comment": "unreadable" })
        }
        ("POST", "/api/assessments/{id}/findings") => json!({
            "finding_type": "deficiency", "severity": "low", "title": format!("Finding {n}")
        }),
        ("PATCH", "/api/assessments/{id}/findings/{finding_id}") => json!({ "severity": "high" }),
        ("POST", "/api/poams") => {
            json!({ "assessment_id": fx.assessment, "title": format!("Plan {n}") })
        }
        ("PATCH", "/api/poams/{poam_id}") => json!({ "title": format!("Plan {n}") }),
        ("POST", "/api/poams/{poam_id}/items") => json!({ "milestone": format!("Milestone {n}") }),
        ("PATCH", "/api/poams/{poam_id}/items/{item_id}") => {
            json!({ "resources_required": "two engineers" })
        }
        ("PUT", "/api/organizations/{org_id}/datapact") => {
            json!({ "api_url": "https://datapact.example.com" })
        }
        ("POST", "/api/organizations/{org_id}/datapact/mappings") => json!({
            "practice_id": "AC.L2-3.1.3", "datapact_contract_id": format!("contract-{n}")
        }),
        ("PATCH", "/api/organizations/{org_id}/datapact/mappings/{mapping_id}") => {
            json!({ "datapact_contract_name": "Contract" })
        }
        _ => return None,
    })
}

/// A body the route accepts: what path probes send (so the hostile id
/// reaches the service), and the base of the one-hostile-field bodies.
fn valid_body(method: &str, path: &str, fx: &Fixture) -> Option<Value> {
    let n = UNIQUE.fetch_add(1, Ordering::Relaxed);
    account_body(method, path, n).or_else(|| work_body(method, path, fx, n))
}

/// The fields of a route's body that take text.
fn text_fields(method: &str, path: &str) -> &'static [&'static str] {
    match (method, path.trim_start_matches("/api")) {
        ("POST", "/auth/login") => &["username", "password"],
        ("POST", "/auth/refresh" | "/auth/logout") => &["refresh_token"],
        ("PUT", "/auth/password") => &["current_password", "new_password"],
        ("POST", "/organizations") | ("PATCH", "/organizations/{org_id}") => {
            &["name", "cage_code", "duns_number"]
        }
        ("POST", "/organizations/{org_id}/users") => &["username", "email", "password", "roles"],
        ("PATCH", "/organizations/{org_id}/users/{user_id}") => &["email"],
        ("PUT", "/organizations/{org_id}/users/{user_id}/roles") => &["roles"],
        ("POST", "/assessments") => &["org_id", "title", "assessment_type", "lead_assessor_id"],
        ("PATCH", "/assessments/{id}") => &["title", "lead_assessor_id"],
        ("POST", "/assessments/{id}/reopen") => &["reason"],
        ("PATCH", "/assessments/{id}/practices/{practice_id}") => {
            &["status", "assessor_notes", "objectives"]
        }
        ("POST", "/assessments/{id}/practices/{practice_id}/evidence/{evidence_id}/review") => {
            &["status", "comment"]
        }
        ("POST", "/assessments/{id}/findings") => {
            &["finding_type", "severity", "title", "description", "practice_id"]
        }
        ("PATCH", "/assessments/{id}/findings/{finding_id}") => {
            &["finding_type", "severity", "title", "description", "status"]
        }
        ("POST", "/poams") => &["assessment_id", "title"],
        ("PATCH", "/poams/{poam_id}") => &["title", "status"],
        ("POST", "/poams/{poam_id}/items") => &[
            "milestone",
            "practice_id",
            "finding_id",
            "scheduled_completion",
            "resources_required",
        ],
        ("PATCH", "/poams/{poam_id}/items/{item_id}") => &[
            "milestone",
            "status",
            "scheduled_completion",
            "actual_completion",
            "resources_required",
        ],
        ("PUT", "/organizations/{org_id}/datapact") => &["api_url", "api_key"],
        ("POST", "/organizations/{org_id}/datapact/mappings") => {
            &["practice_id", "datapact_contract_id", "datapact_contract_name"]
        }
        ("PATCH", "/organizations/{org_id}/datapact/mappings/{mapping_id}") => {
            &["datapact_contract_id", "datapact_contract_name"]
        }
        _ => &[],
    }
}

/// `s` in the shape `field` takes.
fn hostile_value(field: &str, s: &str) -> Value {
    match field {
        "roles" => json!([s]),
        "objectives" => {
            let mut objectives = serde_json::Map::new();
            objectives.insert(s.to_owned(), json!(s));
            Value::Object(objectives)
        }
        _ => json!(s),
    }
}

/// The template, `{"title": s}`, and a body the route accepts with each of
/// its text fields in turn set to `s`.
fn bodies(method: &str, path: &str, fx: &Fixture, s: &str) -> Vec<Value> {
    let mut bodies = vec![template(s), json!({ "title": s })];
    for field in text_fields(method, path) {
        if let Some(mut body) = valid_body(method, path, fx) {
            body[*field] = hostile_value(field, s);
            bodies.push(body);
        }
    }
    bodies
}

async fn query_probes(c: &mut Checker<'_>, fx: &Fixture, routes: &[(&'static str, String)]) {
    for (_, path) in routes.iter().filter(|(method, _)| *method == "GET") {
        let url = fx.concrete(path);
        for query in QUERIES {
            c.send("GET", &format!("{url}{query}"), Some(&fx.admin), Payload::Empty).await;
        }
    }
}

async fn path_probes(c: &mut Checker<'_>, fx: &Fixture, routes: &[(&'static str, String)]) {
    let segments = hostile_segments();
    for (method, path) in routes {
        for param in params(path) {
            for segment in &segments {
                let url = fx.concrete(&path.replace(param, segment));
                let payload = if is_upload(method, path) {
                    Payload::Form(
                        pdf_form("Policy", None, "policy.pdf"),
                        "title=Policy, file=policy.pdf".into(),
                    )
                } else {
                    valid_body(method, path, fx).map_or(Payload::Empty, Payload::Json)
                };
                c.send(method, &url, Some(&fx.admin), payload).await;
            }
        }
    }
}

async fn body_probes(c: &mut Checker<'_>, fx: &mut Fixture, routes: &[(&'static str, String)]) {
    let mut ordered: Vec<&(&'static str, String)> = routes
        .iter()
        .filter(|(method, path)| {
            matches!(*method, "POST" | "PUT" | "PATCH") && !is_upload(method, path)
        })
        .collect();
    ordered.sort_by_key(|(_, path)| STATE_CHANGING.iter().any(|end| path.ends_with(end)));
    for (method, path) in ordered {
        let own_account = matches!(path.as_str(), "/api/auth/logout" | "/api/auth/password");
        // DataPact is only ever configured on the spare organisation.
        let url = if *method == "PUT" && path.ends_with("/datapact") {
            fx.concrete(&path.replace("{org_id}", &fx.spare_org))
        } else {
            fx.concrete(path)
        };
        for s in TEXTS {
            for body in bodies(method, path, fx, s) {
                let token = if own_account { fx.throwaway.clone() } else { fx.admin.clone() };
                let status = c.send(method, &url, Some(&token), Payload::Json(body)).await;
                if path == "/api/auth/logout" && (200..300).contains(&status) {
                    // That session is over: a new one for the next body.
                    fx.throwaway = c.app.login("throwaway", PASSWORD).await;
                }
            }
        }
    }
}

async fn multipart_probes(c: &mut Checker<'_>, fx: &Fixture) {
    let url = fx.concrete("/api/assessments/{id}/practices/{practice_id}/evidence");
    for s in TEXTS {
        let description = format!("a{s}b");
        let file_url = format!("https://x{s}y");
        let file_name = format!("policy{s}.pdf");
        let link = Form::new().text("title", "Link").text("file_url", file_url.clone());
        let forms = [
            (pdf_form(s, None, "policy.pdf"), format!("title={s:?}, file=policy.pdf")),
            (
                pdf_form("Policy", Some(&description), "policy.pdf"),
                format!("title=Policy, description={description:?}, file=policy.pdf"),
            ),
            (link, format!("title=Link, file_url={file_url:?}")),
            (pdf_form("Policy", None, &file_name), format!("title=Policy, file={file_name:?}")),
        ];
        for (form, shown) in forms {
            c.send("POST", &url, Some(&fx.admin), Payload::Form(form, shown)).await;
        }
    }
}

/// Signing in needs no token: hostile credentials from anyone.
async fn login_probes(c: &mut Checker<'_>) {
    let bodies = [
        json!({ "username": "x\u{0}", "password": "y" }),
        json!({ "username": "\u{0}", "password": "\u{0}" }),
    ];
    for body in bodies {
        c.send("POST", "/api/auth/login", None, Payload::Json(body)).await;
    }
}

db_test!(
    async fn hostile_text_in_any_input_never_gets_a_5xx(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let mut fx = setup(&app).await;
        let routes = cmmc_api::routes::route_list();
        let mut checker = Checker { app: &app, failures: Vec::new(), sent: 0 };
        query_probes(&mut checker, &fx, &routes).await;
        multipart_probes(&mut checker, &fx).await;
        body_probes(&mut checker, &mut fx, &routes).await;
        path_probes(&mut checker, &fx, &routes).await;
        login_probes(&mut checker).await;
        checker.report();
    }
);
