//! v3 `send/email` exactly as seed 004 (API reference §0.4) describes it.

use rand::Rng;
use serde_json::{Map, Value};

use super::body::Params;
use super::envelope::{V3Error, V3Result};
use super::sends::Delivery;
use super::state::Shared;
use super::v3_coupons::is_prefixed_id;

/// Addresses at this domain "bounce": the send fails with 604, nothing is recorded.
pub(crate) const BOUNCE_DOMAIN: &str = "bounce.test";

const NO_INTEGRATION: &str = "No Email integration has been setup in your Coupontools account. \
Go to 'integrations' and 'Email marketing' to setup an Email provider.";

const SINGLE_USE_CODE_LEN: usize = 21;
const CODE_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// `POST /v3/send/email`. The checks run in this order, one error per reply:
/// 104 (no e-mail integration), 200 campaign, 200 email, 301 campaign, 502 unknown campaign or
/// directory, 305 invalid address, 302 bad `check_unique`, 604 bounced.
pub(crate) fn send(shared: &Shared, params: &Params) -> V3Result {
    if !shared.settings().email_integration {
        return Err(V3Error::new(104, NO_INTEGRATION));
    }
    let campaign_id = params
        .text("campaign")
        .ok_or_else(|| V3Error::missing("campaign"))?;
    let email = params
        .text("email")
        .ok_or_else(|| V3Error::missing("email"))?;

    let (slug, default_subject) = if is_prefixed_id(&campaign_id, "cam_") {
        let campaign = shared
            .shop
            .campaign(&campaign_id)
            .ok_or_else(|| V3Error::new(502, "Campaign ID not found."))?;
        (campaign.code, format!("Your coupon: {}", campaign.title))
    } else if is_prefixed_id(&campaign_id, "dir_") {
        let directory = shared
            .shop
            .directory(&campaign_id)
            .ok_or_else(|| V3Error::new(502, "Directory ID not found."))?;
        (
            directory.code,
            format!("You are invited: {}", directory.name),
        )
    } else {
        return Err(V3Error::invalid_character("campaign"));
    };

    if !is_valid_email(&email) {
        return Err(V3Error::new(305, "Email address is not valid"));
    }
    let check_unique = params
        .flag("check_unique")
        .map_err(|_| V3Error::not_a_boolean("check_unique"))?
        .unwrap_or(false);
    if domain_of(&email).eq_ignore_ascii_case(BOUNCE_DOMAIN) {
        return Err(V3Error::new(
            604,
            format!(
                "Email not sent to '{email}'. Reason: Mailbox unavailable (the address bounced)."
            ),
        ));
    }
    let subject = params.text("subject").unwrap_or(default_subject);

    // One lock from the uniqueness check to the record, so two racing sends with check_unique
    // cannot both go out.
    let mut sends = shared.sends();
    // PROJECT DECISION (the docs are silent on what a skipped send answers): with check_unique
    // and an earlier send of this campaign to this address, nothing is sent and the reply is OK
    // with `action: "already_sent"` and the code and URL of the latest earlier send. This lets
    // a client that lost a reply find out what the customer already has.
    if check_unique {
        if let Some(earlier) = sends.previous(&campaign_id, &email) {
            return Ok(reply(
                &campaign_id,
                &subject,
                &email,
                earlier,
                "already_sent",
            ));
        }
    }
    let code = new_single_use_code();
    let delivery = Delivery {
        single_use_url: format!("https://digicpn.com/p/{slug}/{code}"),
        single_use_code: code,
    };
    sends.record(&campaign_id, &email, delivery.clone());
    Ok(reply(
        &campaign_id,
        &subject,
        &email,
        &delivery,
        "email_sent",
    ))
}

fn reply(
    campaign: &str,
    subject: &str,
    email: &str,
    delivery: &Delivery,
    action: &str,
) -> Map<String, Value> {
    let mut payload = Map::new();
    let mut put = |key: &str, value: &str| {
        payload.insert(key.to_owned(), Value::String(value.to_owned()));
    };
    put("campaign", campaign);
    put("subject", subject);
    put("receiver", email);
    put("single_use_code", &delivery.single_use_code);
    put("single_use_url", &delivery.single_use_url);
    put("action", action);
    payload
}

/// 21 lower-case alphanumerics, like the session codes in §3.
pub(crate) fn new_single_use_code() -> String {
    let mut rng = rand::rng();
    (0..SINGLE_USE_CODE_LEN)
        .map(|_| char::from(CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())]))
        .collect()
}

fn domain_of(email: &str) -> &str {
    email.rsplit_once('@').map_or("", |(_, domain)| domain)
}

