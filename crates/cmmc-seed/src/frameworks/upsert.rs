//! Writing the crosswalks: upsert by natural key (framework id; framework
//! and requirement id; the pair of requirements), stale rows deleted, all
//! in one transaction, after the practices are checked against the catalogue.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use chrono::Utc;
use cmmc_store::entities::{
    cmmc_practices, framework_mappings, framework_requirements, frameworks,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    EntityTrait, QueryFilter, TransactionTrait,
};

use super::{FrameworkData, Mapping, Requirement};
use crate::SeedError;
use crate::load::LoadError;

/// The crosswalk seed's PostgreSQL advisory lock.
const LOCK_KEY: i64 = 0x0000_C33C_2027;
/// Rows per INSERT (well under SQLite's bound-variable limit).
const BATCH: usize = 500;

/// What a crosswalk seed run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FrameworkSeedReport {
    pub version: String,
    pub checksum: String,
    pub frameworks: usize,
    pub requirements: usize,
    pub mappings: usize,
    /// Requirement and mapping rows written (new or changed) and deleted.
    pub written: usize,
    pub deleted: usize,
}

impl fmt::Display for FrameworkSeedReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "framework crosswalks {} (sha256 {}): {} frameworks, {} requirements, {} mappings; {} rows written, {} deleted",
            self.version,
            self.checksum.get(..12).unwrap_or(&self.checksum),
            self.frameworks,
            self.requirements,
            self.mappings,
            self.written,
            self.deleted
        )
    }
}

/// Upserts `data` into `db`. Run after the catalogue's seed: the Rev 2
/// requirements name its Level 2 practices.
///
/// # Errors
/// [`SeedError::Invalid`] when a practice is not the catalogue's (nothing is
/// written); [`SeedError::Database`] on a database error (rolled back).
pub async fn seed_frameworks(
    db: &DatabaseConnection,
    data: &FrameworkData,
) -> Result<FrameworkSeedReport, SeedError> {
    // Several servers may start at once: on SQLite a writer that finds the
    // file locked retries, as the catalogue's seed does.
    let mut attempt = 0;
    loop {
        attempt += 1;
        match seed_once(db, data).await {
            Err(SeedError::Database(err)) if attempt < 10 && crate::upsert::is_busy(&err) => {
                tracing::debug!(attempt, "crosswalk seed found the database busy; retrying");
                tokio::time::sleep(std::time::Duration::from_millis(50 * attempt)).await;
            }
            res => return res,
        }
    }
}

async fn seed_once(
    db: &DatabaseConnection,
    data: &FrameworkData,
) -> Result<FrameworkSeedReport, SeedError> {
    let txn = db.begin().await?;
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({LOCK_KEY})")).await?;
    }
    let level2: BTreeSet<String> = cmmc_practices::Entity::find()
        .filter(cmmc_practices::Column::Level.eq(2))
        .all(&txn)
        .await?
        .into_iter()
        .map(|p| p.practice_id)
        .collect();
    let problems = data.practice_problems(&level2);
    if !problems.is_empty() {
        return Err(SeedError::Invalid(LoadError { dir: data.source.clone(), problems }));
    }
    let mut report = FrameworkSeedReport {
        version: data.version.clone(),
        checksum: data.checksum.clone(),
        frameworks: data.frameworks.len(),
        requirements: data.requirements.len(),
        mappings: data.mappings.len(),
        ..FrameworkSeedReport::default()
    };
    let stored = frameworks::Entity::find().all(&txn).await?;
    let current = stored.len() == data.frameworks.len()
        && stored.iter().all(|f| f.checksum == data.checksum && f.data_version == data.version);
    if !current {
        write_frameworks(&txn, data).await?;
        write_requirements(&txn, &data.requirements, &mut report).await?;
        write_mappings(&txn, &data.mappings, &mut report).await?;
    }
    txn.commit().await?;
    Ok(report)
}

async fn write_frameworks<C: ConnectionTrait>(
    db: &C,
    data: &FrameworkData,
) -> Result<(), SeedError> {
    let now = Utc::now();
    let keep: Vec<String> = data.frameworks.iter().map(|f| f.id.clone()).collect();
    frameworks::Entity::delete_many()
        .filter(frameworks::Column::Id.is_not_in(keep))
        .exec(db)
        .await?;
    let existing: HashMap<String, frameworks::Model> =
        frameworks::Entity::find().all(db).await?.into_iter().map(|f| (f.id.clone(), f)).collect();
    for (order, f) in data.frameworks.iter().enumerate() {
        let row = frameworks::ActiveModel {
            id: Set(f.id.clone()),
            name: Set(f.name.clone()),
            publisher: Set(f.publisher.clone()),
            reference: Set(f.reference.clone()),
            sort_order: Set(i32::try_from(order).unwrap_or(i32::MAX)),
            data_version: Set(data.version.clone()),
            checksum: Set(data.checksum.clone()),
            created_at: Set(existing.get(&f.id).map_or(now, |e| e.created_at)),
            updated_at: Set(now),
        };
        if existing.contains_key(&f.id) {
            frameworks::Entity::update(row).exec(db).await?;
        } else {
            frameworks::Entity::insert(row).exec(db).await?;
        }
    }
    Ok(())
}

