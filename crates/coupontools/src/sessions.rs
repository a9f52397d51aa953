//! The counter's side of coupon sessions, `client.sessions()`: reading one, marking it claimed
//! or validated (with the money spent), voiding and un-voiding it, many at once, and a push
//! notification to its holder (§5.3, §10).
//!
//! Every change is a WRITE, never repeated blindly: after a lost or unclear reply the error is
//! `OutcomeUnknown`, and the caller re-reads the session (`get`, i.e. `couponsession/data`)
//! before telling anyone anything (§10 "couponsession/update").

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::client::Client;
use super::endpoints::Endpoint;
use super::error::ApiError;
use super::lenient;
use super::session_search::{CouponSession, SearchReply, SessionSearch};
use super::single_use::{SessionData, SessionRow};
use super::validate::{self, FieldProblem};

/// The most codes one `couponsession/updatemultiple` carries (project limit, the same in the
/// sandbox; the docs give none).
pub const MAX_SESSIONS_PER_UPDATE: usize = 100;

/// `https://digicpn.com/p/abc123/` of `https://digicpn.com/p/abc123/<code>`; None when the link
/// does not end with the code.
fn url_prefix(url: &str, code: &str) -> Option<String> {
    let url = url.trim();
    (!code.is_empty() && url.len() > code.len() && url.ends_with(code))
        .then(|| url[..url.len() - code.len()].to_owned())
}

/// What a POS does to a session (§10: `operation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// Used at the counter: the coupon is spent.
    Validated,
    /// Taken by the customer (e.g. saved), not yet used.
    Claimed,
}

impl Operation {
    /// The word the API takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Validated => "validated",
            Operation::Claimed => "claimed",
        }
    }
}

/// `POST couponsession/update` (§10). At least an operation or `void` must be set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionUpdate {
    /// The 21-character code, its 6-character short form, or a link holding the code.
    pub code: String,
    pub operation: Option<Operation>,
    /// The money spent, as typed: digits, then optionally `.` or `,` and one or two decimals.
    /// Sent as "12.50". Only with `Operation::Validated`.
    pub validation_value: Option<String>,
    /// `Some(true)` voids the coupon, `Some(false)` un-voids it.
    pub void: Option<bool>,
}

impl SessionUpdate {
    /// Validate `code` at the counter, optionally with the money spent.
    pub fn validate(code: impl Into<String>, value: Option<&str>) -> SessionUpdate {
        SessionUpdate {
            code: code.into(),
            operation: Some(Operation::Validated),
            validation_value: value.map(str::to_owned),
            void: None,
        }
    }

    fn to_body(&self) -> Result<Value, FieldProblem> {
        let code = validate::session_lookup_code(&self.code)?;
        let mut body = flags(self.operation, self.validation_value.as_deref(), self.void)?;
        body.insert("couponsession".into(), Value::String(code));
        Ok(Value::Object(body))
    }
}

/// `POST couponsession/updatemultiple` (§10): the same change for up to
/// [`MAX_SESSIONS_PER_UPDATE`] sessions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ManySessionsUpdate {
    pub codes: Vec<String>,
    pub operation: Option<Operation>,
    pub validation_value: Option<String>,
    pub void: Option<bool>,
}

impl ManySessionsUpdate {
    /// The body and the codes as sent (the reply's rows are matched to them).
    fn to_body(&self) -> Result<(Value, Vec<String>), FieldProblem> {
        let codes = validate::session_codes(&self.codes, MAX_SESSIONS_PER_UPDATE)?;
        let mut body = flags(self.operation, self.validation_value.as_deref(), self.void)?;
        body.insert("couponsessions".into(), serde_json::json!(codes));
        Ok((Value::Object(body), codes))
    }
}

/// `operation`, `validation_value` and `void` after the checks; blanks left out.
fn flags(
    operation: Option<Operation>,
    value: Option<&str>,
    void: Option<bool>,
) -> Result<Map<String, Value>, FieldProblem> {
    let value = value.filter(|v| !v.trim().is_empty());
    validate::session_change(
        operation.is_some(),
        operation == Some(Operation::Validated),
        value.is_some(),
        void.is_some(),
    )?;
    let mut body = Map::new();
    if let Some(operation) = operation {
        body.insert("operation".into(), Value::String(operation.as_str().into()));
    }
    if let Some(value) = value {
        body.insert(
            "validation_value".into(),
            Value::String(validate::validation_value(value)?),
        );
    }
    if let Some(void) = void {
        // §10: `void` = "true" ("false" un-voids), spelled as text.
        body.insert("void".into(), Value::String(void.to_string()));
    }
    Ok(body)
}

