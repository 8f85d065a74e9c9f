//! The `cmmc-api` server binary.
//!
//! `cmmc-api` (or `cmmc-api serve`) runs the server; `cmmc-api migrate ...`
//! and `cmmc-api seed` are the operator commands of `cargo xtask`, for hosts
//! that have the binary but no source tree.

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Instant;

use cmmc_api::ops::{self, MigrateCommand};
use cmmc_api::{Application, Settings, telemetry};

const HELP: &str = "cmmc-api: the CMMC Tracker server. It runs CMMC 2.0 assessments (Level 1: FAR
52.204-21, Level 2: NIST SP 800-171 Rev 2 with SPRS scoring, Level 3: NIST SP 800-172)
and serves them as an HTTP JSON API under /api.

usage: cmmc-api [serve | migrate [up | down [N] [--force] | status | fresh [--force]] | seed | openapi]
       cmmc-api --help | --version

  serve    (the default) migrate, seed the reference data and listen (CMMC_BIND, default
           127.0.0.1:8080) on DATABASE_URL (default sqlite://cmmc.db)
  migrate  apply, roll back, list, or drop-and-reapply the schema migrations
  seed     load the reference data (idempotent)
  openapi  print the OpenAPI document of the API (also at GET /api/openapi.json)

The reference data is built into the binary; CMMC_DATA_DIR names a directory to use
instead. Settings come from cmmc.toml (or CMMC_CONFIG) and the environment; see the
README for every one. CMMC_SECRET_KEY is the server secret every server of a
deployment shares (required with PostgreSQL).";

/// `cmmc-api openapi`: the API document, as `docs/openapi.json` holds it.
fn print_openapi() -> ExitCode {
    match cmmc_api::openapi::document_json() {
        Ok(text) => {
            let _ = std::io::stdout().write_all(text.as_bytes());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("cmmc-api: {err}");
            ExitCode::FAILURE
        }
    }
}

/// What `--version` says: the binary's version and its reference data's.
fn version() -> String {
    let data = cmmc_bootstrap::reference_data_version().unwrap_or_else(|| "unknown".into());
    format!("cmmc-api {} (reference data {data})", env!("CARGO_PKG_VERSION"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        // Asked for, so on standard output.
        Some("--help" | "-h" | "help") => {
            let _ = writeln!(std::io::stdout(), "{HELP}");
            return ExitCode::SUCCESS;
        }
        Some("--version" | "-V") => {
            let _ = writeln!(std::io::stdout(), "{}", version());
            return ExitCode::SUCCESS;
        }
        Some("openapi") => return print_openapi(),
        _ => {}
    }
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("cmmc-api: {err}");
            return ExitCode::from(2);
        }
    };
    if let Err(err) = telemetry::init(&settings.log) {
        eprintln!("cmmc-api: {err}");
        return ExitCode::from(2);
    }
    let res = match args.first().map(String::as_str) {
        None | Some("serve") => serve(settings).await,
        Some("migrate") => match MigrateCommand::parse(&args[1..]) {
            Ok(command) => ops::migrate(&settings, command).await.map(|out| eprintln!("{out}")),
            Err(err) => Err(err),
        },
        Some("seed") => {
            let started = Instant::now();
            ops::seed(&settings)
                .await
                .map(|report| eprintln!("{report} in {} ms", started.elapsed().as_millis()))
        }
        Some(other) => {
            Err(anyhow::format_err!("unknown command {other:?}; expected serve, migrate or seed"))
        }
    };
    match res {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("cmmc-api: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let application = Application::build(settings).await?;
    application.run_until_stopped().await?;
    Ok(())
}
