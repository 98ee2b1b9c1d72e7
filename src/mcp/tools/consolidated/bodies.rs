//! The building blocks of a `write` plan: the [`Plan`] itself and its requests, the
//! [`PlanOp`] trait each operation's data type implements, element parsing with located
//! errors, field checks and id generation. Nothing here knows a particular operation.

use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Map, Value, json};

use super::{
    lookup::{Known, Need},
    registry::Operation,
};

/// One request `write` sends (or, with `dry_run`, would send).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PlannedRequest {
    /// HTTP method.
    pub method: String,
    /// Path under the Opik API base URL.
    pub path: String,
    /// JSON body.
    pub body: Value,
}

/// The requests and the ids of what they create or touch.
#[derive(Debug, Default)]
pub struct Plan {
    /// Requests, in order.
    pub requests: Vec<PlannedRequest>,
    /// One id per element (client-generated UUID v7 for creates).
    pub ids: Vec<String>,
}

impl Plan {
    /// Add one request and the id of the element it writes.
    pub(super) fn push(&mut self, request: PlannedRequest, id: String) {
        self.requests.push(request);
        self.ids.push(id);
    }
}

/// The typed data of one write operation turned into requests; every element is validated
/// (errors name `data[i].field`) before anything is sent, lookups included.
pub(super) trait PlanOp: DeserializeOwned {
    /// Validate every element and say what must be read from Opik before planning (a trace's
    /// project). By default nothing: [`PlanOp::plan`] validates.
    fn needs(_items: &[Self]) -> Result<Vec<Need>, String> {
        Ok(Vec::new())
    }

    /// The requests for `items`, in order, given what the lookups found.
    fn plan(op: Operation, items: &[Self], known: &Known) -> Result<Plan, String>;
}

/// A request.
pub(super) fn req(method: &str, path: impl Into<String>, body: Value) -> PlannedRequest {
    PlannedRequest {
        method: method.into(),
        path: path.into(),
        body,
    }
}

/// Parse each element as `T`; the first failure names its index, path, problem and example.
pub(super) fn parse_all<T: DeserializeOwned>(
    op: Operation,
    els: &[&Value],
) -> Result<Vec<T>, String> {
    els.iter()
        .enumerate()
        .map(|(i, el)| {
            serde_path_to_error::deserialize::<_, T>(*el).map_err(|e| {
                let path = e.path().to_string();
                let at = if path == "." {
                    format!("data[{i}]")
                } else {
                    format!("data[{i}].{path}")
                };
                format!(
                    "{at}: {}. Call schema(operation=\"{}\") for the full schema; a valid \
                     element looks like {}",
                    e.inner(),
                    op.name(),
                    op.example()
                )
            })
        })
        .collect()
}

/// `v` (an object) without its null members: the optional fields the caller left out.
pub(super) fn compact(v: Value) -> Value {
    match v {
        Value::Object(mut m) => {
            m.retain(|_, v| !v.is_null());
            Value::Object(m)
        }
        _ => Value::Object(Map::new()),
    }
}

/// A fresh UUID v7 (the id kind Opik generates).
pub(super) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// `data[i].field` as a UUID.
pub(super) fn uuid_field(i: usize, field: &str, value: &str) -> Result<String, String> {
    uuid::Uuid::parse_str(value.trim())
        .map(|u| u.to_string())
        .map_err(|_| format!("data[{i}].{field}: expected a UUID such as \"0190babc-62a0-71d2-832a-0feffa4676eb\", got {value:?}"))
}

/// The given id (a UUID) or a new one.
pub(super) fn given_or_new(i: usize, id: Option<&str>) -> Result<String, String> {
    id.map_or_else(|| Ok(new_id()), |id| uuid_field(i, "id", id))
}

/// `data[i].field` must not be blank.
pub(super) fn non_empty(i: usize, field: &str, value: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        Err(format!("data[{i}].{field}: expected a non-empty string"))
    } else {
        Ok(())
    }
}

/// The optional string, trimmed, unless blank.
pub(super) fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn parse_instant(
    i: usize,
    field: &str,
    value: &str,
) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(value.trim())
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| {
            format!(
                "data[{i}].{field}: expected an ISO 8601 / RFC 3339 time with a UTC offset, \
                 such as \"2026-01-01T12:00:00Z\" or \"2026-01-01T14:00:00.250+02:00\", got \
                 {value:?} ({e})"
            )
        })
}

fn utc(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// `data[i].field`, an optional ISO 8601 / RFC 3339 time with an offset, in UTC.
pub(super) fn instant(
    i: usize,
    field: &str,
    value: Option<&str>,
) -> Result<Option<String>, String> {
    value
        .map(|v| parse_instant(i, field, v).map(utc))
        .transpose()
}

/// Start (now when omitted) and end of element `i`, in UTC; the end not before the start.
pub(super) fn times(
    i: usize,
    start: Option<&str>,
    end: Option<&str>,
) -> Result<(String, Option<String>), String> {
    let start_at = start
        .map(|v| parse_instant(i, "start_time", v))
        .transpose()?;
    let end_at = end.map(|v| parse_instant(i, "end_time", v)).transpose()?;
    if let (Some(s), Some(e)) = (start_at, end_at)
        && e < s
    {
        return Err(format!(
            "data[{i}].end_time: {} is before start_time {}",
            utc(e),
            utc(s)
        ));
    }
    Ok((start_at.map_or_else(now, utc), end_at.map(utc)))
}

/// Now, RFC 3339 in UTC with milliseconds.
pub(super) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// One element: `POST one`; several: one `POST many` with `{key: [bodies]}`.
pub(super) fn batch(
    bodies: Vec<Value>,
    ids: Vec<String>,
    one: &str,
    many: &str,
    key: &str,
) -> Plan {
    let requests = if bodies.len() == 1 {
        vec![req(
            "POST",
            one,
            bodies.into_iter().next().unwrap_or_default(),
        )]
    } else {
        vec![req("POST", many, json!({ key: bodies }))]
    };
    Plan { requests, ids }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_need_an_offset_are_sent_in_utc_and_may_not_run_backwards() {
        let (start, end) = times(
            0,
            Some("2026-01-01T14:00:00.250+02:00"),
            Some("2026-01-01T12:00:01Z"),
        )
        .expect("valid");
        assert_eq!(start, "2026-01-01T12:00:00.250Z");
        assert_eq!(end.as_deref(), Some("2026-01-01T12:00:01Z"));
        let err = times(4, Some("2026-01-01T12:00:00"), None).expect_err("no offset");
        assert!(
            err.starts_with("data[4].start_time: expected an ISO 8601"),
            "{err}"
        );
        let err = times(
            1,
            Some("2026-01-01T12:00:00Z"),
            Some("2026-01-01T11:00:00Z"),
        )
        .expect_err("backwards");
        assert!(
            err.starts_with("data[1].end_time: 2026-01-01T11:00:00Z is before"),
            "{err}"
        );
        let (now, none) = times(0, None, None).expect("defaults");
        assert!(now.ends_with('Z') && none.is_none(), "{now}");
        assert_eq!(instant(2, "end_time", None), Ok(None));
        assert!(
            instant(2, "end_time", Some("tomorrow"))
                .is_err_and(|e| e.starts_with("data[2].end_time:"))
        );
    }
}
