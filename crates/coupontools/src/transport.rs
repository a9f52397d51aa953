//! The HTTP layer: one reqwest client, the two header families, the attempt loop.
//!
//! Each attempt ends in a value or in a failure with an [`AttemptOutcome`]; the pure
//! [`retry::decide`] says whether to go again. A write that gives up after its request went out
//! becomes `OutcomeUnknown`, so nobody resends an e-mail that may already have gone.

use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, DATE, RETRY_AFTER};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::config::{ClientConfig, Secret};
use super::endpoints::{Endpoint, Family, HttpMethod};
use super::envelope;
use super::error::ApiError;
use super::limiter::Limiter;
use super::retry::{self, AttemptOutcome, RetryDecision, RetryPolicy};
use super::server_clock::ServerClock;
use super::speed_control::Signal;

/// Connecting never takes long when the network is fine; failing fast here lets a retry (safe even
/// for writes, nothing was sent) start sooner.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Refusals (429) one call takes before it gives up. They are not attempts: the server did
/// nothing, and the account's limiter has paused for the `Retry-After` before the next.
pub const MAX_REFUSALS: u32 = 10;

const USER_AGENT: &str = concat!("CouponDesk/", env!("CARGO_PKG_VERSION"));

pub(crate) struct Transport {
    http: reqwest::Client,
    v3_base: String,
    v4_base: String,
    v3_headers: HeaderMap,
    v4_headers: HeaderMap,
    /// Kept only to scrub it from anything the server echoes back into an error.
    secret: Secret,
    retry: RetryPolicy,
    timeout: std::time::Duration,
    clock: std::sync::Arc<ServerClock>,
    limiter: Limiter,
}

tokio::task_local! {
    /// When the latest attempt of the tracked call left (see [`track_departure`]).
    static DEPARTURE: std::cell::Cell<Option<Instant>>;
}

/// Runs `call` and says when its last attempt left. A write may be tried again after a refused
/// connection or a whole 429, so the request that may still be running on the server after a
/// lost reply is the last one, not the first: the wait before reading back counts from there.
/// `None` when nothing was sent.
pub async fn track_departure<F: std::future::Future>(call: F) -> (F::Output, Option<Instant>) {
    DEPARTURE
        .scope(std::cell::Cell::new(None), async {
            let out = call.await;
            (out, DEPARTURE.with(std::cell::Cell::get))
        })
        .await
}

/// How one attempt ended.
enum Attempt<T> {
    /// A verdict to hand back as is: a value, or an error no retry can change.
    Done(Result<T, ApiError>),
    Failed {
        outcome: AttemptOutcome,
        /// What a read reports if this was the last attempt.
        error: ApiError,
        /// The request reached the server and may have acted on it.
        maybe_took_effect: bool,
    },
}

impl Transport {
    /// `v3_base` and `v4_base` must already be validated and without a trailing slash.
    pub(crate) fn new(
        config: &ClientConfig,
        v3_base: String,
        v4_base: String,
    ) -> Result<Self, ApiError> {
        let creds = &config.credentials;
        let id = header_value(&creds.client_id, false)?;
        let secret = header_value(creds.client_secret.expose(), true)?;
        let accept = HeaderValue::from_static("application/json");

        let mut v3_headers = HeaderMap::new();
        v3_headers.insert(HeaderName::from_static("x-client-id"), id.clone());
        v3_headers.insert(HeaderName::from_static("x-client-secret"), secret.clone());
        v3_headers.insert(ACCEPT, accept.clone());

        // v4 takes the same pair under its own documented names (§1, §10).
        let mut v4_headers = HeaderMap::new();
        v4_headers.insert(HeaderName::from_static("x-api-key"), id);
        v4_headers.insert(HeaderName::from_static("x-api-secret"), secret);
        v4_headers.insert(ACCEPT, accept);

        super::tls::install_provider();
        let http = reqwest::Client::builder()
            // reqwest strips only standard auth headers on a cross-host redirect, not our
            // X-Client-Secret / x-api-secret; and a redirected POST would lose its body anyway.
            // A 3xx therefore ends as "not the API", pointing at the address in Settings.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(config.timeout)
            .user_agent(USER_AGENT)
            .build()
            .map_err(|e| ApiError::Internal { detail: chain(&e) })?;

        Ok(Transport {
            http,
            v3_base,
            v4_base,
            v3_headers,
            v4_headers,
            secret: creds.client_secret.clone(),
            retry: config.retry,
            timeout: config.timeout,
            clock: std::sync::Arc::new(ServerClock::default()),
            limiter: Limiter::new(config.speed),
        })
    }

