//! A minimal HTTP/1.1 client over a real TCP connection, for tests of the service's HTTP side.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A response: status, lower-cased header names, body.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    /// The `service_request_id`s of an Open311 request list, in order.
    pub fn ids(&self) -> Vec<String> {
        assert_eq!(self.status, 200, "{}", self.body);
        let list = self.json();
        list.as_array()
            .unwrap_or_else(|| panic!("not an array: {}", self.body))
            .iter()
            .map(|s| s["service_request_id"].as_str().unwrap().to_string())
            .collect()
    }
}

/// `GET path` on a fresh connection (`Connection: close`; plain or chunked body).
pub async fn get(addr: SocketAddr, path: &str) -> Reply {
    send(addr, "GET", path, None).await
}

/// `POST path` with a form body (`application/x-www-form-urlencoded`), as GeoReport clients send it.
pub async fn post_form(addr: SocketAddr, path: &str, fields: &[(&str, &str)]) -> Reply {
    let body = serde_urlencoded::to_string(fields).unwrap();
    send(
        addr,
        "POST",
        path,
        Some(("application/x-www-form-urlencoded", &body)),
    )
    .await
}

/// `METHOD path`, with a body of the given content type.
pub async fn send(addr: SocketAddr, method: &str, path: &str, body: Option<(&str, &str)>) -> Reply {
    send_with_headers(addr, method, path, &[], body).await
}

/// `GET path` with extra request headers (`Accept-Language`, ...).
pub async fn get_with(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Reply {
    send_with_headers(addr, "GET", path, headers, None).await
}

/// `POST path` with a form body and extra request headers (`Idempotency-Key`, ...).
pub async fn post_form_with(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
    fields: &[(&str, &str)],
) -> Reply {
    let body = serde_urlencoded::to_string(fields).unwrap();
    let form = ("application/x-www-form-urlencoded", body.as_str());
    send_with_headers(addr, "POST", path, headers, Some(form)).await
}

/// `METHOD path` with extra request headers, and a body of the given content type.
pub async fn send_with_headers(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<(&str, &str)>,
) -> Reply {
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    match body {
        Some((content_type, body)) => req.push_str(&format!(
            "Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )),
        None => req.push_str("\r\n"),
    }
    s.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut raw))
        .await
        .expect("a response within 10 s")
        .unwrap();
    let text = String::from_utf8(raw).expect("a UTF-8 response");
    let (head, body) = text.split_once("\r\n\r\n").expect("headers, then a body");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_string()
    };
    Reply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    loop {
        let (size, after) = rest.split_once("\r\n").expect("a chunk size line");
        let n = usize::from_str_radix(size.trim(), 16).expect("a hex chunk size");
        if n == 0 {
            return out;
        }
        out.push_str(&after[..n]);
        rest = &after[n + 2..];
    }
}
