//! The subaccount handler, `client.subaccounts()`: list, info, create, update, password-reset
//! link and single sign-on (§5.2, routes per §10 "Subaccount routes").
//!
//! A subaccount's API key and secret arrive with its info; they are kept as [`Secret`]s, never
//! serialized to the window and never printed. The SSO reply's login URL carries a one-time
//! token: [`SsoLogin`] hides it from `Debug`, and nothing here logs a reply body.
//!
//! Create, update, reset and SSO are writes: never repeated blindly (a repeated create would
//! meet 304 "Email already exists"; a repeated SSO would burn a token).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::client::Client;
use super::config::Secret;
use super::endpoints::Endpoint;
use super::error::ApiError;
use super::lenient;
use super::validate::{self, FieldProblem};

/// A campaign a subaccount owns (§5.2: `{ID, code, url, status}`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SubaccountCampaign {
    #[serde(alias = "ID", deserialize_with = "lenient::string")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub code: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub url: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub status: String,
}

/// A subaccount as `subaccount/list` and `subaccount` show it (§5.2 "Get subaccount").
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Subaccount {
    #[serde(alias = "ID", deserialize_with = "lenient::string")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub email: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub username: String,
    #[serde(default, alias = "first_name", deserialize_with = "lenient::string")]
    pub first_name: String,
    #[serde(default, alias = "last_name", deserialize_with = "lenient::string")]
    pub last_name: String,
    #[serde(default, alias = "company_name", deserialize_with = "lenient::string")]
    pub company_name: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub language: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub currency: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub country: String,
    /// `trial` or `customer` when the reply says (§5.2 create).
    #[serde(default, deserialize_with = "lenient::string")]
    pub status: String,
    #[serde(
        default,
        alias = "lastlogin",
        deserialize_with = "loose_datetime",
        serialize_with = "lenient::ser_opt_datetime"
    )]
    pub last_login: Option<OffsetDateTime>,
    #[serde(default, alias = "amountlogin", deserialize_with = "loose_number")]
    pub logins: Option<u64>,
    #[serde(default, alias = "max_campaigns", deserialize_with = "loose_number")]
    pub max_campaigns: Option<u64>,
    #[serde(default, alias = "has_campaigns", deserialize_with = "loose_number")]
    pub has_campaigns: Option<u64>,
    /// The doc example shows `"en"` here (a doc bug): anything not a number is None.
    #[serde(
        default,
        alias = "available_campaigns",
        deserialize_with = "loose_number"
    )]
    pub available_campaigns: Option<u64>,
    /// `yyyy-MM-dd`, "" when none.
    #[serde(default, alias = "expiry_date", deserialize_with = "lenient::string")]
    pub expiry_date: String,
    #[serde(
        default,
        alias = "webhook_endpoint",
        deserialize_with = "lenient::string"
    )]
    pub webhook_endpoint: String,
    #[serde(default, deserialize_with = "lenient::list")]
    pub campaigns: Vec<SubaccountCampaign>,
    /// Every `access_*` flag of the reply (the list was not captured in full), by name.
    #[serde(skip_deserializing)]
    pub access: BTreeMap<String, bool>,
    /// Never sent to the window or printed.
    #[serde(
        default,
        alias = "api_key",
        deserialize_with = "secret",
        skip_serializing
    )]
    pub api_key: Option<Secret>,
    #[serde(
        default,
        alias = "api_secret",
        deserialize_with = "secret",
        skip_serializing
    )]
    pub api_secret: Option<Secret>,
}

impl Subaccount {
    /// Both keys are there, so the subaccount can be added as an account of its own.
    pub fn has_api_keys(&self) -> bool {
        self.api_key.as_ref().is_some_and(|k| !k.is_empty())
            && self.api_secret.as_ref().is_some_and(|s| !s.is_empty())
    }

    /// The name a person knows it by: the company, else the name, else the e-mail.
    pub fn display_name(&self) -> String {
        let full = format!("{} {}", self.first_name.trim(), self.last_name.trim());
        let found = [self.company_name.trim(), full.trim(), self.email.trim()]
            .into_iter()
            .find(|s| !s.is_empty())
            .map(str::to_owned);
        found.unwrap_or_else(|| self.id.clone())
    }
}

/// The reply object with the `access_*` flags gathered, whatever their names.
struct WithAccess(Subaccount);

