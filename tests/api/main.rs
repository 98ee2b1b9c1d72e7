//! Integration tests: each spawns the real application on port 0 and talks to it over
//! real sockets.

mod bad_input;
mod concurrency;
mod fake_opik;
mod health;
mod helpers;
mod modern;
mod opik_e2e;
mod opik_failures;
mod opik_requests;
mod opik_support;
mod security;
mod sessions;
mod shutdown;
mod sse;
mod streamable;
mod tool_inventory;
