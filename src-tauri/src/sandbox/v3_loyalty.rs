//! v3 `loyaltyusers/list` in the shape of seed 000 (API reference §0.1), numbers as strings.

use serde_json::{json, Map, Value};

use super::body::Params;
use super::envelope::{V3Error, V3Result};
use super::seed::{LoyaltyCard, LoyaltyUser, Shop};
use super::v3_coupons::is_prefixed_id;

/// `POST /v3/loyaltyusers/list`: `loyaltycard` Req (200 missing, 301 not `loy_` + digits,
/// 505 unknown).
pub(crate) fn users_list(shop: &Shop, params: &Params) -> V3Result {
    let id = params
        .text("loyaltycard")
        .ok_or_else(|| V3Error::missing("loyaltycard"))?;
    if !is_prefixed_id(&id, "loy_") {
        return Err(V3Error::invalid_character("loyaltycard"));
    }
    let card = shop
        .loyalty_card_by_v3_id(&id)
        .ok_or_else(|| V3Error::new(505, "Loyalty card ID not found."))?;
    let mut payload = Map::new();
    // Seed 000 shows the card wrapped in a one-element array.
    payload.insert("loyaltycard".into(), json!([card_json(card)]));
    payload.insert(
        "amount_of_users".into(),
        Value::String(card.users.len().to_string()),
    );
    payload.insert("users".into(), card.users.iter().map(user_json).collect());
    Ok(payload)
}

fn card_json(card: &LoyaltyCard) -> Value {
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

fn user_json(user: &LoyaltyUser) -> Value {
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
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_the_users_of_a_card_with_numbers_as_strings() {
        let shop = Shop::demo();
        let r = users_list(&shop, &Params::from_pairs(&[("loyaltycard", "loy_48213")])).unwrap();
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
        let shop = Shop::demo();
        assert_eq!(
            users_list(&shop, &Params::default()).unwrap_err(),
            V3Error::missing("loyaltycard")
        );
        let bad = users_list(&shop, &Params::from_pairs(&[("loyaltycard", "48213")])).unwrap_err();
        assert_eq!(bad, V3Error::invalid_character("loyaltycard"));
        let unknown =
            users_list(&shop, &Params::from_pairs(&[("loyaltycard", "loy_1")])).unwrap_err();
        assert_eq!(unknown.code, 505);
    }
}