impl<'de> Deserialize<'de> for WithAccess {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Map::<String, Value>::deserialize(d)?;
        let access = raw
            .iter()
            .filter(|(k, _)| k.starts_with("access_"))
            .map(|(k, v)| {
                let on = match v {
                    Value::Bool(b) => *b,
                    Value::Number(n) => n.as_u64().is_some_and(|n| n != 0),
                    Value::String(s) => matches!(s.trim(), "1" | "true" | "yes"),
                    _ => false,
                };
                (k["access_".len()..].to_owned(), on)
            })
            .collect();
        let mut sub: Subaccount =
            serde_json::from_value(Value::Object(raw)).map_err(serde::de::Error::custom)?;
        sub.access = access;
        Ok(WithAccess(sub))
    }
}

/// A subaccount's key or secret: kept out of every log line from the moment it is read, whether
/// or not it is ever saved.
fn secret<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
    let text = lenient::string(d)?;
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    super::redaction::remember_for_redaction(text);
    Ok(Some(Secret::new(text.to_owned())))
}

/// A count, or None for anything that is not one (`""`, the doc's `"en"`).
fn loose_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let text = lenient::string(d)?;
    Ok(text.trim().parse::<u64>().ok())
}

fn loose_datetime<'de, D: Deserializer<'de>>(d: D) -> Result<Option<OffsetDateTime>, D::Error> {
    let text = lenient::string(d)?;
    Ok(lenient::parse_datetime(&text).ok().flatten())
}

/// The fields of a subaccount to create or change; None = leave out (update: unchanged).
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SubaccountFields {
    pub email: Option<String>,
    pub password: Option<String>,
    pub package: Option<String>,
    pub status: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub country: Option<String>,
    pub company_name: Option<String>,
    pub expiry_date: Option<String>,
}

// Hand-written: the password never reaches a log line.
impl fmt::Debug for SubaccountFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubaccountFields")
            .field("email", &self.email)
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .field("status", &self.status)
            .field("country", &self.country)
            .field("expiry_date", &self.expiry_date)
            .finish_non_exhaustive()
    }
}

impl SubaccountFields {
    /// Checks every field given and returns the body with the API's names (§5.2 create).
    /// `create`: the e-mail is required.
    pub fn to_body(&self, create: bool) -> Result<Map<String, Value>, FieldProblem> {
        fn given(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|v| !v.is_empty())
        }
        let mut body = Map::new();
        match (given(&self.email), create) {
            (Some(email), _) => {
                body.insert("email".into(), validate::subaccount_email(email)?.into());
            }
            (None, true) => {
                validate::subaccount_email("")?;
            }
            (None, false) => {}
        }
        if let Some(password) = validate::subaccount_password(self.password.as_deref())? {
            body.insert("password".into(), password.into());
        }
        if let Some(package) = validate::package_id(self.package.as_deref())? {
            body.insert("package".into(), package.into());
        }
        if let Some(status) = given(&self.status) {
            body.insert("status".into(), validate::subaccount_status(status)?.into());
        }
        for (key, field, value) in [
            ("first_name", "firstName", &self.first_name),
            ("last_name", "lastName", &self.last_name),
            ("company_name", "companyName", &self.company_name),
        ] {
            if let Some(text) = validate::subaccount_text(value.as_deref(), field)? {
                body.insert(key.into(), text.into());
            }
        }
        if let Some(country) = given(&self.country) {
            body.insert("country".into(), validate::country_code(country)?.into());
        }
        if let Some(date) = given(&self.expiry_date) {
            body.insert("expiry_date".into(), validate::expiry_date(date)?.into());
        }
        Ok(body)
    }
}

impl SubaccountFields {
    /// Whether `sub` already shows every field given (the re-read after a lost update reply).
    /// Fields the info reply does not show (the password, the package) cannot tell: a change of
    /// only those is never taken as shown, so the person is asked to check.
    pub fn are_shown_by(&self, sub: &Subaccount) -> bool {
        let Ok(body) = self.to_body(false) else {
            return false;
        };
        let mut readable = 0;
        let all_shown = body.iter().all(|(key, value)| {
            let want = value.as_str().unwrap_or_default();
            let have = match key.as_str() {
                "email" => &sub.email,
                "status" => &sub.status,
                "first_name" => &sub.first_name,
                "last_name" => &sub.last_name,
                "company_name" => &sub.company_name,
                "country" => &sub.country,
                "expiry_date" => &sub.expiry_date,
                _ => return true,
            };
            readable += 1;
            have.trim().eq_ignore_ascii_case(want)
        });
        all_shown && readable > 0
    }
}

/// Where "Log in as this subaccount" goes. The URL carries a one-time token: shown to nobody,
/// opened once in the browser.
#[derive(Clone, Deserialize)]
pub struct SsoLogin {
    #[serde(alias = "ID", default, deserialize_with = "lenient::string")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub url: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub url_whitelabel: String,
}

