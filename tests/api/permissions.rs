//! Every route, called as every role, on its own organisation's data and on
//! another organisation's, checked against the permission matrix. A route
//! without an entry here fails the test.

use std::sync::atomic::{AtomicUsize, Ordering};

use cmmc_domain::RoleName;
use cmmc_domain::access::{Action, allows};
use cmmc_tests::{PASSWORD, TestApp, db_test, spawn_app};
use serde_json::{Value, json};

/// Who may call a route.
#[derive(Clone, Copy, Debug)]
enum Rule {
    /// No sign-in needed.
    Public,
    /// Any signed-in user, about themselves.
    SignedIn,
    /// A role action, not about one organisation.
    Role(Action),
    /// A role action on the organisation in the path: another organisation's answers 404.
    Org(Action),
    /// A role action on the organisation named in the body (`org_id`).
    OrgInBody(Action),
    /// Two role actions, both needed, on the organisation in the path (or query).
    OrgBoth(Action, Action),
}

/// The matrix: (method, path) -> rule.
fn rule(method: &str, path: &str) -> Option<Rule> {
    use Action as A;
    Some(match (method, path) {
        (
            "GET",
            "/api/health"
            | "/api/diag/db"
            | "/api/cmmc/domains"
            | "/api/cmmc/levels"
            | "/api/cmmc/practices",
        )
        | ("GET", "/api/cmmc/practices/{practice_id}")
        | ("GET", "/api/cmmc/oscal/catalog" | "/api/cmmc/oscal/profiles/{level}")
        | (
            "GET",
            "/api/cmmc/practices/{practice_id}/mappings"
            | "/api/frameworks"
            | "/api/frameworks/{framework}/requirements"
            | "/api/frameworks/{framework}/requirements/{requirement_id}/mappings",
        )
        | ("POST", "/api/auth/login" | "/api/auth/refresh") => Rule::Public,
        ("POST", "/api/auth/logout") | ("GET", "/api/auth/me") | ("PUT", "/api/auth/password") => {
            Rule::SignedIn
        }
        ("POST" | "DELETE", "/api/auth/mfa/totp") | ("POST", "/api/auth/mfa/totp/confirm") => {
            Rule::SignedIn
        }
        ("POST", "/api/auth/mfa/verify") => Rule::Public,
        ("PUT", "/api/organizations/{org_id}/mfa-policy") => Rule::Org(A::OrganizationUpdate),
        ("DELETE", "/api/organizations/{org_id}/users/{user_id}/mfa") => Rule::Org(A::UserUpdate),
        ("POST", "/api/organizations") => Rule::Role(A::OrganizationCreate),
        ("GET", "/api/organizations") => Rule::Role(A::OrganizationRead),
        ("GET", "/api/organizations/{org_id}") => Rule::Org(A::OrganizationRead),
        ("PATCH", "/api/organizations/{org_id}") => Rule::Org(A::OrganizationUpdate),
        ("POST", "/api/organizations/{org_id}/users") => Rule::Org(A::UserCreate),
        (
            "GET",
            "/api/organizations/{org_id}/users" | "/api/organizations/{org_id}/users/{user_id}",
        ) => Rule::Org(A::UserRead),
        ("PATCH", "/api/organizations/{org_id}/users/{user_id}") => Rule::Org(A::UserUpdate),
        ("PUT", "/api/organizations/{org_id}/users/{user_id}/roles") => {
            Rule::Org(A::UserRolesChange)
        }
        ("GET", "/api/audit" | "/api/audit/verify") => Rule::Role(A::AuditRead),
        ("POST", "/api/assessments") => Rule::OrgInBody(A::AssessmentManage),
        ("GET", "/api/assessments") => Rule::Role(A::AssessmentRead),
        (
            "GET",
            "/api/assessments/{id}"
            | "/api/assessments/{id}/practices"
            | "/api/assessments/{id}/score",
        )
        | ("GET", "/api/assessments/{id}/practices/{practice_id}") => Rule::Org(A::AssessmentRead),
        ("PATCH" | "DELETE", "/api/assessments/{id}")
        | ("POST", "/api/assessments/{id}/start" | "/api/assessments/{id}/submit")
        | ("POST", "/api/assessments/{id}/complete" | "/api/assessments/{id}/reopen") => {
            Rule::Org(A::AssessmentManage)
        }
        ("PATCH", "/api/assessments/{id}/practices/{practice_id}") => {
            Rule::Org(A::PracticeEvaluate)
        }
        (
            "GET",
            "/api/assessments/{id}/findings" | "/api/assessments/{id}/findings/{finding_id}",
        )
        | ("GET", "/api/poams/{poam_id}" | "/api/organizations/{org_id}/dashboard")
        | ("GET", "/api/assessments/{id}/export" | "/api/poams/{poam_id}/export")
        | ("GET", "/api/assessments/{id}/sprs-record" | "/api/assessments/{id}/report")
        | ("GET", "/api/ssps/{ssp_id}/export" | "/api/assessments/{id}/package") => {
            Rule::Org(A::AssessmentRead)
        }
        (
            "GET",
            "/api/assessments/{id}/oscal/assessment-results" | "/api/poams/{poam_id}/oscal",
        )
        | ("GET", "/api/organizations/{org_id}/oscal/ssp") => Rule::Org(A::AssessmentRead),
        ("POST", "/api/assessments/{id}/findings")
        | ("PATCH" | "DELETE", "/api/assessments/{id}/findings/{finding_id}") => {
            Rule::Org(A::FindingManage)
        }
        ("POST", "/api/assessments/{id}/poam" | "/api/poams/{poam_id}/items")
        | ("PATCH" | "DELETE", "/api/poams/{poam_id}")
        | ("PATCH", "/api/poams/{poam_id}/items/{item_id}") => Rule::Org(A::PoamManage),
        ("GET", "/api/poams") => Rule::Role(A::AssessmentRead),
        (
            "GET",
            "/api/organizations/{org_id}/ssps"
            | "/api/ssps/{ssp_id}"
            | "/api/ssps/{ssp_id}/statements",
        ) => Rule::Org(A::AssessmentRead),
        (
            "GET",
            "/api/organizations/{org_id}/affirmations" | "/api/organizations/{org_id}/compliance",
        ) => Rule::Org(A::AssessmentRead),
        ("POST", "/api/organizations/{org_id}/affirmations") => Rule::Org(A::AssessmentManage),
        (
            "POST",
            "/api/organizations/{org_id}/ssps"
            | "/api/ssps/{ssp_id}/publish"
            | "/api/ssps/{ssp_id}/versions",
        )
        | ("PATCH", "/api/ssps/{ssp_id}")
        | ("PUT", "/api/ssps/{ssp_id}/statements/{practice_id}") => Rule::Org(A::AssessmentManage),
        ("POST", "/api/poams") => Rule::OrgInBody(A::PoamManage),
        (
            "GET",
            "/api/organizations/{org_id}/assets"
            | "/api/organizations/{org_id}/assets/export"
            | "/api/organizations/{org_id}/assets/{asset_id}",
        ) => Rule::Org(A::AssessmentRead),
        (
            "POST",
            "/api/organizations/{org_id}/assets" | "/api/organizations/{org_id}/assets/import",
        )
        | ("PATCH" | "DELETE", "/api/organizations/{org_id}/assets/{asset_id}") => {
            Rule::Org(A::AssessmentManage)
        }
        (
            "GET",
            "/api/organizations/{org_id}/providers"
            | "/api/providers/{provider_id}"
            | "/api/providers/{provider_id}/responsibilities"
            | "/api/providers/{provider_id}/responsibilities/export"
            | "/api/assessments/{id}/scope",
        ) => Rule::Org(A::AssessmentRead),
        ("POST", "/api/organizations/{org_id}/providers")
        | ("PATCH" | "DELETE", "/api/providers/{provider_id}")
        | (
            "PUT",
            "/api/providers/{provider_id}/responsibilities" | "/api/assessments/{id}/scope",
        )
        | ("POST", "/api/providers/{provider_id}/responsibilities/import") => {
            Rule::Org(A::AssessmentManage)
        }
        ("POST", "/api/assessments/{id}/providers/apply") => Rule::Org(A::PracticeEvaluate),
        (
            "GET",
            "/api/organizations/{org_id}/risks"
            | "/api/organizations/{org_id}/risks/heatmap"
            | "/api/organizations/{org_id}/risks/export"
            | "/api/risks/{risk_id}"
            | "/api/assessments/{id}/readiness/sp800-171r3"
            | "/api/assessments/{id}/readiness/sp800-53r5",
        ) => Rule::Org(A::AssessmentRead),
        ("POST", "/api/organizations/{org_id}/risks")
        | ("PATCH" | "DELETE", "/api/risks/{risk_id}") => Rule::Org(A::RiskManage),
        // Both record practice evaluations as well as changing the assessment.
        ("POST", "/api/assessments/import/oscal" | "/api/assessments/{id}/closeout") => {
            Rule::OrgBoth(A::AssessmentManage, A::PracticeEvaluate)
        }
        ("DELETE", "/api/poams/{poam_id}/items/{item_id}") => Rule::Org(A::PoamManage),
        ("GET" | "PUT", "/api/organizations/{org_id}/datapact")
        | ("GET", "/api/organizations/{org_id}/datapact/contracts")
        | ("POST", "/api/organizations/{org_id}/datapact/mappings")
        | ("PATCH" | "DELETE", "/api/organizations/{org_id}/datapact/mappings/{mapping_id}") => {
            Rule::Org(A::DataPactConfigure)
        }
        (
            "GET",
            "/api/organizations/{org_id}/datapact/mappings" | "/api/assessments/{id}/datapact/logs",
        ) => Rule::Org(A::AssessmentRead),
        ("POST", "/api/assessments/{id}/datapact/sync") => Rule::Org(A::DataPactSync),
        (
            "GET",
            "/api/assessments/{id}/practices/{practice_id}/evidence"
            | "/api/assessments/{id}/evidence",
        )
        | (
            "GET",
            "/api/assessments/{id}/practices/{practice_id}/evidence/{evidence_id}/download",
        ) => Rule::Org(A::AssessmentRead),
        ("POST", "/api/assessments/{id}/practices/{practice_id}/evidence")
        | ("DELETE", "/api/assessments/{id}/practices/{practice_id}/evidence/{evidence_id}") => {
            Rule::Org(A::EvidenceUpload)
        }
        ("POST", "/api/assessments/{id}/practices/{practice_id}/evidence/{evidence_id}/review") => {
            Rule::Org(A::EvidenceReview)
        }
        _ => return None,
    })
}

