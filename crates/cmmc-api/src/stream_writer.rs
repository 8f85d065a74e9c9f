//! A blocking `Write` whose bytes become a streamed response body: a
//! writer on a blocking thread fills 64 KiB chunks and hands them over a
//! bounded channel, so a slow client slows the writer instead of memory
//! growing. When the client goes away, or stops reading for a minute, the
//! next write fails and the writer stops, freeing its thread.

use std::io::Write;

use bytes::Bytes;
use futures_util::Stream;
use tokio::sync::mpsc;

const CHUNK: usize = 64 * 1024;
/// How long a chunk may wait for a client that stopped reading.
const STALLED: std::time::Duration = std::time::Duration::from_secs(60);

/// The writing end.
pub(crate) struct ChannelWriter {
    sender: mpsc::Sender<Result<Bytes, std::io::Error>>,
    buffer: Vec<u8>,
    runtime: tokio::runtime::Handle,
}

impl ChannelWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK)));
        // A client that stops reading frees this thread after STALLED.
        self.runtime.block_on(self.sender.send_timeout(Ok(chunk), STALLED)).map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away or stalled")
        })
    }

    /// Ends the stream with an error, so the client sees a cut-off body
    /// rather than a complete-looking one.
    pub(crate) fn fail(self, error: impl std::fmt::Display) {
        let error = std::io::Error::other(error.to_string());
        let _ = self.runtime.block_on(self.sender.send_timeout(Err(error), STALLED));
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

/// A writer (to move to a blocking thread) and the body stream it feeds.
/// Call it on the runtime.
pub(crate) fn channel() -> (ChannelWriter, impl Stream<Item = Result<Bytes, std::io::Error>>) {
    let (sender, receiver) = mpsc::channel(4);
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|item| (item, receiver))
    });
    let runtime = tokio::runtime::Handle::current();
    (ChannelWriter { sender, buffer: Vec::with_capacity(CHUNK), runtime }, stream)
}