impl fmt::Debug for SsoLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SsoLogin")
            .field("id", &self.id)
            .field("url", &"[one-time link]")
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct ListReply {
    #[serde(default, deserialize_with = "lenient::list")]
    subaccounts: Vec<WithAccess>,
}

#[derive(Deserialize)]
struct OneReply {
    #[serde(default, deserialize_with = "lenient::one")]
    subaccount: Option<WithAccess>,
}

#[derive(Deserialize)]
struct UrlReply {
    #[serde(default, deserialize_with = "lenient::string")]
    url: String,
}

#[derive(Deserialize)]
struct SsoReply {
    #[serde(default, deserialize_with = "lenient::one")]
    subaccount: Option<SsoLogin>,
}

fn refused_locally(problem: FieldProblem) -> ApiError {
    ApiError::Invalid(problem)
}

fn missing(path: &str, what: &str) -> ApiError {
    ApiError::Decode {
        status: 200,
        path: path.into(),
        detail: format!("the reply holds no {what}"),
    }
}

/// The subaccount domain of the API, `client.subaccounts()`. Cheap: a borrowed client.
#[derive(Clone, Copy, Debug)]
pub struct SubaccountsApi<'a> {
    client: &'a Client,
}

impl Client {
    /// Subaccounts of a business with several shops (§5.2).
    pub fn subaccounts(&self) -> SubaccountsApi<'_> {
        SubaccountsApi { client: self }
    }
}

impl<'a> SubaccountsApi<'a> {
    /// `POST /v4/subaccount/list`.
    pub async fn list(&self) -> Result<Vec<Subaccount>, ApiError> {
        let reply: ListReply = self
            .client
            .transport()
            .v3(Endpoint::SubaccountList, &serde_json::json!({}))
            .await?;
        Ok(reply.subaccounts.into_iter().map(|s| s.0).collect())
    }

    /// `POST /v4/subaccount`: one subaccount with its campaigns, counters and access flags.
    pub async fn info(&self, subaccount: &str) -> Result<Subaccount, ApiError> {
        let id = validate::subaccount_id(subaccount).map_err(refused_locally)?;
        let reply: OneReply = self
            .client
            .transport()
            .v3(
                Endpoint::SubaccountInfo,
                &serde_json::json!({ "subaccount": id }),
            )
            .await?;
        reply
            .subaccount
            .map(|s| s.0)
            .ok_or_else(|| missing("subaccount", "subaccount"))
    }

    /// `POST /v4/subaccount/create`: 200 missing e-mail, 303 expiry date format, 304 e-mail
    /// taken, 305 e-mail not valid. Returns at least the new ID.
    pub async fn create(&self, fields: &SubaccountFields) -> Result<Subaccount, ApiError> {
        let body = fields.to_body(true).map_err(refused_locally)?;
        let reply: OneReply = self
            .client
            .transport()
            .v3(Endpoint::SubaccountCreate, &Value::Object(body))
            .await?;
        reply
            .subaccount
            .map(|s| s.0)
            .filter(|s| !s.id.is_empty())
            .ok_or_else(|| missing("subaccount.ID", "new subaccount"))
    }

    /// `POST /v4/subaccount/update` (§10): only the fields given change. Returns the
    /// subaccount when the reply shows it.
    pub async fn update(
        &self,
        subaccount: &str,
        fields: &SubaccountFields,
    ) -> Result<Option<Subaccount>, ApiError> {
        let id = validate::subaccount_id(subaccount).map_err(refused_locally)?;
        let mut body = fields.to_body(false).map_err(refused_locally)?;
        body.insert("subaccount".into(), id.into());
        let reply: OneReply = self
            .client
            .transport()
            .v3(Endpoint::SubaccountUpdate, &Value::Object(body))
            .await?;
        Ok(reply.subaccount.map(|s| s.0))
    }

    /// `POST /v3/subaccount/reset/url`: a link where the subaccount sets a new password.
    pub async fn reset_url(&self, subaccount: &str) -> Result<String, ApiError> {
        let id = validate::subaccount_id(subaccount).map_err(refused_locally)?;
        let reply: UrlReply = self
            .client
            .transport()
            .v3(
                Endpoint::SubaccountResetUrl,
                &serde_json::json!({ "subaccount": id }),
            )
            .await?;
        Some(reply.url)
            .filter(|u| !u.trim().is_empty())
            .ok_or_else(|| missing("url", "link"))
    }