static UNIQUE: AtomicUsize = AtomicUsize::new(0);

/// A request body that an allowed caller would have accepted.
fn body(method: &str, path: &str, org: &Org) -> Option<Value> {
    let n = UNIQUE.fetch_add(1, Ordering::Relaxed);
    match (method, path) {
        ("POST", "/api/poams") => {
            Some(json!({ "assessment_id": org.assessment, "title": format!("Plan {n}") }))
        }
        ("POST", "/api/assessments") => Some(
            json!({ "org_id": org.id, "title": format!("Assessment {n}"), "target_level": 2, "assessment_type": "self" }),
        ),
        ("PATCH", "/api/assessments/{id}") => Some(json!({ "title": format!("Renamed {n}") })),
        ("POST", "/api/assessments/{id}/reopen") => {
            Some(json!({ "reason": "more evidence arrived" }))
        }
        ("PATCH", "/api/assessments/{id}/practices/{practice_id}") => {
            Some(json!({ "status": "met" }))
        }
        ("POST", "/api/assessments/{id}/findings") => Some(
            json!({ "finding_type": "deficiency", "severity": "low", "title": format!("Finding {n}") }),
        ),
        ("PATCH", "/api/assessments/{id}/findings/{finding_id}") => {
            Some(json!({ "severity": "medium" }))
        }
        ("PATCH", "/api/poams/{poam_id}") => Some(json!({ "title": format!("Plan {n}") })),
        ("PUT", "/api/organizations/{org_id}/datapact") => {
            Some(json!({ "api_url": "http://127.0.0.1:9" }))
        }
        ("PATCH", "/api/organizations/{org_id}/datapact/mappings/{mapping_id}") => {
            Some(json!({ "datapact_contract_name": format!("Renamed {n}") }))
        }
        ("POST", "/api/organizations/{org_id}/datapact/mappings") => {
            Some(json!({ "practice_id": "AC.L2-3.1.1", "datapact_contract_id": format!("c{n}") }))
        }
        ("POST", "/api/assessments/{id}/practices/{practice_id}/evidence/{evidence_id}/review") => {
            Some(json!({ "status": "accepted", "comment": "fine" }))
        }
        ("POST", "/api/poams/{poam_id}/items") => {
            Some(json!({ "milestone": format!("Milestone {n}") }))
        }
        ("PATCH", "/api/poams/{poam_id}/items/{item_id}") => {
            Some(json!({ "resources_required": "two engineers" }))
        }
        ("POST", "/api/organizations") => {
            Some(json!({ "name": format!("New org {n}"), "target_level": 1 }))
        }
        ("PATCH", "/api/organizations/{org_id}") => Some(json!({ "target_level": 2 })),
        ("POST", "/api/organizations/{org_id}/users") => Some(json!({
            "username": format!("new{n}"), "email": format!("new{n}@example.com"), "password": PASSWORD, "roles": ["viewer"]
        })),
        ("PATCH", "/api/organizations/{org_id}/users/{user_id}") => {
            Some(json!({ "email": format!("changed{n}@example.com") }))
        }
        ("PUT", "/api/organizations/{org_id}/users/{user_id}/roles") => {
            Some(json!({ "roles": ["viewer"] }))
        }
        ("PUT", "/api/auth/password") => {
            Some(json!({ "current_password": "not it", "new_password": "irrelevant password" }))
        }
        ("POST", "/api/auth/login") => Some(json!({ "username": "nobody", "password": PASSWORD })),
        ("POST", "/api/organizations/{org_id}/assets") => Some(
            json!({ "asset_tag": format!("T-{n}"), "name": "Laptop", "asset_type": "hardware", "category": "cui" }),
        ),
        ("PATCH", "/api/organizations/{org_id}/assets/{asset_id}") => {
            Some(json!({ "location": format!("Room {n}") }))
        }
        ("POST", "/api/organizations/{org_id}/providers") => Some(
            json!({ "name": format!("Cloud {n}"), "kind": "cloud_service_provider", "authorization": "fedramp_high" }),
        ),
        ("PATCH", "/api/providers/{provider_id}") => Some(json!({ "services": [format!("S{n}")] })),
        ("POST", "/api/organizations/{org_id}/risks") => Some(
            json!({ "title": format!("Risk {n}"), "category": "cyber", "likelihood": 2, "impact": 3 }),
        ),
        ("PATCH", "/api/risks/{risk_id}") => Some(json!({ "impact": 1 + n % 5 })),
        ("PUT", "/api/providers/{provider_id}/responsibilities") => Some(
            json!({ "responsibilities": [{ "practice_id": "PE.L2-3.10.1", "responsibility": "inherited" }] }),
        ),
        ("PUT", "/api/assessments/{id}/scope") => Some(json!({ "asset_ids": [] })),
        ("POST", "/api/assessments/{id}/providers/apply") => {
            Some(json!({ "provider_ids": [org.provider] }))
        }
        ("POST", "/api/auth/mfa/totp/confirm") => Some(json!({ "code": "000000" })),
        ("DELETE", "/api/auth/mfa/totp") => Some(json!({ "code": "000000", "password": "not it" })),
        ("POST", "/api/auth/mfa/verify") => {
            Some(json!({ "mfa_token": "cmmc_mfa_unknown", "code": "000000" }))
        }
        // `none`, so that the matrix's own sign-ins go on as they were.
        ("PUT", "/api/organizations/{org_id}/mfa-policy") => Some(json!({ "require": "none" })),
        // Not OSCAL: an allowed caller gets a 400 naming what is missing.
        ("POST", "/api/assessments/import/oscal") => Some(json!({})),
        ("POST", "/api/auth/refresh") => Some(json!({ "refresh_token": "cmmc_rt_unknown" })),
        ("POST", "/api/organizations/{org_id}/ssps") => Some(json!({
            "name": format!("SSP {n}"), "version": "1", "system_description": "The enclave",
            "scope_type": "enclave", "boundary_description": "One VLAN"
        })),
        ("PATCH", "/api/ssps/{ssp_id}") => {
            Some(json!({ "environment": format!("On premises {n}") }))
        }
        ("POST", "/api/organizations/{org_id}/affirmations") => Some(json!({
            "official_name": format!("Official {n}"), "official_title": "CEO", "official_email": "ceo@example.com"
        })),
        ("PUT", "/api/ssps/{ssp_id}/statements/{practice_id}") => Some(json!({
            "implementation_status": "implemented", "narrative": format!("Done {n}")
        })),
        ("POST", "/api/ssps/{ssp_id}/versions") => Some(json!({ "version": format!("v{n}") })),
        _ => None,
    }
}

