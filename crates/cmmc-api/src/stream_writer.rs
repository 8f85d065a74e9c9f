//! A blocking `Write` whose bytes become a streamed response body: a
//! writer on a blocking thread fills 64 KiB chunks and hands them over a
//! bounded channel, so a slow client slows the writer instead of memory
//! growing. When the client goes away, the next write fails and the
//! writer stops.

use std::io::Write;

use bytes::Bytes;
use futures_util::Stream;
use tokio::sync::mpsc;

const CHUNK: usize = 64 * 1024;

/// The writing end.
pub(crate) struct ChannelWriter {
    sender: mpsc::Sender<Result<Bytes, std::io::Error>>,
    buffer: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK)));
        self.sender.blocking_send(Ok(chunk)).map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away")
        })
    }

    /// Ends the stream with an error, so the client sees a cut-off body
    /// rather than a complete-looking one.
    pub(crate) fn fail(self, error: impl std::fmt::Display) {
        let error = std::io::Error::other(error.to_string());
        let _ = self.sender.blocking_send(Err(error));
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

/// A writer and the body stream it feeds.
pub(crate) fn channel() -> (ChannelWriter, impl Stream<Item = Result<Bytes, std::io::Error>>) {
    let (sender, receiver) = mpsc::channel(4);
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|item| (item, receiver))
    });
    (ChannelWriter { sender, buffer: Vec::with_capacity(CHUNK) }, stream)
}
