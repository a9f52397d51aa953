//! v3 single-use links (API reference §5.4): `singleuse/create`, `multiplesingleuse/create`
//! and `singleuse/remove` (§10), over the one session store.

use rand::Rng;
use serde_json::{json, Map, Value};

use super::body::Params;
use super::envelope::{V3Error, V3Result};
use super::seed::Campaign;
use super::sessions::{Customer, NewSession, Session};
use super::state::Shared;
use super::v3_coupons::is_prefixed_id;
use super::v3_email::is_valid_email;
use super::v3_sessions::session_not_found;

/// `amount` when the request gives none (§5.4).
const DEFAULT_AMOUNT: usize = 10;
/// The most one `multiplesingleuse/create` makes (§1, §5.4).
pub(crate) const MAX_AMOUNT: usize = 100_000;
const MAX_PREFIX_CHARS: usize = 10;

/// `campaign` Req: 200 missing, 301 not `cam_` + digits, 502 unknown (as `coupon/info`).
fn campaign<'a>(shared: &'a Shared, params: &Params) -> Result<&'a Campaign, V3Error> {
    let id = params
        .text("campaign")
        .ok_or_else(|| V3Error::missing("campaign"))?;
    if !is_prefixed_id(&id, "cam_") {
        return Err(V3Error::invalid_character("campaign"));
    }
    shared
        .shop
        .campaign(&id)
        .ok_or_else(|| V3Error::new(502, "Campaign ID not found."))
}

/// `POST /v3/singleuse/create`. Checks in this order: 200 / 301 / 502 campaign, 305 `email`
/// when given, 302 a `duplicate_check` that is not a yes/no. Reply (§5.4): `campaign`,
/// `action`, `single_use_code`, `single_use_url`, `widget_validation_code` (the code's first 6),
/// `custom_validation_code` (`customvalcode` or `""`), `customid`, and `sequenceid`.
///
/// SANDBOX DECISIONS: `action` is "single_use_code_created"; with `duplicate_check` and an
/// earlier live session of the campaign for the same e-mail (any case), else phone, else
/// custom ID, the reply is that session with `action: "single_use_code_exists"` and nothing is
/// made. `sequenceid` is a numeric string, as in the session replies (§4).
pub(crate) fn create(shared: &Shared, params: &Params) -> V3Result {
    let campaign = campaign(shared, params)?;
    let email = params.text("email").map(|e| e.trim().to_owned());
    if let Some(email) = &email {
        if !is_valid_email(email) {
            return Err(V3Error::new(305, "Email address is not valid"));
        }
    }
    let duplicate_check = params
        .flag("duplicate_check")
        .map_err(|_| V3Error::not_a_boolean("duplicate_check"))?
        .unwrap_or(false);
    let text = |key: &str| {
        params
            .text(key)
            .map(|t| t.trim().to_owned())
            .unwrap_or_default()
    };
    let new = NewSession {
        campaign: campaign.id.to_owned(),
        slug: campaign.code.to_owned(),
        customer: Customer {
            email: email.unwrap_or_default(),
            first_name: text("firstname"),
            last_name: text("lastname"),
            phone: text("phone"),
        },
        custom_id: text("customid"),
        custom_validation_code: text("customvalcode"),
        ..NewSession::default()
    };
    let mut sessions = shared.sessions();
    if duplicate_check {
        if let Some(earlier) = sessions.earlier_for(&new.campaign, &new.customer, &new.custom_id) {
            return Ok(link_reply(earlier, "single_use_code_exists"));
        }
    }
    let session = sessions.create(new, shared.now());
    Ok(link_reply(session, "single_use_code_created"))
}

fn link_reply(s: &Session, action: &str) -> Map<String, Value> {
    let mut payload = Map::new();
    payload.insert("campaign".into(), json!(s.campaign));
    payload.insert("action".into(), json!(action));
    payload.insert("single_use_code".into(), json!(s.code));
    payload.insert("single_use_url".into(), json!(s.url));
    payload.insert("widget_validation_code".into(), json!(&s.code[..6]));
    payload.insert(
        "custom_validation_code".into(),
        json!(s.custom_validation_code),
    );
    payload.insert("customid".into(), json!(s.custom_id));
    payload.insert("sequenceid".into(), json!(s.sequence_id.to_string()));
    payload
}

