//! opik-mcp: the Opik MCP server as a hardened, remotely hosted service.
//!
//! `main.rs` only wires CLI, config, telemetry and [`startup::Application`];
//! everything else lives in these modules.

pub mod config;
pub mod domain;
pub mod error;
pub mod healthcheck;
pub mod http;
pub mod mcp;
pub mod session;
pub mod startup;
pub mod telemetry;
pub mod transports;
