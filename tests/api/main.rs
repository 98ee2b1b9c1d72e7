//! Integration tests: each spawns the real application on port 0 and talks to it over
//! real sockets.

mod bad_input;
mod concurrency;
mod health;
mod helpers;
mod modern;
mod sessions;
mod shutdown;
mod sse;
mod streamable;
