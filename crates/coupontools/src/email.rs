//! Sending a coupon by e-mail: `POST send/email` (§0.4, seed 004). A WRITE: never repeated once
//! the request may have reached Coupontools.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::client::Client;
use super::coupons::SingleUseCode;
use super::endpoints::Endpoint;
use super::error::ApiError;
use super::lenient;

/// The `action` of a reply that really sent a mail now.
const ACTION_EMAIL_SENT: &str = "email_sent";

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EmailCouponRequest {
    /// `cam_…`, or `dir_…` to send a directory.
    pub campaign: String,
    pub email: String,
    pub subject: Option<String>,
    /// Shown only where the e-mail text contains `[FIRSTNAME]`.
    pub first_name: Option<String>,
    /// Shown only where the e-mail text contains `[LASTNAME]`.
    pub last_name: Option<String>,
    /// Skip the send if this address already got this coupon.
    pub check_unique: bool,
}

impl EmailCouponRequest {
    fn to_body(&self) -> Value {
        let mut body = Map::new();
        body.insert("campaign".into(), Value::String(self.campaign.clone()));
        body.insert("email".into(), Value::String(self.email.clone()));
        // The API spells the names without underscore (seed 004).
        for (key, value) in [
            ("subject", &self.subject),
            ("firstname", &self.first_name),
            ("lastname", &self.last_name),
        ] {
            if let Some(value) = value.as_deref().filter(|v| !v.trim().is_empty()) {
                body.insert(key.into(), Value::String(value.to_owned()));
            }
        }
        if self.check_unique {
            body.insert("check_unique".into(), Value::Bool(true));
        }
        Value::Object(body)
    }
}

/// What a `send/email` reply says happened (§10 "send/email repeat with check_unique").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailAction {
    /// `action == "email_sent"`: an e-mail went out now.
    Sent,
    /// Any other action word (e.g. "already_sent" after `check_unique`): nothing was sent now.
    NotSentNow,
}

/// What Coupontools reports after `send/email`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EmailedCoupon {
    pub campaign: String,
    pub subject: String,
    /// The address the mail went to.
    pub receiver: String,
    /// May be empty, even for [`EmailAction::Sent`]: then look the session up with
    /// `client.sessions().search` (campaign + address).
    pub single_use_code: SingleUseCode,
    pub single_use_url: String,
    /// The server's word for what happened, e.g. "email_sent".
    pub action: String,
    pub outcome: EmailAction,
}

#[derive(Deserialize)]
struct EmailReply {
    #[serde(default, deserialize_with = "lenient::string")]
    campaign: String,
    #[serde(default, deserialize_with = "lenient::string")]
    subject: String,
    #[serde(default, deserialize_with = "lenient::string")]
    receiver: String,
    #[serde(default)]
    single_use_code: SingleUseCode,
    #[serde(default, deserialize_with = "lenient::string")]
    single_use_url: String,
    #[serde(default, deserialize_with = "lenient::string")]
    action: String,
}

impl TryFrom<EmailReply> for EmailedCoupon {
    type Error = ApiError;

    /// PROJECT DECISION (docs silent, §10 "send/email repeat with check_unique", the SendEmail
    /// row in endpoints.rs): "email_sent" is a send now; any other word means nothing was sent
    /// now (with check_unique the sandbox answers "already_sent" and the earlier code/URL). A
    /// reply without `action` says neither, so it is an unknown outcome: the caller reconciles it
    /// like a lost reply and never reads it as "already sent". (A reply whose `status` is not
    /// the documented object never gets here: the transport turns it into an unknown outcome.)
    fn try_from(reply: EmailReply) -> Result<Self, ApiError> {
        let action = reply.action.trim().to_owned();
        if action.is_empty() {
            return Err(ApiError::OutcomeUnknown {
                endpoint: Endpoint::SendEmail,
                detail: "unknown reply: Coupontools answered OK without an `action`".into(),
            });
        }
        let outcome = if action.eq_ignore_ascii_case(ACTION_EMAIL_SENT) {
            EmailAction::Sent
        } else {
            EmailAction::NotSentNow
        };
        Ok(EmailedCoupon {
            campaign: reply.campaign,
            subject: reply.subject,
            receiver: reply.receiver,
            single_use_code: reply.single_use_code,
            single_use_url: reply.single_use_url.trim().to_owned(),
            action,
            outcome,
        })
    }
}

/// Sending coupons by e-mail, `client.email()`. Cheap: a borrowed client.
#[derive(Clone, Copy, Debug)]
pub struct EmailApi<'a> {
    client: &'a Client,
}

impl Client {
    /// E-mailing a coupon to a customer (§5.1).
    pub fn email(&self) -> EmailApi<'_> {
        EmailApi { client: self }
    }
}

