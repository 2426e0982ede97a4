//! Who may talk to the server: a request must name this server in its Host header (a page on
//! another site that rebinds its name to this machine names itself, and is refused), and a request
//! that changes the store must come from the app's own pages: the same origin, and the per-process
//! token the upload page carries (a cross-site form cannot set the header that carries it).

use super::state::App;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::hash::{BuildHasher, Hasher};
use std::net::IpAddr;
use std::sync::Arc;

/// The header the app's pages send their token in (uploads, corrections, merges).
pub(super) const TOKEN_HEADER: &str = "x-jixiao-token";

/// A token no other process can guess: 128 bits from the randomly seeded hashers of the standard
/// library (seeded from the operating system), mixed with the time and the process id.
pub(super) fn new_token() -> String {
    let mut words = [0u64; 2];
    for (i, w) in words.iter_mut().enumerate() {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(i as u64);
        h.write_u32(std::process::id());
        h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
        *w = h.finish();
    }
    format!("{:016x}{:016x}", words[0], words[1])
}

/// The host part of a Host header or an origin's authority, without the port: "127.0.0.1:8080" →
/// "127.0.0.1", "[::1]:80" → "::1".
fn host_of(authority: &str) -> &str {
    let a = authority.trim();
    if let Some(rest) = a.strip_prefix('[') {
        return rest.split_once(']').map_or(rest, |(h, _)| h);
    }
    match a.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => a,
    }
}

/// Whether a Host header names this server: localhost, a loopback address, the address it listens
/// on, or, when it listens on every address (0.0.0.0), any address written as an IP. A name
/// anything else resolves to this machine (DNS rebinding) is refused.
pub(super) fn host_allowed(host_header: &str, bound: &str) -> bool {
    let h = host_of(host_header).to_ascii_lowercase();
    let h = h.trim_end_matches('.');
    if h.is_empty() {
        return false;
    }
    if h == "localhost" || h.ends_with(".localhost") || h == bound.to_ascii_lowercase() {
        return true;
    }
    match h.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback() || bound.parse::<IpAddr>().is_ok_and(|b| b.is_unspecified() || b == ip),
        Err(_) => false,
    }
}

fn refused(api: bool, status: StatusCode, message: &str) -> Response {
    if api {
        (status, Json(serde_json::json!({ "ok": false, "error": message, "message": message }))).into_response()
    } else {
        (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], format!("<!DOCTYPE html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>拒绝访问</title><p>{message}</p></html>")).into_response()
    }
}

/// Refuses a request whose Host does not name this server, and a state-changing request from
/// another origin or without the upload page's token.
pub(super) async fn check(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let headers = request.headers();
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !host_allowed(host, &app.bound_host) {
        return refused(api, StatusCode::FORBIDDEN, "请求的主机名不是本服务的地址，已拒绝（防止 DNS 重绑定）。请用 http://127.0.0.1 或启动时给出的地址访问。");
    }
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        if let Err(why) = same_origin_with_token(headers, host, &app.token) {
            return refused(api, StatusCode::FORBIDDEN, why);
        }
    }
    next.run(request).await
}

/// A state-changing request: its Origin (where a browser sends one) is this server as the Host
/// names it, and it carries the token.
fn same_origin_with_token(headers: &HeaderMap, host: &str, token: &str) -> Result<(), &'static str> {
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        let authority = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")).unwrap_or("");
        if !authority.eq_ignore_ascii_case(host) {
            return Err("请求来自其他网站，已拒绝（跨站请求）。请在本服务自己的页面上操作。");
        }
    }
    if headers.get("sec-fetch-site").is_some_and(|v| v.as_bytes() == b"cross-site") {
        return Err("请求来自其他网站，已拒绝（跨站请求）。请在本服务自己的页面上操作。");
    }
    match headers.get(TOKEN_HEADER) {
        Some(t) if t.as_bytes() == token.as_bytes() => Ok(()),
        _ => Err("请求缺少页面的令牌，已拒绝。请刷新页面后重试。"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_of_this_server_are_accepted_as_host() {
        for ok in ["127.0.0.1:8080", "localhost:8080", "LOCALHOST", "[::1]:9000", "127.0.0.1", "app.localhost:1"] {
            assert!(host_allowed(ok, "127.0.0.1"), "{ok}");
        }
        for bad in ["evil.example", "evil.example:8080", "127.0.0.1.evil.example", "", "192.168.1.9:8080", "localhost.evil.example"] {
            assert!(!host_allowed(bad, "127.0.0.1"), "{bad}");
        }
        // Listening on every address: an address typed as an IP is this machine, a name is not.
        assert!(host_allowed("192.168.1.9:8080", "0.0.0.0"));
        assert!(!host_allowed("files.example:8080", "0.0.0.0"));
        // Listening on a name: that name.
        assert!(host_allowed("reports.lan:8080", "reports.lan"));
    }

    #[test]
    fn tokens_differ_and_are_long() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
    }
}
