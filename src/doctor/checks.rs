//! The doctor's checks. Each returns one [`Check`]; a failure says what it tried (URL, file,
//! address) and which setting to change, with its flag and environment name.

use std::{path::Path, time::Duration};

use super::Check;
use crate::{
    config::{Backend, Settings, TransportMode},
    opik::{Call, OpikError},
    store::Store,
};

const API_URL: &str = "opik.api_url (--api-url, OPIK_API_BASE_URL)";
const API_KEY: &str = "opik.api_key (--api-key, OPIK_API_KEY)";
const WORKSPACE: &str = "opik.workspace (--workspace, OPIK_WORKSPACE_NAME)";
const DATABASE_URL: &str = "database.url (--database-url, DATABASE_URL)";
const SPILL_PATH: &str = "audit.spill_path (OPIK_MCP_AUDIT__SPILL_PATH)";
const JWKS_URL: &str = "auth.jwt.jwks_url (--jwks-url, OPIK_MCP_AUTH__JWT__JWKS_URL)";

/// Opik answers and accepts the key: the cheapest authenticated call, one project.
pub(super) async fn opik(s: &Settings) -> Check {
    let client = match s.opik.client() {
        Ok(c) => c,
        Err(e) => return Check::fail("opik", format!("{e}; change {API_URL}")),
    };
    let url = format!("{}/v1/private/projects?page=1&size=1", client.base_url());
    let call = Call::get("/v1/private/projects")
        .query("page", 1)
        .query("size", 1);
    let ws = &s.opik.workspace;
    match client.send(&client.defaults().clone(), call).await {
        Ok(_) if s.opik.self_hosted => {
            Check::pass("opik", format!("GET {url}: OK (self-hosted, no key)"))
        }
        Ok(_) => Check::pass(
            "opik",
            format!("GET {url}: OK, the key is accepted for workspace {ws:?}"),
        ),
        Err(OpikError::Unauthorized { .. }) if !s.opik.has_api_key() => Check::fail(
            "opik",
            format!("GET {url}: 401, Opik wants an API key; set {API_KEY}"),
        ),
        Err(OpikError::Unauthorized { message }) => Check::fail(
            "opik",
            format!("GET {url}: 401, the key is not accepted ({message}); change {API_KEY}"),
        ),
        Err(OpikError::Forbidden { message }) => Check::fail(
            "opik",
            format!(
                "GET {url}: 403, the key may not use workspace {ws:?} ({message}); change \
                 {WORKSPACE}"
            ),
        ),
        Err(OpikError::NotFound { .. }) => Check::fail(
            "opik",
            format!(
                "GET {url}: 404, no Opik REST API there (self-hosted Opik: \
                 http://HOST:5173/api); change {API_URL}"
            ),
        ),
        Err(e) => Check::fail("opik", format!("GET {url}: {e}; change {API_URL}")),
    }
}

/// The audit trail's database opens and its migrations are this build's; its spill file's
/// directory is writable. Nothing is created or migrated.
pub(super) async fn database(s: &Settings) -> Check {
    if !s.audit.enabled {
        let why = match s.transport {
            TransportMode::Stdio => "stdio default; set audit.enabled or database.url to keep one",
            _ => "audit.enabled = false",
        };
        return Check::skip("database", format!("the audit trail is off ({why})"));
    }
    if let Some(dir) = parent_dir(&s.audit.spill_path)
        && !writable(dir)
    {
        return Check::fail(
            "database",
            format!(
                "the spill file's directory {} is not writable; change {SPILL_PATH}",
                dir.display()
            ),
        );
    }
    let url = s.database.display_url();
    if let Some(check) = sqlite_not_created_yet(s, &url) {
        return check;
    }
    let wait = s.database.acquire_timeout() + Duration::from_secs(1);
    let store = match tokio::time::timeout(wait, Store::connect(&s.database)).await {
        Ok(Ok(store)) => store,
        Ok(Err(e)) => {
            return Check::fail(
                "database",
                format!("cannot open {url}: {e}; change {DATABASE_URL}"),
            );
        }
        Err(_) => {
            return Check::fail(
                "database",
                format!("{url} did not answer within {wait:?}; change {DATABASE_URL}"),
            );
        }
    };
    let ping = store.ping().await;
    let status = store.migration_status().await;
    store.close().await;
    if let Err(e) = ping {
        return Check::fail("database", format!("{url}: {e}; change {DATABASE_URL}"));
    }
    match (status.pending.len(), status.unknown.is_empty()) {
        (_, false) => Check::fail(
            "database",
            format!(
                "{url} was migrated by a newer opik-mcp (unknown migrations {:?}); upgrade \
                 opik-mcp or change {DATABASE_URL}",
                status.unknown
            ),
        ),
        (0, true) => Check::pass("database", format!("{url}: opens and is migrated")),
        (n, true) => Check::pass(
            "database",
            format!(
                "{url}: opens; {n} migration(s) pending, applied at start-up or by `opik-mcp migrate`"
            ),
        ),
    }
}

