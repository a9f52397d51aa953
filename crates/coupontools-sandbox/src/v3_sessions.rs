//! v3 session reads: `couponsession/search` (§5.3, params and reply per §10),
//! `couponsession/data` (§5.3) and `campaign/data` (§5.3, paging per §10), all over the one
//! session store (`sessions.rs`): what `send/email`, `singleuse/create` and
//! `multiplesingleuse/create` made, without what `singleuse/remove` removed.

use std::time::SystemTime;

use serde_json::{json, Map, Value};
use time::macros::format_description;
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time};

use super::body::Params;
use super::envelope::{V3Error, V3Result};
use super::sessions::Session;
use super::state::Shared;
use super::v3_coupons::is_prefixed_id;

/// `POST /v3/couponsession/search`: `search` Req (200 when missing), `campaign` Opt (301 when it
/// is not a `cam_`/`dir_` ID, 502 when unknown). Reply: `amount_of_results` (numeric string) and
/// `data`, the live sessions whose e-mail (any case), phone or custom validation code is the
/// search text, newest first.
pub(crate) fn search(shared: &Shared, params: &Params) -> V3Result {
    let search = params
        .text("search")
        .ok_or_else(|| V3Error::missing("search"))?;
    let campaign = params.text("campaign");
    if let Some(id) = &campaign {
        if is_prefixed_id(id, "cam_") {
            shared
                .shop
                .campaign(id)
                .ok_or_else(|| V3Error::new(502, "Campaign ID not found."))?;
        } else if is_prefixed_id(id, "dir_") {
            shared
                .shop
                .directory(id)
                .ok_or_else(|| V3Error::new(502, "Directory ID not found."))?;
        } else {
            return Err(V3Error::invalid_character("campaign"));
        }
    }
    let sessions = shared.sessions();
    let found = sessions.search(search.trim(), campaign.as_deref());
    let mut payload = Map::new();
    payload.insert(
        "amount_of_results".into(),
        Value::String(found.len().to_string()),
    );
    payload.insert(
        "data".into(),
        Value::Array(found.into_iter().map(session_json).collect()),
    );
    Ok(payload)
}

/// `POST /v3/couponsession/data`: `couponsession` Req (200), the 21-character code or its
/// 6-character short form; unknown or removed: 505 "Couponsession not found." (§5.3's error
/// text of the push call). Reply per §5.3: `campaign`, `action`, `session`, `session_url`,
/// `sequenceid` (numeric string), `customid`, `data.status` (strings, `""` for unset dates),
/// and the customer in `user_data` (sandbox decision, as in search).
pub(crate) fn data(shared: &Shared, params: &Params) -> V3Result {
    let code = params
        .text("couponsession")
        .ok_or_else(|| V3Error::missing("couponsession"))?;
    let sessions = shared.sessions();
    let session = sessions.find(code.trim()).ok_or_else(session_not_found)?;
    Ok(data_payload(session, "retrieve_all_session_data"))
}

/// One session as `couponsession/data` answers it, with that `action`.
pub(crate) fn data_payload(session: &Session, action: &str) -> Map<String, Value> {
    let mut payload = Map::new();
    payload.insert("campaign".into(), json!(session.campaign));
    payload.insert("action".into(), json!(action));
    payload.insert("session".into(), json!(session.code));
    payload.insert("session_url".into(), json!(session.url));
    payload.insert("sequenceid".into(), json!(session.sequence_id.to_string()));
    payload.insert("customid".into(), json!(session.custom_id));
    payload.insert("data".into(), json!({ "status": status_json(session) }));
    payload.insert("user_data".into(), user_json(session));
    payload
}

pub(crate) fn session_not_found() -> V3Error {
    V3Error::new(505, "Couponsession not found.")
}

