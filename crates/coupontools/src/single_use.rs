//! Single-use links (§5.4) and the sessions behind them (§5.3): making one or many, removing
//! one, reading one session (`couponsession/data`) and every session of a campaign
//! (`campaign/data`, paged per §10).
//!
//! The three writes are never repeated once they may have reached Coupontools: a lost reply is
//! `OutcomeUnknown`, reconciled by reading the campaign's sessions.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

use super::client::Client;
use super::coupons::SingleUseCode;
use super::endpoints::Endpoint;
use super::error::ApiError;
use super::lenient;
use super::session_state::in_force;
use super::validate::{self, FieldProblem};
use crate::words::Words;

/// Longest custom ID / custom validation code / name the client sends (a sanity limit; the docs
/// give none).
const MAX_TEXT_CHARS: usize = 100;

/// Pages `client.campaigns().data` reads at most, should a server ignore `page` and never run dry.
pub(crate) const MAX_PAGES: u32 = 10_000;

// ---------------------------------------------------------------------------------------------
// Requests

/// One single-use link, `POST singleuse/create`, optionally pre-filled with the customer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SingleUseRequest {
    /// `cam_…`.
    pub campaign: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Your own tag for the customer.
    pub custom_id: Option<String>,
    /// Your own validation code (e.g. a barcode value shown on the coupon).
    pub custom_validation_code: Option<String>,
    /// If this e-mail / phone / custom ID already got a link for this campaign, answer that
    /// link instead of making a new one.
    pub duplicate_check: bool,
}

impl SingleUseRequest {
    /// The body with the API's names (`firstname`, `customvalcode`, …), after the same checks
    /// the command layer runs; blank optional fields are left out.
    fn to_body(&self) -> Result<Value, FieldProblem> {
        let mut body = Map::new();
        let campaign = validate::coupon_campaign_id(&self.campaign)?;
        body.insert("campaign".into(), Value::String(campaign));
        let texts = [
            (
                "firstname",
                "firstName",
                Words::new("field.label.firstName"),
                &self.first_name,
            ),
            (
                "lastname",
                "lastName",
                Words::new("field.label.lastName"),
                &self.last_name,
            ),
            (
                "customid",
                "customId",
                Words::new("field.label.customId"),
                &self.custom_id,
            ),
            (
                "customvalcode",
                "customValidationCode",
                Words::new("field.label.customValidationCode"),
                &self.custom_validation_code,
            ),
        ];
        for (key, field, label, value) in texts {
            if let Some(text) =
                validate::optional_text(value.as_deref(), field, &label, MAX_TEXT_CHARS)?
            {
                body.insert(key.into(), Value::String(text));
            }
        }
        if let Some(email) = self.email.as_deref().filter(|e| !e.trim().is_empty()) {
            body.insert(
                "email".into(),
                Value::String(validate::email_address(email)?),
            );
        }
        if let Some(phone) = validate::optional_phone(self.phone.as_deref())? {
            body.insert("phone".into(), Value::String(phone));
        }
        if self.duplicate_check {
            body.insert("duplicate_check".into(), Value::Bool(true));
        }
        Ok(Value::Object(body))
    }
}

/// The state new links start in (`status` of `multiplesingleuse/create`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SingleUseStatus {
    #[default]
    Normal,
    Voided,
    Activated,
}

impl SingleUseStatus {
    /// The word the API takes.
    pub fn as_str(self) -> &'static str {
        match self {
            SingleUseStatus::Normal => "normal",
            SingleUseStatus::Voided => "voided",
            SingleUseStatus::Activated => "activated",
        }
    }
}

/// What generated validation codes are made of.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeType {
    Numeric,
    #[default]
    Alphanumeric,
}

impl CodeType {
    pub fn as_str(self) -> &'static str {
        match self {
            CodeType::Numeric => "numeric",
            CodeType::Alphanumeric => "alphanumeric",
        }
    }
}

/// Let Coupontools generate a custom validation code for every link: `prefix` + `length`
/// characters of `code_type`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AutomatedCodes {
    /// Letters, digits, `-`, `_`; at most 10; may be empty.
    pub prefix: String,
    /// 10–25, not counting the prefix.
    pub length: u8,
    pub code_type: CodeType,
}

/// Many links at once, `POST multiplesingleuse/create` (at most 100 000 per call).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ManySingleUseRequest {
    pub campaign: String,
    /// 1–100 000.
    pub amount: u32,
    pub status: SingleUseStatus,
    pub automated_codes: Option<AutomatedCodes>,
}

