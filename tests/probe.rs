//! The probe foundation against real sockets on loopback: a DNS responder serving the
//! privatelink CNAME chain, NXDOMAIN and a public-looking answer, a server that never answers,
//! TCP to open and closed ports, and the dial guard refusing everything outside 127.0.0.0/8
//! before a packet leaves.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use hickory_resolver::proto::op::{Message, MessageType, ResponseCode};
use hickory_resolver::proto::rr::rdata::{A, CNAME};
use hickory_resolver::proto::rr::{Name, RData, Record};
use pullpath::collect::probe::DialGuard;
use pullpath::collect::probe::dns::{DnsOutcome, DnsProbe, Verdict, classify};
use pullpath::collect::probe::tcp::{TcpOutcome, connect};

fn guard() -> DialGuard {
    DialGuard::parse("127.0.0.0/8").unwrap()
}

/// A UDP DNS responder: `records` maps a query name to the answer records; any other name
/// is NXDOMAIN. `silent` never answers (a black-holed resolver).
async fn responder(records: HashMap<String, Vec<Record>>, silent: bool) -> SocketAddr {
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let address = socket.local_addr().unwrap();
    tokio::spawn(async move {
        let mut buffer = [0u8; 4096];
        loop {
            let Ok((n, peer)) = socket.recv_from(&mut buffer).await else {
                return;
            };
            if silent {
                continue;
            }
            let Ok(query) = Message::from_vec(&buffer[..n]) else {
                continue;
            };
            let mut response = Message::response(query.metadata.id, query.metadata.op_code);
            response.metadata.message_type = MessageType::Response;
            response.metadata.recursion_desired = query.metadata.recursion_desired;
            response.metadata.recursion_available = true;
            response.queries = query.queries.clone();
            let name = query
                .queries
                .first()
                .map(|q| q.name().to_string().to_ascii_lowercase())
                .unwrap_or_default();
            match records.get(&name) {
                Some(answers) => response.answers = answers.clone(),
                None => response.metadata.response_code = ResponseCode::NXDomain,
            }
            let _ = socket.send_to(&response.to_vec().unwrap(), peer).await;
        }
    });
    address
}

fn cname(from: &str, to: &str) -> Record {
    Record::from_rdata(
        Name::from_ascii(from).unwrap(),
        0,
        RData::CNAME(CNAME(Name::from_ascii(to).unwrap())),
    )
}

fn a(name: &str, ip: Ipv4Addr) -> Record {
    Record::from_rdata(Name::from_ascii(name).unwrap(), 0, RData::A(A(ip)))
}

/// The private view of the test registry: login server → privatelink → 127.0.10.4, and an
/// "outside" name that resolves through a public chain.
fn private_view() -> HashMap<String, Vec<Record>> {
    let mut records = HashMap::new();
    records.insert(
        "secureacr2021.azurecr.io.".to_string(),
        vec![
            cname(
                "secureacr2021.azurecr.io.",
                "secureacr2021.privatelink.azurecr.io.",
            ),
            a(
                "secureacr2021.privatelink.azurecr.io.",
                Ipv4Addr::new(127, 0, 10, 4),
            ),
        ],
    );
    records.insert(
        "outside.azurecr.io.".to_string(),
        vec![
            cname("outside.azurecr.io.", "outside.privatelink.azurecr.io."),
            cname(
                "outside.privatelink.azurecr.io.",
                "wcus-acr-reg.trafficmanager.net.",
            ),
            a(
                "wcus-acr-reg.trafficmanager.net.",
                Ipv4Addr::new(203, 0, 113, 10),
            ),
        ],
    );
    records
}

#[tokio::test]
async fn the_privatelink_chain_is_recorded_and_classified() {
    let server = responder(private_view(), false).await;
    let probe = DnsProbe::new(&[server], &guard(), Duration::from_secs(2)).unwrap();
    let outcome = probe.resolve("secureacr2021.azurecr.io").await;
    let DnsOutcome::Resolved(resolution) = &outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(
        resolution.chain,
        vec!["secureacr2021.privatelink.azurecr.io".to_string()]
    );
    assert_eq!(
        resolution.addresses,
        vec!["127.0.10.4".parse::<std::net::IpAddr>().unwrap()]
    );
    assert_eq!(
        classify(&outcome, &[Ipv4Addr::new(127, 0, 10, 4)]),
        Verdict::Expected
    );
    assert!(matches!(
        classify(&outcome, &[Ipv4Addr::new(127, 0, 10, 5)]),
        Verdict::OtherPrivate(_)
    ));
    assert_eq!(probe.servers, vec![server]);
}

#[tokio::test]
async fn a_public_answer_and_nxdomain_are_told_apart() {
    let server = responder(private_view(), false).await;
    let probe = DnsProbe::new(&[server], &guard(), Duration::from_secs(2)).unwrap();
    let outside = probe.resolve("outside.azurecr.io").await;
    let DnsOutcome::Resolved(resolution) = &outside else {
        panic!("{outside:?}")
    };
    assert_eq!(
        resolution.chain.len(),
        2,
        "the whole chain is kept: {:?}",
        resolution.chain
    );
    assert!(matches!(
        classify(&outside, &[Ipv4Addr::new(127, 0, 10, 4)]),
        Verdict::Public(_)
    ));
    assert_eq!(
        probe.resolve("nosuch.azurecr.io").await,
        DnsOutcome::NxDomain {
            name: "nosuch.azurecr.io".into()
        }
    );
}

