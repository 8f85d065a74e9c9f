//! Sign-in: the token contract, lockout, rotation, logout, deactivation,
//! password rules, and no user enumeration.

use cmmc_tests::{PASSWORD, TestBackend, db_test, spawn_app, spawn_app_with};
use serde_json::json;

db_test!(
    async fn login_by_username_or_email_answers_the_token_contract(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        app.admin_token().await;
        for login in ["root", "ROOT@example.com"] {
            let answer = app.call("POST", "/api/auth/login", None, Some(json!({ "username": login, "password": PASSWORD }))).await;
            assert_eq!(answer.status, 200, "{login}: {:?}", answer.body);
            assert_eq!(answer.body["token_type"], "Bearer");
            assert_eq!(answer.body["expires_in"], 900);
            assert!(answer.body["access_token"].as_str().unwrap().len() > 40);
            assert!(answer.body["refresh_token"].as_str().unwrap().len() > 40);
            assert_eq!(answer.header("cache-control"), "no-store");
            let token = answer.body["access_token"].as_str().unwrap();
            let me = app.call("GET", "/api/auth/me", Some(token), None).await;
            assert_eq!(me.status, 200);
            assert_eq!(me.body["username"], "root");
            assert_eq!(me.body["roles"], json!(["system_admin"]));
            assert!(me.body.get("password_hash").is_none());
        }
    }
);

db_test!(
    async fn requests_without_a_valid_token_answer_401_problems(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        for token in [None, Some("cmmc_at_forged"), Some("")] {
            let answer = app.call("GET", "/api/auth/me", token, None).await;
            assert_eq!(answer.status, 401, "{token:?}");
            assert_eq!(answer.header("content-type"), "application/problem+json");
            assert_eq!(answer.header("www-authenticate"), "Bearer");
            assert_eq!(answer.body["type"], "/problems/unauthenticated");
        }
        let answer = app.client.get(format!("{}/api/auth/me", app.address)).header("Authorization", "Basic abc").send().await.unwrap();
        assert_eq!(answer.status().as_u16(), 401);
    }
);

db_test!(
    async fn a_failed_login_never_reveals_whether_the_user_exists(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        app.admin_token().await;
        let unknown = app.call("POST", "/api/auth/login", None, Some(json!({ "username": "nobody", "password": PASSWORD }))).await;
        let wrong = app.call("POST", "/api/auth/login", None, Some(json!({ "username": "root", "password": "wrong password!" }))).await;
        assert_eq!(unknown.status, 401);
        assert_eq!(wrong.status, 401);
        assert_eq!(unknown.body, wrong.body, "the same answer either way");
        let missing = app.call("POST", "/api/auth/login", None, Some(json!({ "username": "root" }))).await;
        assert_eq!(missing.status, 400);
        assert_eq!(missing.body["type"], "/problems/invalid-body");
    }
);

db_test!(
    async fn five_failures_lock_the_account_until_the_lock_expires(backend) {
        let Some(app) = spawn_app_with(backend, &[("lockout_secs", "3")]).await else { return };
        let admin = app.admin_token().await;
        let org = app.create_org(&admin, "Org").await;
        app.create_user(&admin, &org, "alice", &["viewer"]).await;
        let attempt = |password: &'static str| {
            app.call("POST", "/api/auth/login", None, Some(json!({ "username": "alice", "password": password })))
        };
        for _ in 0..5 {
            assert_eq!(attempt("wrong password!").await.status, 401);
        }
        let locked = attempt(PASSWORD).await;
        assert_eq!(locked.status, 401, "locked: even the right password is refused");
        let audit = app.call("GET", "/api/audit?action=auth.account_locked", Some(&admin), None).await;
        assert_eq!(audit.body["total"], 1, "{:?}", audit.body);
        tokio::time::sleep(std::time::Duration::from_millis(3200)).await;
        assert_eq!(attempt(PASSWORD).await.status, 200, "the lock expired");
    }
);

db_test!(
    async fn refresh_rotates_and_reusing_a_spent_token_revokes_the_sign_in(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        app.admin_token().await;
        let first = app.call("POST", "/api/auth/login", None, Some(json!({ "username": "root", "password": PASSWORD }))).await;
        let refresh1 = first.body["refresh_token"].as_str().unwrap().to_owned();
        let second = app.call("POST", "/api/auth/refresh", None, Some(json!({ "refresh_token": refresh1 }))).await;
        assert_eq!(second.status, 200, "{:?}", second.body);
        assert_eq!(second.body["token_type"], "Bearer");
        let access2 = second.body["access_token"].as_str().unwrap().to_owned();
        let refresh2 = second.body["refresh_token"].as_str().unwrap().to_owned();
        assert_ne!(refresh1, refresh2);
        assert_eq!(app.call("GET", "/api/auth/me", Some(&access2), None).await.status, 200);

        // The spent token again: refused, and the whole family is revoked.
        let reuse = app.call("POST", "/api/auth/refresh", None, Some(json!({ "refresh_token": refresh1 }))).await;
        assert_eq!(reuse.status, 401);
        assert_eq!(app.call("POST", "/api/auth/refresh", None, Some(json!({ "refresh_token": refresh2 }))).await.status, 401);
        assert_eq!(app.call("GET", "/api/auth/me", Some(&access2), None).await.status, 401);
    }
);

