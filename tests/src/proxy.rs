//! A small TCP proxy to put between the server and PostgreSQL, to simulate
//! database faults: a silent network stall ([`FaultProxy::freeze`]) and
//! backends that go away ([`FaultProxy::kill_all`]).
//!
//! Every accepted connection gets a generation number (0, 1, 2, …) and
//! remembers the kill epoch it was accepted in. Shared state says which
//! generations are frozen (those below `frozen_below`) and the current kill
//! epoch; each direction of a connection forwards with a loop of read → wait
//! while frozen (holding the bytes) → write, so nothing busy-loops. The proxy
//! keeps a duplicate handle of every socket, so [`FaultProxy::kill_all`] shuts
//! the sockets down at once, before it returns, rather than whenever the
//! connection's task next runs.

use std::collections::HashMap;
use std::io;
use std::net::Shutdown;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::AbortHandle;

/// How much one direction of a connection reads (and, when frozen, holds) at a time.
const BUFFER_SIZE: usize = 16 * 1024;

/// A TCP proxy on `127.0.0.1:<random port>` forwarding to an upstream address
/// (e.g. "127.0.0.1:5432"). Dropping it stops it, like [`FaultProxy::stop`].
#[derive(Debug)]
#[must_use = "dropping the proxy stops it"]
pub struct FaultProxy {
    port: u16,
    shared: Arc<Shared>,
    accept_loop: AbortHandle,
}

impl FaultProxy {
    /// Listens on 127.0.0.1 on a random port and forwards every connection to
    /// `upstream`, on the current tokio runtime.
    pub async fn start(upstream: &str) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binding the fault proxy");
        let port = listener.local_addr().expect("the fault proxy's address").port();
        let shared = Arc::new(Shared {
            upstream: upstream.to_owned(),
            control: watch::Sender::new(Control::default()),
            registry: Mutex::default(),
        });
        let accept_loop =
            tokio::spawn(accept_connections(listener, Arc::clone(&shared))).abort_handle();
        FaultProxy { port, shared, accept_loop }
    }

    /// The port the proxy listens on (on 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Existing connections stop forwarding bytes in both directions, silently:
    /// the sockets stay open and nothing is closed, like a half-open network
    /// (read data, end of stream and errors are all held until [`thaw`]).
    /// Connections accepted after this are forwarded normally, unless
    /// [`set_freeze_new`] is on.
    ///
    /// [`thaw`]: FaultProxy::thaw
    /// [`set_freeze_new`]: FaultProxy::set_freeze_new
    pub fn freeze(&self) {
        let registry = self.shared.lock();
        let next_generation = registry.next_generation;
        self.shared.control.send_modify(|control| control.frozen_below = next_generation);
    }

    /// While on, every newly accepted connection is frozen from the start (it
    /// does not even connect upstream) until [`thaw`](FaultProxy::thaw).
    pub fn set_freeze_new(&self, on: bool) {
        self.shared.lock().freeze_new = on;
    }

    /// Frozen connections forward again, including the bytes they held; this
    /// also turns [`set_freeze_new`](FaultProxy::set_freeze_new) off.
    pub fn thaw(&self) {
        let mut registry = self.shared.lock();
        registry.freeze_new = false;
        self.shared.control.send_modify(|control| control.frozen_below = 0);
    }

    /// Closes every connection open now, frozen or not, at once and on both
    /// sides (client and upstream), like a terminated backend. Connections
    /// accepted afterwards work normally.
    pub fn kill_all(&self) {
        self.shared.kill_all(false);
    }

    /// How many connections are open through the proxy now.
    pub fn open_connections(&self) -> usize {
        self.shared.lock().connections.len()
    }

    /// Stops accepting and closes every connection. Also done on drop.
    pub fn stop(&self) {
        self.accept_loop.abort();
        self.shared.kill_all(true);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop();
    }
}

/// State shared by the proxy handle, its accept loop and its connections.
#[derive(Debug)]
struct Shared {
    upstream: String,
    /// What connections wait on: freezing and killing.
    control: watch::Sender<Control>,
    registry: Mutex<Registry>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Control {
    /// Connections whose generation is below this are frozen.
    frozen_below: u64,
    /// Connections accepted in an earlier epoch have been killed.
    kill_epoch: u64,
}

impl Control {
    fn is_frozen(&self, generation: u64) -> bool {
        generation < self.frozen_below
    }

