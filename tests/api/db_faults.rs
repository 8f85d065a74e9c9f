//! Database faults through a TCP proxy between the server and PostgreSQL:
//! connections the database ends, and connections that go silent. The
//! server answers 503 meanwhile (never 500, never a hang) and recovers by
//! itself.

use std::time::{Duration, Instant};

use cmmc_tests::proxy::FaultProxy;
use cmmc_tests::{TestApp, TestBackend, TestDb, start_server, test_settings};

/// A proxy to the test PostgreSQL server, the server on a fresh database
/// reached through it, and a system administrator's token; `None` (said)
/// without `TEST_DATABASE_URL`.
async fn app_behind_proxy() -> Option<(FaultProxy, TestApp, String)> {
    if cmmc_tests::postgres_admin_url().is_none() {
        cmmc_tests::say_skipped();
        return None;
    }
    let proxy = FaultProxy::start("127.0.0.1:5432").await;
    let app = app_behind(&proxy).await?;
    let token = app.admin_token().await;
    Some((proxy, app, token))
}

/// The server on a fresh PostgreSQL database reached through `proxy`.
async fn app_behind(proxy: &FaultProxy) -> Option<TestApp> {
    let db = TestDb::create(TestBackend::Postgres).await?;
    let url = db.url.replace("127.0.0.1:5432", &format!("127.0.0.1:{}", proxy.port()));
    assert_ne!(url, db.url, "the test database is at 127.0.0.1:5432");
    let settings = test_settings(&db, &[("request_timeout_secs", "2")]);
    let mut settings = settings;
    settings.database_url = url;
    let port = start_server(settings.clone()).await;
    Some(TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        client: reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap(),
        db,
        settings,
    })
}

/// Asks `GET /api/auth/me` until it answers 200 or `within` passes; every
/// answer on the way must be a 503 problem with Retry-After.
async fn until_recovered(app: &TestApp, token: &str, within: Duration) -> Duration {
    let started = Instant::now();
    loop {
        let answer = app.call("GET", "/api/auth/me", Some(token), None).await;
        if answer.status == 200 {
            return started.elapsed();
        }
        assert_eq!(answer.status, 503, "{:?}", answer.body);
        assert_eq!(answer.body["type"], "/problems/unavailable");
        assert!(!answer.header("retry-after").is_empty());
        assert!(started.elapsed() < within, "not recovered within {within:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminated_connections_answer_503_and_are_replaced() {
    let Some((proxy, app, token)) = app_behind_proxy().await else { return };
    for _ in 0..3 {
        assert_eq!(app.call("GET", "/api/auth/me", Some(&token), None).await.status, 200);
        assert!(proxy.open_connections() > 0);
        proxy.kill_all();
        let answers = futures_util::future::join_all(
            (0..8).map(|_| app.call("GET", "/api/organizations", Some(&token), None)),
        )
        .await;
        for answer in &answers {
            assert!([200, 503].contains(&answer.status), "{} {:?}", answer.status, answer.body);
        }
        until_recovered(&app, &token, Duration::from_secs(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_database_answers_in_bounded_time_and_the_server_recovers() {
    let Some((proxy, app, token)) = app_behind_proxy().await else { return };
    // Open several pooled connections, then let them go silent.
    let warm = (0..5).map(|_| app.call("GET", "/api/organizations", Some(&token), None));
    futures_util::future::join_all(warm).await;
    proxy.freeze();
    let started = Instant::now();
    let in_flight = (0..6).map(|_| app.call("GET", "/api/organizations", Some(&token), None));
    let answers = futures_util::future::join_all(in_flight).await;
    let waited = started.elapsed();
    for answer in &answers {
        assert!([200, 503].contains(&answer.status), "{} {:?}", answer.status, answer.body);
    }
    assert!(waited < Duration::from_secs(8), "requests in flight hung for {waited:?}");
    // The frozen connections stay frozen; new ones work: the server must
    // drop the silent ones and carry on without a restart.
    until_recovered(&app, &token, Duration::from_secs(20)).await;
    let diag = app.call("GET", "/api/diag/db", None, None).await;
    assert_eq!(diag.status, 200, "{:?}", diag.body);
    proxy.thaw();
}