impl ManySingleUseRequest {
    fn to_body(&self) -> Result<Value, FieldProblem> {
        let mut body = Map::new();
        let campaign = validate::coupon_campaign_id(&self.campaign)?;
        body.insert("campaign".into(), Value::String(campaign));
        // The docs say "digits only": sent as a string of digits, checked like typed text.
        let amount = validate::single_use_amount(&self.amount.to_string())?;
        body.insert("amount".into(), Value::String(amount.to_string()));
        body.insert("status".into(), Value::String(self.status.as_str().into()));
        if let Some(codes) = &self.automated_codes {
            body.insert("automated_codes".into(), Value::Bool(true));
            let prefix = validate::code_prefix(&codes.prefix)?;
            if !prefix.is_empty() {
                body.insert("code_prefix".into(), Value::String(prefix));
            }
            let length = validate::code_length(codes.length)?;
            body.insert("code_length".into(), Value::from(length));
            body.insert(
                "code_type".into(),
                Value::String(codes.code_type.as_str().into()),
            );
        }
        Ok(Value::Object(body))
    }
}

/// Which sessions of a campaign to list (`campaign/data`). Times are sent in UTC to the minute,
/// both ends inclusive.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CampaignSessionsQuery {
    pub campaign: String,
    pub start: Option<OffsetDateTime>,
    pub end: Option<OffsetDateTime>,
}

impl CampaignSessionsQuery {
    fn to_body(&self, page: u32) -> Result<Value, FieldProblem> {
        let mut body = Map::new();
        let campaign = validate::coupon_campaign_id(&self.campaign)?;
        validate::date_range(self.start, self.end)?;
        body.insert("campaign".into(), Value::String(campaign));
        body.insert("page".into(), Value::from(page.max(1)));
        for (key, at) in [("start_date", self.start), ("end_date", self.end)] {
            if let Some(at) = at {
                body.insert(key.into(), Value::String(minute_text(at)));
            }
        }
        Ok(Value::Object(body))
    }
}

/// `YYYY-MM-DD HH:MM` in UTC, the form a public client sends (§5.3).
fn minute_text(at: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]");
    at.to_offset(UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Replies

/// One single-use link Coupontools made (or, with `duplicate_check`, already had).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SingleUseLink {
    /// The 21-character session code, the last segment of `url`.
    pub code: SingleUseCode,
    pub url: String,
    /// The 6 characters a cashier types into the validation widget.
    pub widget_validation_code: String,
    pub custom_validation_code: Option<String>,
    pub custom_id: Option<String>,
    pub sequence_id: Option<u64>,
}

/// One coupon session as `couponsession/data` and `campaign/data` describe it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionData {
    /// `cam_…`; for `campaign/data` rows that do not say, the campaign asked for.
    pub campaign: String,
    pub code: SingleUseCode,
    /// Empty when the reply does not give it.
    pub url: String,
    pub sequence_id: Option<u64>,
    pub custom_id: Option<String>,
    #[serde(serialize_with = "lenient::ser_opt_datetime")]
    pub created_at: Option<OffsetDateTime>,
    #[serde(serialize_with = "lenient::ser_opt_datetime")]
    pub opened_at: Option<OffsetDateTime>,
    #[serde(serialize_with = "lenient::ser_opt_datetime")]
    pub claimed_at: Option<OffsetDateTime>,
    /// When it was last marked as used (kept even if the reply's flag says otherwise).
    #[serde(serialize_with = "lenient::ser_opt_datetime")]
    pub validated_at: Option<OffsetDateTime>,
    /// When it was last voided: an undone void keeps its date, so read [`SessionData::voided`].
    #[serde(serialize_with = "lenient::ser_opt_datetime")]
    pub voided_at: Option<OffsetDateTime>,
    /// Used now (`session_state::in_force` over the flag and the date).
    pub validated: bool,
    /// Voided now: the flag, else the void date unless a later undo date.
    pub voided: bool,
    #[serde(serialize_with = "lenient::ser_opt_datetime")]
    pub expires_at: Option<OffsetDateTime>,
    /// The custom validation code of this session.
    pub own_validation_code: Option<String>,
    pub locked: bool,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
}

