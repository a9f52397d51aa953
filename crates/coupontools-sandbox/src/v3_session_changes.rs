//! v3 calls that change coupon sessions or reach their holders (§5.3, §10):
//! `couponsession/update`, `couponsession/updatemultiple`, `coupon/pushnotification/single`
//! and `coupon/pushnotification/all`, over the one session store.
//!
//! The life cycle (sandbox model): created → opened → claimed → validated, voided / un-voided
//! at any time, expired once `expiration_date` has passed, and locked (cannot be claimed or
//! validated). `couponsession/update` params per §10: `couponsession` Req (21-char code or its
//! 6-char short form), `operation` = `validated` | `claimed`, `validation_value` (money spent),
//! `void` = true | false; the older guess `validate` = true means `operation=validated`.
//!
//! SANDBOX DECISIONS (codes and texts invented; the docs give none):
//! - 306 "Couponsession already validated." — validating or claiming a validated session.
//! - 307 "Couponsession is voided." — validating or claiming a voided session.
//! - 308 "Couponsession has expired." — validating or claiming past `expiration_date`.
//! - 309 "Couponsession is locked." — validating or claiming a locked session.
//!   Checked in that order, after the request's own `void` (so `void=false` with
//!   `operation=validated` un-voids and validates); a refused request changes nothing.
//! - Neither `operation`, `validate` nor `void`: 200 "Missing parameter: operation".
//!   Another `operation` word: 302 "Invalid value in parameter: operation.". `validation_value`
//!   not digits with an optional `.`/`,` and one or two decimals: 303 "Invalid format in
//!   parameter: validation_value."; given without validating: 302 "Invalid value in parameter:
//!   validation_value.". It is stored with a `.` and two decimals ("4,5" → "4.50").
//! - Claiming a claimed session is OK and changes nothing; validating sets the open and claim
//!   dates too when they are missing; `void=true` on a voided session keeps its first date;
//!   `void=false` clears `voided` and sets `unvoided_date_utc`.
//! - Reply: the session as `couponsession/data` answers it, `action: "couponsession_updated"`.
//! - `updatemultiple`: `couponsessions` Req, a JSON array of codes or one comma-separated text;
//!   1–100 codes (302 otherwise), the same flags checked once for all (same codes as above).
//!   Each code is handled on its own, in order: the reply is OK with `amount_of_results` (the
//!   codes updated, a numeric string) and `data`, one row per code sent, in order:
//!   `{couponsession, status: "OK", session: <the campaign/data row>}` or
//!   `{couponsession, status: "failed", error_code: <int>, error_message: <text>}` (505 for an
//!   unknown code).
//! - Push single: `campaign`, `couponsession` (21 or 6 chars), `message` Req (200); a session
//!   not in that campaign is 505 "Couponsession not found."; a message over 500 characters is
//!   302. Reply: the bare envelope (§5.3). Push all: `campaign`, `message`; it reaches the
//!   campaign's live, not voided sessions saved to a wallet; reply `amount_of_recipients`
//!   (numeric string). Both are recorded (`SandboxControl::pushes_to_sessions`).

use std::time::SystemTime;

use serde_json::{json, Map, Value};

use super::body::Params;
use super::envelope::{V3Error, V3Result};
use super::seed::Campaign;
use super::sessions::{Session, SessionPush};
use super::state::Shared;
use super::v3_coupons::is_prefixed_id;
use super::v3_sessions::{data_payload, session_json, session_not_found};

/// The most codes one `couponsession/updatemultiple` takes.
pub(crate) const MAX_CODES_PER_UPDATE: usize = 100;
/// The longest push message accepted (the client's limit too).
const MAX_PUSH_CHARS: usize = 500;
/// Digits before the decimal separator of a validation value.
const MAX_VALUE_DIGITS: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    Validated,
    Claimed,
}

/// The flags of one update request, checked once.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Change {
    operation: Option<Operation>,
    /// Two decimals, with a `.`.
    validation_value: Option<String>,
    void: Option<bool>,
}

