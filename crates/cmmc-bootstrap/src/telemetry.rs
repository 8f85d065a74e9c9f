//! Logging: tracing-subscriber to standard error, filtered by `RUST_LOG`.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber with `filter` (e.g. `info`).
///
/// # Errors
/// When `filter` is not a valid filter, naming `RUST_LOG`.
pub fn init(filter: &str) -> anyhow::Result<()> {
    let filter = EnvFilter::try_new(filter)
        .map_err(|err| anyhow::format_err!("RUST_LOG {filter:?} is invalid: {err}"))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init()
        .map_err(|err| anyhow::format_err!("logging was already initialised: {err}"))
}
