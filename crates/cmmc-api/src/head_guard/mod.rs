//! Request heads that actix-http would refuse with a bare status (a head it
//! cannot parse, a URI over 64 KiB, too many or too large header fields, a
//! first head that does not arrive in time) are refused as problem+json.
//!
//! actix-http's HTTP/1 dispatcher writes those answers itself, before any
//! app code runs, and has no hook for them. So every connection is wrapped
//! ([`Guarded`]): heads are inspected with actix-http's own rules
//! ([`inspect`]) before actix-http reads them, bodies are passed through by
//! their length, and a refused head is replaced by a stand-in request that
//! [`answer`] (the outermost middleware but the log) turns into the
//! problem. The connection then closes, as it would have.
//!
//! Chunked bodies, upgrades and tunnels end the inspection of their
//! connection: actix-http frames what follows, and its own answers apply.

mod inspect;
mod io;

use actix_web::ResponseError as _;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

pub(crate) use inspect::Rejection;
pub(crate) use io::Guarded;
pub(crate) use io::Refusal;

use crate::error::{ApiError, ProblemKind};

/// Answers the stand-in of a refused head; passes everything else on.
pub(crate) async fn answer(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let refused = if request.path() == io::STAND_IN_PATH {
        request.conn_data::<Refusal>().and_then(Refusal::take)
    } else {
        None
    };
    match refused {
        Some(rejection) => {
            let response = ApiError::from(rejection).error_response().map_into_right_body();
            Ok(request.into_response(response))
        }
        None => Ok(next.call(request).await?.map_into_left_body()),
    }
}

impl From<Rejection> for ApiError {
    fn from(rejection: Rejection) -> Self {
        match rejection {
            Rejection::Malformed(what) => Self::new(
                ProblemKind::MalformedRequest,
                format!("the request is not valid HTTP/1.1: {what}"),
            ),
            Rejection::UriTooLong => {
                Self::new(ProblemKind::UriTooLong, "the request target is longer than 65,534 bytes")
            }
            Rejection::HeadTooLarge => Self::new(
                ProblemKind::HeadersTooLarge,
                "the request head has more than 96 header fields or is over 128 KiB",
            ),
            Rejection::Timeout => {
                Self::new(ProblemKind::RequestTimeout, "the request head did not arrive in time")
            }
        }
    }
}
