//! `POST /revoke` (RFC 7009). A refresh token revokes its whole grant. Access tokens are
//! self-contained JWTs: they stay valid until they expire (`auth.broker.access_token_ttl_secs`),
//! which RFC 7009 §2 allows; revoking one is answered 200 like any other token. Unknown
//! tokens are answered 200 too (§2.2), so the endpoint tells nothing about tokens.

use std::sync::Arc;

use poem::{Endpoint, IntoResponse, Request, Response, endpoint::make, http::StatusCode};

use super::{
    Broker,
    audit::Event,
    error::{JsonError, no_store},
    hash, web,
};
use crate::telemetry::labels::{OAuthRefusal, OAuthStep};

/// `POST /revoke`.
pub fn endpoint() -> impl Endpoint<Output = Response> {
    web::cors(web::post_only(make(|mut req: Request| async move {
        let broker = web::broker(&req);
        match web::read_form(&mut req).await {
            Ok(form) => revoke(&broker, &req, &form)
                .await
                .unwrap_or_else(|e| e.into_response()),
            Err(e) => e.into_response(),
        }
    })))
}

async fn revoke(
    broker: &Arc<Broker>,
    req: &Request,
    form: &std::collections::HashMap<String, String>,
) -> Result<Response, JsonError> {
    let ip = broker.ip(req);
    let get = |k: &str| form.get(k).map(String::as_str);
    let client = broker
        .authenticate_client(req.headers(), get("client_id"), get("client_secret"))
        .await
        .inspect_err(|e| {
            let event = Event::refused_with(OAuthStep::Revoke, e, OAuthRefusal::InvalidClient, ip);
            broker.audit(event);
        })?;
    let token = get("token")
        .ok_or_else(|| JsonError::new(super::error::Code::InvalidRequest, "token is required"))?;
    let grant = broker
        .store
        .refresh_grant(&hash(token))
        .await
        .map_err(|e| JsonError::store(&e))?;
    if let Some(grant) = grant {
        let owned = broker
            .store
            .grants(&super::rows::GrantsQuery {
                id: Some(grant.clone()),
                now: super::now(),
                limit: 1,
                ..Default::default()
            })
            .await
            .map_err(|e| JsonError::store(&e))?
            .first()
            .is_some_and(|g| g.client_id == client.id);
        if owned {
            broker.revoke(&grant, "revoked by the client", ip).await;
        }
    }
    Ok(no_store(Response::builder().status(StatusCode::OK)).finish())
}