    fn is_killed(&self, epoch: u64) -> bool {
        self.kill_epoch != epoch
    }
}

#[derive(Debug, Default)]
struct Registry {
    next_generation: u64,
    freeze_new: bool,
    stopped: bool,
    /// The open connections by generation.
    connections: HashMap<u64, Sockets>,
}

/// Duplicate handles of a connection's sockets, to shut them down from outside
/// its task.
#[derive(Debug)]
struct Sockets {
    client: std::net::TcpStream,
    upstream: Option<std::net::TcpStream>,
}

impl Sockets {
    fn shut_down(&self) {
        // A socket the peer has already closed may refuse; that is fine.
        let _ = self.client.shutdown(Shutdown::Both);
        if let Some(upstream) = &self.upstream {
            let _ = upstream.shutdown(Shutdown::Both);
        }
    }
}

/// A connection just accepted.
struct Accepted {
    generation: u64,
    epoch: u64,
    client: TcpStream,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Shuts down every open connection and starts a new kill epoch; with
    /// `stop`, accepts no more connections.
    fn kill_all(&self, stop: bool) {
        let mut registry = self.lock();
        registry.stopped |= stop;
        for sockets in std::mem::take(&mut registry.connections).into_values() {
            sockets.shut_down();
        }
        self.control.send_modify(|control| control.kill_epoch += 1);
    }

    /// Gives an accepted connection its generation and epoch, or `None` when
    /// the proxy has stopped (or the socket cannot be duplicated).
    fn register(&self, client: TcpStream) -> Option<Accepted> {
        let (client, handle) = with_handle(client).ok()?;
        let mut registry = self.lock();
        if registry.stopped {
            return None;
        }
        let generation = registry.next_generation;
        registry.next_generation += 1;
        if registry.freeze_new {
            self.control.send_modify(|control| {
                control.frozen_below = control.frozen_below.max(generation + 1);
            });
        }
        let epoch = self.control.borrow().kill_epoch;
        registry.connections.insert(generation, Sockets { client: handle, upstream: None });
        Some(Accepted { generation, epoch, client })
    }

    /// Records a connection's upstream socket; `None` when the connection has
    /// been killed meanwhile.
    fn attach_upstream(
        &self,
        generation: u64,
        upstream: TcpStream,
    ) -> io::Result<Option<TcpStream>> {
        let (upstream, handle) = with_handle(upstream)?;
        let mut registry = self.lock();
        Ok(registry.connections.get_mut(&generation).map(|sockets| {
            sockets.upstream = Some(handle);
            upstream
        }))
    }
}

/// The stream back, and a duplicate handle of its socket.
fn with_handle(stream: TcpStream) -> io::Result<(TcpStream, std::net::TcpStream)> {
    let stream = stream.into_std()?;
    let handle = stream.try_clone()?;
    Ok((TcpStream::from_std(stream)?, handle))
}

/// Removes a connection from the registry when its task ends (or is dropped),
/// which closes the duplicate handles.
struct Registered {
    shared: Arc<Shared>,
    generation: u64,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.shared.lock().connections.remove(&self.generation);
    }
}

