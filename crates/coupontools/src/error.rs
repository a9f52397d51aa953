//! Everything that can go wrong in a call, with words a shop assistant can act on.
//!
//! `Display` is for logs and may carry technical detail (never secrets); `user_message` and
//! `hint` are what the window shows.

use std::time::Duration;

use super::endpoints::Endpoint;
use super::validate::{self, BaseUrlProblem};
use crate::words::{Plain, ToValue, Words};

/// The Coupontools codes that make the whole account unusable for the moment: a bulk job must
/// pause instead of failing row after row.
pub const ACCOUNT_FAILURE_CODES: [u32; 5] = [1000, 101, 102, 103, 104];

/// Every code the documentation names (§2.4 and the class table).
pub const DOCUMENTED_CODES: [u32; 21] = [
    101, 102, 103, 104, 200, 300, 301, 302, 303, 304, 305, 502, 503, 505, 507, 509, 510, 514, 515,
    604, 1000,
];

// Deliberately not `#[non_exhaustive]`: the app decides what every error means for a write
// (`jobs::verdict_of_write_error`) without a catch-all, so a new variant must fail its build.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Coupontools answered and refused, in its own words. `code` 0 means it gave no code.
    #[error("Coupontools error {code}: {description}")]
    Coupontools { code: u32, description: String },

    /// The body is not the API: an HTML page, an empty or cut-off reply.
    #[error("HTTP {status}: reply is not the Coupontools API: {excerpt:?}")]
    NotTheApi { status: u16, excerpt: String },

    /// Valid JSON with a field of the wrong type.
    #[error("HTTP {status}: unexpected reply at `{path}`: {detail}")]
    Decode {
        status: u16,
        path: String,
        detail: String,
    },

    /// No connection could be made; nothing was sent.
    #[error("could not connect: {detail}")]
    Connect { detail: String },

    #[error("timed out {}", if *sent { "waiting for the reply" } else { "while connecting" })]
    Timeout { sent: bool },

    /// Sent, and the connection broke before a complete reply (reads only; a write becomes
    /// `OutcomeUnknown`).
    #[error("the reply was lost: {detail}")]
    ReplyLost { detail: String },

    #[error("server error, HTTP {status}")]
    Server { status: u16 },

    #[error("rate limited, retry after {retry_after:?}")]
    RateLimited { retry_after: Option<Duration> },

    /// A v4 call answered with a non-2xx status; `message` is the server's.
    #[error("v4 HTTP {status}: {message}")]
    V4 { status: u16, message: String },

    /// A write went out and no trustworthy reply came: it may or may not have taken effect.
    #[error("outcome unknown for {endpoint}: {detail}")]
    OutcomeUnknown { endpoint: Endpoint, detail: String },

    #[error("not an http(s) base URL: {url:?}")]
    InvalidBaseUrl { url: String },

    /// The ID or secret holds characters HTTP headers cannot carry (a pasted line break, say).
    #[error("the API client ID or secret cannot be sent in an HTTP header")]
    UnusableCredentials,

    #[error("internal error: {detail}")]
    Internal { detail: String },

    /// A value the client refused before sending anything (the same checks the commands run).
    #[error("not sent, invalid {}: {}", .0.field, .0.message)]
    Invalid(super::validate::FieldProblem),
}

