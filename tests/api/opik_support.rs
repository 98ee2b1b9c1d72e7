//! An app wired to a fake Opik, with an initialized Streamable HTTP session and typed calls.

use std::{
    collections::HashMap,
    sync::atomic::{AtomicI64, Ordering},
};

use opik_mcp::config::Settings;
use serde_json::{Value, json};

use crate::{
    fake_opik::{FakeOpik, KEY, WORKSPACE},
    helpers::{TestApp, spawn_app_with},
};

/// The app, the fake it talks to, and one session.
pub struct Harness {
    pub app: TestApp,
    pub fake: FakeOpik,
    pub sid: String,
    next_id: AtomicI64,
    /// Output-schema validators by tool name, built on first use.
    outputs: tokio::sync::OnceCell<HashMap<String, jsonschema::Validator>>,
}

/// Every toolset enabled, the fake's key and workspace configured.
pub async fn harness() -> Harness {
    harness_with(|_| {}).await
}

/// As [`harness`], then `tweak` adjusts the settings.
pub async fn harness_with(tweak: impl FnOnce(&mut Settings)) -> Harness {
    let fake = FakeOpik::start().await;
    let url = fake.api_url();
    let app = spawn_app_with(|s| {
        s.opik.api_url = url;
        s.opik.api_key = Some(KEY.to_string().into());
        s.opik.workspace = WORKSPACE.into();
        s.opik.toolsets = "all".parse().expect("toolsets");
        tweak(s);
    })
    .await;
    let sid = app.initialize().await;
    Harness {
        app,
        fake,
        sid,
        next_id: AtomicI64::new(100),
        outputs: tokio::sync::OnceCell::new(),
    }
}

impl Harness {
    /// A JSON-RPC call on the session; returns the whole reply.
    pub async fn rpc(&self, method: &str, params: Value) -> Value {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let reply = self.app.rpc(&self.sid, id, method, params).await;
        assert_eq!(reply["id"], id, "{reply}");
        reply
    }

    /// `tools/call`; returns the `result` (fails on a JSON-RPC error, and on structured
    /// content that does not validate against the tool's listed output schema).
    pub async fn call(&self, name: &str, args: Value) -> Value {
        let reply = self
            .rpc("tools/call", json!({"name": name, "arguments": args}))
            .await;
        assert!(
            reply.get("error").is_none(),
            "{name}: protocol error {reply}"
        );
        let result = reply["result"].clone();
        if let Some(content) = result.get("structuredContent")
            && let Some(validator) = self.output_validators().await.get(name)
            && let Err(e) = validator.validate(content)
        {
            panic!("{name}: structured content does not match the output schema: {e}");
        }
        result
    }

    async fn output_validators(&self) -> &HashMap<String, jsonschema::Validator> {
        self.outputs
            .get_or_init(|| async {
                let list = self.rpc("tools/list", json!({})).await;
                let tools = list["result"]["tools"].as_array().expect("tools").clone();
                tools
                    .iter()
                    .filter_map(|t| {
                        let schema = t.get("outputSchema")?;
                        let v = jsonschema::draft202012::new(schema).expect("schema compiles");
                        Some((t["name"].as_str().expect("name").to_owned(), v))
                    })
                    .collect()
            })
            .await
    }

    /// A successful tool call's structured content.
    pub async fn call_ok(&self, name: &str, args: Value) -> Value {
        let result = self.call(name, args).await;
        assert_eq!(result["isError"], false, "{name} failed: {result}");
        let sc = result["structuredContent"].clone();
        assert!(sc.is_object(), "{name}: no structured content: {result}");
        sc
    }

    /// A successful tool call's text (the consolidated tools answer text).
    pub async fn call_text(&self, name: &str, args: Value) -> String {
        let result = self.call(name, args.clone()).await;
        assert_eq!(result["isError"], false, "{name} {args} failed: {result}");
        result["content"][0]["text"]
            .as_str()
            .expect("text")
            .to_string()
    }

    /// A budgeted answer (`read`, `compare_experiments`): its header line and parsed JSON.
    pub async fn call_budgeted(&self, name: &str, args: Value) -> (String, Value) {
        let text = self.call_text(name, args).await;
        let (header, body) = text.split_once('\n').expect("header line");
        let value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
        (header.to_string(), value)
    }

    /// A failed tool call's text (asserts `isError: true`).
    pub async fn call_err(&self, name: &str, args: Value) -> String {
        let result = self.call(name, args).await;
        assert_eq!(result["isError"], true, "{name} should fail: {result}");
        result["content"][0]["text"]
            .as_str()
            .expect("error text")
            .to_string()
    }

    /// `resources/read`; returns the whole reply.
    pub async fn read(&self, uri: &str) -> Value {
        self.rpc("resources/read", json!({"uri": uri})).await
    }

    /// `resources/read` that must succeed; returns the parsed JSON text.
    pub async fn read_json(&self, uri: &str) -> Value {
        let reply = self.read(uri).await;
        let c = &reply["result"]["contents"][0];
        assert_eq!(c["uri"], uri, "{reply}");
        assert_eq!(c["mimeType"], "application/json");
        serde_json::from_str(c["text"].as_str().expect("text")).expect("JSON resource")
    }

    /// `prompts/get`; returns the whole reply.
    pub async fn prompt(&self, name: &str, args: Value) -> Value {
        self.rpc("prompts/get", json!({"name": name, "arguments": args}))
            .await
    }

    /// Names of the listed tools.
    pub async fn tool_names(&self) -> Vec<String> {
        let list = self.rpc("tools/list", json!({})).await;
        list["result"]["tools"]
            .as_array()
            .expect("tools")
            .iter()
            .map(|t| t["name"].as_str().expect("name").to_string())
            .collect()
    }
}