db_test!(
    async fn logout_revokes_the_access_and_refresh_tokens(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        app.admin_token().await;
        let login = app.call("POST", "/api/auth/login", None, Some(json!({ "username": "root", "password": PASSWORD }))).await;
        let access = login.body["access_token"].as_str().unwrap().to_owned();
        let refresh = login.body["refresh_token"].as_str().unwrap().to_owned();
        let logout = app.call("POST", "/api/auth/logout", Some(&access), Some(json!({ "refresh_token": refresh }))).await;
        assert_eq!(logout.status, 204);
        assert_eq!(app.call("GET", "/api/auth/me", Some(&access), None).await.status, 401);
        assert_eq!(app.call("POST", "/api/auth/refresh", None, Some(json!({ "refresh_token": refresh }))).await.status, 401);
        // Another sign-in is unaffected.
        let other = app.login("root", PASSWORD).await;
        assert_eq!(app.call("POST", "/api/auth/logout", Some(&other), None).await.status, 204, "the body is optional");
    }
);

db_test!(
    async fn a_deactivated_user_is_signed_out_at_once_and_cannot_sign_in(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let admin = app.admin_token().await;
        let org = app.create_org(&admin, "Org").await;
        let bob = app.create_user(&admin, &org, "bob", &["assessor"]).await;
        let token = app.login("bob", PASSWORD).await;
        let answer = app
            .call("PATCH", &format!("/api/organizations/{org}/users/{bob}"), Some(&admin), Some(json!({ "is_active": false })))
            .await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        assert_eq!(answer.body["is_active"], false);
        assert_eq!(app.call("GET", "/api/auth/me", Some(&token), None).await.status, 401);
        let login = app.call("POST", "/api/auth/login", None, Some(json!({ "username": "bob", "password": PASSWORD }))).await;
        assert_eq!(login.status, 401);
        // Users referenced by the audit trail are kept, not deleted.
        let listed = app.call("GET", &format!("/api/organizations/{org}/users/{bob}"), Some(&admin), None).await;
        assert_eq!(listed.status, 200);
    }
);

db_test!(
    async fn passwords_follow_the_rules_and_the_last_five_are_not_reused(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let admin = app.admin_token().await;
        let org = app.create_org(&admin, "Org").await;
        let short = app
            .call(
                "POST",
                &format!("/api/organizations/{org}/users"),
                Some(&admin),
                Some(json!({ "username": "carol", "email": "carol@example.com", "password": "short", "roles": [] })),
            )
            .await;
        assert_eq!(short.status, 400);
        assert_eq!(short.body["errors"][0]["field"], "password");

        app.create_user(&admin, &org, "carol", &["viewer"]).await;
        let token = app.login("carol", PASSWORD).await;
        let change = |current: &str, new: &str| {
            app.call("PUT", "/api/auth/password", Some(&token), Some(json!({ "current_password": current, "new_password": new })))
        };
        let wrong_current = change("not my password", "a brand new password 1").await;
        assert_eq!(wrong_current.status, 400);
        assert_eq!(wrong_current.body["errors"][0]["field"], "current_password");
        assert_eq!(change(PASSWORD, PASSWORD).await.status, 400, "the current password is one of the last five");
        let mut current = PASSWORD.to_owned();
        for n in 1..=4 {
            let next = format!("a brand new password {n}");
            assert_eq!(change(&current, &next).await.status, 204, "change {n}");
            current = next;
        }
        let reuse = change(&current, PASSWORD).await;
        assert_eq!(reuse.status, 400, "the first password is still among the last five");
        assert!(reuse.body["detail"].as_str().unwrap().contains("last 5"), "{:?}", reuse.body);
        assert_eq!(change(&current, "a brand new password 5").await.status, 204);
        assert_eq!(change("a brand new password 5", PASSWORD).await.status, 204, "six changes later it may come back");
        assert_eq!(app.call("POST", "/api/auth/login", None, Some(json!({ "username": "carol", "password": "a brand new password 5" }))).await.status, 401);
        app.login("carol", PASSWORD).await;
        let _ = TestBackend::Sqlite;
    }
);

db_test!(
    async fn access_tokens_expire(backend) {
        let Some(app) = spawn_app_with(backend, &[("access_token_ttl_secs", "1")]).await else { return };
        let token = app.admin_token().await;
        assert_eq!(app.call("GET", "/api/auth/me", Some(&token), None).await.status, 200);
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        let expired = app.call("GET", "/api/auth/me", Some(&token), None).await;
        assert_eq!(expired.status, 401, "an access token lives access_token_ttl_secs");
    }
);
