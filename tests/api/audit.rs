//! The audit trail: a row for every change, in the change's transaction;
//! filters; and a hash chain that shows tampering.

use cmmc_tests::{PASSWORD, TestApp, TestBackend, db_test, spawn_app};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

async fn audit(app: &TestApp, token: &str, query: &str) -> Value {
    let answer = app.call("GET", &format!("/api/audit?{query}"), Some(token), None).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    answer.body
}

async fn count(app: &TestApp, token: &str) -> u64 {
    audit(app, token, "per_page=1").await["total"].as_u64().unwrap()
}

async fn verify(app: &TestApp, token: &str) -> Value {
    let answer = app.call("GET", "/api/audit/verify", Some(token), None).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    answer.body
}

db_test!(
    async fn every_change_writes_exactly_its_audit_row(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let admin = app.admin_token().await;
        let me = app.call("GET", "/api/auth/me", Some(&admin), None).await.body;
        let admin_id = me["id"].as_str().unwrap().to_owned();

        // (request, expected action, resource id known after)
        let before = count(&app, &admin).await;
        let org = app.create_org(&admin, "Audited").await;
        let row = &audit(&app, &admin, "action=organization.create").await["items"][0];
        assert_eq!(row["resource_id"], org.as_str());
        assert_eq!(row["user_id"], admin_id.as_str());
        assert_eq!(row["org_id"], org.as_str());
        assert_eq!(row["details"]["name"], "Audited");
        assert_eq!(count(&app, &admin).await, before + 1, "exactly one row");

        let user = app.create_user(&admin, &org, "dave", &["assessor"]).await;
        let row = &audit(&app, &admin, &format!("resource_id={user}")).await["items"][0];
        assert_eq!(row["action"], "user.create");
        assert_eq!(row["details"]["roles"], json!(["assessor"]));
        assert!(!row.to_string().contains(PASSWORD), "no secret in the trail");

        let patched = app
            .call("PATCH", &format!("/api/organizations/{org}"), Some(&admin), Some(json!({ "name": "Renamed", "cage_code": "1abc2" })))
            .await;
        assert_eq!(patched.status, 200, "{:?}", patched.body);
        assert_eq!(patched.body["cage_code"], "1ABC2");
        let duplicate_cage = app
            .call("POST", "/api/organizations", Some(&admin), Some(json!({ "name": "Copycat", "cage_code": "1abc2", "target_level": 1 })))
            .await;
        assert_eq!(duplicate_cage.status, 409, "{:?}", duplicate_cage.body);
        let row = &audit(&app, &admin, "action=organization.update").await["items"][0];
        assert_eq!(row["details"]["name"], json!({ "before": "Audited", "after": "Renamed" }));
        assert_eq!(row["details"]["cage_code"], json!({ "before": null, "after": "1ABC2" }));
        assert!(row["details"].get("target_level").is_none(), "only changed fields");

        let roles = app
            .call("PUT", &format!("/api/organizations/{org}/users/{user}/roles"), Some(&admin), Some(json!({ "roles": ["viewer"] })))
            .await;
        assert_eq!(roles.status, 200);
        let row = &audit(&app, &admin, "action=user.roles_change").await["items"][0];
        assert_eq!(row["details"]["roles"], json!({ "before": ["assessor"], "after": ["viewer"] }));

        let token = app.login("dave", PASSWORD).await;
        assert_eq!(audit(&app, &admin, "action=auth.login").await["items"][0]["user_id"], user.as_str());
        let failed = app.call("POST", "/api/auth/login", None, Some(json!({ "username": "dave", "password": "wrong wrong wrong" }))).await;
        assert_eq!(failed.status, 401);
        let row = &audit(&app, &admin, "action=auth.login_failed").await["items"][0];
        assert_eq!(row["details"]["reason"], "wrong_password");
        assert!(!row.to_string().contains("wrong wrong wrong"));
        let changed = app
            .call("PUT", "/api/auth/password", Some(&token), Some(json!({ "current_password": PASSWORD, "new_password": "another good password" })))
            .await;
        assert_eq!(changed.status, 204);
        let row = &audit(&app, &admin, "action=auth.password_change").await["items"][0];
        assert!(!row.to_string().contains("another good password"));
        assert_eq!(app.call("POST", "/api/auth/logout", Some(&token), None).await.status, 204);
        assert_eq!(audit(&app, &admin, "action=auth.logout").await["total"], 1);
        assert_eq!(
            app.call("PATCH", &format!("/api/organizations/{org}/users/{user}"), Some(&admin), Some(json!({ "is_active": false }))).await.status,
            200
        );
        assert_eq!(audit(&app, &admin, "action=user.deactivate").await["items"][0]["resource_id"], user.as_str());
        assert_eq!(verify(&app, &admin).await["valid"], true);
    }
);

