//! `resources/subscribe` and `resources/unsubscribe` (protocol 2024-11-05 … 2025-11-25).
//!
//! Opik pushes nothing, so a subscription is a bounded poll: every
//! `opik.subscription_poll_secs` (the first after a random part of it, so a burst of
//! subscriptions does not poll in step) the resource is read as `resources/read` would, and
//! when its text differs from the last successful read, or the entity is gone,
//! `notifications/resources/updated` goes to the client on the session's stream. A failed
//! read (Opik down) changes nothing and is retried at the next tick. A session holds at most
//! `limits.max_subscriptions_per_session`; the polls stop when the client unsubscribes or
//! the session ends. With that limit at 0 the capability is not advertised and the methods
//! answer -32601 like any method the server does not offer.

use std::{
    collections::HashMap,
    hash::{DefaultHasher, Hash, Hasher},
    sync::{Arc, Mutex},
    time::Duration,
};

use rand::Rng;
use rmcp::{
    ErrorData, Peer, RoleServer,
    model::{ErrorCode, Extensions, ResourceContents, ResourceUpdatedNotificationParam},
};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::{McpEngine, McpServer, resources};

/// JSON-RPC's implementation-defined server error: the subscription limit is reached.
const LIMIT_REACHED: ErrorCode = ErrorCode(-32000);

/// The subscriptions of one session; dropping it (the session's engine ends) stops the polls.
#[derive(Default)]
pub struct Subscriptions {
    polls: Mutex<HashMap<String, CancellationToken>>,
}

impl Drop for Subscriptions {
    fn drop(&mut self) {
        let polls = self.polls.get_mut().unwrap_or_else(|p| p.into_inner());
        for (_, stop) in polls.drain() {
            stop.cancel();
        }
    }
}

/// What a read of a subscribed resource gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    /// Its text, hashed.
    Text(u64),
    /// Not found.
    Gone,
}

impl Subscriptions {
    /// How many resources are subscribed.
    fn count(&self) -> usize {
        self.polls.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

/// Subscribe the session of `server` to `uri`, notifying `peer` of changes. Subscribing
/// twice to one URI is one subscription.
pub async fn subscribe(
    server: &McpServer,
    uri: &str,
    ext: &Extensions,
    peer: Peer<RoleServer>,
) -> Result<(), ErrorData> {
    let engine = server.engine();
    if !engine.subscriptions_enabled() {
        return Err(off("resources/subscribe"));
    }
    if !resources::is_listed(engine.settings(), uri) {
        return Err(resources::not_found(uri));
    }
    let limit = engine.settings().limits.max_subscriptions_per_session;
    if server.subscriptions.polls_contains(uri) {
        return Ok(());
    }
    if server.subscriptions.count() >= limit {
        return Err(ErrorData::new(
            LIMIT_REACHED,
            format!(
                "this session already has {limit} resource subscriptions, the limit; \
                 unsubscribe from one first"
            ),
            Some(json!({ "uri": uri, "limit": limit })),
        ));
    }
    // The first read sets what later reads are compared with; a missing entity is refused
    // now rather than polled for ever.
    let first = match resources::read(server, uri, ext).await {
        Ok(result) => Some(seen(&result)),
        Err(e) if e.code == ErrorCode::RESOURCE_NOT_FOUND => {
            return Err(ErrorData::resource_not_found(
                format!("Resource {uri} not found: {}", e.message),
                Some(json!({ "uri": uri })),
            ));
        }
        Err(e) if e.code == ErrorCode::INVALID_PARAMS => return Err(e),
        // Opik failed: the first successful poll sets the baseline.
        Err(_) => None,
    };
    let stop = CancellationToken::new();
    {
        let mut polls = server
            .subscriptions
            .polls
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if polls.contains_key(uri) {
            return Ok(());
        }
        polls.insert(uri.to_owned(), stop.clone());
    }
    // The poll's own handler: holding the session's would keep its subscriptions alive.
    let poller = McpServer {
        engine: Arc::clone(&server.engine),
        subscriptions: Arc::default(),
    };
    let every = engine.settings().opik.subscription_poll();
    let (uri, ext) = (uri.to_owned(), ext.clone());
    tokio::spawn(async move { poll(poller, uri, ext, peer, first, every, stop).await });
    Ok(())
}

/// Stop watching `uri`. A URI that is not subscribed is fine (unsubscribing is idempotent);
/// one that names no resource is not found.
pub fn unsubscribe(server: &McpServer, uri: &str) -> Result<(), ErrorData> {
    if !server.engine().subscriptions_enabled() {
        return Err(off("resources/unsubscribe"));
    }
    let stopped = server
        .subscriptions
        .polls
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(uri);
    match stopped {
        Some(stop) => stop.cancel(),
        None if !resources::is_listed(server.engine().settings(), uri) => {
            return Err(resources::not_found(uri));
        }
        None => {}
    }
    Ok(())
}

/// Subscriptions are off: the method is not offered (the session's service explains).
fn off(method: &'static str) -> ErrorData {
    ErrorData::new(ErrorCode::METHOD_NOT_FOUND, method, None)
}

impl Subscriptions {
    fn polls_contains(&self, uri: &str) -> bool {
        self.polls
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(uri)
    }
}

/// Read `uri` until `stop`, notifying `peer` when what is seen changes.
async fn poll(
    server: McpServer,
    uri: String,
    ext: Extensions,
    peer: Peer<RoleServer>,
    mut last: Option<Seen>,
    every: Duration,
    stop: CancellationToken,
) {
    let mut wait = every.mul_f64(rand::rng().random_range(0.5..1.0));
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(wait) => {}
        }
        wait = every;
        let now = read(&server, &uri, &ext).await;
        if now.is_some() && last.is_some() && now != last {
            let note = ResourceUpdatedNotificationParam::new(uri.clone());
            if peer.notify_resource_updated(note).await.is_err() {
                // The session is gone.
                return;
            }
        }
        last = now.or(last);
    }
}

/// What a read of `uri` shows; `None` for a failure worth retrying (Opik down).
async fn read(server: &McpServer, uri: &str, ext: &Extensions) -> Option<Seen> {
    match resources::read(server, uri, ext).await {
        Ok(result) => Some(seen(&result)),
        Err(e) if e.code == ErrorCode::RESOURCE_NOT_FOUND => Some(Seen::Gone),
        Err(_) => None,
    }
}

fn seen(result: &rmcp::model::ReadResourceResult) -> Seen {
    let mut hasher = DefaultHasher::new();
    for c in &result.contents {
        if let ResourceContents::TextResourceContents { text, .. } = c {
            text.hash(&mut hasher);
        }
    }
    Seen::Text(hasher.finish())
}

impl McpEngine {
    /// Whether sessions may subscribe to resources.
    pub fn subscriptions_enabled(&self) -> bool {
        self.settings().limits.max_subscriptions_per_session > 0
    }
}
