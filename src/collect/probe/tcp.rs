//! TCP connects to each resolved address, through the dial guard, with a timeout; refused,
//! timed-out and unreachable connections are told apart.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::net::TcpStream;

use super::{DialGuard, DialRefused};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TcpOutcome {
    Connected {
        millis: u128,
        /// The source address of the connection.
        local: Option<SocketAddr>,
    },
    /// The host answered with a reset: nothing listens, or a firewall rejects.
    Refused,
    /// No answer before the timeout: a black hole (NSG deny, appliance drop, wrong route).
    Timeout,
    /// The network said no route, or another local error.
    Failed(String),
    /// The dial guard refused the address before any packet left.
    Blocked(DialRefused),
}

pub async fn connect(address: SocketAddr, guard: &DialGuard, timeout: Duration) -> TcpOutcome {
    connect_stream(address, guard, timeout).await.0
}

/// Connects and keeps the stream, for a TLS handshake over the same connection.
pub async fn connect_stream(
    address: SocketAddr,
    guard: &DialGuard,
    timeout: Duration,
) -> (TcpOutcome, Option<TcpStream>) {
    if let Err(refused) = guard.check(address.ip()) {
        return (TcpOutcome::Blocked(refused), None);
    }
    let started = Instant::now();
    match tokio::time::timeout(timeout, TcpStream::connect(address)).await {
        Err(_) => (TcpOutcome::Timeout, None),
        Ok(Ok(stream)) => (
            TcpOutcome::Connected {
                millis: started.elapsed().as_millis(),
                local: stream.local_addr().ok(),
            },
            Some(stream),
        ),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            (TcpOutcome::Refused, None)
        }
        Ok(Err(e)) => (TcpOutcome::Failed(e.to_string()), None),
    }
}
