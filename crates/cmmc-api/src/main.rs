//! The `cmmc-api` server binary.
//!
//! `cmmc-api` (or `cmmc-api serve`) runs the server; `cmmc-api migrate ...`
//! and `cmmc-api seed` are the operator commands of `cargo xtask`, for hosts
//! that have the binary but no source tree.

use std::process::ExitCode;
use std::time::Instant;

use cmmc_api::ops::{self, MigrateCommand};
use cmmc_api::{Application, Settings, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
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
