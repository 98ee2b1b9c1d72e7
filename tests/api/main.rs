//! Integration tests: each spawns the real application on port 0 and talks to it over
//! real sockets.

mod admin;
mod audit;
mod audit_faults;
mod concurrency;
mod health;
mod helpers;
mod sessions;
mod shutdown;
mod sse;
mod streamable;
