//! `cargo xtask bench`: builds the release server and, for each backend,
//! runs two phases, each on fresh databases, and writes the results into
//! BENCHMARKS.md (one marked block per phase).
//!
//! - Catalogue: starts the server on a fresh database and measures start-up,
//!   a no-op reseed, the catalogue endpoints under load (with `oha`, installed
//!   when missing), and peak memory.
//! - Assessments: for 10 and then 1000 organisations, each time on a fresh
//!   database and server, creates a system administrator (with the library,
//!   as `cargo xtask create-admin` does), signs in, creates the organisations
//!   and three assessments in each over HTTP (`curl`, a few at a time), starts
//!   the first assessment, and loads a practice-answer PATCH and the score GET
//!   of that one assessment. The score must not get slower as the number of
//!   organisations grows.
//!
//! - Imports: a 10,000-row asset inventory imported, re-imported, edited
//!   and exported, and an assessment scoped to all of it ([`imports`]).
//!
//! - Pages: the web interface's pages of a Level 3 assessment (134
//!   practices), one request at a time, for their server time ([`pages`]).
//!
//! `cargo xtask bench imports` and `cargo xtask bench pages` run one phase alone.
//!
//! SQLite always; PostgreSQL too when `DATABASE_URL` names a postgres:// server
//! (the benchmark creates its own databases there and drops them afterwards).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;

mod imports;
mod pages;

use crate::local::{Backend, create, curl, free_port, login, target_dir, tempfile_dir, wait_ready};
use serde_json::{Value, json};

const CONNECTIONS: u32 = 64;
/// The server secret of the throwaway benchmark databases.
const BENCH_SECRET: &str = "benchmark-only-secret-0123456789abcdef";
const DURATION_SECS: u32 = 10;
const ENDPOINTS: [(&str, &str); 2] = [
    ("practice detail", "/api/cmmc/practices/AC.L2-3.1.1"),
    ("Level 2 list", "/api/cmmc/practices?level=2"),
];
/// The organisation counts of the assessments phase, smallest first.
const ORG_COUNTS: [usize; 2] = [10, 1000];
/// Assessments created in each organisation.
const ASSESSMENTS_PER_ORG: usize = 3;
/// The benchmark's system administrator.
const ADMIN: &str = "bench";
const ADMIN_EMAIL: &str = "bench@example.com";
/// The administrator's password (throwaway databases only).
const PASSWORD: &str = "benchmark-only-password-0123";
/// The practice whose answer the PATCH load updates.
const PRACTICE: &str = "AC.L2-3.1.1";
/// The body of every PATCH of the load.
const PATCH_BODY: &str = r#"{"assessor_notes":"bench"}"#;
/// The most `curl` processes run at once while creating the data set.
const CURL_THREADS: usize = 8;

/// The release binary, the load generator and the workspace they run in.
struct Tools<'a> {
    root: &'a Path,
    binary: &'a Path,
    oha: &'a Path,
}

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
    /// oha's success rate: requests that got an answer, whatever its status.
    success_rate: f64,
    /// The share of requests answered 2xx.
    ok_rate: f64,
    /// How many answers had each status, e.g. "200: 51234, 500: 2".
    statuses: String,
}

/// The assessments phase on one backend: a run per organisation count.
struct AssessmentResults {
    backend: &'static str,
    runs: Vec<AssessmentRun>,
}

/// One run of the assessments phase.
struct AssessmentRun {
    /// How many organisations the database held.
    orgs: usize,
    /// How long creating the organisations and their assessments took.
    data_set: Duration,
    patch: Load,
    score: Load,
}

/// What one `oha` run sends.
struct Request<'a> {
    method: &'a str,
    path: &'a str,
    /// A bearer token for the Authorization header.
    token: Option<&'a str>,
    /// A JSON body.
    body: Option<&'a str>,
    /// A Cookie header (a browser's sign-in to the pages).
    cookie: Option<&'a str>,
    /// Connections at once; `CONNECTIONS` when none is given.
    connections: Option<u32>,
}

