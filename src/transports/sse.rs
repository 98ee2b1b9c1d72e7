//! Legacy HTTP+SSE (2024-11-05): `GET /sse` opens a session's stream, whose first event is
//! `endpoint`; `POST /messages?sessionId=` delivers client messages, whose replies go out on
//! that session's stream only.

use std::sync::Arc;

use bytes::Bytes;
use futures::{StreamExt, stream};
use poem::{
    Body, Request, Response,
    http::{HeaderValue, StatusCode, header},
};
use tokio_stream::wrappers::ReceiverStream;

use super::{
    STREAM_BUFFER, endpoint_frame, headers, jsonrpc, outbound_frame_parts, sse_response_parts,
};
use crate::{
    app::AppState,
    app::Sessions,
    domain::{SessionId, SessionIdError},
    error::{ApiError, RpcError},
    session::{EndReason, Lookup, Session, TransportKind},
    telemetry::labels::StreamKind,
};

/// Longest accepted query string on `/messages`.
const MAX_QUERY: usize = 512;

/// Ends the session when the SSE body is dropped (client gone or server draining).
struct StreamGuard {
    sessions: Sessions,
    id: SessionId,
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.sessions.end(&self.id, EndReason::StreamClosed);
    }
}

/// `GET /sse`: create a session and stream its messages.
pub async fn open_stream(req: &Request, state: AppState) -> Response {
    let session = match state
        .sessions
        .create(TransportKind::Sse, super::origin_of(req))
    {
        Ok(s) => s,
        Err(e) => return poem::IntoResponse::into_response(RpcError(e.into(), None)),
    };
    super::note_session(req, &session);
    let rx = match session.attach_stream(STREAM_BUFFER) {
        Ok(rx) => rx,
        Err(_) => {
            return poem::IntoResponse::into_response(RpcError(ApiError::StreamConflict, None));
        }
    };
    // Shared sessions: recorded before the client learns its endpoint, so its first POST
    // may go to any replica.
    if let Err(e) = state.sessions.share(&session, None).await {
        return poem::IntoResponse::into_response(RpcError(e.into(), None));
    }
    let endpoint = format!("/messages?sessionId={}", session.id());
    let guard = StreamGuard {
        sessions: state.sessions.clone(),
        id: session.id().clone(),
    };
    let first =
        stream::once(async move { [endpoint_frame(&endpoint), Bytes::new(), Bytes::new()] });
    let messages = ReceiverStream::new(rx).map(move |m| {
        let _keep = &guard;
        outbound_frame_parts(&m)
    });
    sse_response_parts(
        first.chain(messages),
        state.draining.clone(),
        state.settings.server.keep_alive(),
        StreamKind::LegacySse,
    )
}

