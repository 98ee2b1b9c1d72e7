//! Application wiring shared by the HTTP layer and the transports (both depend on it, it
//! depends on neither): the state every handler takes, the sessions facade, the request
//! context, the readiness checks and the rendered API documents.

mod context;
mod docs;
pub mod readiness;
mod sessions;
mod state;

pub use context::{ClientIp, LogContext};
pub use docs::Docs;
pub use sessions::{Sessions, Unshared};
pub use state::{AppState, Inner as AppStateInner};
