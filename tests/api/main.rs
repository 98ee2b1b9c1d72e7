//! Integration tests: each spawns the real application on port 0 and talks to it over
//! real sockets.

mod concurrency;
mod health;
mod helpers;
mod security;
mod sessions;
mod shutdown;
mod sse;
mod streamable;