    pub(crate) fn timeout(&self) -> std::time::Duration {
        self.timeout
    }

    pub(crate) fn clock(&self) -> &std::sync::Arc<ServerClock> {
        &self.clock
    }

    pub(crate) fn limiter(&self) -> &Limiter {
        &self.limiter
    }

    pub(crate) fn v3_base(&self) -> &str {
        &self.v3_base
    }

    pub(crate) fn v4_base(&self) -> &str {
        &self.v4_base
    }

    /// A v3-style call: POST with a JSON body; the envelope decides, whatever the HTTP status.
    /// `V4Envelope` rows (subaccounts) go to the v4 base in the same style.
    pub(crate) async fn v3<T: DeserializeOwned>(
        &self,
        endpoint: Endpoint,
        body: &Value,
    ) -> Result<T, ApiError> {
        let spec = endpoint.spec();
        debug_assert_ne!(spec.family, Family::V4, "{endpoint:?} is a REST row");
        let base = match spec.family {
            Family::V4Envelope => &self.v4_base,
            Family::V3 | Family::V4 => &self.v3_base,
        };
        let url = format!("{}{}", base, spec.path);
        let build = || {
            self.http
                .post(&url)
                .headers(self.v3_headers.clone())
                .json(body)
        };
        let write = !spec.idempotent;
        self.run(endpoint, build, |status, headers, body| {
            read_v3::<T>(write, status, headers, body)
        })
        .await
    }

