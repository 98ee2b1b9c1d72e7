//! opik-mcp: the Opik MCP server as a hardened, remotely hosted service.
//!
//! `main.rs` only wires CLI, config, telemetry and [`startup::Application`];
//! everything else lives in these modules.

pub mod app;
pub mod auth;
pub mod cluster;
pub mod config;
pub mod doctor;
pub mod domain;
pub mod error;
pub mod events;
pub mod healthcheck;
pub mod http;
pub mod mcp;
pub mod memo;
pub mod oauth;
pub mod openapi;
pub mod opik;
pub mod ratelimit;
pub mod scrub;
pub mod session;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod transports;
