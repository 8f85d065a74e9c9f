//! Migrations go up, down to zero and up again, leaving the same schema, with
//! every constraint and index named by the convention.

use cmmc_tests::{TestBackend, TestDb, db_test};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

/// Every table, index and named constraint, sorted.
async fn schema(db: &DatabaseConnection, backend: TestBackend) -> Vec<String> {
    let sql = match backend {
        TestBackend::Sqlite => {
            "SELECT type || ' ' || name AS item FROM sqlite_master \
             WHERE name NOT LIKE 'sqlite_%' AND name <> 'seaql_migrations' ORDER BY 1"
        }
        TestBackend::Postgres => {
            "SELECT 'table ' || table_name AS item FROM information_schema.tables \
               WHERE table_schema = current_schema() AND table_name <> 'seaql_migrations' \
             UNION ALL SELECT 'index ' || indexname FROM pg_indexes \
               WHERE schemaname = current_schema() AND tablename <> 'seaql_migrations' \
             UNION ALL SELECT 'constraint ' || constraint_name FROM information_schema.table_constraints \
               WHERE table_schema = current_schema() AND table_name <> 'seaql_migrations' \
               AND constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY', 'UNIQUE', 'CHECK') \
               AND constraint_name NOT LIKE '%_not_null' \
             ORDER BY 1"
        }
    };
    let rows = db.query_all(Statement::from_string(db.get_database_backend(), sql)).await.unwrap();
    rows.iter().map(|row| row.try_get::<String>("", "item").unwrap()).collect()
}

db_test!(
    async fn migrations_go_up_down_to_zero_and_up_again(backend) {
        let Some(test_db) = TestDb::create(backend).await else { return };
        let db = test_db.connect().await;
        migration::migrate_up(&db).await.unwrap();
        let first = schema(&db, backend).await;
        for table in migration::TABLES {
            assert!(first.contains(&format!("table {table}")), "{table} missing from {first:?}");
        }
        assert_eq!(first.iter().filter(|item| item.starts_with("table ")).count(), migration::TABLES.len());

        Migrator::down(&db, None).await.unwrap();
        assert_eq!(schema(&db, backend).await, Vec::<String>::new(), "down to zero leaves nothing");
        assert!(Migrator::get_applied_migrations(&db).await.unwrap().is_empty());

        migration::migrate_up(&db).await.unwrap();
        assert_eq!(schema(&db, backend).await, first, "up again gives the same schema");
        assert!(Migrator::get_pending_migrations(&db).await.unwrap().is_empty());
    }
);

db_test!(
    async fn every_index_and_constraint_is_named_by_the_convention(backend) {
        let Some(test_db) = TestDb::create(backend).await else { return };
        let db = test_db.connect().await;
        migration::migrate_up(&db).await.unwrap();
        let mut items = schema(&db, backend).await;
        if backend == TestBackend::Sqlite {
            // SQLite lists only tables and indexes; constraint names stand in the table's SQL.
            let rows = db
                .query_all(Statement::from_string(
                    db.get_database_backend(),
                    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name <> 'seaql_migrations'",
                ))
                .await
                .unwrap();
            for row in rows {
                let sql: String = row.try_get("", "sql").unwrap();
                for part in sql.split("CONSTRAINT ").skip(1) {
                    let name = part.split_whitespace().next().unwrap();
                    items.push(format!("constraint {name}"));
                }
            }
        }
        let named: Vec<&String> = items.iter().filter(|item| !item.starts_with("table ")).collect();
        assert!(named.len() > 60, "{named:?}");
        for item in named {
            let name = item.split_once(' ').unwrap().1;
            assert!(
                ["pk_", "fk_", "ck_", "uq_", "ix_"].iter().any(|prefix| name.starts_with(prefix)),
                "{item} does not follow the pk_/fk_/ck_/uq_/ix_ convention"
            );
        }
    }
);

/// Runs `sql` and returns the error text it must produce.
async fn refused(db: &DatabaseConnection, sql: &str) -> String {
    match db.execute_unprepared(sql).await {
        Ok(_) => panic!("the database accepted: {sql}"),
        Err(err) => err.to_string(),
    }
}

