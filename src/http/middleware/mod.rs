//! poem middlewares: one concern per file.

mod access_log;
mod origin;

pub use access_log::AccessLog;
pub use origin::HostOriginCheck;
