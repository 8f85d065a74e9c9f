//! The reference-data seed: complete, idempotent, updating, and all-or-nothing.

use std::path::{Path, PathBuf};

use cmmc_seed::{ReferenceData, SeedError};
use cmmc_store::catalog;
use cmmc_tests::{TestBackend, TestDb, data_dir, db_test};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

async fn migrated(backend: TestBackend) -> Option<(TestDb, DatabaseConnection)> {
    let test_db = TestDb::create(backend).await?;
    let db = test_db.connect().await;
    migration::migrate_up(&db).await.unwrap();
    Some((test_db, db))
}

/// A copy of the shipped data set, to edit.
fn copy_of_data() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(data_dir()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    let path = dir.path().to_path_buf();
    (dir, path)
}

/// Replaces the first `from` in `file` with `to`.
fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{from:?} not in {file}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

/// Everything the seed writes, for before/after comparisons.
async fn snapshot(db: &DatabaseConnection) -> String {
    let practices = catalog::practices(db).await.unwrap();
    let domains = catalog::domains(db).await.unwrap();
    let levels = catalog::levels(db).await.unwrap();
    let versions =
        cmmc_store::entities::reference_data_versions::Entity::find().count(db).await.unwrap();
    format!("{practices:?}{domains:?}{levels:?}{versions}")
}

db_test!(
    async fn the_seed_loads_the_complete_catalogue(backend) {
        let Some((_test_db, db)) = migrated(backend).await else { return };
        let report = cmmc_seed::seed_dir(&db, &data_dir()).await.unwrap();
        assert_eq!(report.inserted, 6 + 14 + 3 + 151, "{report}");
        assert_eq!((report.updated, report.unchanged), (0, 0));

        assert_eq!(catalog::domains(&db).await.unwrap().len(), 14);
        assert_eq!(catalog::levels(&db).await.unwrap().len(), 3);
        let practices = catalog::practices(&db).await.unwrap();
        let at = |level: i32| practices.iter().filter(move |p| p.level == level);
        assert_eq!(at(1).count(), 17);
        assert_eq!(at(2).count(), 110);
        assert_eq!(at(3).count(), 24);
        let lettered = |p: &cmmc_store::entities::cmmc_practices::Model| {
            p.assessment_objectives.as_array().unwrap().iter().filter(|o| !o.as_str().unwrap().starts_with("[ODP")).count()
        };
        assert_eq!(at(1).map(lettered).sum::<usize>(), 59);
        assert_eq!(at(2).map(lettered).sum::<usize>(), 320);
        assert_eq!(at(3).map(lettered).sum::<usize>(), 80);
        assert_eq!(at(2).filter_map(|p| p.sprs_weight).sum::<i32>(), 313);
        assert!(practices.iter().all(|p| !p.evidence_requirements.as_array().unwrap().is_empty()));
        assert_eq!(at(2).filter(|p| p.poam_eligibility == "eligible").count(), 46);
        assert_eq!(at(3).filter(|p| p.poam_eligibility == "eligible").count(), 17);
        // Catalogue order: 3.1.2 before 3.1.10.
        let ids: Vec<&str> = at(2).map(|p| p.practice_id.as_str()).collect();
        let pos = |id: &str| ids.iter().position(|x| *x == id).unwrap();
        assert!(pos("AC.L2-3.1.2") < pos("AC.L2-3.1.10"));
        assert_eq!(cmmc_store::entities::roles::Entity::find().count(&db).await.unwrap(), 6);
        let version = catalog::latest_version(&db).await.unwrap().unwrap();
        assert_eq!(version.checksum, report.checksum);
        assert_eq!(version.checksum.len(), 64);
    }
);

db_test!(
    async fn a_second_seed_changes_nothing_and_says_so(backend) {
        let Some((_test_db, db)) = migrated(backend).await else { return };
        cmmc_seed::seed_dir(&db, &data_dir()).await.unwrap();
        let before = snapshot(&db).await;
        let report = cmmc_seed::seed_dir(&db, &data_dir()).await.unwrap();
        assert_eq!((report.inserted, report.updated, report.unchanged), (0, 0, 174), "{report}");
        assert!(!report.changed());
        assert!(report.to_string().contains("nothing changed"), "{report}");
        assert_eq!(snapshot(&db).await, before);
    }
);

db_test!(
    async fn an_edited_yaml_value_updates_its_row(backend) {
        let Some((_test_db, db)) = migrated(backend).await else { return };
        cmmc_seed::seed_dir(&db, &data_dir()).await.unwrap();
        let (_keep, dir) = copy_of_data();
        edit(&dir, "level2_practices.yaml", "title: Authorized Access Control\n", "title: Authorized Access Control (edited)\n");
        edit(&dir, "version.yaml", "version: \"", "version: \"edited-");
        let report = cmmc_seed::seed_dir(&db, &dir).await.unwrap();
        assert_eq!((report.inserted, report.updated), (0, 1), "{report}");
        let practices = catalog::practices(&db).await.unwrap();
        let edited = practices.iter().find(|p| p.practice_id == "AC.L2-3.1.1").unwrap();
        assert_eq!(edited.title, "Authorized Access Control (edited)");
        let level1 = practices.iter().find(|p| p.practice_id == "AC.L1-3.1.1").unwrap();
        assert_eq!(level1.title, "Authorized Access Control", "only the edited row changes");
        let version = catalog::latest_version(&db).await.unwrap().unwrap();
        assert!(version.version.starts_with("edited-"));
        assert_eq!(version.checksum, report.checksum);
    }
);