db_test!(
    async fn a_change_that_fails_leaves_no_row_and_a_failed_audit_write_undoes_the_change(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let admin = app.admin_token().await;
        let org = app.create_org(&admin, "Org").await;
        app.create_user(&admin, &org, "erin", &["viewer"]).await;
        let before = count(&app, &admin).await;
        let duplicate = app
            .call(
                "POST",
                &format!("/api/organizations/{org}/users"),
                Some(&admin),
                Some(json!({ "username": "ERIN", "email": "other@example.com", "password": PASSWORD, "roles": [] })),
            )
            .await;
        assert_eq!(duplicate.status, 409, "usernames are unique case-insensitively");
        let bad = app.call("PATCH", &format!("/api/organizations/{org}"), Some(&admin), Some(json!({ "target_level": 7 }))).await;
        assert_eq!(bad.status, 400);
        assert_eq!(count(&app, &admin).await, before, "failed changes leave no audit row");

        // Break the audit table under the server: the change must not happen either.
        let db = app.db.connect().await;
        db.execute_unprepared("ALTER TABLE audit_log RENAME TO audit_log_away").await.unwrap();
        let patched = app.call("PATCH", &format!("/api/organizations/{org}"), Some(&admin), Some(json!({ "name": "Should not stick" }))).await;
        assert_eq!(patched.status, 500);
        assert_eq!(patched.body["type"], "/problems/internal");
        db.execute_unprepared("ALTER TABLE audit_log_away RENAME TO audit_log").await.unwrap();
        let org_now = app.call("GET", &format!("/api/organizations/{org}"), Some(&admin), None).await;
        assert_eq!(org_now.body["name"], "Org", "the change was rolled back with its audit row");
        assert_eq!(verify(&app, &admin).await["valid"], true);
    }
);

db_test!(
    async fn verify_finds_a_changed_a_removed_and_a_truncated_row(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let admin = app.admin_token().await;
        let org = app.create_org(&admin, "Org").await;
        for n in 0..4 {
            let answer = app.call("PATCH", &format!("/api/organizations/{org}"), Some(&admin), Some(json!({ "name": format!("Name {n}") }))).await;
            assert_eq!(answer.status, 200);
        }
        let result = verify(&app, &admin).await;
        assert_eq!(result["valid"], true, "{result}");
        assert!(result["checked"].as_u64().unwrap() >= 5);
        assert!(result["first_invalid_id"].is_null());

        let rows = audit(&app, &admin, &format!("org_id={org}&per_page=200")).await;
        let ids: Vec<String> = rows["items"].as_array().unwrap().iter().rev().map(|r| r["id"].as_str().unwrap().to_owned()).collect();
        assert_eq!(ids.len(), 5);
        let db = app.db.connect().await;

        // Changed: a row's details edited in place.
        db.execute_unprepared(&format!("UPDATE audit_log SET details = '{{\"name\":\"forged\"}}' WHERE id = '{}'", ids[2])).await.unwrap();
        let result = verify(&app, &admin).await;
        assert_eq!(result["valid"], false);
        assert_eq!(result["first_invalid_id"], ids[2].as_str());
        db.execute_unprepared(&format!("DELETE FROM audit_log WHERE id = '{}'", ids[2])).await.unwrap();

        // Removed: the row after the gap is reported.
        let result = verify(&app, &admin).await;
        assert_eq!(result["valid"], false);
        assert_eq!(result["first_invalid_id"], ids[3].as_str(), "{result}");

        // Truncated: removing the newest rows is noticed too.
        db.execute_unprepared(&format!("DELETE FROM audit_log WHERE id IN ('{}', '{}')", ids[3], ids[4])).await.unwrap();
        let result = verify(&app, &admin).await;
        assert_eq!(result["valid"], false, "{result}");
        assert!(result["problem"].as_str().unwrap().contains("removed"), "{result}");
    }
);

