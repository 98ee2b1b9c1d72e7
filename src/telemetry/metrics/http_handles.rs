//! Handles of the per-request HTTP series, looked up once per label set instead of on every
//! request.
//!
//! `counter!`/`histogram!`/`gauge!` build the label set (and a `String` for the status) and
//! look it up in the recorder's registry on every call: about 9,000 instructions per request
//! for the four HTTP series (docs/performance.md). A handle is the registry's own atomic, so a
//! cached one records exactly what a fresh lookup would. Handles are kept only once our
//! Prometheus recorder is installed ([`super::install`]), so none is ever a handle of
//! the no-op recorder; before that every call looks up as the macros do. Series still appear
//! only when first used: nothing is registered ahead.

use std::{
    collections::HashMap,
    sync::{OnceLock, RwLock},
};

use metrics::{Counter, Gauge, Histogram, counter, gauge, histogram};

use super::handle_cache::{cached, table};

use crate::telemetry::labels::{HttpMethod, Route};

const ROUTES: usize = Route::ALL.len();
const METHODS: usize = HttpMethod::ALL.len();

/// The handles of one route, each filled on first use.
struct RouteHandles {
    in_flight: OnceLock<Gauge>,
    bytes_out: OnceLock<Counter>,
    duration: [OnceLock<Histogram>; METHODS],
    /// By (method, status): statuses are few per route in practice.
    requests: RwLock<HashMap<(HttpMethod, u16), Counter>>,
}

fn route_handles(route: Route) -> Option<&'static RouteHandles> {
    static HANDLES: OnceLock<Vec<RouteHandles>> = OnceLock::new();
    let all = table(&HANDLES, ROUTES, || RouteHandles {
        in_flight: OnceLock::new(),
        bytes_out: OnceLock::new(),
        duration: std::array::from_fn(|_| OnceLock::new()),
        requests: RwLock::new(HashMap::new()),
    });
    all?.get(route as usize)
}

/// The in-flight gauge of `route`.
pub(super) fn in_flight(route: Route) -> Gauge {
    cached(
        route_handles(route).map(|h| &h.in_flight),
        || gauge!(super::HTTP_IN_FLIGHT, "route" => route.as_str()),
    )
}

/// The response-bytes counter of `route`.
pub(super) fn bytes_out(route: Route) -> Counter {
    cached(
        route_handles(route).map(|h| &h.bytes_out),
        || counter!(super::HTTP_BYTES_OUT, "route" => route.as_str()),
    )
}

/// The duration histogram of `route` and `method`.
pub(super) fn duration(route: Route, method: HttpMethod) -> Histogram {
    let slot = route_handles(route).map(|h| &h.duration[method as usize]);
    cached(slot, || {
        histogram!(super::HTTP_DURATION, "route" => route.as_str(),
            "method" => method.as_str())
    })
}

/// The request counter of `route`, `method` and `status`.
pub(super) fn requests(route: Route, method: HttpMethod, status: u16) -> Counter {
    let fresh = || {
        counter!(super::HTTP_REQUESTS, "route" => route.as_str(),
            "method" => method.as_str(), "status" => status.to_string())
    };
    let Some(h) = route_handles(route) else {
        return fresh();
    };
    let key = (method, status);
    if let Some(c) = h
        .requests
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .get(&key)
    {
        return c.clone();
    }
    let mut map = h.requests.write().unwrap_or_else(|p| p.into_inner());
    map.entry(key).or_insert_with(fresh).clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_enums_index_their_own_tables() {
        for (i, r) in Route::ALL.iter().enumerate() {
            assert_eq!(*r as usize, i, "{r:?}");
        }
        for (i, m) in HttpMethod::ALL.iter().enumerate() {
            assert_eq!(*m as usize, i, "{m:?}");
        }
    }

    #[test]
    fn cached_handles_record_into_the_same_series_as_fresh_lookups() {
        let handle = super::super::install();
        let before = handle.render();
        let count = |text: &str| {
            text.lines()
                .filter(|l| {
                    l.starts_with(super::super::HTTP_REQUESTS)
                        && l.contains(r#"route="openapi""#)
                        && l.contains(r#"status="418""#)
                })
                .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
                .sum::<u64>()
        };
        requests(Route::OpenApi, HttpMethod::Patch, 418).increment(2);
        counter!(super::super::HTTP_REQUESTS, "route" => "openapi", "method" => "PATCH",
            "status" => "418")
        .increment(3);
        requests(Route::OpenApi, HttpMethod::Patch, 418).increment(1);
        assert_eq!(count(&handle.render()) - count(&before), 6);
    }
}