struct Org {
    id: String,
    /// An assessment in progress, which assessment paths name.
    assessment: String,
    /// A finding in remediation (so DELETE is refused rather than done).
    finding: String,
    /// An active POA&M (so DELETE is refused rather than done) and one of its items.
    poam: String,
    item: String,
    /// Evidence uploaded by the compliance officer and accepted (so DELETE is refused rather than done).
    evidence: String,
    /// The user that user-paths name: the organisation's viewer.
    target_user: String,
    /// A draft SSP (publishing it is refused: it states nothing yet).
    ssp: String,
    /// A cloud provider.
    provider: String,
}

async fn setup(app: &TestApp, admin: &str, name: &str) -> Org {
    let id = app.create_org(admin, name).await;
    let mut target_user = String::new();
    for role in RoleName::ALL.iter().filter(|r| **r != RoleName::SystemAdmin) {
        let user = app.create_user(admin, &id, &format!("{name}_{role}"), &[role.as_str()]).await;
        if *role == RoleName::Viewer {
            target_user = user;
        }
    }
    let created = app
        .call(
            "POST",
            "/api/assessments",
            Some(admin),
            Some(json!({ "org_id": id, "title": "Matrix", "target_level": 2, "assessment_type": "third_party" })),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let assessment = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.call("POST", &format!("/api/assessments/{assessment}/start"), Some(admin), None)
            .await
            .status,
        200
    );
    let finding = app
        .call(
            "POST",
            &format!("/api/assessments/{assessment}/findings"),
            Some(admin),
            Some(json!({ "finding_type": "deficiency", "severity": "high", "title": "No MFA", "practice_id": "IA.L2-3.5.3" })),
        )
        .await;
    assert_eq!(finding.status, 201, "{:?}", finding.body);
    let finding = finding.body["id"].as_str().unwrap().to_owned();
    let moved = app
        .call(
            "PATCH",
            &format!("/api/assessments/{assessment}/findings/{finding}"),
            Some(admin),
            Some(json!({ "status": "in_remediation" })),
        )
        .await;
    assert_eq!(moved.status, 200);
    let poam =
        app.call("POST", &format!("/api/assessments/{assessment}/poam"), Some(admin), None).await;
    assert_eq!(poam.status, 201, "{:?}", poam.body);
    let item = poam.body["items"][0]["id"].as_str().unwrap().to_owned();
    let poam = poam.body["id"].as_str().unwrap().to_owned();
    let active = app
        .call(
            "PATCH",
            &format!("/api/poams/{poam}"),
            Some(admin),
            Some(json!({ "status": "active" })),
        )
        .await;
    assert_eq!(active.status, 200);
    let officer = app.login(&format!("{name}_compliance_officer"), PASSWORD).await;
    let form = reqwest::multipart::Form::new().text("title", "Access control policy").part(
        "file",
        reqwest::multipart::Part::bytes(b"%PDF-1.7 policy".to_vec()).file_name("policy.pdf"),
    );
    let uploaded: Value = app
        .client
        .post(format!(
            "{}/api/assessments/{assessment}/practices/AC.L2-3.1.1/evidence",
            app.address
        ))
        .bearer_auth(&officer)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let evidence = uploaded["id"].as_str().unwrap_or_else(|| panic!("{uploaded}")).to_owned();
    let reviewed = app
        .call(
            "POST",
            &format!(
                "/api/assessments/{assessment}/practices/AC.L2-3.1.1/evidence/{evidence}/review"
            ),
            Some(admin),
            Some(json!({ "status": "accepted" })),
        )
        .await;
    assert_eq!(reviewed.status, 200, "{:?}", reviewed.body);
    let ssp = app
        .call(
            "POST",
            &format!("/api/organizations/{id}/ssps"),
            Some(admin),
            Some(json!({ "name": "Enclave SSP", "version": "1", "system_description": "The CUI enclave", "scope_type": "enclave", "boundary_description": "VLAN 20" })),
        )
        .await;
    assert_eq!(ssp.status, 201, "{:?}", ssp.body);
    let ssp = ssp.body["id"].as_str().unwrap().to_owned();
    let provider = app
        .call(
            "POST",
            &format!("/api/organizations/{id}/providers"),
            Some(admin),
            Some(json!({ "name": "Azure Government", "kind": "cloud_service_provider", "authorization": "fedramp_high" })),
        )
        .await;
    assert_eq!(provider.status, 201, "{:?}", provider.body);
    let provider = provider.body["id"].as_str().unwrap().to_owned();
    Org { id, assessment, finding, poam, item, evidence, target_user, ssp, provider }
}

