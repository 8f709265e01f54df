//! Nobody who can reach the port can stop the receiver serving without
//! knowing the secret: the probe's findings against the example receiver
//! (idle connections exhausting file descriptors, slow headers and bodies
//! held open, a shutdown that never completes while a client holds a
//! partial request), each reproduced against the real binary, with a
//! client that is not ours (`curl`) for the signed delivery, and raw TCP
//! for the misbehaving clients.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::io::{ErrorKind, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::*;

/// The header and body timeouts of these tests: short, to keep them quick.
const TIMEOUT_SECS: u64 = 2;

/// The receiver binary serving an SQLite inbox with 256 file descriptors
/// (`ulimit -n 256`, set by a shell that then execs it), and these extra
/// settings.
fn start(store: &TestInbox, settings: &[(&str, &str)]) -> ReceiverProcess {
    let mut command = receiver_command(store, &[]);
    let program = command.get_program().to_owned();
    let mut limited = Command::new("bash");
    limited
        .args(["-c", "ulimit -n 256 && exec \"$0\" serve"])
        .arg(program);
    for (name, value) in command.get_envs() {
        if let Some(value) = value {
            limited.env(name, value);
        }
    }
    for (name, value) in settings {
        limited.env(name, value);
    }
    command = limited;
    ReceiverProcess::start(command)
}

/// Posts a signed delivery of `body` with `curl`; the status and how long
/// it took.
fn curl_deliver(addr: SocketAddr, message_id: &str, body: &str) -> (String, Duration) {
    let mut command = Command::new("curl");
    command.args([
        "--silent",
        "--show-error",
        "--max-time",
        "30",
        "--output",
        "/dev/null",
        "--write-out",
        "%{http_code}",
        "--data-binary",
        "@-",
        "-H",
        "content-type: application/json",
    ]);
    for (name, value) in signed(message_id, now(), body.as_bytes()) {
        command.args(["-H", &format!("{name}: {value}")]);
    }
    command.arg(format!("http://{addr}/webhooks"));
    let started = Instant::now();
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("curl is installed");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        started.elapsed(),
    )
}

/// Whether the server closes `stream` within `within`: a read returns the
/// end of the stream (or a reset) rather than timing out. Whatever the
/// server sent before closing is returned.
fn closed_within(stream: &mut TcpStream, within: Duration) -> Option<Vec<u8>> {
    let deadline = Instant::now() + within;
    let mut received = Vec::new();
    let mut buffer = [0; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        stream.set_read_timeout(Some(left)).unwrap();
        match stream.read(&mut buffer) {
            Ok(0) => return Some(received),
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(error) if error.kind() == ErrorKind::ConnectionReset => return Some(received),
            Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return None;
            }
            Err(error) => panic!("reading: {error}"),
        }
    }
}

/// The probe: 300 connections that never send a byte, against a receiver
/// with 256 file descriptors, made every signed delivery time out until
/// the client closed them. Now the delivery is acknowledged, and the
/// server closes every idle connection by itself.
#[test]
fn idle_connections_do_not_stop_a_signed_delivery() {
    let store = TestInbox::new(Backend::Sqlite, "idle").unwrap();
    let receiver = start(&store, &[("GIGS_HEADER_TIMEOUT", "2")]);
    assert!(
        receiver.inbox_line.starts_with("inbox "),
        "{}",
        receiver.inbox_line
    );
    let mut idle: Vec<TcpStream> = (0..300)
        .map(|_| TcpStream::connect(receiver.addr).unwrap())
        .collect();
    // Let the receiver accept what it will.
    std::thread::sleep(Duration::from_millis(300));

    let body = with_id(PLAN_UPDATED, "evt_behind_idle_connections");
    let (status, took) = curl_deliver(receiver.addr, "msg_behind_idle", &body);
    assert_eq!(status, "202", "took {took:?}");
    // It waits at most for the idle connections ahead of it to time out.
    assert!(
        took < Duration::from_secs(3 * TIMEOUT_SECS),
        "acknowledged only after {took:?}"
    );

    println!("a signed delivery behind 300 idle connections: 202 after {took:?}");
    // Every idle connection is closed by the server, those it could not
    // accept at first included.
    let deadline = Duration::from_secs(4 * TIMEOUT_SECS + 5);
    let started = Instant::now();
    for (i, stream) in idle.iter_mut().enumerate() {
        let left = deadline.saturating_sub(started.elapsed());
        assert!(
            closed_within(stream, left).is_some(),
            "idle connection {i} still open after {:?}",
            started.elapsed()
        );
    }
    println!(
        "300 idle connections closed by the server within {:?}",
        started.elapsed()
    );
    let counts = tokio_runtime().block_on(store.settled());
    assert_eq!((counts.pending, counts.handled), (0, 1));
}