/// Each kind of invalid data: (file, text to replace, replacement, entry named, words of the message).
const INVALID: &[(&str, &str, &str, &str, &str)] = &[
    (
        "level2_practices.yaml",
        "- practice_id: AC.L2-3.1.1\n",
        "- practice_id: [AC.L2-3.1.1\n",
        "line",
        "",
    ),
    (
        "level2_practices.yaml",
        "  domain_id: AC\n",
        "  domain_id: ZZ\n",
        "AC.L2-3.1.1",
        "not a CMMC domain",
    ),
    (
        "level2_practices.yaml",
        "practice_id: AC.L2-3.1.1\n",
        "practice_id: AC.L2-3.1\n",
        "AC.L2-3.1",
        "not a practice id",
    ),
    (
        "level2_practices.yaml",
        "practice_id: AC.L2-3.1.2\n",
        "practice_id: AC.L2-3.1.1\n",
        "AC.L2-3.1.1",
        "duplicate practice id",
    ),
    (
        "level2_practices.yaml",
        "  level: 2\n",
        "  level: 3\n",
        "AC.L2-3.1.1",
        "disagrees with the practice id",
    ),
    ("level2_practices.yaml", "  sprs_weight: 5\n", "", "AC.L2-3.1.1", "needs an sprs_weight"),
    (
        "level2_practices.yaml",
        "  sprs_weight: 1\n",
        "  sprs_weight: 3\n",
        "sprs_weight",
        "sum to 315",
    ),
    ("domains.yaml", "- domain_id: AT\n", "- domain_id: XX\n", "XX", "unknown domain"),
    (
        "level1_practices.yaml",
        "  title: Authorized Access Control\n",
        "  title: ''\n",
        "AC.L1-3.1.1",
        "title is empty",
    ),
    (
        "level3_practices.yaml",
        "  assessment_objectives:\n",
        "  assessment_objectives: []\n  old_objectives:\n",
        "",
        "unknown field",
    ),
];

db_test!(
    async fn each_kind_of_invalid_data_writes_nothing_and_names_file_and_entry(backend) {
        let Some((_test_db, db)) = migrated(backend).await else { return };
        for (file, from, to, entry, words) in INVALID {
            let (_keep, dir) = copy_of_data();
            edit(&dir, file, from, to);
            let err = ReferenceData::load(&dir).unwrap_err();
            let problem = err.problems.iter().find(|p| p.file == *file).unwrap_or_else(|| panic!("{file}: {err}"));
            assert!(problem.entry.contains(entry), "{file} {from:?}: entry {:?} in {err}", problem.entry);
            assert!(err.to_string().contains(words), "{file} {from:?}: {err}");

            // Into an empty catalogue: nothing is written.
            match cmmc_seed::seed_dir(&db, &dir).await {
                Err(SeedError::Invalid(_)) => {}
                other => panic!("{file} {from:?}: {other:?}"),
            }
            assert!(catalog::practices(&db).await.unwrap().is_empty());
            assert!(catalog::domains(&db).await.unwrap().is_empty());
        }

        // Into a seeded catalogue: a valid edit beside an invalid one is not applied either.
        cmmc_seed::seed_dir(&db, &data_dir()).await.unwrap();
        let before = snapshot(&db).await;
        let (_keep, dir) = copy_of_data();
        edit(&dir, "level2_practices.yaml", "title: Authorized Access Control\n", "title: Changed\n");
        edit(&dir, "level3_practices.yaml", "practice_id: AC.L3-3.1.2e\n", "practice_id: AC.L3-3.1.2\n");
        assert!(cmmc_seed::seed_dir(&db, &dir).await.is_err());
        assert_eq!(snapshot(&db).await, before);
    }
);

db_test!(
    async fn a_missing_data_directory_is_reported_per_file(backend) {
        let Some((_test_db, db)) = migrated(backend).await else { return };
        let err = cmmc_seed::seed_dir(&db, Path::new("/nonexistent/cmmc-data")).await.unwrap_err();
        let text = err.to_string();
        assert!(text.contains("domains.yaml") && text.contains("level2_practices.yaml"), "{text}");
        assert!(catalog::domains(&db).await.unwrap().is_empty());
    }
);

db_test!(
    async fn concurrent_seeds_neither_fail_nor_duplicate(backend) {
        let Some((test_db, db)) = migrated(backend).await else { return };
        let other = test_db.connect().await;
        let data = ReferenceData::load(&data_dir()).unwrap();
        let (a, b) = tokio::join!(cmmc_seed::seed(&db, &data), cmmc_seed::seed(&other, &data));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.inserted + b.inserted, 174, "{a} / {b}");
        assert_eq!(catalog::practices(&db).await.unwrap().len(), 151);
        let versions = cmmc_store::entities::reference_data_versions::Entity::find().count(&db).await.unwrap();
        assert_eq!(versions, 1);
    }
);

#[test]
fn the_data_built_into_the_binary_is_data_cmmc() {
    let embedded = ReferenceData::embedded().unwrap();
    let dir = ReferenceData::load(&data_dir()).unwrap();
    assert_eq!(embedded.checksum, dir.checksum, "rebuild after editing data/cmmc");
    assert_eq!(embedded.source, cmmc_seed::EMBEDDED);
    assert_eq!(ReferenceData::embedded_version(), Some(embedded.version));
}