pub(crate) fn already_validated() -> V3Error {
    V3Error::new(306, "Couponsession already validated.")
}

pub(crate) fn voided() -> V3Error {
    V3Error::new(307, "Couponsession is voided.")
}

pub(crate) fn expired() -> V3Error {
    V3Error::new(308, "Couponsession has expired.")
}

pub(crate) fn locked() -> V3Error {
    V3Error::new(309, "Couponsession is locked.")
}

fn invalid_value(param: &str) -> V3Error {
    V3Error::new(302, format!("Invalid value in parameter: {param}."))
}

fn change(params: &Params) -> Result<Change, V3Error> {
    let mut operation = match params.text("operation") {
        None => None,
        Some(word) => match word.trim().to_ascii_lowercase().as_str() {
            "validated" | "validate" => Some(Operation::Validated),
            "claimed" | "claim" => Some(Operation::Claimed),
            _ => return Err(invalid_value("operation")),
        },
    };
    let validate = params
        .flag("validate")
        .map_err(|_| V3Error::not_a_boolean("validate"))?;
    if validate == Some(true) && operation.is_none() {
        operation = Some(Operation::Validated);
    }
    let void = params
        .flag("void")
        .map_err(|_| V3Error::not_a_boolean("void"))?;
    let validation_value =
        match params.text("validation_value") {
            None => None,
            Some(text) => Some(money(&text).ok_or_else(|| {
                V3Error::new(303, "Invalid format in parameter: validation_value.")
            })?),
        };
    if validation_value.is_some() && operation != Some(Operation::Validated) {
        return Err(invalid_value("validation_value"));
    }
    if operation.is_none() && void.is_none() {
        return Err(V3Error::missing("operation"));
    }
    Ok(Change {
        operation,
        validation_value,
        void,
    })
}

/// "12", "12.5", "12,50" → "12.00", "12.50", "12.50"; None for anything else.
fn money(text: &str) -> Option<String> {
    let text = text.trim();
    let (whole, decimals) = match text.find(['.', ',']) {
        Some(at) => (&text[..at], &text[at + 1..]),
        None => (text, "00"),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || whole.len() > MAX_VALUE_DIGITS || !digits(decimals) || decimals.len() > 2 {
        return None;
    }
    let whole = whole.trim_start_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    Some(format!("{whole}.{decimals:0<2}"))
}

/// Applies `change` to `session` at `now`, or changes nothing and says why not.
fn apply(session: &mut Session, change: &Change, now: SystemTime) -> Result<(), V3Error> {
    let mut next = session.clone();
    match change.void {
        Some(true) if next.voided.is_none() => next.voided = Some(now),
        Some(false) if next.voided.is_some() => {
            next.last_voided = next.voided.take();
            next.unvoided = Some(now);
        }
        _ => {}
    }
    if let Some(operation) = change.operation {
        if next.validated.is_some() {
            return Err(already_validated());
        }
        if next.voided.is_some() {
            return Err(voided());
        }
        if next.expires.is_some_and(|at| now >= at) {
            return Err(expired());
        }
        if next.locked {
            return Err(locked());
        }
        next.opened.get_or_insert(now);
        next.claimed.get_or_insert(now);
        if operation == Operation::Validated {
            next.validated = Some(now);
            next.times_validated += 1;
            next.validation_value = change.validation_value.clone().unwrap_or_default();
        }
    }
    *session = next;
    Ok(())
}

/// `POST /v3/couponsession/update` (§10). See the module notes.
pub(crate) fn update(shared: &Shared, params: &Params) -> V3Result {
    let code = params
        .text("couponsession")
        .ok_or_else(|| V3Error::missing("couponsession"))?;
    let change = change(params)?;
    let mut sessions = shared.sessions();
    let session = sessions
        .find_mut(code.trim())
        .ok_or_else(session_not_found)?;
    let now = shared.now();
    apply(session, &change, now)?;
    Ok(data_payload(session, "couponsession_updated"))
}

/// `POST /v3/couponsession/updatemultiple` (§10). See the module notes.
pub(crate) fn update_multiple(shared: &Shared, params: &Params) -> V3Result {
    let codes: Vec<String> = match params.get("couponsessions") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => s.trim().to_owned(),
                other => other.to_string(),
            })
            .collect(),
        Some(Value::String(text)) => text
            .split(',')
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .collect(),
        Some(_) => return Err(invalid_value("couponsessions")),
    };
    if codes.is_empty() {
        return Err(V3Error::missing("couponsessions"));
    }
    if codes.len() > MAX_CODES_PER_UPDATE {
        return Err(V3Error::new(
            302,
            format!(
                "Invalid value in parameter: couponsessions. At most {MAX_CODES_PER_UPDATE} codes."
            ),
        ));
    }
    let change = change(params)?;
    let now = shared.now();
    let mut sessions = shared.sessions();
    let mut updated = 0usize;
    let rows: Vec<Value> = codes
        .iter()
        .map(|code| {
            let result = match sessions.find_mut(code) {
                None => Err(session_not_found()),
                Some(session) => apply(session, &change, now).map(|()| session_json(session)),
            };
            match result {
                Ok(session) => {
                    updated += 1;
                    json!({"couponsession": code, "status": "OK", "session": session})
                }
                Err(e) => json!({
                    "couponsession": code,
                    "status": "failed",
                    "error_code": e.code,
                    "error_message": e.description,
                }),
            }
        })
        .collect();
    let mut payload = Map::new();
    payload.insert("action".into(), json!("couponsessions_updated"));
    payload.insert("amount_of_results".into(), json!(updated.to_string()));
    payload.insert("data".into(), Value::Array(rows));
    Ok(payload)
}

