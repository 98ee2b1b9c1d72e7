#![expect(
    clippy::doc_markdown,
    reason = "these doc comments are the --help text, shown verbatim"
)]

//! Command-line flags. Upstream's camelCase names (`--ssePort`) are accepted as aliases so
//! existing configs keep working. Every flag is optional: unset flags leave the lower layers
//! (config file, environment, defaults) in charge, so defaults live in one place
//! (the `Default` impls) and are only repeated here as documentation.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use figment::{Figment, providers::Serialized};

/// opik-mcp: the Opik MCP server (stdio, legacy HTTP+SSE and Streamable HTTP).
///
/// Settings are layered: defaults, then the config file (--config / OPIK_MCP_CONFIG, TOML),
/// then environment variables, then these flags. Every setting also has an environment name
/// OPIK_MCP_<SECTION>__<KEY>, e.g. OPIK_MCP_SERVER__MAX_SESSIONS=500.
#[derive(Debug, Parser, Default)]
#[command(name = "opik-mcp", version, about, long_about, max_term_width = 100)]
pub struct Cli {
    /// What to run (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,

    /// TOML config file [env: OPIK_MCP_CONFIG] [default: none]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Transport: stdio, sse or streamable-http (alias http); sse and streamable-http both
    /// start the HTTP service [env: TRANSPORT, MCP_TRANSPORT] [default: stdio]
    #[arg(long, short = 't', global = true, value_name = "MODE")]
    pub transport: Option<String>,

    /// HTTP port, 0 for any free port
    /// [env: SSE_PORT, MCP_SSE_PORT, STREAMABLE_HTTP_PORT] [default: 3001]
    #[arg(
        long = "sse-port",
        alias = "ssePort",
        alias = "port",
        short = 'p',
        global = true
    )]
    pub sse_port: Option<u16>,

    /// HTTP bind host [env: SSE_HOST, MCP_SSE_HOST, STREAMABLE_HTTP_HOST] [default: localhost]
    #[arg(
        long = "sse-host",
        alias = "sseHost",
        global = true,
        value_name = "HOST"
    )]
    pub sse_host: Option<String>,

    /// File the HTTP service also logs to; empty disables
    /// [env: SSE_LOG_PATH, MCP_SSE_LOG_PATH, STREAMABLE_HTTP_LOG_PATH]
    /// [default: /tmp/opik-mcp-sse.log]
    #[arg(long = "sse-log-path", alias = "sseLogPath", global = true, value_name = "FILE",
          num_args = 0..=1, default_missing_value = "")]
    pub sse_log_path: Option<String>,

    /// Path of the Streamable HTTP endpoint [env: OPIK_MCP_SERVER__MCP_PATH] [default: /mcp]
    #[arg(long = "mcp-path", global = true, value_name = "PATH")]
    pub mcp_path: Option<String>,

    /// Opik REST API base URL
    /// [env: OPIK_API_BASE_URL] [default: https://www.comet.com/opik/api]
    #[arg(
        long = "api-url",
        alias = "apiUrl",
        alias = "url",
        global = true,
        value_name = "URL"
    )]
    pub api_url: Option<String>,

    /// Opik API key (sent as the raw Authorization value; never logged)
    /// [env: OPIK_API_KEY] [default: none]
    #[arg(
        long = "api-key",
        alias = "apiKey",
        alias = "key",
        global = true,
        value_name = "KEY"
    )]
    pub api_key: Option<String>,

    /// Opik workspace [env: OPIK_WORKSPACE_NAME] [default: default]
    #[arg(long, alias = "ws", global = true, value_name = "NAME")]
    pub workspace: Option<String>,

    /// Self-hosted Opik: no API key and no workspace header
    /// [env: OPIK_SELF_HOSTED] [default: false]
    #[arg(long = "self-hosted", alias = "selfHosted", global = true, num_args = 0..=1,
          default_missing_value = "true", value_name = "BOOL")]
    pub self_hosted: Option<bool>,

    /// Comma-separated toolsets: all, core, expert-prompts, expert-datasets,
    /// expert-trace-actions, expert-project-actions, integration, metrics, consolidated
    /// [env: OPIK_TOOLSETS] [default: core]
    #[arg(long, global = true, value_name = "LIST")]
    pub toolsets: Option<String>,

    /// Serve the browser client at /client/; false turns it off
    /// [env: OPIK_MCP_SERVER__SERVE_CLIENT] [default: on a loopback bind]
    #[arg(long = "serve-client", global = true, num_args = 0..=1,
          default_missing_value = "true", value_name = "BOOL")]
    pub serve_client: Option<bool>,

    /// Log format: pretty or json [env: OPIK_MCP_LOG__FORMAT] [default: pretty]
    #[arg(long = "log-format", global = true, value_name = "FORMAT")]
    pub log_format: Option<String>,

    /// Database of sessions and the audit trail: sqlite://FILE or postgres://…
    /// [env: DATABASE_URL, OPIK_MCP_DATABASE__URL] [default: sqlite://opik-mcp.db]
    #[arg(long = "database-url", global = true, value_name = "URL")]
    pub database_url: Option<String>,

    /// Log filter, RUST_LOG syntax; RUST_LOG wins when set
    /// [env: OPIK_MCP_LOG__FILTER] [default: info]
    #[arg(long = "log-filter", global = true, value_name = "FILTER")]
    pub log_filter: Option<String>,

    /// Authentication: none, jwt, api-key or both; none is refused on a non-loopback bind
    /// unless --allow-unauthenticated [env: OPIK_MCP_AUTH__MODE] [default: none]
    #[arg(long = "auth-mode", global = true, value_name = "MODE")]
    pub auth_mode: Option<String>,

    /// Serve without authentication on a non-loopback address (anyone who can reach the port
    /// can use the server) [env: OPIK_MCP_AUTH__ALLOW_UNAUTHENTICATED] [default: false]
    #[arg(long = "allow-unauthenticated", global = true, num_args = 0..=1,
          default_missing_value = "true", value_name = "BOOL")]
    pub allow_unauthenticated: Option<bool>,

    /// Canonical URL of the MCP endpoint, the audience JWTs must carry
    /// [env: OPIK_MCP_AUTH__RESOURCE] [default: none]
    #[arg(long = "resource-url", global = true, value_name = "URL")]
    pub resource_url: Option<String>,

    /// Required JWT issuer (iss) [env: OPIK_MCP_AUTH__JWT__ISSUER] [default: none]
    #[arg(long = "jwt-issuer", global = true, value_name = "URL")]
    pub jwt_issuer: Option<String>,

    /// JWKS URL of the JWT issuer [env: OPIK_MCP_AUTH__JWT__JWKS_URL] [default: none]
    #[arg(long = "jwks-url", global = true, value_name = "URL")]
    pub jwks_url: Option<String>,

    /// TLS certificate chain, PEM; enables HTTPS [env: OPIK_MCP_TLS__CERT_PATH] [default: none]
    #[arg(long = "tls-cert", global = true, value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,

    /// TLS private key, PEM [env: OPIK_MCP_TLS__KEY_PATH] [default: none]
    #[arg(long = "tls-key", global = true, value_name = "FILE")]
    pub tls_key: Option<PathBuf>,

    /// CA bundle, PEM, for client certificates (mTLS)
    /// [env: OPIK_MCP_TLS__CLIENT_CA_PATH] [default: none]
    #[arg(long = "tls-client-ca", global = true, value_name = "FILE")]
    pub tls_client_ca: Option<PathBuf>,
}

