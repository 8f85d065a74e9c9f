//! The test harness: a fresh database per test (a SQLite file, or a PostgreSQL
//! database created on the server named by `TEST_DATABASE_URL` and dropped
//! afterwards), and the real server on a random port.
//!
//! Every database test runs twice, through [`db_test!`]: on SQLite always, and
//! on PostgreSQL when `TEST_DATABASE_URL` is set; without it the PostgreSQL
//! run says it was skipped. Logs are quiet unless `TEST_LOG` is set.

#![expect(clippy::expect_used, reason = "test harness: a failure to set up is a failed test")]

pub mod proxy;

use std::path::PathBuf;
use std::sync::Once;

use cmmc_api::{Application, Settings};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestBackend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server for tests, if configured.
#[must_use]
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL").ok().filter(|url| !url.trim().is_empty())
}

/// Says, past the test runner's output capture, that a PostgreSQL run was skipped.
pub fn say_skipped() {
    use std::io::Write as _;
    // libtest captures print!/eprint!, not direct writes to the stderr handle.
    let _ = writeln!(
        std::io::stderr(),
        "skipped: TEST_DATABASE_URL is not set, so this PostgreSQL run did not happen"
    );
}

/// The workspace root.
#[must_use]
pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The reference data shipped in `data/cmmc`.
#[must_use]
pub fn data_dir() -> PathBuf {
    project_root().join("data").join("cmmc")
}

fn init_logging() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            let _ = cmmc_api::telemetry::init("info");
        }
    });
}

/// A database that exists for one test.
pub struct TestDb {
    pub backend: TestBackend,
    pub url: String,
    /// The SQLite file, when SQLite.
    pub sqlite_path: Option<PathBuf>,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

/// `admin_url` with its database name replaced by `name`.
fn with_database(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (admin_url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

impl TestDb {
    /// Creates a fresh, empty database; `None` (after saying so) when the
    /// backend is PostgreSQL and `TEST_DATABASE_URL` is not set.
    ///
    /// # Panics
    /// When the database cannot be created: a test harness failure.
    pub async fn create(backend: TestBackend) -> Option<Self> {
        init_logging();
        match backend {
            TestBackend::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary directory");
                let path = dir.path().join("cmmc-test.db");
                Some(Self {
                    backend,
                    url: format!("sqlite://{}", path.display()),
                    sqlite_path: Some(path),
                    _dir: Some(dir),
                    postgres: None,
                })
            }
            TestBackend::Postgres => {
                let Some(admin_url) = postgres_admin_url() else {
                    eprintln!(
                        "skipped: TEST_DATABASE_URL is not set, so this PostgreSQL run did not happen"
                    );
                    return None;
                };
                let name = format!("cmmc_test_{}", uuid::Uuid::new_v4().simple());
                let admin =
                    Database::connect(&admin_url).await.expect("connecting to TEST_DATABASE_URL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("creating a test database");
                let _ = admin.close().await;
                Some(Self {
                    backend,
                    url: with_database(&admin_url, &name),
                    sqlite_path: None,
                    _dir: None,
                    postgres: Some((admin_url, name)),
                })
            }
        }
    }

    /// A directory for this test's evidence files.
    #[must_use]
    pub fn upload_dir(&self) -> String {
        let base = self._dir.as_ref().map_or_else(std::env::temp_dir, |d| d.path().to_path_buf());
        let name = self
            .postgres
            .as_ref()
            .map_or_else(|| "uploads".to_owned(), |(_, db)| format!("uploads-{db}"));
        base.join(name).display().to_string()
    }

    /// A new connection pool to this database.
    ///
    /// # Panics
    /// When it cannot connect.
    pub async fn connect(&self) -> DatabaseConnection {
        cmmc_store::connect(&self.url, 5).await.expect("connecting to the test database")
    }

    /// PostgreSQL: drops the database under whoever uses it (terminating their
    /// connections). Returns false on SQLite.
    ///
    /// # Panics
    /// When PostgreSQL refuses.
    pub async fn drop_postgres_database(&self) -> bool {
        let Some((admin_url, name)) = &self.postgres else { return false };
        let admin = Database::connect(admin_url).await.expect("connecting to TEST_DATABASE_URL");
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await
            .expect("dropping");
        let _ = admin.close().await;
        true
    }

    /// PostgreSQL: creates the database again (empty).
    ///
    /// # Panics
    /// When PostgreSQL refuses.
    pub async fn recreate_postgres_database(&self) {
        if let Some((admin_url, name)) = &self.postgres {
            let admin =
                Database::connect(admin_url).await.expect("connecting to TEST_DATABASE_URL");
            admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("creating");
            let _ = admin.close().await;
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else { return };
        // Drop runs inside the test's runtime, which cannot be blocked on; a
        // thread with its own small runtime drops the database.
        let handle = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build()
            else {
                return;
            };
            runtime.block_on(async move {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    let _ = admin.close().await;
                }
            });
        });
        let _ = handle.join();
    }
}

/// The real server, started for one test.
pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub db: TestDb,
    pub settings: Settings,
}

/// The password of every account the tests create.
pub const PASSWORD: &str = "correct horse battery staple";

/// An HTTP answer: status, parsed JSON body (Null when empty), headers.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: serde_json::Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Answer {
    /// A header's value, or "".
    #[must_use]
    pub fn header(&self, name: &str) -> String {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
    }
}

/// The server secret of test servers.
pub const TEST_SECRET: &str = "test-secret-for-the-audit-chain-0123456789";

