//! Coupon sessions (single-use coupons already handed out): searching them by e-mail address,
//! phone number or custom validation code, `POST couponsession/search` (§5.3, §10).
//!
//! This is how a lost or unclear `send/email` reply is reconciled: look the address up in the
//! campaign and see which coupon it holds.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::coupons::SingleUseCode;
use super::lenient;

/// What to look for with `couponsession/search`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionSearch {
    /// An e-mail address, a phone number or a custom validation code.
    pub search: String,
    /// `cam_…` (or `dir_…`): only sessions of that campaign. None searches every campaign.
    pub campaign: Option<String>,
}

impl SessionSearch {
    pub(crate) fn to_body(&self) -> Value {
        let mut body = Map::new();
        body.insert(
            "search".into(),
            Value::String(self.search.trim().to_owned()),
        );
        if let Some(campaign) = self
            .campaign
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            body.insert("campaign".into(), Value::String(campaign.to_owned()));
        }
        Value::Object(body)
    }
}

/// One coupon session a search found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CouponSession {
    /// The 21-character session code, the last segment of `url`.
    pub code: SingleUseCode,
    /// The single-use URL of this session.
    pub url: String,
    /// `cam_…` (or `dir_…`) the session belongs to; empty if the reply did not say.
    pub campaign: String,
    /// The customer's address, when the session carries one.
    pub email: Option<String>,
    /// When the session was created (for an e-mailed coupon: when it was sent), UTC.
    #[serde(serialize_with = "lenient::ser_opt_datetime")]
    pub created_at: Option<OffsetDateTime>,
}

#[derive(Deserialize)]
pub(crate) struct SearchReply {
    #[serde(default, deserialize_with = "lenient::opt_number")]
    pub(crate) amount_of_results: Option<u64>,
    #[serde(default, deserialize_with = "lenient::list")]
    pub(crate) data: Vec<SessionRow>,
}

/// A session as `couponsession/data` and `campaign/data` describe it; only what we use.
#[derive(Deserialize)]
pub(crate) struct SessionRow {
    #[serde(default, deserialize_with = "lenient::string")]
    session: String,
    #[serde(default, deserialize_with = "lenient::string")]
    session_url: String,
    #[serde(default, deserialize_with = "lenient::string")]
    campaign: String,
    #[serde(default, deserialize_with = "lenient::one")]
    status: Option<SessionStatus>,
    /// `couponsession/data` nests the status one level deeper, under `data` (§5.3).
    #[serde(default, deserialize_with = "lenient::one")]
    data: Option<SessionData>,
    /// Sandbox decision (the docs do not show where a session keeps its customer):
    /// `{email, firstname, lastname}`.
    #[serde(default, deserialize_with = "lenient::one")]
    user_data: Option<UserData>,
}

#[derive(Deserialize)]
struct SessionData {
    #[serde(default, deserialize_with = "lenient::one")]
    status: Option<SessionStatus>,
}

#[derive(Deserialize)]
struct SessionStatus {
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    created_date_utc: Option<OffsetDateTime>,
}

#[derive(Deserialize)]
struct UserData {
    #[serde(default, deserialize_with = "lenient::string")]
    email: String,
}

impl SessionRow {
    /// None for a row that names no session at all.
    fn into_session(self) -> Option<CouponSession> {
        // The doc example carries a stray comma inside the code (§5.3): "kkfiznr8Yp8630h82es8d,".
        let clean = |text: &str| text.trim().trim_end_matches(',').trim().to_owned();
        let url = self.session_url.trim().to_owned();
        let mut code = clean(&self.session);
        if code.is_empty() {
            code = clean(url.rsplit('/').next().unwrap_or(""));
        }
        if code.is_empty() {
            return None;
        }
        let created_at = self
            .status
            .or_else(|| self.data.and_then(|d| d.status))
            .and_then(|s| s.created_date_utc);
        let email = self
            .user_data
            .map(|u| u.email.trim().to_owned())
            .filter(|e| !e.is_empty());
        Some(CouponSession {
            code: SingleUseCode::new(code),
            url,
            campaign: self.campaign.trim().to_owned(),
            email,
            created_at,
        })
    }
}