#[tokio::test]
async fn a_silent_resolver_times_out_on_time() {
    let server = responder(HashMap::new(), true).await;
    let probe = DnsProbe::new(&[server], &guard(), Duration::from_millis(300)).unwrap();
    let started = Instant::now();
    let outcome = probe.resolve("secureacr2021.azurecr.io").await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "bounded: {:?}",
        started.elapsed()
    );
    assert!(
        matches!(
            outcome,
            DnsOutcome::Timeout { .. } | DnsOutcome::ServerFailure { .. }
        ),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn the_guard_refuses_servers_and_addresses_outside_its_ranges() {
    // Realistic private addresses are data: the guard refuses them before any packet.
    let refused = DnsProbe::new(
        &["10.0.1.4:53".parse().unwrap()],
        &guard(),
        Duration::from_secs(1),
    )
    .err()
    .unwrap();
    assert!(
        refused
            .to_string()
            .contains("refused to connect to 10.0.1.4"),
        "{refused}"
    );
    match connect(
        "10.0.1.4:443".parse().unwrap(),
        &guard(),
        Duration::from_secs(1),
    )
    .await
    {
        TcpOutcome::Blocked(r) => assert_eq!(r.address.to_string(), "10.0.1.4"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn tcp_tells_open_from_refused() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let open = listener.local_addr().unwrap();
    assert!(matches!(
        connect(open, &guard(), Duration::from_secs(2)).await,
        TcpOutcome::Connected { .. }
    ));
    drop(listener);
    assert_eq!(
        connect(open, &guard(), Duration::from_secs(2)).await,
        TcpOutcome::Refused
    );
}

#[path = "common/pki.rs"]
mod test_pki;

mod tls {
    use std::time::Duration;

    use pullpath::collect::probe::tls::{TlsOutcome, TlsProbe};

    use super::guard;

    /// A test CA (a CA plus a leaf: rustls rejects a self-signed leaf) and a leaf for `names`.
    struct Pki {
        ca_pem: String,
        leaf: Vec<u8>,
        key: Vec<u8>,
    }

    fn pki(names: &[&str], expired: bool) -> Pki {
        let ca = super::test_pki::TestCa::new("pullpath test CA");
        let (leaf, key) = ca.leaf(names, &[], expired);
        Pki {
            ca_pem: ca.cert.pem(),
            leaf: leaf.der().to_vec(),
            key: key.serialize_der(),
        }
    }

    /// A TLS server on a loopback port presenting `pki`'s leaf.
    async fn server(pki: &Pki) -> std::net::SocketAddr {
        let acceptor = super::test_pki::acceptor(&pki.leaf, &pki.key);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let _ = acceptor.accept(stream).await;
                });
            }
        });
        address
    }

    fn ca_file(pki: &Pki) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), &pki.ca_pem).unwrap();
        file
    }

    #[tokio::test]
    async fn verified_with_the_ca_file() {
        let pki = pki(
            &["secureacr2021.azurecr.io", "*.privatelink.azurecr.io"],
            false,
        );
        let address = server(&pki).await;
        let ca = ca_file(&pki);
        let probe = TlsProbe::new(Some(ca.path())).unwrap();
        let outcome = probe
            .handshake(
                address,
                "secureacr2021.azurecr.io",
                &guard(),
                Duration::from_secs(3),
            )
            .await;
        assert!(
            matches!(outcome, TlsOutcome::Verified { .. }),
            "{outcome:?}"
        );
    }

    #[tokio::test]
    async fn unknown_issuer_name_mismatch_and_expired_are_told_apart() {
        let good = pki(&["secureacr2021.azurecr.io"], false);
        let address = server(&good).await;
        let without_ca = TlsProbe::new(None).unwrap();
        assert_eq!(
            without_ca
                .handshake(
                    address,
                    "secureacr2021.azurecr.io",
                    &guard(),
                    Duration::from_secs(3)
                )
                .await,
            TlsOutcome::UnknownIssuer
        );
        let ca = ca_file(&good);
        let with_ca = TlsProbe::new(Some(ca.path())).unwrap();
        assert_eq!(
            with_ca
                .handshake(
                    address,
                    "otherregistry.azurecr.io",
                    &guard(),
                    Duration::from_secs(3)
                )
                .await,
            TlsOutcome::NameMismatch
        );
        let old = pki(&["secureacr2021.azurecr.io"], true);
        let address = server(&old).await;
        let ca = ca_file(&old);
        let probe = TlsProbe::new(Some(ca.path())).unwrap();
        assert_eq!(
            probe
                .handshake(
                    address,
                    "secureacr2021.azurecr.io",
                    &guard(),
                    Duration::from_secs(3)
                )
                .await,
            TlsOutcome::Expired
        );
    }

    #[tokio::test]
    async fn a_silent_server_is_a_handshake_timeout() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                held.push(stream); // accepted, never answered
            }
        });
        let probe = TlsProbe::new(None).unwrap();
        let started = std::time::Instant::now();
        assert_eq!(
            probe
                .handshake(
                    address,
                    "secureacr2021.azurecr.io",
                    &guard(),
                    Duration::from_millis(500)
                )
                .await,
            TlsOutcome::HandshakeTimeout
        );
        assert!(started.elapsed() < Duration::from_secs(3));
        assert!(matches!(
            probe
                .handshake(
                    "10.0.1.4:443".parse().unwrap(),
                    "secureacr2021.azurecr.io",
                    &guard(),
                    Duration::from_secs(1)
                )
                .await,
            TlsOutcome::Blocked(_)
        ));
    }
}