/// What became of one code of a `couponsession/updatemultiple`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "camelCase")]
// One per code of a call, read once and serialised to the window: a box would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum SessionUpdateOutcome {
    /// Changed; the session as it is now.
    Updated { session: SessionData },
    /// Coupontools refused this code (e.g. 306 already validated, 505 not found).
    Refused { code: u32, message: String },
    /// The reply says nothing about this code: re-read it before telling anyone.
    Unknown,
}

/// One code sent and its outcome, in the order sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionUpdateResult {
    /// The code as sent (a short code stays short).
    pub code: String,
    pub outcome: SessionUpdateOutcome,
}

/// A row of the `updatemultiple` reply (project decision, §10).
#[derive(Deserialize)]
struct UpdateRow {
    #[serde(default, deserialize_with = "lenient::string")]
    couponsession: String,
    #[serde(default, deserialize_with = "lenient::string")]
    status: String,
    #[serde(default, deserialize_with = "lenient::one")]
    session: Option<SessionRow>,
    #[serde(default, deserialize_with = "lenient::opt_number")]
    error_code: Option<u32>,
    #[serde(default, deserialize_with = "lenient::string")]
    error_message: String,
}

#[derive(Deserialize)]
struct UpdateManyReply {
    #[serde(default, deserialize_with = "lenient::list")]
    data: Vec<UpdateRow>,
}

/// The bare envelope of a push to one holder.
#[derive(Deserialize)]
struct Pushed {}

fn refused_locally(problem: FieldProblem) -> ApiError {
    ApiError::Invalid(problem)
}

fn unknown(endpoint: Endpoint, detail: &str) -> ApiError {
    ApiError::OutcomeUnknown {
        endpoint,
        detail: format!("unknown reply: {detail}"),
    }
}

/// Matches the reply's rows to the codes sent: by the code as sent (or, for a row naming the
/// session's full code, by that code or its first six characters); a code no row speaks of is
/// `Unknown`.
fn outcomes(sent: &[String], rows: Vec<UpdateRow>) -> Vec<SessionUpdateResult> {
    let mut rows: Vec<Option<UpdateRow>> = rows.into_iter().map(Some).collect();
    sent.iter()
        .map(|code| {
            let found = rows.iter_mut().find(|r| {
                r.as_ref()
                    .is_some_and(|r| r.couponsession.trim() == code.as_str())
            });
            let outcome = match found.and_then(Option::take) {
                None => SessionUpdateOutcome::Unknown,
                Some(row) if row.status.trim().eq_ignore_ascii_case("OK") => {
                    match row.session.and_then(|s| s.into_session("")) {
                        Some(session) => SessionUpdateOutcome::Updated { session },
                        None => SessionUpdateOutcome::Unknown,
                    }
                }
                Some(row) if row.error_code.is_some() || !row.error_message.trim().is_empty() => {
                    SessionUpdateOutcome::Refused {
                        code: row.error_code.unwrap_or(0),
                        message: row.error_message.trim().to_owned(),
                    }
                }
                Some(_) => SessionUpdateOutcome::Unknown,
            };
            SessionUpdateResult {
                code: code.clone(),
                outcome,
            }
        })
        .collect()
}

/// The coupon-session domain of the API, `client.sessions()`. Cheap: a borrowed client.
#[derive(Clone, Copy, Debug)]
pub struct SessionsApi<'a> {
    client: &'a Client,
}

impl Client {
    /// Coupon sessions at the counter: read, validate, claim, void, push (§5.3, §10).
    pub fn sessions(&self) -> SessionsApi<'_> {
        SessionsApi { client: self }
    }
}

impl<'a> SessionsApi<'a> {
    /// `POST couponsession/data`: one session by its 21-character code or 6-character short
    /// code (a pasted link works too). Not found is refused with 505.
    pub async fn get(&self, code: &str) -> Result<SessionData, ApiError> {
        let code = validate::session_lookup_code(code).map_err(refused_locally)?;
        let body = serde_json::json!({ "couponsession": code });
        let reply: SessionRow = self
            .client
            .transport()
            .v3(Endpoint::CouponSessionData, &body)
            .await?;
        reply.into_session("").ok_or_else(|| ApiError::Decode {
            status: 200,
            path: "session".into(),
            detail: "the reply names no session".into(),
        })
    }

