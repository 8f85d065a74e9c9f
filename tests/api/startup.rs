//! Start-up: two servers at once against one database, and the catalogue
//! served even when auto-seed is off.

use cmmc_tests::{TestBackend, TestDb, db_test, start_server, test_settings};
use sea_orm::{ConnectionTrait as _, EntityTrait as _};

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

db_test!(
    async fn without_a_data_dir_the_reference_data_built_in_is_seeded(backend) {
        let Some(test_db) = TestDb::create(backend).await else { return };
        let mut settings = test_settings(&test_db, &[]);
        settings.data_dir = None;
        let port = start_server(settings).await;
        let url = format!("http://127.0.0.1:{port}/api/cmmc/practices?level=2");
        let body: serde_json::Value = reqwest::get(&url).await.unwrap().json().await.unwrap();
        assert_eq!(body.as_array().unwrap().len(), 110);
        let db = test_db.connect().await;
        let rows = cmmc_store::entities::reference_data_versions::Entity::find().all(&db).await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].source.as_deref(), Some(cmmc_seed::EMBEDDED), "the seed records its source");
        // The same data from the directory changes nothing.
        let report = cmmc_seed::seed_dir(&db, &cmmc_tests::data_dir()).await.unwrap();
        assert!(!report.changed(), "{report}");
    }
);

db_test!(
    async fn a_process_with_another_secret_refuses_to_start(backend) {
        let Some(test_db) = TestDb::create(backend).await else { return };
        let settings = test_settings(&test_db, &[]);
        start_server(settings.clone()).await;
        cmmc_api::ops::create_admin(&settings, "root", "root@example.com", cmmc_tests::PASSWORD).await.unwrap();
        let mut other = settings.clone();
        other.secret_key = Some("a different secret of at least thirty-two characters".into());
        let err = cmmc_api::Application::build(other.clone()).await.err().unwrap();
        assert!(format!("{err:#}").contains("CMMC_SECRET_KEY"), "{err:#}");
        let err = cmmc_api::ops::create_admin(&other, "root2", "root2@example.com", cmmc_tests::PASSWORD).await.err().unwrap();
        assert!(format!("{err:#}").contains("CMMC_SECRET_KEY"), "{err:#}");
        // A database from before fingerprints is judged by its audit trail.
        let db = test_db.connect().await;
        db.execute_unprepared("DELETE FROM server_secrets").await.unwrap();
        assert!(cmmc_api::Application::build(other).await.is_err(), "the audit head was sealed with the first secret");
        assert!(cmmc_api::Application::build(settings).await.is_ok());
    }
);
