//! Faults the crash and fuzz test found, each as it was reported: requests
//! the server must refuse cleanly, and addresses it must never call.

use cmmc_tests::{PASSWORD, db_test, spawn_app, spawn_app_with};
use serde_json::json;

db_test!(
    async fn datapact_urls_to_internal_addresses_are_refused(backend) {
        // No allow list: the server's own default.
        let Some(app) = spawn_app_with(backend, &[("outbound_allow", "")]).await else { return };
        let admin = app.admin_token().await;
        let org = app.create_org(&admin, "Acme").await;
        let url = format!("/api/organizations/{org}/datapact");
        for bad in [
            "http://127.0.0.1:9/api",
            "https://127.0.0.1/api",
            "https://169.254.169.254/latest/meta-data",
            "https://10.1.2.3",
            "https://192.168.0.10",
            "https://[::1]:8443",
            "https://[fd00::1]",
            "https://[::ffff:127.0.0.1]",
            "http://datapact.example",
        ] {
            let answer = app.call("PUT", &url, Some(&admin), Some(json!({ "api_url": bad, "api_key": "k" }))).await;
            assert_eq!(answer.status, 400, "{bad}: {:?}", answer.body);
            assert_eq!(answer.body["errors"][0]["field"], "api_url", "{bad}");
        }
        let ok = app.call("PUT", &url, Some(&admin), Some(json!({ "api_url": "https://datapact.example", "api_key": "k" }))).await;
        assert_eq!(ok.status, 200, "{:?}", ok.body);
        // A name that resolves to loopback is refused when the call is made.
        let local = app.call("PUT", &url, Some(&admin), Some(json!({ "api_url": "https://localhost:9", "api_key": "k" }))).await;
        assert_eq!(local.status, 200, "a name is judged by what it resolves to: {:?}", local.body);
        let contracts = app.call("GET", &format!("{url}/contracts"), Some(&admin), None).await;
        assert_eq!(contracts.status, 502, "{:?}", contracts.body);
        let detail = contracts.body["detail"].as_str().unwrap_or_default();
        assert!(detail.contains("loopback"), "{detail}");
    }
);

db_test!(
    async fn an_allow_list_lets_the_server_reach_a_listed_address(backend) {
        let Some(app) = spawn_app_with(backend, &[("outbound_allow", "127.0.0.1, 10.0.0.0/8")]).await else { return };
        let admin = app.admin_token().await;
        let org = app.create_org(&admin, "Acme").await;
        let url = format!("/api/organizations/{org}/datapact");
        for good in ["http://127.0.0.1:9", "https://10.20.30.40"] {
            let answer = app.call("PUT", &url, Some(&admin), Some(json!({ "api_url": good, "api_key": "k" }))).await;
            assert_eq!(answer.status, 200, "{good}: {:?}", answer.body);
        }
        let answer = app.call("PUT", &url, Some(&admin), Some(json!({ "api_url": "https://169.254.169.254", "api_key": "k" }))).await;
        assert_eq!(answer.status, 400, "not listed: {:?}", answer.body);
    }
);

db_test!(
    async fn nul_and_control_characters_are_400s_naming_the_field(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let admin = app.admin_token().await;
        let login = app.call("POST", "/api/auth/login", None, Some(json!({ "username": "x\u{0}", "password": "y" }))).await;
        assert_eq!(login.status, 400, "{:?}", login.body);
        assert_eq!(login.body["errors"][0]["field"], "username");
        let audit = app.call("GET", "/api/audit?action=%00", Some(&admin), None).await;
        assert_eq!(audit.status, 400, "{:?}", audit.body);
        assert_eq!(audit.body["errors"][0]["field"], "action");
        let path = app.call("GET", "/api/assessments/%00", Some(&admin), None).await;
        assert_eq!(path.status, 404, "{:?}", path.body);
        let not_an_id = app.call("GET", "/api/assessments/not-an-id", Some(&admin), None).await;
        assert_eq!(not_an_id.status, 404);
        for name in ["\u{0}", " \u{0} ", "   ", "Acme\u{1b}[31m"] {
            let answer = app.call("POST", "/api/organizations", Some(&admin), Some(json!({ "name": name, "target_level": 2 }))).await;
            assert_eq!(answer.status, 400, "{name:?}: {:?}", answer.body);
            assert_eq!(answer.body["errors"][0]["field"], "name", "{name:?}");
        }
        let orgs = app.call("GET", "/api/organizations", Some(&admin), None).await;
        assert_eq!(orgs.body["total"], 0, "nothing was written");
    }
);

db_test!(
    async fn another_organisations_audit_trail_answers_404(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let admin = app.admin_token().await;
        let own = app.create_org(&admin, "Own").await;
        let other = app.create_org(&admin, "Other").await;
        app.create_user(&admin, &own, "own_admin", &["org_admin"]).await;
        app.create_user(&admin, &own, "own_viewer", &["viewer"]).await;
        for username in ["own_admin", "own_viewer"] {
            let token = app.login(username, PASSWORD).await;
            let answer = app.call("GET", &format!("/api/audit/verify?org_id={other}"), Some(&token), None).await;
            assert_eq!(answer.status, 404, "{username}: {:?}", answer.body);
        }
    }
);

db_test!(
    async fn only_a_system_administrator_changes_a_system_administrator(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let admin = app.admin_token().await;
        let org = app.create_org(&admin, "Acme").await;
        let root2 = app.create_user(&admin, &org, "root2", &["system_admin"]).await;
        app.create_user(&admin, &org, "boss", &["org_admin"]).await;
        let boss = app.login("boss", PASSWORD).await;
        let url = format!("/api/organizations/{org}/users/{root2}");
        for change in [json!({ "is_active": false }), json!({ "email": "elsewhere@example.com" })] {
            let answer = app.call("PATCH", &url, Some(&boss), Some(change.clone())).await;
            assert_eq!(answer.status, 403, "{change}: {:?}", answer.body);
        }
        let user = app.call("GET", &url, Some(&admin), None).await;
        assert_eq!(user.body["is_active"], true);
        assert_eq!(user.body["email"], "root2@example.com");
        let answer = app.call("PATCH", &url, Some(&admin), Some(json!({ "is_active": false }))).await;
        assert_eq!(answer.status, 200, "a system administrator may: {:?}", answer.body);
    }
);
