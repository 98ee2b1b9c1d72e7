//! `fake-opik`: a minimal Opik REST API on loopback, so an Opik tool (`list-projects`) can be
//! driven without the network. It answers `GET /v1/private/projects` (and the same under
//! `/api`) with a fixed page of three projects; anything else is 404.

use poem::{Response, Route, Server, get, handler, http::StatusCode, listener::TcpListener};

/// Options of `fake-opik`.
#[derive(clap::Args)]
pub struct FakeOpikArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:5173")]
    pub listen: String,
}

const T0: &str = "2025-06-01T10:00:00Z";

fn page() -> String {
    let items: Vec<_> = ["checkout", "search", "support-bot"]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            serde_json::json!({
                "id": format!("0190babc-62a0-71d2-832a-0feffa4676e{i}"), "name": name,
                "visibility": "private", "description": format!("{name} project"),
                "created_at": T0, "created_by": "bench", "last_updated_at": T0,
                "last_updated_by": "bench", "last_updated_trace_at": T0
            })
        })
        .collect();
    serde_json::json!({"page": 1, "size": 3, "total": 3, "content": items,
                       "sortableBy": ["name"]})
    .to_string()
}

#[handler]
fn list_projects() -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .content_type("application/json")
        .body(page())
}

pub async fn run(args: FakeOpikArgs) -> anyhow::Result<()> {
    let app = Route::new()
        .at("/v1/private/projects", get(list_projects))
        .at("/api/v1/private/projects", get(list_projects));
    println!("fake Opik on http://{}", args.listen);
    Server::new(TcpListener::bind(args.listen)).run(app).await?;
    Ok(())
}