/// Settings for a test server on `db`: port 0, quiet logs, fast catalogue refresh.
#[must_use]
pub fn test_settings(db: &TestDb, extra: &[(&'static str, &str)]) -> Settings {
    let mut overrides: Vec<(&str, Option<String>)> = vec![
        ("database_url", Some(db.url.clone())),
        ("bind", Some("127.0.0.1:0".to_owned())),
        ("data_dir", Some(data_dir().display().to_string())),
        ("log", Some("warn".to_owned())),
        ("catalog_refresh_secs", Some("1".to_owned())),
        ("workers", Some("2".to_owned())),
        ("db_max_connections", Some("5".to_owned())),
        ("secret_key", Some(TEST_SECRET.to_owned())),
        ("upload_dir", Some(db.upload_dir())),
        // The local DataPact stand-in listens on loopback.
        ("outbound_allow", Some("127.0.0.1".to_owned())),
    ];
    for (key, value) in extra {
        overrides.push((key, Some((*value).to_owned())));
    }
    Settings::from_sources(None, &overrides).expect("valid test settings")
}

/// Starts the server on `settings` and returns its port.
///
/// # Panics
/// When the server does not start.
pub async fn start_server(settings: Settings) -> u16 {
    let application = Application::build(settings).await.expect("the server starts");
    let port = application.port();
    tokio::spawn(application.run_until_stopped());
    port
}

/// A fresh database and the real server on it, or `None` for a skipped
/// PostgreSQL run.
///
/// # Panics
/// When the server does not start.
pub async fn spawn_app(backend: TestBackend) -> Option<TestApp> {
    spawn_app_with(backend, &[]).await
}

/// [`spawn_app`] with settings overridden, e.g. `[("lockout_secs", "2")]`.
///
/// # Panics
/// When the server does not start.
pub async fn spawn_app_with(
    backend: TestBackend,
    extra: &[(&'static str, &str)],
) -> Option<TestApp> {
    let db = TestDb::create(backend).await?;
    let settings = test_settings(&db, extra);
    let port = start_server(settings.clone()).await;
    Some(TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client"),
        db,
        settings,
    })
}

impl TestApp {
    /// Sends `method path` with an optional bearer token and JSON body.
    ///
    /// # Panics
    /// When the request cannot be sent.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut request = self.client.request(method, format!("{}{path}", self.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("body read");
        Answer {
            status,
            body: serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
            headers,
        }
    }

    /// Creates the first system administrator (as `cargo xtask create-admin` does)
    /// and signs in; returns the access token.
    ///
    /// # Panics
    /// When either fails.
    pub async fn admin_token(&self) -> String {
        cmmc_api::ops::create_admin(&self.settings, "root", "root@example.com", PASSWORD)
            .await
            .expect("admin created");
        self.login("root", PASSWORD).await
    }

    /// Signs in; returns the access token.
    ///
    /// # Panics
    /// When the login fails.
    pub async fn login(&self, username: &str, password: &str) -> String {
        let answer = self
            .call(
                "POST",
                "/api/auth/login",
                None,
                Some(serde_json::json!({ "username": username, "password": password })),
            )
            .await;
        assert_eq!(answer.status, 200, "login of {username}: {:?}", answer.body);
        answer.body["access_token"].as_str().expect("an access token").to_owned()
    }

    /// Creates an organisation as `token`; returns its id.
    ///
    /// # Panics
    /// When it fails.
    pub async fn create_org(&self, token: &str, name: &str) -> String {
        let answer = self
            .call(
                "POST",
                "/api/organizations",
                Some(token),
                Some(serde_json::json!({ "name": name, "target_level": 2 })),
            )
            .await;
        assert_eq!(answer.status, 201, "{:?}", answer.body);
        answer.body["id"].as_str().expect("an id").to_owned()
    }

    /// Creates a user with `roles` in `org_id` as `token`; returns its id.
    ///
    /// # Panics
    /// When it fails.
    pub async fn create_user(
        &self,
        token: &str,
        org_id: &str,
        username: &str,
        roles: &[&str],
    ) -> String {
        let answer = self
            .call(
                "POST",
                &format!("/api/organizations/{org_id}/users"),
                Some(token),
                Some(serde_json::json!({
                    "username": username,
                    "email": format!("{username}@example.com"),
                    "password": PASSWORD,
                    "roles": roles,
                })),
            )
            .await;
        assert_eq!(answer.status, 201, "{:?}", answer.body);
        answer.body["id"].as_str().expect("an id").to_owned()
    }

    /// GET `path`, answering the status and the parsed JSON body (Null when empty or not JSON).
    ///
    /// # Panics
    /// When the request cannot be sent.
    pub async fn get(&self, path: &str) -> (u16, serde_json::Value, String) {
        let response =
            self.client.get(format!("{}{path}", self.address)).send().await.expect("request sent");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = response.bytes().await.expect("body read");
        (status, serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null), content_type)
    }
}

/// Declares a test that runs on SQLite and, when configured, PostgreSQL:
/// `db_test!(async fn name(backend) { ... })` makes `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! db_test {
    ($(#[$meta:meta])* async fn $name:ident($backend:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let $backend = $crate::TestBackend::Sqlite;
                $body
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if $crate::postgres_admin_url().is_none() {
                    $crate::say_skipped();
                    return;
                }
                let $backend = $crate::TestBackend::Postgres;
                $body
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_database_urls_keep_host_and_options() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u:p@h/test?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
    }
}
