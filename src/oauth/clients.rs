//! Who the MCP client is: a registered client (store) or a metadata-document client
//! (fetched), and client authentication at the token and revocation endpoints (RFC 6749
//! §2.3: `client_secret_basic`, `client_secret_post`, or a public client's bare `client_id`).

use std::sync::Arc;

use base64::{Engine, engine::general_purpose::STANDARD};
use poem::http::HeaderMap;
use subtle::ConstantTimeEq;

use super::{
    Broker, cimd,
    error::{Code, JsonError},
    hash,
};

pub(crate) use super::Client;

/// Why a client could not be found.
#[derive(Debug)]
pub enum Lookup {
    /// No such client (or its metadata document is unusable: the text says why).
    Unknown(String),
    /// The store failed.
    Store(crate::store::StoreError),
}

impl Broker {
    /// The client with `id`.
    pub(super) async fn client(&self, id: &str) -> Result<Arc<Client>, Lookup> {
        if id.is_empty() || id.len() > 2000 {
            return Err(Lookup::Unknown("missing or overlong client_id".into()));
        }
        if cimd::is_document_url(id) {
            return self.cimd.client(id).await.map_err(Lookup::Unknown);
        }
        match self.store.client(id).await {
            Ok(Some(c)) => Ok(Arc::new(Client {
                id: c.client_id,
                name: c.client_name,
                redirect_uris: c.redirect_uris,
                secret_hash: c.secret_hash,
            })),
            Ok(None) => Err(Lookup::Unknown(format!("unknown client_id {id:?}"))),
            Err(e) => Err(Lookup::Store(e)),
        }
    }

    /// Authenticate the client of a token or revocation request.
    pub(super) async fn authenticate_client(
        &self,
        headers: &HeaderMap,
        form_id: Option<&str>,
        form_secret: Option<&str>,
    ) -> Result<Arc<Client>, JsonError> {
        let basic = basic_credentials(headers)?;
        let (id, secret) = match (&basic, form_id) {
            (Some((id, _)), Some(f)) if f != id => {
                return Err(JsonError::new(
                    Code::InvalidRequest,
                    "client_id differs from the Authorization header",
                ));
            }
            (Some((id, secret)), _) => (id.as_str(), Some(secret.as_str())),
            (None, Some(id)) => (id, form_secret),
            (None, None) => {
                return Err(JsonError::new(Code::InvalidClient, "client_id is required"));
            }
        };
        let client = match self.client(id).await {
            Ok(c) => c,
            Err(Lookup::Unknown(why)) => return Err(JsonError::new(Code::InvalidClient, why)),
            Err(Lookup::Store(e)) => return Err(JsonError::store(&e)),
        };
        match (&client.secret_hash, secret) {
            (None, _) => Ok(client),
            (Some(expected), Some(given)) => {
                let ok: bool = hash(given).as_bytes().ct_eq(expected.as_bytes()).into();
                if ok {
                    Ok(client)
                } else {
                    Err(JsonError::new(
                        Code::InvalidClient,
                        "client authentication failed",
                    ))
                }
            }
            (Some(_), None) => Err(JsonError::new(
                Code::InvalidClient,
                "this client must authenticate with its client_secret",
            )),
        }
    }
}

/// `Authorization: Basic` credentials (RFC 6749 §2.3.1: each part form-urlencoded).
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, JsonError> {
    let Some(value) = headers.get("authorization") else {
        return Ok(None);
    };
    let bad = || JsonError::new(Code::InvalidClient, "malformed Basic credentials");
    let value = value.to_str().map_err(|_| bad())?;
    let Some((scheme, b64)) = value.split_once(' ') else {
        return Err(bad());
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(bad());
    }
    let raw = STANDARD.decode(b64.trim()).map_err(|_| bad())?;
    let raw = String::from_utf8(raw).map_err(|_| bad())?;
    let (id, secret) = raw.split_once(':').ok_or_else(bad)?;
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8()
            .map(|c| c.into_owned())
            .map_err(|_| bad())
    };
    Ok(Some((decode(id)?, decode(secret)?)))
}
