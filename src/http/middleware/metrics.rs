//! HTTP metrics: requests by route template/method/status, duration to response headers,
//! in-flight requests, and response body bytes (counted as frames are sent, so long SSE
//! streams count too).

use std::{
    pin::Pin,
    task::{Context, Poll},
    time::Instant,
};

use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};
use http_body_util::combinators::BoxBody;
use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result};

use crate::telemetry::{labels::HttpMethod, metrics};

/// The middleware (the route comes from [`super::ClassifyRoute`]).
pub struct HttpMetrics;

impl<E: Endpoint> Middleware<E> for HttpMetrics {
    type Output = HttpMetricsEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        HttpMetricsEndpoint { inner: ep }
    }
}

/// The endpoint wrapped by [`HttpMetrics`].
pub struct HttpMetricsEndpoint<E> {
    inner: E,
}

impl<E: Endpoint> Endpoint for HttpMetricsEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Self::Output> {
        let start = Instant::now();
        let route = super::route_of(&req);
        let method = HttpMethod::of(req.method());
        let in_flight = metrics::http_in_flight(route);
        let mut resp = match self.inner.call(req).await {
            Ok(r) => r.into_response(),
            Err(e) => e.into_response(),
        };
        drop(in_flight);
        metrics::http_request(route, method, resp.status().as_u16(), start.elapsed());
        let body = BoxBody::from(resp.take_body());
        let counted = CountingBody {
            inner: body,
            counter: metrics::http_bytes_out(route),
        };
        resp.set_body(poem::Body::from(BoxBody::new(counted)));
        Ok(resp)
    }
}

/// A response body that adds the size of each data frame to a counter. Size hints and
/// end-of-stream pass through, so `Content-Length` is unchanged.
struct CountingBody {
    inner: BoxBody<Bytes, std::io::Error>,
    counter: ::metrics::Counter,
}

impl HttpBody for CountingBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<std::result::Result<Frame<Bytes>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
        {
            self.counter.increment(data.len() as u64);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
