//! Injected failures, and the middleware in front of every /v3 and /v4 request that counts it,
//! adds latency and applies the next matching fault.

use std::collections::VecDeque;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::state::Shared;

/// A way for the next request(s) to go wrong, as seen by the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// That HTTP status with a small HTML page, as a proxy or overloaded server answers.
    /// The request has no effect. A number that is not a final HTTP status (e.g. 1000, 101) becomes 500.
    ServerError(u16),
    /// HTTP 429 with a `Retry-After` header. The request has no effect.
    TooManyRequests { retry_after_secs: u64 },
    /// The connection is closed without an answer; the request has NO effect.
    DropConnection,
    /// The request takes effect (e.g. the e-mail is sent), then the reply is lost (connection cut).
    DropAfterHandling,
    /// That status and body, served as `text/html`. The request has no effect.
    NonJson { status: u16, body: String },
    /// The request takes effect; the client gets the real status with only the first half of
    /// the real body (a complete HTTP reply whose JSON stops in the middle).
    Truncated,
    /// HTTP 200 with an empty body. The request has no effect.
    Empty,
}

/// At most this many injections wait at once; older ones make room for newer ones.
const MAX_QUEUED_FAULTS: usize = 1024;

struct Injection {
    path_suffix: Option<String>,
    fault: Fault,
    remaining: u32,
}

#[derive(Default)]
pub(crate) struct FaultQueue {
    injections: VecDeque<Injection>,
}

impl FaultQueue {
    pub(crate) fn push(&mut self, path_suffix: Option<&str>, fault: Fault, times: u32) {
        if times == 0 {
            return;
        }
        if self.injections.len() >= MAX_QUEUED_FAULTS {
            log::warn!("sandbox: too many faults waiting; the oldest one was dropped");
            self.injections.pop_front();
        }
        let path_suffix = path_suffix.map(|s| s.trim_end_matches('/').to_owned());
        self.injections.push_back(Injection {
            path_suffix,
            fault,
            remaining: times,
        });
    }

    /// The fault for a request on `path`: the oldest injection that matches it, used up once.
    pub(crate) fn take(&mut self, path: &str) -> Option<Fault> {
        let path = path.trim_end_matches('/');
        let index = self
            .injections
            .iter()
            .position(|inj| match &inj.path_suffix {
                Some(suffix) => path.ends_with(suffix.as_str()),
                None => true,
            })?;
        let injection = self.injections.get_mut(index)?;
        injection.remaining = injection.remaining.saturating_sub(1);
        let fault = injection.fault.clone();
        if injection.remaining == 0 {
            self.injections.remove(index);
        }
        Some(fault)
    }

    pub(crate) fn clear(&mut self) {
        self.injections.clear();
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.injections.len()
    }
}

pub(crate) async fn middleware(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    shared.count_request(&path);
    // Taken on arrival, not after the delay, so "the next n requests" means arrival order.
    let fault = shared.faults().take(&path);
    let latency = shared.settings().latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let Some(fault) = fault else {
        return next.run(request).await;
    };
    log::debug!("sandbox: fault {fault:?} on {path}");
    match fault {
        Fault::DropAfterHandling => {
            // The handler finishes (and changes state) before the connection is cut.
            let reply = next.run(request).await;
            drop(reply);
            dropped_connection()
        }
        Fault::Truncated => truncate(next.run(request).await).await,
        other => answer_without_handling(other),
    }
}

fn answer_without_handling(fault: Fault) -> Response {
    match fault {
        Fault::ServerError(code) => {
            let status = status_or_500(code);
            let reason = status.canonical_reason().unwrap_or("Server Error");
            let page = format!(
                "<html><head><title>{code} {reason}</title></head><body><h1>{code} {reason}</h1></body></html>",
                code = status.as_u16()
            );
            html(status, page)
        }
        Fault::TooManyRequests { retry_after_secs } => {
            let mut reply = html(
                StatusCode::TOO_MANY_REQUESTS,
                "<html><body><h1>429 Too Many Requests</h1></body></html>".to_owned(),
            );
            reply
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            reply
        }
        Fault::NonJson { status, body } => html(status_or_500(status), body),
        Fault::Empty => (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            "",
        )
            .into_response(),
        Fault::DropConnection | Fault::DropAfterHandling | Fault::Truncated => dropped_connection(),
    }
}

