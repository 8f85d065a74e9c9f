//! Request heads the server cannot serve are answered as problem+json, as
//! every other error is, and heads it can serve pass untouched: bodies,
//! keep-alive, pipelining and chunked uploads included. Spoken over a raw
//! socket, since an HTTP client would not send these heads.

use std::collections::HashMap;
use std::time::Duration;

use cmmc_tests::{TestApp, db_test, spawn_app};
use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// An answer as read off the socket.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    /// Asserts a problem+json answer of `status` and `kind`.
    fn assert_problem(&self, status: u16, kind: &str) {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(self.headers["content-type"], "application/problem+json", "{self:?}");
        let body = self.json();
        assert_eq!(body["status"], status);
        assert_eq!(body["type"], format!("/problems/{kind}"));
        assert!(!body["detail"].as_str().unwrap().is_empty());
    }
}

/// Reads answers from one connection, in order.
struct Reader {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Reader {
    async fn connect(app: &TestApp) -> Self {
        let stream = TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
        Self { stream, buf: Vec::new() }
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.unwrap();
    }

    /// Reads more, failing the test after 20 s; `false` at the end.
    async fn more(&mut self) -> bool {
        let mut chunk = [0_u8; 8192];
        let read = tokio::time::timeout(Duration::from_secs(20), self.stream.read(&mut chunk));
        let n = read.await.unwrap_or_else(|_| panic!("no answer in 20 s")).unwrap();
        self.buf.extend_from_slice(&chunk[..n]);
        n > 0
    }

    async fn answer(&mut self) -> Answer {
        let end = loop {
            if let Some(at) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break at;
            }
            assert!(self.more().await, "the connection closed before an answer");
        };
        let head = String::from_utf8(self.buf.drain(..end + 4).collect()).unwrap();
        let mut lines = head.split("\r\n");
        let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
        let headers: HashMap<String, String> = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.to_ascii_lowercase(), value.trim().to_owned()))
            .collect();
        let len: usize = headers.get("content-length").map_or(0, |v| v.parse().unwrap());
        while self.buf.len() < len {
            assert!(self.more().await, "the connection closed inside a body");
        }
        let body = self.buf.drain(..len).collect();
        Answer { status, headers, body }
    }

    /// Whether the server closes the connection with nothing more to say.
    async fn closes(&mut self) -> bool {
        !self.more().await && self.buf.is_empty()
    }
}

/// One head on a fresh connection: its answer, after which the server closes.
async fn refused(app: &TestApp, head: &[u8]) -> Answer {
    let mut reader = Reader::connect(app).await;
    reader.send(head).await;
    let answer = reader.answer().await;
    assert!(reader.closes().await, "the connection stayed open after {answer:?}");
    answer
}

db_test!(
    async fn heads_the_server_cannot_read_are_problem_json(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let long_target = format!("GET /api/{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(70_000));
        refused(&app, long_target.as_bytes()).await.assert_problem(414, "uri-too-long");
        let endless_line = format!("GET /api/{}", "a".repeat(140_000));
        refused(&app, endless_line.as_bytes()).await.assert_problem(414, "uri-too-long");

        let fields: String = (0..97).map(|i| format!("X-Field-{i}: v\r\n")).collect();
        let many = format!("GET /api/health HTTP/1.1\r\nHost: x\r\n{fields}\r\n");
        refused(&app, many.as_bytes()).await.assert_problem(431, "headers-too-large");
        let big = format!("GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "b".repeat(140_000));
        refused(&app, big.as_bytes()).await.assert_problem(431, "headers-too-large");

        for head in [
            &b"\x01\x02 not http at all\r\n\r\n"[..],
            b"GET /api/health HTTP/1.1\r\n\r\n",
            b"GET /api/health HTTP/3.0\r\nHost: x\r\n\r\n",
            b"GET /api/health HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n",
            b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: +2\r\n\r\n{}",
        ] {
            let answer = refused(&app, head).await;
            answer.assert_problem(400, "malformed-request");
            assert!(answer.json()["detail"].as_str().unwrap().contains("not valid HTTP/1.1"));
        }

        // Just within the limits, the same heads are served.
        let fields: String = (0..95).map(|i| format!("X-Field-{i}: v\r\n")).collect();
        let mut reader = Reader::connect(&app).await;
        reader.send(format!("GET /api/health HTTP/1.1\r\nHost: x\r\n{fields}\r\n").as_bytes()).await;
        assert_eq!(reader.answer().await.status, 200);
        let target = format!("GET /api/health?x={} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(60_000));
        reader.send(target.as_bytes()).await;
        assert_eq!(reader.answer().await.status, 200);

        // The stand-in path means nothing when asked for.
        reader.send(b"GET /.well-known/cmmc-refused-request HTTP/1.1\r\nHost: x\r\n\r\n").await;
        reader.answer().await.assert_problem(404, "not-found");
    }
);

db_test!(
    async fn keep_alive_pipelining_and_chunked_bodies_pass_through(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let login = r#"{"username":"nobody","password":"wrong password"}"#;
        let mut reader = Reader::connect(&app).await;
        // Pipelined: a body, then a bodiless request.
        let post = format!(
            "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            login.len()
        );
        reader.send(format!("{post}{login}GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes()).await;
        reader.answer().await.assert_problem(401, "unauthenticated");
        assert_eq!(reader.answer().await.json()["status"], "ok");
        // A head and a body split across writes, on the same connection.
        reader.send(format!("{post}{}", &login[..10]).as_bytes()).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        reader.send(&login.as_bytes()[10..]).await;
        reader.answer().await.assert_problem(401, "unauthenticated");

        // A bad head after good ones: those are answered, then the problem.
        reader.send(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\nGET /api/health HTTP/1.1\r\n\r\n").await;
        assert_eq!(reader.answer().await.status, 200);
        reader.answer().await.assert_problem(400, "malformed-request");
        assert!(reader.closes().await);

        // Chunked: actix-http frames the rest of the connection itself.
        let mut reader = Reader::connect(&app).await;
        let chunked = format!(
            "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{login}\r\n0\r\n\r\nGET /api/health HTTP/1.1\r\nHost: x\r\n\r\n",
            login.len()
        );
        reader.send(chunked.as_bytes()).await;
        reader.answer().await.assert_problem(401, "unauthenticated");
        assert_eq!(reader.answer().await.status, 200);

        // HTTP/1.0 with no Host is still HTTP.
        let mut reader = Reader::connect(&app).await;
        reader.send(b"GET /api/health HTTP/1.0\r\n\r\n").await;
        assert_eq!(reader.answer().await.status, 200);
    }
);

db_test!(
    async fn a_first_head_that_never_ends_is_408(backend) {
        let Some(app) = spawn_app(backend).await else { return };
        let mut reader = Reader::connect(&app).await;
        reader.send(b"GET /api/health HTTP/1.1\r\nHost: x\r\n").await;
        reader.answer().await.assert_problem(408, "request-timeout");
        assert!(reader.closes().await);
    }
);