/// `campaign` Req: 200 missing, 301 not `cam_` + digits, 502 unknown.
fn campaign<'a>(shared: &'a Shared, params: &Params) -> Result<&'a Campaign, V3Error> {
    let id = params
        .text("campaign")
        .ok_or_else(|| V3Error::missing("campaign"))?;
    if !is_prefixed_id(id.trim(), "cam_") {
        return Err(V3Error::invalid_character("campaign"));
    }
    shared
        .shop
        .campaign(id.trim())
        .ok_or_else(|| V3Error::new(502, "Campaign ID not found."))
}

fn message(params: &Params) -> Result<String, V3Error> {
    let message = params
        .text("message")
        .ok_or_else(|| V3Error::missing("message"))?;
    let message = message.trim().to_owned();
    if message.chars().count() > MAX_PUSH_CHARS {
        return Err(V3Error::new(
            302,
            format!("Invalid value in parameter: message. At most {MAX_PUSH_CHARS} characters."),
        ));
    }
    Ok(message)
}

/// `POST /v3/coupon/pushnotification/single` (§5.3). See the module notes.
pub(crate) fn push_single(shared: &Shared, params: &Params) -> V3Result {
    let campaign = campaign(shared, params)?;
    let code = params
        .text("couponsession")
        .ok_or_else(|| V3Error::missing("couponsession"))?;
    let message = message(params)?;
    let mut sessions = shared.sessions();
    let session = sessions
        .find(code.trim())
        .filter(|s| s.campaign == campaign.id)
        .ok_or_else(session_not_found)?;
    let push = SessionPush {
        campaign: campaign.id.to_owned(),
        sessions: vec![session.code.clone()],
        message,
        via: "single",
    };
    sessions.record_push(push);
    Ok(Map::new())
}