/// A reply whose body fails at once: hyper then aborts the connection before anything of the
/// reply was flushed, so the client sees a transport error, not a response.
fn dropped_connection() -> Response {
    let failing = futures_util::stream::once(async {
        Err::<axum::body::Bytes, std::io::Error>(std::io::Error::other(
            "sandbox fault: connection dropped",
        ))
    });
    Response::new(Body::from_stream(failing))
}

async fn truncate(reply: Response) -> Response {
    let (mut parts, body) = reply.into_parts();
    let bytes = match axum::body::to_bytes(body, super::body::MAX_BODY_BYTES * 16).await {
        Ok(bytes) => bytes,
        Err(_) => return dropped_connection(),
    };
    let cut = bytes.slice(..bytes.len() / 2);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(cut))
}

/// Informational codes cannot end an HTTP exchange, so they count as "not an HTTP status" too.
fn status_or_500(code: u16) -> StatusCode {
    match StatusCode::from_u16(code) {
        Ok(status) if code >= 200 => status,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn html(status: StatusCode, page: String) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        page,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn injections_are_used_up_in_order() {
        let mut q = FaultQueue::default();
        q.push(None, Fault::ServerError(503), 2);
        q.push(None, Fault::Empty, 1);
        assert_eq!(q.take("/v3/coupon/list"), Some(Fault::ServerError(503)));
        assert_eq!(q.take("/v4/x"), Some(Fault::ServerError(503)));
        assert_eq!(q.take("/v3/coupon/list"), Some(Fault::Empty));
        assert_eq!(q.take("/v3/coupon/list"), None);
    }

    #[test]
    fn path_bound_injections_only_hit_their_path() {
        let mut q = FaultQueue::default();
        q.push(Some("send/email/"), Fault::DropAfterHandling, 1);
        assert_eq!(q.take("/v3/coupon/list"), None);
        assert_eq!(q.take("/v3/send/email/"), Some(Fault::DropAfterHandling));
        assert_eq!(q.take("/v3/send/email"), None);
    }

    #[test]
    fn zero_times_injects_nothing_and_clear_empties() {
        let mut q = FaultQueue::default();
        q.push(None, Fault::Empty, 0);
        assert_eq!(q.len(), 0);
        q.push(None, Fault::Empty, 5);
        q.clear();
        assert_eq!(q.take("/v3/a"), None);
    }

    #[test]
    fn queue_is_capped() {
        let mut q = FaultQueue::default();
        q.push(None, Fault::ServerError(500), 1);
        for _ in 0..MAX_QUEUED_FAULTS {
            q.push(None, Fault::Empty, 1);
        }
        assert_eq!(q.len(), MAX_QUEUED_FAULTS);
        assert_eq!(q.take("/v3/a"), Some(Fault::Empty));
    }

    #[tokio::test]
    async fn truncated_reply_is_the_first_half() {
        let reply = super::super::envelope::json_response(
            StatusCode::OK,
            serde_json::json!({"abc": "defghij"}),
        );
        let cut = truncate(reply).await;
        assert_eq!(cut.status(), StatusCode::OK);
        let bytes = axum::body::to_bytes(cut.into_body(), 1024).await.unwrap();
        assert_eq!(&bytes[..], br#"{"abc":""#);
    }

    #[test]
    fn odd_status_numbers_become_500() {
        assert_eq!(
            answer_without_handling(Fault::ServerError(1000)).status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
        assert_eq!(
            answer_without_handling(Fault::ServerError(101)).status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
        assert_eq!(
            answer_without_handling(Fault::ServerError(503)).status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        let r = answer_without_handling(Fault::TooManyRequests {
            retry_after_secs: 7,
        });
        assert_eq!(r.headers().get(header::RETRY_AFTER).unwrap(), "7");
    }
}
