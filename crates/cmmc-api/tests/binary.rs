//! The `cmmc-api` binary as an operator runs it: `--help`, `--version`, and
//! serving from a directory with nothing beside it.

#![expect(
    clippy::tests_outside_test_module,
    reason = "an integration test: the whole file is test code"
)]

use std::io::{Read as _, Write as _};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_cmmc-api");

#[test]
fn help_and_version_say_what_it_is() {
    let help = Command::new(BINARY).arg("--help").output().unwrap();
    assert!(help.status.success());
    let text = String::from_utf8(help.stdout).unwrap();
    assert!(text.contains("CMMC") && text.contains("usage: cmmc-api"), "{text}");
    let version = Command::new(BINARY).arg("--version").output().unwrap();
    assert!(version.status.success());
    let text = String::from_utf8(version.stdout).unwrap();
    assert!(text.starts_with(&format!("cmmc-api {}", env!("CARGO_PKG_VERSION"))), "{text}");
    assert!(text.contains("reference data 20"), "{text}");
}

fn get(port: u16, path: &str) -> Option<String> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    Some(answer)
}

#[test]
fn it_serves_from_an_empty_directory_with_the_reference_data_built_in() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(BINARY)
        .current_dir(dir.path())
        .env_clear()
        .env("CMMC_BIND", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let mut answer = None;
    while started.elapsed() < Duration::from_secs(30) {
        answer = get(port, "/api/cmmc/practices/AC.L2-3.1.1");
        if answer.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(answer.is_some(), "the server never answered");
    let answer = answer.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"practice_id\":\"AC.L2-3.1.1\""), "{answer}");
    assert!(
        dir.path().join("cmmc.db").exists(),
        "the default SQLite file, in the working directory"
    );
}