impl<'a> Request<'a> {
    /// An anonymous GET of `path`.
    const fn get(path: &'a str) -> Self {
        Self { method: "GET", path, token: None, body: None, cookie: None, connections: None }
    }
}

pub(crate) async fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    let phase = match args {
        [] => None,
        [phase] if phase == "imports" || phase == "pages" => Some(phase.as_str()),
        [extra, ..] => {
            anyhow::bail!("bench takes no argument but `imports` or `pages`, not {extra:?}")
        }
    };
    let only_imports = phase == Some("imports");
    eprintln!("building the release server...");
    let status = Command::new("cargo")
        .current_dir(root)
        .args(["build", "--release", "--quiet", "-p", "cmmc-api", "--bin", "cmmc-api"])
        .status()
        .context("running cargo build")?;
    anyhow::ensure!(status.success(), "cargo build --release failed");
    let binary = target_dir(root).join("release").join("cmmc-api");
    // The imports phase needs no load generator.
    let oha = if only_imports { PathBuf::from("oha") } else { ensure_oha()? };
    let tools = Tools { root, binary: &binary, oha: &oha };
    if phase == Some("pages") {
        return pages::bench_with(&tools).await;
    }

    let dir = tempfile_dir("cmmc-bench")?;
    let imports = bench_imports(&tools, &dir).await;
    if only_imports || imports.is_err() {
        let _ = std::fs::remove_dir_all(&dir);
        return write_imports(root, &imports?);
    }
    let res = bench_backends(&tools, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    let (catalogue, assessments) = res?;

    let report = render(&catalogue);
    eprintln!("{report}");
    write_benchmarks(root, "catalogue", "Catalogue", &report)?;
    let report = render_assessments(&assessments);
    eprintln!("{report}");
    write_benchmarks(root, "assessments", "Assessments", &report)?;
    write_imports(root, &imports?)?;
    pages::bench_with(&tools).await
}

fn write_imports(root: &Path, results: &[imports::ImportResults]) -> anyhow::Result<()> {
    let report = imports::render(results);
    eprintln!("{report}");
    write_benchmarks(root, "imports", "Imports and scope", &report)?;
    eprintln!("results written to BENCHMARKS.md");
    Ok(())
}

/// The imports phase on SQLite, then on PostgreSQL when `DATABASE_URL` names a server.
async fn bench_imports(
    tools: &Tools<'_>,
    dir: &Path,
) -> anyhow::Result<Vec<imports::ImportResults>> {
    let postgres = postgres_url();
    let mut backends = vec![Backend::Sqlite(dir)];
    if let Some(url) = &postgres {
        backends.push(Backend::Postgres(url));
    }
    let mut out = Vec::new();
    for backend in backends {
        eprintln!("== {}: imports", backend.label());
        out.push(imports::run(tools, backend, dir).await?);
    }
    Ok(out)
}

/// Both phases on SQLite (files in `dir`), then on PostgreSQL when
/// `DATABASE_URL` names a server.
async fn bench_backends(
    tools: &Tools<'_>,
    dir: &Path,
) -> anyhow::Result<(Vec<Results>, Vec<AssessmentResults>)> {
    let postgres = postgres_url();
    let mut backends = vec![Backend::Sqlite(dir)];
    if let Some(url) = &postgres {
        backends.push(Backend::Postgres(url));
    }
    let mut catalogue = Vec::new();
    let mut assessments = Vec::new();
    for backend in backends {
        catalogue.push(catalogue_run(tools, backend).await?);
        assessments.push(bench_assessments(tools, backend).await?);
    }
    Ok((catalogue, assessments))
}

/// `DATABASE_URL` when it names a PostgreSQL server.
fn postgres_url() -> Option<String> {
    std::env::var("DATABASE_URL")
        .ok()
        .filter(|url| url.starts_with("postgres://") || url.starts_with("postgresql://"))
}