/// A link as `singleuse/create` answers it and as each `data` row of
/// `multiplesingleuse/create` holds it.
#[derive(Deserialize)]
struct LinkRow {
    #[serde(default)]
    single_use_code: SingleUseCode,
    #[serde(default, deserialize_with = "lenient::string")]
    single_use_url: String,
    #[serde(default, deserialize_with = "lenient::string")]
    widget_validation_code: String,
    #[serde(default, deserialize_with = "lenient::string")]
    custom_validation_code: String,
    #[serde(default, deserialize_with = "lenient::string")]
    customid: String,
    /// `multiplesingleuse/create` spells it `sequence_id` and sends an integer (§4) …
    #[serde(default, deserialize_with = "lenient::opt_number")]
    sequence_id: Option<u64>,
    /// … the session replies `sequenceid` as a numeric string.
    #[serde(default, deserialize_with = "lenient::opt_number")]
    sequenceid: Option<u64>,
}

fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// The code itself, or else the last segment of the URL; the doc's stray comma is trimmed.
fn code_of(code: &str, url: &str) -> String {
    let clean = |text: &str| text.trim().trim_end_matches(',').trim().to_owned();
    let code = clean(code);
    if !code.is_empty() {
        return code;
    }
    clean(
        url.trim()
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or(""),
    )
}

impl LinkRow {
    /// None for a row that names no link at all.
    fn into_link(self) -> Option<SingleUseLink> {
        let url = self.single_use_url.trim().to_owned();
        let code = code_of(self.single_use_code.as_str(), &url);
        if code.is_empty() {
            return None;
        }
        let code = SingleUseCode::new(code);
        let widget =
            non_empty(&self.widget_validation_code).unwrap_or_else(|| code.short_code().to_owned());
        Some(SingleUseLink {
            widget_validation_code: widget,
            custom_validation_code: non_empty(&self.custom_validation_code),
            custom_id: non_empty(&self.customid),
            sequence_id: self.sequence_id.or(self.sequenceid),
            url,
            code,
        })
    }
}

#[derive(Deserialize)]
struct ManyReply {
    #[serde(default, deserialize_with = "lenient::list")]
    data: Vec<LinkRow>,
}

/// The reply of `singleuse/remove`: the envelope is enough.
#[derive(Deserialize)]
struct Removed {}

/// A session row of `couponsession/data` (fields at the top, status under `data.status`) or of
/// `campaign/data` (status at the row's top).
#[derive(Deserialize)]
pub(crate) struct SessionRow {
    #[serde(default, deserialize_with = "lenient::string")]
    campaign: String,
    #[serde(default, deserialize_with = "lenient::string")]
    session: String,
    #[serde(default, deserialize_with = "lenient::string")]
    session_url: String,
    #[serde(default, deserialize_with = "lenient::opt_number")]
    sequenceid: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_number")]
    sequence_id: Option<u64>,
    #[serde(default, deserialize_with = "lenient::string")]
    customid: String,
    #[serde(default, deserialize_with = "lenient::one")]
    status: Option<StatusRow>,
    #[serde(default, deserialize_with = "lenient::one")]
    data: Option<NestedData>,
    /// Sandbox decision (the docs do not show where a session keeps its customer).
    #[serde(default, deserialize_with = "lenient::one")]
    user_data: Option<UserRow>,
}

#[derive(Deserialize)]
struct NestedData {
    #[serde(default, deserialize_with = "lenient::one")]
    status: Option<StatusRow>,
    #[serde(default, deserialize_with = "lenient::one")]
    user_data: Option<UserRow>,
}

#[derive(Deserialize, Default)]
struct StatusRow {
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    created_date_utc: Option<OffsetDateTime>,
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    open_date_utc: Option<OffsetDateTime>,
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    claim_date_utc: Option<OffsetDateTime>,
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    validation_date_utc: Option<OffsetDateTime>,
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    voided_date_utc: Option<OffsetDateTime>,
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    unvoided_date_utc: Option<OffsetDateTime>,
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    unlocked_date_utc: Option<OffsetDateTime>,
    /// The help article's `"0"`/`"1"` flags; absent in `campaign/data` rows of some clients.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    validated: Option<bool>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    voided: Option<bool>,
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    expiration_date: Option<OffsetDateTime>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    locked: Option<bool>,
    #[serde(default, deserialize_with = "lenient::string")]
    own_validation_code: String,
    #[serde(default, deserialize_with = "lenient::string")]
    customid: String,
}

#[derive(Deserialize, Default)]
struct UserRow {
    #[serde(default, deserialize_with = "lenient::string")]
    email: String,
    #[serde(default, deserialize_with = "lenient::string")]
    firstname: String,
    #[serde(default, deserialize_with = "lenient::string")]
    lastname: String,
    #[serde(default, deserialize_with = "lenient::string")]
    phone: String,
}

