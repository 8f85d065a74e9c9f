//! Building and running the server: connect, migrate, seed, load the
//! catalogue, listen.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::middleware::{DefaultHeaders, Next, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context as _;
use sea_orm::DatabaseConnection;

use cmmc_services::{Keys, Services};

use crate::Settings;
use crate::catalog_cache::CatalogCache;
use crate::routes;

/// What every handler shares. Nothing here is state another server would need:
/// the database is the only source of truth, and the catalogue is a cache of it.
pub struct AppState {
    pub services: Services,
    /// The longest a request waits on the database before it answers 503.
    pub request_timeout: Duration,
    pub database_url: String,
    pub catalog: Arc<CatalogCache>,
}

/// A built server, listening, not yet running.
pub struct Application {
    port: u16,
    server: Server,
    refresher: tokio::task::JoinHandle<()>,
    sweeper: tokio::task::JoinHandle<()>,
}

impl Application {
    /// Connects, migrates, seeds (when `auto_seed`), loads the catalogue and binds.
    ///
    /// # Errors
    /// When any of those steps fails; the message says which.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let started = Instant::now();
        let url = settings.database_url.clone();
        let request_timeout = Duration::from_secs(settings.request_timeout_secs);
        let db = cmmc_store::connect_with(&url, settings.db_max_connections, request_timeout)
            .await
            .with_context(|| {
                format!("opening the database {}", cmmc_store::connect::redact(&url))
            })?;
        migration::migrate_up(&db).await.context("migrating the database")?;
        if settings.auto_seed {
            let report = cmmc_seed::seed_from(&db, settings.data_dir.as_deref())
                .await
                .context("seeding the reference data")?;
            tracing::info!(%report, "reference data seeded");
        }
        let catalog = Arc::new(CatalogCache::load(&db).await.context("loading the catalogue")?);
        let keys = Keys::derive(&settings.server_secret()?).context("the server secret")?;
        cmmc_services::evidence::ensure_upload_dir(&settings.upload_dir).with_context(|| {
            format!("upload_dir (CMMC_UPLOAD_DIR) {}", settings.upload_dir.display())
        })?;
        let stale_after = Duration::from_secs(settings.upload_stale_secs);
        sweep_uploads(&db, &settings.upload_dir, stale_after).await;
        let services =
            Services::with_evidence(db.clone(), keys, settings.auth(), settings.evidence())
                .await
                .context("the sign-in settings")?
                .with_datapact(settings.datapact())
                .with_secret_configured(settings.secret_key.is_some());
        let addr =
            settings.bind_addr().with_context(|| format!("bind address {:?}", settings.bind))?;
        let listener = TcpListener::bind(addr).with_context(|| format!("listening on {addr}"))?;
        let port = listener.local_addr().context("reading the bound address")?.port();

        let state = web::Data::new(AppState {
            services,
            request_timeout,
            database_url: url,
            catalog: Arc::clone(&catalog),
        });
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .configure(routes::configure)
                .wrap(from_fn(move |request, next| {
                    crate::deadline::bounded(request_timeout, request, next)
                }))
                .wrap(DefaultHeaders::new().add(("X-Content-Type-Options", "nosniff")))
                .wrap(from_fn(log_request))
        })
        .listen(listener)
        .context("starting the HTTP server")?;
        if settings.workers > 0 {
            server = server.workers(settings.workers);
        }
        let server = server.shutdown_timeout(settings.shutdown_grace_secs).run();

        let every = Duration::from_secs(settings.catalog_refresh_secs);
        let refresher = tokio::spawn(refresh_catalog(catalog, db.clone(), every));
        let sweeper =
            tokio::spawn(sweep_periodically(db, settings.upload_dir.clone(), stale_after));
        tracing::info!(port, elapsed_ms = started.elapsed().as_millis(), "listening");
        Ok(Self { port, server, refresher, sweeper })
    }

    /// The port the server listens on.
    #[must_use]
    pub const fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the process is told to stop.
    ///
    /// # Errors
    /// When the server fails.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let res = self.server.await;
        self.refresher.abort();
        self.sweeper.abort();
        res
    }
}

/// Reloads the catalogue whenever the seeded checksum changes.
async fn refresh_catalog(catalog: Arc<CatalogCache>, db: DatabaseConnection, every: Duration) {
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        match catalog.refresh_if_changed(&db).await {
            Ok(true) => tracing::info!("reference data changed; catalogue reloaded"),
            Ok(false) => {}
            Err(err) => tracing::warn!(error = %err, "could not check the reference data version"),
        }
    }
}

/// Removes what killed uploads left behind, and logs it.
async fn sweep_uploads(db: &DatabaseConnection, dir: &std::path::Path, stale_after: Duration) {
    match cmmc_services::file_store::sweep(db, dir, stale_after, false).await {
        Ok(report) if report.stale_temporary.is_empty() && report.unreferenced.is_empty() => {}
        Ok(report) => tracing::warn!(
            stale_temporary = ?report.stale_temporary,
            unreferenced = ?report.unreferenced,
            bytes = report.bytes,
            "removed files of unfinished uploads from the upload directory"
        ),
        Err(err) => tracing::warn!(error = %err, "could not sweep the upload directory"),
    }
}

/// Sweeps the upload directory every half of `stale_after`.
async fn sweep_periodically(
    db: DatabaseConnection,
    dir: std::path::PathBuf,
    stale_after: Duration,
) {
    let every = (stale_after / 2).max(Duration::from_secs(1));
    let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        sweep_uploads(&db, &dir, stale_after).await;
    }
}

/// One log line per request: method, path, status, duration.
async fn log_request(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.path().to_owned();
    let res = next.call(request).await;
    let micros = started.elapsed().as_micros();
    match &res {
        Ok(response) => {
            tracing::info!(%method, %path, status = response.status().as_u16(), duration_us = micros, "request");
        }
        Err(err) => {
            tracing::warn!(%method, %path, error = %err, duration_us = micros, "request failed")
        }
    }
    res
}
