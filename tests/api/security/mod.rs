//! The hardened pipeline: TLS, authentication, session binding, scopes, CORS, rate limits
//! and limits, each against the real server over real sockets.

mod binding;
mod connections;
mod cors;
mod flood;
mod host;
mod jwks;
mod jwks_ready;
mod jwt;
mod limits;
mod ratelimit;
mod resource_scopes;
mod scopes;
mod signin;
pub(crate) mod support;
mod tls;
mod write_scopes;
