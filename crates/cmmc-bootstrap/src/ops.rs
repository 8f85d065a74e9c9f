//! Operator commands, shared by `cargo xtask` and the `cmmc-api` binary so
//! both run exactly the code the server runs.

use std::fmt::Write as _;

use anyhow::Context as _;
use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;
use sea_orm_migration::MigrationStatus;

use crate::Settings;

/// What `migrate` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MigrateCommand {
    /// Apply every pending migration.
    Up,
    /// Roll back the newest `n` migrations.
    Down { n: u32, force: bool },
    /// List each migration and whether it is applied.
    Status,
    /// Roll back every migration (dropping every table) and migrate up again.
    Fresh { force: bool },
}

impl MigrateCommand {
    /// Parses `up`, `down [N] [--force]`, `status`, `fresh [--force]` (nothing means `up`).
    ///
    /// # Errors
    /// On anything else, with the usage.
    pub fn parse(args: &[String]) -> anyhow::Result<Self> {
        let force = args.iter().any(|a| a == "--force");
        let rest: Vec<&str> = args.iter().map(String::as_str).filter(|a| *a != "--force").collect();
        match rest.as_slice() {
            [] | ["up"] if !force => Ok(Self::Up),
            ["down"] => Ok(Self::Down { n: 1, force }),
            ["down", n] => {
                let n = n.parse().map_err(|_| {
                    anyhow::format_err!("down takes a number of migrations, not {n:?}")
                })?;
                Ok(Self::Down { n, force })
            }
            ["status"] if !force => Ok(Self::Status),
            ["fresh"] => Ok(Self::Fresh { force }),
            _ => {
                anyhow::bail!("usage: migrate [up | down [N] [--force] | status | fresh [--force]]")
            }
        }
    }
}

async fn open(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    cmmc_store::connect(&settings.database_url, 2)
        .await
        .with_context(|| format!("opening {}", cmmc_store::connect::redact(&settings.database_url)))
}

/// Refuses to destroy a database that holds assessments, unless forced.
async fn guard(db: &DatabaseConnection, force: bool, what: &str) -> anyhow::Result<()> {
    let n =
        cmmc_store::diag::assessment_count(db).await.context("counting assessments")?.unwrap_or(0);
    if n > 0 && !force {
        anyhow::bail!(
            "refusing to {what}: the database holds {n} assessment(s); add --force to destroy them"
        );
    }
    Ok(())
}

/// Runs a migration command and describes what it did.
///
/// # Errors
/// When the database cannot be opened, the guard refuses, or a migration fails.
pub async fn migrate(settings: &Settings, command: MigrateCommand) -> anyhow::Result<String> {
    let db = open(settings).await?;
    let res = match command {
        MigrateCommand::Up => {
            migration::migrate_up(&db).await.context("migrating up")?;
            "all migrations applied".to_owned()
        }
        MigrateCommand::Down { n, force } => {
            guard(&db, force, "roll back migrations").await?;
            Migrator::down(&db, Some(n)).await.context("migrating down")?;
            format!("rolled back {n} migration(s)")
        }
        MigrateCommand::Status => {
            let mut out = String::new();
            for m in Migrator::get_migration_with_status(&db)
                .await
                .context("reading migration status")?
            {
                let status = match m.status() {
                    MigrationStatus::Applied => "applied",
                    MigrationStatus::Pending => "pending",
                };
                let _ = writeln!(out, "{status:8} {}", m.name());
            }
            out.trim_end().to_owned()
        }
        MigrateCommand::Fresh { force } => {
            guard(&db, force, "drop every table").await?;
            // Rolling every migration back drops the tables dependants first,
            // which SQLite's enforced foreign keys need (a plain drop-all in
            // arbitrary order fails there).
            Migrator::down(&db, None).await.context("rolling back every migration")?;
            migration::migrate_up(&db).await.context("migrating up")?;
            "dropped every table and applied all migrations; run the seed next".to_owned()
        }
    };
    db.close().await.ok();
    Ok(res)
}

/// Creates a system administrator (no organisation) on the database of
/// `settings`, migrating and seeding it first so the roles exist.
///
/// # Errors
/// When the database cannot be opened, the name or email is taken, or the
/// password breaks the rules.
pub async fn create_admin(
    settings: &Settings,
    username: &str,
    email: &str,
    password: &str,
) -> anyhow::Result<cmmc_services::users::User> {
    seed(settings).await?;
    let db = open(settings).await?;
    let keys = cmmc_services::Keys::derive(&settings.server_secret()?)?;
    let services = cmmc_services::Services::new(db.clone(), keys, settings.auth()).await?;
    let user = services
        .create_system_admin(username, email, password)
        .await
        .map_err(|err| anyhow::format_err!("{err}"))?;
    db.close().await.ok();
    Ok(user)
}

