//! Multi-factor authentication (NIST SP 800-171 3.5.3): TOTP enrolment with
//! a real authenticator's codes (computed from the otpauth URI), sign-in in
//! two steps, replay refused, drift tolerated, recovery codes spent once,
//! wrong codes locking the account, an organisation's policy enforced, an
//! administrator's reset; the secret sealed at rest.

use cmmc_tests::{PASSWORD, TestApp, db_test, spawn_app, spawn_app_with};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use totp_rs::TOTP;

fn now_secs() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// The code of the step `offset` steps from now.
fn code(totp: &TOTP, offset: i64) -> String {
    let t = now_secs().saturating_add_signed(offset * 30);
    totp.generate(t)
}

/// A code that is none of the window's (previous, current, next step).
fn wrong(totp: &TOTP) -> String {
    let window = [code(totp, -1), code(totp, 0), code(totp, 1)];
    (0..1_000_000).map(|n| format!("{n:06}")).find(|c| !window.contains(c)).unwrap()
}

async fn login_raw(app: &TestApp, username: &str) -> Value {
    let body = json!({ "username": username, "password": PASSWORD });
    let answer = app.call("POST", "/api/auth/login", None, Some(body)).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    answer.body
}

/// Enrols the signed-in `token`'s user: the authenticator and the recovery codes.
async fn enrol(app: &TestApp, token: &str) -> (TOTP, Vec<String>) {
    let started = app.call("POST", "/api/auth/mfa/totp", Some(token), None).await;
    assert_eq!(started.status, 200, "{:?}", started.body);
    let uri = started.body["otpauth_uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/CMMC%20Tracker:"), "{uri}");
    let totp = TOTP::from_url(uri).unwrap_or_else(|e| panic!("an authenticator reads {uri}: {e}"));
    assert_eq!(totp.get_secret_base32(), started.body["secret"].as_str().unwrap());
    let confirmed = app
        .call(
            "POST",
            "/api/auth/mfa/totp/confirm",
            Some(token),
            Some(json!({ "code": code(&totp, 0) })),
        )
        .await;
    assert_eq!(confirmed.status, 200, "{:?}", confirmed.body);
    let codes = confirmed.body["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    (totp, codes)
}

async fn verify(app: &TestApp, mfa_token: &str, code: &str) -> (u16, Value) {
    let body = json!({ "mfa_token": mfa_token, "code": code });
    let answer = app.call("POST", "/api/auth/mfa/verify", None, Some(body)).await;
    (answer.status, answer.body)
}

async fn officer(app: &TestApp) -> (String, String, String) {
    let admin = app.admin_token().await;
    let org = app.create_org(&admin, "Acme").await;
    app.create_user(&admin, &org, "officer", &["compliance_officer"]).await;
    (admin, org, app.login("officer", PASSWORD).await)
}

