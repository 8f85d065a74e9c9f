//! `cargo xtask fuzz`: holds the server to its OpenAPI document with
//! schemathesis (every check), on a fresh database.
//!
//! It makes a system administrator (as `create-admin` does) and the demo data
//! (an organisation, a user per role, a Level 2 assessment in progress), adds
//! evidence, a finding, a POA&M with an item, a DataPact mapping and a draft
//! SSP, and starts the debug server with its outbound allow-list limited to
//! loopback.
//! The ids of that fixture go into a schemathesis configuration as
//! dictionaries, which the fuzzer draws path and query parameters from most
//! of the time, so that it reaches the logic behind every route rather than
//! only its 404. It fails when schemathesis reports any failure.
//!
//! SQLite by default; `--postgres URL` runs on a database it creates on that
//! server and drops afterwards. CI runs the SQLite run inside a network
//! namespace that has only loopback (`unshare -n`), so that no URL the fuzzer
//! invents can reach another host.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use anyhow::Context as _;
use serde_json::{Value, json};

use crate::local::{Backend, create, curl, free_port, login, target_dir, tempfile_dir, wait_ready};

const USAGE: &str = "usage: fuzz [--postgres URL] [--no-build] [--examples N] [--seed N]";
/// The fuzz run's system administrator.
pub(crate) const ADMIN: &str = "fuzz_admin";
pub(crate) const ADMIN_EMAIL: &str = "fuzz_admin@example.com";
/// Its password (a throwaway database only).
pub(crate) const PASSWORD: &str = "fuzz-only-password-0123456789";
const SECRET: &str = "fuzz-only-secret-0123456789abcdef0123";
/// Examples per operation and phase unless `--examples` says otherwise.
const EXAMPLES: u32 = 10;
/// How often a parameter with fixture values takes one of them.
const FIXTURE_PROBABILITY: f64 = 0.85;
/// The practice the fixture's evidence, finding and POA&M item are about.
const PRACTICE: &str = "AC.L2-3.1.1";

struct Options {
    postgres: Option<String>,
    build: bool,
    examples: u32,
    /// Schemathesis's random seed; a new one each run when None.
    seed: Option<u128>,
}

fn options(args: &[String]) -> anyhow::Result<Options> {
    let mut options = Options { postgres: None, build: true, examples: EXAMPLES, seed: None };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--postgres" => options.postgres = Some(args.next().context(USAGE)?.clone()),
            "--no-build" => options.build = false,
            "--examples" => {
                options.examples = args.next().context(USAGE)?.parse().context(USAGE)?;
            }
            "--seed" => options.seed = Some(args.next().context(USAGE)?.parse().context(USAGE)?),
            other => anyhow::bail!("unknown argument {other:?}; {USAGE}"),
        }
    }
    Ok(options)
}

pub(crate) async fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    let options = options(args)?;
    if options.build {
        eprintln!("building the server...");
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .current_dir(root)
            .args(["build", "--quiet", "-p", "cmmc-api", "--bin", "cmmc-api"])
            .status()
            .context("running cargo build")?;
        anyhow::ensure!(status.success(), "cargo build failed");
    }
    let binary = server_binary(root);
    anyhow::ensure!(binary.exists(), "no server binary at {}", binary.display());
    let st = schemathesis()?;
    let dir = tempfile_dir("cmmc-fuzz")?;
    let backend = options.postgres.as_deref().map_or(Backend::Sqlite(&dir), Backend::Postgres);
    let name = format!("cmmc_fuzz_{}", std::process::id());
    let url = backend.create(&name).await?;
    let res = fuzz_on(root, &binary, &st, &dir, &url, &options).await;
    let removed = backend.remove(&name).await;
    let _ = std::fs::remove_dir_all(&dir);
    res?;
    removed
}

/// The debug server next to this xtask binary (so that a run inside a
/// network namespace needs no cargo), or in the target directory.
pub(crate) fn server_binary(root: &Path) -> PathBuf {
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("cmmc-api")))
        .filter(|path| path.exists());
    beside.unwrap_or_else(|| target_dir(root).join("debug").join("cmmc-api"))
}

