//! The broker in the OpenAPI documents: the public one describes its endpoints (tag
//! `Sign-in`), the admin one its grants API, and every documented route answers as documented
//! (a listed status, and 405 with the documented method for the others).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::spawn_broker;
use crate::openapi::json_doc;

/// The operations of `doc` tagged `tag`, as (path, method, operation).
fn tagged(doc: &Value, tag: &str) -> Vec<(String, String, Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if op["tags"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t == tag))
            {
                ops.push((path.clone(), method.clone(), op.clone()));
            }
        }
    }
    ops
}

#[tokio::test]
async fn the_public_document_describes_the_broker_endpoints() {
    let b = spawn_broker().await;
    let doc = json_doc(&b.app, &b.app.base).await;
    let ops = tagged(&doc, "Sign-in");
    let mut routes: Vec<String> = ops.iter().map(|(p, m, _)| format!("{m} {p}")).collect();
    routes.sort();
    assert_eq!(
        routes,
        [
            "get /.well-known/jwks.json",
            "get /.well-known/oauth-authorization-server",
            "get /authorize",
            "get /oauth/callback",
            "post /oauth/consent",
            "post /register",
            "post /revoke",
            "post /token",
        ]
    );
    let schemas: serde_json::Map<String, Value> = doc["components"]["schemas"]
        .as_object()
        .expect("schemas")
        .iter()
        .filter(|(name, _)| broker_schema(name))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let operations: Vec<Value> = ops
        .iter()
        .map(|(p, m, o)| json!({"path": p, "method": m, "op": o}))
        .collect();
    let part = json!({"operations": operations, "schemas": schemas});
    insta::assert_snapshot!(
        "public_openapi_broker",
        serde_json::to_string_pretty(&part).expect("pretty")
    );
}

/// The schemas `src/openapi/broker_schemas.rs` declares.
fn broker_schema(name: &str) -> bool {
    [
        "OAuthError",
        "AuthorizationServerMetadata",
        "Jwks",
        "ClientRegistration",
        "ClientInformation",
        "TokenRequest",
        "TokenResponse",
        "RevocationRequest",
        "ConsentForm",
    ]
    .contains(&name)
}

#[tokio::test]
async fn every_broker_route_answers_as_documented() {
    let b = spawn_broker().await;
    let doc = json_doc(&b.app, &b.app.base).await;
    for (path, method, op) in tagged(&doc, "Sign-in") {
        // Without parameters or body: a refusal the document lists (or the metadata).
        let m = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
        let resp = b
            .http
            .request(m, b.app.url(&path))
            .send()
            .await
            .expect("call");
        let status = resp.status().as_str().to_owned();
        assert!(
            op["responses"][&status].is_object(),
            "{method} {path}: {status} undocumented"
        );
        // Any other method: 405, naming the one documented.
        let resp = b.http.put(b.app.url(&path)).send().await.expect("PUT");
        assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED, "PUT {path}");
        let allow = resp.headers().get("allow").and_then(|v| v.to_str().ok());
        assert_eq!(allow, Some(method.to_uppercase().as_str()), "PUT {path}");
    }
}

#[tokio::test]
async fn the_admin_document_describes_the_grants_api() {
    let b = spawn_broker().await;
    let doc = json_doc(&b.app, &b.app.admin).await;
    for path in [
        "/admin/oauth/grants",
        "/admin/oauth/grants/{id}",
        "/admin/oauth/openapi.json",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    for (path, query, want) in [
        ("/admin/oauth/grants", "", 200),
        ("/admin/oauth/grants", "?limit=0", 400),
        ("/admin/oauth/grants", "?all=maybe", 400),
        ("/admin/oauth/openapi.json", "", 200),
    ] {
        let resp = b.admin(Method::GET, &format!("{path}{query}")).await;
        assert_eq!(resp.status().as_u16(), want, "{path}{query}");
        assert!(
            doc["paths"][path]["get"]["responses"][want.to_string()].is_object(),
            "{path}: {want} undocumented"
        );
    }
    let resp = b.admin(Method::PUT, "/admin/oauth/grants/some-id").await;
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        resp.headers().get("allow").and_then(|v| v.to_str().ok()),
        Some("DELETE")
    );
    // The two admin APIs share the Error schema: it is there once, as it was.
    assert_eq!(
        doc["components"]["schemas"]["Error"]["required"],
        json!(["error"])
    );
}
