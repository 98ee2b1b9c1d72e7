//! `GET /health` on the public listener: `{"status":"ok"}`, the seed's contract.

use poem_openapi::{Enum, Object, OpenApi, payload::Json};

use super::PublicTags;

/// The only status a serving process reports.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
pub enum Alive {
    /// The process serves HTTP.
    Ok,
}

/// Liveness body.
#[derive(Object, Debug, Clone)]
pub struct Liveness {
    /// Always `ok`.
    pub status: Alive,
}

/// The public health API.
pub struct HealthApi;

#[OpenApi]
impl HealthApi {
    /// Health check
    ///
    /// `200 {"status":"ok"}` while the process serves, exactly as the upstream server
    /// documents it. Readiness is on the admin listener (`/readyz`).
    #[oai(
        path = "/health",
        method = "get",
        tag = "PublicTags::Health",
        operation_id = "health"
    )]
    async fn health(&self) -> Json<Liveness> {
        Json(Liveness { status: Alive::Ok })
    }
}
