//! The words of every API error, in every language (the client only names them).

use std::time::Duration;

use crate::api::endpoints::Endpoint;
use crate::api::error::*;
#[allow(unused_imports)]
use crate::words::{say, Worded};

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
    let technical =
        "error sending request for url (http://x/v3/send/email): hyper::Error(IncompleteMessage)";
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

/// One error of every kind and every documented code, plus the generic ones.
/// One error of every kind and shape the client makes (also for `error_kind`'s test).
pub(crate) fn every_kind_of_error() -> Vec<ApiError> {
    let mut errors: Vec<ApiError> = DOCUMENTED_CODES
        .iter()
        .chain(&[0, 777])
        .map(|code| err(*code, "Missing parameter: campaign"))
        .collect();
    errors.extend([
        err(200, "You need to provide a password."),
        err(301, ""),
        err(502, "Directory ID not found"),
        err(505, "Couponsession not found."),
        err(507, "Directory ID not found."),
    ]);
    for status in [200, 301, 404, 502] {
        for excerpt in ["", "<html>"] {
            errors.push(ApiError::NotTheApi {
                status,
                excerpt: excerpt.into(),
            });
        }
    }
    for status in [401, 404, 422, 500] {
        errors.push(ApiError::V4 {
            status,
            message: String::new(),
        });
    }
    errors.extend([
        ApiError::Decode {
            status: 200,
            path: "users[0]".into(),
            detail: String::new(),
        },
        ApiError::Connect {
            detail: String::new(),
        },
        ApiError::Timeout { sent: false },
        ApiError::Timeout { sent: true },
        ApiError::ReplyLost {
            detail: String::new(),
        },
        ApiError::Server { status: 503 },
        ApiError::RateLimited { retry_after: None },
        ApiError::RateLimited {
            retry_after: Some(Duration::from_secs(30)),
        },
        ApiError::OutcomeUnknown {
            endpoint: Endpoint::SendEmail,
            detail: String::new(),
        },
        ApiError::OutcomeUnknown {
            endpoint: Endpoint::CouponList,
            detail: String::new(),
        },
        ApiError::InvalidBaseUrl {
            url: "http://example.com/v3".into(),
        },
        ApiError::InvalidBaseUrl { url: "ftp".into() },
        ApiError::UnusableCredentials,
        ApiError::Internal {
            detail: String::new(),
        },
    ]);
    errors
}

#[test]
fn every_error_has_its_words_in_every_language() {
    use crate::i18n::{in_language, Lang};
    for e in every_kind_of_error() {
        let words = |lang| in_language(lang, || (e.user_message(), e.hint()));
        let english = words(Lang::En);
        for lang in Lang::ALL {
            let (message, hint) = words(lang);
            for text in [&message, &hint] {
                assert!(
                    !text.is_empty() && !text.contains("apiError.") && !text.contains("error."),
                    "{lang:?} {e:?}: {text:?} is a missing key"
                );
            }
            if lang != Lang::En {
                assert_ne!(message, english.0, "{lang:?} {e:?}: message is English");
                assert_ne!(hint, english.1, "{lang:?} {e:?}: hint is English");
            }
        }
    }
}

#[test]
fn rate_limit_hint_names_the_wait() {
    let e = ApiError::RateLimited {
        retry_after: Some(Duration::from_secs(30)),
    };
    assert!(e.hint().contains("30 seconds"));
}
