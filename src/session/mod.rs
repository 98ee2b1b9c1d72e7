//! Sessions shared by both HTTP transports (and stdio): one registry, idle TTL, a cap, and
//! per-session reply routing.
//!
//! Each session runs its own rmcp service (started by its first message) over an in-process
//! (Sink, Stream) pair. Inbound messages go through a bounded queue; outbound messages are
//! routed by [`SessionSink`]: a reply whose id has a waiting HTTP request goes to that request
//! only, everything else to the session's own stream. Nothing is ever broadcast.

pub(crate) mod json;
mod kinds;
mod lazy;
mod live;
mod observed;
mod outbound;
mod registry;
mod replay;
mod shared;
mod sink;
mod trim;

// The event vocabulary lives in `events` (below the engine and the store); re-exported here
// for the code that only deals with sessions.
pub use crate::events::{
    ClientInfo, EndReason, LogObserver, Observer, Observers, Origin, Outcome, RequestEvent,
    SecurityEvent, SecurityEventKind, TransportKind,
};
pub use kinds::{Lookup, RegistryError, SendError, StreamAttachError};
pub use live::{NoReply, ReplyWaiter, Session};
pub use outbound::Outbound;
pub use registry::{HandlerFactory, SessionRegistry};
pub use replay::{GET_STREAM, ReplayLimits, ReplayLog, held_bytes as replay_held_bytes};
pub use shared::SharedLink;
pub(crate) use shared::replay_initialize;
pub use sink::SessionSink;
