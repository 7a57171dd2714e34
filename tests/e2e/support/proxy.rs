//! A loopback TCP proxy that a test can stop — its port then refuses connections and the open ones are cut —
//! and start again on the same port: a server outage without touching the server.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

pub struct Proxy {
    pub addr: SocketAddr,
    target: SocketAddr,
    running: Option<JoinHandle<()>>,
}

impl Proxy {
    /// A stopped proxy to `target` on a free loopback port (nothing listens there until [`Proxy::start`]).
    pub async fn stopped(target: SocketAddr) -> Proxy {
        let probe = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let addr = probe.local_addr().unwrap();
        drop(probe);
        Proxy {
            addr,
            target,
            running: None,
        }
    }

    /// Listens again on the same port and forwards every connection to the target.
    pub async fn start(&mut self) {
        assert!(self.running.is_none(), "already started");
        let listener = bind_again(self.addr).await;
        let target = self.target;
        self.running = Some(tokio::spawn(async move {
            // Dropping the set (when this task is aborted) aborts every forwarded connection.
            let mut conns = JoinSet::new();
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    continue;
                };
                conns.spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        }));
    }

    /// Stops listening and cuts every open connection.
    pub async fn stop(&mut self) {
        let task = self.running.take().expect("started");
        task.abort();
        let _ = task.await;
    }
}

/// Binds `addr`; a port just released may take a moment to be free again.
async fn bind_again(addr: SocketAddr) -> TcpListener {
    let mut last = None;
    for _ in 0..50 {
        match TcpListener::bind(addr).await {
            Ok(l) => return l,
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("cannot listen on {addr} again: {last:?}");
}
