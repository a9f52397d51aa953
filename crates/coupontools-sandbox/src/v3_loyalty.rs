//! v3 loyalty calls over the same cards and members as v4 (`loyalty_members`): a v4 member `id`
//! is the v3 holder `lus_<id>`, a v4 card `id` the v3 card `loy_<id>`. Numbers as strings.
//!
//! - `loyaltyusers/list` in the shape of seed 000 (§0.1); it lists voided members too, each with
//!   `voided: "0"/"1"` (sandbox decision: v3 has no `include_voided`, and un-voiding through
//!   `loyaltyusers/update` needs to see them).
//! - `loyalty/list`, `loyalty/info`: §10 (`loyaltycards` array / `loyaltycard` object).
//! - `loyaltyusers/update` (§10): `stamps` sets the count (rewards completed on the way up, as
//!   in v4), `voided` "0"/"1". Reply: `user` with the updated holder (sandbox decision). An
//!   unknown holder is 505 `Loyalty card user not found.` (sandbox decision, 5xx = not found).
//! - `loyalty/pushnotification/single|all` (§10): reply `action: "pushnotification_sent"` and
//!   `amount_of_recipients` (sandbox decision). A voided holder gets no push.

use serde_json::{json, Map, Value};

use super::body::Params;
use super::envelope::{V3Error, V3Result};
use super::loyalty_members::{Card, LoyaltyStore, Member, StoreError, MAX_PUSH_CHARS};
use super::state::Shared;
use super::v3_coupons::is_prefixed_id;

/// `loyaltycard` Req: 200 missing, 301 not `loy_` + digits, then the card's digits.
fn card_param(params: &Params) -> Result<u64, V3Error> {
    let id = params
        .text("loyaltycard")
        .ok_or_else(|| V3Error::missing("loyaltycard"))?;
    digits_after(&id, "loy_").ok_or_else(|| V3Error::invalid_character("loyaltycard"))
}

fn user_param(params: &Params) -> Result<u64, V3Error> {
    let id = params
        .text("user")
        .ok_or_else(|| V3Error::missing("user"))?;
    digits_after(&id, "lus_").ok_or_else(|| V3Error::invalid_character("user"))
}

fn digits_after(id: &str, prefix: &str) -> Option<u64> {
    if !is_prefixed_id(id, prefix) {
        return None;
    }
    id.get(prefix.len()..)?.parse().ok()
}

fn card_of<'s>(
    store: &'s LoyaltyStore,
    id: u64,
    code: u32,
    text: &str,
) -> Result<&'s Card, V3Error> {
    store.card(id).map_err(|_| V3Error::new(code, text))
}

fn user_error(e: StoreError) -> V3Error {
    match e {
        StoreError::CardNotFound => V3Error::new(505, "Loyalty card ID not found."),
        StoreError::MemberNotFound => V3Error::new(505, "Loyalty card user not found."),
        StoreError::Invalid(text) => V3Error::new(300, text),
    }
}

/// `POST /v3/loyaltyusers/list`: `loyaltycard` Req (200 missing, 301 not `loy_` + digits,
/// 505 unknown).
pub(crate) fn users_list(shared: &Shared, params: &Params) -> V3Result {
    let id = card_param(params)?;
    let store = shared.loyalty.store();
    let card = card_of(&store, id, 505, "Loyalty card ID not found.")?;
    let mut payload = Map::new();
    // Seed 000 shows the card wrapped in a one-element array.
    payload.insert("loyaltycard".into(), json!([card_json(card)]));
    payload.insert(
        "amount_of_users".into(),
        Value::String(card.members.len().to_string()),
    );
    payload.insert(
        "users".into(),
        card.members.values().map(user_json).collect(),
    );
    Ok(payload)
}