/// A missing SQLite file is fine when start-up can create it: say so without creating it.
fn sqlite_not_created_yet(s: &Settings, url: &str) -> Option<Check> {
    if s.database.backend().ok()? != Backend::Sqlite {
        return None;
    }
    let opts = s.database.sqlite_options().ok()?;
    let file = opts.get_filename();
    if file.exists() {
        return None;
    }
    let dir = parent_dir(file).unwrap_or(Path::new("."));
    let shown = std::path::absolute(dir).unwrap_or_else(|_| dir.to_owned());
    let dir = shown.as_path();
    Some(match writable(dir) {
        true => Check::pass(
            "database",
            format!(
                "{url}: not created yet; start-up creates and migrates it ({} is writable)",
                dir.display()
            ),
        ),
        false => Check::fail(
            "database",
            format!(
                "{url}: the file does not exist and {} is not writable (or does not exist); \
                 change {DATABASE_URL}",
                dir.display()
            ),
        ),
    })
}

fn parent_dir(path: &Path) -> Option<&Path> {
    match path.parent() {
        Some(p) if p.as_os_str().is_empty() => Some(Path::new(".")),
        other => other,
    }
}

/// Whether this process may create files in `dir` (without creating one to find out).
fn writable(dir: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let Ok(c) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
            return false;
        };
        // SAFETY: `c` is a valid NUL-terminated path that outlives the call.
        unsafe { libc::access(c.as_ptr(), libc::W_OK | libc::X_OK) == 0 }
    }
    #[cfg(not(unix))]
    {
        std::fs::metadata(dir).is_ok_and(|m| m.is_dir() && !m.permissions().readonly())
    }
}

/// The certificate, key and client CA files load into a TLS configuration.
pub(super) fn tls(s: &Settings) -> Check {
    if !s.transport.is_http() {
        return Check::skip("tls", "stdio mode: no listener");
    }
    if !s.tls.enabled() {
        return Check::skip(
            "tls",
            "off (tls.cert_path and tls.key_path unset): plain HTTP",
        );
    }
    let shown = |p: &Option<std::path::PathBuf>| p.as_ref().map(|p| p.display().to_string());
    match crate::http::tls::server_config(&s.tls) {
        Ok(_) => Check::pass(
            "tls",
            format!(
                "certificate {} and key {} load",
                shown(&s.tls.cert_path).unwrap_or_default(),
                shown(&s.tls.key_path).unwrap_or_default()
            ),
        ),
        Err(e) => Check::fail("tls", format!("{e:#}")),
    }
}

/// The JWT issuer's key set can be fetched and parsed.
pub(super) async fn jwks(s: &Settings) -> Check {
    if !s.transport.is_http() {
        return Check::skip("jwks", "stdio mode: no authentication");
    }
    let jwt = &s.auth.jwt;
    let Some(url) = jwt.jwks_url.as_ref().filter(|_| s.auth.mode.jwt()) else {
        return Check::skip("jwks", "no JWKS URL in use (auth.mode, auth.jwt.jwks_url)");
    };
    let fetched = match crate::auth::JwksCache::new(jwt, url) {
        Ok(cache) => cache.fetch().await.map_err(anyhow::Error::from),
        Err(e) => Err(e),
    };
    match fetched {
        Ok(n) => Check::pass("jwks", format!("GET {url}: {n} key(s)")),
        Err(e) => Check::fail("jwks", format!("GET {url}: {e:#}; change {JWKS_URL}")),
    }
}

/// The public and admin listeners' addresses can be bound (then released at once).
pub(super) async fn ports(s: &Settings) -> Check {
    if !s.transport.is_http() {
        return Check::skip("ports", "stdio mode: no listener");
    }
    let mut binds = vec![(
        s.server.bind_address(),
        "server.port (--sse-port, SSE_PORT)",
    )];
    if s.admin.enabled {
        binds.push((s.admin.bind_address(), "admin.port (OPIK_MCP_ADMIN__PORT)"));
    }
    for (addr, setting) in &binds {
        if let Err(e) = tokio::net::TcpListener::bind(addr.as_str()).await {
            return Check::fail(
                "ports",
                format!("cannot listen on {addr}: {e}; stop the other process or change {setting}"),
            );
        }
    }
    let addrs: Vec<&str> = binds.iter().map(|(a, _)| a.as_str()).collect();
    Check::pass("ports", format!("{} free", addrs.join(" and ")))
}
