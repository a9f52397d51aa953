//! v3 `couponsession/search` (API reference §5.3; params and reply per §10).
//!
//! The sandbox's sessions are the coupons it e-mailed through `send/email`, so a search finds
//! them by the recipient's address. Phone numbers and custom validation codes, which the real
//! service also searches, match nothing here: the sandbox never hands out such sessions.

use std::time::SystemTime;

use serde_json::{json, Map, Value};
use time::macros::format_description;
use time::OffsetDateTime;

use super::body::Params;
use super::envelope::{V3Error, V3Result};
use super::sends::SentEmail;
use super::state::Shared;
use super::v3_coupons::is_prefixed_id;

/// `POST /v3/couponsession/search`: `search` Req (200 when missing), `campaign` Opt (301 when it
/// is not a `cam_`/`dir_` ID, 502 when unknown). Reply: `amount_of_results` (numeric string) and
/// `data`, the sessions created for that address (any case), newest first.
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
    let found = shared.sends().sends_to(search.trim(), campaign.as_deref());
    let mut payload = Map::new();
    payload.insert(
        "amount_of_results".into(),
        Value::String(found.len().to_string()),
    );
    payload.insert(
        "data".into(),
        Value::Array(found.iter().map(session_json).collect()),
    );
    Ok(payload)
}

/// A session shaped like `couponsession/data` / `campaign/data` (§5.3). Nothing happens to an
/// e-mailed coupon in the sandbox after the send, so every later date is `""`.
///
/// SANDBOX DECISION (the docs do not show where a session keeps its customer): the recipient
/// sits in `user_data: {email, firstname, lastname}`.
fn session_json(sent: &SentEmail) -> Value {
    json!({
        "campaign": sent.campaign,
        "session": sent.single_use_code,
        "session_url": sent.single_use_url,
        "sequenceid": sent.sequence_id.to_string(),
        "customid": "",
        "status": {
            "created_date_utc": utc_text(sent.at),
            "opened": "0",
            "open_date_utc": "",
            "played": "0",
            "played_date_utc": "",
            "claimed": "0",
            "claim_date_utc": "",
            "claimtype": "",
            "validated": "0",
            "validation_date_utc": "",
            "voided": "0",
            "voided_date_utc": "",
            "locked": "0",
            "validation_value": "",
            "value": "",
            "own_validation_code": "",
        },
        "user_data": {
            "email": sent.email,
            "firstname": sent.first_name,
            "lastname": sent.last_name,
        },
    })
}

/// `YYYY-MM-DD HH:MM:SS` in UTC, as §5.3's example writes `created_date_utc`.
fn utc_text(at: SystemTime) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    OffsetDateTime::from(at).format(&format).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::config::SandboxConfig;
    use crate::sandbox::sends::{Delivery, Recipient};

    fn shared_with_sends() -> Shared {
        let shared = Shared::new(SandboxConfig::default());
        let mut sends = shared.sends();
        for (campaign, email, code) in [
            ("cam_104211", "Ann@Shop.test", "aaaaaaaaaaaaaaaaaaaa1"),
            ("cam_104212", "ann@shop.test", "aaaaaaaaaaaaaaaaaaaa2"),
            ("cam_104211", "bob@shop.test", "bbbbbbbbbbbbbbbbbbbb1"),
            ("dir_7002", "ANN@shop.test", "aaaaaaaaaaaaaaaaaaaa3"),
        ] {
            sends.record(
                campaign,
                &Recipient {
                    email: email.into(),
                    first_name: "Ann".into(),
                    last_name: String::new(),
                },
                Delivery {
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
