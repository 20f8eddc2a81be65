//! A TCP proxy a test can cut: put between a service and its database or
//! broker, it stands in for a restart or a network outage of that one
//! dependency, without disturbing the other tests that share the machine's
//! PostgreSQL and RabbitMQ.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::task::JoinSet;

/// A running proxy to one upstream address.
#[derive(Debug)]
pub struct Proxy {
    port: u16,
    down: Arc<AtomicBool>,
    connections: Arc<Mutex<JoinSet<()>>>,
    accepting: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Listens on a free local port and forwards to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let port = listener.local_addr().expect("its address").port();
        let down = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(Mutex::new(JoinSet::new()));
        let accepting = tokio::spawn({
            let (down, connections) = (down.clone(), connections.clone());
            async move {
                while let Ok((mut client, _)) = listener.accept().await {
                    if down.load(Ordering::SeqCst) {
                        // Refused, as a server that is down refuses.
                        drop(client);
                        continue;
                    }
                    connections.lock().await.spawn(async move {
                        if let Ok(mut server) = TcpStream::connect(upstream).await {
                            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                        }
                    });
                }
            }
        });
        Self { port, down, connections, accepting }
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `url` with its host and port replaced by the proxy's.
    pub fn in_front_of(&self, url: &str, upstream: &str) -> String {
        url.replacen(upstream, &format!("127.0.0.1:{}", self.port), 1)
    }

    /// Cuts every open connection and refuses new ones, until [`Proxy::restore`].
    pub async fn cut(&self) {
        self.down.store(true, Ordering::SeqCst);
        self.connections.lock().await.abort_all();
    }

    /// Takes connections again.
    pub fn restore(&self) {
        self.down.store(false, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}
