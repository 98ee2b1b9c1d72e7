//! Application wiring shared by the HTTP layer and the transports (both depend on it, it
//! depends on neither): the sessions facade and the request context.

mod context;
mod sessions;

pub use context::{ClientIp, LogContext};
pub use sessions::{Sessions, Unshared};