    /// A v4 call: REST verb, bare JSON, non-2xx is an error.
    pub(crate) async fn v4<T: DeserializeOwned>(
        &self,
        endpoint: Endpoint,
        path_params: &[&str],
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<T, ApiError> {
        self.v4_with(endpoint, path_params, query, body, read_v4::<T>)
            .await
    }

    /// A v4 call whose 2xx reply may carry any body, or none (§10: delete and push): the body
    /// comes back raw. Non-2xx replies are errors as for [`Transport::v4`].
    pub(crate) async fn v4_any_body(
        &self,
        endpoint: Endpoint,
        path_params: &[&str],
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Vec<u8>, ApiError> {
        self.v4_with(
            endpoint,
            path_params,
            query,
            body,
            |status, headers, bytes| {
                if (200..300).contains(&status) {
                    return Attempt::Done(Ok(bytes.to_vec()));
                }
                match read_v4::<serde::de::IgnoredAny>(status, headers, bytes) {
                    Attempt::Done(result) => Attempt::Done(result.map(|_| bytes.to_vec())),
                    Attempt::Failed {
                        outcome,
                        error,
                        maybe_took_effect,
                    } => Attempt::Failed {
                        outcome,
                        error,
                        maybe_took_effect,
                    },
                }
            },
        )
        .await
    }

    async fn v4_with<T>(
        &self,
        endpoint: Endpoint,
        path_params: &[&str],
        query: &[(&str, String)],
        body: Option<&Value>,
        read: impl Fn(u16, &HeaderMap, &[u8]) -> Attempt<T>,
    ) -> Result<T, ApiError> {
        let spec = endpoint.spec();
        debug_assert_eq!(spec.family, Family::V4, "{endpoint:?} is not a v4 row");
        let mut url = reqwest::Url::parse(&format!(
            "{}{}",
            self.v4_base,
            endpoint.path_with(path_params)
        ))
        .map_err(|_| ApiError::InvalidBaseUrl {
            url: self.v4_base.clone(),
        })?;
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        let method = match spec.method {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Post => reqwest::Method::POST,
            HttpMethod::Put => reqwest::Method::PUT,
            HttpMethod::Delete => reqwest::Method::DELETE,
        };
        let build = || {
            let request = self
                .http
                .request(method.clone(), url.clone())
                .headers(self.v4_headers.clone());
            match body {
                Some(body) => request.json(body),
                None => request,
            }
        };
        self.run(endpoint, build, read).await
    }

    async fn run<T>(
        &self,
        endpoint: Endpoint,
        build: impl Fn() -> reqwest::RequestBuilder,
        read: impl Fn(u16, &HeaderMap, &[u8]) -> Attempt<T>,
    ) -> Result<T, ApiError> {
        let spec = endpoint.spec();
        let mut attempts = 0;
        let mut refusals = 0;
        loop {
            let pass = self.limiter.pass().await;
            let started = Instant::now();
            // Outside a tracked call there is nobody to tell.
            let _ = DEPARTURE.try_with(|left| left.set(Some(started)));
            let (attempt, signal, wait) = match build().send().await {
                Err(e) => (send_failed(&e), Signal::Lost, None),
                Ok(response) => {
                    let status = response.status().as_u16();
                    let headers = response.headers().clone();
                    if let Some(date) = headers.get(DATE).and_then(|d| d.to_str().ok()) {
                        self.clock.observe(date, std::time::SystemTime::now());
                    }
                    let wait = retry_after(&headers);
                    let too_fast = status == 429 || (status == 503 && wait.is_some());
                    match response.bytes().await {
                        Ok(bytes) => {
                            log::debug!(
                                "{endpoint} -> {status} in {} ms (attempt {})",
                                started.elapsed().as_millis(),
                                attempts + 1
                            );
                            let signal = if too_fast {
                                Signal::Refused
                            } else {
                                Signal::Answered {
                                    latency: started.elapsed(),
                                }
                            };
                            (read(status, &headers, &bytes), signal, wait)
                        }
                        Err(e) if too_fast => (body_failed(&e), Signal::Refused, wait),
                        Err(e) => (body_failed(&e), Signal::Lost, None),
                    }
                }
            };
            pass.done(endpoint, signal, wait);
            let (outcome, error, maybe_took_effect) = match attempt {
                Attempt::Done(result) => return result.map_err(|e| self.scrub(endpoint, e)),
                Attempt::Failed {
                    outcome,
                    error,
                    maybe_took_effect,
                } => (outcome, error, maybe_took_effect),
            };
            let refused = matches!(outcome, AttemptOutcome::Status { status: 429, .. });
            if refused {
                refusals += 1;
                // The limiter waits out the pause before the next leaves; "never" stays never.
                if refusals < MAX_REFUSALS && self.retry.max_attempts > 1 {
                    log::debug!("{endpoint}: refused as too fast ({refusals}), going again");
                    continue;
                }
            } else {
                attempts += 1;
            }
            log::debug!(
                "{endpoint} attempt {} failed after {} ms: {outcome:?}",
                attempts + refusals,
                started.elapsed().as_millis()
            );
            if refused {
                return Err(self.scrub(endpoint, error));
            }
            match retry::decide(
                &self.retry,
                attempts,
                &outcome,
                spec.idempotent,
                rand::random::<f64>(),
            ) {
                RetryDecision::RetryAfter(wait) => {
                    log::info!(
                        "{endpoint}: trying again in {} ms ({outcome:?})",
                        wait.as_millis()
                    );
                    tokio::time::sleep(wait).await;
                }
                RetryDecision::GiveUp => {
                    let error = self.scrub(endpoint, error);
                    if !spec.idempotent && maybe_took_effect {
                        log::warn!(
                            "{endpoint}: outcome unknown after {attempts} attempt(s): {error}"
                        );
                        return Err(ApiError::OutcomeUnknown {
                            endpoint,
                            detail: error.to_string(),
                        });
                    }
                    return Err(error);
                }
            }
        }
    }

    /// Removes the secret from anything the server or the network stack put into an error, in
    /// case a misconfigured server echoes our request headers back.
    fn scrub(&self, endpoint: Endpoint, error: ApiError) -> ApiError {
        let error = if endpoint.reply_carries_secrets() {
            withhold_reply(error)
        } else {
            error
        };
        let secret = self.secret.expose();
        if secret.len() < 4 {
            return error;
        }
        let clean = |text: String| {
            if text.contains(secret) {
                text.replace(secret, "••••")
            } else {
                text
            }
        };
        match error {
            ApiError::Coupontools { code, description } => ApiError::Coupontools {
                code,
                description: clean(description),
            },
            ApiError::NotTheApi { status, excerpt } => ApiError::NotTheApi {
                status,
                excerpt: clean(excerpt),
            },
            ApiError::Decode {
                status,
                path,
                detail,
            } => ApiError::Decode {
                status,
                path: clean(path),
                detail: clean(detail),
            },
            ApiError::V4 { status, message } => ApiError::V4 {
                status,
                message: clean(message),
            },
            ApiError::Connect { detail } => ApiError::Connect {
                detail: clean(detail),
            },
            ApiError::ReplyLost { detail } => ApiError::ReplyLost {
                detail: clean(detail),
            },
            ApiError::OutcomeUnknown { endpoint, detail } => ApiError::OutcomeUnknown {
                endpoint,
                detail: clean(detail),
            },
            ApiError::Internal { detail } => ApiError::Internal {
                detail: clean(detail),
            },
            other => other,
        }
    }
}

fn header_value(text: &str, sensitive: bool) -> Result<HeaderValue, ApiError> {
    let mut value = HeaderValue::from_str(text).map_err(|_| ApiError::UnusableCredentials)?;
    // Keeps the value out of hyper's and reqwest's Debug output.
    value.set_sensitive(sensitive);
    Ok(value)
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(retry::parse_retry_after)
}

/// `write`: the request may change something, so only the documented envelope is trusted (§10).
fn read_v3<T: DeserializeOwned>(
    write: bool,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
) -> Attempt<T> {
    let decoded = envelope::decode_v3::<T>(status, body);
    if write && matches!(decoded, Ok(_) | Err(ApiError::Coupontools { .. })) {
        if let Some(detail) = envelope::undocumented_status(body) {
            // `"status": "OK"` as a plain string may or may not mean the write happened, and
            // a refusal in that form is no more trustworthy: giving up on the write turns this
            // into "outcome unknown", which the caller reconciles like a lost reply.
            return Attempt::Failed {
                outcome: AttemptOutcome::Status {
                    status,
                    retry_after: retry_after(headers),
                },
                error: ApiError::Decode {
                    status,
                    path: "status".into(),
                    detail,
                },
                maybe_took_effect: true,
            };
        }
    }
    match decoded {
        Ok(value) => Attempt::Done(Ok(value)),
        // A whole "failed" envelope with HTTP 429 is a refusal before any work: safe to repeat
        // once the account's pause is over, even for a write.
        Err(ApiError::Coupontools { .. }) if status == 429 => rate_limited(headers),
        // "Not OK" without an error code (`{"status":{"status":"queued"}}`) is no refusal we
        // can read: a write may have happened, so it is an unknown outcome, reconciled like a
        // lost reply, never "failed".
        Err(error @ ApiError::Coupontools { code: 0, .. }) if write => Attempt::Failed {
            outcome: AttemptOutcome::Status {
                status,
                retry_after: None,
            },
            error: ApiError::Decode {
                status,
                path: "status".into(),
                detail: format!("unknown reply: {error}"),
            },
            maybe_took_effect: true,
        },
        Err(error @ ApiError::NotTheApi { .. }) => unreadable(status, headers, body, error),
        // The server said OK, so a write took effect even though its details are unreadable:
        // giving up on a write turns this into "outcome unknown" rather than inviting a resend.
        Err(error @ ApiError::Decode { .. }) => Attempt::Failed {
            outcome: AttemptOutcome::Status {
                status,
                retry_after: None,
            },
            error,
            maybe_took_effect: true,
        },
        // The server's own refusal: trustworthy, and the same on every retry.
        Err(error) => Attempt::Done(Err(error)),
    }
}

fn read_v4<T: DeserializeOwned>(status: u16, headers: &HeaderMap, body: &[u8]) -> Attempt<T> {
    if (200..300).contains(&status) {
        return match envelope::decode_payload::<T>(status, body) {
            Ok(value) => Attempt::Done(Ok(value)),
            Err(error @ ApiError::NotTheApi { .. }) => unreadable(status, headers, body, error),
            Err(error) => Attempt::Failed {
                outcome: AttemptOutcome::Status {
                    status,
                    retry_after: None,
                },
                error,
                maybe_took_effect: true,
            },
        };
    }
    if status == 429 {
        let wait = retry_after(headers);
        return Attempt::Failed {
            outcome: AttemptOutcome::Status {
                status,
                retry_after: wait,
            },
            error: ApiError::RateLimited { retry_after: wait },
            maybe_took_effect: false,
        };
    }
    if status >= 500 {
        return Attempt::Failed {
            outcome: AttemptOutcome::Status {
                status,
                retry_after: retry_after(headers),
            },
            error: ApiError::Server { status },
            maybe_took_effect: true,
        };
    }
    if (300..400).contains(&status) {
        // Redirects are not followed (see `Transport::new`): the address is not the API itself.
        return Attempt::Done(Err(envelope::not_the_api(status, body)));
    }
    Attempt::Done(Err(v4_refusal(status, body)))
}

/// A 429 whose reply arrived whole: the server turned the request away before doing anything.
fn rate_limited<T>(headers: &HeaderMap) -> Attempt<T> {
    let wait = retry_after(headers);
    Attempt::Failed {
        outcome: AttemptOutcome::Status {
            status: 429,
            retry_after: wait,
        },
        error: ApiError::RateLimited { retry_after: wait },
        maybe_took_effect: false,
    }
}

/// A body that is not the API. Whether to try again depends on what it suggests happened.
fn unreadable<T>(status: u16, headers: &HeaderMap, body: &[u8], error: ApiError) -> Attempt<T> {
    if status == 429 {
        if !body.is_empty() && envelope::is_incomplete(body) {
            // A 429 cut off on the way proves nothing: the reply is lost, and a write that may
            // have been done is reconciled, never repeated blind.
            return Attempt::Failed {
                outcome: AttemptOutcome::ReplyLost,
                error,
                maybe_took_effect: true,
            };
        }
        return rate_limited(headers);
    }
    if status >= 500 {
        return Attempt::Failed {
            outcome: AttemptOutcome::Status {
                status,
                retry_after: retry_after(headers),
            },
            error,
            maybe_took_effect: true,
        };
    }
    if !(200..300).contains(&status) {
        // A 3xx or 4xx that is not the API talking: a wrong address, a redirect we do not follow,
        // a proxy turning us away. The request was refused, not acted on, and a retry gets the
        // same answer. Checked before the cut-off test, because such replies are often empty,
        // and an empty 404 is a refusal, not a reply lost on the way.
        return Attempt::Done(Err(error));
    }
    if envelope::is_incomplete(body) {
        // An OK cut off on the way: the same as a lost reply.
        return Attempt::Failed {
            outcome: AttemptOutcome::ReplyLost,
            error,
            maybe_took_effect: true,
        };
    }
    // Something answered "success" in a foreign language; a write may have gone through.
    Attempt::Failed {
        outcome: AttemptOutcome::Status {
            status,
            retry_after: None,
        },
        error,
        maybe_took_effect: true,
    }
}

/// A v4 non-2xx reply: the message from JSON `message` or `error`, else the raw text (§10).
fn v4_refusal(status: u16, body: &[u8]) -> ApiError {
    if let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) {
        let said = ["message", "error"]
            .iter()
            .find_map(|key| match fields.get(*key) {
                Some(Value::String(text)) if !text.trim().is_empty() => {
                    Some(text.trim().to_owned())
                }
                Some(Value::Object(inner)) => inner
                    .get("message")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                _ => None,
            });
        if let Some(message) = said {
            return ApiError::V4 {
                status,
                message: envelope::excerpt(message.as_bytes()),
            };
        }
    }
    let text = envelope::excerpt(body);
    if text.starts_with('<') && !matches!(status, 401 | 403) {
        // An HTML page is not Coupontools talking; most likely a wrong address.
        return ApiError::NotTheApi {
            status,
            excerpt: text,
        };
    }
    let message = if text.is_empty() {
        reqwest::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("")
            .to_owned()
    } else {
        text
    };
    ApiError::V4 { status, message }
}

fn send_failed<T>(e: &reqwest::Error) -> Attempt<T> {
    if e.is_builder() {
        return Attempt::Done(Err(ApiError::Internal { detail: chain(e) }));
    }
    if e.is_connect() {
        // No connection, so the request never left: safe to retry even for a write.
        let error = if e.is_timeout() {
            ApiError::Timeout { sent: false }
        } else {
            ApiError::Connect { detail: chain(e) }
        };
        return Attempt::Failed {
            outcome: AttemptOutcome::ConnectFailed,
            error,
            maybe_took_effect: false,
        };
    }
    if e.is_timeout() {
        return Attempt::Failed {
            outcome: AttemptOutcome::TimedOut,
            error: ApiError::Timeout { sent: true },
            maybe_took_effect: true,
        };
    }
    // Connected, then the exchange broke: the server may have read and acted on the request.
    Attempt::Failed {
        outcome: AttemptOutcome::ReplyLost,
        error: ApiError::ReplyLost { detail: chain(e) },
        maybe_took_effect: true,
    }
}

fn body_failed<T>(e: &reqwest::Error) -> Attempt<T> {
    if e.is_timeout() {
        return Attempt::Failed {
            outcome: AttemptOutcome::TimedOut,
            error: ApiError::Timeout { sent: true },
            maybe_took_effect: true,
        };
    }
    Attempt::Failed {
        outcome: AttemptOutcome::ReplyLost,
        error: ApiError::ReplyLost { detail: chain(e) },
        maybe_took_effect: true,
    }
}

/// The error and its causes on one line, for logs.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// The parts of an error that quote the reply, emptied: for replies that carry secrets.
fn withhold_reply(error: ApiError) -> ApiError {
    const WITHHELD: &str = "(reply withheld: it may carry secrets)";
    match error {
        ApiError::NotTheApi { status, .. } => ApiError::NotTheApi {
            status,
            excerpt: String::new(),
        },
        ApiError::Decode { status, path, .. } => ApiError::Decode {
            status,
            path,
            detail: WITHHELD.into(),
        },
        ApiError::V4 { status, .. } => ApiError::V4 {
            status,
            message: String::new(),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_headers() -> HeaderMap {
        HeaderMap::new()
    }

    fn outcome<T>(attempt: Attempt<T>) -> (AttemptOutcome, String, bool) {
        match attempt {
            Attempt::Failed {
                outcome,
                error,
                maybe_took_effect,
            } => (outcome, error.kind().to_owned(), maybe_took_effect),
            Attempt::Done(_) => panic!("expected a failed attempt"),
        }
    }

    #[test]
    fn v3_envelope_wins_over_http_status() {
        let body = br#"{"status":{"status":"failed","errors":{"error_code":[502],"error_message_description":["Campaign ID not found."]}}}"#;
        match read_v3::<Value>(false, 503, &no_headers(), body) {
            Attempt::Done(Err(ApiError::Coupontools { code: 502, .. })) => {}
            _ => panic!("a refusal in the envelope must not be retried, whatever the status"),
        }
    }

    #[test]
    fn v3_unreadable_bodies_map_to_retry_outcomes() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("2"));
        let (o, kind, took) = outcome(read_v3::<Value>(false, 429, &headers, b"Too many"));
        assert_eq!(
            o,
            AttemptOutcome::Status {
                status: 429,
                retry_after: Some(Duration::from_secs(2))
            }
        );
        assert_eq!((kind.as_str(), took), ("rate_limited", false));

        let (o, kind, took) = outcome(read_v3::<Value>(
            false,
            502,
            &no_headers(),
            b"<html>Bad gateway</html>",
        ));
        assert_eq!(
            o,
            AttemptOutcome::Status {
                status: 502,
                retry_after: None
            }
        );
        assert_eq!((kind.as_str(), took), ("not_the_api", true));

        let (o, kind, _) = outcome(read_v3::<Value>(
            false,
            200,
            &no_headers(),
            br#"{"status":{"sta"#,
        ));
        assert_eq!(
            (o, kind.as_str()),
            (AttemptOutcome::ReplyLost, "not_the_api")
        );

        let (o, _, took) = outcome(read_v3::<Value>(
            false,
            200,
            &no_headers(),
            b"<html>hello</html>",
        ));
        assert_eq!(
            (o, took),
            (
                AttemptOutcome::Status {
                    status: 200,
                    retry_after: None
                },
                true
            )
        );

        match read_v3::<Value>(false, 404, &no_headers(), b"<html>Not found</html>") {
            Attempt::Done(Err(ApiError::NotTheApi { status: 404, .. })) => {}
            _ => panic!("a 4xx page is final"),
        }
    }

    #[test]
    fn empty_or_cut_off_3xx_and_4xx_replies_are_refusals_not_lost_replies() {
        let bodies: [&[u8]; 4] = [
            b"",
            b"  \r\n",
            br#"{"status":{"sta"#,
            br#"{"message":"Not found"}"#,
        ];
        for status in [301, 302, 307, 400, 401, 403, 404, 405, 410] {
            for body in bodies {
                match read_v3::<Value>(false, status, &no_headers(), body) {
                    Attempt::Done(Err(ApiError::NotTheApi { status: s, .. })) => {
                        assert_eq!(s, status)
                    }
                    Attempt::Done(other) => panic!("{status} {body:?}: {other:?}"),
                    Attempt::Failed {
                        outcome,
                        maybe_took_effect,
                        ..
                    } => panic!(
                        "{status} {body:?} must be final, not {outcome:?} (maybe took effect: {maybe_took_effect})"
                    ),
                }
            }
        }
        // Only a 2xx can be a reply cut off on the way.
        let (o, _, took) = outcome(read_v3::<Value>(false, 200, &no_headers(), b""));
        assert_eq!((o, took), (AttemptOutcome::ReplyLost, true));
    }

    #[test]
    fn a_write_trusts_only_the_documented_envelope() {
        for body in [
            &br#"{"status":"OK","action":"email_sent"}"#[..],
            br#"{"status":"failed","errors":{"error_code":[502]}}"#,
        ] {
            let (o, kind, took) = outcome(read_v3::<Value>(true, 200, &no_headers(), body));
            assert_eq!(
                (o, kind.as_str(), took),
                (
                    AttemptOutcome::Status {
                        status: 200,
                        retry_after: None
                    },
                    "decode",
                    true
                ),
                "{}",
                String::from_utf8_lossy(body)
            );
            // A write never retries a 200, so this ends as "outcome unknown".
            assert_eq!(
                retry::decide(&RetryPolicy::default(), 1, &o, false, 0.5),
                RetryDecision::GiveUp
            );
            // A read takes the words at face value, as before.
            assert!(matches!(
                read_v3::<Value>(false, 200, &no_headers(), body),
                Attempt::Done(_)
            ));
        }
        match read_v3::<Value>(
            true,
            200,
            &no_headers(),
            br#"{"status":{"status":"OK"},"action":"email_sent"}"#,
        ) {
            Attempt::Done(Ok(v)) => assert_eq!(v["action"], "email_sent"),
            _ => panic!("the documented envelope is read as usual"),
        }
        match read_v3::<Value>(
            true,
            200,
            &no_headers(),
            br#"{"status":{"status":"failed","errors":{"error_code":[604]}}}"#,
        ) {
            Attempt::Done(Err(ApiError::Coupontools { code: 604, .. })) => {}
            _ => panic!("a documented refusal stays a refusal"),
        }
    }

    /// Issue #16, case 4: replies that are neither OK nor a readable refusal.
    #[test]
    fn a_write_answered_neither_ok_nor_refused_is_an_unknown_outcome() {
        for body in [
            &br#"{"status":{"status":"queued"}}"#[..],
            br#"{"status":{"status":"failed"}}"#,
            br#"{"status":{"status":"failed","errors":{"error_message":"busy"}}}"#,
            br#"{}"#,
            br#"{"status":null}"#,
            b"null",
        ] {
            let (o, _, took) = outcome(read_v3::<Value>(true, 200, &no_headers(), body));
            assert!(took, "{}", String::from_utf8_lossy(body));
            assert_eq!(
                retry::decide(&RetryPolicy::default(), 1, &o, false, 0.5),
                RetryDecision::GiveUp,
                "never repeated blind: {}",
                String::from_utf8_lossy(body)
            );
        }
        // A read still takes a bare "failed" as the refusal it says it is.
        assert!(matches!(
            read_v3::<Value>(
                false,
                200,
                &no_headers(),
                br#"{"status":{"status":"failed"}}"#
            ),
            Attempt::Done(Err(ApiError::Coupontools { code: 0, .. }))
        ));
    }

    /// Issue #16, case 4: a 429 on a write is repeated only when the reply proves nothing was
    /// done (it arrived whole); a cut-off one is a lost reply.
    #[test]
    fn a_429_is_retried_only_when_its_reply_proves_a_refusal() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        for body in [
            &b"Too Many Requests"[..],
            b"",
            br#"{"status":{"status":"failed","errors":{"error_code":[429],"error_message_description":["Rate limit"]}}}"#,
        ] {
            let (o, kind, took) = outcome(read_v3::<Value>(true, 429, &headers, body));
            assert_eq!((kind.as_str(), took), ("rate_limited", false));
            assert_eq!(
                retry::decide(&RetryPolicy::default(), 1, &o, false, 0.5),
                RetryDecision::RetryAfter(Duration::from_secs(3))
            );
        }
        let (o, _, took) = outcome(read_v3::<Value>(true, 429, &headers, br#"{"status":{"sta"#));
        assert_eq!((o, took), (AttemptOutcome::ReplyLost, true));
        assert_eq!(
            retry::decide(&RetryPolicy::default(), 1, &o, false, 0.5),
            RetryDecision::GiveUp
        );
    }

    #[test]
    fn v4_errors_take_message_then_error_then_text() {
        let cases: &[(u16, &str, &str)] = &[
            (
                404,
                r#"{"message":"Loyalty card not found"}"#,
                "Loyalty card not found",
            ),
            (
                422,
                r#"{"error":"amount must be at least 1"}"#,
                "amount must be at least 1",
            ),
            (422, r#"{"error":{"message":"nested"}}"#, "nested"),
            (400, "plain words", "plain words"),
            (404, "", "Not Found"),
            (
                401,
                "<html>Unauthorized</html>",
                "<html>Unauthorized</html>",
            ),
        ];
        for (status, body, message) in cases {
            match v4_refusal(*status, body.as_bytes()) {
                ApiError::V4 {
                    status: s,
                    message: m,
                } => assert_eq!((s, m.as_str()), (*status, *message)),
                other => panic!("{body}: {other:?}"),
            }
        }
        assert!(matches!(
            v4_refusal(404, b"<html>nope</html>"),
            ApiError::NotTheApi { status: 404, .. }
        ));
        assert_eq!(v4_refusal(401, b"{}").kind(), "auth");
    }

    #[test]
    fn v4_statuses_map_to_outcomes() {
        let (o, kind, took) = outcome(read_v4::<Value>(503, &no_headers(), b""));
        assert_eq!(
            (o, kind.as_str(), took),
            (
                AttemptOutcome::Status {
                    status: 503,
                    retry_after: None
                },
                "server",
                true
            )
        );
        let (_, kind, took) = outcome(read_v4::<Value>(429, &no_headers(), b""));
        assert_eq!((kind.as_str(), took), ("rate_limited", false));
        match read_v4::<Vec<u32>>(200, &no_headers(), b"[1,2]") {
            Attempt::Done(Ok(v)) => assert_eq!(v, vec![1, 2]),
            _ => panic!("a 2xx JSON body is the value"),
        }
        let (_, kind, _) = outcome(read_v4::<Vec<u32>>(200, &no_headers(), b"[\"x\"]"));
        assert_eq!(kind, "decode");
    }

    #[test]
    fn credentials_that_cannot_be_headers_are_refused() {
        let mut config = ClientConfig::new(
            super::super::config::Credentials::new("id", "line\nbreak"),
            "http://127.0.0.1:1/v3",
            "http://127.0.0.1:1/v4",
        );
        assert!(matches!(
            Transport::new(&config, "a".into(), "b".into()),
            Err(ApiError::UnusableCredentials)
        ));
        config.credentials = super::super::config::Credentials::new("id", "fine-secret");
        assert!(Transport::new(&config, "a".into(), "b".into()).is_ok());
    }

    #[test]
    fn scrub_removes_an_echoed_secret() {
        let config = ClientConfig::new(
            super::super::config::Credentials::new("id", "TopSecretValue99"),
            "http://127.0.0.1:1/v3",
            "http://127.0.0.1:1/v4",
        );
        let transport = Transport::new(&config, "a".into(), "b".into()).unwrap();
        let echoed = ApiError::NotTheApi {
            status: 400,
            excerpt: "x-client-secret: TopSecretValue99".into(),
        };
        let clean = transport.scrub(Endpoint::CouponList, echoed);
        assert!(!format!("{clean} {clean:?}").contains("TopSecretValue99"));
        let v4 = transport.scrub(
            Endpoint::CouponList,
            ApiError::V4 {
                status: 422,
                message: "bad TopSecretValue99".into(),
            },
        );
        assert!(!format!("{v4}").contains("TopSecretValue99"));
    }

    #[test]
    fn nothing_of_a_reply_that_carries_secrets_reaches_an_error() {
        let config = ClientConfig::new(
            super::super::config::Credentials::new("id", "TopSecretValue99"),
            "http://127.0.0.1:1/v3",
            "http://127.0.0.1:1/v4",
        );
        let transport = Transport::new(&config, "a".into(), "b".into()).unwrap();
        let cut_off = r#"{"status":{"status":"OK"},"url":"https://x/sso?token=OneTimeToken42"#;
        for endpoint in [Endpoint::SubaccountSso, Endpoint::SubaccountInfo] {
            let errors = [
                ApiError::NotTheApi {
                    status: 200,
                    excerpt: cut_off.into(),
                },
                ApiError::Decode {
                    status: 200,
                    path: "api_key".into(),
                    detail: "invalid type: string \"OneTimeToken42\"".into(),
                },
                ApiError::V4 {
                    status: 500,
                    message: cut_off.into(),
                },
            ];
            for error in errors {
                let shown = transport.scrub(endpoint, error);
                let words = format!("{shown} {shown:?} {}", shown.words().0);
                assert!(!words.contains("OneTimeToken42"), "{endpoint}: {words}");
            }
        }
        // Other replies keep their excerpt for the log.
        let kept = transport.scrub(
            Endpoint::CouponList,
            ApiError::NotTheApi {
                status: 200,
                excerpt: "<html>".into(),
            },
        );
        assert!(format!("{kept}").contains("<html>"));
    }
}
