//! No-loss fault tests: PostgreSQL stopped mid-load (a private cluster, not the shared one),
//! SIGTERM under load, SIGKILL after a spill, and secrets kept out of logs. Each test is
//! bounded in time and talks only to 127.0.0.1.

mod client;
mod pg_cluster;
mod postgres_outage;
mod process;
mod replicas;
