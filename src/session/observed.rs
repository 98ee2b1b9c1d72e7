//! What the observers (audit trail, metrics, logs) may read of a session.

use super::{ClientInfo, Origin, Session, TransportKind};
use crate::{domain::SessionId, events::ObservedSession};

impl ObservedSession for Session {
    fn id(&self) -> &SessionId {
        Session::id(self)
    }
    fn id_hash(&self) -> &str {
        Session::id_hash(self)
    }
    fn log_tag(&self) -> &str {
        Session::log_tag(self)
    }
    fn owner(&self) -> Option<&str> {
        Session::owner(self)
    }
    fn origin(&self) -> &Origin {
        Session::origin(self)
    }
    fn client_info(&self) -> Option<ClientInfo> {
        Session::client_info(self)
    }
    fn transport(&self) -> TransportKind {
        Session::transport(self)
    }
}
