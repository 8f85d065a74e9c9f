//! `cargo xtask`: the operator's and developer's tasks, in Rust, with nothing
//! to install.
//!
//! - `cargo xtask migrate [up | down [N] [--force] | status | fresh [--force]]`
//! - `cargo xtask seed`
//! - `cargo xtask bench`
//!
//! Each reads the same settings as the server (defaults, `cmmc.toml`, then
//! `DATABASE_URL` and the other environment variables) and calls the same
//! library code the server runs.

mod bench;
mod fuzz;
mod local;
mod package_check;

use std::path::PathBuf;
use std::process::ExitCode;

use cmmc_bootstrap::Settings;
use cmmc_bootstrap::ops::{self, MigrateCommand};

const USAGE: &str = "usage: cargo xtask <command>

commands:
  migrate [up | down [N] [--force] | status | fresh [--force]]
                 apply, roll back, list, or drop-and-reapply the migrations
                 (down and fresh refuse on a database with assessments unless --force)
  seed [--demo]  load data/cmmc into the database (idempotent); --demo also adds a demo
                 organisation, one user per role (passwords printed once) and an
                 assessment in progress
  create-admin --username NAME --email EMAIL
                 create a system administrator; the password comes from
                 CMMC_ADMIN_PASSWORD when set, otherwise from a prompt
  gc-uploads [--dry-run]
                 remove temporary files of unfinished uploads and stored evidence
                 files no row names, as the server does at start; --dry-run lists them
  verify-package FILE.zip
                 check an assessment package: every file's size and SHA-256
                 against its manifest, and the manifest's signature under this
                 deployment's server secret; names what differs
  package-check [--no-build]
                 upload 504 MiB of evidence to the debug server, download the
                 assessment package, and check that the server's memory stays
                 flat (VmHWM) and that the package verifies
  openapi        write the API's OpenAPI document to docs/openapi.json (commit it)
  bench [imports] benchmark the release server (or only the imports phase); writes BENCHMARKS.md
  fuzz [--postgres URL] [--no-build] [--examples N]
                 hold the debug server to its OpenAPI document with schemathesis
                 (every check) on a fresh SQLite (or PostgreSQL) database with a
                 fixture; fails on any failure";

/// The workspace root.
fn project_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map_or(manifest.clone(), PathBuf::from)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &[String]) -> anyhow::Result<()> {
    // Files given on the command line are relative to where it was run.
    let invoked_in = std::env::current_dir()?;
    // Relative paths (data/cmmc, cmmc.db) mean the workspace root, wherever cargo was run.
    std::env::set_current_dir(project_root())?;
    let Some(command) = args.first() else {
        eprintln!("{USAGE}");
        anyhow::bail!("no command given");
    };
    let rest = &args[1..];
    match command.as_str() {
        "migrate" => {
            let command = MigrateCommand::parse(rest)?;
            let settings = settings()?;
            eprintln!("{}", ops::migrate(&settings, command).await?);
        }
        "seed" => {
            let demo = match rest {
                [] => false,
                [flag] if flag == "--demo" => true,
                _ => anyhow::bail!("usage: seed [--demo]"),
            };
            let settings = settings()?;
            eprintln!("{}", ops::seed(&settings).await?);
            if demo {
                let report = ops::seed_demo(&settings).await?;
                match report.organization_id {
                    None => eprintln!(
                        "demo data already present; nothing changed (its passwords were shown when it was made)"
                    ),
                    Some(org) => {
                        eprintln!(
                            "demo organisation {org}, assessment in progress {}",
                            report.assessment_id.unwrap_or_default()
                        );
                        eprintln!("demo users (passwords are shown this once):");
                        for (username, role, password) in report.users {
                            eprintln!("  {username:28} {role:20} {password}");
                        }
                    }
                }
            }
        }
        "create-admin" => create_admin(rest).await?,
        "gc-uploads" => gc_uploads(rest).await?,
        "verify-package" => verify_package(rest, &invoked_in)?,
        "openapi" => openapi(&project_root())?,
        "bench" => bench::run(&project_root(), rest).await?,
        "fuzz" => fuzz::run(&project_root(), rest).await?,
        "package-check" => package_check::run(&project_root(), rest).await?,
        "help" | "--help" | "-h" => eprintln!("{USAGE}"),
        other => {
            eprintln!("{USAGE}");
            anyhow::bail!("unknown command {other:?}");
        }
    }
    Ok(())
}