fn requirement_row(r: &Requirement, order: usize) -> framework_requirements::Model {
    framework_requirements::Model {
        framework_id: r.framework_id.clone(),
        requirement_id: r.requirement_id.clone(),
        title: r.title.clone(),
        family: r.family.clone(),
        sort_order: i32::try_from(order).unwrap_or(i32::MAX),
    }
}

async fn write_requirements<C: ConnectionTrait>(
    db: &C,
    requirements: &[Requirement],
    report: &mut FrameworkSeedReport,
) -> Result<(), SeedError> {
    let wanted: Vec<framework_requirements::Model> =
        requirements.iter().enumerate().map(|(i, r)| requirement_row(r, i)).collect();
    let existing: HashMap<(String, String), framework_requirements::Model> =
        framework_requirements::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|r| ((r.framework_id.clone(), r.requirement_id.clone()), r))
            .collect();
    let keys: BTreeSet<(String, String)> =
        wanted.iter().map(|r| (r.framework_id.clone(), r.requirement_id.clone())).collect();
    for key in existing.keys().filter(|k| !keys.contains(*k)) {
        framework_requirements::Entity::delete_by_id(key.clone()).exec(db).await?;
        report.deleted += 1;
    }
    let mut new = Vec::new();
    for row in wanted {
        match existing.get(&(row.framework_id.clone(), row.requirement_id.clone())) {
            Some(old) if *old == row => {}
            Some(_) => {
                framework_requirements::Entity::update(framework_requirements::ActiveModel::from(
                    row,
                ))
                .exec(db)
                .await?;
                report.written += 1;
            }
            None => new.push(framework_requirements::ActiveModel::from(row)),
        }
    }
    report.written += new.len();
    for chunk in new.chunks(BATCH) {
        framework_requirements::Entity::insert_many(chunk.to_vec()).exec(db).await?;
    }
    Ok(())
}

fn mapping_row(m: &Mapping) -> framework_mappings::Model {
    framework_mappings::Model {
        from_framework: m.from.0.clone(),
        from_requirement: m.from.1.clone(),
        to_framework: m.to.0.clone(),
        to_requirement: m.to.1.clone(),
        relationship: m.relationship.as_str().to_owned(),
        derived: m.derived,
        change_rating: m.change_rating.map(|c| c.as_str().to_owned()),
        note: m.note.clone(),
        source: m.source.clone(),
    }
}

type MappingKey = (String, String, String, String);

fn mapping_key(m: &framework_mappings::Model) -> MappingKey {
    (
        m.from_framework.clone(),
        m.from_requirement.clone(),
        m.to_framework.clone(),
        m.to_requirement.clone(),
    )
}

async fn write_mappings<C: ConnectionTrait>(
    db: &C,
    mappings: &[Mapping],
    report: &mut FrameworkSeedReport,
) -> Result<(), SeedError> {
    let wanted: Vec<framework_mappings::Model> = mappings.iter().map(mapping_row).collect();
    let existing: HashMap<MappingKey, framework_mappings::Model> =
        framework_mappings::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|m| (mapping_key(&m), m))
            .collect();
    let keys: BTreeSet<MappingKey> = wanted.iter().map(mapping_key).collect();
    for key in existing.keys().filter(|k| !keys.contains(*k)) {
        framework_mappings::Entity::delete_by_id(key.clone()).exec(db).await?;
        report.deleted += 1;
    }
    let mut new = Vec::new();
    for row in wanted {
        match existing.get(&mapping_key(&row)) {
            Some(old) if *old == row => {}
            Some(_) => {
                framework_mappings::Entity::update(framework_mappings::ActiveModel::from(row))
                    .exec(db)
                    .await?;
                report.written += 1;
            }
            None => new.push(framework_mappings::ActiveModel::from(row)),
        }
    }
    report.written += new.len();
    for chunk in new.chunks(BATCH) {
        framework_mappings::Entity::insert_many(chunk.to_vec()).exec(db).await?;
    }
    Ok(())
}