/// A client that sends its headers a byte at a time, slower than the
/// header timeout allows, is closed; so is one that sends its body too
/// slowly, with a `408`; a body over the limit gets a `413` unread.
#[test]
fn slow_headers_slow_bodies_and_large_bodies_are_cut_off() {
    let store = TestInbox::new(Backend::Sqlite, "slow").unwrap();
    let receiver = start(
        &store,
        &[
            ("GIGS_HEADER_TIMEOUT", "2"),
            ("GIGS_BODY_TIMEOUT", "2"),
            ("GIGS_BODY_LIMIT", "4096"),
        ],
    );
    let timeout = Duration::from_secs(TIMEOUT_SECS);

    // Slow headers: one byte every 200 ms keeps the connection busy, never
    // done.
    let mut slow_headers = TcpStream::connect(receiver.addr).unwrap();
    let request = b"POST /webhooks HTTP/1.1\r\nhost: receiver\r\nx-padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
    let started = Instant::now();
    let mut closed_after = None;
    for byte in request {
        if slow_headers.write_all(&[*byte]).is_err() {
            closed_after = Some(started.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
        if started.elapsed() > timeout * 2 {
            break;
        }
    }
    let closed_after = match closed_after {
        Some(after) => after,
        None => {
            assert!(
                closed_within(&mut slow_headers, timeout).is_some(),
                "slow headers still open after {:?}",
                started.elapsed()
            );
            started.elapsed()
        }
    };
    assert!(closed_after < timeout * 3, "closed after {closed_after:?}");

    // Slow body: headers that pass every check the body is not needed
    // for, then a body that never finishes.
    let body = with_id(PLAN_UPDATED, "evt_slow_body");
    let mut slow_body = TcpStream::connect(receiver.addr).unwrap();
    let mut head = format!(
        "POST /webhooks HTTP/1.1\r\nhost: receiver\r\ncontent-type: application/json\r\n\
         content-length: {}\r\n",
        body.len()
    );
    for (name, value) in signed("msg_slow_body", now(), body.as_bytes()) {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    slow_body.write_all(head.as_bytes()).unwrap();
    slow_body.write_all(&body.as_bytes()[..10]).unwrap();
    let started = Instant::now();
    let answer = closed_within(&mut slow_body, timeout * 3).expect("slow body still open");
    assert!(started.elapsed() >= timeout / 2, "{:?}", started.elapsed());
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
    assert!(
        answer.contains("the body took too long to arrive"),
        "{answer}"
    );

    // A body over the limit is refused from its declared length.
    let mut large = TcpStream::connect(receiver.addr).unwrap();
    let mut head =
        "POST /webhooks HTTP/1.1\r\nhost: receiver\r\ncontent-length: 100000\r\n".to_owned();
    for (name, value) in signed("msg_large", now(), b"") {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    large.write_all(head.as_bytes()).unwrap();
    let answer = closed_within(&mut large, timeout).expect("large body still open");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413 "), "{answer}");
    assert!(answer.contains("over the limit of 4096 bytes"), "{answer}");

    // A kept-alive connection that sends no next request is closed too.
    let mut kept_alive = TcpStream::connect(receiver.addr).unwrap();
    kept_alive
        .write_all(b"GET /webhooks HTTP/1.1\r\nhost: receiver\r\n\r\n")
        .unwrap();
    let started = Instant::now();
    let answer = closed_within(&mut kept_alive, timeout * 3).expect("kept-alive still open");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 405 "), "{answer}");
    assert!(
        started.elapsed() >= timeout / 2,
        "closed after {:?}",
        started.elapsed()
    );

    // And none of it stopped a signed delivery.
    let (status, _) = curl_deliver(receiver.addr, "msg_after", &with_id(PLAN_UPDATED, "evt_ok"));
    assert_eq!(status, "202");
    assert_eq!(tokio_runtime().block_on(store.stored_events()), 1);
}

/// Connects and sends requests back to back without ever reading an
/// answer, until the receiver stops taking them: its answers have filled
/// the socket buffers both ways, so it waits to write, and reads no more.
/// (On a busy machine the receiver may already have closed it by then.)
fn never_reading_client(addr: SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_write_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let requests = "GET /webhooks HTTP/1.1\r\nhost: receiver\r\n\r\n".repeat(1000);
    let started = Instant::now();
    loop {
        match stream.write_all(requests.as_bytes()) {
            Ok(()) => {}
            Err(error)
                if matches!(
                    error.kind(),
                    ErrorKind::WouldBlock
                        | ErrorKind::TimedOut
                        | ErrorKind::ConnectionReset
                        | ErrorKind::BrokenPipe
                ) =>
            {
                return stream;
            }
            Err(error) => panic!("sending requests: {error}"),
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the receiver still takes requests after 60 s of answers unread"
        );
    }
}

/// A client that sends requests and never reads the answers leaves the
/// receiver waiting to write to it: with no limit on that wait, such
/// clients hold every connection the receiver serves, forever. The send
/// timeout closes them, so a signed delivery behind them is answered.
#[test]
fn clients_that_never_read_their_answers_are_cut_off() {
    let store = TestInbox::new(Backend::Sqlite, "unread").unwrap();
    let receiver = start(
        &store,
        &[
            ("GIGS_MAX_CONNECTIONS", "2"),
            ("GIGS_HEADER_TIMEOUT", "2"),
            ("GIGS_SEND_TIMEOUT", "3"),
        ],
    );
    // Both at once, so that both hold their connection when the delivery
    // comes.
    let started = Instant::now();
    let addr = receiver.addr;
    let clients: Vec<_> = (0..2)
        .map(|_| std::thread::spawn(move || never_reading_client(addr)))
        .collect();
    let mut stalled: Vec<TcpStream> = clients
        .into_iter()
        .map(|client| client.join().unwrap())
        .collect();
    println!(
        "2 clients stopped the receiver writing after {:?}",
        started.elapsed()
    );

    let body = with_id(PLAN_UPDATED, "evt_behind_unread_answers");
    let (status, took) = curl_deliver(receiver.addr, "msg_behind_unread", &body);
    assert_eq!(status, "202", "took {took:?}");
    assert!(
        took < Duration::from_secs(3 * TIMEOUT_SECS),
        "acknowledged only after {took:?}"
    );
    println!("a signed delivery behind them: 202 after {took:?}");
    // The server has closed them: reading finds the end of what it wrote.
    for (i, stream) in stalled.iter_mut().enumerate() {
        assert!(
            closed_within(stream, Duration::from_secs(10)).is_some(),
            "client {i} that never read is still connected"
        );
    }
    let counts = tokio_runtime().block_on(store.settled());
    assert_eq!((counts.pending, counts.handled), (0, 1));
}

/// The probe: Ctrl-C never completed while a client held a partial
/// request. Now SIGINT and SIGTERM stop accepting, give requests in
/// flight the shutdown timeout, and exit.
#[test]
fn shutdown_completes_while_a_client_holds_a_partial_request() {
    for signal in ["INT", "TERM"] {
        let store = TestInbox::new(Backend::Sqlite, &format!("shutdown-{signal}")).unwrap();
        let mut receiver = start(
            &store,
            &[
                ("GIGS_HEADER_TIMEOUT", "10"),
                ("GIGS_BODY_TIMEOUT", "60"),
                ("GIGS_SHUTDOWN_TIMEOUT", "1"),
            ],
        );
        let body = with_id(PLAN_UPDATED, "evt_partial");
        let mut partial = TcpStream::connect(receiver.addr).unwrap();
        let mut head = format!(
            "POST /webhooks HTTP/1.1\r\nhost: receiver\r\ncontent-length: {}\r\n",
            body.len()
        );
        for (name, value) in signed("msg_partial", now(), body.as_bytes()) {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        partial.write_all(head.as_bytes()).unwrap();
        partial.write_all(&body.as_bytes()[..100]).unwrap();
        // And one that sent half its headers.
        let mut half_headers = TcpStream::connect(receiver.addr).unwrap();
        half_headers
            .write_all(b"POST /webhooks HTTP/1.1\r\nhost: rec")
            .unwrap();
        std::thread::sleep(Duration::from_millis(300));

        let started = Instant::now();
        receiver.signal(signal);
        let status = loop {
            if let Some(status) = receiver.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "SIG{signal}: the receiver did not exit within 10 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let took = started.elapsed();
        assert!(status.success(), "SIG{signal}: {status}");
        // The shutdown timeout, and a little.
        assert!(
            took >= Duration::from_millis(900) && took < Duration::from_secs(4),
            "SIG{signal}: exited after {took:?}"
        );
        assert!(closed_within(&mut partial, Duration::from_secs(1)).is_some());
    }
}

/// A runtime for reading the inbox from a plain test.
fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}
