//! GET /api/health and GET /api/diag/db, including while the database is away.

use cmmc_tests::{TestBackend, db_test, spawn_app};

db_test!(
    async fn health_answers_ok(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let (status, body, _) = app.get("/api/health").await;
        assert_eq!(status, 200);
        assert_eq!(body["status"], "ok");
    }
);

db_test!(
    async fn diag_reports_migration_tables_and_reference_version(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let (status, body, _) = app.get("/api/diag/db").await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["reachable"], true);
        assert_eq!(body["migration_version"], "m20261128_000019_add_session_last_seen");
        // Our tables plus seaql_migrations.
        assert_eq!(body["table_count"].as_u64().unwrap(), migration::TABLES.len() as u64 + 1);
        assert_eq!(body["reference_data_version"], "2026.11.1");
        assert_eq!(body["reference_data_checksum"].as_str().unwrap().len(), 64);
        assert_eq!(body["backend"], if backend == TestBackend::Sqlite { "sqlite" } else { "postgres" });
    }
);

db_test!(
    async fn diag_answers_503_while_the_database_is_away_and_200_once_it_is_back(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        assert_eq!(app.get("/api/diag/db").await.0, 200);
        let moved = app.db.sqlite_path.as_ref().map(|path| (path.clone(), path.with_extension("moved")));
        match &moved {
            // SQLite: the file is moved away from under the server.
            Some((path, away)) => std::fs::rename(path, away).unwrap(),
            // PostgreSQL: the database is dropped from under the server.
            None => assert!(app.db.drop_postgres_database().await),
        }
        let (status, body, _) = app.get("/api/diag/db").await;
        assert_eq!(status, 503, "{body}");
        assert_eq!(body["reachable"], false);
        // The process itself is still up.
        assert_eq!(app.get("/api/health").await.0, 200);

        match &moved {
            Some((path, away)) => std::fs::rename(away, path).unwrap(),
            None => app.db.recreate_postgres_database().await,
        }
        let mut status = 0;
        for _ in 0..50 {
            status = app.get("/api/diag/db").await.0;
            if status == 200 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(status, 200, "diag recovers without a restart");
    }
);
