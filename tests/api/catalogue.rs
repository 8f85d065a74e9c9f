//! GET /api/cmmc/domains, /levels, /practices and /practices/{id}.

use cmmc_tests::{TestBackend, db_test, spawn_app};
use serde_json::Value;

fn ids(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|p| p["practice_id"].as_str().unwrap().to_owned()).collect()
}

db_test!(
    async fn domains_and_levels_are_listed_with_their_column_names(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let (status, domains, content_type) = app.get("/api/cmmc/domains").await;
        assert_eq!(status, 200);
        assert_eq!(content_type, "application/json");
        let domains = domains.as_array().unwrap();
        assert_eq!(domains.len(), 14);
        assert_eq!(domains[0]["domain_id"], "AC");
        assert_eq!(domains[0]["name"], "Access Control");
        assert!(domains[0]["description"].as_str().unwrap().len() > 40);
        assert_eq!(domains[13]["domain_id"], "SI");

        let (status, levels, _) = app.get("/api/cmmc/levels").await;
        assert_eq!(status, 200);
        let levels = levels.as_array().unwrap();
        assert_eq!(levels.len(), 3);
        let summary: Vec<(i64, &str, &str)> = levels
            .iter()
            .map(|l| (l["level"].as_i64().unwrap(), l["name"].as_str().unwrap(), l["assessment_type"].as_str().unwrap()))
            .collect();
        assert_eq!(summary, [(1, "Foundational", "self"), (2, "Advanced", "third_party"), (3, "Expert", "government")]);
        assert!(levels.iter().all(|l| !l["description"].as_str().unwrap().is_empty()));
    }
);

db_test!(
    async fn practices_filter_by_level_domain_and_search_in_catalogue_order(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let count = |body: &Value| body.as_array().unwrap().len();
        let (status, all, _) = app.get("/api/cmmc/practices").await;
        assert_eq!(status, 200);
        assert_eq!(count(&all), 151);
        for (level, expected) in [(1, 17), (2, 110), (3, 24)] {
            let (status, body, _) = app.get(&format!("/api/cmmc/practices?level={level}")).await;
            assert_eq!(status, 200);
            assert_eq!(count(&body), expected, "level {level}");
            assert!(body.as_array().unwrap().iter().all(|p| p["level"] == level));
        }
        let (_, level2_ac, _) = app.get("/api/cmmc/practices?level=2&domain=AC").await;
        assert_eq!(count(&level2_ac), 22);
        let order = ids(&level2_ac);
        assert_eq!(order[0], "AC.L2-3.1.1");
        assert_eq!(order[1], "AC.L2-3.1.2");
        assert_eq!(order[2], "AC.L2-3.1.3");
        assert_eq!(order[21], "AC.L2-3.1.22");

        let (_, ac, _) = app.get("/api/cmmc/practices?domain=AC").await;
        assert_eq!(count(&ac), 4 + 22 + 2, "AC at levels 1, 2 and 3 (3.1.2e, 3.1.3e)");
        assert_eq!(ids(&ac)[0], "AC.L1-3.1.1", "level 1 first");

        let (_, mfa, _) = app.get("/api/cmmc/practices?search=MULTIFACTOR").await;
        assert!(ids(&mfa).contains(&"IA.L2-3.5.3".to_owned()), "{:?}", ids(&mfa));
        let (_, by_id, _) = app.get("/api/cmmc/practices?search=sc.l2-3.13.11").await;
        assert_eq!(ids(&by_id), ["SC.L2-3.13.11"]);
        let (_, combined, _) = app.get("/api/cmmc/practices?level=2&domain=IA&search=multifactor").await;
        assert_eq!(ids(&combined), ["IA.L2-3.5.3"]);
        let (_, none, _) = app.get("/api/cmmc/practices?level=1&search=multifactor").await;
        assert_eq!(count(&none), 0);
        let (_, blank, _) = app.get("/api/cmmc/practices?level=3&search=%20").await;
        assert_eq!(count(&blank), 24, "a blank search filters nothing");
    }
);

