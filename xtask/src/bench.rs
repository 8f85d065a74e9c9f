//! `cargo xtask bench`: builds the release server, starts it on a fresh
//! database, and measures start-up, a no-op reseed, the catalogue endpoints
//! under load (with `oha`, installed when missing), and peak memory. Writes
//! the results into BENCHMARKS.md.
//!
//! SQLite always; PostgreSQL too when `DATABASE_URL` names a postgres:// server
//! (the benchmark creates its own database there and drops it afterwards).

use std::fmt::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use sea_orm::{ConnectionTrait, Database};

const CONNECTIONS: u32 = 64;
/// The server secret of the throwaway benchmark databases.
const BENCH_SECRET: &str = "benchmark-only-secret-0123456789abcdef";
const DURATION_SECS: u32 = 10;
const ENDPOINTS: [(&str, &str); 2] = [
    ("practice detail", "/api/cmmc/practices/AC.L2-3.1.1"),
    ("Level 2 list", "/api/cmmc/practices?level=2"),
];

struct Results {
    backend: &'static str,
    start_to_ready: Duration,
    noop_reseed: String,
    loads: Vec<(String, Load)>,
    peak_rss_kib: u64,
}

struct Load {
    requests_per_sec: f64,
    p50_ms: f64,
    p99_ms: f64,
    success_rate: f64,
}

pub(crate) async fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    if let Some(extra) = args.first() {
        anyhow::bail!("bench takes no argument {extra:?}");
    }
    eprintln!("building the release server...");
    let status = Command::new("cargo")
        .current_dir(root)
        .args(["build", "--release", "--quiet", "-p", "cmmc-api", "--bin", "cmmc-api"])
        .status()
        .context("running cargo build")?;
    anyhow::ensure!(status.success(), "cargo build --release failed");
    let binary = target_dir(root).join("release").join("cmmc-api");
    let oha = ensure_oha()?;

    let mut all = Vec::new();
    let dir = tempfile_dir()?;
    let sqlite_url = format!("sqlite://{}", dir.join("bench.db").display());
    all.push(bench_one(root, &binary, &oha, "SQLite", &sqlite_url)?);

    if let Ok(url) = std::env::var("DATABASE_URL")
        && (url.starts_with("postgres://") || url.starts_with("postgresql://"))
    {
        let name = format!("cmmc_bench_{}", std::process::id());
        let admin = Database::connect(&url).await.context("connecting to DATABASE_URL")?;
        admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await?;
        let bench_url = replace_database(&url, &name);
        let res = bench_one(root, &binary, &oha, "PostgreSQL", &bench_url);
        admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await?;
        all.push(res?);
    }
    let _ = std::fs::remove_dir_all(&dir);

    let report = render(&all);
    eprintln!("{report}");
    write_benchmarks(root, &report)?;
    eprintln!("results written to BENCHMARKS.md");
    Ok(())
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("cmmc-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = base[scheme_end..].find('/').map_or(base, |slash| &base[..scheme_end + slash]);
    query.map_or_else(|| format!("{base}/{name}"), |q| format!("{base}/{name}?{q}"))
}

