//! Everything that can go wrong in a call, with words a shop assistant can act on.
//!
//! `Display` is for logs and may carry technical detail (never secrets); `user_message` and
//! `hint` are what the window shows.

use std::time::Duration;

use super::endpoints::Endpoint;
use super::validate::{self, BaseUrlProblem};

/// The Coupontools codes that make the whole account unusable for the moment: a bulk job must
/// pause instead of failing row after row.
pub const ACCOUNT_FAILURE_CODES: [u32; 5] = [1000, 101, 102, 103, 104];

/// Every code the documentation names (§2.4 and the class table).
pub const DOCUMENTED_CODES: [u32; 21] = [
    101, 102, 103, 104, 200, 300, 301, 302, 303, 304, 305, 502, 503, 505, 507, 509, 510, 514, 515,
    604, 1000,
];

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
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

    /// A write may or may not have happened; the person must check before resending.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, ApiError::OutcomeUnknown { .. })
    }

    pub fn user_message(&self) -> String {
        self.words().0
    }

    pub fn hint(&self) -> String {
        self.words().1
    }

    fn words(&self) -> (String, String) {
        match self {
            ApiError::Invalid(problem) => (problem.message.clone(), problem.hint.clone()),
            ApiError::Coupontools { code, description } => coupontools_words(*code, description),
            ApiError::V4 { status: 401 | 403, .. } => credentials_words(),
            ApiError::V4 { status: 404, message } => (
                with_reason("Coupontools could not find what was asked for", message),
                "It may have been deleted. Reload the list and pick it again.".into(),
            ),
            ApiError::V4 { status, message } if (400..500).contains(status) => (
                with_reason("Coupontools did not accept the request", message),
                "Check the details you entered and try again.".into(),
            ),
            ApiError::V4 { status, message } => (
                with_reason(&format!("Coupontools could not carry out the request (HTTP {status})"), message),
                "Try again in a few minutes.".into(),
            ),
            ApiError::NotTheApi { status, excerpt } => {
                if *status >= 500 {
                    (
                        format!(
                            "Coupontools, or a server on the way to it, is having trouble and sent an error page instead of an answer (HTTP {status})."
                        ),
                        "Wait a few minutes and try again.".into(),
                    )
                } else if (300..400).contains(status) {
                    (
                        format!("The API address sends requests on to another address (HTTP {status}), so it is not the Coupontools API itself. Nothing was sent."),
                        WRONG_ADDRESS_HINT.into(),
                    )
                } else if (400..500).contains(status) {
                    (
                        format!("The server at the API address turned the request away (HTTP {status}) and does not answer like the Coupontools API. Nothing was sent."),
                        WRONG_ADDRESS_HINT.into(),
                    )
                } else if excerpt.trim().is_empty() {
                    (
                        format!("The server at the API address sent an empty answer (HTTP {status})."),
                        "Try again in a moment. If it keeps happening, check the API addresses in Settings (for example https://api.coupontools.com/v3).".into(),
                    )
                } else {
                    (
                        format!("The server at the API address answered with something that is not the Coupontools API (HTTP {status})."),
                        "Check the API addresses in Settings (for example https://api.coupontools.com/v3). If they are right, try again later.".into(),
                    )
                }
            }
            ApiError::Decode { path, .. } => (
                format!("Coupontools answered in a form this version of Coupon Desk does not understand (at “{path}”)."),
                "Try again later. If it keeps happening, update Coupon Desk or report this message.".into(),
            ),
            ApiError::Connect { .. } => (
                "Coupon Desk could not reach Coupontools.".into(),
                "Check the internet connection and the API addresses in Settings, then try again.".into(),
            ),
            ApiError::Timeout { sent: false } => (
                "Coupontools could not be reached in time.".into(),
                "Check the internet connection, then try again.".into(),
            ),
            ApiError::Timeout { sent: true } => (
                "Coupontools took too long to answer.".into(),
                "Try again in a moment.".into(),
            ),
            ApiError::ReplyLost { .. } => (
                "The connection to Coupontools broke before the answer arrived.".into(),
                "Check the internet connection and try again.".into(),
            ),
            ApiError::Server { status } => (
                format!("Coupontools is having trouble right now (HTTP {status})."),
                "Wait a few minutes and try again.".into(),
            ),
            ApiError::RateLimited { retry_after } => (
                "Coupontools asks us to slow down: too many requests in a short time.".into(),
                match retry_after {
                    Some(wait) if wait.as_secs() > 0 => format!(
                        "Wait {} seconds and try again, or send fewer at the same time (Settings).",
                        wait.as_secs()
                    ),
                    _ => "Wait a minute and try again, or send fewer at the same time (Settings).".into(),
                },
            ),
            ApiError::OutcomeUnknown { endpoint: Endpoint::SendEmail, .. } => (
                "We cannot tell whether the e-mail was sent: Coupontools' answer did not arrive or did not say.".into(),
                "Check in Coupontools whether this customer got the coupon before sending it again, so nobody gets it twice.".into(),
            ),
            ApiError::OutcomeUnknown { .. } => (
                "We cannot tell whether Coupontools carried this out: its answer did not arrive or did not say.".into(),
                "Check in Coupontools whether it went through before trying again, so nothing happens twice.".into(),
            ),
            ApiError::InvalidBaseUrl { url } => match validate::normalize_base_url(url) {
                Err(BaseUrlProblem::Unencrypted) => (
                    format!("The API address “{url}” is not encrypted (it starts with http://), so your API secret could be read on the way."),
                    "Change the API address in Settings to start with https://, for example https://api.coupontools.com/v3.".into(),
                ),
                _ => (
                    format!("The API address “{url}” is not a web address."),
                    "Enter an address that starts with https://, for example https://api.coupontools.com/v3.".into(),
                ),
            },
            ApiError::UnusableCredentials => (
                "The saved API client ID or secret contains characters that cannot be sent (for example a line break).".into(),
                "Copy both again from Coupontools → Settings → API and save them in Settings.".into(),
            ),
            ApiError::Internal { .. } => (
                "Something went wrong inside Coupon Desk.".into(),
                "Try again. If it keeps happening, restart Coupon Desk.".into(),
            ),
        }
    }
}

