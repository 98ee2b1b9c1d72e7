//! The hardened pipeline: TLS, authentication, session binding, scopes, CORS, rate limits
//! and limits, each against the real server over real sockets.

mod binding;
mod cors;
mod flood;
mod jwks;
mod jwt;
mod limits;
mod ratelimit;
mod scopes;
mod signin;
pub(crate) mod support;
mod tls;
mod write_scopes;
