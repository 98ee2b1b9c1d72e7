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
    /// Where the page's part after the inlined document starts in `html`.
    tail_at: usize,
}

/// poem-openapi's Swagger UI page cut around the document it inlines: about 1.5 MB of bundled
/// script and style, the same for every document. Rendering it (poem-openapi rescans the whole
/// page once per placeholder) and swapping the document in by searching it took about half of
/// start-up, twice (one page per listener), so it is rendered once per process and each page
/// is the two halves around its own document.
struct Shell {
    head: String,
    tail: String,
}

static SHELL: std::sync::OnceLock<Shell> = std::sync::OnceLock::new();

impl Shell {
    /// The shell, rendered from `svc`'s page the first time.
    fn get<T: OpenApi>(
        svc: &OpenApiService<T, ()>,
        generated: &str,
    ) -> anyhow::Result<&'static Self> {
        if let Some(shell) = SHELL.get() {
            return Ok(shell);
        }
        let shell = Self::cut(&svc.swagger_ui_html(), generated)?;
        Ok(SHELL.get_or_init(|| shell))
    }

    /// `page` without `document`, which it inlines once, after the bundled script (so the
    /// search starts from the end).
    fn cut(page: &str, document: &str) -> anyhow::Result<Self> {
        let at = page
            .rfind(document)
            .context("the Swagger UI page does not inline the generated document")?;
        Ok(Self {
            head: page[..at].to_owned(),
            tail: page[at + document.len()..].to_owned(),
        })
    }

    /// The page inlining `document`, and where its tail starts.
    fn page(&self, document: &str) -> (String, usize) {
        let mut page = String::with_capacity(self.head.len() + document.len() + self.tail.len());
        page.push_str(&self.head);
        page.push_str(document);
        let tail_at = page.len();
        page.push_str(&self.tail);
        (page, tail_at)
    }
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
        // document, so the merged one goes where the generated one was.
        let (html, tail_at) = Shell::get(svc, &generated)?.page(&json);
        Ok(Self {
            json: json.into(),
            yaml: yaml.into(),
            html: html.into(),
            tail_at,
        })
    }

    /// Add Swagger UI options (JavaScript object members) to the explorer page.
    pub fn with_explorer_options(mut self, options: &str) -> anyhow::Result<Self> {
        // poem-openapi's page has no hook for options; they go after its last fixed one, which
        // is in the part after the document (the document could hold the same text).
        const ANCHOR: &str = "deepLinking: true,";
        let (page, tail) = self.html.split_at(self.tail_at);
        let tail = std::str::from_utf8(tail).context("the Swagger UI page's tail")?;
        anyhow::ensure!(
            tail.contains(ANCHOR),
            "the Swagger UI page has no {ANCHOR:?} to add options after"
        );
        let tail = tail.replacen(ANCHOR, &format!("{ANCHOR}\n        {options}"), 1);
        let mut html = Vec::with_capacity(page.len() + tail.len());
        html.extend_from_slice(page);
        html.extend_from_slice(tail.as_bytes());
        self.html = html.into();
        Ok(self)
    }

    /// The document as JSON.
    pub fn json(&self) -> &[u8] {
        &self.json
    }

    /// The explorer page.
    pub fn html(&self) -> &[u8] {
        &self.html
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

#[cfg(test)]
mod tests {
    use super::Shell;

    #[test]
    fn a_page_is_cut_around_its_document_and_refilled_with_another() {
        let shell = Shell::cut(
            "<script>bundle</script>let spec = {\"a\":1};\nrest",
            "{\"a\":1}",
        )
        .expect("the document is in the page");
        let (page, tail_at) = shell.page("{\"b\":2}");
        assert_eq!(page, "<script>bundle</script>let spec = {\"b\":2};\nrest");
        assert_eq!(&page[tail_at..], ";\nrest");
    }

    #[test]
    fn a_page_without_the_document_is_refused() {
        assert!(Shell::cut("<script>bundle</script>let spec = {};", "{\"a\":1}").is_err());
    }
}
