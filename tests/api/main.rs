//! Integration tests: each spawns the real application on port 0 and talks to it over
//! real sockets.

mod concurrency;
mod health;
mod helpers;
mod metrics;
mod openapi;
mod readiness;
mod request_id;
mod sessions;
mod shutdown;
mod sse;
mod streamable;
