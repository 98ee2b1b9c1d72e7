//! Client ID Metadata Documents (MCP authorization 2025-11-25; draft-ietf-oauth-client-id-
//! metadata-document): a client whose id is an https URL publishes its metadata there. We
//! fetch it with limits (https, or http on a loopback host; 8 KiB; the upstream timeout; no
//! redirects followed), check it names itself, and cache it.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use dashmap::DashMap;
use serde::Deserialize;

use super::{
    Client,
    http_client::{self, HttpError},
    redirect,
};
use crate::config::BrokerSettings;

/// Largest document accepted.
const MAX_BYTES: usize = 8 * 1024;
/// Most documents cached (past it the cache starts over).
const MAX_CACHED: usize = 1000;
/// Longest client name shown.
const MAX_NAME: usize = 200;

/// Whether `client_id` is a metadata-document URL (an `https` URL with a path, or `http` on
/// a loopback host).
pub fn is_document_url(client_id: &str) -> bool {
    let Ok(url) = url::Url::parse(client_id) else {
        return false;
    };
    let secure = url.scheme() == "https"
        || (url.scheme() == "http" && redirect::check(client_id, &[]).is_ok());
    secure && url.path() != "/" && url.fragment().is_none() && url.username().is_empty()
}

#[derive(Deserialize)]
struct Document {
    client_id: String,
    #[serde(default)]
    client_name: Option<String>,
    redirect_uris: Vec<String>,
    #[serde(default)]
    token_endpoint_auth_method: Option<String>,
}

/// Fetched documents, cached for `auth.broker.client_metadata_cache_secs`.
pub struct MetadataDocuments {
    enabled: bool,
    ttl: Duration,
    http: reqwest::Client,
    extra_schemes: Vec<String>,
    cache: DashMap<String, (Instant, Arc<Client>)>,
}

impl MetadataDocuments {
    /// From validated settings.
    pub fn new(b: &BrokerSettings) -> anyhow::Result<Self> {
        Ok(Self {
            enabled: b.client_metadata_documents,
            ttl: Duration::from_secs(b.client_metadata_cache_secs),
            http: http_client::upstream_client(Duration::from_secs(
                b.upstream_timeout_secs.min(10),
            ))?,
            extra_schemes: b.redirect_schemes.clone(),
            cache: DashMap::new(),
        })
    }

    /// Whether documents are accepted (advertised in the metadata).
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The client described at `url`, from the cache or fetched now. The error says why
    /// the document is not usable.
    pub async fn client(&self, url: &str) -> Result<Arc<Client>, String> {
        if !self.enabled {
            return Err("client metadata documents are not accepted here".into());
        }
        if let Some(hit) = self.cache.get(url)
            && hit.0.elapsed() < self.ttl
        {
            return Ok(Arc::clone(&hit.1));
        }
        let client = Arc::new(self.fetch(url).await?);
        if self.cache.len() >= MAX_CACHED {
            self.cache.clear();
        }
        if !self.ttl.is_zero() {
            self.cache
                .insert(url.to_owned(), (Instant::now(), Arc::clone(&client)));
        }
        Ok(client)
    }

    async fn fetch(&self, url: &str) -> Result<Client, String> {
        let req = self.http.get(url).header("accept", "application/json");
        let (status, _, body) = http_client::send(req, MAX_BYTES)
            .await
            .map_err(|e| match e {
                HttpError::TooLarge => "the client metadata document is larger than 8 KiB".into(),
                other => format!("the client metadata document could not be fetched: {other}"),
            })?;
        if !status.is_success() {
            return Err(format!(
                "the client metadata document answered HTTP {status}"
            ));
        }
        let doc: Document = serde_json::from_slice(&body)
            .map_err(|e| format!("the client metadata document is invalid: {e}"))?;
        if doc.client_id != url {
            return Err("the client metadata document names another client_id".into());
        }
        match doc.token_endpoint_auth_method.as_deref() {
            None | Some("none") => {}
            Some(other) => {
                return Err(format!(
                    "token_endpoint_auth_method {other:?} is not supported for metadata-document \
                     clients (use none)"
                ));
            }
        }
        if doc.redirect_uris.is_empty() || doc.redirect_uris.len() > 10 {
            return Err("the client metadata document needs 1 to 10 redirect_uris".into());
        }
        for uri in &doc.redirect_uris {
            redirect::check(uri, &self.extra_schemes)?;
        }
        Ok(Client {
            id: doc.client_id,
            name: doc.client_name.map(|n| n.chars().take(MAX_NAME).collect()),
            redirect_uris: doc.redirect_uris,
            secret_hash: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_urls_are_https_with_a_path_or_loopback() {
        assert!(is_document_url("https://app.example/oauth/client.json"));
        assert!(is_document_url("http://127.0.0.1:9000/client.json"));
        assert!(!is_document_url("https://app.example/"));
        assert!(!is_document_url("http://app.example/client.json"));
        assert!(!is_document_url("0b5c9d5e-uuid"));
    }
}
