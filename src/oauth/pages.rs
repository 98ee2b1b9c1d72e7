//! The two pages a user may see: a message (errors) and the consent form. Plain HTML with
//! every value escaped; no script; framing refused (a consent page inside a hostile frame is
//! the classic clickjacking target).

use poem::{Response, http::StatusCode};

/// Escape text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;\
    padding:0 1rem;color:#222}h1{font-size:1.4rem}code{background:#f3f3f3;padding:0 .2rem}\
    button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.6rem}ul{padding-left:1.2rem}";

fn document(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{t}</title><style>{STYLE}</style></head><body><h1>{t}</h1>{body}</body></html>",
        t = escape(title)
    )
}

/// A page with a title and one message.
pub fn message(title: &str, text: &str) -> String {
    document(title, &format!("<p>{}</p>", escape(text)))
}

/// What the consent page shows.
pub struct Consent<'a> {
    /// The client's display name, if it gave one.
    pub client_name: Option<&'a str>,
    /// Its id (a URL for metadata-document clients).
    pub client_id: &'a str,
    /// Where the browser goes next (the client's redirect URI).
    pub redirect_uri: &'a str,
    /// Who signed in.
    pub user: &'a str,
    /// Scopes to grant.
    pub scopes: &'a [String],
    /// The one-time id of this consent.
    pub consent_id: &'a str,
    /// Where the form posts.
    pub action: &'a str,
}

/// The consent form: the user approves this client, by name and by where it sends them.
pub fn consent(c: &Consent<'_>) -> String {
    let name = c.client_name.unwrap_or("An unnamed application");
    let host = url::Url::parse(c.redirect_uri)
        .ok()
        .map(|u| match u.host_str() {
            Some(h) => format!("{}://{h}", u.scheme()),
            None => format!("{}:", u.scheme()),
        })
        .unwrap_or_default();
    let scopes: String = c
        .scopes
        .iter()
        .map(|s| format!("<li><code>{}</code></li>", escape(s)))
        .collect();
    let body = format!(
        "<p>You are signed in as <strong>{user}</strong>.</p>\
         <p><strong>{name}</strong> (client <code>{id}</code>) asks to use this Opik MCP \
         server on your behalf with these permissions:</p><ul>{scopes}</ul>\
         <p>After you allow it, you will be sent to <code>{host}</code>. Allow only \
         applications you started yourself.</p>\
         <form method=\"post\" action=\"{action}\">\
         <input type=\"hidden\" name=\"consent_id\" value=\"{cid}\">\
         <button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button>\
         <button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></form>",
        user = escape(c.user),
        name = escape(name),
        id = escape(c.client_id),
        host = escape(&host),
        action = escape(c.action),
        cid = escape(c.consent_id),
    );
    document("Allow access?", &body)
}

/// An HTML response that cannot be framed or cached.
pub fn html(status: StatusCode, body: &str) -> Response {
    Response::builder()
        .status(status)
        .content_type("text/html; charset=utf-8")
        .header("cache-control", "no-store")
        .header("x-frame-options", "DENY")
        .header(
            "content-security-policy",
            "default-src 'none'; style-src 'unsafe-inline'; \
             frame-ancestors 'none'",
        )
        .header("referrer-policy", "no-referrer")
        .body(body.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_supplied_text_is_escaped() {
        let page = consent(&Consent {
            client_name: Some("<script>alert(1)</script>"),
            client_id: "c\"id",
            redirect_uri: "https://evil.example/cb",
            user: "a@b.c",
            scopes: &["opik:read".into()],
            consent_id: "x",
            action: "/oauth/consent",
        });
        assert!(!page.contains("<script>"));
        assert!(page.contains("&lt;script&gt;"));
        assert!(page.contains("c&quot;id"));
        assert!(page.contains("https://evil.example"));
    }
}
