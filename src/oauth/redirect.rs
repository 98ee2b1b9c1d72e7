//! Redirect URI rules: which a client may register, and when a presented one matches.
//!
//! Accepted: `https` URLs, `http` on a loopback host (RFC 8252 §7.3), and the private-use
//! schemes an operator lists (RFC 8252 §7.1, e.g. `cursor:`). Never a fragment, user info,
//! or a scheme that runs code in the browser. A presented URI must equal a registered one
//! exactly, except that for loopback IP literals the port may differ (RFC 8252 §7.3: native
//! apps bind a free port per sign-in).

use url::{Host, Url};

/// Longest redirect URI accepted.
pub const MAX_URI_BYTES: usize = 2000;

fn loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn loopback_ip(url: &Url) -> bool {
    matches!(url.host(), Some(Host::Ipv4(ip)) if ip.is_loopback())
        || matches!(url.host(), Some(Host::Ipv6(ip)) if ip.is_loopback())
}

/// Why a redirect URI is refused (`error_description`), or `Ok`.
pub fn check(uri: &str, extra_schemes: &[String]) -> Result<(), String> {
    if uri.len() > MAX_URI_BYTES {
        return Err("redirect URI longer than 2000 bytes".into());
    }
    let url = Url::parse(uri).map_err(|_| format!("{uri:?} is not an absolute URI"))?;
    if url.fragment().is_some() {
        return Err(format!("{uri:?} has a fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("{uri:?} carries user info"));
    }
    let ok = match url.scheme() {
        "https" => url.host().is_some(),
        "http" => loopback(&url),
        other => extra_schemes.iter().any(|s| s == other),
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{uri:?} is not accepted: use https, or http on a loopback host (127.0.0.1, [::1], \
             localhost)"
        ))
    }
}

/// Whether `presented` matches the registered `registered`.
pub fn matches(registered: &str, presented: &str) -> bool {
    if registered == presented {
        return true;
    }
    let (Ok(mut r), Ok(mut p)) = (Url::parse(registered), Url::parse(presented)) else {
        return false;
    };
    if r.scheme() != "http" || !loopback_ip(&r) || !loopback_ip(&p) {
        return false;
    }
    let _ = r.set_port(None);
    let _ = p.set_port(None);
    r == p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_loopback_and_listed_schemes_are_accepted() {
        let extra = vec!["cursor".to_owned()];
        assert!(check("https://claude.ai/api/mcp/auth_callback", &[]).is_ok());
        assert!(check("http://127.0.0.1:33418/", &[]).is_ok());
        assert!(check("http://localhost:5173/cb", &[]).is_ok());
        assert!(check("http://[::1]:8080/cb", &[]).is_ok());
        assert!(check("cursor://anysphere.cursor-mcp/oauth/callback", &extra).is_ok());
    }

    #[test]
    fn other_redirect_uris_are_refused() {
        assert!(check("http://example.com/cb", &[]).is_err());
        assert!(check("https://example.com/cb#frag", &[]).is_err());
        assert!(check("https://user:pw@example.com/cb", &[]).is_err());
        assert!(check("javascript:alert(1)", &[]).is_err());
        assert!(check("cursor://x/cb", &[]).is_err());
        assert!(check("/relative", &[]).is_err());
        assert!(check(&format!("https://e.com/{}", "a".repeat(2000)), &[]).is_err());
    }

    #[test]
    fn only_loopback_ip_ports_may_differ() {
        assert!(matches("https://a.example/cb", "https://a.example/cb"));
        assert!(!matches("https://a.example/cb", "https://a.example/cb2"));
        assert!(!matches("https://a.example/cb", "https://a.example:444/cb"));
        assert!(matches(
            "http://127.0.0.1:1000/cb",
            "http://127.0.0.1:2000/cb"
        ));
        assert!(!matches(
            "http://127.0.0.1:1000/cb",
            "http://127.0.0.1:2000/other"
        ));
        assert!(!matches(
            "http://localhost:1000/cb",
            "http://localhost:2000/cb"
        ));
    }
}