    /// Sessions as `campaign/data` lists them, with what a list may leave out filled in from
    /// `couponsession/data`: the link (a link the user cannot copy is no result) and the
    /// creation time (what a look-up after a lost reply decides by). The link of one session
    /// read shows how the server builds them (`…/<session code>`), so the others are built
    /// the same way; creation times are read per session, four at a time.
    pub async fn complete(&self, sessions: Vec<SessionData>) -> Result<Vec<SessionData>, ApiError> {
        use futures_util::{StreamExt, TryStreamExt};
        let mut prefix: Option<String> = None;
        let mut done = Vec::with_capacity(sessions.len());
        let mut to_read = Vec::new();
        for session in sessions {
            let has_url = !session.url.trim().is_empty();
            if has_url && prefix.is_none() {
                prefix = url_prefix(&session.url, session.code.as_str());
            }
            if session.created_at.is_some() && has_url {
                done.push(session);
            } else {
                to_read.push(session);
            }
        }
        let mut still = Vec::new();
        for mut session in to_read {
            if session.created_at.is_some() {
                if prefix.is_none() {
                    let full = self.get(session.code.as_str()).await?;
                    prefix = url_prefix(&full.url, session.code.as_str());
                }
                if let Some(prefix) = &prefix {
                    session.url = format!("{prefix}{}", session.code.as_str());
                    done.push(session);
                    continue;
                }
            }
            still.push(session);
        }
        let read: Vec<SessionData> = futures_util::stream::iter(still)
            .map(|s| async move { self.get(s.code.as_str()).await })
            .buffered(4)
            .try_collect()
            .await?;
        done.extend(read);
        Ok(done)
    }

    /// `POST couponsession/search`: the sessions matching an e-mail address, phone number or
    /// custom validation code, within one campaign if given; newest first. Nothing found is an
    /// empty list, not an error.
    pub async fn search(&self, query: &SessionSearch) -> Result<Vec<CouponSession>, ApiError> {
        let reply: SearchReply = self
            .client
            .transport()
            .v3(Endpoint::CouponSessionSearch, &query.to_body())
            .await?;
        Ok(reply.into_sessions())
    }

    /// `POST couponsession/update` (§10): validate / claim / void / un-void one session; the
    /// session as it is afterwards. A WRITE: a lost reply is `OutcomeUnknown` (re-read with
    /// [`get`](Self::get)). Refusals come as Coupontools codes (505 not found; the sandbox's
    /// 306 already validated, 307 voided, 308 expired, 309 locked).
    pub async fn update(&self, update: &SessionUpdate) -> Result<SessionData, ApiError> {
        let body = update.to_body().map_err(refused_locally)?;
        let reply: SessionRow = self
            .client
            .transport()
            .v3(Endpoint::CouponSessionUpdate, &body)
            .await?;
        reply.into_session("").ok_or_else(|| {
            unknown(
                Endpoint::CouponSessionUpdate,
                "Coupontools answered OK without the session",
            )
        })
    }

    /// `POST couponsession/updatemultiple` (§10): one outcome per code, in the order given
    /// (blank codes dropped). A WRITE. An OK that speaks of no code at all is `OutcomeUnknown`;
    /// codes it does not speak of are `Unknown` (re-read them).
    pub async fn update_many(
        &self,
        update: &ManySessionsUpdate,
    ) -> Result<Vec<SessionUpdateResult>, ApiError> {
        let (body, codes) = update.to_body().map_err(refused_locally)?;
        let reply: UpdateManyReply = self
            .client
            .transport()
            .v3(Endpoint::CouponSessionUpdateMultiple, &body)
            .await?;
        if reply.data.is_empty() {
            return Err(unknown(
                Endpoint::CouponSessionUpdateMultiple,
                "Coupontools answered OK without any result",
            ));
        }
        Ok(outcomes(&codes, reply.data))
    }

