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

/// poem-openapi's Swagger UI page and where the document it inlines sits in it: about 1.5 MB
/// of bundled script and style, the same for every document. Rendering it (poem-openapi
/// rescans the whole page once per placeholder) and swapping the document in by searching it
/// took about half of start-up, twice (one page per listener), so it is rendered once per
/// process and each page is copied once, around its own document.
struct Shell {
    page: String,
    at: usize,
    end: usize,
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
        let shell = Self::cut(svc.swagger_ui_html(), generated)?;
        Ok(SHELL.get_or_init(|| shell))
    }

    /// `page`, which inlines `document` once, after the bundled script (so the search starts
    /// from the end).
    fn cut(page: String, document: &str) -> anyhow::Result<Self> {
        let at = page
            .rfind(document)
            .context("the Swagger UI page does not inline the generated document")?;
        Ok(Self {
            end: at + document.len(),
            at,
            page,
        })
    }

    /// The page inlining `document`, with `options` (Swagger UI options: JavaScript object
    /// members) after its last fixed one, as poem-openapi's page has no hook for options.
    fn page(&self, document: &str, options: Option<&str>) -> anyhow::Result<String> {
        const ANCHOR: &str = "deepLinking: true,";
        const INDENT: &str = "\n        ";
        let tail = &self.page[self.end..];
        let (before, after) = match options {
            // In the part after the document (the document could hold the same text).
            Some(_) => tail.split_at(
                tail.find(ANCHOR).with_context(|| {
                    format!("the Swagger UI page has no {ANCHOR:?} to add options after")
                })? + ANCHOR.len(),
            ),
            None => (tail, ""),
        };
        let options = options.map(|o| [INDENT, o]).unwrap_or_default();
        let len = self.at + document.len() + tail.len() + options.concat().len();
        let mut page = String::with_capacity(len);
        page.push_str(&self.page[..self.at]);
        for part in [document, before].into_iter().chain(options).chain([after]) {
            page.push_str(part);
        }
        Ok(page)
    }
}

impl Docs {
    /// Render `svc`'s document after `extend` adds the hand-written parts, and its explorer
    /// page with `explorer_options` (Swagger UI options, JavaScript object members).
    pub fn build<T: OpenApi>(
        svc: &OpenApiService<T, ()>,
        explorer_options: Option<&str>,
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
        let html = Shell::get(svc, &generated)?.page(&json, explorer_options)?;
        Ok(Self {
            json: json.into(),
            yaml: yaml.into(),
            html: html.into(),
        })
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

    const PAGE: &str = "<script>bundle</script>let spec = {\"a\":1};\n  deepLinking: true,\n})";

    #[test]
    fn a_page_is_cut_around_its_document_and_refilled_with_another() {
        let shell = Shell::cut(PAGE.into(), "{\"a\":1}").expect("the document is in the page");
        let page = shell.page("{\"b\":2}", None).expect("no options");
        assert_eq!(page, PAGE.replace("{\"a\":1}", "{\"b\":2}"));
    }

    #[test]
    fn explorer_options_go_after_the_last_fixed_option() {
        let shell = Shell::cut(PAGE.into(), "{\"a\":1}").expect("the document is in the page");
        // The same text in the document is not where options go.
        let page = shell
            .page("{\"deepLinking: true,\":2}", Some("x: 1,"))
            .expect("options");
        assert_eq!(
            page,
            "<script>bundle</script>let spec = {\"deepLinking: true,\":2};\n  deepLinking: true,\
             \n        x: 1,\n})"
        );
    }

    #[test]
    fn a_page_without_the_document_or_the_anchor_is_refused() {
        assert!(Shell::cut("<script>bundle</script>let spec = {};".into(), "{\"a\":1}").is_err());
        let shell = Shell::cut("let spec = {};".into(), "{}").expect("the document is in the page");
        assert!(shell.page("{}", Some("x: 1,")).is_err());
    }
}