db_test!(
    async fn a_user_enrols_and_signs_in_with_a_code_or_a_recovery_code(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let (admin, _org, token) = officer(&app).await;
        let started = app.call("POST", "/api/auth/mfa/totp", Some(&token), None).await;
        let totp = TOTP::from_url(started.body["otpauth_uri"].as_str().unwrap()).unwrap();
        let refused = app.call("POST", "/api/auth/mfa/totp/confirm", Some(&token), Some(json!({ "code": wrong(&totp) }))).await;
        assert_eq!((refused.status, refused.body["errors"][0]["field"].as_str()), (422, Some("code")));
        let (totp, codes) = enrol(&app, &token).await;
        assert_eq!(codes.len(), 10);
        let secret = totp.get_secret_base32();
        let db = app.db.connect().await;
        let row = db.query_one(Statement::from_string(db.get_database_backend(), "SELECT totp_secret FROM users WHERE username = 'officer'")).await.unwrap().unwrap();
        let stored: String = row.try_get("", "totp_secret").unwrap();
        assert!(stored.starts_with("v1:") && !stored.contains(&secret), "sealed at rest");
        assert_eq!(app.call("GET", "/api/auth/me", Some(&token), None).await.body["mfa_enabled"], true);
        assert_eq!(app.call("POST", "/api/auth/mfa/totp", Some(&token), None).await.status, 409, "on already");

        // Two steps: the password opens a challenge, a code finishes it.
        let first = login_raw(&app, "officer").await;
        assert_eq!((first["mfa_required"].as_bool(), first.get("access_token")), (Some(true), None));
        let mfa_token = first["mfa_token"].as_str().unwrap().to_owned();
        assert_eq!(verify(&app, &mfa_token, &wrong(&totp)).await.0, 401);
        assert_eq!(verify(&app, &mfa_token, &code(&totp, 0)).await.0, 401, "the step confirmation used is not accepted again");
        let (status, pair) = verify(&app, &mfa_token, &code(&totp, 1)).await;
        assert_eq!(status, 200, "a step ahead (clock drift) is accepted: {pair}");
        let access = pair["access_token"].as_str().unwrap();
        assert_eq!(app.call("GET", "/api/auth/me", Some(access), None).await.status, 200);
        assert_eq!(verify(&app, &mfa_token, &code(&totp, 1)).await.0, 401, "a challenge is single-use");

        // A recovery code, typed loosely, works once.
        let typed = codes[0].to_uppercase().replace('-', " ");
        let second = login_raw(&app, "officer").await["mfa_token"].as_str().unwrap().to_owned();
        assert_eq!(verify(&app, &second, &typed).await.0, 200);
        let third = login_raw(&app, "officer").await["mfa_token"].as_str().unwrap().to_owned();
        assert_eq!(verify(&app, &third, &codes[0]).await.0, 401, "spent");
        let live = db.query_one(Statement::from_string(db.get_database_backend(), "SELECT COUNT(*) AS n FROM mfa_challenges")).await.unwrap().unwrap();
        assert_eq!(live.try_get::<i64>("", "n").unwrap(), 1, "a new challenge drops the user's spent ones");

        // Off with a code and the password; then one step again.
        let off = json!({ "code": codes[1], "password": "not the password" });
        assert_eq!(app.call("DELETE", "/api/auth/mfa/totp", Some(&token), Some(off)).await.status, 422);
        let off = json!({ "code": codes[1], "password": PASSWORD });
        assert_eq!(app.call("DELETE", "/api/auth/mfa/totp", Some(&token), Some(off)).await.status, 204);
        assert!(login_raw(&app, "officer").await["access_token"].is_string());
        let audit = app.call("GET", "/api/audit?action=auth.login", Some(&admin), None).await.body;
        let factors: Vec<&str> = audit["items"].as_array().unwrap().iter().filter_map(|i| i["details"]["mfa"].as_str()).collect();
        assert!(factors.contains(&"totp") && factors.contains(&"recovery_code"), "{factors:?}");
        for action in ["auth.mfa_enrol", "auth.mfa_enabled", "auth.mfa_disabled"] {
            let n = app.call("GET", &format!("/api/audit?action={action}"), Some(&admin), None).await.body["total"].as_i64();
            assert!(n >= Some(1), "{action}");
        }
    }
);

db_test!(
    async fn wrong_codes_lock_the_account_like_wrong_passwords(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let (_admin, _org, token) = officer(&app).await;
        let (totp, _codes) = enrol(&app, &token).await;
        let mfa_token = login_raw(&app, "officer").await["mfa_token"].as_str().unwrap().to_owned();
        for _ in 0..5 {
            assert_eq!(verify(&app, &mfa_token, &wrong(&totp)).await.0, 401);
        }
        assert_eq!(verify(&app, &mfa_token, &code(&totp, 1)).await.0, 401, "locked: even the right code");
        let body = json!({ "username": "officer", "password": PASSWORD });
        assert_eq!(app.call("POST", "/api/auth/login", None, Some(body)).await.status, 401, "locked");
    }
);

