//! v3 `send/email` exactly as seed 004 (API reference §0.4) describes it.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};

use super::body::Params;
use super::envelope::{V3Error, V3Result};
use super::sends::{Delivery, Recipient};
use super::sessions::{new_single_use_code, session_url};
use super::state::{Settings, Shared};
use super::v3_coupons::is_prefixed_id;

/// Addresses at this domain "bounce": the send fails with 604, nothing is recorded.
pub(crate) const BOUNCE_DOMAIN: &str = "bounce.test";

const NO_INTEGRATION: &str = "No Email integration has been setup in your Coupontools account. \
Go to 'integrations' and 'Email marketing' to setup an Email provider.";

/// `POST /v3/send/email`. The checks run in this order, one error per reply:
/// 104 (no e-mail integration), 200 campaign, 200 email, 301 campaign, 502 unknown campaign or
/// directory, 305 invalid address, 302 bad `check_unique`, 604 bounced. Then the request waits
/// `slow_handling` (the errors above come at once) and is decided: see [`decide`].
///
/// The handling runs in a task of its own: a client that gives up (a timeout, a closed
/// connection) makes the server drop the request's future, but the sandbox, like a real server
/// that already started, finishes the work, so the e-mail is sent anyway.
pub(crate) async fn send(shared: Arc<Shared>, params: Params) -> V3Result {
    let task = tokio::spawn(async move { handle(&shared, &params).await });
    match task.await {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        // Only when the runtime shuts down, and then nobody reads the answer.
        Err(_) => Err(V3Error::new(300, "Sandbox: the request was cancelled.")),
    }
}

/// Counts a `send/email` request for its address while it is being handled.
struct Handling<'a> {
    shared: &'a Shared,
    address: String,
}

impl<'a> Handling<'a> {
    fn begin(shared: &'a Shared, email: &str) -> Handling<'a> {
        let address = shared.send_requests().begin(email);
        Handling { shared, address }
    }
}

impl Drop for Handling<'_> {
    fn drop(&mut self) {
        self.shared.send_requests().end(&self.address);
    }
}