db_test!(
    async fn concurrent_writers_still_form_one_unbroken_chain(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let admin = app.admin_token().await;
        let org = app.create_org(&admin, "Busy").await;
        let path = format!("/api/organizations/{org}");
        let requests = (0..24).map(|n| app.call("PATCH", &path, Some(&admin), Some(json!({ "name": format!("Name {n}") }))));
        let answers = futures_util::future::join_all(requests).await;
        assert!(answers.iter().all(|a| a.status == 200), "{:?}", answers.iter().map(|a| a.status).collect::<Vec<_>>());
        let result = verify(&app, &admin).await;
        assert_eq!(result["valid"], true, "{result}");
        assert_eq!(audit(&app, &admin, &format!("org_id={org}&action=organization.update")).await["total"], 24);
    }
);

db_test!(
    async fn org_admins_see_only_their_organisation_and_filters_combine(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let admin = app.admin_token().await;
        let a = app.create_org(&admin, "A").await;
        let b = app.create_org(&admin, "B").await;
        app.create_user(&admin, &a, "a_admin", &["org_admin"]).await;
        app.create_user(&admin, &b, "b_user", &["viewer"]).await;
        let a_admin = app.login("a_admin", PASSWORD).await;
        let seen = audit(&app, &a_admin, "per_page=200").await;
        assert!(seen["items"].as_array().unwrap().iter().all(|r| r["org_id"] == a.as_str()), "{seen}");
        assert_eq!(audit(&app, &a_admin, &format!("org_id={b}")).await["total"], 0);
        let verify_other = app.call("GET", &format!("/api/audit/verify?org_id={b}"), Some(&a_admin), None).await;
        assert_eq!(verify_other.status, 404);

        let filtered = audit(&app, &admin, &format!("org_id={a}&action=user.create&resource_type=user")).await;
        assert_eq!(filtered["total"], 1);
        let paged = audit(&app, &admin, "per_page=2&page=2").await;
        assert_eq!(paged["items"].as_array().unwrap().len(), 2);
        assert_eq!(paged["page"], 2);
        let future = audit(&app, &admin, "from=2100-01-01T00:00:00Z").await;
        assert_eq!(future["total"], 0);
        let past = audit(&app, &admin, "to=2000-01-01T00:00:00Z").await;
        assert_eq!(past["total"], 0);
        let all = audit(&app, &admin, "from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z").await;
        assert_eq!(all["total"], count(&app, &admin).await);
        for bad in ["from=yesterday", "per_page=0", "per_page=201", "page=0", "unknown=1"] {
            let answer = app.call("GET", &format!("/api/audit?{bad}"), Some(&admin), None).await;
            assert_eq!(answer.status, 400, "{bad}");
        }
        let _ = TestBackend::Sqlite;
    }
);

db_test!(
    async fn removing_the_newest_rows_and_rewriting_the_head_is_noticed(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let admin = app.admin_token().await;
        let org = app.create_org(&admin, "Org").await;
        for n in 0..3 {
            let answer = app.call("PATCH", &format!("/api/organizations/{org}"), Some(&admin), Some(json!({ "name": format!("N{n}") }))).await;
            assert_eq!(answer.status, 200);
        }
        assert_eq!(verify(&app, &admin).await["valid"], true);
        let rows = audit(&app, &admin, &format!("org_id={org}&per_page=200")).await;
        let newest = rows["items"][0]["id"].as_str().unwrap().to_owned();
        let before_newest = &rows["items"][1];
        let db = app.db.connect().await;
        // A database user removes the newest row and makes the head point at the one before it.
        db.execute_unprepared(&format!("DELETE FROM audit_log WHERE id = '{newest}'")).await.unwrap();
        db.execute_unprepared(&format!(
            "UPDATE audit_chain_heads SET seq = {}, hash = '{}' WHERE chain_key = '{org}'",
            before_newest["seq"], before_newest["hash"].as_str().unwrap()
        ))
        .await
        .unwrap();
        let result = verify(&app, &admin).await;
        assert_eq!(result["valid"], false, "{result}");
        assert!(result["problem"].as_str().unwrap().contains("head was altered"), "{result}");
    }
);
