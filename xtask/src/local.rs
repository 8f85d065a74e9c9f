//! What the benchmark and the fuzz run share: fresh databases, a server on a
//! free port, and HTTP requests with `curl` (the xtask has no HTTP client).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use sea_orm::{ConnectionTrait, Database};
use serde_json::Value;

/// Where a fresh database is made.
#[derive(Clone, Copy)]
pub(crate) enum Backend<'a> {
    /// SQLite files in this (temporary) directory.
    Sqlite(&'a Path),
    /// Databases created on the PostgreSQL server of this URL, and dropped.
    Postgres(&'a str),
}

impl Backend<'_> {
    /// The backend's name in the report.
    pub(crate) const fn label(self) -> &'static str {
        match self {
            Self::Sqlite(_) => "SQLite",
            Self::Postgres(_) => "PostgreSQL",
        }
    }

    /// Makes the fresh database `name` (a plain identifier) and answers its URL.
    pub(crate) async fn create(self, name: &str) -> anyhow::Result<String> {
        match self {
            Self::Sqlite(dir) => {
                let file = dir.join(format!("{name}.db"));
                Ok(format!("sqlite://{}", file.display()))
            }
            Self::Postgres(url) => {
                let admin = Database::connect(url).await.context("connecting to DATABASE_URL")?;
                let res = admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await;
                let _ = admin.close().await;
                res.with_context(|| format!("creating the database {name}"))?;
                Ok(replace_database(url, name))
            }
        }
    }

    /// Drops the PostgreSQL database `name` made by [`Backend::create`];
    /// SQLite files go with their directory.
    pub(crate) async fn remove(self, name: &str) -> anyhow::Result<()> {
        let Self::Postgres(url) = self else { return Ok(()) };
        let admin = Database::connect(url).await.context("connecting to DATABASE_URL")?;
        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        let res = admin.execute_unprepared(&sql).await;
        let _ = admin.close().await;
        res.with_context(|| format!("dropping the database {name}"))?;
        Ok(())
    }
}

pub(crate) fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// A fresh directory under the system's temporary one, named `{prefix}-{pid}`.
pub(crate) fn tempfile_dir(prefix: &str) -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("{prefix}-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

pub(crate) fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = base[scheme_end..].find('/').map_or(base, |slash| &base[..scheme_end + slash]);
    query.map_or_else(|| format!("{base}/{name}"), |q| format!("{base}/{name}?{q}"))
}

pub(crate) fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

pub(crate) fn wait_ready(
    port: u16,
    child: &mut Child,
    started: Instant,
) -> anyhow::Result<Duration> {
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
pub(crate) fn http_status(port: u16, path: &str) -> anyhow::Result<u16> {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")?;
    let mut head = [0_u8; 12];
    stream.read_exact(&mut head)?;
    let text = std::str::from_utf8(&head)?;
    Ok(text.get(9..12).unwrap_or("0").parse()?)
}

/// Signs `username` in; answers the access token.
pub(crate) fn login(base: &str, username: &str, password: &str) -> anyhow::Result<String> {
    let body = serde_json::json!({ "username": username, "password": password });
    let (status, answer) = curl("POST", &format!("{base}/api/auth/login"), None, Some(&body))?;
    anyhow::ensure!(status == 200, "the login answered {status}: {answer}");
    text_field(&answer, "access_token", "the login")
}

/// POSTs `body` to `path` (201 expected); answers the id of what it created.
pub(crate) fn create(base: &str, token: &str, path: &str, body: &Value) -> anyhow::Result<String> {
    let (status, answer) = curl("POST", &format!("{base}{path}"), Some(token), Some(body))?;
    anyhow::ensure!(status == 201, "POST {path} answered {status}: {answer}");
    text_field(&answer, "id", &format!("POST {path}"))
}

/// The string `field` of `answer`, or an error naming `what` answered it.
fn text_field(answer: &Value, field: &str, what: &str) -> anyhow::Result<String> {
    answer
        .get(field)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .with_context(|| format!("{what} answered no {field}: {answer}"))
}

/// One HTTP request with `curl` (the xtask has no HTTP client): answers the
/// status and the JSON body (Null when empty or not JSON).
pub(crate) fn curl(
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> anyhow::Result<(u16, Value)> {
    let mut command = Command::new("curl");
    command.args(["-sS", "--max-time", "60", "-X", method, "-w", "\n%{http_code}"]);
    if let Some(token) = token {
        command.arg("-H").arg(format!("Authorization: Bearer {token}"));
    }
    if let Some(body) = body {
        command.args(["-H", "Content-Type: application/json", "-d"]).arg(body.to_string());
    }
    let output = command.arg(url).output().context("running curl")?;
    anyhow::ensure!(
        output.status.success(),
        "curl -X {method} {url} failed: {}",
        String::from_utf8_lossy(&output.stderr).trim()
    );
    let text = String::from_utf8_lossy(&output.stdout);
    let (answer, status) = text.rsplit_once('\n').context("curl printed no status line")?;
    let status: u16 =
        status.trim().parse().with_context(|| format!("reading curl's status {status:?}"))?;
    Ok((status, serde_json::from_str(answer).unwrap_or(Value::Null)))
}