/// `POST /v3/campaign/data`: `campaign` Req (200, 301 not `cam_` + digits, 502 unknown);
/// `start_date` / `end_date` Opt, UTC, inclusive, as `YYYY-MM-DD HH:MM`, `YYYY-MM-DD HH-MM`
/// (the doc's spelling) or `YYYY-MM-DD`; `page` Opt, 1-based, `page_size` rows a page (§10).
/// Reply: `amount_of_results` (numeric string, every matching session, not just this page) and
/// `data`, this page's sessions oldest first.
///
/// SANDBOX DECISIONS (the docs give no texts): a date in another form is 303 "Invalid date
/// format in parameter: start_date."; a page that is not a whole number from 1 up is 302
/// "Invalid value in parameter: page."; a page past the end is an empty `data`.
pub(crate) fn campaign_data(shared: &Shared, params: &Params, page_size: usize) -> V3Result {
    campaign_list(shared, params, page_size, Listed::All)
}

/// Which sessions a campaign list call answers, and the date its range and order go by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Listed {
    /// `campaign/data`: every session, by creation.
    All,
    /// `campaign/opens`: opened sessions, by the open date.
    Opens,
    /// `campaign/claims`: claimed sessions, by the claim date.
    Claims,
    /// `campaign/validations`: validated sessions, by the validation date.
    Validations,
}

impl Listed {
    fn date(self, s: &Session) -> Option<SystemTime> {
        match self {
            Listed::All => Some(s.created),
            Listed::Opens => s.opened,
            Listed::Claims => s.claimed,
            Listed::Validations => s.validated,
        }
    }
}

/// `POST /v3/campaign/opens|claims|validations` (§5.3): as `campaign/data`, but only the
/// sessions that were opened / claimed / validated, `start_date` / `end_date` applying to that
/// date, oldest event first (ties by `sequenceid`).
pub(crate) fn campaign_list(
    shared: &Shared,
    params: &Params,
    page_size: usize,
    listed: Listed,
) -> V3Result {
    let id = params
        .text("campaign")
        .ok_or_else(|| V3Error::missing("campaign"))?;
    if !is_prefixed_id(&id, "cam_") {
        return Err(V3Error::invalid_character("campaign"));
    }
    shared
        .shop
        .campaign(&id)
        .ok_or_else(|| V3Error::new(502, "Campaign ID not found."))?;
    let from = match params.text("start_date") {
        Some(text) => Some(parse_bound(&text, Bound::Start).ok_or_else(|| bad_date("start_date"))?),
        None => None,
    };
    let until = match params.text("end_date") {
        Some(text) => Some(parse_bound(&text, Bound::End).ok_or_else(|| bad_date("end_date"))?),
        None => None,
    };
    let page = match params.text("page") {
        None => 1,
        Some(text) => text
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|p| *p >= 1)
            .ok_or_else(|| V3Error::new(302, "Invalid value in parameter: page."))?,
    };
    // Compared as SystemTime: every page of a 20 000-session campaign walks all of them
    // under the store's lock, so the walk must stay cheap.
    let (from, until) = (from.map(SystemTime::from), until.map(SystemTime::from));
    let in_range =
        |at: SystemTime| from.is_none_or(|from| at >= from) && until.is_none_or(|until| at < until);
    let skip = page_size.saturating_mul(page - 1);
    let settings = shared.settings();
    let row_json = |s: &Session| {
        let mut row = session_json(s);
        if settings.lean_session_rows {
            if let Some(fields) = row.as_object_mut() {
                fields.remove("session_url");
                if let Some(Value::Object(status)) = fields.get_mut("status") {
                    status.remove("created_date_utc");
                }
            }
        }
        row
    };
    let sessions = shared.sessions();
    let (total, rows) = if listed == Listed::All {
        // Already oldest first: count them all, shape only the page's rows.
        let mut total = 0usize;
        let mut rows = Vec::with_capacity(page_size);
        for s in sessions.in_campaign(&id) {
            if listed.date(s).is_some_and(in_range) {
                if total >= skip && rows.len() < page_size {
                    rows.push(row_json(s));
                }
                total += 1;
            }
        }
        (total, rows)
    } else {
        let mut matching: Vec<(SystemTime, &Session)> = sessions
            .in_campaign(&id)
            .filter_map(|s| listed.date(s).map(|at| (at, s)))
            .filter(|(at, _)| in_range(*at))
            .collect();
        matching.sort_by_key(|(at, s)| (*at, s.sequence_id));
        let rows: Vec<Value> = matching
            .iter()
            .skip(skip)
            .take(page_size)
            .map(|(_, s)| row_json(s))
            .collect();
        (matching.len(), rows)
    };
    let total = if settings.count_per_page {
        rows.len()
    } else {
        total
    };
    let mut payload = Map::new();
    payload.insert("amount_of_results".into(), Value::String(total.to_string()));
    payload.insert("data".into(), Value::Array(rows));
    Ok(payload)
}

