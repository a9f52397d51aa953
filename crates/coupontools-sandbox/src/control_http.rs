//! The control API under `/_sandbox/` for a sandbox run as its own process. No credentials:
//! the server only listens on loopback.
//!
//! - `POST /_sandbox/faults` `{"fault": {"kind": "server_error", "status": 503}, "times": 2, "path_suffix": "send/email"}`
//!   (kinds: `server_error {status}`, `too_many_requests {retry_after_secs}`, `drop_connection`,
//!   `drop_after_handling`, `non_json {status, body}`, `truncated`, `empty`, `ok_without_action`,
//!   `status_as_string`; `times` defaults to 1)
//! - `DELETE /_sandbox/faults` clears them.
//! - `GET|POST /_sandbox/settings` `{"latency_ms": 200, "failure_status": "http200"|"semantic",
//!   "email_integration": false, "slow_handling_ms": 800, "atomic_check_unique": false,
//!   "third_level_categories": false, "rate_limit_per_second": 20, "workers": 16}`
//!   (every field optional; the reply is the settings now in force; `rate_limit_per_second`
//!   and `workers` 0 switch the rate-limited mode's parts off).
//! - `GET /_sandbox/stats[?email=addr]`: the last sends, request counts, the most `send/email`
//!   requests for one address handled at once, and for `addr` its sends and `send/email` requests.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};
use time::macros::format_description;
use time::OffsetDateTime;

use super::body::MAX_BODY_BYTES;
use super::config::FailureStatus;
use super::envelope::{json_response, v4_message};
use super::faults::Fault;
use super::sends::SentEmail;
use super::state::{Settings, Shared};

/// The stats reply lists at most this many sends (the newest); the total is given beside it.
const MAX_LISTED_SENDS: usize = 1000;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_sandbox/faults", post(add_fault).delete(clear_faults))
        .route(
            "/_sandbox/settings",
            get(read_settings).post(change_settings),
        )
        .route("/_sandbox/stats", get(stats))
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum FaultSpec {
    ServerError { status: u16 },
    TooManyRequests { retry_after_secs: u64 },
    DropConnection,
    DropAfterHandling,
    NonJson { status: u16, body: String },
    Truncated,
    Empty,
    OkWithoutAction,
    StatusAsString,
    Refuse { code: u32, description: String },
}

impl From<FaultSpec> for Fault {
    fn from(spec: FaultSpec) -> Fault {
        match spec {
            FaultSpec::ServerError { status } => Fault::ServerError(status),
            FaultSpec::TooManyRequests { retry_after_secs } => {
                Fault::TooManyRequests { retry_after_secs }
            }
            FaultSpec::DropConnection => Fault::DropConnection,
            FaultSpec::DropAfterHandling => Fault::DropAfterHandling,
            FaultSpec::NonJson { status, body } => Fault::NonJson { status, body },
            FaultSpec::Truncated => Fault::Truncated,
            FaultSpec::Empty => Fault::Empty,
            FaultSpec::OkWithoutAction => Fault::OkWithoutAction,
            FaultSpec::StatusAsString => Fault::StatusAsString,
            FaultSpec::Refuse { code, description } => Fault::Refuse { code, description },
        }
    }
}

fn one() -> u32 {
    1
}

#[derive(Deserialize)]
struct FaultRequest {
    fault: FaultSpec,
    #[serde(default = "one")]
    times: u32,
    #[serde(default)]
    path_suffix: Option<String>,
}

#[derive(Deserialize)]
struct SettingsRequest {
    latency_ms: Option<u64>,
    failure_status: Option<String>,
    email_integration: Option<bool>,
    slow_handling_ms: Option<u64>,
    atomic_check_unique: Option<bool>,
    third_level_categories: Option<bool>,
    rate_limit_per_second: Option<u32>,
    workers: Option<u32>,
}

