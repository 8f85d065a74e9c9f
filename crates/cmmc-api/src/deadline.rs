//! Every request answers within a bounded time: one that has not produced
//! its answer within `request_timeout` (a database that froze, a connection
//! that went silent) answers 503 `/problems/unavailable` with `Retry-After`,
//! and what it was waiting on is dropped, so its connection goes back to the
//! pool to be tested and, if it does not answer, closed.
//!
//! An upload's body may take longer to arrive than a query may take: its
//! handler bounds its own database calls instead. A download's body streams
//! after its answer has begun, unbounded. Calls to DataPact have their own
//! timeouts (per call, and a Retry-After honoured once), so its routes are
//! not cut off here either.

use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use crate::error::{ApiError, ProblemKind};

/// The answer of a request that ran out of time.
pub(crate) fn timed_out() -> ApiError {
    ApiError::new(
        ProblemKind::Unavailable,
        "the database did not answer in time; try again shortly",
    )
}

/// The routes whose handlers bound their own waits: evidence uploads and the
/// DataPact calls. Judged by method and path, never by a header the client
/// chooses.
fn bounded_elsewhere(request: &ServiceRequest) -> bool {
    let path = request.path();
    let post = request.method() == actix_web::http::Method::POST;
    let get = request.method() == actix_web::http::Method::GET;
    (post && path.starts_with("/api/assessments/") && path.ends_with("/evidence"))
        || (post && path.starts_with("/api/assessments/") && path.ends_with("/datapact/sync"))
        || (get && path.starts_with("/api/organizations/") && path.ends_with("/datapact/contracts"))
        || cmmc_web::bounds_its_own_waits(request.method().as_str(), path)
}

/// The middleware. A timeout is answered as an error, which actix-web turns
/// into the problem answer.
pub(crate) async fn bounded(
    limit: Duration,
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if bounded_elsewhere(&request) {
        return next.call(request).await;
    }
    let path = request.path().to_owned();
    match tokio::time::timeout(limit, next.call(request)).await {
        Ok(answer) => answer,
        Err(_) => {
            tracing::warn!(%path, "request timed out waiting on the database");
            Err(timed_out().into())
        }
    }
}