/// How generated validation codes look.
struct Automated {
    prefix: String,
    length: usize,
    alphabet: &'static [u8],
}

const NUMERIC: &[u8] = b"0123456789";
/// SANDBOX DECISION: "alphanumeric" codes use upper-case letters and digits.
const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// `POST /v3/multiplesingleuse/create` (§5.4, doc-old). Checks in this order: 200 / 301 / 502
/// campaign; `amount` digits only, default 10, 1–100 000; `status` normal | voided | activated
/// (default normal); `automated_codes` a yes/no; with it `code_prefix` (letters, digits, `-`,
/// `_`, at most 10; may be empty), `code_length` 10–25 (Req), `code_type` numeric |
/// alphanumeric (Req).
///
/// SANDBOX DECISIONS (the docs give limits, not error codes or texts): a bad `amount` or
/// `status` is 302 "Invalid value in parameter: <name>."; a missing `code_length` or
/// `code_type` is 200; a `code_length` that is not digits or a `code_prefix` with other
/// characters or too long is 303 "Invalid format in parameter: <name>."; a `code_length` out of
/// 10–25 or an unknown `code_type` is 302. Generated codes are unique within the campaign.
///
/// Reply as the doc prints it: `campaign`, `action: " multiple_single_use_codes_created"` (with
/// its leading space), `data`: `{single_use_code, sequence_id (JSON integer), single_use_url,
/// widget_validation_code, custom_validation_code}` per link, in creation order.
pub(crate) fn create_many(shared: &Shared, params: &Params) -> V3Result {
    let campaign = campaign(shared, params)?;
    let amount = match params.text("amount") {
        None => DEFAULT_AMOUNT,
        Some(text) => {
            let text = text.trim();
            let ok =
                !text.is_empty() && text.len() <= 7 && text.bytes().all(|b| b.is_ascii_digit());
            ok.then(|| text.parse::<usize>().ok())
                .flatten()
                .filter(|n| (1..=MAX_AMOUNT).contains(n))
                .ok_or_else(|| invalid_value("amount"))?
        }
    };
    let status = params
        .text("status")
        .map(|s| s.trim().to_ascii_lowercase())
        .unwrap_or_else(|| "normal".into());
    let (voided, activated) = match status.as_str() {
        "normal" => (false, false),
        "voided" => (true, false),
        "activated" => (false, true),
        _ => return Err(invalid_value("status")),
    };
    let automated = params
        .flag("automated_codes")
        .map_err(|_| V3Error::not_a_boolean("automated_codes"))?
        .unwrap_or(false);
    let automated = if automated {
        Some(automated_codes(params)?)
    } else {
        None
    };

    let new = NewSession {
        campaign: campaign.id.to_owned(),
        slug: campaign.code.to_owned(),
        voided,
        activated,
        ..NewSession::default()
    };
    let now = shared.now();
    let mut sessions = shared.sessions();
    let ids = match &automated {
        None => sessions.create_many(&new, amount, |_| String::new(), now),
        Some(codes) => {
            let mut taken = sessions.custom_codes_in(&new.campaign);
            taken.reserve(amount);
            let mut rng = rand::rng();
            let mut next = move |_: usize| loop {
                let code = generated(codes, &mut rng);
                if taken.insert(code.clone()) {
                    return code;
                }
            };
            sessions.create_many(&new, amount, &mut next, now)
        }
    };
    let data: Vec<Value> = sessions.get_range(ids).map(bulk_row).collect();
    drop(sessions);
    let mut payload = Map::new();
    payload.insert("campaign".into(), json!(campaign.id));
    payload.insert("action".into(), json!(" multiple_single_use_codes_created"));
    payload.insert("data".into(), Value::Array(data));
    Ok(payload)
}

fn invalid_value(param: &str) -> V3Error {
    V3Error::new(302, format!("Invalid value in parameter: {param}."))
}

fn invalid_format(param: &str) -> V3Error {
    V3Error::new(303, format!("Invalid format in parameter: {param}."))
}

