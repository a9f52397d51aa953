//! The v3 loyalty calls on the same handler as v4, each with a `_v3` suffix:
//! `client.loyalty().cards_v3(..)`. v3 IDs are prefixed strings (`loy_…` cards, `lus_…`
//! holders, §0.1); the numbers behind them are the v4 integer IDs of the same card and member.
//!
//! `loyalty/list`, `loyalty/info` and `loyaltyusers/list` are reads (retried); the update and
//! the two pushes are writes (never retried; a lost reply is `OutcomeUnknown`).

use serde::Deserialize;
use serde_json::{Map, Value};

use super::endpoints::Endpoint;
use super::error::ApiError;
use super::lenient;
use super::loyalty::{LoyaltyCard, LoyaltyCardUsers, LoyaltyUser};
use super::loyalty_v4::{LoyaltyApi, PushReceipt};
use super::validate::{self, FieldProblem};
use super::words::Words;

/// What `loyaltyusers/update` changes (§10); None leaves it as it is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MemberChangeV3 {
    /// The NEW stamp count (not an amount to add).
    pub stamps: Option<u32>,
    pub voided: Option<bool>,
}

#[derive(Deserialize)]
struct CardsReply {
    #[serde(default, deserialize_with = "lenient::list")]
    loyaltycards: Vec<LoyaltyCard>,
}

#[derive(Deserialize)]
struct CardReply {
    #[serde(default, deserialize_with = "lenient::one")]
    loyaltycard: Option<LoyaltyCard>,
}

#[derive(Deserialize)]
struct UpdateReply {
    #[serde(default, deserialize_with = "lenient::one")]
    user: Option<LoyaltyUser>,
}

/// A v3 request the checks refuse is never sent: the error names the field and says why.
fn refused_locally(problem: FieldProblem) -> ApiError {
    ApiError::Invalid(problem)
}

impl<'a> LoyaltyApi<'a> {
    /// `POST loyalty/list`: the account's loyalty cards, oldest first.
    pub async fn cards_v3(&self, only_active: bool) -> Result<Vec<LoyaltyCard>, ApiError> {
        let body = serde_json::json!({ "only_active": only_active });
        let reply: CardsReply = self
            .client
            .transport()
            .v3(Endpoint::LoyaltyList, &body)
            .await?;
        Ok(reply.loyaltycards)
    }

    /// `POST loyalty/info`: one card (`loy_…`).
    pub async fn card_v3(&self, card: &str) -> Result<LoyaltyCard, ApiError> {
        let body = serde_json::json!({ "loyaltycard": card });
        let reply: CardReply = self
            .client
            .transport()
            .v3(Endpoint::LoyaltyInfo, &body)
            .await?;
        reply.loyaltycard.ok_or_else(|| ApiError::Decode {
            status: 200,
            path: "loyaltycard".into(),
            detail: "the reply holds no loyalty card".into(),
        })
    }

    /// `POST loyaltyusers/list` (v3): the holders of one `loy_…` card.
    pub async fn members_v3(&self, card: &str) -> Result<LoyaltyCardUsers, ApiError> {
        let body = serde_json::json!({ "loyaltycard": card });
        self.client
            .transport()
            .v3(Endpoint::LoyaltyUsersList, &body)
            .await
    }

    /// `POST loyaltyusers/update`: sets a holder's stamp count and/or voided state. Returns the
    /// holder when the reply carries it. A WRITE: after a lost reply, list the card's holders
    /// before changing again.
    pub async fn update_member_v3(
        &self,
        card: &str,
        user: &str,
        change: &MemberChangeV3,
    ) -> Result<Option<LoyaltyUser>, ApiError> {
        if change.stamps.is_none() && change.voided.is_none() {
            return Err(refused_locally(FieldProblem {
                field: "stamps",
                message: Words::new("field.stamps.nothingToChange.message"),
                hint: Words::new("field.stamps.nothingToChange.hint"),
            }));
        }
        let mut body = Map::new();
        body.insert("loyaltycard".into(), Value::String(card.to_owned()));
        body.insert("user".into(), Value::String(user.to_owned()));
        if let Some(stamps) = change.stamps {
            body.insert("stamps".into(), Value::String(stamps.to_string()));
        }
        if let Some(voided) = change.voided {
            body.insert(
                "voided".into(),
                Value::String(if voided { "1" } else { "0" }.into()),
            );
        }
        let reply: UpdateReply = self
            .client
            .transport()
            .v3(Endpoint::LoyaltyUsersUpdate, &Value::Object(body))
            .await?;
        Ok(reply.user)
    }

    /// `POST loyalty/pushnotification/single`: a push to one holder. A WRITE.
    pub async fn push_member_v3(
        &self,
        card: &str,
        user: &str,
        message: &str,
    ) -> Result<PushReceipt, ApiError> {
        let message = validate::push_message(message).map_err(refused_locally)?;
        let body = serde_json::json!({ "loyaltycard": card, "user": user, "message": message });
        self.client
            .transport()
            .v3(Endpoint::LoyaltyPushSingle, &body)
            .await
    }

    /// `POST loyalty/pushnotification/all`: a push to every holder of the card. A WRITE.
    pub async fn push_all_v3(&self, card: &str, message: &str) -> Result<PushReceipt, ApiError> {
        let message = validate::push_message(message).map_err(refused_locally)?;
        let body = serde_json::json!({ "loyaltycard": card, "message": message });
        self.client
            .transport()
            .v3(Endpoint::LoyaltyPushAll, &body)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::decode_v3;

    #[test]
    fn card_list_and_info_decode() {
        let list: CardsReply = decode_v3(
            200,
            br#"{"status":{"status":"OK"},"loyaltycards":[{"ID":"loy_1","type":"stampcard","amount_of_stamps":"8"},{"ID":"loy_2","amount_of_stamps":""}]}"#,
        )
        .unwrap();
        assert_eq!(list.loyaltycards.len(), 2);
        assert_eq!(list.loyaltycards[0].amount_of_stamps, Some(8));
        assert_eq!(list.loyaltycards[1].amount_of_stamps, None);
        let info: CardReply = decode_v3(
            200,
            br#"{"status":{"status":"OK"},"loyaltycard":{"ID":"loy_1","name":"Coffee"}}"#,
        )
        .unwrap();
        assert_eq!(info.loyaltycard.unwrap().name, "Coffee");
    }

    #[test]
    fn push_receipt_reads_the_v3_count() {
        let r: PushReceipt = decode_v3(
            200,
            br#"{"status":{"status":"OK"},"action":"pushnotification_sent","amount_of_recipients":"4"}"#,
        )
        .unwrap();
        assert_eq!(r.recipients, Some(4));
        let r: PushReceipt = decode_v3(200, br#"{"status":{"status":"OK"}}"#).unwrap();
        assert_eq!(r.recipients, None);
    }
}
