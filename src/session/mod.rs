//! Sessions shared by both HTTP transports (and stdio): one registry, idle TTL, a cap, and
//! per-session reply routing.
//!
//! Each session runs its own rmcp service over an in-process (Sink, Stream) pair. Inbound
//! messages go through a bounded queue; outbound messages are routed by [`SessionSink`]:
//! a reply whose id has a waiting HTTP request goes to that request only, everything else to
//! the session's own stream. Nothing is ever broadcast.

mod events;
mod kinds;
mod live;
mod registry;
mod replay;
mod shared;
mod sink;
mod trim;

pub use events::{
    LogObserver, Observer, Observers, Outcome, RequestEvent, SecurityEvent, SecurityEventKind,
};
pub use kinds::{
    ClientInfo, EndReason, Lookup, Origin, RegistryError, SendError, StreamAttachError,
    TransportKind,
};
pub use live::{ReplyWaiter, Session};
pub use registry::{HandlerFactory, SessionRegistry};
pub use replay::{GET_STREAM, ReplayLimits, ReplayLog, held_bytes as replay_held_bytes};
pub use shared::SharedLink;
pub(crate) use shared::replay_initialize;
pub use sink::SessionSink;
