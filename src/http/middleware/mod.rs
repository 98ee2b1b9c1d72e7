//! poem middlewares: one concern per file.

pub mod access_log;
mod metrics;
mod origin;
mod request_id;

pub use access_log::{AccessLog, LogContext};
pub use metrics::HttpMetrics;
pub use origin::HostOriginCheck;
pub use request_id::{REQUEST_ID_HEADER, RequestId, RequestIdLayer};
