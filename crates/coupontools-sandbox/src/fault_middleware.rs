//! The middleware in front of every /v3 and /v4 request: counts it, adds latency, applies the
//! next matching fault and stamps the server's clock in `Date`.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::faults::Fault;
use super::rate_limit;
use super::state::Shared;

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
    let settings = shared.settings();
    // The rate-limited mode: beyond the account's rate, refused at once, before any handling.
    if let Err(wait) = shared.limits.admit(
        account_of(&request),
        settings.rate_limit_per_second,
        std::time::Instant::now(),
    ) {
        return answer_without_handling(Fault::TooManyRequests {
            retry_after_secs: rate_limit::retry_after_secs(wait),
        });
    }
    // Held until the answer is made: beyond the workers, requests queue.
    let _worker = shared.limits.worker(settings.workers).await;
    // Taken before the delay, so "the next n requests" means arrival order (with workers: the
    // order they got one, which is the order they came in).
    let fault = shared.faults().take_for(request.method().as_str(), &path);
    let latency = settings.latency;
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

/// Whose bucket a request draws on: its client ID as the headers carry it (keys sent in the
/// body share one bucket).
fn account_of(request: &Request) -> &str {
    ["x-client-id", "x-api-key"]
        .iter()
        .find_map(|name| request.headers().get(*name)?.to_str().ok())
        .unwrap_or("(keys in the body)")
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
