//! The imports phase of `cargo xtask bench`: on a fresh database and release
//! server per backend, a 10,000-row asset inventory is imported (all new),
//! imported again (all unchanged), imported with a tenth of its rows edited,
//! and exported; then an assessment's scope is set to all 10,000 assets and
//! read back. Each step is timed by `curl` (`time_total`: from connecting to
//! the last byte of the answer).

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::Context as _;
use serde_json::{Value, json};

use super::{ADMIN, PASSWORD, Tools, create_bench_admin, spawn_server};
use crate::local::{Backend, create, curl, free_port, login, wait_ready};

/// Rows in the benchmark's inventory.
pub(super) const ROWS: usize = 10_000;

/// One backend's timings, in seconds.
pub(super) struct ImportResults {
    backend: &'static str,
    steps: Vec<(&'static str, f64, String)>,
}

/// The inventory as CSV; with `edited`, every tenth asset renamed.
fn inventory(edited: bool) -> String {
    let categories =
        ["cui", "security_protection", "contractor_risk_managed", "specialized", "out_of_scope"];
    let mut csv = String::from(
        "asset_tag,name,asset_type,category,owner,location,description,handles_cui,handles_fci,provider,tags\n",
    );
    for i in 0..ROWS {
        let name = if edited && i % 10 == 0 {
            format!("Workstation {i} (renamed)")
        } else {
            format!("Workstation {i}")
        };
        let category = categories[i % categories.len()];
        let cui = category == "cui";
        let _ = writeln!(
            csv,
            "WS-{i:05},{name},hardware,{category},IT,Building {},Engineering workstation,{cui},false,,eng;floor-{}",
            i % 7,
            i % 3
        );
    }
    csv
}

/// Runs curl with `args` on `url`: the status, the seconds it took, and the body.
fn timed_curl(url: &str, token: &str, args: &[&str]) -> anyhow::Result<(u16, f64, Value)> {
    let output = Command::new("curl")
        .args(["-sS", "--max-time", "300", "-w", "\n%{http_code} %{time_total}", "-H"])
        .arg(format!("Authorization: Bearer {token}"))
        .args(args)
        .arg(url)
        .output()
        .context("running curl")?;
    anyhow::ensure!(
        output.status.success(),
        "curl {url} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    let (body, last) = text.rsplit_once('\n').context("curl printed no status line")?;
    let (status, secs) = last.split_once(' ').context("curl printed no time")?;
    Ok((status.parse()?, secs.trim().parse()?, serde_json::from_str(body).unwrap_or(Value::Null)))
}

fn post_file(
    url: &str,
    token: &str,
    file: &Path,
    content_type: &str,
    method: &str,
) -> anyhow::Result<(u16, f64, Value)> {
    let data = format!("@{}", file.display());
    let header = format!("Content-Type: {content_type}");
    timed_curl(url, token, &["-X", method, "-H", &header, "--data-binary", &data])
}

/// Every asset id of the organisation, a page of 200 at a time.
fn asset_ids(base: &str, token: &str, org: &str) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::with_capacity(ROWS);
    for page in 1.. {
        let url = format!("{base}/api/organizations/{org}/assets?page={page}&per_page=200");
        let (status, body) = curl("GET", &url, Some(token), None)?;
        anyhow::ensure!(status == 200, "listing assets answered {status}");
        let items = body["items"].as_array().context("no items")?;
        ids.extend(items.iter().filter_map(|a| a["id"].as_str().map(str::to_owned)));
        if items.len() < 200 {
            break;
        }
    }
    Ok(ids)
}

/// The phase on one backend.
pub(super) async fn run(
    tools: &Tools<'_>,
    backend: Backend<'_>,
    dir: &Path,
) -> anyhow::Result<ImportResults> {
    let name = format!("cmmc_bench_{}_imports", std::process::id());
    let url = backend.create(&name).await?;
    let port = free_port()?;
    let started = Instant::now();
    let mut child = spawn_server(tools, &url, port)?;
    let res = measure(tools, &url, port, &mut child, started, dir).await;
    let _ = child.kill();
    let _ = child.wait();
    let removed = backend.remove(&name).await;
    let steps = res?;
    removed?;
    Ok(ImportResults { backend: backend.label(), steps })
}

async fn measure(
    tools: &Tools<'_>,
    url: &str,
    port: u16,
    child: &mut std::process::Child,
    started: Instant,
    dir: &Path,
) -> anyhow::Result<Vec<(&'static str, f64, String)>> {
    wait_ready(port, child, started)?;
    create_bench_admin(tools.root, url).await?;
    let base = format!("http://127.0.0.1:{port}");
    let token = login(&base, ADMIN, PASSWORD)?;
    let org = create(
        &base,
        &token,
        "/api/organizations",
        &json!({ "name": "Imports", "target_level": 2 }),
    )?;
    let (plain, edited) = (dir.join("inventory.csv"), dir.join("edited.csv"));
    std::fs::write(&plain, inventory(false))?;
    std::fs::write(&edited, inventory(true))?;
    let import = format!("{base}/api/organizations/{org}/assets/import");
    let mut steps = Vec::new();
    for (label, file) in [
        ("import, all new", &plain),
        ("import again, all unchanged", &plain),
        ("import, 1,000 rows edited", &edited),
    ] {
        eprintln!("{label}...");
        let (status, secs, body) = post_file(&import, &token, file, "text/csv", "POST")?;
        anyhow::ensure!(status == 200, "{label} answered {status}: {body}");
        steps.push((label, secs, body.to_string()));
    }
    let export = format!("{base}/api/organizations/{org}/assets/export");
    let (status, secs, _) = timed_curl(&export, &token, &["-o", "/dev/null"])?;
    anyhow::ensure!(status == 200, "the export answered {status}");
    steps.push(("export", secs, format!("{ROWS} rows")));

    let body =
        json!({ "org_id": org, "title": "Scoped", "target_level": 2, "assessment_type": "self" });
    let assessment = create(&base, &token, "/api/assessments", &body)?;
    let ids = asset_ids(&base, &token, &org)?;
    let scope_file = dir.join("scope.json");
    std::fs::write(&scope_file, json!({ "asset_ids": ids }).to_string())?;
    let scope = format!("{base}/api/assessments/{assessment}/scope");
    let (status, secs, answer) = post_file(&scope, &token, &scope_file, "application/json", "PUT")?;
    anyhow::ensure!(status == 200, "setting the scope answered {status}: {answer}");
    steps.push((
        "set an assessment's scope to all assets",
        secs,
        format!("{} warnings", answer["warnings"].as_array().map_or(0, Vec::len)),
    ));
    let (status, secs, _) = timed_curl(&scope, &token, &[])?;
    anyhow::ensure!(status == 200, "reading the scope answered {status}");
    steps.push(("read the scope back", secs, format!("{} assets", ids.len())));
    Ok(steps)
}

/// The phase's block of BENCHMARKS.md.
pub(super) fn render(all: &[ImportResults]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Measured {} on {}.", super::chrono_free_date(), super::machine());
    let _ = writeln!(
        out,
        "Release build, `RUST_LOG=info`; a fresh database and server per backend; one organisation; a {ROWS}-row CSV inventory (`asset_tag,name,asset_type,category,owner,location,description,handles_cui,handles_fci,provider,tags`, about 1 MB). Times are curl's `time_total`, one request each."
    );
    let _ = writeln!(out, "\nTarget: 10,000 rows import in a few seconds.\n");
    for results in all {
        let _ = writeln!(out, "### {}\n\n| step | time | answer |\n|---|---|---|", results.backend);
        for (label, secs, answer) in &results.steps {
            let _ = writeln!(out, "| {label} | {secs:.2} s | `{answer}` |");
        }
        out.push('\n');
    }
    out
}