impl SessionRow {
    /// None for a row that names no session.
    pub(crate) fn into_session(self, campaign_asked: &str) -> Option<SessionData> {
        let url = self.session_url.trim().to_owned();
        let code = code_of(&self.session, &url);
        if code.is_empty() {
            return None;
        }
        let (nested_status, nested_user) = match self.data {
            Some(d) => (d.status, d.user_data),
            None => (None, None),
        };
        // `couponsession/data` keeps the status under `data`, and its top-level `status` is
        // the envelope; `campaign/data` rows keep it at the row's top.
        let status = nested_status.or(self.status).unwrap_or_default();
        let user = self.user_data.or(nested_user).unwrap_or_default();
        let campaign = non_empty(&self.campaign).unwrap_or_else(|| campaign_asked.to_owned());
        Some(SessionData {
            campaign,
            code: SingleUseCode::new(code),
            url,
            sequence_id: self.sequenceid.or(self.sequence_id),
            custom_id: non_empty(&self.customid).or_else(|| non_empty(&status.customid)),
            created_at: status.created_date_utc,
            opened_at: status.open_date_utc,
            claimed_at: status.claim_date_utc,
            validated_at: status.validation_date_utc,
            voided_at: status.voided_date_utc,
            validated: in_force(status.validated, status.validation_date_utc, None),
            voided: in_force(
                status.voided,
                status.voided_date_utc,
                status.unvoided_date_utc,
            ),
            expires_at: status.expiration_date,
            own_validation_code: non_empty(&status.own_validation_code),
            // No lock date is documented, only its undo: without the flag, not locked.
            locked: in_force(status.locked, None, status.unlocked_date_utc),
            email: non_empty(&user.email),
            first_name: non_empty(&user.firstname),
            last_name: non_empty(&user.lastname),
            phone: non_empty(&user.phone),
        })
    }
}

#[derive(Deserialize)]
struct SessionsPage {
    #[serde(default, deserialize_with = "lenient::opt_number")]
    amount_of_results: Option<u64>,
    #[serde(default, deserialize_with = "lenient::list")]
    data: Vec<SessionRow>,
}