/// Subcommands.
#[derive(Debug, Subcommand, Clone, PartialEq, Eq)]
pub enum Command {
    /// Serve MCP over the configured transport (the default).
    Serve,
    /// Apply the database migrations (also done at start-up) and exit.
    Migrate,
    /// Probe a health endpoint: exit 0 when it answers 2xx in time, 1 otherwise. For container
    /// HEALTHCHECKs in images without a shell or curl; reads no configuration.
    Healthcheck(HealthcheckArgs),
    /// Print the effective configuration (secrets masked) and check that Opik answers and
    /// accepts the key, the database opens, TLS files and the JWKS load and the ports are
    /// free; exit 0 only if every check passes.
    Doctor,
}

/// Arguments of `opik-mcp healthcheck`.
#[derive(Debug, Args, Clone, PartialEq, Eq)]
pub struct HealthcheckArgs {
    /// Plain-HTTP URL to GET (the admin listener's liveness endpoint by default)
    #[arg(value_name = "URL", default_value = "http://127.0.0.1:9464/healthz")]
    pub url: String,

    /// Seconds to wait for the whole exchange
    #[arg(long = "timeout-secs", value_name = "SECS", default_value_t = 3)]
    pub timeout_secs: u64,
}

impl Cli {
    /// Merge the flags that were given on top of `fig`.
    pub(crate) fn overlay(&self, mut fig: Figment) -> Figment {
        fn set<T: serde::Serialize>(fig: Figment, key: &str, v: &Option<T>) -> Figment {
            match v {
                Some(v) => fig.merge(Serialized::global(key, v)),
                None => fig,
            }
        }
        fig = set(fig, "transport", &self.transport);
        fig = set(fig, "server.port", &self.sse_port);
        fig = set(fig, "server.host", &self.sse_host);
        fig = set(fig, "server.log_path", &self.sse_log_path);
        fig = set(fig, "server.mcp_path", &self.mcp_path);
        fig = set(fig, "opik.api_url", &self.api_url);
        fig = set(fig, "opik.api_key", &self.api_key);
        fig = set(fig, "opik.workspace", &self.workspace);
        fig = set(fig, "opik.self_hosted", &self.self_hosted);
        fig = set(fig, "opik.toolsets", &self.toolsets);
        fig = set(fig, "server.serve_client", &self.serve_client);
        fig = set(fig, "log.format", &self.log_format);
        fig = set(fig, "auth.mode", &self.auth_mode);
        fig = set(
            fig,
            "auth.allow_unauthenticated",
            &self.allow_unauthenticated,
        );
        fig = set(fig, "auth.resource", &self.resource_url);
        fig = set(fig, "auth.jwt.issuer", &self.jwt_issuer);
        fig = set(fig, "auth.jwt.jwks_url", &self.jwks_url);
        fig = set(fig, "tls.cert_path", &self.tls_cert);
        fig = set(fig, "tls.key_path", &self.tls_key);
        fig = set(fig, "tls.client_ca_path", &self.tls_client_ca);
        fig = set(fig, "database.url", &self.database_url);
        set(fig, "log.filter", &self.log_filter)
    }
}