/// `POST /messages?sessionId=<id>`: accept one client message for that session.
pub async fn post_message(req: Request, body: Body, state: AppState) -> Response {
    match post(&req, body, &state).await {
        Ok(()) => Response::builder()
            .status(StatusCode::ACCEPTED)
            .header(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"))
            .body("Accepted"),
        Err(e) => poem::IntoResponse::into_response(e),
    }
}

async fn post(req: &Request, body: Body, state: &AppState) -> Result<(), RpcError> {
    let id = session_id_from_query(req.uri().query())?;
    let session = live_session(state, &id).await?;
    super::check_owner(req, &session, state)?;
    super::note_session(req, &session);
    headers::require_json_content(req)?;
    let bytes = headers::read_body(body, state.settings.server.max_body_bytes).await?;
    let mut msg = jsonrpc::decode(&bytes)?;
    super::note_message(req, &msg);
    super::attach_principal(req, &mut msg);
    super::attach_credentials(req, &state.settings.opik, &mut msg);
    let rid = jsonrpc::request_id(&msg);
    jsonrpc::admit(&session, &msg).map_err(|e| RpcError(e, rid.clone()))?;
    if jsonrpc::is_initialize(&msg) {
        // Replicas adopting this session later must be able to replay the handshake.
        let shared = state.sessions.record_initialize(&session, &msg).await;
        shared.map_err(|e| RpcError(e.into(), rid.clone()))?;
    }
    session
        .send(msg)
        .map_err(|e| RpcError(ApiError::from_send(e, TransportKind::Sse), rid.clone()))
}

async fn live_session(state: &AppState, id: &SessionId) -> Result<Arc<Session>, ApiError> {
    let sessions = &state.sessions;
    match sessions.find(id, TransportKind::Sse).await {
        Lookup::Live(s) if s.transport() != TransportKind::Sse => Err(ApiError::UnknownSession),
        Lookup::Live(s) if !sessions.stream_alive(&s).await => {
            sessions.end(id, EndReason::StreamClosed);
            Err(ApiError::SessionGone("its stream closed"))
        }
        Lookup::Live(s) => Ok(s),
        Lookup::Ended(reason) => Err(ApiError::SessionGone(reason.as_str())),
        Lookup::Unknown => Err(ApiError::UnknownSession),
    }
}

/// Exactly one `sessionId` in a bounded query string.
fn session_id_from_query(query: Option<&str>) -> Result<SessionId, ApiError> {
    const NAME: &str = "sessionId query parameter";
    let query = query.unwrap_or_default();
    if query.len() > MAX_QUERY {
        return Err(ApiError::MalformedSessionId("query string (too long)"));
    }
    let mut found = url::form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| k == "sessionId")
        .map(|(_, v)| v.into_owned());
    let value = found.next().ok_or(ApiError::MissingSessionId(NAME))?;
    if found.next().is_some() {
        return Err(ApiError::MalformedSessionId(
            "sessionId query parameter (given twice)",
        ));
    }
    SessionId::parse(&value).map_err(|e| match e {
        SessionIdError::Empty => ApiError::MissingSessionId(NAME),
        SessionIdError::Malformed => ApiError::MalformedSessionId(NAME),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_must_carry_exactly_one_well_formed_session_id() {
        let id = SessionId::generate();
        let ok = format!("sessionId={id}");
        assert_eq!(session_id_from_query(Some(&ok)).expect("valid"), id);
        assert!(matches!(
            session_id_from_query(None),
            Err(ApiError::MissingSessionId(_))
        ));
        assert!(matches!(
            session_id_from_query(Some("sessionId=")),
            Err(ApiError::MissingSessionId(_))
        ));
        assert!(matches!(
            session_id_from_query(Some("sessionId=zz")),
            Err(ApiError::MalformedSessionId(_))
        ));
        let twice = format!("{ok}&{ok}");
        assert!(matches!(
            session_id_from_query(Some(&twice)),
            Err(ApiError::MalformedSessionId(_))
        ));
        let long = format!("{ok}&pad={}", "x".repeat(600));
        assert!(matches!(
            session_id_from_query(Some(&long)),
            Err(ApiError::MalformedSessionId(_))
        ));
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            cases: std::env::var("FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
            failure_persistence: None,
            ..Default::default()
        })]

        /// Fuzz: any query string gets an answer, never a panic, and only a
        /// query with exactly one valid `sessionId` is accepted.
        #[test]
        fn any_query_string_is_answered(
            q in "((sessionId|sessionid|x|%73essionId)=([0-9a-f]{64}|.{0,20})&?){0,3}|.{0,600}"
        ) {
            if let Ok(id) = session_id_from_query(Some(&q)) {
                let n = url::form_urlencoded::parse(q.as_bytes())
                    .filter(|(k, _)| k == "sessionId")
                    .count();
                proptest::prop_assert_eq!(n, 1);
                proptest::prop_assert!(q.len() <= MAX_QUERY);
                proptest::prop_assert_eq!(id.as_ref().len(), 64);
            }
        }
    }
}
