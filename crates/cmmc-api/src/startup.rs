//! Building and running the server: start the services (`cmmc_bootstrap`),
//! load the catalogue, listen.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::{Duration, Instant};

use std::future::ready;

use actix_http::{Extensions, HttpService, KeepAlive, Request, Response, error::DispatchError};
use actix_service::{
    IntoServiceFactory, ServiceFactory, ServiceFactoryExt as _, fn_service, map_config,
};
use actix_web::body::MessageBody;
use actix_web::dev::{AppConfig, Server, ServiceRequest, ServiceResponse};
use tokio::net::TcpStream;

use crate::head_guard::Guarded;
use actix_web::middleware::{DefaultHeaders, Next, from_fn};
use actix_web::{App, web};
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
        let web_state = web::Data::new(cmmc_web::WebState::new(
            services.clone(),
            web_settings(&settings),
            catalog_source(Arc::clone(&catalog)),
        ));
        let server = serve(listener, &settings, move || {
            App::new()
                .app_data(state.clone())
                .app_data(web_state.clone())
                .configure(routes::configure)
                .configure(cmmc_web::configure)
                .wrap(from_fn(move |request, next| {
                    crate::deadline::bounded(request_timeout, request, next)
                }))
                .wrap(from_fn(crate::head_guard::answer))
                .wrap(DefaultHeaders::new().add(("X-Content-Type-Options", "nosniff")))
                .wrap(from_fn(log_request))
        })?;

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

/// What the web interface needs of the settings.
fn web_settings(settings: &Settings) -> cmmc_web::WebSettings {
    cmmc_web::WebSettings {
        secure_cookies: settings.served_over_tls(),
        session_ttl_secs: i64::try_from(settings.refresh_token_ttl_secs).unwrap_or(i64::MAX),
        request_timeout: Duration::from_secs(settings.request_timeout_secs),
    }
}

/// The web pages read the catalogue from the API's cache of it.
fn catalog_source(catalog: Arc<CatalogCache>) -> cmmc_web::CatalogSource {
    Arc::new(move || -> Arc<dyn AsRef<cmmc_services::catalog::Catalog> + Send + Sync> {
        catalog.get()
    })
}

/// How long a new connection has to send its first request head before it
/// is answered 408; actix-http's own limit is set a little later, so the
/// answer is ours ([`crate::head_guard`]).
const FIRST_HEAD_WITHIN: Duration = Duration::from_secs(5);

/// Serves the app on `listener` over HTTP/1.1, with each connection's heads
/// inspected ([`crate::head_guard`]). What `actix_web::HttpServer` does,
/// with that wrapper: it has no place for one.
fn serve<F, I, S, B>(listener: TcpListener, settings: &Settings, app: F) -> anyhow::Result<Server>
where
    F: Fn() -> I + Send + Clone + 'static,
    I: IntoServiceFactory<S, Request>,
    S: ServiceFactory<Request, Config = AppConfig, Error = actix_web::Error> + 'static,
    S::InitError: std::fmt::Debug,
    S::Response: Into<Response<B>> + 'static,
    B: MessageBody + 'static,
{
    let local = listener.local_addr().context("reading the bound address")?;
    let mut builder = actix_server::Server::build();
    let shutdown = builder.graceful_shutdown_signal();
    builder = builder
        .listen(format!("cmmc-api-{local}"), listener, move || {
            let shutdown = shutdown.clone();
            let app = app().into_factory().map_err(|err| err.error_response());
            let http = HttpService::build()
                // What HttpServer does: idle keep-alive connections close
                // when a graceful shutdown starts.
                .graceful_shutdown_signal(move || {
                    let shutdown = shutdown.clone();
                    async move { shutdown.notified().await }
                })
                .keep_alive(KeepAlive::default())
                .client_request_timeout(FIRST_HEAD_WITHIN + Duration::from_secs(2))
                .client_disconnect_timeout(Duration::from_secs(1))
                .h1_allow_half_closed(true)
                .local_addr(local)
                .on_connect_ext(|io: &Guarded<TcpStream>, data: &mut Extensions| {
                    data.insert(io.refusal());
                })
                .h1(map_config(app, move |()| app_config(local)));
            fn_service(|stream: TcpStream| {
                let peer = stream.peer_addr().ok();
                ready(Ok::<_, DispatchError>((Guarded::new(stream, FIRST_HEAD_WITHIN), peer)))
            })
            .and_then(http)
        })
        .context("starting the HTTP server")?;
    if settings.workers > 0 {
        builder = builder.workers(settings.workers);
    }
    Ok(builder.shutdown_timeout(settings.shutdown_grace_secs).run())
}

/// The app's view of the connection: plain HTTP on `local`, named by it, as
/// `HttpServer` makes it. (actix-web exposes no other constructor that takes
/// the address; the version is pinned by Cargo.lock.)
fn app_config(local: SocketAddr) -> AppConfig {
    AppConfig::__priv_test_new(false, local.to_string(), local)
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
