//! Injected failures, and the middleware in front of every /v3 and /v4 request that counts it,
//! adds latency and applies the next matching fault.

use std::collections::VecDeque;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

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
    /// A v3 refusal in Coupontools' own words (envelope shape A with this code); the request has
    /// no effect. For tests of what follows a refusal (e.g. after a lost reply).
    Refuse { code: u32, description: String },
    /// The request takes effect (e.g. the e-mail is sent), but the reply has no `action` key:
    /// an OK that does not say what happened.
    OkWithoutAction,
    /// The request takes effect; the reply's `status` is a plain string instead of the
    /// documented object: `{"status": "OK", ...payload}` (a failure becomes `"status": "failed"`
    /// with its `errors` beside it).
    StatusAsString,
    /// Nothing goes wrong: the request is handled as usual. Queued before another fault on
    /// the same path, it aims that one at a later request (the second chunk, say).
    Pass,
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
    /// A suffix may start with a method (`"POST stats/910002"`): then only that method matches,
    /// so a write's fault is not spent on the read before it.
    #[cfg(test)]
    pub(crate) fn take(&mut self, path: &str) -> Option<Fault> {
        self.take_for("", path)
    }

    pub(crate) fn take_for(&mut self, method: &str, path: &str) -> Option<Fault> {
        let path = path.trim_end_matches('/');
        let index = self
            .injections
            .iter()
            .position(|inj| match &inj.path_suffix {
                Some(suffix) => match suffix.split_once(' ') {
                    Some((want, suffix)) => {
                        want.eq_ignore_ascii_case(method) && path.ends_with(suffix)
                    }
                    None => path.ends_with(suffix.as_str()),
                },
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

/// Every reply carries the server's clock in `Date`, as a real server's does; hyper adds the
/// real time only where a reply has none.
pub(crate) async fn middleware(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let mut reply = with_faults(&shared, request, next).await;
    if let Ok(date) = HeaderValue::from_str(&http_date(shared.now())) {
        reply.headers_mut().insert(header::DATE, date);
    }
    reply
}

/// `Sun, 06 Nov 1994 08:49:37 GMT`.
fn http_date(at: std::time::SystemTime) -> String {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::OffsetDateTime::from(at)
        .format(&format)
        .unwrap_or_default()
}

async fn with_faults(shared: &Arc<Shared>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    shared.count_request(&path);
    // Taken on arrival, not after the delay, so "the next n requests" means arrival order.
    let fault = shared.faults().take_for(request.method().as_str(), &path);
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
        Fault::OkWithoutAction => rewrite_json(next.run(request).await, drop_action).await,
        Fault::StatusAsString => rewrite_json(next.run(request).await, status_as_string).await,
        Fault::Pass => next.run(request).await,
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
        Fault::Refuse { code, description } => super::envelope::v3_reply(
            Err(super::envelope::V3Error::new(code, description)),
            super::config::FailureStatus::Http200,
        ),
        Fault::Empty => (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            "",
        )
            .into_response(),
        Fault::DropConnection
        | Fault::DropAfterHandling
        | Fault::Truncated
        | Fault::OkWithoutAction
        | Fault::StatusAsString
        | Fault::Pass => dropped_connection(),
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

/// The handled reply with its JSON body changed by `change`; a body that is not a JSON object
/// (a v4 list, say) is passed on as it was.
async fn rewrite_json(reply: Response, change: fn(&mut Map<String, Value>)) -> Response {
    let (mut parts, body) = reply.into_parts();
    let bytes = match axum::body::to_bytes(body, super::body::MAX_BODY_BYTES * 16).await {
        Ok(bytes) => bytes,
        Err(_) => return dropped_connection(),
    };
    let changed = match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(mut map)) => {
            change(&mut map);
            serde_json::to_vec(&Value::Object(map)).unwrap_or_else(|_| bytes.to_vec())
        }
        _ => bytes.to_vec(),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(changed))
}

/// [`Fault::OkWithoutAction`]: only a success loses its `action`; a refusal stays as it was.
fn drop_action(body: &mut Map<String, Value>) {
    let ok = body
        .get("status")
        .and_then(|s| s.get("status"))
        .and_then(Value::as_str)
        .is_some_and(|s| s.eq_ignore_ascii_case("OK"));
    if ok {
        body.remove("action");
    }
}

/// [`Fault::StatusAsString`]: `"status": {"status": "OK"}` → `"status": "OK"`; errors that sat
/// inside `status` move beside it.
fn status_as_string(body: &mut Map<String, Value>) {
    let Some(Value::Object(mut status)) = body.remove("status") else {
        return;
    };
    let verdict = status
        .remove("status")
        .unwrap_or_else(|| Value::String(String::new()));
    if let Some(errors) = status.remove("errors") {
        body.insert("errors".into(), errors);
    }
    body.insert("status".into(), verdict);
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

    async fn rewritten(body: Value, change: fn(&mut Map<String, Value>)) -> Value {
        let reply = super::super::envelope::json_response(StatusCode::OK, body);
        let out = rewrite_json(reply, change).await;
        assert_eq!(out.status(), StatusCode::OK);
        let bytes = axum::body::to_bytes(out.into_body(), 1 << 20)
            .await
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn ok_without_action_removes_only_a_successful_action() {
        let ok = serde_json::json!({"status": {"status": "OK"}, "action": "email_sent", "receiver": "a@b.test"});
        assert_eq!(
            rewritten(ok, drop_action).await,
            serde_json::json!({"status": {"status": "OK"}, "receiver": "a@b.test"})
        );
        let failed =
            serde_json::json!({"status": {"status": "failed", "errors": {}}, "action": "x"});
        assert_eq!(rewritten(failed.clone(), drop_action).await, failed);
    }

    #[tokio::test]
    async fn status_as_string_flattens_the_envelope() {
        let ok = serde_json::json!({"status": {"status": "OK"}, "action": "email_sent"});
        assert_eq!(
            rewritten(ok, status_as_string).await,
            serde_json::json!({"status": "OK", "action": "email_sent"})
        );
        let failed =
            serde_json::json!({"status": {"status": "failed", "errors": {"error_code": [604]}}});
        assert_eq!(
            rewritten(failed, status_as_string).await,
            serde_json::json!({"status": "failed", "errors": {"error_code": [604]}})
        );
        let list = serde_json::json!([1, 2]);
        assert_eq!(rewritten(list.clone(), status_as_string).await, list);
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