/// The schemathesis command: `CMMC_SCHEMATHESIS`, else `st` in the CI
/// virtual environment (`CMMC_VENV`, by default ~/.cache/cmmc-venv), else
/// `st` on the PATH.
fn schemathesis() -> anyhow::Result<PathBuf> {
    if let Some(path) = std::env::var_os("CMMC_SCHEMATHESIS") {
        return Ok(PathBuf::from(path));
    }
    let venv = std::env::var_os("CMMC_VENV").map(PathBuf::from).or_else(|| {
        std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache/cmmc-venv"))
    });
    let in_venv = venv.map(|venv| venv.join("bin").join("st")).filter(|st| st.exists());
    let st = in_venv.unwrap_or_else(|| PathBuf::from("st"));
    let found = Command::new(&st).arg("--version").stdout(Stdio::null()).status();
    anyhow::ensure!(
        found.is_ok_and(|status| status.success()),
        "schemathesis is not installed: pip install -r .ci/requirements.txt into a virtual \
         environment (as .ci/run does) or set CMMC_SCHEMATHESIS"
    );
    Ok(st)
}

async fn fuzz_on(
    root: &Path,
    binary: &Path,
    st: &Path,
    dir: &Path,
    url: &str,
    options: &Options,
) -> anyhow::Result<()> {
    let settings = settings(root, dir, url)?;
    cmmc_bootstrap::ops::create_admin(&settings, ADMIN, ADMIN_EMAIL, PASSWORD)
        .await
        .context("creating the fuzz run's administrator")?;
    let demo = cmmc_bootstrap::ops::seed_demo(&settings).await.context("the demo data")?;
    let port = free_port()?;
    let mut server = spawn_server(binary, dir, url, port)?;
    let res = fuzz_server(st, dir, port, &mut server, &demo, options);
    let _ = server.kill();
    let _ = server.wait();
    res
}

pub(crate) fn settings(
    root: &Path,
    dir: &Path,
    url: &str,
) -> anyhow::Result<cmmc_bootstrap::Settings> {
    let overrides = [
        ("database_url", Some(url.to_owned())),
        ("auto_seed", Some("true".to_owned())),
        ("data_dir", Some(root.join("data").join("cmmc").display().to_string())),
        ("secret_key", Some(SECRET.to_owned())),
        ("upload_dir", Some(dir.join("uploads").display().to_string())),
    ];
    cmmc_bootstrap::Settings::from_sources(None, &overrides).context("fuzz settings")
}

pub(crate) fn spawn_server(
    binary: &Path,
    dir: &Path,
    url: &str,
    port: u16,
) -> anyhow::Result<Child> {
    let log = std::fs::File::create(dir.join("server.log"))?;
    Command::new(binary)
        .env("DATABASE_URL", url)
        .env("CMMC_BIND", format!("127.0.0.1:{port}"))
        .env("CMMC_SECRET_KEY", SECRET)
        .env("CMMC_UPLOAD_DIR", dir.join("uploads"))
        // Whatever URL the fuzzer invents, the server calls loopback at most.
        .env("CMMC_OUTBOUND_ALLOW", "127.0.0.1")
        // One sign-in lasts the whole run.
        .env("CMMC_ACCESS_TOKEN_TTL_SECS", "7200")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .context("starting the server")
}

