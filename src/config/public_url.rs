//! `[http] public_base_url`: the address residents reach the pages at, checked at load so that no email goes
//! out with a link that cannot work.

use anyhow::{bail, Result};

/// The base URL without its trailing `/`, or why it cannot be a public address: an `http(s)://` URL with a
/// host, no query or fragment, no user info, no spaces; plain `http` only for a loopback host (residents'
/// links must not travel in clear text across the internet).
pub fn check_public_base_url(url: &str) -> Result<String> {
    const KEY: &str = "http.public_base_url";
    let (scheme, rest) = match url.trim().split_once("://") {
        Some((s, rest)) if s.eq_ignore_ascii_case("https") || s.eq_ignore_ascii_case("http") => {
            (s.to_ascii_lowercase(), rest)
        }
        _ => bail!("{KEY}: `{url}` must start with https:// (or http:// for a loopback host)"),
    };
    let rest = rest.trim_end_matches('/');
    if rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        bail!("{KEY}: `{url}` contains spaces or control characters");
    }
    if rest.contains(['?', '#']) {
        bail!("{KEY}: `{url}` must not have a query or a fragment");
    }
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.contains('@') {
        bail!("{KEY}: `{url}` must not carry a user name or password");
    }
    let host = host_of(authority);
    if host.is_empty() {
        bail!("{KEY}: `{url}` has no host");
    }
    if scheme == "http" && !is_loopback(host) {
        bail!("{KEY}: `{url}` is plain http on a public host: use https:// (residents' links carry their request's key)");
    }
    Ok(format!("{scheme}://{rest}"))
}

/// The host part of `host[:port]` or `[v6]:port`.
fn host_of(authority: &str) -> &str {
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next().unwrap_or_default();
    }
    authority.split(':').next().unwrap_or_default()
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_public_https_and_loopback_http() {
        for (given, kept) in [
            ("https://311.riverton.gov", "https://311.riverton.gov"),
            ("https://311.riverton.gov/", "https://311.riverton.gov"),
            ("HTTPS://city.example/311/", "https://city.example/311"),
            ("http://127.0.0.1:8311", "http://127.0.0.1:8311"),
            ("http://localhost:8311/", "http://localhost:8311"),
            ("http://[::1]:8311", "http://[::1]:8311"),
        ] {
            assert_eq!(check_public_base_url(given).unwrap(), kept, "{given}");
        }
    }

    #[test]
    fn refuses_what_cannot_be_a_residents_link() {
        for (given, why) in [
            ("311.riverton.gov", "must start with https://"),
            ("ftp://riverton.gov", "must start with https://"),
            ("http://311.riverton.gov", "plain http on a public host"),
            ("https://", "has no host"),
            ("https://:443/x", "has no host"),
            ("https://city.example/?a=1", "query or a fragment"),
            ("https://city.example/#top", "query or a fragment"),
            ("https://me:pw@city.example", "user name or password"),
            ("https://city example", "spaces"),
        ] {
            let err = check_public_base_url(given).unwrap_err().to_string();
            assert!(
                err.starts_with("http.public_base_url: ") && err.contains(why),
                "{given}: {err}"
            );
        }
    }
}