impl SessionsPage {
    fn into_sessions(self, campaign: &str) -> Vec<SessionData> {
        self.data
            .into_iter()
            .filter_map(|row| row.into_session(campaign))
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Local refusals

/// A request the checks refuse is never sent: the error carries the check's field and plain
/// sentence (commands run the same checks first and show them beside the field).
fn refused_locally(problem: FieldProblem) -> ApiError {
    ApiError::Invalid(problem)
}

/// An OK reply to a write that does not say what was made: the links may exist.
fn unknown(endpoint: Endpoint, detail: &str) -> ApiError {
    ApiError::OutcomeUnknown {
        endpoint,
        detail: format!("unknown reply: {detail}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Calls

/// The paging of `campaign/data` and its siblings, shared by `client.campaigns()` and
/// `client.sessions()`.
impl Client {
    /// One page of `campaign/data` or of its siblings `campaign/opens|claims|validations`
    /// (the same query and rows), with the reply's `amount_of_results`.
    pub(crate) async fn sessions_page_of(
        &self,
        endpoint: Endpoint,
        query: &CampaignSessionsQuery,
        page: u32,
    ) -> Result<(Vec<SessionData>, Option<u64>), ApiError> {
        let body = query.to_body(page).map_err(refused_locally)?;
        let reply: SessionsPage = self.transport().v3(endpoint, &body).await?;
        let total = reply.amount_of_results;
        let campaign = body["campaign"].as_str().unwrap_or_default().to_owned();
        Ok((reply.into_sessions(&campaign), total))
    }

    /// Every page of `campaign/data` or a sibling, by the rules of `CampaignsApi::data`.
    pub(crate) async fn all_sessions_of(
        &self,
        endpoint: Endpoint,
        query: &CampaignSessionsQuery,
    ) -> Result<Vec<SessionData>, ApiError> {
        let mut all: Vec<SessionData> = Vec::new();
        let mut seen: HashSet<SingleUseCode> = HashSet::new();
        for page in 1..=MAX_PAGES {
            let rows = match self.sessions_page_of(endpoint, query, page).await {
                Ok((rows, _count)) => rows,
                // A server that refuses a page past the end instead of answering it empty.
                Err(e) if page > 1 && e.is_refusal_of_page() => break,
                Err(e) => return Err(e),
            };
            let mut new = 0;
            for row in rows {
                if seen.insert(row.code.clone()) {
                    all.push(row);
                    new += 1;
                }
            }
            if new == 0 {
                break;
            }
        }
        Ok(all)
    }
}

/// Single-use coupon links, `client.single_use()`: making one or many, removing one. Every
/// call is a WRITE, never repeated blindly (§5.4).
#[derive(Clone, Copy, Debug)]
pub struct SingleUseApi<'a> {
    client: &'a Client,
}

impl Client {
    pub fn single_use(&self) -> SingleUseApi<'_> {
        SingleUseApi { client: self }
    }
}

impl<'a> SingleUseApi<'a> {
    /// `POST singleuse/create`: one single-use link, optionally pre-filled with the customer.
    /// A WRITE: after a lost reply the error is `OutcomeUnknown` (look the customer up with
    /// `client.sessions().search`, or list the campaign's sessions, before making another).
    pub async fn create(&self, request: &SingleUseRequest) -> Result<SingleUseLink, ApiError> {
        let body = request.to_body().map_err(refused_locally)?;
        let reply: LinkRow = self
            .client
            .transport()
            .v3(Endpoint::SingleUseCreate, &body)
            .await?;
        reply.into_link().ok_or_else(|| {
            unknown(
                Endpoint::SingleUseCreate,
                "Coupontools answered OK without the link",
            )
        })
    }

    /// `POST multiplesingleuse/create`: `amount` links at once (1–100 000), in the reply's
    /// order. A WRITE. Rows without a code are dropped, so the caller compares the count with
    /// `amount`; an OK with no link at all is `OutcomeUnknown` (the links may exist: list the
    /// campaign's sessions).
    pub async fn create_many(
        &self,
        request: &ManySingleUseRequest,
    ) -> Result<Vec<SingleUseLink>, ApiError> {
        let body = request.to_body().map_err(refused_locally)?;
        let reply: ManyReply = self
            .client
            .transport()
            .v3(Endpoint::MultipleSingleUseCreate, &body)
            .await?;
        let links: Vec<SingleUseLink> = reply
            .data
            .into_iter()
            .filter_map(LinkRow::into_link)
            .collect();
        if links.is_empty() {
            return Err(unknown(
                Endpoint::MultipleSingleUseCreate,
                "Coupontools answered OK without any link",
            ));
        }
        Ok(links)
    }

    /// `POST singleuse/remove` (§10): removes one link by its 21-character code. A WRITE. An
    /// unknown or already removed code is refused with 505 "Couponsession not found.".
    pub async fn remove(&self, campaign: &str, code: &SingleUseCode) -> Result<(), ApiError> {
        let campaign = validate::coupon_campaign_id(campaign).map_err(refused_locally)?;
        let code = validate::session_code_from_text(code.as_str()).map_err(refused_locally)?;
        let body = serde_json::json!({ "campaign": campaign, "couponsession": code.as_str() });
        let _: Removed = self
            .client
            .transport()
            .v3(Endpoint::SingleUseRemove, &body)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::decode_v3;
    use serde_json::json;
    use time::macros::datetime;

    fn decode<T: serde::de::DeserializeOwned>(body: &str) -> T {
        decode_v3::<T>(200, body.as_bytes()).unwrap_or_else(|e| panic!("{body}: {e:?}"))
    }

    #[test]
    fn single_use_body_uses_the_api_names_and_leaves_blanks_out() {
        let request = SingleUseRequest {
            campaign: " CAM_104211 ".into(),
            first_name: Some(" Ann ".into()),
            last_name: Some(" ".into()),
            email: Some("ann@shop.test".into()),
            phone: Some("+32 470 12 34 56".into()),
            custom_id: Some("crm-7".into()),
            custom_validation_code: Some("BAR123".into()),
            duplicate_check: true,
        };
        assert_eq!(
            request.to_body().unwrap(),
            json!({"campaign": "cam_104211", "firstname": "Ann", "email": "ann@shop.test",
                   "phone": "+32 470 12 34 56", "customid": "crm-7", "customvalcode": "BAR123",
                   "duplicate_check": true})
        );
        let plain = SingleUseRequest {
            campaign: "cam_1".into(),
            ..SingleUseRequest::default()
        };
        assert_eq!(plain.to_body().unwrap(), json!({"campaign": "cam_1"}));
    }

    #[test]
    fn single_use_body_refuses_what_coupontools_would() {
        for (request, field) in [
            (SingleUseRequest::default(), "campaign"),
            (
                SingleUseRequest {
                    campaign: "dir_7002".into(),
                    ..Default::default()
                },
                "campaign",
            ),
            (
                SingleUseRequest {
                    campaign: "cam_1".into(),
                    email: Some("ann@".into()),
                    ..Default::default()
                },
                "email",
            ),
            (
                SingleUseRequest {
                    campaign: "cam_1".into(),
                    phone: Some("call me".into()),
                    ..Default::default()
                },
                "phone",
            ),
            (
                SingleUseRequest {
                    campaign: "cam_1".into(),
                    first_name: Some("A\nB".into()),
                    ..Default::default()
                },
                "firstName",
            ),
        ] {
            assert_eq!(request.to_body().unwrap_err().field, field, "{request:?}");
        }
    }

    #[test]
    fn many_body_sends_amount_as_digits_and_automated_codes() {
        let request = ManySingleUseRequest {
            campaign: "cam_1".into(),
            amount: 1200,
            status: SingleUseStatus::Voided,
            automated_codes: Some(AutomatedCodes {
                prefix: "SPR-".into(),
                length: 12,
                code_type: CodeType::Numeric,
            }),
        };
        assert_eq!(
            request.to_body().unwrap(),
            json!({"campaign": "cam_1", "amount": "1200", "status": "voided", "automated_codes": true,
                   "code_prefix": "SPR-", "code_length": 12, "code_type": "numeric"})
        );
        let plain = ManySingleUseRequest {
            campaign: "cam_1".into(),
            amount: 10,
            ..Default::default()
        };
        assert_eq!(
            plain.to_body().unwrap(),
            json!({"campaign": "cam_1", "amount": "10", "status": "normal"})
        );
        for (bad, field) in [
            (
                ManySingleUseRequest {
                    amount: 0,
                    ..plain.clone()
                },
                "amount",
            ),
            (
                ManySingleUseRequest {
                    amount: 100_001,
                    ..plain.clone()
                },
                "amount",
            ),
            (
                ManySingleUseRequest {
                    automated_codes: Some(AutomatedCodes {
                        prefix: "a b".into(),
                        length: 10,
                        code_type: CodeType::Numeric,
                    }),
                    ..plain.clone()
                },
                "codePrefix",
            ),
            (
                ManySingleUseRequest {
                    automated_codes: Some(AutomatedCodes {
                        prefix: String::new(),
                        length: 9,
                        code_type: CodeType::Numeric,
                    }),
                    ..plain.clone()
                },
                "codeLength",
            ),
        ] {
            assert_eq!(bad.to_body().unwrap_err().field, field, "{bad:?}");
        }
    }

    #[test]
    fn sessions_query_sends_minutes_in_utc() {
        use time::macros::offset;
        let q = CampaignSessionsQuery {
            campaign: "cam_1".into(),
            start: Some(datetime!(2025-03-01 10:15:59 UTC)),
            end: Some(datetime!(2025-03-01 13:00:00).assume_offset(offset!(+2))),
        };
        assert_eq!(
            q.to_body(3).unwrap(),
            json!({"campaign": "cam_1", "page": 3, "start_date": "2025-03-01 10:15", "end_date": "2025-03-01 11:00"})
        );
        let backwards = CampaignSessionsQuery {
            campaign: "cam_1".into(),
            start: Some(datetime!(2025-03-02 0:00 UTC)),
            end: Some(datetime!(2025-03-01 0:00 UTC)),
        };
        assert_eq!(backwards.to_body(1).unwrap_err().field, "start");
        let plain = CampaignSessionsQuery {
            campaign: "cam_1".into(),
            ..Default::default()
        };
        assert_eq!(
            plain.to_body(0).unwrap(),
            json!({"campaign": "cam_1", "page": 1})
        );
    }

    #[test]
    fn create_reply_per_section_5_4() {
        let row: LinkRow = decode(
            r#"{"status":{"status":"OK"},"campaign":"cam_1","action":"single_use_code_created",
            "single_use_code":"5f3jupt49d27udvwpnsar","single_use_url":"https://digicpn.com/p/abc123/5f3jupt49d27udvwpnsar",
            "widget_validation_code":"5f3jup","custom_validation_code":"","customid":"crm-7","sequenceid":"19878460"}"#,
        );
        assert_eq!(
            row.into_link().unwrap(),
            SingleUseLink {
                code: SingleUseCode::new("5f3jupt49d27udvwpnsar"),
                url: "https://digicpn.com/p/abc123/5f3jupt49d27udvwpnsar".into(),
                widget_validation_code: "5f3jup".into(),
                custom_validation_code: None,
                custom_id: Some("crm-7".into()),
                sequence_id: Some(19_878_460),
            }
        );
    }

    #[test]
    fn widget_code_falls_back_to_the_first_six_and_the_code_to_the_url() {
        let row: LinkRow = decode(
            r#"{"status":{"status":"OK"},"single_use_url":"https://digicpn.com/p/abc123/kkfiznr8yp8630h82es8d/"}"#,
        );
        let link = row.into_link().unwrap();
        assert_eq!(link.code.as_str(), "kkfiznr8yp8630h82es8d");
        assert_eq!(link.widget_validation_code, "kkfizn");
        assert_eq!(link.sequence_id, None);
        let nothing: LinkRow = decode(r#"{"status":{"status":"OK"},"action":"x"}"#);
        assert!(nothing.into_link().is_none());
    }

    #[test]
    fn many_reply_with_leading_space_action_and_integer_sequence_ids() {
        let reply: ManyReply = decode(
            r#"{"status":{"status":"OK"},"campaign":"cam_15111","action":" multiple_single_use_codes_created","data":[
            {"single_use_code":"aaaaaaaaaaaaaaaaaaaa1","sequence_id":18001837,"single_use_url":"https://digicpn.com/p/abc123/aaaaaaaaaaaaaaaaaaaa1","widget_validation_code":"aaaaaa","custom_validation_code":"SPR-0012345678"},
            {"single_use_code":"aaaaaaaaaaaaaaaaaaaa2","sequence_id":"18001838","single_use_url":"u","widget_validation_code":"","custom_validation_code":null},
            {"single_use_code":"","single_use_url":""}]}"#,
        );
        let links: Vec<_> = reply
            .data
            .into_iter()
            .filter_map(LinkRow::into_link)
            .collect();
        assert_eq!(links.len(), 2, "a row without a code is dropped");
        assert_eq!(links[0].sequence_id, Some(18_001_837));
        assert_eq!(
            links[0].custom_validation_code.as_deref(),
            Some("SPR-0012345678")
        );
        assert_eq!(links[1].sequence_id, Some(18_001_838));
        assert_eq!(links[1].widget_validation_code, "aaaaaa");
        assert_eq!(links[1].custom_validation_code, None);
    }

    #[test]
    fn a_wrongly_typed_sequence_id_names_its_path() {
        let body =
            r#"{"status":{"status":"OK"},"data":[{"single_use_code":"a","sequence_id":"x1"}]}"#;
        match decode_v3::<ManyReply>(200, body.as_bytes()) {
            Err(ApiError::Decode { path, .. }) => assert_eq!(path, "data[0].sequence_id"),
            other => panic!("{:?}", other.map(|_| ())),
        }
    }

    /// The doc-old example of §5.3 with the help article's fuller status.
    const SESSION_DATA: &str = r#"{"status":{"status":"OK"},"campaign":"cam_12345","action":"retrieve_all_session_data",
        "session":"kkfiznr8Yp8630h82es8d,","session_url":"https://digicpn.com/p/v6n7gn/kkfiznr8Yp8630h82es8d",
        "sequenceid":"19878460","customid":"",
        "data":{"status":{"created_date_utc":"2019-03-25 10:43:50","opened":"1","open_date_utc":"2019-03-25 10:43:55",
          "played":"0","played_date_utc":"","claimed":"1","claim_date_utc":"2019-03-25 10:44:05","claimtype":"",
          "saved_to_passbook":"0","validated":"0","validation_date_utc":"","voided":"0","voided_date_utc":"",
          "locked":"1","own_validation_code":"ding_COdHepKvqNrNC8OU","customid":"crm-7",
          "expiration_date":"2019-03-02 02:00:00","utm_campaign":null}},
        "user_data":{"email":"ann@shop.test","firstname":"Ann","lastname":"","phone":"+32470"}}"#;

    #[test]
    fn session_data_reply_per_section_5_3() {
        let row: SessionRow = decode(SESSION_DATA);
        let s = row.into_session("").unwrap();
        assert_eq!(
            s,
            SessionData {
                campaign: "cam_12345".into(),
                code: SingleUseCode::new("kkfiznr8Yp8630h82es8d"),
                url: "https://digicpn.com/p/v6n7gn/kkfiznr8Yp8630h82es8d".into(),
                sequence_id: Some(19_878_460),
                custom_id: Some("crm-7".into()),
                created_at: Some(datetime!(2019-03-25 10:43:50 UTC)),
                opened_at: Some(datetime!(2019-03-25 10:43:55 UTC)),
                claimed_at: Some(datetime!(2019-03-25 10:44:05 UTC)),
                validated_at: None,
                voided_at: None,
                validated: false,
                voided: false,
                expires_at: Some(datetime!(2019-03-02 02:00:00 UTC)),
                own_validation_code: Some("ding_COdHepKvqNrNC8OU".into()),
                locked: true,
                email: Some("ann@shop.test".into()),
                first_name: Some("Ann".into()),
                last_name: None,
                phone: Some("+32470".into()),
            }
        );
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["createdAt"], "2019-03-25T10:43:50Z");
        assert_eq!(json["validatedAt"], Value::Null);
        assert_eq!(json["ownValidationCode"], "ding_COdHepKvqNrNC8OU");
    }