    /// `POST /v3/subaccount/sso`: a one-time login link (510 unknown subaccount).
    pub async fn sso(&self, subaccount: &str) -> Result<SsoLogin, ApiError> {
        let id = validate::subaccount_id(subaccount).map_err(refused_locally)?;
        let reply: SsoReply = self
            .client
            .transport()
            .v3(
                Endpoint::SubaccountSso,
                &serde_json::json!({ "subaccount": id }),
            )
            .await?;
        reply
            .subaccount
            .filter(|s| !s.url.trim().is_empty())
            .ok_or_else(|| missing("subaccount.url", "login link"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::decode_v3;

    /// §5.2's doc-old example, made valid JSON (its duplicate keys and missing commas dropped).
    const INFO: &str = r#"{"status":{"status":"OK"},"subaccount":{"ID":"sub_1536","email":"","username":"JohnDoe",
        "first_name":"John","last_name":"Doe","company_name":"Company inc.","language":"en","currency":"USD",
        "lastlogin":"2017-01-26 19:29:00","amountlogin":"5","max_campaigns":"4","has_campaigns":"2",
        "available_campaigns":"en","expiry_date":"2017-12-31","api_key":"449141535434874233217388236",
        "api_secret":"abcdefghijklmnopqrstuvwxyz1234","webhook_endpoint":"",
        "campaigns":[{"ID":"cam_123456","code":"abc123","url":"","status":"active"}],
        "access_dashboard":true,"access_directory":false}}"#;

    #[test]
    fn the_doc_example_decodes_and_hides_its_keys() {
        let reply: OneReply = decode_v3(200, INFO.as_bytes()).unwrap();
        let sub = reply.subaccount.unwrap().0;
        assert_eq!(sub.id, "sub_1536");
        assert_eq!(sub.logins, Some(5));
        assert_eq!(sub.max_campaigns, Some(4));
        assert_eq!(sub.available_campaigns, None);
        assert_eq!(sub.campaigns[0].id, "cam_123456");
        assert_eq!(sub.access.get("dashboard"), Some(&true));
        assert_eq!(sub.access.get("directory"), Some(&false));
        assert!(sub.has_api_keys());
        assert_eq!(sub.display_name(), "Company inc.");
        let shown = serde_json::to_string(&sub).unwrap() + &format!("{sub:?}");
        assert!(
            !shown.contains("449141535434874233217388236")
                && !shown.contains("abcdefghijklmnopqrstuvwxyz1234"),
            "{shown}"
        );
    }

    #[test]
    fn fields_become_the_api_body_after_their_checks() {
        let fields = SubaccountFields {
            email: Some(" shop2@example.com ".into()),
            status: Some("Trial".into()),
            country: Some("be".into()),
            expiry_date: Some("2027-06-30".into()),
            company_name: Some("Corner Bakery Gent".into()),
            ..SubaccountFields::default()
        };
        let body = fields.to_body(true).unwrap();
        assert_eq!(
            Value::Object(body),
            serde_json::json!({"email": "shop2@example.com", "status": "trial", "country": "BE",
                "expiry_date": "2027-06-30", "company_name": "Corner Bakery Gent"})
        );
        let bad = SubaccountFields {
            expiry_date: Some("30/06/2027".into()),
            ..fields.clone()
        };
        assert_eq!(bad.to_body(true).unwrap_err().field, "expiryDate");
        assert_eq!(
            SubaccountFields::default().to_body(true).unwrap_err().field,
            "email"
        );
        assert!(SubaccountFields::default()
            .to_body(false)
            .unwrap()
            .is_empty());
        let mut shown = Subaccount {
            email: "shop2@example.com".into(),
            status: "trial".into(),
            country: "BE".into(),
            expiry_date: "2027-06-30".into(),
            company_name: "Corner Bakery Gent".into(),
            ..Subaccount::default()
        };
        assert!(fields.are_shown_by(&shown));
        shown.expiry_date = "2027-01-01".into();
        assert!(!fields.are_shown_by(&shown));
        let with_password = SubaccountFields {
            password: Some("secret-pass".into()),
            ..SubaccountFields::default()
        };
        assert!(!format!("{with_password:?}").contains("secret-pass"));
        // A change the info reply cannot show is never taken as done after a lost reply.
        assert!(!with_password.are_shown_by(&shown));
        let package_only = SubaccountFields {
            package: Some("pro".into()),
            ..SubaccountFields::default()
        };
        assert!(!package_only.are_shown_by(&shown));
    }

    #[test]
    fn sso_link_is_not_printed() {
        let reply: SsoReply = decode_v3(
            200,
            br#"{"status":{"status":"OK"},"subaccount":{"ID":"sub_12345","token":"tok","url":"https://x.test/sso?token=tok","url_whitelabel":""}}"#,
        )
        .unwrap();
        let login = reply.subaccount.unwrap();
        assert_eq!(login.url, "https://x.test/sso?token=tok");
        assert!(!format!("{login:?}").contains("tok"));
    }
}