impl<'a> EmailApi<'a> {
    /// `POST send/email`: e-mails the coupon to one address, creating a single-use code for it.
    ///
    /// Needs an e-mail provider connected in Coupontools (else code 104). After a timeout, a lost
    /// reply, or a reply that does not say what happened (no `action`, or a `status` that is not
    /// the documented object), the error is `OutcomeUnknown`: the mail may have gone out.
    pub async fn send(&self, request: &EmailCouponRequest) -> Result<EmailedCoupon, ApiError> {
        let reply: EmailReply = self
            .client
            .transport()
            .v3(Endpoint::SendEmail, &request.to_body())
            .await?;
        EmailedCoupon::try_from(reply)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::decode_v3;

    /// Seed 004's example response, verbatim (it is valid JSON as published).
    const SEED_004: &str = r#"{ "status": { "status": "OK" }, "campaign": "cam_123456", "subject": "Subject here", "receiver": "info@receiver.com", "single_use_code": "0ist0ywa4t9z7rj0g8mf7", "single_use_url": "https://digicpn.com/p/abc123/0ist0ywa4t9z7rj0g8mf7", "action": "email_sent" }"#;

    fn read(body: &str) -> Result<EmailedCoupon, ApiError> {
        EmailedCoupon::try_from(decode_v3::<EmailReply>(200, body.as_bytes())?)
    }

    #[test]
    fn seed_004_decodes() {
        let sent = read(SEED_004).unwrap();
        assert_eq!(
            sent,
            EmailedCoupon {
                campaign: "cam_123456".into(),
                subject: "Subject here".into(),
                receiver: "info@receiver.com".into(),
                single_use_code: SingleUseCode::new("0ist0ywa4t9z7rj0g8mf7"),
                single_use_url: "https://digicpn.com/p/abc123/0ist0ywa4t9z7rj0g8mf7".into(),
                action: "email_sent".into(),
                outcome: EmailAction::Sent,
            }
        );
        assert_eq!(sent.single_use_code.as_str().len(), 21);
    }

    #[test]
    fn any_other_action_means_nothing_was_sent_now() {
        for (action, outcome) in [
            ("email_sent", EmailAction::Sent),
            (" email_sent ", EmailAction::Sent),
            ("EMAIL_SENT", EmailAction::Sent),
            ("already_sent", EmailAction::NotSentNow),
            ("skipped", EmailAction::NotSentNow),
        ] {
            let body = SEED_004.replace("\"email_sent\"", &format!("{action:?}"));
            let sent = read(&body).unwrap();
            assert_eq!(sent.outcome, outcome, "action {action:?}");
        }
    }

    #[test]
    fn a_reply_without_action_is_an_unknown_outcome_never_already_sent() {
        let without = SEED_004.replace(r#", "action": "email_sent""#, "");
        assert!(!without.contains("action"), "{without}");
        for body in [
            without,
            SEED_004.replace("\"email_sent\"", "\"\""),
            SEED_004.replace("\"email_sent\"", "\"  \""),
            SEED_004.replace("\"email_sent\"", "null"),
        ] {
            match read(&body) {
                Err(
                    e @ ApiError::OutcomeUnknown {
                        endpoint: Endpoint::SendEmail,
                        ..
                    },
                ) => {
                    assert!(e.outcome_unknown());
                    assert_eq!(e.kind(), "outcome_unknown");
                }
                other => panic!("{body}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_sent_reply_may_lack_its_code() {
        let body = r#"{"status":{"status":"OK"},"campaign":"cam_1","receiver":"a@b.test","action":"email_sent"}"#;
        let sent = read(body).unwrap();
        assert_eq!(sent.outcome, EmailAction::Sent);
        assert!(sent.single_use_code.is_empty() && sent.single_use_url.is_empty());
    }

    #[test]
    fn email_action_serializes_in_snake_case() {
        assert_eq!(
            serde_json::to_value([EmailAction::Sent, EmailAction::NotSentNow]).unwrap(),
            serde_json::json!(["sent", "not_sent_now"])
        );
    }

    #[test]
    fn seed_004_errors_decode_to_their_codes() {
        for (code, description) in [
            (104, "No Email integration has been setup in your Coupontools account. Go to 'integrations' and 'Email marketing' to setup an Email provider."),
            (200, "Missing parameter: campaign"),
            (301, "Invalid character in parameter: campaign."),
            (305, "Email address is not valid"),
            (502, "Campaign ID not found."),
            (604, "Email not sent to 'foo@bar.baz'. Reason: foo"),
        ] {
            let body = serde_json::json!({"status": {"status": "failed", "errors": {
                "error_message": "HTTP/1.0 422 Unprocessable entity.",
                "error_message_description": [description], "error_code": [code]}}});
            match decode_v3::<EmailReply>(422, body.to_string().as_bytes()) {
                Err(e @ ApiError::Coupontools { .. }) => {
                    assert_eq!(e.code(), Some(code));
                    if code == 604 {
                        let said = e.words().0.to_string();
                        assert!(said.contains("Reason: foo"), "604 keeps the server's reason: {said}");
                    }
                }
                Err(other) => panic!("{code}: {other:?}"),
                Ok(_) => panic!("{code}: decoded as success"),
            }
        }
    }

    #[test]
    fn request_body_uses_the_api_names() {
        let request = EmailCouponRequest {
            campaign: "cam_1".into(),
            email: "a@b.com".into(),
            subject: Some("Hi".into()),
            first_name: Some("Ann".into()),
            last_name: Some("  ".into()),
            check_unique: true,
        };
        assert_eq!(
            request.to_body(),
            serde_json::json!({"campaign": "cam_1", "email": "a@b.com", "subject": "Hi", "firstname": "Ann", "check_unique": true})
        );
        let plain = EmailCouponRequest {
            campaign: "cam_1".into(),
            email: "a@b.com".into(),
            ..Default::default()
        };
        assert_eq!(
            plain.to_body(),
            serde_json::json!({"campaign": "cam_1", "email": "a@b.com"})
        );
    }
}