/// The catalogue phase on a fresh database of `backend`.
async fn catalogue_run(tools: &Tools<'_>, backend: Backend<'_>) -> anyhow::Result<Results> {
    let name = format!("cmmc_bench_{}", std::process::id());
    let url = backend.create(&name).await?;
    let res = bench_one(tools, backend.label(), &url);
    let removed = backend.remove(&name).await;
    let results = res?;
    removed?;
    Ok(results)
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

fn server_command(root: &Path, binary: &Path, url: &str, port: u16) -> Command {
    let mut command = Command::new(binary);
    command
        .current_dir(root)
        .env("DATABASE_URL", url)
        .env("CMMC_BIND", format!("127.0.0.1:{port}"))
        .env("CMMC_AUTO_SEED", "true")
        .env("RUST_LOG", "info")
        .env("CMMC_SECRET_KEY", BENCH_SECRET)
        // The assessments phase signs in once and loads for a while.
        .env("CMMC_ACCESS_TOKEN_TTL_SECS", "3600")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// Starts the release server on `url`, listening on `port`.
fn spawn_server(tools: &Tools<'_>, url: &str, port: u16) -> anyhow::Result<Child> {
    server_command(tools.root, tools.binary, url, port).spawn().context("starting the server")
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

/// The catalogue phase: start-up, no-op reseed, catalogue loads and peak
/// memory of the release server on the fresh database `url`.
fn bench_one(tools: &Tools<'_>, backend: &'static str, url: &str) -> anyhow::Result<Results> {
    eprintln!("== {backend}: catalogue");
    let port = free_port()?;
    let started = Instant::now();
    let mut child = spawn_server(tools, url, port)?;
    let res = (|| {
        let start_to_ready = wait_ready(port, &mut child, started)?;
        eprintln!("ready after {} ms", start_to_ready.as_millis());
        let noop_reseed = noop_reseed(tools.root, tools.binary, url)?;
        let mut loads = Vec::new();
        for (name, path) in ENDPOINTS {
            eprintln!("loading {path} with {CONNECTIONS} connections for {DURATION_SECS} s...");
            let measured = load(tools.oha, port, &Request::get(path))?;
            loads.push((format!("{name} `GET {path}`"), measured));
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

/// Loads one request with `oha`: `CONNECTIONS` connections for `DURATION_SECS` seconds.
fn load(oha: &Path, port: u16, request: &Request<'_>) -> anyhow::Result<Load> {
    let mut command = Command::new(oha);
    let connections = request.connections.unwrap_or(CONNECTIONS);
    command
        .args(["--no-tui", "--output-format", "json", "-c", &connections.to_string()])
        .args(["-z", &format!("{DURATION_SECS}s")])
        .args(["-m", request.method]);
    if let Some(token) = request.token {
        command.arg("-H").arg(format!("Authorization: Bearer {token}"));
    }
    if let Some(body) = request.body {
        command.args(["-H", "Content-Type: application/json", "-d", body]);
    }
    if let Some(cookie) = request.cookie {
        command.arg("-H").arg(format!("Cookie: {cookie}"));
    }
    let output = command
        .arg(format!("http://127.0.0.1:{port}{}", request.path))
        .output()
        .context("running oha")?;
    anyhow::ensure!(
        output.status.success(),
        "oha failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: Value = serde_json::from_slice(&output.stdout).context("reading oha's JSON")?;
    let load = parse_load(&json);
    eprintln!(
        "{:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, statuses {}",
        load.requests_per_sec, load.p50_ms, load.p99_ms, load.statuses
    );
    Ok(load)
}

/// The measures of oha's JSON report.
fn parse_load(json: &Value) -> Load {
    let number = |pointer: &str| json.pointer(pointer).and_then(Value::as_f64).unwrap_or(f64::NAN);
    let success_rate = number("/summary/successRate");
    let counts = status_counts(json);
    let answered: u64 = counts.iter().map(|(_, n)| n).sum();
    let ok: u64 = counts.iter().filter(|(code, _)| code.starts_with('2')).map(|(_, n)| n).sum();
    // oha's success rate is answers / requests (those cut off by the deadline
    // aside), whatever the status; so 2xx / requests = 2xx / answers * it.
    let ok_rate = if answered == 0 { 0.0 } else { ok as f64 / answered as f64 * success_rate };
    let statuses: Vec<String> = counts.iter().map(|(code, n)| format!("{code}: {n}")).collect();
    Load {
        requests_per_sec: number("/summary/requestsPerSec"),
        p50_ms: number("/latencyPercentiles/p50") * 1000.0,
        p99_ms: number("/latencyPercentiles/p99") * 1000.0,
        success_rate,
        ok_rate,
        statuses: if statuses.is_empty() { "none".to_owned() } else { statuses.join(", ") },
    }
}

/// oha's count of answers per HTTP status.
fn status_counts(json: &Value) -> Vec<(&str, u64)> {
    let Some(codes) = json.get("statusCodeDistribution").and_then(Value::as_object) else {
        return Vec::new();
    };
    codes.iter().map(|(code, n)| (code.as_str(), n.as_u64().unwrap_or(0))).collect()
}

/// The assessments phase on `backend`: one run per organisation count.
async fn bench_assessments(
    tools: &Tools<'_>,
    backend: Backend<'_>,
) -> anyhow::Result<AssessmentResults> {
    let mut runs = Vec::new();
    for orgs in ORG_COUNTS {
        eprintln!("== {}: assessments, {orgs} organisations", backend.label());
        runs.push(assessments_run(tools, backend, orgs).await?);
    }
    Ok(AssessmentResults { backend: backend.label(), runs })
}

/// One assessments run with `orgs` organisations, on a fresh database of
/// `backend` that is dropped afterwards.
async fn assessments_run(
    tools: &Tools<'_>,
    backend: Backend<'_>,
    orgs: usize,
) -> anyhow::Result<AssessmentRun> {
    let name = format!("cmmc_bench_{}_{orgs}_orgs", std::process::id());
    let url = backend.create(&name).await?;
    let res = serve_assessments(tools, &url, orgs).await;
    let removed = backend.remove(&name).await;
    let run = res?;
    removed?;
    Ok(run)
}

/// Starts the release server on `url`, runs [`measure_assessments`] against
/// it, and stops it whatever happened.
async fn serve_assessments(
    tools: &Tools<'_>,
    url: &str,
    orgs: usize,
) -> anyhow::Result<AssessmentRun> {
    let port = free_port()?;
    let started = Instant::now();
    let mut child = spawn_server(tools, url, port)?;
    let res = measure_assessments(tools, url, port, &mut child, started, orgs).await;
    let _ = child.kill();
    let _ = child.wait();
    res
}

/// Waits for the server, creates the administrator and the data set, starts
/// the first assessment, and loads its practice PATCH and its score GET.
/// (The curl and oha calls block this thread; nothing else runs meanwhile.)
async fn measure_assessments(
    tools: &Tools<'_>,
    url: &str,
    port: u16,
    child: &mut Child,
    started: Instant,
    orgs: usize,
) -> anyhow::Result<AssessmentRun> {
    let ready = wait_ready(port, child, started)?;
    eprintln!("ready after {} ms", ready.as_millis());
    create_bench_admin(tools.root, url).await?;
    let base = format!("http://127.0.0.1:{port}");
    let token = login(&base, ADMIN, PASSWORD)?;
    let creating = Instant::now();
    let assessment = create_data_set(&base, &token, orgs)?;
    let data_set = creating.elapsed();
    let (assessments, secs) = (orgs * ASSESSMENTS_PER_ORG, data_set.as_secs_f64());
    eprintln!("created {orgs} organisations and {assessments} assessments in {secs:.1} s");
    start_assessment(&base, &token, &assessment)?;
    let practice = format!("/api/assessments/{assessment}/practices/{PRACTICE}");
    eprintln!("loading PATCH {practice} with {CONNECTIONS} connections for {DURATION_SECS} s...");
    let auth = Some(token.as_str());
    let patch_request =
        Request { token: auth, body: Some(PATCH_BODY), method: "PATCH", ..Request::get(&practice) };
    let patch = load(tools.oha, port, &patch_request)?;
    let score_path = format!("/api/assessments/{assessment}/score");
    eprintln!("loading GET {score_path} with {CONNECTIONS} connections for {DURATION_SECS} s...");
    let score_request = Request { token: auth, ..Request::get(&score_path) };
    let score = load(tools.oha, port, &score_request)?;
    Ok(AssessmentRun { orgs, data_set, patch, score })
}

/// Creates the benchmark's system administrator with the library, as
/// `cargo xtask create-admin` does (the release binary has no such command).
async fn create_bench_admin(root: &Path, url: &str) -> anyhow::Result<()> {
    let overrides = [
        ("database_url", Some(url.to_owned())),
        ("auto_seed", Some("true".to_owned())),
        ("data_dir", Some(root.join("data").join("cmmc").display().to_string())),
        ("secret_key", Some(BENCH_SECRET.to_owned())),
    ];
    let settings =
        cmmc_bootstrap::Settings::from_sources(None, &overrides).context("bench settings")?;
    let admin = cmmc_bootstrap::ops::create_admin(&settings, ADMIN, ADMIN_EMAIL, PASSWORD)
        .await
        .context("creating the benchmark's administrator")?;
    eprintln!("created system administrator {}", admin.username);
    Ok(())
}

/// Creates `orgs` organisations and `ASSESSMENTS_PER_ORG` assessments in
/// each, a few requests at a time; answers the id of the first organisation's
/// first assessment.
fn create_data_set(base: &str, token: &str, orgs: usize) -> anyhow::Result<String> {
    let numbers: Vec<usize> = (1..=orgs).collect();
    let org_ids = in_parallel(&numbers, |i| {
        let body = json!({ "name": format!("Org {i}"), "target_level": 2 });
        create(base, token, "/api/organizations", &body)
    })?;
    let pairs: Vec<(&str, usize)> = org_ids
        .iter()
        .flat_map(|org| (1..=ASSESSMENTS_PER_ORG).map(move |j| (org.as_str(), j)))
        .collect();
    let assessment_ids = in_parallel(&pairs, |(org, j)| {
        let body = json!({
            "org_id": org,
            "title": format!("A {j}"),
            "target_level": 2,
            "assessment_type": "self",
        });
        create(base, token, "/api/assessments", &body)
    })?;
    assessment_ids.into_iter().next().context("no assessment was created")
}

/// Moves the assessment `id` from draft to in progress (200 expected).
fn start_assessment(base: &str, token: &str, id: &str) -> anyhow::Result<()> {
    let url = format!("{base}/api/assessments/{id}/start");
    let (status, answer) = curl("POST", &url, Some(token), None)?;
    anyhow::ensure!(status == 200, "starting the assessment answered {status}: {answer}");
    Ok(())
}

/// Runs `job` on every item, on up to `CURL_THREADS` threads (one chunk of
/// the items each); answers the results in the items' order, or the first
/// chunk's error.
fn in_parallel<T, R, F>(items: &[T], job: F) -> anyhow::Result<Vec<R>>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> anyhow::Result<R> + Sync,
{
    let chunk = items.len().div_ceil(CURL_THREADS).max(1);
    let job = &job;
    std::thread::scope(|scope| -> anyhow::Result<Vec<R>> {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || part.iter().map(job).collect::<anyhow::Result<Vec<R>>>())
            })
            .collect();
        let mut all = Vec::with_capacity(items.len());
        for handle in handles {
            let part =
                handle.join().map_err(|_| anyhow::format_err!("a request thread panicked"))??;
            all.extend(part);
        }
        Ok(all)
    })
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

/// The assessments block of BENCHMARKS.md: the method, the target, and a
/// table per backend.
fn render_assessments(all: &[AssessmentResults]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Measured {} on {}.", chrono_free_date(), machine());
    let _ = writeln!(
        out,
        "Release build, `RUST_LOG=info`. For each number of organisations, a fresh database and server holding that many organisations with {ASSESSMENTS_PER_ORG} Level 2 self-assessments each, created over HTTP by a system administrator (`curl`, {CURL_THREADS} requests at a time); the first assessment is started."
    );
    let _ = writeln!(
        out,
        "Load by `oha` with {CONNECTIONS} connections for {DURATION_SECS} s each, signed in as that administrator, on the same 2 cores as the server: `PATCH /api/assessments/{{id}}/practices/{PRACTICE}` with `{PATCH_BODY}` and no `If-Match` (each a new version of the answer and an audit row, in one transaction), then `GET /api/assessments/{{id}}/score`, both on that one assessment."
    );
    let _ = writeln!(
        out,
        "Success is the share of requests answered 2xx (the statuses are listed when some were not).\n"
    );
    let (small, large) = (ORG_COUNTS[0], ORG_COUNTS[ORG_COUNTS.len() - 1]);
    let _ = writeln!(
        out,
        "Target: the score of one assessment must not get slower as the number of organisations grows; `GET score` with {large} organisations should serve as many requests per second, at the same p99, as with {small}.\n"
    );
    for results in all {
        render_assessment_backend(&mut out, results);
    }
    out
}

/// One backend's table, data-set times and score comparison.
fn render_assessment_backend(out: &mut String, results: &AssessmentResults) {
    let _ = writeln!(out, "### {}\n", results.backend);
    let _ = writeln!(out, "| measure | req/s | p50 | p99 | success |");
    let _ = writeln!(out, "|---|---|---|---|---|");
    for run in &results.runs {
        load_row(out, &format!("PATCH practice answer ({} orgs)", run.orgs), &run.patch);
        load_row(out, &format!("GET score ({} orgs)", run.orgs), &run.score);
    }
    out.push('\n');
    for run in &results.runs {
        let (orgs, secs) = (run.orgs, run.data_set.as_secs_f64());
        let assessments = orgs * ASSESSMENTS_PER_ORG;
        let _ = writeln!(
            out,
            "- data set: {orgs} organisations, {assessments} assessments, created in {secs:.1} s"
        );
    }
    if let (Some(small), Some(large)) = (results.runs.first(), results.runs.last()) {
        let share = large.score.requests_per_sec / small.score.requests_per_sec * 100.0;
        let (p99_small, p99_large) = (small.score.p99_ms, large.score.p99_ms);
        let (n_small, n_large) = (small.orgs, large.orgs);
        let _ = writeln!(
            out,
            "- GET score with {n_large} organisations: {share:.0}% of the requests per second with {n_small}, p99 {p99_large:.2} ms against {p99_small:.2} ms"
        );
    }
    out.push('\n');
}

/// One table row: throughput, latency and success of `load`.
fn load_row(out: &mut String, name: &str, load: &Load) {
    let success = if load.ok_rate >= 1.0 {
        "100.0%".to_owned()
    } else {
        format!("{:.1}% ({})", load.ok_rate * 100.0, load.statuses)
    };
    let (rps, p50, p99) = (load.requests_per_sec, load.p50_ms, load.p99_ms);
    let _ = writeln!(out, "| {name} | {rps:.0} | {p50:.2} ms | {p99:.2} ms | {success} |");
}

fn chrono_free_date() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// Replaces the block between `<!-- bench:{marker}:begin -->` and
/// `<!-- bench:{marker}:end -->` in BENCHMARKS.md with `report`; appends it
/// under a `## {heading}` section when the markers are missing.
fn write_benchmarks(root: &Path, marker: &str, heading: &str, report: &str) -> anyhow::Result<()> {
    let path = root.join("BENCHMARKS.md");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let begin = format!("<!-- bench:{marker}:begin -->");
    let end = format!("<!-- bench:{marker}:end -->");
    let block = format!("{begin}\n{report}{end}");
    let text = match (text.find(&begin), text.find(&end)) {
        (Some(b), Some(e)) if e > b => format!("{}{block}{}", &text[..b], &text[e + end.len()..]),
        _ => format!("{text}\n## {heading}\n\n{block}\n"),
    };
    std::fs::write(&path, text).context("writing BENCHMARKS.md")
}