db_test!(
    async fn one_practice_has_its_objectives_evidence_and_weight(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let (status, practice, _) = app.get("/api/cmmc/practices/AC.L2-3.1.1").await;
        assert_eq!(status, 200);
        assert_eq!(practice["practice_id"], "AC.L2-3.1.1");
        assert_eq!(practice["domain_id"], "AC");
        assert_eq!(practice["level"], 2);
        assert_eq!(practice["title"], "Authorized Access Control");
        assert!(practice["description"].as_str().unwrap().starts_with("Limit system access"));
        assert_eq!(practice["assessment_objectives"].as_array().unwrap().len(), 6);
        assert!(practice["evidence_requirements"].as_array().unwrap().len() > 5);
        assert_eq!(practice["nist_refs"][0], "NIST SP 800-171 Rev 2 3.1.1");
        assert_eq!(practice["sprs_weight"], 5);

        let (_, mfa, _) = app.get("/api/cmmc/practices/IA.L2-3.5.3").await;
        assert_eq!((mfa["sprs_weight"].as_i64(), mfa["sprs_partial_weight"].as_i64()), (Some(5), Some(3)));
        let (_, ssp, _) = app.get("/api/cmmc/practices/CA.L2-3.12.4").await;
        assert!(ssp["sprs_weight"].is_null());
        let (status, level3, _) = app.get("/api/cmmc/practices/AC.L3-3.1.2e").await;
        assert_eq!(status, 200);
        assert!(level3["sprs_weight"].is_null());
        assert_eq!(level3["level"], 3);
        let (_, level1, _) = app.get("/api/cmmc/practices/AC.L1-3.1.1").await;
        assert_eq!(level1["final_rule_id"], "AC.L1-b.1.i");
    }
);

db_test!(
    async fn unknown_practices_and_paths_answer_404_problems(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        for path in ["/api/cmmc/practices/AC.L2-3.1.99", "/api/cmmc/practices/nonsense", "/api/cmmc/practices/ac.l2-3.1.1", "/api/nothing-here"] {
            let (status, problem, content_type) = app.get(path).await;
            assert_eq!(status, 404, "{path}");
            assert_eq!(content_type, "application/problem+json", "{path}");
            assert_eq!(problem["type"], "/problems/not-found", "{path}");
            assert_eq!(problem["status"], 404);
        }
        let response = app.client.post(format!("{}/api/cmmc/domains", app.address)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 405);
        assert_eq!(response.headers()["allow"], "GET", "RFC 9110: a 405 names the methods the path has");
        let response = app.client.put(format!("{}/api/assessments/{}", app.address, uuid::Uuid::new_v4())).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 405);
        assert_eq!(response.headers()["allow"], "GET, PATCH, DELETE");
    }
);

db_test!(
    async fn bad_parameters_answer_400_saying_what_is_wrong(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let long = "x".repeat(201);
        for (query, field, words) in [
            ("level=7", "level", "expected 1, 2 or 3"),
            ("level=abc", "level", "expected 1, 2 or 3"),
            ("level=", "level", "expected 1, 2 or 3"),
            ("domain=ZZ", "domain", "not a CMMC domain"),
            ("domain=ac", "domain", "not a CMMC domain"),
            ("level=2&domain=ZZ", "domain", "not a CMMC domain"),
            (&format!("search={long}"), "search", "at most 200"),
            ("levle=2", "query", "unknown field"),
            ("level=1&level=2", "query", "duplicate field"),
        ] {
            let (status, problem, content_type) = app.get(&format!("/api/cmmc/practices?{query}")).await;
            assert_eq!(status, 400, "{query}");
            assert_eq!(content_type, "application/problem+json", "{query}");
            assert_eq!(problem["type"], "/problems/invalid-parameter", "{query}");
            assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
            assert!(problem["detail"].as_str().unwrap().contains(words), "{query}: {problem}");
        }
    }
);

db_test!(
    async fn every_server_notices_a_reseed(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let dir = tempfile::tempdir().unwrap();
        for entry in std::fs::read_dir(cmmc_tests::data_dir()).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
        }
        let file = dir.path().join("level2_practices.yaml");
        let text = std::fs::read_to_string(&file).unwrap();
        std::fs::write(&file, text.replacen("title: Authorized Access Control\n", "title: Reseeded Title\n", 1)).unwrap();
        // Another process seeds the database the server is using.
        let db = app.db.connect().await;
        let report = cmmc_seed::seed_dir(&db, dir.path()).await.unwrap();
        assert_eq!(report.updated, 1);
        let mut title = String::new();
        for _ in 0..100 {
            let (_, practice, _) = app.get("/api/cmmc/practices/AC.L2-3.1.1").await;
            title = practice["title"].as_str().unwrap().to_owned();
            if title == "Reseeded Title" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(title, "Reseeded Title");
        let _ = TestBackend::Sqlite;
    }
);