impl SearchReply {
    /// The sessions, newest first (those without a creation time last, in reply order).
    pub(crate) fn into_sessions(self) -> Vec<CouponSession> {
        if self.amount_of_results == Some(0) {
            return Vec::new();
        }
        let mut sessions: Vec<CouponSession> = self
            .data
            .into_iter()
            .filter_map(SessionRow::into_session)
            .collect();
        // Stable, so rows the server already ordered keep their order among equals.
        sessions.sort_by_key(|s| std::cmp::Reverse(s.created_at));
        sessions
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::decode_v3;
    use crate::error::ApiError;
    use time::macros::datetime;

    fn sessions(body: &str) -> Vec<CouponSession> {
        decode_v3::<SearchReply>(200, body.as_bytes())
            .unwrap_or_else(|e| panic!("{body}: {e:?}"))
            .into_sessions()
    }

    #[test]
    fn reply_per_section_10_newest_first() {
        let body = r#"{"status":{"status":"OK"},"amount_of_results":"3","data":[
            {"campaign":"cam_1","session":"aaaaaaaaaaaaaaaaaaaa1","session_url":"https://digicpn.com/p/abc123/aaaaaaaaaaaaaaaaaaaa1",
             "sequenceid":"19878460","customid":"","status":{"created_date_utc":"2019-03-25 10:43:50","open_date_utc":"","locked":"0"},
             "user_data":{"email":"Ann@Shop.test","firstname":"Ann","lastname":""}},
            {"campaign":"cam_1","session":"kkfiznr8Yp8630h82es8d,","session_url":"https://digicpn.com/p/abc123/kkfiznr8Yp8630h82es8d",
             "sequenceid":19878461,"status":{"created_date_utc":"2020-01-02 03:04:05"}},
            {"campaign":"cam_2","session":"ccccccccccccccccccccc","session_url":"u","status":{"created_date_utc":""},"user_data":[]}
        ]}"#;
        let found = sessions(body);
        assert_eq!(found.len(), 3);
        assert_eq!(
            found[0],
            CouponSession {
                code: SingleUseCode::new("kkfiznr8Yp8630h82es8d"),
                url: "https://digicpn.com/p/abc123/kkfiznr8Yp8630h82es8d".into(),
                campaign: "cam_1".into(),
                email: None,
                created_at: Some(datetime!(2020-01-02 03:04:05 UTC)),
            },
            "the stray comma is trimmed and the newest comes first"
        );
        assert_eq!(found[1].code.as_str(), "aaaaaaaaaaaaaaaaaaaa1");
        assert_eq!(found[1].email.as_deref(), Some("Ann@Shop.test"));
        assert_eq!(
            found[1].created_at,
            Some(datetime!(2019-03-25 10:43:50 UTC))
        );
        assert_eq!(found[2].created_at, None, "\"\" is no time; it sorts last");
        assert_eq!(found[2].campaign, "cam_2");
    }

    #[test]
    fn nothing_found_in_every_form() {
        for body in [
            r#"{"status":{"status":"OK"},"amount_of_results":"0","data":[]}"#,
            r#"{"status":{"status":"OK"},"amount_of_results":0}"#,
            r#"{"status":{"status":"OK"},"amount_of_results":"","data":{}}"#,
            r#"{"status":{"status":"OK"},"data":""}"#,
            r#"{"status":{"status":"OK"}}"#,
            // A count of 0 wins over stray rows.
            r#"{"status":{"status":"OK"},"amount_of_results":"0","data":[{"session":"x"}]}"#,
            // Rows without a session are no sessions.
            r#"{"status":{"status":"OK"},"amount_of_results":"1","data":[{"session":" , ","session_url":""}]}"#,
        ] {
            assert!(sessions(body).is_empty(), "{body}");
        }
    }

    #[test]
    fn lenient_shapes_data_as_object_nested_status_and_code_from_the_url() {
        let body = r#"{"status":{"status":"OK"},"amount_of_results":1,"data":{"0":{
            "campaign":"cam_9","session":"","session_url":"https://digicpn.com/p/abc123/zzzzzzzzzzzzzzzzzzzz9",
            "data":{"status":{"created_date_utc":"2025-01-01 13:48:22 UTC"}}}}}"#;
        let found = sessions(body);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code.as_str(), "zzzzzzzzzzzzzzzzzzzz9");
        assert_eq!(
            found[0].created_at,
            Some(datetime!(2025-01-01 13:48:22 UTC))
        );
    }

    #[test]
    fn a_wrongly_typed_date_names_its_path() {
        let body = r#"{"status":{"status":"OK"},"data":[{"session":"a","status":{"created_date_utc":"25/03/2019"}}]}"#;
        match decode_v3::<SearchReply>(200, body.as_bytes()) {
            Err(ApiError::Decode { path, .. }) => {
                assert_eq!(path, "data[0].status.created_date_utc")
            }
            other => panic!("{:?}", other.map(|_| ())),
        }
    }

    #[test]
    fn request_body_sends_campaign_only_when_set() {
        let q = SessionSearch {
            search: " ann@shop.test ".into(),
            campaign: Some("cam_1".into()),
        };
        assert_eq!(
            q.to_body(),
            serde_json::json!({"search": "ann@shop.test", "campaign": "cam_1"})
        );
        let q = SessionSearch {
            search: "ann@shop.test".into(),
            campaign: Some(" ".into()),
        };
        assert_eq!(q.to_body(), serde_json::json!({"search": "ann@shop.test"}));
    }

    #[test]
    fn serializes_the_time_as_rfc3339() {
        let s = CouponSession {
            code: SingleUseCode::new("c"),
            url: "u".into(),
            campaign: "cam_1".into(),
            email: Some("a@b.test".into()),
            created_at: Some(datetime!(2025-01-01 13:48:22 UTC)),
        };
        assert_eq!(
            serde_json::to_value(&s).unwrap(),
            serde_json::json!({"code": "c", "url": "u", "campaign": "cam_1", "email": "a@b.test", "created_at": "2025-01-01T13:48:22Z"})
        );
    }
}
