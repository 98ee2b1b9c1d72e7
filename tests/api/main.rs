//! Integration tests: each spawns the real application on port 0 and talks to it over
//! real sockets.

mod client_page;
mod concurrency;
mod health;
mod healthcheck;
mod helpers;
mod sessions;
mod shutdown;
mod sse;
mod streamable;