/// The demo organisation's CAGE code; its presence makes the demo seed a no-op.
pub const DEMO_CAGE_CODE: &str = "DEMO1";

/// What the demo seed made: each user and the password it was given (shown once).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoReport {
    /// None when the demo data already existed.
    pub organization_id: Option<String>,
    pub assessment_id: Option<String>,
    /// (username, role, password).
    pub users: Vec<(String, String, String)>,
}

/// Adds a demo organisation, one user per role, and a Level 2 assessment in
/// progress with a realistic mix of practice results, all through the
/// services (so all of it is audited). Idempotent: when the demo organisation
/// exists, nothing changes.
///
/// # Errors
/// When the database cannot be opened or a step fails.
pub async fn seed_demo(settings: &Settings) -> anyhow::Result<DemoReport> {
    seed(settings).await?;
    let db = open(settings).await?;
    let keys = cmmc_services::Keys::derive(&settings.server_secret()?)?;
    let services = cmmc_services::Services::new(db.clone(), keys, settings.auth()).await?;
    // The demo's own system administrator acts for the rest.
    let existing_admin =
        services.find_user_by_username("demo_system_admin").await.map_err(service)?;
    let report = match existing_admin {
        Some(_) => DemoReport::default(),
        None => demo_data(&services).await?,
    };
    db.close().await.ok();
    Ok(report)
}

fn service(err: cmmc_services::ServiceError) -> anyhow::Error {
    anyhow::format_err!("{err}")
}

fn demo_password() -> anyhow::Result<String> {
    Ok(format!("demo-{}", cmmc_services::keys::generate_secret()?))
}

/// The demo's administrator, organisation, users and assessment.
async fn demo_data(services: &cmmc_services::Services) -> anyhow::Result<DemoReport> {
    use cmmc_services::organizations::NewOrganization;
    let mut report = DemoReport::default();
    let admin_password = demo_password()?;
    let admin = services
        .create_system_admin("demo_system_admin", "demo_system_admin@demo.example", &admin_password)
        .await
        .map_err(service)?;
    report.users.push((admin.username.clone(), "system_admin".into(), admin_password));
    let actor = services.act_as(&admin.username).await.map_err(service)?;
    let org = services
        .create_organization(
            &actor,
            NewOrganization {
                name: "Demo Defense Contractor".into(),
                cage_code: Some(DEMO_CAGE_CODE.into()),
                duns_number: None,
                target_level: 2,
            },
        )
        .await
        .map_err(service)?;
    report.users.extend(demo_users(services, &actor, &org.id).await?);
    report.assessment_id = Some(demo_assessment(services, &actor, &org.id).await?);
    report.organization_id = Some(org.id);
    Ok(report)
}

/// One user per role but system_admin: (username, role, password).
async fn demo_users(
    services: &cmmc_services::Services,
    actor: &cmmc_services::Actor,
    org_id: &str,
) -> anyhow::Result<Vec<(String, String, String)>> {
    use cmmc_domain::RoleName;
    use cmmc_services::users::NewUser;
    let mut users = Vec::new();
    for role in RoleName::ALL.iter().filter(|r| **r != RoleName::SystemAdmin) {
        let username = format!("demo_{role}");
        let secret = demo_password()?;
        let new = NewUser {
            username: username.clone(),
            email: format!("{username}@demo.example"),
            password: secret.clone(),
            roles: vec![role.as_str().to_owned()],
        };
        services.create_user(actor, org_id, new).await.map_err(service)?;
        users.push((username, role.as_str().to_owned(), secret));
    }
    Ok(users)
}

/// A Level 2 assessment in progress with a realistic mix of results; its id.
async fn demo_assessment(
    services: &cmmc_services::Services,
    actor: &cmmc_services::Actor,
    org_id: &str,
) -> anyhow::Result<String> {
    use cmmc_services::assessments::{NewAssessment, PracticeUpdate, Transition};
    let new = NewAssessment {
        org_id: org_id.to_owned(),
        title: "FY2027 CMMC Level 2 self-assessment".into(),
        target_level: 2,
        assessment_type: "self".into(),
        lead_assessor_id: None,
        ssp_id: None,
    };
    let assessment = services.create_assessment(actor, new).await.map_err(service)?;
    services
        .transition_assessment(actor, &assessment.id, Transition::Start)
        .await
        .map_err(service)?;
    let answers = services
        .list_practice_answers(actor, &assessment.id, Default::default())
        .await
        .map_err(service)?;
    for (index, answer) in answers.iter().enumerate() {
        let Some(status) = demo_status(&answer.practice_id, index) else { continue };
        let update = PracticeUpdate {
            status: Some(status.to_owned()),
            assessor_notes: Some(format!("Demo: {status}")),
            objectives: None,
        };
        services
            .update_practice_answer(actor, &assessment.id, &answer.practice_id, update, None)
            .await
            .map_err(service)?;
    }
    Ok(assessment.id)
}

