//! Loyalty cards: the v3 user list (§0.1, seed 000) and the v4 card list (§0.5, §6.1). The rest
//! of the loyalty API sits on the `client.loyalty()` handler (`loyalty_v4.rs`, `loyalty_v3.rs`).

use serde::{Deserialize, Serialize};

use super::lenient;

/// A v3 loyalty card (`loy_…`), as `loyaltyusers/list` describes it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoyaltyCard {
    #[serde(alias = "ID", deserialize_with = "lenient::string")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub code: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub url: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub status: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: String,
    /// e.g. "stampcard".
    #[serde(
        rename(deserialize = "type"),
        default,
        deserialize_with = "lenient::string"
    )]
    pub kind: String,
    /// Stamps needed for a full card; None when the card does not say.
    #[serde(default, deserialize_with = "lenient::opt_number")]
    pub amount_of_stamps: Option<u32>,
}

/// A holder of a v3 loyalty card (`lus_…`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoyaltyUser {
    #[serde(alias = "ID", deserialize_with = "lenient::string")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub first_name: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub last_name: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub gender: String,
    /// Free text from Coupontools (e.g. "21" or ""), not a number range we could parse reliably.
    #[serde(default, deserialize_with = "lenient::string")]
    pub age_range: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub profile_picture: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub email: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub phone: String,
    /// How the holder signed up, e.g. "Google".
    #[serde(default, deserialize_with = "lenient::string")]
    pub social_type: String,
    #[serde(default, deserialize_with = "lenient::number_or_default")]
    pub stamps: u32,
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub subscribed_for_marketing: bool,
    /// Not in seed 000; the sandbox adds `"voided": "0"/"1"` (§10 `loyaltyusers/update`).
    /// False when absent.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub voided: bool,
}

/// The reply of `loyaltyusers/list`: the card and its holders.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoyaltyCardUsers {
    /// Seed 000 wraps the one card in an array.
    #[serde(
        rename(deserialize = "loyaltycard"),
        default,
        deserialize_with = "lenient::one"
    )]
    pub card: Option<LoyaltyCard>,
    #[serde(default, deserialize_with = "lenient::number_or_default")]
    pub amount_of_users: u32,
    #[serde(default, deserialize_with = "lenient::list")]
    pub users: Vec<LoyaltyUser>,
}

/// A loyalty card as v4 lists it (integer IDs, no prefix).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoyaltyCardV4 {
    #[serde(deserialize_with = "lenient::number")]
    pub id: u64,
    #[serde(default, deserialize_with = "lenient::string")]
    pub code: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: String,
    /// The host serving the card, e.g. "loyalty.coupontools.com".
    #[serde(default, deserialize_with = "lenient::string")]
    pub domain: String,
    /// e.g. "membership", "stamp".
    #[serde(rename = "type", default, deserialize_with = "lenient::string")]
    pub kind: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::{decode_payload, decode_v3};
    use crate::error::ApiError;
    use crate::loyalty_v4::CardList;

    /// Seed 000's example response with the two missing commas added (§0.1).
    const SEED_000: &str = r#"{ "status": { "status": "OK" }, "loyaltycard": [ { "ID": "loy_123456", "code": "abc123", "url": "https://loyaltycard.mobi/ac/abc123", "status": "active", "name": "Your loyalty card", "type": "stampcard", "amount_of_stamps": "8" } ], "amount_of_users": "1", "users": [ { "ID": "lus_123456", "first_name": "John", "last_name": "Doe", "gender": "male", "age_range": "", "profile_picture": "https://loyaltycard.mobi/uploads/foto.png", "email": "john@doe.com", "phone": "", "social_type": "Google", "stamps": "2", "subscribed_for_marketing": "1" } ] }"#;

    #[test]
    fn seed_000_decodes() {
        let reply: LoyaltyCardUsers = decode_v3(200, SEED_000.as_bytes()).unwrap();
        assert_eq!(
            reply.card,
            Some(LoyaltyCard {
                id: "loy_123456".into(),
                code: "abc123".into(),
                url: "https://loyaltycard.mobi/ac/abc123".into(),
                status: "active".into(),
                name: "Your loyalty card".into(),
                kind: "stampcard".into(),
                amount_of_stamps: Some(8),
            })
        );
        assert_eq!(reply.amount_of_users, 1);
        assert_eq!(
            reply.users,
            vec![LoyaltyUser {
                id: "lus_123456".into(),
                first_name: "John".into(),
                last_name: "Doe".into(),
                gender: "male".into(),
                age_range: "".into(),
                profile_picture: "https://loyaltycard.mobi/uploads/foto.png".into(),
                email: "john@doe.com".into(),
                phone: "".into(),
                social_type: "Google".into(),
                stamps: 2,
                subscribed_for_marketing: true,
                voided: false,
            }]
        );
    }

    #[test]
    fn seed_000_as_published_is_not_the_api() {
        let published = SEED_000.replace(
            "} ], \"amount_of_users\": \"1\",",
            "} ] \"amount_of_users\": \"1\"",
        );
        assert!(matches!(
            decode_v3::<LoyaltyCardUsers>(200, published.as_bytes()),
            Err(ApiError::NotTheApi { .. })
        ));
    }

    #[test]
    fn a_bad_stamp_count_names_its_path() {
        let body = SEED_000.replace(r#""stamps": "2""#, r#""stamps": "two""#);
        match decode_v3::<LoyaltyCardUsers>(200, body.as_bytes()) {
            Err(ApiError::Decode { path, .. }) => assert_eq!(path, "users[0].stamps"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn v4_cards_bare_or_wrapped() {
        let bare = br#"[{"id":123456,"code":"ndoh57","name":"My membership card","domain":"loyalty.coupontools.com","type":"membership"},{"id":"7","code":"x","name":"S","domain":"save2wallet.link","type":"stamp","extra":true}]"#;
        let CardList(cards) = decode_payload(200, bare).unwrap();
        assert_eq!(
            cards[0],
            LoyaltyCardV4 {
                id: 123456,
                code: "ndoh57".into(),
                name: "My membership card".into(),
                domain: "loyalty.coupontools.com".into(),
                kind: "membership".into(),
            }
        );
        assert_eq!((cards[1].id, cards[1].kind.as_str()), (7, "stamp"));
        let wrapped = br#"{"data":[{"id":1,"type":"stamp"}],"pagination":{"page":1,"per_page":50,"total":1}}"#;
        let CardList(cards) = decode_payload(200, wrapped).unwrap();
        assert_eq!(cards.len(), 1);
        let missing_id = br#"[{"code":"x"}]"#;
        match decode_payload::<CardList>(200, missing_id) {
            Err(ApiError::Decode { path, detail, .. }) => {
                assert_eq!(path, "[0]");
                assert!(detail.contains("missing field `id`"), "{detail}");
            }
            other => panic!("{:?}", other.map(|c| c.0)),
        }
    }

    #[test]
    fn v4_card_serializes_kind_as_type() {
        let card = LoyaltyCardV4 {
            id: 1,
            kind: "stamp".into(),
            ..Default::default()
        };
        assert_eq!(serde_json::to_value(&card).unwrap()["type"], "stamp");
    }
}
