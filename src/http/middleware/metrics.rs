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
use poem::{Request, Response};

use crate::telemetry::{
    labels::{HttpMethod, Route},
    metrics,
};

/// One request measured: counted in flight from [`Measure::start`] until
/// [`Measure::finish`], which records it and counts its body as it is sent.
pub(super) struct Measure {
    start: Instant,
    route: Route,
    method: HttpMethod,
    in_flight: metrics::InFlight,
}

impl Measure {
    pub(super) fn start(req: &Request, route: Route) -> Self {
        Self {
            start: Instant::now(),
            route,
            method: HttpMethod::of(req.method()),
            in_flight: metrics::http_in_flight(route),
        }
    }

    pub(super) fn finish(self, mut resp: Response) -> Response {
        let Self {
            start,
            route,
            method,
            in_flight,
        } = self;
        drop(in_flight);
        metrics::http_request(route, method, resp.status().as_u16(), start.elapsed());
        let body = BoxBody::from(resp.take_body());
        let counted = CountingBody {
            inner: body,
            counter: metrics::http_bytes_out(route),
        };
        resp.set_body(poem::Body::from(BoxBody::new(counted)));
        resp
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
