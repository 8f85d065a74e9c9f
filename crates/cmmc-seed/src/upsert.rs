//! Writing a validated data set: upsert by natural key, in one transaction.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use cmmc_domain::RoleName;
use cmmc_store::catalog;
use cmmc_store::entities::{
    cmmc_domains, cmmc_levels, cmmc_practices, reference_data_versions, roles,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    DbErr, EntityTrait, IntoActiveModel, TransactionTrait,
};
use serde_json::Value as Json;
use uuid::Uuid;

use crate::load::{LoadError, Practice, ReferenceData};

/// What a seed run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedReport {
    /// Where the data came from: `embedded` or a directory.
    pub source: String,
    pub version: String,
    pub checksum: String,
    /// Rows (roles, domains, levels, practices) that were new.
    pub inserted: u32,
    /// Rows whose values changed.
    pub updated: u32,
    /// Rows that were already as the data says.
    pub unchanged: u32,
}

impl SeedReport {
    /// Whether the run changed anything.
    #[must_use]
    pub const fn changed(&self) -> bool {
        self.inserted > 0 || self.updated > 0
    }
}

impl fmt::Display for SeedReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "reference data {} from {} (sha256 {}): {} inserted, {} updated, {} unchanged",
            self.version,
            self.source,
            self.checksum.get(..12).unwrap_or(&self.checksum),
            self.inserted,
            self.updated,
            self.unchanged
        )?;
        if !self.changed() {
            f.write_str("; nothing changed")?;
        }
        Ok(())
    }
}

/// Why a seed failed. Either way, nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    Invalid(#[from] LoadError),
    #[error("seeding the reference data failed: {0}")]
    Database(#[from] DbErr),
}

/// An arbitrary constant that names the seed's PostgreSQL advisory lock.
const SEED_LOCK_KEY: i64 = 0x0000_C33C_2026;

/// Upserts `data` into `db` by natural key (role name, domain_id, level,
/// practice_id) in one transaction, and records the data set's version and
/// checksum when anything changed.
///
/// Several servers may seed one PostgreSQL database at once: a transaction-
/// scoped advisory lock lets one seed at a time, and the others then find
/// nothing to do. On SQLite, a writer that finds the file locked retries.
///
/// # Errors
/// [`SeedError::Database`] on any database error; the transaction is rolled back.
pub async fn seed(db: &DatabaseConnection, data: &ReferenceData) -> Result<SeedReport, SeedError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match seed_once(db, data).await {
            Err(SeedError::Database(err)) if attempt < 10 && is_busy(&err) => {
                tracing::debug!(attempt, "reference data seed found the database busy; retrying");
                tokio::time::sleep(Duration::from_millis(50 * attempt)).await;
            }
            res => return res,
        }
    }
}

pub(crate) fn is_busy(err: &DbErr) -> bool {
    let text = err.to_string();
    text.contains("database is locked")
        || text.contains("database table is locked")
        || text.contains("SQLITE_BUSY")
}

#[derive(Default)]
struct Counts {
    inserted: u32,
    updated: u32,
    unchanged: u32,
}