/// The demo's mix: most met, a few gaps, remote and wireless access not
/// permitted (not applicable), partial FIPS encryption, and the last
/// families not yet evaluated (`None`).
fn demo_status(practice_id: &str, index: usize) -> Option<&'static str> {
    Some(match practice_id {
        "AC.L2-3.1.12" | "AC.L2-3.1.16" | "AC.L2-3.1.17" => "not_applicable",
        "SC.L2-3.13.11" => "partially_met",
        "AU.L2-3.3.5" | "CM.L2-3.4.8" | "IA.L2-3.5.3" | "MP.L2-3.8.9" | "AT.L2-3.2.3" => "not_met",
        _ if practice_id.starts_with("SI.") || practice_id.starts_with("SC.L2-3.13.1") => {
            return None;
        }
        _ if index % 9 == 4 => "not_met",
        _ => "met",
    })
}

/// Migrates up, then seeds the reference data from `settings.data_dir`, or
/// the data built into the binary when it is unset.
///
/// # Errors
/// When the database cannot be opened or the data is invalid (nothing is written).
pub async fn seed(settings: &Settings) -> anyhow::Result<cmmc_seed::SeedReport> {
    let db = open(settings).await?;
    migration::migrate_up(&db).await.context("migrating up")?;
    let report = cmmc_seed::seed_from(&db, settings.data_dir.as_deref()).await?;
    let crosswalks = cmmc_seed::seed_frameworks_from(&db, settings.data_dir.as_deref()).await?;
    tracing::info!(report = %crosswalks, "framework crosswalks seeded");
    db.close().await.ok();
    Ok(report)
}

/// Sweeps the upload directory as the server does at start: removes the
/// temporary files of uploads that will never finish and the stored files no
/// row names (with `dry_run`, only lists them).
///
/// # Errors
/// When the database cannot be opened or the directory read.
pub async fn gc_uploads(
    settings: &Settings,
    dry_run: bool,
) -> anyhow::Result<cmmc_services::file_store::SweepReport> {
    let db = open(settings).await?;
    let stale_after = std::time::Duration::from_secs(settings.upload_stale_secs);
    let report = cmmc_services::file_store::sweep(&db, &settings.upload_dir, stale_after, dry_run)
        .await
        .map_err(|err| anyhow::format_err!("sweeping {}: {err}", settings.upload_dir.display()))?;
    db.close().await.ok();
    Ok(report)
}

/// Checks an assessment package (`GET /api/assessments/{id}/package`)
/// against the manifest it carries and its signature under this
/// deployment's server secret: answers what differs (nothing when whole).
///
/// # Errors
/// When the secret, the file, or the zip and its manifest cannot be read.
pub fn verify_package(settings: &Settings, path: &std::path::Path) -> anyhow::Result<Vec<String>> {
    let keys = cmmc_services::Keys::derive(&settings.server_secret()?)?;
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    cmmc_services::package::verify(&keys, std::io::BufReader::new(file))
        .with_context(|| format!("reading {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> anyhow::Result<MigrateCommand> {
        MigrateCommand::parse(&args.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
    }

    #[test]
    fn migrate_commands_parse() {
        assert_eq!(parse(&[]).unwrap(), MigrateCommand::Up);
        assert_eq!(parse(&["up"]).unwrap(), MigrateCommand::Up);
        assert_eq!(parse(&["down"]).unwrap(), MigrateCommand::Down { n: 1, force: false });
        assert_eq!(
            parse(&["down", "5", "--force"]).unwrap(),
            MigrateCommand::Down { n: 5, force: true }
        );
        assert_eq!(parse(&["status"]).unwrap(), MigrateCommand::Status);
        assert_eq!(parse(&["fresh", "--force"]).unwrap(), MigrateCommand::Fresh { force: true });
        assert!(parse(&["sideways"]).is_err());
        assert!(parse(&["down", "x"]).is_err());
    }
}