/// `POST /v3/coupon/pushnotification/all` (§10). See the module notes.
pub(crate) fn push_all(shared: &Shared, params: &Params) -> V3Result {
    let campaign = campaign(shared, params)?;
    let message = message(params)?;
    let mut sessions = shared.sessions();
    let to: Vec<String> = sessions
        .in_campaign(campaign.id)
        .filter(|s| s.saved_to_wallet.is_some() && s.voided.is_none())
        .map(|s| s.code.clone())
        .collect();
    let count = to.len();
    sessions.record_push(SessionPush {
        campaign: campaign.id.to_owned(),
        sessions: to,
        message,
        via: "all",
    });
    let mut payload = Map::new();
    payload.insert("action".into(), json!("pushnotification_sent"));
    payload.insert("amount_of_recipients".into(), json!(count.to_string()));
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SandboxConfig;
    use crate::lunch_deal;
    use crate::sessions::NewSession;
    use std::time::Duration;

    fn shared() -> Shared {
        Shared::new(SandboxConfig::default())
    }

    /// A fresh session of cam_104211: no expiry, nothing happened yet.
    fn fresh(s: &Shared) -> String {
        let new = NewSession {
            campaign: "cam_104211".into(),
            slug: "fc7k2p".into(),
            ..NewSession::default()
        };
        s.sessions().create(new, SystemTime::now()).code.clone()
    }

    fn call(f: fn(&Shared, &Params) -> V3Result, s: &Shared, pairs: &[(&str, &str)]) -> V3Result {
        f(s, &Params::from_pairs(pairs))
    }

    #[test]
    fn money_takes_a_dot_or_a_comma_and_at_most_two_decimals() {
        assert_eq!(money("12").as_deref(), Some("12.00"));
        assert_eq!(money(" 4,5 ").as_deref(), Some("4.50"));
        assert_eq!(money("007.25").as_deref(), Some("7.25"));
        assert_eq!(money("0.05").as_deref(), Some("0.05"));
        for bad in [
            "",
            "1.",
            ".5",
            "1.234",
            "1,2.3",
            "-1",
            "€5",
            "1 000",
            "12345678901",
        ] {
            assert_eq!(money(bad), None, "{bad}");
        }
    }

    #[test]
    fn validate_once_with_value_then_refuse() {
        let s = shared();
        let code = fresh(&s);
        let r = call(
            update,
            &s,
            &[
                ("couponsession", &code),
                ("operation", "validated"),
                ("validation_value", "12,5"),
            ],
        )
        .unwrap();
        assert_eq!(r["action"], "couponsession_updated");
        let status = &r["data"]["status"];
        assert_eq!(status["validated"], "1");
        assert_eq!(status["claimed"], "1");
        assert_eq!(status["opened"], "1");
        assert_eq!(status["validation_value"], "12.50");
        assert_ne!(status["validation_date_utc"], "");
        let again = call(
            update,
            &s,
            &[("couponsession", &code[..6]), ("validate", "true")],
        )
        .unwrap_err();
        assert_eq!(again, already_validated());
        assert_eq!(s.sessions().find(&code).unwrap().times_validated, 1);
    }

    #[test]
    fn void_unvoid_and_the_refusals_in_order() {
        let s = shared();
        let code = fresh(&s);
        let op = |pairs: &[(&str, &str)]| {
            let mut all = vec![("couponsession", code.as_str())];
            all.extend_from_slice(pairs);
            call(update, &s, &all)
        };
        let r = op(&[("void", "true")]).unwrap();
        assert_eq!(r["data"]["status"]["voided"], "1");
        assert_eq!(op(&[("operation", "claimed")]).unwrap_err(), voided());
        assert_eq!(
            op(&[("operation", "validated"), ("void", "true")]).unwrap_err(),
            voided()
        );
        let r = op(&[("void", "false"), ("operation", "claimed")]).unwrap();
        assert_eq!(r["data"]["status"]["voided"], "0");
        assert_ne!(r["data"]["status"]["unvoided_date_utc"], "");
        // As in the help article: the void date stays after the undo.
        assert_ne!(r["data"]["status"]["voided_date_utc"], "");
        assert_eq!(r["data"]["status"]["claimed"], "1");
        assert_eq!(r["data"]["status"]["validated"], "0");
        op(&[("operation", "claimed")]).expect("claiming again is fine");

        s.sessions().find_mut(&code).unwrap().locked = true;
        assert_eq!(op(&[("operation", "validated")]).unwrap_err(), locked());
        s.sessions().find_mut(&code).unwrap().expires =
            Some(SystemTime::now() - Duration::from_secs(1));
        assert_eq!(op(&[("operation", "validated")]).unwrap_err(), expired());
        let stored = s.sessions().find(&code).unwrap().clone();
        assert!(stored.validated.is_none() && stored.voided.is_none());
    }

    #[test]
    fn parameter_errors() {
        let s = shared();
        let code = fresh(&s);
        let err = |pairs: &[(&str, &str)]| call(update, &s, pairs).unwrap_err();
        assert_eq!(err(&[]), V3Error::missing("couponsession"));
        assert_eq!(
            err(&[("couponsession", &code)]),
            V3Error::missing("operation")
        );
        assert_eq!(
            err(&[("couponsession", &code), ("operation", "eaten")]).code,
            302
        );
        assert_eq!(
            err(&[("couponsession", &code), ("void", "maybe")]).code,
            302
        );
        assert_eq!(
            err(&[
                ("couponsession", &code),
                ("operation", "validated"),
                ("validation_value", "12.345")
            ])
            .code,
            303
        );
        assert_eq!(
            err(&[
                ("couponsession", &code),
                ("operation", "claimed"),
                ("validation_value", "12")
            ])
            .code,
            302
        );
        assert_eq!(
            err(&[("couponsession", "zzzzzz"), ("operation", "claimed")]),
            session_not_found()
        );
    }

    #[test]
    fn update_multiple_answers_per_code() {
        let s = shared();
        let a = fresh(&s);
        let b = fresh(&s);
        let list = format!("{a},{},nosuchcode", &b[..6]);
        call(update, &s, &[("couponsession", &b), ("void", "1")]).unwrap();
        let r = call(
            update_multiple,
            &s,
            &[("couponsessions", &list), ("operation", "validated")],
        )
        .unwrap();
        assert_eq!(r["amount_of_results"], "1");
        let rows = r["data"].as_array().unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0]["status"], "OK");
        assert_eq!(rows[0]["session"]["status"]["validated"], "1");
        assert_eq!(rows[1]["couponsession"], &b[..6]);
        assert_eq!(
            (rows[1]["status"].as_str(), rows[1]["error_code"].as_u64()),
            (Some("failed"), Some(307))
        );
        assert_eq!(rows[2]["error_code"], 505);
        assert_eq!(
            call(update_multiple, &s, &[("operation", "validated")]).unwrap_err(),
            V3Error::missing("couponsessions")
        );
        let many = vec![a.as_str(); MAX_CODES_PER_UPDATE + 1].join(",");
        assert_eq!(
            call(
                update_multiple,
                &s,
                &[("couponsessions", &many), ("void", "1")]
            )
            .unwrap_err()
            .code,
            302
        );
    }

    #[test]
    fn pushes_are_recorded_and_reach_wallets() {
        let s = shared();
        let code = fresh(&s);
        call(
            push_single,
            &s,
            &[
                ("campaign", "cam_104211"),
                ("couponsession", &code[..6]),
                ("message", "Hi"),
            ],
        )
        .unwrap();
        assert_eq!(
            call(
                push_single,
                &s,
                &[
                    ("campaign", "cam_104212"),
                    ("couponsession", &code),
                    ("message", "Hi")
                ],
            )
            .unwrap_err(),
            session_not_found()
        );
        assert_eq!(
            call(
                push_single,
                &s,
                &[("campaign", "cam_104211"), ("couponsession", &code)]
            )
            .unwrap_err(),
            V3Error::missing("message")
        );
        let r = call(
            push_all,
            &s,
            &[
                ("campaign", lunch_deal::CAMPAIGN),
                ("message", "Soup of the day: tomato"),
            ],
        )
        .unwrap();
        let count: usize = r["amount_of_recipients"].as_str().unwrap().parse().unwrap();
        assert!(count > 100, "{count}");
        let pushes = s.sessions().pushes();
        assert_eq!(pushes.len(), 2);
        assert_eq!(
            (pushes[0].via, pushes[0].sessions.clone()),
            ("single", vec![code])
        );
        assert_eq!((pushes[1].via, pushes[1].sessions.len()), ("all", count));
    }
}