/// A plain, conservative check in the spirit of what a mail platform accepts: one `@`, a local
/// part without spaces or control characters, and a dotted host name with an alphabetic TLD.
/// Surrounding spaces make an address invalid, as they do for the real service's validators.
pub(crate) fn is_valid_email(email: &str) -> bool {
    if email.len() > 254 {
        return false;
    }
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~.-".contains(&b));
    if !local_ok {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return false;
    }
    let labels_ok = labels.iter().all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    let tld_ok = labels
        .last()
        .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()));
    labels_ok && tld_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::config::SandboxConfig;

    fn shared() -> Shared {
        Shared::new(SandboxConfig::default())
    }

    fn send_with(shared: &Shared, pairs: &[(&str, &str)]) -> V3Result {
        send(shared, &Params::from_pairs(pairs))
    }

    #[test]
    fn codes_are_21_lower_case_alphanumerics_and_fresh() {
        let a = new_single_use_code();
        let b = new_single_use_code();
        assert_eq!(a.len(), 21);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        assert_ne!(a, b);
    }

    #[test]
    fn good_addresses_pass() {
        for ok in [
            "info@receiver.com",
            "a.b+tag@shop.co.uk",
            "O'Neil@Example.BE",
            "x@bounce.test",
            "1@a-b.io",
        ] {
            assert!(is_valid_email(ok), "{ok}");
        }
    }

    #[test]
    fn bad_addresses_fail() {
        for bad in [
            "plainaddress",
            "@shop.test",
            "ann@",
            "ann@shop",
            "ann@@shop.test",
            "ann smith@shop.test",
            " ann@shop.test",
            "ann@shop.test ",
            ".ann@shop.test",
            "ann..b@shop.test",
            "ann@-shop.test",
            "ann@shop..test",
            "ann@shop.c0m",
            "ann@shop.t",
            "ann@sh_op.test",
            "ännä@shop.test",
        ] {
            assert!(!is_valid_email(bad), "{bad}");
        }
        assert!(!is_valid_email(&format!("{}@shop.test", "a".repeat(65))));
    }

    #[test]
    fn success_reply_has_every_field() {
        let s = shared();
        let r = send_with(
            &s,
            &[("campaign", "cam_104211"), ("email", "ann@shop.test")],
        )
        .unwrap();
        assert_eq!(r["action"], "email_sent");
        assert_eq!(r["campaign"], "cam_104211");
        assert_eq!(r["receiver"], "ann@shop.test");
        assert_eq!(r["subject"], "Your coupon: Free coffee with any pastry");
        let code = r["single_use_code"].as_str().unwrap();
        assert_eq!(
            r["single_use_url"],
            format!("https://digicpn.com/p/fc7k2p/{code}")
        );
        assert_eq!(s.sends().count_to("ANN@shop.test"), 1);
    }

    #[test]
    fn directories_can_be_sent_too() {
        let s = shared();
        let r = send_with(
            &s,
            &[
                ("campaign", "dir_7002"),
                ("email", "a@shop.test"),
                ("subject", "Hi"),
            ],
        )
        .unwrap();
        assert_eq!(r["subject"], "Hi");
        assert!(r["single_use_url"]
            .as_str()
            .unwrap()
            .starts_with("https://digicpn.com/p/stf4k8/"));
        let err = send_with(&s, &[("campaign", "dir_1"), ("email", "a@shop.test")]).unwrap_err();
        assert_eq!(err, V3Error::new(502, "Directory ID not found."));
    }

    #[test]
    fn errors_come_in_the_documented_order() {
        let s = shared();
        let code = |pairs: &[(&str, &str)]| send_with(&s, pairs).unwrap_err();
        assert_eq!(code(&[]), V3Error::missing("campaign"));
        assert_eq!(
            code(&[("campaign", "cam_1")]),
            V3Error::new(200, "Missing parameter: email")
        );
        assert_eq!(
            code(&[("campaign", "lol_1"), ("email", "bad")]),
            V3Error::invalid_character("campaign")
        );
        assert_eq!(
            code(&[("campaign", "cam_1"), ("email", "bad")]),
            V3Error::new(502, "Campaign ID not found.")
        );
        assert_eq!(
            code(&[("campaign", "cam_104211"), ("email", "bad")]),
            V3Error::new(305, "Email address is not valid")
        );
        assert_eq!(
            code(&[("campaign", "cam_104211"), ("email", "a@Bounce.Test")]),
            V3Error::new(604, "Email not sent to 'a@Bounce.Test'. Reason: Mailbox unavailable (the address bounced).")
        );
        assert_eq!(
            code(&[
                ("campaign", "cam_104211"),
                ("email", "a@b.test"),
                ("check_unique", "maybe")
            ])
            .code,
            302
        );
        assert_eq!(s.sends().len(), 0);
        s.update_settings(|st| st.email_integration = false);
        assert_eq!(code(&[]).code, 104);
        assert_eq!(
            code(&[("campaign", "cam_104211"), ("email", "a@b.test")]).code,
            104
        );
    }

    #[test]
    fn check_unique_answers_with_the_earlier_send() {
        let s = shared();
        let first =
            send_with(&s, &[("campaign", "cam_104212"), ("email", "Bo@shop.test")]).unwrap();
        let again = send_with(
            &s,
            &[
                ("campaign", "cam_104212"),
                ("email", "bo@SHOP.test"),
                ("check_unique", "true"),
            ],
        )
        .unwrap();
        assert_eq!(again["action"], "already_sent");
        assert_eq!(again["single_use_code"], first["single_use_code"]);
        assert_eq!(again["single_use_url"], first["single_use_url"]);
        assert_eq!(s.sends().count_to("bo@shop.test"), 1);
        // Without check_unique a repeat is a new send with a new code.
        let third = send_with(
            &s,
            &[
                ("campaign", "cam_104212"),
                ("email", "bo@shop.test"),
                ("check_unique", "0"),
            ],
        )
        .unwrap();
        assert_eq!(third["action"], "email_sent");
        assert_ne!(third["single_use_code"], first["single_use_code"]);
        // Another campaign to the same address is not a repeat.
        let other = send_with(
            &s,
            &[
                ("campaign", "cam_104213"),
                ("email", "bo@shop.test"),
                ("check_unique", "1"),
            ],
        )
        .unwrap();
        assert_eq!(other["action"], "email_sent");
        assert_eq!(s.sends().count_to("bo@shop.test"), 3);
    }
}