fn automated_codes(params: &Params) -> Result<Automated, V3Error> {
    let prefix = params
        .text("code_prefix")
        .map(|p| p.trim().to_owned())
        .unwrap_or_default();
    let prefix_ok = prefix.chars().count() <= MAX_PREFIX_CHARS
        && prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !prefix_ok {
        return Err(invalid_format("code_prefix"));
    }
    let length = params
        .text("code_length")
        .ok_or_else(|| V3Error::missing("code_length"))?;
    let length = length.trim();
    if length.is_empty() || length.len() > 3 || !length.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid_format("code_length"));
    }
    let length: usize = length.parse().map_err(|_| invalid_format("code_length"))?;
    if !(10..=25).contains(&length) {
        return Err(invalid_value("code_length"));
    }
    let alphabet = match params
        .text("code_type")
        .ok_or_else(|| V3Error::missing("code_type"))?
        .trim()
        .to_ascii_lowercase()
        .as_str()
    {
        "numeric" => NUMERIC,
        "alphanumeric" => ALPHANUMERIC,
        _ => return Err(invalid_value("code_type")),
    };
    Ok(Automated {
        prefix,
        length,
        alphabet,
    })
}

fn generated(codes: &Automated, rng: &mut impl Rng) -> String {
    let mut code = String::with_capacity(codes.prefix.len() + codes.length);
    code.push_str(&codes.prefix);
    for _ in 0..codes.length {
        code.push(char::from(
            codes.alphabet[rng.random_range(0..codes.alphabet.len())],
        ));
    }
    code
}

fn bulk_row(s: &Session) -> Value {
    let mut row = Map::with_capacity(5);
    row.insert("single_use_code".into(), Value::String(s.code.clone()));
    row.insert("sequence_id".into(), Value::from(s.sequence_id));
    row.insert("single_use_url".into(), Value::String(s.url.clone()));
    row.insert(
        "widget_validation_code".into(),
        Value::String(s.code[..6].to_owned()),
    );
    row.insert(
        "custom_validation_code".into(),
        Value::String(s.custom_validation_code.clone()),
    );
    Value::Object(row)
}

