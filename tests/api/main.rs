//! Integration tests: each spawns the real application on port 0 and talks to it over
//! real sockets.

mod admin;
mod audit;
mod audit_faults;
mod bad_input;
mod client_page;
mod cluster;
mod concurrency;
mod consolidated_list;
mod consolidated_read;
mod consolidated_search;
mod consolidated_stats;
mod consolidated_write;
mod consolidated_write_ops;
mod fake_opik;
mod header_deadline;
mod health;
mod healthcheck;
mod helpers;
mod hostile;
mod instructions;
mod metrics;
mod modern;
mod openapi;
mod opik_e2e;
mod opik_failures;
mod opik_requests;
mod opik_support;
mod readiness;
mod request_id;
mod security;
mod sessions;
mod shutdown;
mod sse;
mod streamable;
mod tool_inventory;