db_test!(
    async fn an_organisation_requires_mfa_and_an_admin_resets_it(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let (admin, org, officer_token) = officer(&app).await;
        app.create_user(&admin, &org, "boss", &["org_admin"]).await;
        let policy = format!("/api/organizations/{org}/mfa-policy");
        assert_eq!(app.call("PUT", &policy, Some(&officer_token), Some(json!({ "require": "all" }))).await.status, 403);
        assert_eq!(app.call("PUT", &policy, Some(&admin), Some(json!({ "require": "sometimes" }))).await.status, 400);
        let set = app.call("PUT", &policy, Some(&admin), Some(json!({ "require": "privileged" }))).await;
        assert_eq!((set.status, set.body["require"].as_str()), (200, Some("privileged")));

        // The org_admin must enrol first: until then the token allows only that.
        let boss = login_raw(&app, "boss").await;
        assert_eq!(boss["mfa_enrolment_required"], true);
        let limited = boss["access_token"].as_str().unwrap().to_owned();
        let refused = app.call("GET", &format!("/api/organizations/{org}"), Some(&limited), None).await;
        assert_eq!((refused.status, refused.body["type"].as_str()), (403, Some("/problems/forbidden")));
        assert!(refused.body["detail"].as_str().unwrap().contains("POST /api/auth/mfa/totp"), "{:?}", refused.body);
        assert_eq!(app.call("GET", "/api/auth/me", Some(&limited), None).await.status, 200);
        let (totp, _) = enrol(&app, &limited).await;
        assert_eq!(login_raw(&app, "officer").await["mfa_enrolment_required"], false, "not privileged");
        let mfa_token = login_raw(&app, "boss").await["mfa_token"].as_str().unwrap().to_owned();
        let (status, pair) = verify(&app, &mfa_token, &code(&totp, 1)).await;
        assert_eq!(status, 200);
        let boss_token = pair["access_token"].as_str().unwrap().to_owned();
        assert_eq!(app.call("GET", &format!("/api/organizations/{org}"), Some(&boss_token), None).await.status, 200);
        let off = json!({ "code": code(&totp, 0), "password": PASSWORD });
        assert_eq!(app.call("DELETE", "/api/auth/mfa/totp", Some(&boss_token), Some(off)).await.status, 409, "the policy requires it");

        // A reset by another administrator: sign-ins end, enrolment starts over.
        let boss_id = app.call("GET", "/api/auth/me", Some(&boss_token), None).await.body["id"].as_str().unwrap().to_owned();
        let reset = format!("/api/organizations/{org}/users/{boss_id}/mfa");
        assert_eq!(app.call("DELETE", &reset, Some(&boss_token), None).await.status, 409, "not one's own");
        let other = app.create_org(&admin, "Other").await;
        let foreign = format!("/api/organizations/{other}/users/{boss_id}/mfa");
        assert_eq!(app.call("DELETE", &foreign, Some(&admin), None).await.status, 404);
        assert_eq!(app.call("DELETE", &reset, Some(&admin), None).await.status, 204);
        assert_eq!(app.call("GET", "/api/auth/me", Some(&boss_token), None).await.status, 401, "signed out");
        assert_eq!(login_raw(&app, "boss").await["mfa_enrolment_required"], true);
        let audit = app.call("GET", "/api/audit?action=user.mfa_reset", Some(&admin), None).await.body;
        assert_eq!(audit["total"], 1);
        assert_eq!(app.call("GET", "/api/audit?action=organization.mfa_policy", Some(&admin), None).await.body["total"], 1);
    }
);

db_test!(
    async fn the_deployment_can_require_mfa_of_system_administrators(backend) {
        let Some(app) = spawn_app_with(backend, &[("require_admin_mfa", "true")]).await else { return };
        cmmc_api::ops::create_admin(&app.settings, "root", "root@example.com", PASSWORD).await.unwrap();
        let root = login_raw(&app, "root").await;
        assert_eq!(root["mfa_enrolment_required"], true);
        let limited = root["access_token"].as_str().unwrap();
        assert_eq!(app.call("GET", "/api/organizations", Some(limited), None).await.status, 403);
    }
);