/// `POST /v3/singleuse/remove` (§10): `campaign` Req (200 / 301 / 502), `couponsession` Req
/// (200), the full 21-character code. A code that is unknown, already removed or of another
/// campaign: 505 "Couponsession not found.". Reply: `action: "single_use_code_removed"`,
/// `campaign`, `couponsession`.
pub(crate) fn remove(shared: &Shared, params: &Params) -> V3Result {
    let campaign = campaign(shared, params)?;
    let code = params
        .text("couponsession")
        .ok_or_else(|| V3Error::missing("couponsession"))?;
    let code = code.trim();
    if !shared.sessions().remove(campaign.id, code) {
        return Err(session_not_found());
    }
    let mut payload = Map::new();
    payload.insert("campaign".into(), json!(campaign.id));
    payload.insert("couponsession".into(), json!(code));
    payload.insert("action".into(), json!("single_use_code_removed"));
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SandboxConfig;
    use std::collections::HashSet;
    use std::time::Instant;

    const CAMPAIGN: &str = "cam_104211";

    fn shared() -> Shared {
        Shared::new(SandboxConfig::default())
    }

    fn call(f: fn(&Shared, &Params) -> V3Result, s: &Shared, pairs: &[(&str, &str)]) -> V3Result {
        f(s, &Params::from_pairs(pairs))
    }

    #[test]
    fn create_one_with_customer_data() {
        let s = shared();
        let r = call(
            create,
            &s,
            &[
                ("campaign", CAMPAIGN),
                ("firstname", "Ann"),
                ("email", "ann@shop.test"),
                ("customid", "crm-7"),
                ("customvalcode", "BAR-1"),
            ],
        )
        .unwrap();
        let code = r["single_use_code"].as_str().unwrap();
        assert_eq!(code.len(), 21);
        assert_eq!(r["action"], "single_use_code_created");
        assert_eq!(
            r["single_use_url"],
            format!("https://digicpn.com/p/fc7k2p/{code}")
        );
        assert_eq!(r["widget_validation_code"], &code[..6]);
        assert_eq!(r["custom_validation_code"], "BAR-1");
        assert_eq!(r["customid"], "crm-7");
        assert!(r["sequenceid"].as_str().unwrap().parse::<u64>().is_ok());
        let sessions = s.sessions();
        let stored = sessions.find(code).unwrap();
        assert_eq!(stored.customer.first_name, "Ann");
        assert_eq!(sessions.live_in_campaign(CAMPAIGN), 1);
    }

    #[test]
    fn duplicate_check_answers_the_earlier_session() {
        let s = shared();
        let first = call(
            create,
            &s,
            &[("campaign", CAMPAIGN), ("phone", "0470 12 34 56")],
        )
        .unwrap();
        let again = call(
            create,
            &s,
            &[
                ("campaign", CAMPAIGN),
                ("phone", "0470123456"),
                ("duplicate_check", "true"),
            ],
        )
        .unwrap();
        assert_eq!(again["single_use_code"], first["single_use_code"]);
        assert_eq!(again["action"], "single_use_code_exists");
        let without = call(
            create,
            &s,
            &[("campaign", CAMPAIGN), ("phone", "0470123456")],
        )
        .unwrap();
        assert_ne!(without["single_use_code"], first["single_use_code"]);
        assert_eq!(s.sessions().live_in_campaign(CAMPAIGN), 2);
    }

    #[test]
    fn create_errors_in_order() {
        let s = shared();
        let err = |pairs: &[(&str, &str)]| call(create, &s, pairs).unwrap_err();
        assert_eq!(err(&[]), V3Error::missing("campaign"));
        assert_eq!(
            err(&[("campaign", "dir_7002")]),
            V3Error::invalid_character("campaign")
        );
        assert_eq!(err(&[("campaign", "cam_1"), ("email", "x")]).code, 502);
        assert_eq!(err(&[("campaign", CAMPAIGN), ("email", "ann@")]).code, 305);
        assert_eq!(
            err(&[("campaign", CAMPAIGN), ("duplicate_check", "maybe")]).code,
            302
        );
        assert_eq!(s.sessions().live_in_campaign(CAMPAIGN), 0);
    }

    #[test]
    fn many_with_defaults_status_and_automated_codes() {
        let s = shared();
        let r = call(create_many, &s, &[("campaign", CAMPAIGN)]).unwrap();
        assert_eq!(r["action"], " multiple_single_use_codes_created");
        let rows = r["data"].as_array().unwrap();
        assert_eq!(rows.len(), DEFAULT_AMOUNT);
        assert!(rows[0]["sequence_id"].is_u64());
        assert_eq!(
            rows[1]["sequence_id"].as_u64().unwrap(),
            rows[0]["sequence_id"].as_u64().unwrap() + 1
        );
        assert_eq!(rows[0]["custom_validation_code"], "");

        let r = call(
            create_many,
            &s,
            &[
                ("campaign", CAMPAIGN),
                ("amount", "50"),
                ("status", "voided"),
                ("automated_codes", "true"),
                ("code_prefix", "SP-"),
                ("code_length", "12"),
                ("code_type", "numeric"),
            ],
        )
        .unwrap();
        let rows = r["data"].as_array().unwrap();
        assert_eq!(rows.len(), 50);
        let customs: HashSet<&str> = rows
            .iter()
            .map(|r| r["custom_validation_code"].as_str().unwrap())
            .collect();
        assert_eq!(customs.len(), 50, "unique");
        for c in &customs {
            assert!(
                c.starts_with("SP-") && c.len() == 15 && c[3..].bytes().all(|b| b.is_ascii_digit()),
                "{c}"
            );
        }
        let code = rows[0]["single_use_code"].as_str().unwrap();
        assert!(s.sessions().find(code).unwrap().voided.is_some());
        assert_eq!(s.sessions().live_in_campaign(CAMPAIGN), 60);
    }

    #[test]
    fn many_errors() {
        let s = shared();
        let err = |pairs: &[(&str, &str)]| call(create_many, &s, pairs).unwrap_err();
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut pairs = vec![("campaign", CAMPAIGN)];
            pairs.extend_from_slice(extra);
            pairs
        };
        assert_eq!(err(&[]).code, 200);
        assert_eq!(err(&[("campaign", "cam_x")]).code, 301);
        assert_eq!(err(&[("campaign", "cam_1")]).code, 502);
        for amount in ["0", "100001", "-1", "1.5", "ten", "99999999999"] {
            assert_eq!(
                err(&with(&[("amount", amount)])),
                V3Error::new(302, "Invalid value in parameter: amount."),
                "{amount}"
            );
        }
        assert_eq!(err(&with(&[("status", "used")])), invalid_value("status"));
        assert_eq!(err(&with(&[("automated_codes", "perhaps")])).code, 302);
        let auto = |extra: &[(&'static str, &'static str)]| {
            let mut pairs = with(&[("automated_codes", "1")]);
            pairs.extend_from_slice(extra);
            err(&pairs)
        };
        assert_eq!(
            auto(&[("code_type", "numeric")]),
            V3Error::missing("code_length")
        );
        assert_eq!(
            auto(&[("code_length", "12")]),
            V3Error::missing("code_type")
        );
        assert_eq!(
            auto(&[("code_length", "x"), ("code_type", "numeric")]),
            invalid_format("code_length")
        );
        assert_eq!(
            auto(&[("code_length", "9"), ("code_type", "numeric")]),
            invalid_value("code_length")
        );
        assert_eq!(
            auto(&[("code_length", "26"), ("code_type", "numeric")]),
            invalid_value("code_length")
        );
        assert_eq!(
            auto(&[("code_length", "10"), ("code_type", "hex")]),
            invalid_value("code_type")
        );
        assert_eq!(
            auto(&[
                ("code_prefix", "a b"),
                ("code_length", "10"),
                ("code_type", "numeric")
            ]),
            invalid_format("code_prefix")
        );
        assert_eq!(
            auto(&[
                ("code_prefix", "abcdefghijk"),
                ("code_length", "10"),
                ("code_type", "numeric")
            ]),
            invalid_format("code_prefix")
        );
        assert_eq!(s.sessions().live_in_campaign(CAMPAIGN), 0, "nothing made");
    }

    #[test]
    fn remove_then_not_found() {
        let s = shared();
        let r = call(create, &s, &[("campaign", CAMPAIGN)]).unwrap();
        let code = r["single_use_code"].as_str().unwrap().to_owned();
        let pairs = [("campaign", CAMPAIGN), ("couponsession", code.as_str())];
        assert_eq!(
            call(
                remove,
                &s,
                &[("campaign", "cam_104212"), ("couponsession", &code)]
            )
            .unwrap_err()
            .code,
            505
        );
        let done = call(remove, &s, &pairs).unwrap();
        assert_eq!(done["action"], "single_use_code_removed");
        assert_eq!(call(remove, &s, &pairs).unwrap_err(), session_not_found());
        assert_eq!(
            call(remove, &s, &[("campaign", CAMPAIGN)]).unwrap_err(),
            V3Error::missing("couponsession")
        );
        assert!(!s.sessions().exists(&code));
    }

    /// 100 000 links made and turned into JSON text. Release builds take well under a second;
    /// the bound here is generous for debug builds on a busy machine.
    #[test]
    fn a_hundred_thousand_at_once_is_quick() {
        let s = shared();
        let started = Instant::now();
        let payload = call(
            create_many,
            &s,
            &[
                ("campaign", CAMPAIGN),
                ("amount", "100000"),
                ("automated_codes", "true"),
                ("code_length", "10"),
                ("code_type", "numeric"),
            ],
        )
        .unwrap();
        let text = serde_json::to_vec(&payload).unwrap();
        let took = started.elapsed();
        assert_eq!(payload["data"].as_array().unwrap().len(), MAX_AMOUNT);
        assert!(text.len() > 10_000_000);
        let limit = if cfg!(debug_assertions) { 20 } else { 1 };
        assert!(took.as_secs_f64() < f64::from(limit), "took {took:?}");
        eprintln!("100 000 links made and serialized in {took:?}");
        assert_eq!(s.sessions().live_in_campaign(CAMPAIGN), MAX_AMOUNT);
    }
}