fn fuzz_server(
    st: &Path,
    dir: &Path,
    port: u16,
    server: &mut Child,
    demo: &cmmc_bootstrap::ops::DemoReport,
    options: &Options,
) -> anyhow::Result<()> {
    wait_ready(port, server, Instant::now())?;
    let base = format!("http://127.0.0.1:{port}");
    let token = login(&base, ADMIN, PASSWORD)?;
    let fixture = make_fixture(&base, &token, dir, demo)?;
    let config = dir.join("schemathesis.toml");
    std::fs::write(&config, fixture.config())?;
    eprintln!("fixture: {}", fixture.summary());
    let mut command = Command::new(st);
    command
        // Its cache and reports stay in the run's directory.
        .current_dir(dir)
        .arg("--config-file")
        .arg(&config)
        .arg("run")
        .arg(format!("{base}/api/openapi.json"))
        .args([
            "--url",
            &base,
            "--checks",
            "all",
            // One worker: with two, hypothesis parses lambda sources from two
            // threads at once, which CPython 3.11's ast module does not survive
            // ("AST constructor recursion depth mismatch", a CPython 3.11 race),
            // and a run fails at random.
            "--workers",
            "1",
            "--suppress-health-check",
            "all",
        ])
        .args(["--max-examples", &options.examples.to_string()])
        .args(["--exclude-path", "/api/auth/logout", "--exclude-path", "/api/auth/password"])
        .arg("--header")
        .arg(format!("Authorization: Bearer {token}"));
    if let Some(seed) = options.seed {
        command.args(["--seed", &seed.to_string()]);
    }
    let status = command.status().context("running schemathesis")?;
    if !status.success() {
        let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(40).collect();
        eprintln!("server log (last lines, newest first):\n{}", tail.join("\n"));
        anyhow::bail!("schemathesis reported failures ({status})");
    }
    Ok(())
}

/// What the checks accept beyond their defaults, as the document's
/// description states: a request that conforms to the schema may still be
/// refused for what it refers to or for the stored state (404, 409, 412 for
/// a stale If-Match, 413 and 415 for an upload's size and detected content
/// type, 422 for a rule no schema states); the DataPact routes answer 502
/// (504 on a timeout) when DataPact cannot be reached, and in the fuzz run
/// it never can. The OSCAL import takes a document that must validate
/// against NIST's assessment-results schema, which the API document names
/// but does not restate, so a body the fuzzer thinks valid may be a 400;
/// so may the CSV imports (assets, responsibility matrices), whose rows the
/// document describes in words.
const CHECKS: &str = r#"[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "412", "413", "415", "422", "429", "5xx"]

[[operations]]
include-path-regex = "/datapact/(contracts|sync)$"
checks.not_a_server_error.expected-statuses = ["2xx", "3xx", "4xx", "502", "504"]

[[operations]]
include-path = "/api/organizations/{org_id}/assets/import"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "413", "415", "429", "5xx"]

[[operations]]
include-path = "/api/providers/{provider_id}/responsibilities/import"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "413", "415", "429", "5xx"]

[[operations]]
include-path = "/api/assessments/import/oscal"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "413", "415", "429", "5xx"]

"#;