/// The `oha` load generator, installed with cargo when missing.
fn ensure_oha() -> anyhow::Result<PathBuf> {
    if Command::new("oha")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
    {
        return Ok(PathBuf::from("oha"));
    }
    eprintln!("installing the oha load generator (cargo install oha --locked)...");
    let status = Command::new("cargo")
        .args(["install", "oha", "--locked"])
        .status()
        .context("cargo install oha")?;
    anyhow::ensure!(status.success(), "cargo install oha failed");
    Ok(PathBuf::from("oha"))
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn server_command(root: &Path, binary: &Path, url: &str, port: u16) -> Command {
    let mut command = Command::new(binary);
    command
        .current_dir(root)
        .env("DATABASE_URL", url)
        .env("CMMC_BIND", format!("127.0.0.1:{port}"))
        .env("CMMC_AUTO_SEED", "true")
        .env("RUST_LOG", "info")
        .env("CMMC_SECRET_KEY", BENCH_SECRET)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

fn wait_ready(port: u16, child: &mut Child, started: Instant) -> anyhow::Result<Duration> {
    let deadline = started + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait()? {
            anyhow::bail!("the server exited during start-up: {status}");
        }
        if http_status(port, "/api/health").is_ok_and(|status| status == 200) {
            return Ok(started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    anyhow::bail!("the server was not ready within 60 s")
}

/// A minimal HTTP/1.1 GET, for polling readiness without a client library.
fn http_status(port: u16, path: &str) -> anyhow::Result<u16> {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")?;
    let mut head = [0_u8; 12];
    stream.read_exact(&mut head)?;
    let text = std::str::from_utf8(&head)?;
    Ok(text.get(9..12).unwrap_or("0").parse()?)
}

fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn bench_one(
    root: &Path,
    binary: &Path,
    oha: &Path,
    backend: &'static str,
    url: &str,
) -> anyhow::Result<Results> {
    eprintln!("== {backend}");
    let port = free_port()?;
    let started = Instant::now();
    let mut child =
        server_command(root, binary, url, port).spawn().context("starting the server")?;
    let res = (|| {
        let start_to_ready = wait_ready(port, &mut child, started)?;
        eprintln!("ready after {} ms", start_to_ready.as_millis());
        let noop_reseed = noop_reseed(root, binary, url)?;
        let mut loads = Vec::new();
        for (name, path) in ENDPOINTS {
            eprintln!("loading {path} with {CONNECTIONS} connections for {DURATION_SECS} s...");
            loads.push((format!("{name} `GET {path}`"), load(oha, port, path)?));
        }
        Ok::<_, anyhow::Error>((start_to_ready, noop_reseed, loads))
    })();
    let peak = peak_rss_kib(child.id());
    let _ = child.kill();
    let _ = child.wait();
    let (start_to_ready, noop_reseed, loads) = res?;
    Ok(Results { backend, start_to_ready, noop_reseed, loads, peak_rss_kib: peak })
}

/// Runs `cmmc-api seed` against the already seeded database; the binary
/// reports the seed's own duration (connect and migration check included).
fn noop_reseed(root: &Path, binary: &Path, url: &str) -> anyhow::Result<String> {
    let mut timings = Vec::new();
    let mut last = String::new();
    for _ in 0..5 {
        let output = Command::new(binary)
            .current_dir(root)
            .arg("seed")
            .env("DATABASE_URL", url)
            .env("RUST_LOG", "warn")
            .env("CMMC_SECRET_KEY", BENCH_SECRET)
            .output()
            .context("running cmmc-api seed")?;
        last = String::from_utf8_lossy(&output.stderr).trim().to_owned();
        anyhow::ensure!(output.status.success(), "cmmc-api seed failed: {last}");
        anyhow::ensure!(last.contains("nothing changed"), "the reseed changed something: {last}");
        let ms: u64 = last
            .rsplit_once(" in ")
            .and_then(|(_, t)| t.trim_end_matches(" ms").parse().ok())
            .context("reading the seed's duration")?;
        timings.push(ms);
    }
    timings.sort_unstable();
    let median = timings.get(timings.len() / 2).copied().unwrap_or(0);
    eprintln!("no-op reseed: median {median} ms ({last})");
    Ok(format!(
        "{median} ms (median of 5; {})",
        timings.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
    ))
}

fn load(oha: &Path, port: u16, path: &str) -> anyhow::Result<Load> {
    let output = Command::new(oha)
        .args(["--no-tui", "--output-format", "json", "-c", &CONNECTIONS.to_string()])
        .args(["-z", &format!("{DURATION_SECS}s")])
        .arg(format!("http://127.0.0.1:{port}{path}"))
        .output()
        .context("running oha")?;
    anyhow::ensure!(
        output.status.success(),
        "oha failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).context("reading oha's JSON")?;
    let number = |pointer: &str| {
        json.pointer(pointer).and_then(serde_json::Value::as_f64).unwrap_or(f64::NAN)
    };
    let load = Load {
        requests_per_sec: number("/summary/requestsPerSec"),
        p50_ms: number("/latencyPercentiles/p50") * 1000.0,
        p99_ms: number("/latencyPercentiles/p99") * 1000.0,
        success_rate: number("/summary/successRate"),
    };
    eprintln!(
        "{:.0} req/s, p50 {:.2} ms, p99 {:.2} ms",
        load.requests_per_sec, load.p50_ms, load.p99_ms
    );
    Ok(load)
}

fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines().next().and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or_else(|| "unknown".into(), |kib| format!("{} GiB", kib / 1024 / 1024));
    format!("{cores} cores ({cpu}), {memory} memory")
}

fn render(all: &[Results]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Measured {} on {}.", chrono_free_date(), machine());
    let _ = writeln!(
        out,
        "Release build; server started with `RUST_LOG=info` (one log line per request, to /dev/null); load by `oha` with {CONNECTIONS} connections for {DURATION_SECS} s, on the same 2 cores as the server.\n"
    );
    for results in all {
        let _ = writeln!(out, "### {}\n", results.backend);
        let _ = writeln!(out, "| measure | result | target |");
        let _ = writeln!(out, "|---|---|---|");
        let _ = writeln!(
            out,
            "| start to first 200 of /api/health (migrate and seed included) | {} ms | < 1000 ms |",
            results.start_to_ready.as_millis()
        );
        let _ = writeln!(
            out,
            "| no-op reseed (`cmmc-api seed`, in process) | {} | < 50 ms |",
            results.noop_reseed
        );
        for (name, load) in &results.loads {
            let target = if name.starts_with("practice detail") {
                ">= 30,000 req/s"
            } else {
                ">= 10,000 req/s"
            };
            let _ = writeln!(
                out,
                "| {name} | {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, success {:.1}% | {target} |",
                load.requests_per_sec,
                load.p50_ms,
                load.p99_ms,
                load.success_rate * 100.0
            );
        }
        let _ = writeln!(
            out,
            "| server peak memory (VmHWM) | {:.1} MB | < 64 MB |\n",
            results.peak_rss_kib as f64 / 1024.0
        );
    }
    out
}

fn chrono_free_date() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

const BEGIN: &str = "<!-- bench:catalogue:begin -->";
const END: &str = "<!-- bench:catalogue:end -->";

fn write_benchmarks(root: &Path, report: &str) -> anyhow::Result<()> {
    let path = root.join("BENCHMARKS.md");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let block = format!("{BEGIN}\n{report}{END}");
    let text = match (text.find(BEGIN), text.find(END)) {
        (Some(begin), Some(end)) if end > begin => {
            format!("{}{block}{}", &text[..begin], &text[end + END.len()..])
        }
        _ => format!("{text}\n## Catalogue\n\n{block}\n"),
    };
    std::fs::write(&path, text).context("writing BENCHMARKS.md")
}