async fn handle(shared: &Shared, params: &Params) -> V3Result {
    // Every request that names an address counts, whatever its result.
    let _handling = params.text("email").map(|e| Handling::begin(shared, &e));
    let settings = shared.settings();
    if !settings.email_integration {
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
    let valid = ValidSend {
        campaign: campaign_id,
        slug: slug.to_owned(),
        subject: params.text("subject").unwrap_or(default_subject),
        to: Recipient {
            email,
            first_name: params.text("firstname").unwrap_or_default(),
            last_name: params.text("lastname").unwrap_or_default(),
        },
        check_unique,
    };
    Ok(decide(shared, &valid, settings).await)
}

/// A valid request, ready to be decided.
struct ValidSend {
    campaign: String,
    slug: String,
    subject: String,
    to: Recipient,
    check_unique: bool,
}

/// Waits `slow_handling`, then sends, or skips a repeat under `check_unique`.
///
/// PROJECT DECISION (the docs are silent on what a skipped send answers, §10): with
/// check_unique and an earlier send of this campaign to this address, nothing is sent and the
/// reply is OK with `action: "already_sent"` and the code and URL of the latest earlier send.
///
/// With `atomic_check_unique` (the default) the check and the record happen under one lock
/// after the wait, so two racing requests with check_unique cannot both send. Without it the
/// check happens before the wait and the record after it, each under its own short lock, so
/// racing requests both send, as a non-atomic real server could.
async fn decide(shared: &Shared, send: &ValidSend, settings: Settings) -> Map<String, Value> {
    let email = &send.to.email;
    if !settings.atomic_check_unique {
        // The guard is a temporary: no lock is held across the wait.
        let earlier = if send.check_unique {
            shared.sends().previous(&send.campaign, email).cloned()
        } else {
            None
        };
        wait(settings.slow_handling).await;
        if let Some(earlier) = earlier {
            return reply(send, &earlier, "already_sent");
        }
        let delivery = new_delivery(&send.slug);
        let mut sends = shared.sends();
        let delivery =
            shared.record_send(&mut sends, &send.campaign, &send.slug, &send.to, &delivery);
        return reply(send, &delivery, "email_sent");
    }
    wait(settings.slow_handling).await;
    let mut sends = shared.sends();
    if send.check_unique {
        if let Some(earlier) = sends.previous(&send.campaign, email) {
            return reply(send, earlier, "already_sent");
        }
    }
    let delivery = new_delivery(&send.slug);
    let delivery = shared.record_send(&mut sends, &send.campaign, &send.slug, &send.to, &delivery);
    reply(send, &delivery, "email_sent")
}

async fn wait(d: Duration) {
    if !d.is_zero() {
        tokio::time::sleep(d).await;
    }
}

fn new_delivery(slug: &str) -> Delivery {
    let code = new_single_use_code();
    Delivery {
        single_use_url: session_url(slug, &code),
        single_use_code: code,
    }
}

fn reply(send: &ValidSend, delivery: &Delivery, action: &str) -> Map<String, Value> {
    let mut payload = Map::new();
    let mut put = |key: &str, value: &str| {
        payload.insert(key.to_owned(), Value::String(value.to_owned()));
    };
    put("campaign", &send.campaign);
    put("subject", &send.subject);
    put("receiver", &send.to.email);
    put("single_use_code", &delivery.single_use_code);
    put("single_use_url", &delivery.single_use_url);
    put("action", action);
    payload
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
    use crate::config::SandboxConfig;

    fn shared() -> Shared {
        Shared::new(SandboxConfig::default())
    }

    fn send_with(shared: &Shared, pairs: &[(&str, &str)]) -> V3Result {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime")
            .block_on(handle(shared, &Params::from_pairs(pairs)))
    }

    /// Two requests for one address at the same time, each waiting `slow` inside the handling.
    async fn two_at_once(atomic: bool) -> (Arc<Shared>, [Map<String, Value>; 2]) {
        let shared = Arc::new(Shared::new(SandboxConfig {
            slow_handling: Duration::from_millis(150),
            atomic_check_unique: atomic,
            ..SandboxConfig::default()
        }));
        let params = || {
            Params::from_pairs(&[
                ("campaign", "cam_104211"),
                ("email", "race@shop.test"),
                ("check_unique", "true"),
            ])
        };
        let (a, b) = tokio::join!(
            send(Arc::clone(&shared), params()),
            send(Arc::clone(&shared), params())
        );
        (Arc::clone(&shared), [a.unwrap(), b.unwrap()])
    }

    #[tokio::test]
    async fn atomic_check_unique_sends_once_even_when_racing() {
        let (s, replies) = two_at_once(true).await;
        let mut actions: Vec<_> = replies.iter().map(|r| r["action"].clone()).collect();
        actions.sort_by_key(|a| a.to_string());
        assert_eq!(actions, ["already_sent", "email_sent"]);
        assert_eq!(replies[0]["single_use_code"], replies[1]["single_use_code"]);
        assert_eq!(s.sends().count_to("race@shop.test"), 1);
        assert_eq!(s.send_requests().received_for("RACE@shop.test"), 2);
        assert_eq!(s.send_requests().max_in_flight(), 2);
    }

    #[tokio::test]
    async fn non_atomic_check_unique_lets_racing_requests_both_send() {
        let (s, replies) = two_at_once(false).await;
        assert!(
            replies.iter().all(|r| r["action"] == "email_sent"),
            "{replies:?}"
        );
        assert_ne!(replies[0]["single_use_code"], replies[1]["single_use_code"]);
        assert_eq!(s.sends().count_to("race@shop.test"), 2);
        assert_eq!(s.send_requests().max_in_flight(), 2);
        // Once the first send is recorded, a later request does see it.
        let later = send(
            Arc::clone(&s),
            Params::from_pairs(&[
                ("campaign", "cam_104211"),
                ("email", "race@shop.test"),
                ("check_unique", "1"),
            ]),
        )
        .await
        .unwrap();
        assert_eq!(later["action"], "already_sent");
        assert_eq!(s.send_requests().received_for("race@shop.test"), 3);
    }

    #[tokio::test]
    async fn the_send_finishes_when_the_caller_gives_up() {
        let shared = Arc::new(Shared::new(SandboxConfig {
            slow_handling: Duration::from_millis(200),
            ..SandboxConfig::default()
        }));
        let params = Params::from_pairs(&[("campaign", "cam_104211"), ("email", "gone@shop.test")]);
        let gave_up =
            tokio::time::timeout(Duration::from_millis(50), send(Arc::clone(&shared), params))
                .await;
        assert!(gave_up.is_err(), "the caller stopped waiting");
        assert_eq!(shared.sends().count_to("gone@shop.test"), 0);
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(shared.sends().count_to("gone@shop.test"), 1, "sent anyway");
        assert_eq!(shared.send_requests().received_for("gone@shop.test"), 1);
    }

    #[test]
    fn requests_are_counted_whatever_their_result() {
        let s = shared();
        send_with(&s, &[("campaign", "cam_1"), ("email", "Count@shop.test")]).unwrap_err();
        send_with(
            &s,
            &[("campaign", "cam_104211"), ("email", "count@shop.test")],
        )
        .unwrap();
        send_with(&s, &[("campaign", "cam_104211")]).unwrap_err();
        assert_eq!(s.send_requests().received_for("COUNT@shop.test"), 2);
        assert_eq!(s.send_requests().max_in_flight(), 1);
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
