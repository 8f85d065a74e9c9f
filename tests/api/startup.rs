//! Start-up: two servers at once against one database, and the catalogue
//! served even when auto-seed is off.

use cmmc_tests::{TestBackend, TestDb, db_test, start_server, test_settings};

db_test!(
    async fn two_servers_starting_at_once_neither_fail_nor_duplicate_rows(backend) {
        let Some(test_db) = TestDb::create(backend).await else { return };
        let (a, b) = tokio::join!(
            cmmc_api::Application::build(test_settings(&test_db, &[])),
            cmmc_api::Application::build(test_settings(&test_db, &[])),
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_ne!(a.port(), b.port());
        let db = test_db.connect().await;
        assert_eq!(cmmc_store::catalog::practices(&db).await.unwrap().len(), 151);
        assert_eq!(cmmc_store::catalog::domains(&db).await.unwrap().len(), 14);
        for application in [a, b] {
            let port = application.port();
            tokio::spawn(application.run_until_stopped());
            let body: serde_json::Value = reqwest::get(format!("http://127.0.0.1:{port}/api/cmmc/practices?level=2"))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(body.as_array().unwrap().len(), 110);
        }
    }
);

db_test!(
    async fn without_auto_seed_the_catalogue_is_empty_until_seeded(backend) {
        let Some(test_db) = TestDb::create(backend).await else { return };
        let port = start_server(test_settings(&test_db, &[("auto_seed", "false")])).await;
        let url = format!("http://127.0.0.1:{port}/api/cmmc/domains");
        let body: serde_json::Value = reqwest::get(&url).await.unwrap().json().await.unwrap();
        assert_eq!(body.as_array().unwrap().len(), 0);
        cmmc_seed::seed_dir(&test_db.connect().await, &cmmc_tests::data_dir()).await.unwrap();
        let mut n = 0;
        for _ in 0..100 {
            let body: serde_json::Value = reqwest::get(&url).await.unwrap().json().await.unwrap();
            n = body.as_array().unwrap().len();
            if n == 14 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(n, 14);
        let _ = TestBackend::Sqlite;
    }
);