    /// `POST coupon/pushnotification/single` (§5.3): a message to the wallet holding this
    /// session of `campaign` (505 when the session is not found). A WRITE.
    pub async fn push(&self, campaign: &str, code: &str, message: &str) -> Result<(), ApiError> {
        let campaign = validate::coupon_campaign_id(campaign).map_err(refused_locally)?;
        let code = validate::session_lookup_code(code).map_err(refused_locally)?;
        let message = validate::push_message(message).map_err(refused_locally)?;
        let body = serde_json::json!({
            "campaign": campaign,
            "couponsession": code,
            "message": message,
        });
        let _: Pushed = self
            .client
            .transport()
            .v3(Endpoint::CouponPushSingle, &body)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::decode_v3;
    use serde_json::json;

    const CODE: &str = "kkfiznr8yp8630h82es8d";

    #[test]
    fn update_body_speaks_section_10() {
        let v =
            SessionUpdate::validate(format!("https://digicpn.com/p/abc123/{CODE}"), Some("4,5"));
        assert_eq!(
            v.to_body().unwrap(),
            json!({"couponsession": CODE, "operation": "validated", "validation_value": "4.50"})
        );
        let short = SessionUpdate {
            code: "kkfizn".into(),
            void: Some(false),
            ..SessionUpdate::default()
        };
        assert_eq!(
            short.to_body().unwrap(),
            json!({"couponsession": "kkfizn", "void": "false"})
        );
        let claim_and_void = SessionUpdate {
            code: CODE.into(),
            operation: Some(Operation::Claimed),
            validation_value: Some(" ".into()),
            void: Some(true),
        };
        assert_eq!(
            claim_and_void.to_body().unwrap(),
            json!({"couponsession": CODE, "operation": "claimed", "void": "true"})
        );
    }

    #[test]
    fn update_refusals_name_their_field() {
        for (update, field) in [
            (SessionUpdate::validate("", None), "code"),
            (SessionUpdate::validate("abc", None), "code"),
            (
                SessionUpdate {
                    code: CODE.into(),
                    ..SessionUpdate::default()
                },
                "operation",
            ),
            (
                SessionUpdate::validate(CODE, Some("12.345")),
                "validationValue",
            ),
            (
                SessionUpdate::validate(CODE, Some("€12")),
                "validationValue",
            ),
            (
                SessionUpdate {
                    code: CODE.into(),
                    operation: Some(Operation::Claimed),
                    validation_value: Some("12".into()),
                    void: None,
                },
                "validationValue",
            ),
        ] {
            assert_eq!(update.to_body().unwrap_err().field, field, "{update:?}");
        }
    }

    #[test]
    fn money_is_sent_with_a_dot_and_two_decimals() {
        for (typed, sent) in [
            ("12", "12.00"),
            ("12.5", "12.50"),
            ("012,05", "12.05"),
            ("0", "0.00"),
        ] {
            assert_eq!(validate::validation_value(typed).unwrap(), sent, "{typed}");
        }
        for bad in [
            "",
            "12.",
            ",5",
            "1.234",
            "1.2.3",
            "-4",
            "12 50",
            "12345678901",
        ] {
            assert!(validate::validation_value(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn many_body_checks_every_code_and_the_count() {
        let many = ManySessionsUpdate {
            codes: vec![CODE.into(), " ".into(), "kkfizn".into()],
            void: Some(true),
            ..ManySessionsUpdate::default()
        };
        let (body, codes) = many.to_body().unwrap();
        assert_eq!(codes, [CODE, "kkfizn"]);
        assert_eq!(
            body,
            json!({"couponsessions": [CODE, "kkfizn"], "void": "true"})
        );
        let none = ManySessionsUpdate {
            void: Some(true),
            ..ManySessionsUpdate::default()
        };
        assert_eq!(none.to_body().unwrap_err().field, "codes");
        let bad = ManySessionsUpdate {
            codes: vec!["not a code".into()],
            void: Some(true),
            ..ManySessionsUpdate::default()
        };
        assert_eq!(bad.to_body().unwrap_err().field, "codes");
        let too_many = ManySessionsUpdate {
            codes: vec![CODE.into(); MAX_SESSIONS_PER_UPDATE + 1],
            void: Some(true),
            ..ManySessionsUpdate::default()
        };
        assert_eq!(too_many.to_body().unwrap_err().field, "codes");
    }

    #[test]
    fn many_reply_rows_are_matched_to_the_codes_sent() {
        let reply: UpdateManyReply = decode_v3(
            200,
            br#"{"status":{"status":"OK"},"amount_of_results":"1","data":[
            {"couponsession":"bbbbbb","status":"failed","error_code":"307","error_message":"Couponsession is voided."},
            {"couponsession":"aaaaaaaaaaaaaaaaaaaa1","status":"OK","session":{"campaign":"cam_1","session":"aaaaaaaaaaaaaaaaaaaa1","status":{"validation_date_utc":"2025-03-01 10:00:00"}}},
            {"couponsession":"zzz","status":"OK"}]}"#,
        )
        .unwrap();
        let sent = vec![
            "aaaaaaaaaaaaaaaaaaaa1".to_owned(),
            "bbbbbb".to_owned(),
            "cccccc".to_owned(),
        ];
        let results = outcomes(&sent, reply.data);
        assert_eq!(results.len(), 3);
        match &results[0].outcome {
            SessionUpdateOutcome::Updated { session } => {
                assert_eq!(session.campaign, "cam_1");
                assert!(session.validated_at.is_some());
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            results[1].outcome,
            SessionUpdateOutcome::Refused {
                code: 307,
                message: "Couponsession is voided.".into()
            }
        );
        assert_eq!(results[2].outcome, SessionUpdateOutcome::Unknown);
        let json = serde_json::to_value(&results[1]).unwrap();
        assert_eq!(json["outcome"]["result"], "refused");
    }

    #[test]
    fn operations_speak_the_api_words() {
        assert_eq!(
            [Operation::Validated, Operation::Claimed].map(Operation::as_str),
            ["validated", "claimed"]
        );
    }
}