async fn accept_connections(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        match listener.accept().await {
            Ok((client, _)) => {
                if let Some(accepted) = shared.register(client) {
                    tokio::spawn(serve(Arc::clone(&shared), accepted));
                }
            }
            Err(error) => {
                // E.g. out of file descriptors: wait rather than spin.
                tracing::debug!(%error, "fault proxy: accept failed");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

/// Forwards one connection until both sides have finished, either fails, or
/// it is killed.
async fn serve(shared: Arc<Shared>, accepted: Accepted) {
    let Accepted { generation, epoch, client } = accepted;
    let _registered = Registered { shared: Arc::clone(&shared), generation };
    let control = shared.control.subscribe();
    tokio::select! {
        () = wait_killed(control.clone(), epoch) => {
            tracing::debug!(generation, "fault proxy: connection killed");
        }
        result = forward(&shared, generation, client, control) => {
            if let Err(error) = result {
                tracing::debug!(generation, %error, "fault proxy: connection ended");
            }
        }
    }
}

async fn wait_killed(mut control: watch::Receiver<Control>, epoch: u64) {
    // An error means the proxy is gone, which ends the connection as well.
    let _ = control.wait_for(|control| control.is_killed(epoch)).await;
}

/// Returns once the connection is not frozen.
async fn wait_thawed(control: &mut watch::Receiver<Control>, generation: u64) -> io::Result<()> {
    control
        .wait_for(|control| !control.is_frozen(generation))
        .await
        .map(|_| ())
        .map_err(io::Error::other)
}

async fn forward(
    shared: &Shared,
    generation: u64,
    client: TcpStream,
    mut control: watch::Receiver<Control>,
) -> io::Result<()> {
    wait_thawed(&mut control, generation).await?;
    let upstream = TcpStream::connect(shared.upstream.as_str()).await?;
    let Some(upstream) = shared.attach_upstream(generation, upstream)? else {
        return Ok(());
    };
    client.set_nodelay(true)?;
    upstream.set_nodelay(true)?;
    let (client_read, client_write) = client.into_split();
    let (upstream_read, upstream_write) = upstream.into_split();
    tokio::try_join!(
        pump(client_read, upstream_write, control.clone(), generation),
        pump(upstream_read, client_write, control, generation),
    )?;
    Ok(())
}

/// One direction of a connection: read, hold while frozen, write. The end of
/// the stream is passed on as a shutdown of the writing side.
async fn pump(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    mut control: watch::Receiver<Control>,
    generation: u64,
) -> io::Result<()> {
    let mut buffer = vec![0; BUFFER_SIZE];
    loop {
        let read = from.read(&mut buffer).await;
        wait_thawed(&mut control, generation).await?;
        match read? {
            0 => return to.shutdown().await,
            read => to.write_all(&buffer[..read]).await?,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};
    use tokio::time::timeout;

    use super::FaultProxy;

    const PATIENCE: Duration = Duration::from_secs(5);

    /// An echo server on a random port; its address.
    async fn echo_server() -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binding the echo server");
        let address = listener.local_addr().expect("the echo server's address").to_string();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buffer = [0; 1024];
                    while let Ok(read @ 1..) = socket.read(&mut buffer).await {
                        if socket.write_all(&buffer[..read]).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        address
    }

    async fn read_echo(stream: &mut TcpStream, len: usize) -> Vec<u8> {
        let mut echoed = vec![0; len];
        timeout(PATIENCE, stream.read_exact(&mut echoed))
            .await
            .expect("the echo arrives in time")
            .expect("reading the echo");
        echoed
    }

    async fn round_trip(stream: &mut TcpStream, message: &[u8]) -> Vec<u8> {
        stream.write_all(message).await.expect("writing");
        read_echo(stream, message.len()).await
    }

    async fn assert_closed(stream: &mut TcpStream) {
        let mut buffer = [0; 64];
        let outcome = timeout(PATIENCE, stream.read(&mut buffer)).await.expect("closed in time");
        assert!(matches!(outcome, Ok(0) | Err(_)), "expected a closed connection, got {outcome:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn freezes_thaws_and_kills_connections() {
        let upstream = echo_server().await;
        let proxy = FaultProxy::start(&upstream).await;
        let address = format!("127.0.0.1:{}", proxy.port());

        let mut first = TcpStream::connect(&address).await.expect("connecting through the proxy");
        assert_eq!(round_trip(&mut first, b"hello").await, b"hello");
        assert_eq!(proxy.open_connections(), 1);

        // Frozen: the bytes go in but nothing comes back.
        proxy.freeze();
        first.write_all(b"stalled").await.expect("the write is accepted");
        let mut buffer = [0; 64];
        let stalled = timeout(Duration::from_millis(300), first.read(&mut buffer)).await;
        assert!(stalled.is_err(), "no echo while frozen, got {stalled:?}");

        // A connection made after the freeze works.
        let mut second = TcpStream::connect(&address).await.expect("connecting after the freeze");
        assert_eq!(round_trip(&mut second, b"new").await, b"new");
        assert_eq!(proxy.open_connections(), 2);

        // Thawed: the held bytes arrive.
        proxy.thaw();
        assert_eq!(read_echo(&mut first, 7).await, b"stalled");

        // Killed, even while frozen: both connections close at once.
        proxy.freeze();
        proxy.kill_all();
        assert_eq!(proxy.open_connections(), 0);
        assert_closed(&mut first).await;
        assert_closed(&mut second).await;

        // A connection made after the kill works.
        let mut third = TcpStream::connect(&address).await.expect("connecting after the kill");
        assert_eq!(round_trip(&mut third, b"again").await, b"again");
        assert_eq!(proxy.open_connections(), 1);

        // Dropped: the connection closes and the port stops accepting.
        drop(proxy);
        assert_closed(&mut third).await;
        let refused = timeout(PATIENCE, async {
            while TcpStream::connect(&address).await.is_ok() {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await;
        assert!(refused.is_ok(), "the proxy still accepts after being dropped");
    }
}