/// The value after `flag` in `args`.
fn flag_value<'a>(args: &'a [String], flag: &str) -> anyhow::Result<&'a str> {
    let index = args
        .iter()
        .position(|a| a == flag)
        .ok_or_else(|| anyhow::format_err!("{flag} is required"))?;
    args.get(index + 1)
        .map(String::as_str)
        .filter(|v| !v.starts_with("--"))
        .ok_or_else(|| anyhow::format_err!("{flag} needs a value"))
}

async fn create_admin(args: &[String]) -> anyhow::Result<()> {
    for arg in args.iter().step_by(2) {
        anyhow::ensure!(
            arg == "--username" || arg == "--email",
            "unknown argument {arg:?}; expected --username NAME --email EMAIL"
        );
    }
    let username = flag_value(args, "--username")?;
    let email = flag_value(args, "--email")?;
    let password = match std::env::var("CMMC_ADMIN_PASSWORD") {
        Ok(password) => password,
        Err(_) => {
            let first = rpassword::prompt_password("password for the new system administrator: ")?;
            let second = rpassword::prompt_password("the same password again: ")?;
            anyhow::ensure!(first == second, "the passwords differ");
            first
        }
    };
    let settings = settings()?;
    let user = ops::create_admin(&settings, username, email, &password).await?;
    eprintln!("created system administrator {} ({})", user.username, user.id);
    Ok(())
}

fn settings() -> anyhow::Result<Settings> {
    let settings = Settings::load()?;
    let _ = cmmc_bootstrap::telemetry::init(&settings.log);
    Ok(settings)
}

/// Succeeds when the package is whole; fails naming each difference.
fn verify_package(args: &[String], invoked_in: &std::path::Path) -> anyhow::Result<()> {
    let [path] = args else { anyhow::bail!("usage: verify-package FILE.zip") };
    let problems = ops::verify_package(&Settings::load()?, &invoked_in.join(path))?;
    if problems.is_empty() {
        eprintln!("{path}: every file matches the signed manifest");
        return Ok(());
    }
    for problem in &problems {
        eprintln!("{path}: {problem}");
    }
    anyhow::bail!("{path}: {} difference(s) from its signed manifest", problems.len())
}

async fn gc_uploads(args: &[String]) -> anyhow::Result<()> {
    let dry_run = match args {
        [] => false,
        [flag] if flag == "--dry-run" => true,
        _ => anyhow::bail!("usage: gc-uploads [--dry-run]"),
    };
    let settings = Settings::load()?;
    let report = ops::gc_uploads(&settings, dry_run).await?;
    let verb = if dry_run { "would remove" } else { "removed" };
    for name in &report.stale_temporary {
        eprintln!("{verb} {name} (temporary file of an upload that never finished)");
    }
    for name in &report.unreferenced {
        eprintln!("{verb} {name} (stored file no evidence names)");
    }
    eprintln!(
        "{verb} {} file(s), {} bytes, in {}",
        report.stale_temporary.len() + report.unreferenced.len(),
        report.bytes,
        settings.upload_dir.display()
    );
    Ok(())
}

/// Writes the document the server generates (`cmmc-api openapi`) to
/// `docs/openapi.json`, so a change of the contract is a visible diff.
fn openapi(root: &std::path::Path) -> anyhow::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args(["run", "--quiet", "-p", "cmmc-api", "--bin", "cmmc-api", "--", "openapi"])
        .current_dir(root)
        .output()?;
    anyhow::ensure!(
        output.status.success(),
        "cmmc-api openapi failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let path = root.join("docs").join("openapi.json");
    std::fs::create_dir_all(root.join("docs"))?;
    std::fs::write(&path, &output.stdout)?;
    eprintln!("wrote {} ({} bytes)", path.display(), output.stdout.len());
    Ok(())
}