/// `POST /v3/loyalty/list`: `only_active` Opt (every sandbox card is active), `sorting`
/// `asc` (default, oldest first) | `desc`.
pub(crate) fn list(shared: &Shared, params: &Params) -> V3Result {
    params
        .flag("only_active")
        .map_err(|_| V3Error::not_a_boolean("only_active"))?;
    let descending = match params.text("sorting").map(|s| s.to_ascii_lowercase()) {
        None => false,
        Some(s) if s == "asc" => false,
        Some(s) if s == "desc" => true,
        Some(_) => {
            return Err(V3Error::new(
                302,
                "Invalid value in parameter: sorting. Use asc or desc.",
            ))
        }
    };
    let store = shared.loyalty.store();
    let mut cards: Vec<Value> = store.cards().iter().map(card_json).collect();
    if descending {
        cards.reverse();
    }
    let mut payload = Map::new();
    payload.insert("loyaltycards".into(), Value::Array(cards));
    Ok(payload)
}

/// `POST /v3/loyalty/info`: `loyaltycard` Req (200, 301, 507 `Loyalty card not found`).
pub(crate) fn info(shared: &Shared, params: &Params) -> V3Result {
    let id = card_param(params)?;
    let store = shared.loyalty.store();
    let card = card_of(&store, id, 507, "Loyalty card not found")?;
    let mut payload = Map::new();
    payload.insert("loyaltycard".into(), card_json(card));
    Ok(payload)
}

/// `POST /v3/loyaltyusers/update`: `loyaltycard`, `user` Req; `stamps` Opt (the new count, a
/// whole number ≥ 0, else 300); `voided` Opt (302 when not 0/1/true/false).
pub(crate) fn users_update(shared: &Shared, params: &Params) -> V3Result {
    let card = card_param(params)?;
    let user = user_param(params)?;
    let stamps = match params.text("stamps") {
        None => None,
        Some(text) => Some(text.trim().parse::<u32>().map_err(|_| {
            V3Error::new(
                300,
                "Invalid value in parameter: stamps. Use a whole number.",
            )
        })?),
    };
    let voided = params
        .flag("voided")
        .map_err(|_| V3Error::not_a_boolean("voided"))?;
    let mut store = shared.loyalty.store();
    let mut member = store.member(card, user).map_err(user_error)?.clone();
    if let Some(voided) = voided {
        member = store.set_voided(card, user, voided).map_err(user_error)?;
    }
    if let Some(stamps) = stamps {
        member = store.set_stamps(card, user, stamps).map_err(user_error)?;
    }
    let mut payload = Map::new();
    payload.insert("user".into(), user_json(&member));
    Ok(payload)
}

fn message_param(params: &Params) -> Result<String, V3Error> {
    let message = params
        .text("message")
        .ok_or_else(|| V3Error::missing("message"))?;
    if message.trim().chars().count() > MAX_PUSH_CHARS {
        return Err(V3Error::new(
            300,
            format!("Invalid value in parameter: message. At most {MAX_PUSH_CHARS} characters."),
        ));
    }
    Ok(message.trim().to_owned())
}

/// `POST /v3/loyalty/pushnotification/single`: `loyaltycard`, `user`, `message` Req.
pub(crate) fn push_single(shared: &Shared, params: &Params) -> V3Result {
    let card = card_param(params)?;
    let user = user_param(params)?;
    let message = message_param(params)?;
    let mut store = shared.loyalty.store();
    let member = store.member(card, user).map_err(user_error)?;
    if member.voided {
        return Err(V3Error::new(300, "This loyalty card user is voided."));
    }
    let to = store
        .push(card, &message, Some(&[user]), "v3 single")
        .map_err(user_error)?;
    Ok(pushed(to.len()))
}

/// `POST /v3/loyalty/pushnotification/all`: `loyaltycard`, `message` Req.
pub(crate) fn push_all(shared: &Shared, params: &Params) -> V3Result {
    let card = card_param(params)?;
    let message = message_param(params)?;
    let mut store = shared.loyalty.store();
    card_of(&store, card, 505, "Loyalty card ID not found.")?;
    let to = store
        .push(card, &message, None, "v3 all")
        .map_err(user_error)?;
    Ok(pushed(to.len()))
}

fn pushed(recipients: usize) -> Map<String, Value> {
    let mut payload = Map::new();
    payload.insert("action".into(), json!("pushnotification_sent"));
    payload.insert(
        "amount_of_recipients".into(),
        Value::String(recipients.to_string()),
    );
    payload
}

