//! Serving a document: JSON, YAML and a Swagger UI page, all rendered once at start-up.

use anyhow::Context;
use bytes::Bytes;
use poem::{Endpoint, Response, Route, endpoint::make_sync, http::StatusCode};
use poem_openapi::{OpenApi, OpenApiService};
use serde_json::Value;

/// A rendered document and its explorer page.
#[derive(Clone)]
pub struct Docs {
    json: Bytes,
    yaml: Bytes,
    html: Bytes,
}

impl Docs {
    /// Render `svc`'s document after `extend` adds the hand-written parts.
    pub fn build<T: OpenApi>(
        svc: &OpenApiService<T, ()>,
        extend: impl FnOnce(&mut Value),
    ) -> anyhow::Result<Self> {
        let generated = svc.spec();
        let mut doc: Value = serde_json::from_str(&generated).context("generated spec")?;
        extend(&mut doc);
        let json = serde_json::to_string_pretty(&doc)?;
        // serde_yaml is deprecated upstream but is what poem-openapi itself uses, so it is
        // already in the tree; YAML output is all we need from it.
        let yaml = serde_yaml::to_string(&doc)?;
        // poem-openapi's Swagger UI page inlines `spec()` and offers no way to pass another
        // document, so the generated text is swapped for the merged one.
        let page = svc.swagger_ui_html();
        anyhow::ensure!(
            page.contains(&generated),
            "the Swagger UI page does not inline the generated document"
        );
        let html = page.replacen(&generated, &json, 1);
        Ok(Self {
            json: json.into(),
            yaml: yaml.into(),
            html: html.into(),
        })
    }

    /// Add Swagger UI options (JavaScript object members) to the explorer page.
    pub fn with_explorer_options(mut self, options: &str) -> anyhow::Result<Self> {
        // poem-openapi's page has no hook for options; they go after its last fixed one.
        const ANCHOR: &str = "deepLinking: true,";
        let page = String::from_utf8_lossy(&self.html).into_owned();
        anyhow::ensure!(
            page.contains(ANCHOR),
            "the Swagger UI page has no {ANCHOR:?} to add options after"
        );
        self.html = page
            .replacen(ANCHOR, &format!("{ANCHOR}\n        {options}"), 1)
            .into();
        Ok(self)
    }

    /// The document as JSON.
    pub fn json(&self) -> &[u8] {
        &self.json
    }

    /// Add `GET /openapi.json`, `GET /openapi.yaml` and `GET /docs` to `route`.
    pub fn attach(&self, route: Route) -> Route {
        fn page(ty: &'static str, body: Bytes) -> impl Endpoint<Output = Response> + 'static {
            poem::get(make_sync(move |_| {
                Response::builder()
                    .status(StatusCode::OK)
                    .content_type(ty)
                    .body(body.clone())
            }))
        }
        // `/docs/` (as typed, or as a relative link resolves) redirects to the one page.
        let to_docs = poem::get(make_sync(|_| {
            Response::builder()
                .status(StatusCode::PERMANENT_REDIRECT)
                .header("location", "/docs")
                .finish()
        }));
        route
            .at("/openapi.json", page("application/json", self.json.clone()))
            .at("/openapi.yaml", page("application/yaml", self.yaml.clone()))
            .at("/docs", page("text/html; charset=utf-8", self.html.clone()))
            .at("/docs/", to_docs)
    }
}