impl ApiError {
    /// A stable name for the UI and the journal.
    pub fn kind(&self) -> &'static str {
        match self {
            ApiError::Coupontools { code: 1000, .. } => "auth",
            ApiError::Coupontools { .. } => "coupontools",
            ApiError::V4 {
                status: 401 | 403, ..
            } => "auth",
            ApiError::V4 { .. } => "coupontools",
            ApiError::NotTheApi { .. } => "not_the_api",
            ApiError::Decode { .. } => "decode",
            ApiError::Connect { .. } | ApiError::ReplyLost { .. } => "network",
            ApiError::Timeout { .. } => "timeout",
            ApiError::Server { .. } => "server",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::OutcomeUnknown { .. } => "outcome_unknown",
            ApiError::InvalidBaseUrl { .. } | ApiError::UnusableCredentials => "config",
            ApiError::Internal { .. } => "internal",
            ApiError::Invalid(_) => "validation",
        }
    }

    /// The form field a refusal is about, when the client refused a value itself.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            ApiError::Invalid(problem) => Some(problem.field),
            _ => None,
        }
    }

    /// The Coupontools error code, when the server gave one.
    pub fn code(&self) -> Option<u32> {
        match self {
            ApiError::Coupontools { code, .. } if *code != 0 => Some(*code),
            _ => None,
        }
    }

    /// The whole account is unusable (bad credentials, expired, missing integration): a bulk job
    /// must pause rather than go on failing row after row.
    pub fn is_account_failure(&self) -> bool {
        match self {
            ApiError::Coupontools { code, .. } => ACCOUNT_FAILURE_CODES.contains(code),
            ApiError::V4 { status, .. } => *status == 401 || *status == 403,
            ApiError::UnusableCredentials => true,
            _ => false,
        }
    }

    /// The server's own refusal of a list page (a page number past the end, say), not a
    /// problem of the account or the way to it: a list read to its end may stop there.
    pub fn is_refusal_of_page(&self) -> bool {
        match self {
            ApiError::Coupontools { code, .. } => *code != 0 && !self.is_account_failure(),
            ApiError::V4 { status, .. } => matches!(*status, 400 | 404 | 416 | 422),
            _ => false,
        }
    }

    /// A write may or may not have happened; the person must check before resending.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, ApiError::OutcomeUnknown { .. })
    }

    /// What went wrong and what to do about it, for the app to word.
    pub fn words(&self) -> (Words, Words) {
        match self {
            ApiError::Invalid(problem) => (problem.message.clone(), problem.hint.clone()),
            ApiError::Coupontools { code, description } => coupontools_words(*code, description),
            ApiError::V4 {
                status: 401 | 403, ..
            } => credentials_words(),
            ApiError::V4 {
                status: 404,
                message,
            } => (
                with_reason(&Words::new("apiError.v4.notFound.message"), message),
                Words::new("apiError.v4.notFound.hint"),
            ),
            ApiError::V4 { status, message } if (400..500).contains(status) => (
                with_reason(&Words::new("apiError.v4.refused.message"), message),
                Words::new("apiError.v4.refused.hint"),
            ),
            ApiError::V4 { status, message } => (
                with_reason(
                    &Words::with("apiError.v4.failed.message", &[("status", &Plain(status))]),
                    message,
                ),
                Words::new("apiError.v4.failed.hint"),
            ),
            ApiError::NotTheApi { status, excerpt } => {
                let status_arg: [(&'static str, &dyn ToValue); 1] = [("status", &Plain(status))];
                if *status >= 500 {
                    (
                        Words::with("apiError.notTheApi.serverTrouble.message", &status_arg),
                        Words::new("apiError.notTheApi.serverTrouble.hint"),
                    )
                } else if (300..400).contains(status) {
                    (
                        Words::with("apiError.notTheApi.redirect.message", &status_arg),
                        Words::new("apiError.wrongAddress.hint"),
                    )
                } else if (400..500).contains(status) {
                    (
                        Words::with("apiError.notTheApi.turnedAway.message", &status_arg),
                        Words::new("apiError.wrongAddress.hint"),
                    )
                } else if excerpt.trim().is_empty() {
                    (
                        Words::with("apiError.notTheApi.empty.message", &status_arg),
                        Words::new("apiError.notTheApi.empty.hint"),
                    )
                } else {
                    (
                        Words::with("apiError.notTheApi.other.message", &status_arg),
                        Words::new("apiError.notTheApi.other.hint"),
                    )
                }
            }
            ApiError::Decode { path, .. } => (
                Words::with("apiError.decode.message", &[("path", path)]),
                Words::new("apiError.decode.hint"),
            ),
            ApiError::Connect { .. } => (
                Words::new("apiError.connect.message"),
                Words::new("apiError.connect.hint"),
            ),
            ApiError::Timeout { sent: false } => (
                Words::new("apiError.timeout.connecting.message"),
                Words::new("apiError.timeout.connecting.hint"),
            ),
            ApiError::Timeout { sent: true } => (
                Words::new("apiError.timeout.reply.message"),
                Words::new("apiError.timeout.reply.hint"),
            ),
            ApiError::ReplyLost { .. } => (
                Words::new("apiError.replyLost.message"),
                Words::new("apiError.replyLost.hint"),
            ),
            ApiError::Server { status } => (
                Words::with("apiError.server.message", &[("status", &Plain(status))]),
                Words::new("apiError.server.hint"),
            ),
            ApiError::RateLimited { retry_after } => (
                Words::new("apiError.rateLimited.message"),
                match retry_after {
                    Some(wait) if wait.as_secs() > 0 => Words::with(
                        "apiError.rateLimited.hintWait",
                        &[("seconds", &wait.as_secs())],
                    ),
                    _ => Words::new("apiError.rateLimited.hint"),
                },
            ),
            ApiError::OutcomeUnknown {
                endpoint: Endpoint::SendEmail,
                ..
            } => (
                Words::new("apiError.outcomeUnknown.email.message"),
                Words::new("apiError.outcomeUnknown.email.hint"),
            ),
            ApiError::OutcomeUnknown { .. } => (
                Words::new("apiError.outcomeUnknown.message"),
                Words::new("apiError.outcomeUnknown.hint"),
            ),
            ApiError::InvalidBaseUrl { url } => match validate::normalize_base_url(url) {
                Err(BaseUrlProblem::Unencrypted) => (
                    Words::with("apiError.baseUrl.unencrypted.message", &[("url", url)]),
                    Words::new("apiError.baseUrl.unencrypted.hint"),
                ),
                _ => (
                    Words::with("apiError.baseUrl.notAnAddress.message", &[("url", url)]),
                    Words::new("apiError.baseUrl.notAnAddress.hint"),
                ),
            },
            ApiError::UnusableCredentials => (
                Words::new("apiError.unusableCredentials.message"),
                Words::new("apiError.credentials.hint"),
            ),
            ApiError::Internal { .. } => (
                Words::new("error.unexpected.message"),
                Words::new("error.unexpected.hint"),
            ),
        }
    }
}

fn credentials_words() -> (Words, Words) {
    (
        Words::new("apiError.credentials.message"),
        Words::new("apiError.credentials.hint"),
    )
}

/// "Lead." or "Lead: reason" when the server gave one (the server's reason stays in its words).
fn with_reason(lead: &Words, reason: &str) -> Words {
    let reason = reason.trim();
    if reason.is_empty() {
        Words::with("apiError.lead", &[("lead", lead)])
    } else {
        Words::with(
            "apiError.leadWithReason",
            &[("lead", lead), ("reason", &reason)],
        )
    }
}

/// The parameter a description names: "Missing parameter: campaign" → "campaign".
fn named_parameter(description: &str) -> Option<&str> {
    let (_, after) = description.split_once("parameter:")?;
    let name = after
        .trim()
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .next()?;
    (!name.is_empty()).then_some(name)
}

/// Codes are reused for different objects (§2.4); the server's words tell which one.
fn mentions(description: &str, word: &str) -> bool {
    description.to_ascii_lowercase().contains(word)
}

fn coupontools_words(code: u32, description: &str) -> (Words, Words) {
    let param = named_parameter(description);
    let (message, hint) = match code {
        1000 => return credentials_words(),
        101 => (
            Words::new("apiError.code101.message"),
            Words::new("apiError.code101.hint"),
        ),
        102 => (
            Words::new("apiError.code102.message"),
            Words::new("apiError.code102.hint"),
        ),
        103 => (
            Words::new("apiError.code103.message"),
            Words::new("apiError.code103.hint"),
        ),
        104 => (
            Words::new("apiError.code104.message"),
            Words::new("apiError.code104.hint"),
        ),
        200 => (
            match param {
                Some(name) => Words::with("apiError.code200.named.message", &[("name", &name)]),
                None => with_reason(&Words::new("apiError.code200.message"), description),
            },
            Words::new("apiError.code200.hint"),
        ),
        300 => (
            with_reason(&Words::new("apiError.code300.message"), description),
            Words::new("apiError.code300.hint"),
        ),
        301 => (
            match param {
                Some(name) => Words::with("apiError.code301.named.message", &[("name", &name)]),
                None => Words::new("apiError.code301.message"),
            },
            Words::new("apiError.code301.hint"),
        ),
        302 => (
            Words::new("apiError.code302.message"),
            Words::new("apiError.code302.hint"),
        ),
        303 => (
            with_reason(&Words::new("apiError.code303.message"), description),
            Words::new("apiError.code303.hint"),
        ),
        304 => (
            Words::new("apiError.code304.message"),
            Words::new("apiError.code304.hint"),
        ),
        305 => (
            Words::new("apiError.code305.message"),
            Words::new("apiError.code305.hint"),
        ),
        502 if mentions(description, "directory") => (
            Words::new("apiError.code502.directory.message"),
            Words::new("apiError.code502.directory.hint"),
        ),
        502 => (
            Words::new("apiError.code502.message"),
            Words::new("apiError.code502.hint"),
        ),
        503 => (
            Words::new("apiError.code503.message"),
            Words::new("apiError.code503.hint"),
        ),
        505 if mentions(description, "session") => (
            Words::new("apiError.code505.session.message"),
            Words::new("apiError.code505.session.hint"),
        ),
        505 => (
            Words::new("apiError.code505.message"),
            Words::new("apiError.code505.hint"),
        ),
        507 if mentions(description, "directory") => (
            Words::new("apiError.code507.directory.message"),
            Words::new("apiError.code507.directory.hint"),
        ),
        507 => (
            Words::new("apiError.code507.message"),
            Words::new("apiError.code507.hint"),
        ),
        509 => (
            Words::new("apiError.code509.message"),
            Words::new("apiError.code509.hint"),
        ),
        510 => (
            Words::new("apiError.code510.message"),
            Words::new("apiError.code510.hint"),
        ),
        514 => (
            Words::new("apiError.code514.message"),
            Words::new("apiError.code514.hint"),
        ),
        515 => (
            Words::new("apiError.code515.message"),
            Words::new("apiError.code515.hint"),
        ),
        604 => (
            with_reason(&Words::new("apiError.code604.message"), description),
            Words::new("apiError.code604.hint"),
        ),
        0 => (
            with_reason(&Words::new("apiError.code0.message"), description),
            Words::new("apiError.code0.hint"),
        ),
        _ => (
            with_reason(
                &Words::with("apiError.codeOther.message", &[("code", &Plain(code))]),
                description,
            ),
            Words::with("apiError.codeOther.hint", &[("code", &Plain(code))]),
        ),
    };
    (message, hint)
}

impl crate::words::Explain for ApiError {
    fn words(&self) -> (Words, Words) {
        ApiError::words(self)
    }
}
