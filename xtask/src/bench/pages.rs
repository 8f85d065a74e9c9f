//! The pages phase of `cargo xtask bench` (`cargo xtask bench pages` runs it
//! alone): on a fresh database and release server per backend, a system
//! administrator signs in to the web interface through its form (as a
//! browser does: the form cookie, its token, the session cookie), a Level 3
//! assessment (134 practices) is started, and each page is loaded by `oha`
//! one request at a time, so its latency is the server's time for the page
//! (on loopback, plus a little for the connection). Target: under 20 ms.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::Context as _;
use serde_json::json;

use super::{
    ADMIN, DURATION_SECS, Load, PASSWORD, Request, Tools, create_bench_admin, load, load_row,
    machine, postgres_url, spawn_server, start_assessment, tempfile_dir, write_benchmarks,
};
use crate::local::{Backend, create, free_port, login, wait_ready};

/// One backend's page loads.
struct PageResults {
    backend: &'static str,
    loads: Vec<(String, Load)>,
}

/// Runs the phase on SQLite, then on PostgreSQL when `DATABASE_URL` names a
/// server, and writes its block of BENCHMARKS.md.
pub(super) async fn bench_with(tools: &Tools<'_>) -> anyhow::Result<()> {
    let dir = tempfile_dir("cmmc-bench-pages")?;
    let postgres = postgres_url();
    let mut backends = vec![Backend::Sqlite(&dir)];
    if let Some(url) = &postgres {
        backends.push(Backend::Postgres(url));
    }
    let mut all = Vec::new();
    for backend in backends {
        eprintln!("== {}: pages", backend.label());
        let res = run(tools, backend).await;
        if res.is_err() {
            let _ = std::fs::remove_dir_all(&dir);
        }
        all.push(res?);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let report = render(&all);
    eprintln!("{report}");
    write_benchmarks(tools.root, "pages", "Web pages", &report)?;
    eprintln!("results written to BENCHMARKS.md");
    Ok(())
}

async fn run(tools: &Tools<'_>, backend: Backend<'_>) -> anyhow::Result<PageResults> {
    let name = format!("cmmc_bench_{}_pages", std::process::id());
    let url = backend.create(&name).await?;
    let port = free_port()?;
    let started = Instant::now();
    let mut child = spawn_server(tools, &url, port)?;
    let res = measure(tools, &url, port, &mut child, started).await;
    let _ = child.kill();
    let _ = child.wait();
    let removed = backend.remove(&name).await;
    let loads = res?;
    removed?;
    Ok(PageResults { backend: backend.label(), loads })
}

/// Signs in through the login form with `curl` and a cookie jar; answers
/// the Cookie header a browser would then send.
fn web_sign_in(base: &str, jar: &Path) -> anyhow::Result<String> {
    let jar_arg = jar.display().to_string();
    let page = Command::new("curl")
        .args(["-sS", "-c", &jar_arg, "-b", &jar_arg, &format!("{base}/login")])
        .output()
        .context("curl /login")?;
    let html = String::from_utf8_lossy(&page.stdout);
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).context("the login page has no form token")? + marker.len();
    let token = html[start..].split('"').next().unwrap_or_default().to_owned();
    let form = format!("csrf_token={token}&username={ADMIN}&password={PASSWORD}&next=/");
    let posted = Command::new("curl")
        .args(["-sS", "-o", "/dev/null", "-w", "%{http_code}", "-c", &jar_arg, "-b", &jar_arg])
        .args(["-d", &form, &format!("{base}/login")])
        .output()
        .context("curl POST /login")?;
    let status = String::from_utf8_lossy(&posted.stdout).trim().to_owned();
    anyhow::ensure!(status == "303", "signing in through the form answered {status}");
    let cookies = std::fs::read_to_string(jar).context("reading curl's cookie jar")?;
    // Netscape format: the name and value are the last two of seven fields.
    let pairs: Vec<String> = cookies
        .lines()
        .map(|l| l.strip_prefix("#HttpOnly_").unwrap_or(l))
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let fields: Vec<&str> = l.split('\t').collect();
            (fields.len() == 7).then(|| format!("{}={}", fields[5], fields[6]))
        })
        .collect();
    anyhow::ensure!(pairs.iter().any(|p| p.starts_with("cmmc_session=")), "no session cookie");
    Ok(pairs.join("; "))
}

async fn measure(
    tools: &Tools<'_>,
    url: &str,
    port: u16,
    child: &mut std::process::Child,
    started: Instant,
) -> anyhow::Result<Vec<(String, Load)>> {
    wait_ready(port, child, started)?;
    create_bench_admin(tools.root, url).await?;
    let base = format!("http://127.0.0.1:{port}");
    let token = login(&base, ADMIN, PASSWORD)?;
    let org = create(
        &base,
        &token,
        "/api/organizations",
        &json!({ "name": "Pages", "target_level": 3 }),
    )?;
    let body = json!({ "org_id": org, "title": "Level 3", "target_level": 3, "assessment_type": "government" });
    let assessment = create(&base, &token, "/api/assessments", &body)?;
    start_assessment(&base, &token, &assessment)?;
    let jar = tempfile_dir("cmmc-bench-cookies")?.join("jar.txt");
    let cookie = web_sign_in(&base, &jar)?;
    // What each page is called in the table, and the address loaded.
    let pages = [
        ("dashboard `GET /`", format!("/?org={org}")),
        (
            "an assessment of 134 practices `GET /assessments/{id}`",
            format!("/assessments/{assessment}"),
        ),
        (
            "a practice `GET /assessments/{id}/practices/AC.L2-3.1.1`",
            format!("/assessments/{assessment}/practices/AC.L2-3.1.1"),
        ),
        ("the catalogue, searched `GET /catalog?q=access`", "/catalog?q=access".to_owned()),
    ];
    let mut loads = Vec::new();
    for (name, path) in &pages {
        eprintln!("loading {path}, one request at a time, for {DURATION_SECS} s...");
        let request = Request { cookie: Some(&cookie), connections: Some(1), ..Request::get(path) };
        let measured = load(tools.oha, port, &request)?;
        anyhow::ensure!(measured.ok_rate >= 1.0, "{path} answered {}", measured.statuses);
        loads.push(((*name).to_owned(), measured));
    }
    let _ = std::fs::remove_dir_all(jar.parent().unwrap_or(&jar));
    Ok(loads)
}

fn render(all: &[PageResults]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Measured on {}.", machine());
    let _ = writeln!(
        out,
        "Release build, `RUST_LOG=info`, a fresh database and server per backend; a system administrator signed in through the login form (cookies as a browser keeps them); a Level 3 government assessment (134 practices: 110 of Level 2 and 24 of Level 3) started. Each page loaded by `oha` with one connection, one request at a time, for {DURATION_SECS} s, so its latency is the server's time for the page.\n"
    );
    let _ = writeln!(out, "Target: every page under 20 ms.\n");
    for results in all {
        let _ = writeln!(out, "### {}\n", results.backend);
        let _ = writeln!(out, "| page | req/s | p50 | p99 | success |");
        let _ = writeln!(out, "|---|---|---|---|---|");
        for (name, load) in &results.loads {
            load_row(&mut out, name, load);
        }
        out.push('\n');
    }
    out
}
