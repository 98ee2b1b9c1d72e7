//! `GET /client/`: the single-file browser client (`client/index.html`), compiled into the
//! binary with `include_str!` so serving it needs no filesystem access (read-only images).
//!
//! Mounted when `server.serve_client` is on (by default on a loopback bind). The page is
//! static and carries no secrets, so it sits outside the MCP routes' Host/Origin check (and
//! outside auth): the token is typed into the page and sent by the page's own `fetch` calls
//! to the MCP routes, which check it as they do for any client.

use std::sync::LazyLock;

use base64::{Engine, engine::general_purpose::STANDARD};
use poem::{Response, handler, http::header, web::Redirect};
use sha2::{Digest, Sha256};

use crate::config::ServerSettings;

/// The page, as built into the binary.
pub const INDEX_HTML: &str = include_str!("../../client/index.html");

/// Content-Security-Policy for the page: only its own inline script and style (by hash, so
/// an injected `<script>` would not run), fetches to any server (the user picks the URL).
static CSP: LazyLock<String> = LazyLock::new(|| {
    let hashes = |tag: &str| {
        inline_blocks(INDEX_HTML, tag)
            .map(|body| format!("'sha256-{}'", STANDARD.encode(Sha256::digest(body))))
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!(
        "default-src 'none'; script-src {}; style-src {}; connect-src *; img-src data:; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        hashes("script"),
        hashes("style")
    )
});

/// The text of every `<tag>…</tag>` element in `html` (attribute-free opening tags only,
/// which is how `client/index.html` writes them).
fn inline_blocks<'a>(html: &'a str, tag: &str) -> impl Iterator<Item = &'a str> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut rest = html;
    std::iter::from_fn(move || {
        let start = rest.find(&open)? + open.len();
        let len = rest[start..].find(&close)?;
        let body = &rest[start..start + len];
        rest = &rest[start + len + close.len()..];
        Some(body)
    })
}

/// `GET /client/`: the page with a strict CSP.
#[handler]
pub fn index() -> Response {
    Response::builder()
        .content_type("text/html; charset=utf-8")
        .header(header::CONTENT_SECURITY_POLICY, CSP.as_str())
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::REFERRER_POLICY, "no-referrer")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(INDEX_HTML)
}

/// The page's URL for a user on this machine, logged at start-up: the configured host (an
/// unspecified address becomes `localhost`), the bound port.
pub fn page_url(server: &ServerSettings, port: u16, tls: bool) -> String {
    let host = server.host.trim_start_matches('[').trim_end_matches(']');
    let host = match host.parse::<std::net::IpAddr>() {
        Ok(ip) if ip.is_unspecified() => "localhost".to_owned(),
        Ok(std::net::IpAddr::V6(ip)) => format!("[{ip}]"),
        _ => host.to_owned(),
    };
    let scheme = if tls { "https" } else { "http" };
    format!("{scheme}://{host}:{port}/client/")
}

/// `GET /client`: to `/client/`, so relative URLs in the page resolve the same way.
#[handler]
pub fn redirect() -> Redirect {
    Redirect::permanent("/client/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_has_exactly_one_inline_script_and_one_style_to_hash() {
        assert_eq!(inline_blocks(INDEX_HTML, "script").count(), 1);
        assert_eq!(inline_blocks(INDEX_HTML, "style").count(), 1);
        assert!(
            !INDEX_HTML.contains("<script "),
            "scripts must be inline and attribute-free"
        );
        assert!(CSP.contains("script-src 'sha256-"), "{}", *CSP);
    }

    #[test]
    fn the_logged_url_names_a_host_a_browser_can_open() {
        let url = |host: &str, tls| {
            let s = ServerSettings {
                host: host.into(),
                ..ServerSettings::default()
            };
            page_url(&s, 3001, tls)
        };
        assert_eq!(url("localhost", false), "http://localhost:3001/client/");
        assert_eq!(url("::1", false), "http://[::1]:3001/client/");
        assert_eq!(url("0.0.0.0", true), "https://localhost:3001/client/");
    }

    #[test]
    fn inline_blocks_finds_each_element_body() {
        let html = "<p><style>a{}</style><style>b{}</style></p>";
        assert_eq!(
            inline_blocks(html, "style").collect::<Vec<_>>(),
            ["a{}", "b{}"]
        );
        assert_eq!(inline_blocks(html, "script").count(), 0);
    }
}