db_test!(
    async fn the_database_itself_enforces_ranges_enums_and_references(backend) {
        let Some(test_db) = TestDb::create(backend).await else { return };
        let db = test_db.connect().await;
        migration::migrate_up(&db).await.unwrap();
        let now = "'2026-01-01T00:00:00Z'";
        db.execute_unprepared(&format!(
            "INSERT INTO organizations (id, name, target_level, created_at, updated_at) VALUES ('o1', 'Org', 2, {now}, {now})"
        ))
        .await
        .unwrap();

        let err = refused(&db, &format!(
            "INSERT INTO organizations (id, name, target_level, created_at, updated_at) VALUES ('o2', 'Org', 4, {now}, {now})"
        )).await;
        assert!(err.contains("ck_organizations_target_level"), "{err}");

        let err = refused(&db, &format!(
            "INSERT INTO cmmc_levels (id, level, name, assessment_type, description, created_at, updated_at) \
             VALUES ('l', 2, 'Advanced', 'c3pao', 'x', {now}, {now})"
        )).await;
        assert!(err.contains("ck_cmmc_levels_assessment_type"), "{err}");

        // An assessment must name an existing organisation and level.
        let err = refused(&db, &format!(
            "INSERT INTO assessments (id, org_id, title, target_level, assessment_type, status, created_at, updated_at) \
             VALUES ('a1', 'missing', 'T', 2, 'self', 'draft', {now}, {now})"
        )).await;
        assert!(err.to_lowercase().contains("foreign key"), "{err}");

        db.execute_unprepared(&format!(
            "INSERT INTO cmmc_levels (id, level, name, assessment_type, description, created_at, updated_at) \
             VALUES ('l2', 2, 'Advanced', 'third_party', 'x', {now}, {now})"
        )).await.unwrap();
        let err = refused(&db, &format!(
            "INSERT INTO assessments (id, org_id, title, target_level, assessment_type, status, sprs_score, created_at, updated_at) \
             VALUES ('a2', 'o1', 'T', 2, 'self', 'draft', -204, {now}, {now})"
        )).await;
        assert!(err.contains("ck_assessments_sprs_score"), "{err}");
        let err = refused(&db, &format!(
            "INSERT INTO assessments (id, org_id, title, target_level, assessment_type, status, created_at, updated_at) \
             VALUES ('a3', 'o1', 'T', 2, 'self', 'finished', {now}, {now})"
        )).await;
        assert!(err.contains("ck_assessments_status"), "{err}");
        let err = refused(&db, &format!(
            "INSERT INTO assessments (id, org_id, title, target_level, assessment_type, status, overall_score, created_at, updated_at) \
             VALUES ('a4', 'o1', 'T', 2, 'self', 'draft', 1.5, {now}, {now})"
        )).await;
        assert!(err.contains("ck_assessments_overall_score"), "{err}");

        // Case-insensitive uniqueness of usernames.
        db.execute_unprepared(&format!(
            "INSERT INTO users (id, username, email, password_hash, org_id, is_active, created_at, updated_at) \
             VALUES ('u1', 'Alice', 'alice@example.com', 'x', 'o1', TRUE, {now}, {now})"
        )).await.unwrap();
        let err = refused(&db, &format!(
            "INSERT INTO users (id, username, email, password_hash, org_id, is_active, created_at, updated_at) \
             VALUES ('u2', 'ALICE', 'other@example.com', 'x', 'o1', TRUE, {now}, {now})"
        )).await;
        assert!(err.contains("uq_users_username") || err.to_lowercase().contains("unique"), "{err}");
    }
);

db_test!(
    async fn fresh_and_down_refuse_on_a_database_with_assessments_unless_forced(backend) {
        use cmmc_api::ops::{self, MigrateCommand};
        let Some(test_db) = TestDb::create(backend).await else { return };
        let settings = cmmc_tests::test_settings(&test_db, &[]);
        let report = ops::seed(&settings).await.unwrap();
        assert_eq!(report.inserted, 174);
        let status = ops::migrate(&settings, MigrateCommand::Status).await.unwrap();
        assert_eq!(status.lines().filter(|l| l.starts_with("applied")).count(), Migrator::migrations().len(), "{status}");

        let db = test_db.connect().await;
        let now = "'2026-01-01T00:00:00Z'";
        db.execute_unprepared(&format!(
            "INSERT INTO organizations (id, name, target_level, created_at, updated_at) VALUES ('o1', 'Org', 2, {now}, {now})"
        ))
        .await
        .unwrap();
        db.execute_unprepared(&format!(
            "INSERT INTO assessments (id, org_id, title, target_level, assessment_type, status, created_at, updated_at) \
             VALUES ('a1', 'o1', 'T', 2, 'self', 'draft', {now}, {now})"
        ))
        .await
        .unwrap();
        for command in [MigrateCommand::Fresh { force: false }, MigrateCommand::Down { n: 5, force: false }] {
            let err = ops::migrate(&settings, command).await.unwrap_err().to_string();
            assert!(err.contains("1 assessment(s)") && err.contains("--force"), "{err}");
        }
        assert_eq!(cmmc_store::diag::assessment_count(&db).await.unwrap(), Some(1), "nothing was dropped");

        ops::migrate(&settings, MigrateCommand::Fresh { force: true }).await.unwrap();
        assert_eq!(cmmc_store::diag::assessment_count(&db).await.unwrap(), Some(0));
        // Down to the first migration: the assessment tables are gone.
        let all_but_first = u32::try_from(Migrator::migrations().len() - 1).unwrap();
        ops::migrate(&settings, MigrateCommand::Down { n: all_but_first, force: false }).await.unwrap();
        assert_eq!(cmmc_store::diag::assessment_count(&db).await.unwrap(), None);
    }
);

db_test!(
    async fn the_demo_seed_makes_one_user_per_role_and_an_assessment_in_progress_once(backend) {
        use cmmc_api::ops;
        let Some(test_db) = TestDb::create(backend).await else { return };
        let settings = cmmc_tests::test_settings(&test_db, &[]);
        let report = ops::seed_demo(&settings).await.unwrap();
        assert_eq!(report.users.len(), 6, "one per role");
        assert!(report.users.iter().all(|(_, _, password)| password.len() > 20));
        let again = ops::seed_demo(&settings).await.unwrap();
        assert_eq!(again, ops::DemoReport::default(), "idempotent");
        let db = test_db.connect().await;
        assert_eq!(cmmc_store::diag::assessment_count(&db).await.unwrap(), Some(1));
        let statuses = db
            .query_all(Statement::from_string(
                db.get_database_backend(),
                "SELECT status, COUNT(*) AS n FROM assessment_practices GROUP BY status ORDER BY status",
            ))
            .await
            .unwrap();
        let statuses: Vec<String> = statuses.iter().map(|r| r.try_get::<String>("", "status").unwrap()).collect();
        assert_eq!(statuses, ["met", "not_applicable", "not_evaluated", "not_met", "partially_met"]);
    }
);
