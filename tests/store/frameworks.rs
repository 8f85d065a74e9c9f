//! The framework crosswalks' seed: every map of `crosswalks.json` in the
//! database with the same counts, a second run writes nothing, and invalid
//! data (an unknown practice, relationship or target) writes nothing.

use std::collections::BTreeSet;
use std::path::PathBuf;

use cmmc_seed::{FrameworkData, SeedError};
use cmmc_store::entities::{framework_mappings, framework_requirements, frameworks};
use cmmc_tests::{TestBackend, TestDb, data_dir, db_test, project_root};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::Value;

fn frameworks_dir() -> PathBuf {
    project_root().join("data").join("frameworks")
}

fn source() -> Value {
    let text =
        std::fs::read_to_string(frameworks_dir().join("source").join("crosswalks.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

async fn seeded(backend: TestBackend) -> Option<(TestDb, DatabaseConnection)> {
    let test_db = TestDb::create(backend).await?;
    let db = test_db.connect().await;
    migration::migrate_up(&db).await.unwrap();
    cmmc_seed::seed_dir(&db, &data_dir()).await.unwrap();
    Some((test_db, db))
}

async fn pairs(db: &DatabaseConnection, from: &str, to: &str, derived: bool) -> u64 {
    framework_mappings::Entity::find()
        .filter(framework_mappings::Column::FromFramework.eq(from))
        .filter(framework_mappings::Column::ToFramework.eq(to))
        .filter(framework_mappings::Column::Derived.eq(derived))
        .count(db)
        .await
        .unwrap()
}

async fn requirements(db: &DatabaseConnection, framework: &str) -> u64 {
    framework_requirements::Entity::find()
        .filter(framework_requirements::Column::FrameworkId.eq(framework))
        .count(db)
        .await
        .unwrap()
}

/// The number of (key, value) pairs of a map of lists, each list deduplicated.
fn list_pairs(map: &Value, pick: impl Fn(&Value) -> Vec<String>) -> u64 {
    map.as_object()
        .unwrap()
        .values()
        .map(|v| pick(v).into_iter().collect::<BTreeSet<_>>().len() as u64)
        .sum()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

db_test!(
    async fn every_map_is_seeded_with_the_counts_of_its_source(backend) {
        let Some((_test_db, db)) = seeded(backend).await else { return };
        let data = FrameworkData::load(&frameworks_dir()).unwrap();
        let report = cmmc_seed::seed_frameworks(&db, &data).await.unwrap();
        assert_eq!(report.frameworks, 7);
        assert!(report.written > 0 && report.deleted == 0, "{report}");
        let src = source();
        let counts = &src["meta"]["counts"];
        assert_eq!(requirements(&db, "sp800-171r2").await, counts["sp800_171r2_requirements"].as_u64().unwrap());
        assert_eq!(requirements(&db, "sp800-171r3").await, counts["sp800_171r3_requirements"].as_u64().unwrap());
        assert_eq!(pairs(&db, "sp800-171r2", "sp800-53r4", false).await, counts["sp800_171r2_to_sp800_53.r4_pairs"].as_u64().unwrap());
        assert_eq!(pairs(&db, "sp800-171r3", "sp800-53r5", false).await, counts["sp800_171r3_to_sp800_53r5.pairs"].as_u64().unwrap());
        let r3_pairs = list_pairs(&src["sp800_171r2_to_sp800_171r3"], strings);
        assert_eq!(pairs(&db, "sp800-171r2", "sp800-171r3", false).await, r3_pairs);
        let r5 = list_pairs(&src["sp800_171r2_to_sp800_53"], |v| strings(&v["r5_via_r3"]));
        assert_eq!(pairs(&db, "sp800-171r2", "sp800-53r5", true).await, r5, "derived, and labelled so");
        let iso2013 = list_pairs(&src["sp800_171r2_to_iso27001_2013"], |v| {
            v.as_object().unwrap().values().flat_map(strings).map(|c| c.trim_end_matches('*').to_owned()).collect()
        });
        assert_eq!(pairs(&db, "sp800-171r2", "iso27001-2013", false).await, iso2013);
        let olir = list_pairs(&src["sp800_53r5_to_iso27001_2022"], |v| {
            if v.is_null() { Vec::new() } else { strings(&v["annex_a"]).into_iter().chain(strings(&v["clauses"])).collect() }
        });
        assert_eq!(pairs(&db, "sp800-53r5", "iso27001-2022", false).await, olir);
        // Every relationship of Rev 2 to Rev 3 as the source counts it (withdrawn: no row).
        for (relationship, n) in counts["sp800_171r2_to_sp800_171r3.by_relationship"].as_object().unwrap() {
            if relationship == "withdrawn" {
                continue;
            }
            let rows = framework_mappings::Entity::find()
                .filter(framework_mappings::Column::ToFramework.eq("sp800-171r3"))
                .filter(framework_mappings::Column::Relationship.eq(relationship.as_str()))
                .all(&db)
                .await
                .unwrap();
            let from: BTreeSet<String> = rows.into_iter().map(|r| r.from_requirement).collect();
            assert_eq!(from.len() as u64, n.as_u64().unwrap(), "{relationship}");
        }

        // A second run writes nothing.
        let again = cmmc_seed::seed_frameworks(&db, &data).await.unwrap();
        assert_eq!((again.written, again.deleted), (0, 0), "{again}");
    }
);

/// A copy of `data/frameworks` with one edit.
fn edited(file: &str, from: &str, to: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(frameworks_dir()).unwrap() {
        let entry = entry.unwrap();
        if entry.path().is_file() {
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
        }
    }
    let path = dir.path().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{from:?} not in {file}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    let dir_path = dir.path().to_path_buf();
    (dir, dir_path)
}

db_test!(
    async fn invalid_crosswalks_write_nothing(backend) {
        let Some((_test_db, db)) = seeded(backend).await else { return };
        for (file, from, to, needle) in [
            ("sp800_171r2.yaml", "relationship: carried_forward", "relationship: maps_to", "successor"),
            ("sp800_171r2.yaml", "id: 03.01.01", "id: 03.99.01", "successor"),
            ("sp800_171r2.yaml", "change: significant", "change: huge", "successor"),
            ("sp800_171r2.yaml", "- AC-2\n", "- AC2\n", "SP 800-53"),
            ("frameworks.yaml", "id: sp800-53r4", "id: sp800-53r4x", "missing"),
        ] {
            let (_dir, path) = edited(file, from, to);
            let err = FrameworkData::load(&path).unwrap_err();
            assert!(err.to_string().contains(needle), "{file}: {err}");
        }
        // Well formed, but not a practice of the catalogue: refused at seed time.
        let (_dir, path) = edited("sp800_171r2.yaml", "practice_id: AC.L2-3.1.1", "practice_id: AC.L2-3.1.99");
        let data = FrameworkData::load(&path).unwrap();
        match cmmc_seed::seed_frameworks(&db, &data).await {
            Err(SeedError::Invalid(err)) => assert!(err.to_string().contains("AC.L2-3.1.99"), "{err}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(frameworks::Entity::find().count(&db).await.unwrap(), 0, "nothing written");
        assert_eq!(framework_mappings::Entity::find().count(&db).await.unwrap(), 0);
    }
);

db_test!(
    async fn the_built_in_crosswalks_are_the_files(backend) {
        let Some((_test_db, db)) = seeded(backend).await else { return };
        let embedded = FrameworkData::embedded().unwrap();
        let files = FrameworkData::load(&frameworks_dir()).unwrap();
        assert_eq!(embedded.checksum, files.checksum);
        cmmc_seed::seed_frameworks_from(&db, Some(&data_dir())).await.unwrap();
        let again = cmmc_seed::seed_frameworks(&db, &embedded).await.unwrap();
        assert_eq!(again.written, 0, "the same data, found beside the catalogue");
    }
);