    /// Void, then Undo void, as the help article's example reads then: the flag says "0", the
    /// void date stays and the undo date is added. Not voided — and the same without flags.
    #[test]
    fn a_void_that_was_undone_is_not_voided() {
        let undone = SESSION_DATA
            .replace(
                r#""voided_date_utc":"""#,
                r#""voided_date_utc":"2019-03-25 10:45:00","unvoided_date_utc":"2019-03-25 10:46:00""#,
            )
            .replace(r#""locked":"1""#, r#""locked":"0""#);
        let s = decode::<SessionRow>(&undone).into_session("").unwrap();
        assert!(s.voided_at.is_some() && !s.voided && !s.locked, "{s:?}");
        let voided = undone.replace(r#""voided":"0""#, r#""voided":"1""#);
        assert!(
            decode::<SessionRow>(&voided)
                .into_session("")
                .unwrap()
                .voided
        );
        let no_flag = undone.replace(r#""voided":"0","#, "");
        assert!(!no_flag.contains(r#""voided":"#));
        assert!(
            !decode::<SessionRow>(&no_flag)
                .into_session("")
                .unwrap()
                .voided
        );
        let revoided = no_flag.replace(
            r#""unvoided_date_utc":"2019-03-25 10:46:00""#,
            r#""unvoided_date_utc":"2019-03-25 10:44:00""#,
        );
        assert!(
            decode::<SessionRow>(&revoided)
                .into_session("")
                .unwrap()
                .voided
        );
        let used_flag_only = SESSION_DATA.replace(r#""validated":"0""#, r#""validated":"1""#);
        assert!(
            decode::<SessionRow>(&used_flag_only)
                .into_session("")
                .unwrap()
                .validated
        );
    }

    #[test]
    fn campaign_data_rows_take_the_campaign_asked_when_silent() {
        let page: SessionsPage = decode(
            r#"{"status":{"status":"OK"},"amount_of_results":"2","data":[
            {"session":"aaaaaaaaaaaaaaaaaaaa1","sequenceid":"5","status":{"open_date_utc":"","locked":"0","own_validation_code":""}},
            {"session":"aaaaaaaaaaaaaaaaaaaa2","sequenceid":6,"status":[]}]}"#,
        );
        assert_eq!(page.amount_of_results, Some(2));
        let rows = page.into_sessions("cam_9");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].campaign, "cam_9");
        assert_eq!(rows[0].url, "");
        assert_eq!(rows[1].sequence_id, Some(6));
        assert!(!rows[1].locked && rows[1].own_validation_code.is_none());
    }

    #[test]
    fn a_wrongly_typed_session_date_names_its_path() {
        let body = SESSION_DATA.replace("2019-03-25 10:44:05", "25/03/2019");
        match decode_v3::<SessionRow>(200, body.as_bytes()) {
            Err(ApiError::Decode { path, .. }) => {
                assert_eq!(path, "data.status.claim_date_utc")
            }
            other => panic!("{:?}", other.map(|_| ())),
        }
    }

    #[test]
    fn local_refusals_carry_the_field_and_the_plain_sentence() {
        let problem = validate::single_use_amount("100001").unwrap_err();
        let error = refused_locally(problem.clone());
        assert_eq!((error.code(), error.field()), (None, Some("amount")));
        assert_eq!(error.words().0, problem.message);
        assert!(!error.is_account_failure() && !error.outcome_unknown());
    }

    #[test]
    fn statuses_and_code_types_speak_the_api_words() {
        assert_eq!(
            [
                SingleUseStatus::Normal,
                SingleUseStatus::Voided,
                SingleUseStatus::Activated
            ]
            .map(SingleUseStatus::as_str),
            ["normal", "voided", "activated"]
        );
        assert_eq!(
            serde_json::to_value([CodeType::Numeric, CodeType::Alphanumeric]).unwrap(),
            json!(["numeric", "alphanumeric"])
        );
        assert_eq!(
            serde_json::from_value::<SingleUseStatus>(json!("voided")).unwrap(),
            SingleUseStatus::Voided
        );
    }
}