async fn add_fault(State(shared): State<Arc<Shared>>, body: Body) -> Response {
    let request: FaultRequest = match read_json(body).await {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    let suffix = request.path_suffix.as_deref().filter(|s| !s.is_empty());
    shared
        .faults()
        .push(suffix, request.fault.into(), request.times);
    json_response(StatusCode::OK, json!({ "queued": request.times }))
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> Response {
    shared.faults().clear();
    json_response(StatusCode::OK, json!({ "cleared": true }))
}

async fn read_settings(State(shared): State<Arc<Shared>>) -> Response {
    json_response(StatusCode::OK, settings_json(shared.settings()))
}

async fn change_settings(State(shared): State<Arc<Shared>>, body: Body) -> Response {
    let request: SettingsRequest = match read_json(body).await {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    let failure_status = match request.failure_status.as_deref().map(FailureStatus::parse) {
        Some(None) => {
            return v4_message(
                StatusCode::UNPROCESSABLE_ENTITY,
                "failure_status must be \"http200\" or \"semantic\".",
            )
        }
        Some(Some(s)) => Some(s),
        None => None,
    };
    let settings = shared.update_settings(|s| {
        if let Some(ms) = request.latency_ms {
            s.latency = Duration::from_millis(ms);
        }
        if let Some(fs) = failure_status {
            s.failure_status = fs;
        }
        if let Some(on) = request.email_integration {
            s.email_integration = on;
        }
        if let Some(ms) = request.slow_handling_ms {
            s.slow_handling = Duration::from_millis(ms);
        }
        if let Some(on) = request.atomic_check_unique {
            s.atomic_check_unique = on;
        }
        if let Some(n) = request.rate_limit_per_second {
            s.rate_limit_per_second = n;
        }
        if let Some(n) = request.workers {
            s.workers = n;
        }
        if let Some(on) = request.third_level_categories {
            s.third_level_categories = on;
        }
    });
    json_response(StatusCode::OK, settings_json(settings))
}

async fn stats(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery) -> Response {
    let email = query.as_deref().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "email")
            .map(|(_, v)| v.into_owned())
    });
    let (total, recent, to_address) = {
        let sends = shared.sends();
        (
            sends.len(),
            sends.recent(MAX_LISTED_SENDS),
            email.as_deref().map(|e| sends.count_to(e)),
        )
    };
    let (max_at_once, requests_for_address) = {
        let send_requests = shared.send_requests();
        (
            send_requests.max_in_flight(),
            email.as_deref().map(|e| send_requests.received_for(e)),
        )
    };
    let mut body = json!({
        "emails_sent_total": total,
        "emails_sent": recent.iter().map(sent_json).collect::<Vec<_>>(),
        "requests": shared.request_counts(),
        "max_concurrent_sends_for_one_address": max_at_once,
        "settings": settings_json(shared.settings()),
    });
    if let (Some(address), Some(count), Some(map)) = (email, to_address, body.as_object_mut()) {
        map.insert(
            "emails_sent_to".into(),
            json!({
                "email": address,
                "count": count,
                "send_requests": requests_for_address.unwrap_or(0),
            }),
        );
    }
    json_response(StatusCode::OK, body)
}

async fn read_json<T: serde::de::DeserializeOwned>(body: Body) -> Result<T, Response> {
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            v4_message(
                StatusCode::PAYLOAD_TOO_LARGE,
                "The request body is too large.",
            )
        })?;
    let bytes = if bytes.iter().all(u8::is_ascii_whitespace) {
        &b"{}"[..]
    } else {
        &bytes[..]
    };
    serde_json::from_slice(bytes).map_err(|e| {
        // The control API is for developers, so the parser's own words are the useful ones.
        v4_message(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("Could not read the request: {e}"),
        )
    })
}

fn settings_json(s: Settings) -> Value {
    json!({
        "latency_ms": u64::try_from(s.latency.as_millis()).unwrap_or(u64::MAX),
        "failure_status": s.failure_status.as_str(),
        "email_integration": s.email_integration,
        "slow_handling_ms": u64::try_from(s.slow_handling.as_millis()).unwrap_or(u64::MAX),
        "atomic_check_unique": s.atomic_check_unique,
        "third_level_categories": s.third_level_categories,
        "rate_limit_per_second": s.rate_limit_per_second,
        "workers": s.workers,
    })
}

fn sent_json(sent: &SentEmail) -> Value {
    json!({
        "campaign": sent.campaign,
        "email": sent.email,
        "single_use_code": sent.single_use_code,
        "single_use_url": sent.single_use_url,
        "at": utc_text(sent.at),
    })
}

fn utc_text(at: SystemTime) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    OffsetDateTime::from(at).format(&format).unwrap_or_default()
}
