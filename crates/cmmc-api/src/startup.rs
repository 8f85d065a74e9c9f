//! Building and running the server: start the services (`cmmc_bootstrap`),
//! load the catalogue, listen.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::middleware::{DefaultHeaders, Next, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context as _;
use cmmc_services::Services;

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
        let services = cmmc_bootstrap::start(&settings).await?;
        let catalog =
            Arc::new(CatalogCache::load(&services).await.context("loading the catalogue")?);
        let request_timeout = Duration::from_secs(settings.request_timeout_secs);
        let stale_after = Duration::from_secs(settings.upload_stale_secs);
        let url = settings.database_url.clone();
        let addr =
            settings.bind_addr().with_context(|| format!("bind address {:?}", settings.bind))?;
        let listener = TcpListener::bind(addr).with_context(|| format!("listening on {addr}"))?;
        let port = listener.local_addr().context("reading the bound address")?.port();

        let state = web::Data::new(AppState {
            services: services.clone(),
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
        let refresher = tokio::spawn(refresh_catalog(catalog, services.clone(), every));
        let sweeper = tokio::spawn(sweep_periodically(services, stale_after));
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
async fn refresh_catalog(catalog: Arc<CatalogCache>, services: Services, every: Duration) {
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        match catalog.refresh_if_changed(&services).await {
            Ok(true) => tracing::info!("reference data changed; catalogue reloaded"),
            Ok(false) => {}
            Err(err) => tracing::warn!(error = %err, "could not check the reference data version"),
        }
    }
}

/// Sweeps the upload directory every half of `stale_after`.
async fn sweep_periodically(services: Services, stale_after: Duration) {
    let every = (stale_after / 2).max(Duration::from_secs(1));
    let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        services.sweep_and_log(stale_after).await;
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