fn concrete(path: &str, org: &Org) -> String {
    if path == "/api/assessments/import/oscal" {
        // The organisation it imports into is a query parameter.
        return format!("{path}?org_id={}", org.id);
    }
    path.replace("{org_id}", &org.id)
        .replace("{user_id}", &org.target_user)
        .replace("{practice_id}", "AC.L2-3.1.1")
        .replace("{id}", &org.assessment)
        .replace("{finding_id}", &org.finding)
        .replace("{poam_id}", &org.poam)
        .replace("{item_id}", &org.item)
        .replace("{evidence_id}", &org.evidence)
        .replace("{ssp_id}", &org.ssp)
        .replace("{provider_id}", &org.provider)
        .replace("{level}", "2")
        .replace("{framework}", "sp800-171r3")
        .replace("{requirement_id}", "03.01.01")
}

db_test!(
    async fn every_route_answers_every_role_as_the_permission_matrix_says(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let admin = app.admin_token().await;
        let own = setup(&app, &admin, "own").await;
        let other = setup(&app, &admin, "other").await;
        let routes = cmmc_api::routes::route_list();
        for (method, path) in &routes {
            assert!(rule(method, path).is_some(), "{method} {path} has no entry in the permission matrix");
        }

        for role in RoleName::ALL {
            let token = if *role == RoleName::SystemAdmin {
                admin.clone()
            } else {
                app.login(&format!("own_{role}"), PASSWORD).await
            };
            for (method, path) in &routes {
                if *path == "/api/auth/logout" {
                    continue; // Checked below: it would end this token.
                }
                let rule = rule(method, path).unwrap();
                for (scope, org) in [("own", &own), ("other", &other)] {
                    let mut url = if *method == "DELETE" && path.ends_with("/items/{item_id}") {
                        // A fresh item each time: an allowed caller deletes it.
                        let item = app
                            .call("POST", &format!("/api/poams/{}/items", org.poam), Some(&admin), Some(json!({ "milestone": "to delete" })))
                            .await;
                        concrete(&path.replace("{item_id}", item.body["id"].as_str().unwrap()), org)
                    } else {
                        concrete(path, org)
                    };
                    if url.contains("{mapping_id}") {
                        // A fresh mapping each time: an allowed caller deletes it.
                        let n = UNIQUE.fetch_add(1, Ordering::Relaxed);
                        let mapping = app
                            .call(
                                "POST",
                                &format!("/api/organizations/{}/datapact/mappings", org.id),
                                Some(&admin),
                                Some(json!({ "practice_id": "AC.L2-3.1.2", "datapact_contract_id": format!("m{n}") })),
                            )
                            .await;
                        url = url.replace("{mapping_id}", mapping.body["id"].as_str().unwrap());
                    }
                    if url.contains("{asset_id}") {
                        // A fresh asset each time: an allowed caller may delete it.
                        let n = UNIQUE.fetch_add(1, Ordering::Relaxed);
                        let asset = app
                            .call(
                                "POST",
                                &format!("/api/organizations/{}/assets", org.id),
                                Some(&admin),
                                Some(json!({ "asset_tag": format!("P-{n}"), "name": "Server", "asset_type": "hardware", "category": "cui" })),
                            )
                            .await;
                        url = url.replace("{asset_id}", asset.body["id"].as_str().unwrap());
                    }
                    if *method == "DELETE" && *path == "/api/providers/{provider_id}" {
                        // A fresh provider each time: an allowed caller deletes it.
                        let n = UNIQUE.fetch_add(1, Ordering::Relaxed);
                        let fresh = app
                            .call(
                                "POST",
                                &format!("/api/organizations/{}/providers", org.id),
                                Some(&admin),
                                Some(json!({ "name": format!("Doomed {n}"), "kind": "external_service_provider", "authorization": "none" })),
                            )
                            .await;
                        url = format!("/api/providers/{}", fresh.body["id"].as_str().unwrap());
                    }
                    if url.contains("{risk_id}") {
                        // A fresh risk each time: an allowed caller may delete it.
                        let n = UNIQUE.fetch_add(1, Ordering::Relaxed);
                        let risk = app
                            .call(
                                "POST",
                                &format!("/api/organizations/{}/risks", org.id),
                                Some(&admin),
                                Some(json!({ "title": format!("R-{n}"), "category": "cyber", "likelihood": 3, "impact": 3 })),
                            )
                            .await;
                        url = url.replace("{risk_id}", risk.body["id"].as_str().unwrap());
                    }
                    let answer = app.call(method, &url, Some(&token), body(method, path, org)).await;
                    let allowed = match rule {
                        Rule::Public | Rule::SignedIn => true,
                        Rule::Role(action) => allows(*role, action),
                        Rule::Org(action) | Rule::OrgInBody(action) => {
                            if scope == "other" && *role != RoleName::SystemAdmin {
                                assert_eq!(answer.status, 404, "{role} {method} {path} ({scope}): {:?}", answer.body);
                                continue;
                            }
                            allows(*role, action)
                        }
                        Rule::OrgBoth(first, second) => {
                            if scope == "other" && *role != RoleName::SystemAdmin {
                                assert_eq!(answer.status, 404, "{role} {method} {path} ({scope}): {:?}", answer.body);
                                continue;
                            }
                            allows(*role, first) && allows(*role, second)
                        }
                    };
                    if allowed {
                        assert!(
                            ![403, 404, 405, 500].contains(&answer.status)
                                && (answer.status != 401 || matches!(rule, Rule::Public | Rule::SignedIn)),
                            "{role} {method} {path} ({scope}) should be allowed: {} {:?}",
                            answer.status,
                            answer.body
                        );
                    } else {
                        assert_eq!(answer.status, 403, "{role} {method} {path} ({scope}): {:?}", answer.body);
                        assert_eq!(answer.body["type"], "/problems/forbidden");
                    }
                }
            }
            // Without a token, only public routes answer.
        }
        for (method, path) in &routes {
            if matches!(rule(method, path), Some(Rule::Public)) {
                continue;
            }
            let url = concrete(path, &own)
                .replace("{mapping_id}", "any")
                .replace("{asset_id}", "00000000-0000-4000-8000-000000000000")
                .replace("{risk_id}", "00000000-0000-4000-8000-000000000000");
            let answer = app.call(method, &url, None, body(method, path, &own)).await;
            assert_eq!(answer.status, 401, "{method} {path} without a token");
        }
        for role in RoleName::ALL.iter().filter(|r| **r != RoleName::SystemAdmin) {
            let token = app.login(&format!("own_{role}"), PASSWORD).await;
            assert_eq!(app.call("POST", "/api/auth/logout", Some(&token), None).await.status, 204, "{role}");
        }
    }
);

db_test!(
    async fn an_org_admin_cannot_make_a_system_admin(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let admin = app.admin_token().await;
        let org = setup(&app, &admin, "org").await;
        let org_admin = app.login("org_org_admin", PASSWORD).await;
        let answer = app
            .call(
                "PUT",
                &format!("/api/organizations/{}/users/{}/roles", org.id, org.target_user),
                Some(&org_admin),
                Some(json!({ "roles": ["system_admin"] })),
            )
            .await;
        assert_eq!(answer.status, 403);
        let answer = app
            .call(
                "PUT",
                &format!("/api/organizations/{}/users/{}/roles", org.id, org.target_user),
                Some(&org_admin),
                Some(json!({ "roles": ["assessor", "viewer", "nonsense"] })),
            )
            .await;
        assert_eq!(answer.status, 400);
        let answer = app
            .call(
                "PUT",
                &format!("/api/organizations/{}/users/{}/roles", org.id, org.target_user),
                Some(&org_admin),
                Some(json!({ "roles": ["assessor", "viewer"] })),
            )
            .await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.body["roles"], json!(["assessor", "viewer"]));
    }
);