fn bad_date(param: &str) -> V3Error {
    V3Error::new(303, format!("Invalid date format in parameter: {param}."))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Bound {
    /// The first instant named: the minute's or day's start.
    Start,
    /// The instant right after the named minute or day (the end is inclusive).
    End,
}

fn parse_bound(text: &str, bound: Bound) -> Option<OffsetDateTime> {
    let text = text.trim();
    let minute = format_description!("[year]-[month]-[day] [hour]:[minute]");
    let minute_hyphen = format_description!("[year]-[month]-[day] [hour]-[minute]");
    let second = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    let day = format_description!("[year]-[month]-[day]");
    let (at, step) = if let Ok(at) = PrimitiveDateTime::parse(text, minute)
        .or_else(|_| PrimitiveDateTime::parse(text, minute_hyphen))
    {
        (at, Duration::MINUTE)
    } else if let Ok(at) = PrimitiveDateTime::parse(text, second) {
        (at, Duration::SECOND)
    } else {
        let date = Date::parse(text, day).ok()?;
        (PrimitiveDateTime::new(date, Time::MIDNIGHT), Duration::DAY)
    };
    let at = at.assume_utc();
    Some(match bound {
        Bound::Start => at,
        Bound::End => at + step,
    })
}

/// A session row as `couponsession/search` and `campaign/data` answer it: §5.3's fields with
/// `status` at the row's top.
///
/// SANDBOX DECISION (the docs do not show where a session keeps its customer): the customer
/// sits in `user_data: {email, firstname, lastname, phone}`.
pub(crate) fn session_json(session: &Session) -> Value {
    json!({
        "campaign": session.campaign,
        "session": session.code,
        "session_url": session.url,
        "sequenceid": session.sequence_id.to_string(),
        "customid": session.custom_id,
        "status": status_json(session),
        "user_data": user_json(session),
    })
}

/// §5.3's status fields (with the help article's fuller list), every one a string; `""` for
/// dates that did not happen. Nothing is ever "played" in the sandbox.
pub(crate) fn status_json(s: &Session) -> Value {
    let flag = |at: Option<SystemTime>| if at.is_some() { "1" } else { "0" };
    let date = |at: Option<SystemTime>| at.map(utc_text).unwrap_or_default();
    json!({
        "created_date_utc": utc_text(s.created),
        "opened": flag(s.opened),
        "open_date_utc": date(s.opened),
        "played": "0",
        "played_date_utc": "",
        "claimed": flag(s.claimed),
        "claim_date_utc": date(s.claimed),
        "claimtype": "",
        "saved_to_passbook": flag(s.saved_to_wallet),
        "saved_to_passbook_date_utc": date(s.saved_to_wallet),
        "validated": flag(s.validated),
        "validation_date_utc": date(s.validated),
        "voided": flag(s.voided),
        "voided_date_utc": date(s.voided.or(s.last_voided)),
        "unvoided_date_utc": date(s.unvoided),
        "locked": if s.locked { "1" } else { "0" },
        "validation_value": s.validation_value,
        "value": "",
        "own_validation_code": s.custom_validation_code,
        "customid": s.custom_id,
        "expiration_date": date(s.expires),
    })
}

fn user_json(s: &Session) -> Value {
    json!({
        "email": s.customer.email,
        "firstname": s.customer.first_name,
        "lastname": s.customer.last_name,
        "phone": s.customer.phone,
    })
}

/// `YYYY-MM-DD HH:MM:SS` in UTC, as §5.3's example writes `created_date_utc`.
pub(crate) fn utc_text(at: SystemTime) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    OffsetDateTime::from(at).format(&format).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SandboxConfig;
    use crate::sends::{Delivery, Recipient};

    fn shared_with_sends() -> Shared {
        let shared = Shared::new(SandboxConfig::default());
        let mut sends = shared.sends();
        for (campaign, email, code) in [
            ("cam_104211", "Ann@Shop.test", "aaaaaaaaaaaaaaaaaaaa1"),
            ("cam_104212", "ann@shop.test", "aaaaaaaaaaaaaaaaaaaa2"),
            ("cam_104211", "bob@shop.test", "bbbbbbbbbbbbbbbbbbbb1"),
            ("dir_7002", "ANN@shop.test", "aaaaaaaaaaaaaaaaaaaa3"),
        ] {
            shared.record_send(
                &mut sends,
                campaign,
                "fc7k2p",
                &Recipient {
                    email: email.into(),
                    first_name: "Ann".into(),
                    last_name: String::new(),
                },
                &Delivery {
                    single_use_code: code.into(),
                    single_use_url: format!("https://digicpn.com/p/fc7k2p/{code}"),
                },
            );
        }
        drop(sends);
        shared
    }

    fn codes(payload: &Map<String, Value>) -> Vec<&str> {
        payload["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["session"].as_str().unwrap())
            .collect()
    }

    #[test]
    fn finds_an_address_in_any_case_newest_first() {
        let s = shared_with_sends();
        let all = search(&s, &Params::from_pairs(&[("search", " ann@SHOP.test ")])).unwrap();
        assert_eq!(all["amount_of_results"], "3");
        assert_eq!(
            codes(&all),
            [
                "aaaaaaaaaaaaaaaaaaaa3",
                "aaaaaaaaaaaaaaaaaaaa2",
                "aaaaaaaaaaaaaaaaaaaa1"
            ]
        );
        let one = &all["data"][2];
        assert_eq!(one["campaign"], "cam_104211");
        assert_eq!(
            one["session_url"],
            "https://digicpn.com/p/fc7k2p/aaaaaaaaaaaaaaaaaaaa1"
        );
        assert_eq!(one["user_data"]["email"], "Ann@Shop.test");
        assert_eq!(one["user_data"]["firstname"], "Ann");
        assert_eq!(one["status"]["open_date_utc"], "");
        let created = one["status"]["created_date_utc"].as_str().unwrap();
        assert!(
            time::PrimitiveDateTime::parse(
                created,
                format_description!("[year]-[month]-[day] [hour]:[minute]:[second]")
            )
            .is_ok(),
            "{created}"
        );
        assert!(one["sequenceid"].as_str().unwrap().parse::<u64>().is_ok());

        let in_campaign = search(
            &s,
            &Params::from_pairs(&[("search", "ann@shop.test"), ("campaign", "cam_104211")]),
        )
        .unwrap();
        assert_eq!(codes(&in_campaign), ["aaaaaaaaaaaaaaaaaaaa1"]);
        let in_directory = search(
            &s,
            &Params::from_pairs(&[("search", "ann@shop.test"), ("campaign", "dir_7002")]),
        )
        .unwrap();
        assert_eq!(codes(&in_directory), ["aaaaaaaaaaaaaaaaaaaa3"]);
    }

    #[test]
    fn nothing_found_is_ok_and_empty() {
        let s = shared_with_sends();
        let none = search(
            &s,
            &Params::from_pairs(&[("search", "nobody@shop.test"), ("campaign", "cam_104213")]),
        )
        .unwrap();
        assert_eq!(none["amount_of_results"], "0");
        assert_eq!(none["data"], json!([]));
    }

    #[test]
    fn errors() {
        let s = shared_with_sends();
        let err = |pairs: &[(&str, &str)]| search(&s, &Params::from_pairs(pairs)).unwrap_err();
        assert_eq!(err(&[]), V3Error::missing("search"));
        assert_eq!(err(&[("search", " ")]), V3Error::missing("search"));
        assert_eq!(
            err(&[("search", "a@b.test"), ("campaign", "lol_1")]),
            V3Error::invalid_character("campaign")
        );
        assert_eq!(
            err(&[("search", "a@b.test"), ("campaign", "cam_1")]),
            V3Error::new(502, "Campaign ID not found.")
        );
        assert_eq!(
            err(&[("search", "a@b.test"), ("campaign", "dir_1")]),
            V3Error::new(502, "Directory ID not found.")
        );
    }
}