const WRONG_ADDRESS_HINT: &str = "Check the API addresses in Settings (for example https://api.coupontools.com/v3), then try again.";

fn credentials_words() -> (String, String) {
    (
        "Coupontools did not accept the API client ID or secret.".into(),
        "Copy both again from Coupontools → Settings → API and save them in Settings.".into(),
    )
}

/// "Lead." or "Lead: reason" when the server gave one.
fn with_reason(lead: &str, reason: &str) -> String {
    let reason = reason.trim();
    if reason.is_empty() {
        format!("{lead}.")
    } else {
        format!("{lead}: {reason}")
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

fn coupontools_words(code: u32, description: &str) -> (String, String) {
    let param = named_parameter(description);
    let (message, hint): (String, &str) = match code {
        1000 => return credentials_words(),
        101 => (
            "Your Coupontools account has expired.".into(),
            "Renew the subscription in Coupontools (or ask the account owner to), then try again.",
        ),
        102 => (
            "These API keys belong to a subaccount, and a subaccount cannot manage subaccounts.".into(),
            "Save the main account's API client ID and secret in Settings.",
        ),
        103 => (
            "Your Coupontools account is not connected to the Coupontools SMS services.".into(),
            "In Coupontools, set up SMS under Integrations, then try again.",
        ),
        104 => (
            "Coupontools cannot send e-mails yet: no e-mail provider is connected to your account.".into(),
            "In Coupontools, open Integrations → Email marketing and connect an e-mail provider, then try again.",
        ),
        200 => (
            match param {
                Some(name) => format!("Coupontools needs “{name}”, but it was left empty."),
                None => with_reason("A required detail is missing", description),
            },
            "Fill in the missing field and try again.",
        ),
        300 => (
            with_reason("Coupontools did not accept one of the values", description),
            "Check what you entered for typos and try again.",
        ),
        301 => (
            match param {
                Some(name) => format!("The value for “{name}” contains characters Coupontools does not accept."),
                None => "A value contains characters Coupontools does not accept.".into(),
            },
            "IDs look like cam_12345: check for spaces or typos, or pick it from the list.",
        ),
        302 => (
            "One of the values is not among the choices Coupontools allows.".into(),
            "Pick a value from the choices offered, then try again.",
        ),
        303 => (
            with_reason("A value is in the wrong format", description),
            "Dates are written year-month-day, for example 2025-12-31.",
        ),
        304 => (
            "An account with this e-mail address already exists at Coupontools.".into(),
            "Use a different e-mail address, or look up the existing account.",
        ),
        305 => (
            "Coupontools says the e-mail address is not valid.".into(),
            "Check the address for typos (it should look like name@example.com) and try again.",
        ),
        502 if mentions(description, "directory") => (
            "Coupontools could not find that directory.".into(),
            "Check the directory ID (it starts with dir_) or pick it from the list; it may have been deleted.",
        ),
        502 => (
            "Coupontools could not find that campaign.".into(),
            "Check the campaign ID (it starts with cam_) or pick it from the list; it may have been deleted.",
        ),
        503 => (
            "Coupontools could not find that teammate.".into(),
            "Check the teammate in Coupontools under your team settings, then try again.",
        ),
        505 if mentions(description, "session") => (
            "Coupontools could not find that coupon code.".into(),
            "Check the code for typos; it may have been removed.",
        ),
        505 => (
            "Coupontools could not find that loyalty card.".into(),
            "Pick the loyalty card from the list (IDs start with loy_); it may have been deleted.",
        ),
        507 if mentions(description, "directory") => (
            "Coupontools could not find that directory.".into(),
            "Pick the directory from the list (IDs start with dir_); it may have been deleted.",
        ),
        507 => (
            "Coupontools could not find that loyalty card.".into(),
            "Pick the loyalty card from the list; it may have been deleted.",
        ),
        509 => (
            "Coupontools does not know that webhook event.".into(),
            "Check the event ID (it starts with evt_).",
        ),
        510 => (
            "The subaccount ID is not correct.".into(),
            "Pick the subaccount from the list (IDs start with sub_).",
        ),
        514 => (
            "Coupontools could not find that SMS group.".into(),
            "Pick the group from the list (IDs start with gro_).",
        ),
        515 => (
            "Coupontools could not find that folder.".into(),
            "Clear the folder filter or choose a folder that exists.",
        ),
        604 => (
            with_reason("The e-mail was not sent. Coupontools said", description),
            "Check the address with the customer. If the reason mentions your balance or e-mail provider, check Integrations → Email marketing in Coupontools.",
        ),
        0 => (
            with_reason("Coupontools refused the request", description),
            "Check the details and try again. If it keeps happening, contact Coupontools support.",
        ),
        _ => {
            return (
                with_reason(&format!("Coupontools refused the request (code {code})"), description),
                format!("Check the details and try again. If it keeps happening, contact Coupontools support and mention code {code}."),
            )
        }
    };
    (message, hint.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(code: u32, description: &str) -> ApiError {
        ApiError::Coupontools {
            code,
            description: description.into(),
        }
    }

    #[test]
    fn every_documented_code_has_its_own_words() {
        for code in DOCUMENTED_CODES {
            let e = err(code, "Some description.");
            let (message, hint) = (e.user_message(), e.hint());
            assert!(
                !message.trim().is_empty() && !hint.trim().is_empty(),
                "code {code}"
            );
            assert!(
                !message.contains(&format!("(code {code})")),
                "code {code} fell through to the generic text"
            );
            assert!(
                !hint.contains("contact Coupontools support"),
                "code {code} has the generic hint"
            );
            assert_eq!(e.code(), Some(code));
        }
    }

    #[test]
    fn codes_say_what_they_mean() {
        let cases: &[(u32, &str, &str, &str)] = &[
            (
                1000,
                "HTTP/1.0 401 Unauthorized. Client ID or Secret not correct.",
                "did not accept the API client ID or secret",
                "Settings → API",
            ),
            (101, "", "expired", "Renew"),
            (102, "", "subaccount", "main account"),
            (103, "", "SMS", "Integrations"),
            (
                104,
                "No Email integration has been setup",
                "no e-mail provider",
                "Integrations → Email marketing",
            ),
            (200, "Missing parameter: campaign", "“campaign”", "Fill in"),
            (
                200,
                "You need to provide a password.",
                "You need to provide a password.",
                "Fill in",
            ),
            (300, "", "did not accept one of the values", "typos"),
            (
                301,
                "Invalid character in parameter: directory.",
                "“directory”",
                "cam_12345",
            ),
            (302, "", "choices", "choices"),
            (
                303,
                "Invalid format in parameter: expiry_date. Required format: yyyy-MM-dd",
                "expiry_date",
                "2025-12-31",
            ),
            (
                304,
                "Email already exists",
                "already exists",
                "different e-mail",
            ),
            (
                305,
                "Email address is not valid",
                "not valid",
                "name@example.com",
            ),
            (502, "Campaign ID not found.", "campaign", "cam_"),
            (502, "Directory ID not found", "directory", "dir_"),
            (503, "Teammate ID not found", "teammate", "team"),
            (505, "Loyalty card ID not found", "loyalty card", "loy_"),
            (505, "Couponsession not found.", "coupon code", "typos"),
            (507, "Loyalty card not found", "loyalty card", "list"),
            (507, "Directory ID not found.", "directory", "dir_"),
            (509, "Webhook not found.", "webhook", "evt_"),
            (510, "Subaccount ID not correct.", "subaccount", "sub_"),
            (514, "Group ID not found", "SMS group", "gro_"),
            (515, "Folder not found", "folder", "folder"),
            (
                604,
                "Email not sent to 'a@bounce.test'. Reason: mailbox unavailable",
                "Reason: mailbox unavailable",
                "Email marketing",
            ),
        ];
        for (code, description, in_message, in_hint) in cases {
            let e = err(*code, description);
            assert!(
                e.user_message().contains(in_message),
                "{code}: {}",
                e.user_message()
            );
            assert!(e.hint().contains(in_hint), "{code}: {}", e.hint());
        }
    }

    #[test]
    fn unknown_codes_get_generic_words_with_code_and_description() {
        let e = err(777, "Something odd happened.");
        assert_eq!(
            e.user_message(),
            "Coupontools refused the request (code 777): Something odd happened."
        );
        assert!(e.hint().contains("777"));
        assert_eq!(e.kind(), "coupontools");
        let none = err(0, "failed");
        assert_eq!(none.code(), None);
        assert!(none.user_message().contains("failed"));
    }

    #[test]
    fn account_failures_pause_bulk_work() {
        for code in [1000, 101, 102, 103, 104] {
            assert!(err(code, "").is_account_failure(), "{code}");
        }
        for code in [200, 301, 305, 502, 604, 0] {
            assert!(!err(code, "").is_account_failure(), "{code}");
        }
        assert!(ApiError::V4 {
            status: 401,
            message: "Unauthorized".into()
        }
        .is_account_failure());
        assert!(!ApiError::V4 {
            status: 404,
            message: "x".into()
        }
        .is_account_failure());
        assert!(!ApiError::Server { status: 503 }.is_account_failure());
    }

    #[test]
    fn v4_401_speaks_like_1000() {
        let v4 = ApiError::V4 {
            status: 401,
            message: "Invalid API key".into(),
        };
        let v3 = err(1000, "HTTP/1.0 401 Unauthorized.");
        assert_eq!(v4.kind(), "auth");
        assert_eq!(v3.kind(), "auth");
        assert_eq!(v4.user_message(), v3.user_message());
        assert_eq!(v4.hint(), v3.hint());
    }

    #[test]
    fn kinds_are_stable() {
        let cases: Vec<(ApiError, &str)> = vec![
            (
                ApiError::NotTheApi {
                    status: 502,
                    excerpt: "<html>".into(),
                },
                "not_the_api",
            ),
            (
                ApiError::Decode {
                    status: 200,
                    path: "users[0].stamps".into(),
                    detail: "x".into(),
                },
                "decode",
            ),
            (
                ApiError::Connect {
                    detail: "refused".into(),
                },
                "network",
            ),
            (
                ApiError::ReplyLost {
                    detail: "closed".into(),
                },
                "network",
            ),
            (ApiError::Timeout { sent: true }, "timeout"),
            (ApiError::Server { status: 500 }, "server"),
            (ApiError::RateLimited { retry_after: None }, "rate_limited"),
            (
                ApiError::OutcomeUnknown {
                    endpoint: Endpoint::SendEmail,
                    detail: "timeout".into(),
                },
                "outcome_unknown",
            ),
            (
                ApiError::InvalidBaseUrl {
                    url: "ftp://x".into(),
                },
                "config",
            ),
            (ApiError::UnusableCredentials, "config"),
            (
                ApiError::V4 {
                    status: 422,
                    message: "bad".into(),
                },
                "coupontools",
            ),
        ];
        for (e, kind) in cases {
            assert_eq!(e.kind(), kind, "{e:?}");
            assert!(
                !e.user_message().is_empty() && !e.hint().is_empty(),
                "{e:?}"
            );
        }
    }

    #[test]
    fn user_words_never_carry_technical_detail() {
        let technical = "error sending request for url (http://x/v3/send/email): hyper::Error(IncompleteMessage)";
        for e in [
            ApiError::Connect {
                detail: technical.into(),
            },
            ApiError::ReplyLost {
                detail: technical.into(),
            },
            ApiError::Decode {
                status: 200,
                path: "users[0].stamps".into(),
                detail: "invalid type: map, expected a string at line 1".into(),
            },
            ApiError::OutcomeUnknown {
                endpoint: Endpoint::SendEmail,
                detail: technical.into(),
            },
            ApiError::Internal {
                detail: technical.into(),
            },
            ApiError::NotTheApi {
                status: 200,
                excerpt: "<html>oops</html>".into(),
            },
        ] {
            let words = format!("{} {}", e.user_message(), e.hint());
            for leak in [
                "hyper",
                "error sending request",
                "invalid type",
                "line 1",
                "<html>",
            ] {
                assert!(!words.contains(leak), "{e:?} shows {leak:?}: {words}");
            }
        }
    }

    #[test]
    fn outcome_unknown_is_flagged_and_worded_for_email() {
        let e = ApiError::OutcomeUnknown {
            endpoint: Endpoint::SendEmail,
            detail: "timed out".into(),
        };
        assert!(e.outcome_unknown());
        assert!(e.user_message().contains("e-mail was sent"));
        assert!(e.hint().contains("before sending it again"));
        assert!(!ApiError::Timeout { sent: true }.outcome_unknown());
    }

    #[test]
    fn not_the_api_words_follow_the_status() {
        let gateway = ApiError::NotTheApi {
            status: 502,
            excerpt: "<html>Bad gateway</html>".into(),
        };
        assert!(gateway.user_message().contains("HTTP 502"));
        assert!(gateway.user_message().contains("trouble"));
        let wrong_host = ApiError::NotTheApi {
            status: 200,
            excerpt: "<html>Welcome</html>".into(),
        };
        assert!(wrong_host.hint().contains("API addresses in Settings"));
        let empty = ApiError::NotTheApi {
            status: 200,
            excerpt: String::new(),
        };
        assert!(empty.user_message().contains("empty"));
        // A refusal in front of the API is about the address, never "try again in a moment".
        for status in [301, 404, 401] {
            let refused = ApiError::NotTheApi {
                status,
                excerpt: String::new(),
            };
            assert!(
                refused.user_message().contains("Nothing was sent"),
                "{status}"
            );
            assert!(
                refused.hint().contains("API addresses in Settings"),
                "{status}"
            );
            assert!(!refused.hint().contains("in a moment"), "{status}");
        }
    }

    #[test]
    fn rate_limit_hint_names_the_wait() {
        let e = ApiError::RateLimited {
            retry_after: Some(Duration::from_secs(30)),
        };
        assert!(e.hint().contains("30 seconds"));
    }
}