fn card_json(card: &Card) -> Value {
    json!({
        "ID": card.v3_id(),
        "code": card.code,
        "url": card.url(),
        "status": "active",
        "name": card.name,
        "type": card.v3_type,
        "amount_of_stamps": card.amount_of_stamps.to_string(),
    })
}

fn user_json(user: &Member) -> Value {
    json!({
        "ID": format!("lus_{}", user.id),
        "first_name": user.first_name,
        "last_name": user.last_name,
        "gender": user.gender,
        "age_range": user.age_range,
        "profile_picture": user.profile_picture,
        "email": user.email,
        "phone": user.phone,
        "social_type": user.social_type,
        "stamps": user.stamps.to_string(),
        "subscribed_for_marketing": if user.subscribed_for_marketing { "1" } else { "0" },
        "voided": if user.voided { "1" } else { "0" },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SandboxConfig;

    fn shared() -> Shared {
        Shared::new(SandboxConfig::default())
    }

    #[test]
    fn lists_the_users_of_a_card_with_numbers_as_strings() {
        let s = shared();
        let r = users_list(&s, &Params::from_pairs(&[("loyaltycard", "loy_48213")])).unwrap();
        assert_eq!(r["loyaltycard"][0]["ID"], "loy_48213");
        assert_eq!(r["loyaltycard"][0]["amount_of_stamps"], "8");
        assert_eq!(r["amount_of_users"], "5");
        let users = r["users"].as_array().unwrap();
        assert_eq!(users.len(), 5);
        assert!(users[0]["ID"].as_str().unwrap().starts_with("lus_"));
        assert!(users
            .iter()
            .all(|u| u["stamps"].is_string() && u["subscribed_for_marketing"].is_string()));
    }

    #[test]
    fn errors() {
        let s = shared();
        assert_eq!(
            users_list(&s, &Params::default()).unwrap_err(),
            V3Error::missing("loyaltycard")
        );
        let bad = users_list(&s, &Params::from_pairs(&[("loyaltycard", "48213")])).unwrap_err();
        assert_eq!(bad, V3Error::invalid_character("loyaltycard"));
        let unknown = users_list(&s, &Params::from_pairs(&[("loyaltycard", "loy_1")])).unwrap_err();
        assert_eq!(unknown.code, 505);
        let unknown = info(&s, &Params::from_pairs(&[("loyaltycard", "loy_1")])).unwrap_err();
        assert_eq!(unknown.code, 507);
        let no_user = users_update(
            &s,
            &Params::from_pairs(&[("loyaltycard", "loy_48213"), ("user", "lus_1")]),
        )
        .unwrap_err();
        assert_eq!(no_user.code, 505);
        let missing =
            push_all(&s, &Params::from_pairs(&[("loyaltycard", "loy_48213")])).unwrap_err();
        assert_eq!(missing, V3Error::missing("message"));
    }

    #[test]
    fn update_sets_stamps_and_voided_seen_by_v4_too() {
        let s = shared();
        let r = users_update(
            &s,
            &Params::from_pairs(&[
                ("loyaltycard", "loy_48213"),
                ("user", "lus_910001"),
                ("stamps", "9"),
                ("voided", "1"),
            ]),
        )
        .unwrap();
        assert_eq!(r["user"]["stamps"], "9");
        assert_eq!(r["user"]["voided"], "1");
        let store = s.loyalty.store();
        let m = store.member(48213, 910001).unwrap();
        assert_eq!((m.stamps, m.voided, m.rewards.len()), (9, true, 1));
    }

    #[test]
    fn card_list_sorts_and_info_answers_one() {
        let s = shared();
        let r = list(&s, &Params::from_pairs(&[("sorting", "desc")])).unwrap();
        let cards = r["loyaltycards"].as_array().unwrap();
        assert_eq!(cards.len(), 5);
        assert_eq!(cards[4]["ID"], "loy_48213");
        let r = info(&s, &Params::from_pairs(&[("loyaltycard", "loy_48214")])).unwrap();
        assert_eq!(r["loyaltycard"]["type"], "membership");
    }
}
