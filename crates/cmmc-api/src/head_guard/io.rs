//! The connection as actix-http sees it: bytes pass through once the head
//! they belong to has been inspected; a refused head is replaced by a
//! request of our own that the app answers with the problem.

use std::cell::Cell;
use std::future::Future as _;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

use super::inspect::{Framing, Rejection, Verdict, inspect};

/// The path of the request that stands in for a refused head.
pub(crate) const STAND_IN_PATH: &str = "/.well-known/cmmc-refused-request";

/// What actix-http reads in place of a refused head: it asks for the answer
/// and for the connection to close.
const STAND_IN: &[u8] = b"GET /.well-known/cmmc-refused-request HTTP/1.1\r\n\
host: localhost\r\nconnection: close\r\n\r\n";

/// How much one read takes from the socket.
const CHUNK: usize = 16 * 1024;

/// The refusal of a connection, shared with the app through the
/// connection's data; taken by the stand-in request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Refusal(Rc<Cell<Option<Rejection>>>);

impl Refusal {
    pub(crate) fn take(&self) -> Option<Rejection> {
        self.0.take()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting for (the rest of) a head.
    Head,
    /// Passing this many body bytes.
    Body(u64),
    /// Passing everything: actix-http frames what follows.
    Opaque,
    /// A head was refused: what the client sends is dropped.
    Refused,
    /// The client closed its side.
    Closed,
}

/// A connection whose request heads are inspected before actix-http reads
/// them.
pub(crate) struct Guarded<T> {
    inner: T,
    state: State,
    /// Read from the socket, not yet given to actix-http.
    pending: BytesMut,
    /// Ready for actix-http.
    ready: BytesMut,
    /// When the first head must have arrived; `None` once it has.
    first_head_by: Option<Pin<Box<Sleep>>>,
    refusal: Refusal,
}

impl<T> Guarded<T> {
    /// Wraps `inner`; its first head must arrive within `first_head_within`.
    pub(crate) fn new(inner: T, first_head_within: Duration) -> Self {
        Self {
            inner,
            state: State::Head,
            pending: BytesMut::new(),
            ready: BytesMut::new(),
            first_head_by: Some(Box::pin(tokio::time::sleep(first_head_within))),
            refusal: Refusal::default(),
        }
    }

    pub(crate) fn refusal(&self) -> Refusal {
        self.refusal.clone()
    }

    /// Moves what can be decided from `pending` to `ready`.
    fn decide(&mut self) {
        loop {
            match self.state {
                State::Head if self.pending.is_empty() => return,
                State::Head => match inspect(&self.pending) {
                    Verdict::Partial => return,
                    Verdict::Pass { len, framing } => {
                        self.ready.extend_from_slice(&self.pending.split_to(len));
                        self.first_head_by = None;
                        self.state = match framing {
                            Framing::None | Framing::Length(0) => State::Head,
                            Framing::Length(len) => State::Body(len),
                            Framing::Opaque => State::Opaque,
                        };
                    }
                    Verdict::Reject(rejection) => self.refuse(rejection),
                },
                State::Body(left) => {
                    if self.pending.is_empty() {
                        return;
                    }
                    let take = usize::try_from(left).unwrap_or(usize::MAX).min(self.pending.len());
                    self.ready.extend_from_slice(&self.pending.split_to(take));
                    let left = left - take as u64;
                    self.state = if left == 0 { State::Head } else { State::Body(left) };
                }
                State::Opaque => {
                    let rest = self.pending.split();
                    self.ready.extend_from_slice(&rest);
                    return;
                }
                State::Refused | State::Closed => {
                    self.pending.clear();
                    return;
                }
            }
        }
    }

    fn refuse(&mut self, rejection: Rejection) {
        tracing::info!(?rejection, "request head refused");
        self.refusal.0.set(Some(rejection));
        self.pending.clear();
        // After whatever earlier request is still to be read.
        self.ready.extend_from_slice(STAND_IN);
        self.first_head_by = None;
        self.state = State::Refused;
    }

    /// Whether the first head is overdue (registering the timer otherwise).
    fn overdue(&mut self, cx: &mut Context<'_>) -> bool {
        self.first_head_by.as_mut().is_some_and(|timer| timer.as_mut().poll(cx).is_ready())
    }
}

impl<T: AsyncRead + Unpin> Guarded<T> {
    /// Reads one chunk from the socket into `pending`; `Ok(0)` is its end.
    fn fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let mut chunk = [0_u8; CHUNK];
        let mut buf = ReadBuf::new(&mut chunk);
        ready!(Pin::new(&mut self.inner).poll_read(cx, &mut buf))?;
        self.pending.extend_from_slice(buf.filled());
        Poll::Ready(Ok(buf.filled().len()))
    }

    /// After a refusal: drops what the client still sends until it closes
    /// (or actix-http closes once it has answered).
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        for _ in 0..16 {
            if ready!(self.fill(cx))? == 0 {
                return Poll::Ready(Ok(()));
            }
            self.pending.clear();
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Guarded<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            this.decide();
            if !this.ready.is_empty() {
                let take = this.ready.len().min(buf.remaining());
                buf.put_slice(&this.ready.split_to(take));
                return Poll::Ready(Ok(()));
            }
            match this.state {
                State::Opaque => return Pin::new(&mut this.inner).poll_read(cx, buf),
                State::Refused => return this.drain(cx),
                State::Closed => return Poll::Ready(Ok(())),
                State::Head | State::Body(_) => {}
            }
            if this.state == State::Head && this.overdue(cx) {
                this.refuse(Rejection::Timeout);
                continue;
            }
            if ready!(this.fill(cx))? == 0 {
                // The client closed: actix-http gets what there is, then the end.
                let rest = this.pending.split();
                this.ready.extend_from_slice(&rest);
                this.state = State::Closed;
            }
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Guarded<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
