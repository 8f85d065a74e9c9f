//! `cargo xtask package-check`: the C3PAO package streams. On a fresh
//! SQLite database it starts the debug server, uploads 21 evidence files of
//! 24 MiB (504 MiB in all), downloads the assessment's package with `curl`,
//! and checks that the server's peak memory (VmHWM, from /proc) grew by
//! less than 16 MiB while it sent the package and stays under 64 MiB, and
//! that the package verifies against its signed manifest. `.ci/run` runs it.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::Context as _;

use crate::fuzz::{ADMIN, ADMIN_EMAIL, PASSWORD, server_binary, settings, spawn_server};
use crate::local::{Backend, free_port, login, tempfile_dir, wait_ready};

const FILES: usize = 21;
const FILE_BYTES: usize = 24 * 1024 * 1024;
const MIB: u64 = 1024 * 1024;

/// The server's peak resident memory so far, in bytes.
fn peak_memory(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).context("no VmHWM")?;
    let kib: u64 = line.split_whitespace().nth(1).context("VmHWM")?.parse()?;
    Ok(kib * 1024)
}

/// A text file of `FILE_BYTES` that no other file equals (so none is deduplicated).
fn write_file(path: &Path, n: usize) -> anyhow::Result<()> {
    let line = format!("evidence file {n}: the quick brown fox jumps over the lazy dog\n");
    let mut text = String::with_capacity(FILE_BYTES + line.len());
    while text.len() < FILE_BYTES {
        text.push_str(&line);
    }
    text.truncate(FILE_BYTES);
    std::fs::write(path, text)?;
    Ok(())
}

fn upload(base: &str, token: &str, assessment: &str, file: &Path) -> anyhow::Result<()> {
    let url = format!("{base}/api/assessments/{assessment}/practices/AC.L2-3.1.1/evidence");
    let output = Command::new("curl")
        .args(["-sS", "--max-time", "300", "-o", "/dev/null", "-w", "%{http_code}", "-H"])
        .arg(format!("Authorization: Bearer {token}"))
        .args(["-F", "title=Large evidence", "-F"])
        .arg(format!("file=@{};type=text/plain", file.display()))
        .arg(&url)
        .output()
        .context("running curl")?;
    let status = String::from_utf8_lossy(&output.stdout);
    anyhow::ensure!(status == "201", "the upload answered {status}");
    Ok(())
}

pub(crate) async fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    anyhow::ensure!(args.iter().all(|a| a == "--no-build"), "usage: package-check [--no-build]");
    let binary = server_binary(root);
    anyhow::ensure!(
        binary.exists(),
        "no server binary at {}: cargo build -p cmmc-api",
        binary.display()
    );
    let dir = tempfile_dir("cmmc-package")?;
    let backend = Backend::Sqlite(&dir);
    let url = backend.create("package").await?;
    let res = check(root, &binary, &dir, &url).await;
    let _ = std::fs::remove_dir_all(&dir);
    res
}

async fn check(root: &Path, binary: &Path, dir: &Path, url: &str) -> anyhow::Result<()> {
    let settings = settings(root, dir, url)?;
    cmmc_bootstrap::ops::create_admin(&settings, ADMIN, ADMIN_EMAIL, PASSWORD).await?;
    let demo = cmmc_bootstrap::ops::seed_demo(&settings).await?;
    let assessment = demo.assessment_id.context("the demo has no assessment")?;
    let port = free_port()?;
    let mut server = spawn_server(binary, dir, url, port)?;
    let res = measure(&settings, &mut server, dir, port, &assessment);
    let _ = server.kill();
    let _ = server.wait();
    res
}

fn measure(
    settings: &cmmc_bootstrap::Settings,
    server: &mut std::process::Child,
    dir: &Path,
    port: u16,
    assessment: &str,
) -> anyhow::Result<()> {
    wait_ready(port, server, Instant::now())?;
    let base = format!("http://127.0.0.1:{port}");
    let token = login(&base, ADMIN, PASSWORD)?;
    let file = dir.join("evidence.txt");
    for n in 0..FILES {
        write_file(&file, n)?;
        upload(&base, &token, assessment, &file)?;
    }
    std::fs::remove_file(&file)?;
    let before = peak_memory(server.id())?;
    let package = dir.join("package.zip");
    let started = Instant::now();
    let status = Command::new("curl")
        .args(["-sS", "--fail", "--max-time", "600", "-o"])
        .arg(&package)
        .arg("-H")
        .arg(format!("Authorization: Bearer {token}"))
        .arg(format!("{base}/api/assessments/{assessment}/package"))
        .status()?;
    anyhow::ensure!(status.success(), "downloading the package failed");
    let after = peak_memory(server.id())?;
    let size = std::fs::metadata(&package)?.len();
    eprintln!(
        "package of {} MiB in {:.1} s; server peak memory {} MiB before, {} MiB after",
        size / MIB,
        started.elapsed().as_secs_f64(),
        before / MIB,
        after / MIB
    );
    anyhow::ensure!(size > (FILES * FILE_BYTES) as u64, "the package is smaller than its evidence");
    anyhow::ensure!(
        after - before < 16 * MIB,
        "sending the package grew the server by {} MiB",
        (after - before) / MIB
    );
    anyhow::ensure!(after < 64 * MIB, "the server's peak memory reached {} MiB", after / MIB);
    let problems = cmmc_bootstrap::ops::verify_package(settings, &package)?;
    anyhow::ensure!(problems.is_empty(), "the package does not verify: {problems:?}");
    eprintln!("the package verifies against its signed manifest");
    Ok(())
}