/// The ids the fuzzer draws from, by parameter name.
struct Fixture {
    values: Vec<(&'static str, Vec<String>)>,
}

fn make_fixture(
    base: &str,
    token: &str,
    dir: &Path,
    demo: &cmmc_bootstrap::ops::DemoReport,
) -> anyhow::Result<Fixture> {
    let org = demo.organization_id.clone().context("the demo data was not made")?;
    let assessment = demo.assessment_id.clone().context("the demo has no assessment")?;
    let evidence = upload_evidence(base, token, dir, &assessment)?;
    let finding = create(
        base,
        token,
        &format!("/api/assessments/{assessment}/findings"),
        &json!({"title": "Shared accounts", "finding_type": "deficiency", "severity": "high", "practice_id": PRACTICE}),
    )?;
    let poam = create(
        base,
        token,
        "/api/poams",
        &json!({"assessment_id": assessment, "title": "Access control remediation"}),
    )?;
    let item = create(
        base,
        token,
        &format!("/api/poams/{poam}/items"),
        &json!({"milestone": "Issue named accounts", "practice_id": PRACTICE}),
    )?;
    let mapping = create(
        base,
        token,
        &format!("/api/organizations/{org}/datapact/mappings"),
        &json!({"practice_id": PRACTICE, "datapact_contract_id": "fuzz-contract"}),
    )?;
    let users = user_ids(base, token, &org)?;
    let ssp = create(
        base,
        token,
        &format!("/api/organizations/{org}/ssps"),
        &json!({"name": "Enclave SSP", "version": "1", "level": 2, "system_description": "The enclave",
                "scope_type": "enclave", "boundary_description": "VLAN 20"}),
    )?;
    let asset = create(
        base,
        token,
        &format!("/api/organizations/{org}/assets"),
        &json!({"asset_tag": "FUZZ-1", "name": "File server", "asset_type": "hardware", "category": "cui"}),
    )?;
    let provider = create(
        base,
        token,
        &format!("/api/organizations/{org}/providers"),
        &json!({"name": "Azure Government", "kind": "cloud_service_provider", "authorization": "fedramp_high"}),
    )?;
    let risk = create(
        base,
        token,
        &format!("/api/organizations/{org}/risks"),
        &json!({"title": "Shared accounts misused", "category": "access", "likelihood": 3, "impact": 4}),
    )?;
    // A draft besides the assessment in progress, for the routes a draft allows.
    let draft = create(
        base,
        token,
        "/api/assessments",
        &json!({"org_id": org, "title": "Draft", "target_level": 1, "assessment_type": "self"}),
    )?;
    Ok(Fixture {
        values: vec![
            ("org_id", vec![org]),
            ("id", vec![assessment.clone(), draft]),
            ("assessment_id", vec![assessment]),
            ("practice_id", vec![PRACTICE.to_owned()]),
            ("evidence_id", vec![evidence]),
            ("finding_id", vec![finding]),
            ("poam_id", vec![poam]),
            ("item_id", vec![item]),
            ("mapping_id", vec![mapping]),
            ("user_id", users),
            ("ssp_id", vec![ssp]),
            ("level", vec!["2".to_owned()]),
            ("asset_id", vec![asset]),
            ("provider_id", vec![provider]),
            ("risk_id", vec![risk]),
            ("framework", vec!["sp800-171r3".to_owned(), "sp800-53r5".to_owned()]),
            ("requirement_id", vec!["03.01.01".to_owned(), "AC-2".to_owned()]),
        ],
    })
}

/// Uploads a small text file as evidence of [`PRACTICE`]; answers its id.
fn upload_evidence(
    base: &str,
    token: &str,
    dir: &Path,
    assessment: &str,
) -> anyhow::Result<String> {
    let file = dir.join("policy.txt");
    std::fs::write(&file, "Access control policy, version 1.\n")?;
    let url = format!("{base}/api/assessments/{assessment}/practices/{PRACTICE}/evidence");
    let output = Command::new("curl")
        .args(["-sS", "--max-time", "60", "-H"])
        .arg(format!("Authorization: Bearer {token}"))
        .args(["-F", "title=Access control policy", "-F"])
        .arg(format!("file=@{};type=text/plain", file.display()))
        .arg(&url)
        .output()
        .context("running curl")?;
    let answer: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    answer["id"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("the evidence upload answered {answer}"))
}

fn user_ids(base: &str, token: &str, org: &str) -> anyhow::Result<Vec<String>> {
    let url = format!("{base}/api/organizations/{org}/users");
    let (status, answer) = curl("GET", &url, Some(token), None)?;
    anyhow::ensure!(status == 200, "listing the users answered {status}: {answer}");
    let items = answer["items"].as_array().or_else(|| answer.as_array());
    let ids: Vec<String> = items
        .into_iter()
        .flatten()
        .filter_map(|user| user["id"].as_str().map(str::to_owned))
        .collect();
    anyhow::ensure!(!ids.is_empty(), "the demo organisation has no users: {answer}");
    Ok(ids)
}

impl Fixture {
    /// A schemathesis configuration: one dictionary per parameter name, and
    /// a binding of that name (path and query) to it.
    fn config(&self) -> String {
        let mut text = String::from("# Written by cargo xtask fuzz.\n");
        for (name, values) in &self.values {
            let quoted: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
            let _ = writeln!(text, "[dictionaries.{name}]\nvalues = [{}]\n", quoted.join(", "));
        }
        text.push_str(CHECKS);
        text.push_str("[parameters]\n");
        for (name, _) in &self.values {
            for location in ["path", "query"] {
                let _ = writeln!(
                    text,
                    "\"{location}.{name}\" = {{ dictionary = \"{name}\", probability = {FIXTURE_PROBABILITY} }}"
                );
            }
        }
        text
    }

    fn summary(&self) -> String {
        let parts: Vec<String> = self
            .values
            .iter()
            .map(|(name, values)| format!("{name}={}", values.join("|")))
            .collect();
        parts.join(" ")
    }
}
