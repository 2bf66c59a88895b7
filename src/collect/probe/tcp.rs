//! TCP connects to each resolved address, through the dial guard, with a timeout; refused,
//! timed-out and unreachable connections are told apart.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::{DialGuard, DialRefused};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TcpOutcome {
    Connected {
        millis: u128,
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
    if let Err(refused) = guard.check(address.ip()) {
        return TcpOutcome::Blocked(refused);
    }
    let started = Instant::now();
    match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(address)).await {
        Err(_) => TcpOutcome::Timeout,
        Ok(Ok(_stream)) => TcpOutcome::Connected {
            millis: started.elapsed().as_millis(),
        },
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => TcpOutcome::Refused,
        Ok(Err(e)) => TcpOutcome::Failed(e.to_string()),
    }
}