async fn seed_once(db: &DatabaseConnection, data: &ReferenceData) -> Result<SeedReport, SeedError> {
    let txn = db.begin().await?;
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({SEED_LOCK_KEY})")).await?;
    }
    let now = Utc::now();
    let mut counts = Counts::default();
    seed_roles(&txn, now, &mut counts).await?;
    seed_domains(&txn, data, now, &mut counts).await?;
    seed_levels(&txn, data, now, &mut counts).await?;
    seed_practices(&txn, data, now, &mut counts).await?;

    let latest = catalog::latest_version(&txn).await?;
    let same_as_recorded =
        latest.as_ref().is_some_and(|v| v.checksum == data.checksum && v.version == data.version);
    if counts.inserted > 0 || counts.updated > 0 || !same_as_recorded {
        reference_data_versions::ActiveModel {
            id: Set(Uuid::new_v4().to_string()),
            seq: Set(latest.as_ref().map_or(1, |v| v.seq + 1)),
            version: Set(data.version.clone()),
            checksum: Set(data.checksum.clone()),
            n_inserted: Set(to_i32(counts.inserted)),
            n_updated: Set(to_i32(counts.updated)),
            n_unchanged: Set(to_i32(counts.unchanged)),
            seeded_at: Set(now),
            source: Set(Some(data.source.clone())),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(SeedReport {
        source: data.source.clone(),
        version: data.version.clone(),
        checksum: data.checksum.clone(),
        inserted: counts.inserted,
        updated: counts.updated,
        unchanged: counts.unchanged,
    })
}

fn to_i32(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

async fn seed_roles<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    counts: &mut Counts,
) -> Result<(), DbErr> {
    let existing: Vec<String> =
        roles::Entity::find().all(db).await?.into_iter().map(|r| r.name).collect();
    let missing: Vec<roles::ActiveModel> = RoleName::ALL
        .iter()
        .filter(|role| !existing.iter().any(|name| name == role.as_str()))
        .map(|role| roles::ActiveModel {
            id: Set(Uuid::new_v4().to_string()),
            name: Set(role.as_str().to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .collect();
    counts.unchanged += to_u32(RoleName::ALL.len() - missing.len());
    counts.inserted += to_u32(missing.len());
    if !missing.is_empty() {
        roles::Entity::insert_many(missing).exec(db).await?;
    }
    Ok(())
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

async fn seed_domains<C: ConnectionTrait>(
    db: &C,
    data: &ReferenceData,
    now: DateTime<Utc>,
    counts: &mut Counts,
) -> Result<(), DbErr> {
    let mut existing: HashMap<String, cmmc_domains::Model> =
        catalog::domains(db).await?.into_iter().map(|d| (d.domain_id.clone(), d)).collect();
    let mut new_rows = Vec::new();
    for domain in &data.domains {
        let nist_family = format!("3.{}", domain.domain_id.nist_family());
        let sort_order = i32::from(domain.domain_id.nist_family());
        match existing.remove(domain.domain_id.as_str()) {
            None => new_rows.push(cmmc_domains::ActiveModel {
                id: Set(Uuid::new_v4().to_string()),
                domain_id: Set(domain.domain_id.as_str().to_owned()),
                name: Set(domain.name.clone()),
                description: Set(domain.description.clone()),
                nist_family: Set(nist_family),
                sort_order: Set(sort_order),
                created_at: Set(now),
                updated_at: Set(now),
            }),
            Some(row)
                if row.name == domain.name
                    && row.description == domain.description
                    && row.nist_family == nist_family
                    && row.sort_order == sort_order =>
            {
                counts.unchanged += 1;
            }
            Some(row) => {
                let mut active = row.into_active_model();
                active.name = Set(domain.name.clone());
                active.description = Set(domain.description.clone());
                active.nist_family = Set(nist_family);
                active.sort_order = Set(sort_order);
                active.updated_at = Set(now);
                active.update(db).await?;
                counts.updated += 1;
            }
        }
    }
    counts.inserted += to_u32(new_rows.len());
    if !new_rows.is_empty() {
        cmmc_domains::Entity::insert_many(new_rows).exec(db).await?;
    }
    Ok(())
}

async fn seed_levels<C: ConnectionTrait>(
    db: &C,
    data: &ReferenceData,
    now: DateTime<Utc>,
    counts: &mut Counts,
) -> Result<(), DbErr> {
    let mut existing: HashMap<i32, cmmc_levels::Model> =
        catalog::levels(db).await?.into_iter().map(|l| (l.level, l)).collect();
    for level in &data.levels {
        let assessment_type = level.assessment_type.as_str();
        match existing.remove(&level.level.number()) {
            None => {
                cmmc_levels::ActiveModel {
                    id: Set(Uuid::new_v4().to_string()),
                    level: Set(level.level.number()),
                    name: Set(level.name.clone()),
                    assessment_type: Set(assessment_type.to_owned()),
                    description: Set(level.description.clone()),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(db)
                .await?;
                counts.inserted += 1;
            }
            Some(row)
                if row.name == level.name
                    && row.assessment_type == assessment_type
                    && row.description == level.description =>
            {
                counts.unchanged += 1;
            }
            Some(row) => {
                let mut active = row.into_active_model();
                active.name = Set(level.name.clone());
                active.assessment_type = Set(assessment_type.to_owned());
                active.description = Set(level.description.clone());
                active.updated_at = Set(now);
                active.update(db).await?;
                counts.updated += 1;
            }
        }
    }
    Ok(())
}

/// The stored values of a practice that the data set decides.
#[derive(PartialEq)]
struct PracticeValues {
    domain_id: String,
    level: i32,
    title: String,
    description: String,
    assessment_objectives: Json,
    evidence_requirements: Json,
    nist_refs: Json,
    sprs_weight: Option<i32>,
    sprs_partial_weight: Option<i32>,
    poam_eligibility: String,
    final_rule_id: Option<String>,
    sort_order: i32,
}

impl PracticeValues {
    fn of_data(practice: &Practice) -> Self {
        Self {
            domain_id: practice.practice_id.domain().as_str().to_owned(),
            level: practice.practice_id.level().number(),
            title: practice.title.clone(),
            description: practice.description.clone(),
            assessment_objectives: Json::from(practice.assessment_objectives.clone()),
            evidence_requirements: Json::from(practice.evidence_requirements.clone()),
            nist_refs: Json::from(practice.nist_refs.clone()),
            sprs_weight: practice.sprs_weight,
            sprs_partial_weight: practice.sprs_partial_weight,
            poam_eligibility: practice.poam_eligibility.as_str().to_owned(),
            final_rule_id: practice.final_rule_id.clone(),
            sort_order: practice.practice_id.sort_order(),
        }
    }

    fn of_row(row: &cmmc_practices::Model) -> Self {
        Self {
            domain_id: row.domain_id.clone(),
            level: row.level,
            title: row.title.clone(),
            description: row.description.clone(),
            assessment_objectives: row.assessment_objectives.clone(),
            evidence_requirements: row.evidence_requirements.clone(),
            nist_refs: row.nist_refs.clone(),
            sprs_weight: row.sprs_weight,
            sprs_partial_weight: row.sprs_partial_weight,
            poam_eligibility: row.poam_eligibility.clone(),
            final_rule_id: row.final_rule_id.clone(),
            sort_order: row.sort_order,
        }
    }

    fn set_on(self, active: &mut cmmc_practices::ActiveModel) {
        active.domain_id = Set(self.domain_id);
        active.level = Set(self.level);
        active.title = Set(self.title);
        active.description = Set(self.description);
        active.assessment_objectives = Set(self.assessment_objectives);
        active.evidence_requirements = Set(self.evidence_requirements);
        active.nist_refs = Set(self.nist_refs);
        active.sprs_weight = Set(self.sprs_weight);
        active.sprs_partial_weight = Set(self.sprs_partial_weight);
        active.poam_eligibility = Set(self.poam_eligibility);
        active.final_rule_id = Set(self.final_rule_id);
        active.sort_order = Set(self.sort_order);
    }
}

async fn seed_practices<C: ConnectionTrait>(
    db: &C,
    data: &ReferenceData,
    now: DateTime<Utc>,
    counts: &mut Counts,
) -> Result<(), DbErr> {
    let mut existing: HashMap<String, cmmc_practices::Model> =
        catalog::practices(db).await?.into_iter().map(|p| (p.practice_id.clone(), p)).collect();
    let mut new_rows = Vec::new();
    for practice in &data.practices {
        let desired = PracticeValues::of_data(practice);
        match existing.remove(&practice.practice_id.to_string()) {
            None => {
                let mut active = cmmc_practices::ActiveModel {
                    id: Set(Uuid::new_v4().to_string()),
                    practice_id: Set(practice.practice_id.to_string()),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                };
                desired.set_on(&mut active);
                new_rows.push(active);
            }
            Some(row) if PracticeValues::of_row(&row) == desired => counts.unchanged += 1,
            Some(row) => {
                let mut active = row.into_active_model();
                desired.set_on(&mut active);
                active.updated_at = Set(now);
                active.update(db).await?;
                counts.updated += 1;
            }
        }
    }
    // Practices no longer in the data stay: assessments may reference them.
    for stale in existing.keys() {
        tracing::warn!(practice_id = %stale, "practice is in the database but no longer in the reference data; kept");
    }
    counts.inserted += to_u32(new_rows.len());
    if !new_rows.is_empty() {
        cmmc_practices::Entity::insert_many(new_rows).exec(db).await?;
    }
    Ok(())
}
