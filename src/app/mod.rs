//! Application wiring shared by the HTTP layer and the transports: the sessions facade.

mod sessions;

pub use sessions::{Sessions, Unshared};
