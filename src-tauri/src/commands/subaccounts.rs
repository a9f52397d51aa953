//! "Subaccounts" screen: the list, a subaccount's details, create and update with field checks
//! and Coupontools' 303/304/305 in plain words beside their fields, the password-reset link,
//! "Log in as this subaccount" (SSO, opened in the browser) and "Add as an account".
//!
//! A subaccount's API key and secret never reach the window: the views below carry only
//! whether they exist, and "Add as an account" hands them from the reply straight to the
//! keychain. The SSO link carries a one-time token: it goes to the browser and nowhere else
//! (not the history, not the log).

use serde::Serialize;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_opener::OpenerExt;

use super::accounts::save_new_account;
use super::{may_have_taken_effect, record_history, settle_time, UiError};
use crate::accounts::{AccountView, NewAccount};
use crate::api::{validate, ApiError, Subaccount, SubaccountCampaign, SubaccountFields};
use crate::error_kind::ErrorKind;
use crate::history::{Line, Outcome};
use crate::i18n::{t, tf};
use crate::settings::AccountRecord;
use crate::state::AppState;

fn line(account: &AccountRecord, action: &'static str, target: &str, outcome: Outcome) -> Line {
    Line {
        account_id: account.id.clone(),
        account: account.name.clone(),
        action,
        campaign: None,
        target: Some(target.to_owned()),
        outcome,
        detail: None,
    }
}

/// A subaccount as the window shows it: everything but its keys.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SubaccountView {
    pub id: String,
    pub name: String,
    pub email: String,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub company_name: String,
    pub country: String,
    pub status: String,
    pub language: String,
    pub currency: String,
    pub expiry_date: String,
    /// RFC 3339, "" when never.
    pub last_login: String,
    pub logins: Option<u64>,
    pub max_campaigns: Option<u64>,
    pub has_campaigns: Option<u64>,
    pub available_campaigns: Option<u64>,
    pub campaigns: Vec<SubaccountCampaign>,
    /// `access_*` flags without the prefix, sorted by name.
    pub access: Vec<(String, bool)>,
    /// The reply carried an API key and secret ("Add as an account" can use them).
    pub has_api_keys: bool,
    /// The change was saved, but the subaccount could not be read again afterwards: the view
    /// holds what was sent, and `refreshNote` says so in words. Not a reason to send it again.
    pub refresh_failed: bool,
    pub refresh_note: Option<String>,
}

impl From<Subaccount> for SubaccountView {
    fn from(s: Subaccount) -> SubaccountView {
        SubaccountView {
            name: s.display_name(),
            has_api_keys: s.has_api_keys(),
            last_login: s
                .last_login
                .and_then(|t| {
                    t.format(&time::format_description::well_known::Rfc3339)
                        .ok()
                })
                .unwrap_or_default(),
            access: s.access.into_iter().collect(),
            id: s.id,
            email: s.email,
            username: s.username,
            first_name: s.first_name,
            last_name: s.last_name,
            company_name: s.company_name,
            country: s.country,
            status: s.status,
            language: s.language,
            currency: s.currency,
            expiry_date: s.expiry_date,
            logins: s.logins,
            max_campaigns: s.max_campaigns,
            has_campaigns: s.has_campaigns,
            available_campaigns: s.available_campaigns,
            campaigns: s.campaigns,
            refresh_failed: false,
            refresh_note: None,
        }
    }
}

impl SubaccountView {
    /// A saved change whose fresh state could not be read: `shown` (the write's own reply,
    /// when it carried the subaccount) or else what was sent, with the note for the window.
    fn unrefreshed(
        id: &str,
        input: &SubaccountFields,
        shown: Option<Subaccount>,
    ) -> SubaccountView {
        let sub = shown
            .filter(|s| s.id.eq_ignore_ascii_case(id))
            .unwrap_or_else(|| as_sent(id, input));
        SubaccountView {
            refresh_failed: true,
            refresh_note: Some(t("subaccounts.refreshFailed")),
            ..sub.into()
        }
    }
}

/// The subaccount as far as `input` tells (the checked values, as they were sent).
fn as_sent(id: &str, input: &SubaccountFields) -> Subaccount {
    let body = input.to_body(false).unwrap_or_default();
    let field = |key: &str| {
        body.get(key)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    Subaccount {
        id: id.to_owned(),
        email: field("email"),
        first_name: field("first_name"),
        last_name: field("last_name"),
        company_name: field("company_name"),
        country: field("country"),
        status: field("status"),
        expiry_date: field("expiry_date"),
        ..Subaccount::default()
    }
}

#[tauri::command]
pub async fn list_subaccounts(state: State<'_, AppState>) -> Result<Vec<SubaccountView>, UiError> {
    let (_, client) = super::account_and_client(&state).await?;
    Ok(client
        .subaccounts()
        .list()
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[tauri::command]
pub async fn subaccount_details(
    state: State<'_, AppState>,
    subaccount: String,
) -> Result<SubaccountView, UiError> {
    let id = validate::subaccount_id(&subaccount)?;
    let (_, client) = super::account_and_client(&state).await?;
    Ok(client.subaccounts().info(&id).await?.into())
}

/// The parameter a Coupontools refusal names ("Missing parameter: password"), as
/// `api::error` reads it.
fn named_parameter(description: &str) -> Option<&str> {
    let (_, after) = description.split_once("parameter:")?;
    let name = after
        .trim()
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .next()?;
    (!name.is_empty()).then_some(name)
}

/// The form field of an API parameter of create/update (`SubaccountFields::to_body`).
fn form_field(parameter: &str) -> Option<&'static str> {
    Some(match parameter.to_ascii_lowercase().as_str() {
        "email" => "email",
        "password" => "password",
        "package" => "package",
        "status" => "status",
        "first_name" => "firstName",
        "last_name" => "lastName",
        "company_name" => "companyName",
        "country" => "country",
        "expiry_date" => "expiryDate",
        _ => return None,
    })
}

/// The form field a 200 "Missing parameter: …" names, when it is one of the form's.
fn missing_field(e: &ApiError) -> Option<&'static str> {
    match e {
        ApiError::Coupontools { description, .. } => {
            named_parameter(description).and_then(form_field)
        }
        _ => None,
    }
}

/// Coupontools' create/update refusals beside the field they concern, in plain words.
fn refusal(e: ApiError) -> UiError {
    let (field, key) = match e.code() {
        Some(303) => ("expiryDate", "error.subaccounts.expiry"),
        Some(304) => ("email", "error.subaccounts.emailTaken"),
        Some(305) => ("email", "error.subaccounts.emailInvalid"),
        // 200 is sent for any missing parameter: beside the e-mail only when it names the
        // e-mail, beside another field of the form in the general words, else just those.
        Some(200) => match missing_field(&e) {
            Some("email") => ("email", "error.subaccounts.emailMissing"),
            Some(field) => {
                return UiError {
                    kind: ErrorKind::Validation,
                    field: Some(field.into()),
                    ..e.into()
                }
            }
            None => return e.into(),
        },
        _ => return e.into(),
    };
    log::warn!("subaccount refused: {e}");
    UiError {
        field: Some(field.into()),
        code: e.code(),
        ..UiError::from_key(ErrorKind::Validation, key)
    }
}

/// Creates a subaccount. After a lost reply, looks for the e-mail address among the
/// subaccounts before saying anything (a second create would only meet "already exists").
#[tauri::command]
pub async fn create_subaccount(
    state: State<'_, AppState>,
    input: SubaccountFields,
) -> Result<SubaccountView, UiError> {
    input.to_body(true)?;
    let email = input.email.clone().unwrap_or_default().trim().to_owned();
    let (account, client) = super::account_and_client(&state).await?;
    // What exists before the create: after a lost reply only a subaccount that was not there
    // can be this request's. None when the list cannot be read (then a lost reply is unknown).
    let before: Option<Vec<String>> = client
        .subaccounts()
        .list()
        .await
        .ok()
        .map(|all| all.into_iter().map(|s| s.id).collect());
    let (result, left) = super::write(client.subaccounts().create(&input)).await;
    let (made, outcome) = match result {
        Ok(made) => (Ok(made), Outcome::Ok),
        Err(e) if may_have_taken_effect(&e) => {
            settle_time(&client, left).await;
            match (client.subaccounts().list().await, &before) {
                (Ok(all), Some(before)) => match all
                    .into_iter()
                    .filter(|s| !before.contains(&s.id))
                    .find(|s| s.email.eq_ignore_ascii_case(&email))
                {
                    Some(found) => (Ok(found), Outcome::Ok),
                    // Not there once the request cannot still be running: it was not made.
                    None => (
                        Err(UiError::from_key(
                            ErrorKind::Network,
                            "error.subaccounts.createNotMade",
                        )),
                        Outcome::Failed,
                    ),
                },
                _ => (
                    Err(UiError::from_key(
                        ErrorKind::OutcomeUnknown,
                        "error.subaccounts.createUnknown",
                    )),
                    Outcome::Unknown,
                ),
            }
        }
        Err(e) => (Err(refusal(e)), Outcome::Failed),
    };
    record_history(&state, line(&account, "subaccount_create", &email, outcome)).await;
    let made = made?;
    // The create reply may carry only the ID; the details come from a read.
    Ok(match client.subaccounts().info(&made.id).await {
        Ok(full) => full.into(),
        Err(_) => {
            let id = made.id.clone();
            SubaccountView::unrefreshed(&id, &input, Some(made))
        }
    })
}

/// Changes the fields given. After a lost reply, re-reads the subaccount: when it shows every
/// change, that is the answer; otherwise the person is told to look before trying again.
#[tauri::command]
pub async fn update_subaccount(
    state: State<'_, AppState>,
    subaccount: String,
    input: SubaccountFields,
) -> Result<SubaccountView, UiError> {
    let id = validate::subaccount_id(&subaccount)?;
    input.to_body(false)?;
    let (account, client) = super::account_and_client(&state).await?;
    let (result, left) = super::write(client.subaccounts().update(&id, &input)).await;
    let (answer, outcome) = match result {
        // Saved: the history says so whatever the read that follows gives.
        Ok(shown) => match client.subaccounts().info(&id).await {
            Ok(now) => (Ok(now.into()), Outcome::Ok),
            Err(e) => {
                log::warn!("subaccount saved, but not read back: {e}");
                (
                    Ok(SubaccountView::unrefreshed(&id, &input, shown)),
                    Outcome::Ok,
                )
            }
        },
        Err(e) if may_have_taken_effect(&e) => {
            settle_time(&client, left).await;
            // Read back: the change is either all there (done) or the person decides.
            match client.subaccounts().info(&id).await {
                Ok(now) if input.are_shown_by(&now) => (Ok(now.into()), Outcome::Ok),
                _ => (
                    Err(UiError::from_key(
                        ErrorKind::OutcomeUnknown,
                        "error.subaccounts.updateUnknown",
                    )),
                    Outcome::Unknown,
                ),
            }
        }
        Err(e) => (Err(refusal(e)), Outcome::Failed),
    };
    record_history(&state, line(&account, "subaccount_update", &id, outcome)).await;
    answer
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResetLink {
    pub url: String,
}

/// A password-reset link for the subaccount, to copy and pass on. The link is not kept.
#[tauri::command]
pub async fn subaccount_reset_url(
    state: State<'_, AppState>,
    subaccount: String,
) -> Result<ResetLink, UiError> {
    let id = validate::subaccount_id(&subaccount)?;
    let (account, client) = super::account_and_client(&state).await?;
    let result = client.subaccounts().reset_url(&id).await;
    record_history(
        &state,
        line(
            &account,
            "subaccount_reset_url",
            &id,
            super::outcome_of(&result),
        ),
    )
    .await;
    match result {
        Ok(url) => Ok(ResetLink { url }),
        Err(e) if may_have_taken_effect(&e) => Err(UiError::from_key(
            ErrorKind::OutcomeUnknown,
            "error.subaccounts.linkLost",
        )),
        Err(e) => Err(e.into()),
    }
}

/// Whether the SSO link may be opened: https, or plain http to this computer only (practice
/// mode's sandbox). Plain http elsewhere would carry the one-time token across the network in
/// clear. Neither the link nor its token is logged.
fn login_url(raw: &str) -> Result<url::Url, UiError> {
    let Ok(parsed) = url::Url::parse(raw.trim()) else {
        return Err(UiError::from_key(
            ErrorKind::Open,
            "error.subaccounts.loginNotWeb",
        ));
    };
    let loopback = match parsed.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if loopback => Ok(parsed),
        "http" => {
            log::warn!("the SSO login link is plain http to another computer: not opened");
            Err(UiError::from_key(
                ErrorKind::Open,
                "error.subaccounts.loginNotSecure",
            ))
        }
        _ => Err(UiError::from_key(
            ErrorKind::Open,
            "error.subaccounts.loginNotWeb",
        )),
    }
}

/// "Log in as this subaccount": asks for a one-time login link and opens it in the browser.
/// The link (and its token) is handed to the browser only: not returned, logged or stored.
#[tauri::command]
pub async fn subaccount_login<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    subaccount: String,
) -> Result<(), UiError> {
    let id = validate::subaccount_id(&subaccount)?;
    let (account, client) = super::account_and_client(&state).await?;
    let result = client.subaccounts().sso(&id).await;
    record_history(
        &state,
        line(&account, "subaccount_sso", &id, super::outcome_of(&result)),
    )
    .await;
    let login = match result {
        Ok(login) => login,
        Err(e) if may_have_taken_effect(&e) => {
            return Err(UiError::from_key(
                ErrorKind::OutcomeUnknown,
                "error.subaccounts.linkLost",
            ))
        }
        Err(e) => return Err(e.into()),
    };
    let parsed = login_url(&login.url)?;
    app.opener()
        .open_url(parsed.as_str(), None::<&str>)
        .map_err(|_| {
            // The opener's error may quote the link, token and all: not logged.
            log::warn!("the SSO login link could not be opened in the browser");
            UiError::from_key(ErrorKind::Open, "error.subaccounts.loginNotOpened")
        })
}

/// Adds the subaccount as an account of Coupon Desk in one step: its API key and secret go
/// from Coupontools' reply straight to the keychain, never through the window. The active
/// account stays as it is.
#[tauri::command]
pub async fn add_subaccount_as_account<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    subaccount: String,
) -> Result<AccountView, UiError> {
    let id = validate::subaccount_id(&subaccount)?;
    let (parent, client) = super::account_and_client(&state).await?;
    let sub = client.subaccounts().info(&id).await?;
    let (Some(key), Some(secret)) = (sub.api_key.as_ref(), sub.api_secret.as_ref()) else {
        return Err(UiError::from_key(
            ErrorKind::NotFound,
            "error.subaccounts.noKeys",
        ));
    };
    let already = {
        let settings = state.settings.lock().await;
        settings
            .accounts
            .iter()
            .find(|a| a.client_id == key.expose())
            .map(|a| a.name.clone())
    };
    if let Some(name) = already {
        return Err(UiError::new(
            ErrorKind::Validation,
            tf("error.subaccounts.alreadyAdded.message", &[("name", &name)]),
            t("error.subaccounts.alreadyAdded.hint"),
        ));
    }
    let base = tf("subaccounts.accountName", &[("name", &sub.display_name())]);
    let name = {
        let settings = state.settings.lock().await;
        let taken = |n: &str| {
            settings
                .accounts
                .iter()
                .any(|a| a.name.eq_ignore_ascii_case(n))
        };
        let mut name: String = base.chars().take(50).collect();
        let mut n = 2;
        while taken(&name) {
            name = format!("{} {n}", base.chars().take(46).collect::<String>());
            n += 1;
        }
        name
    };
    let input = NewAccount {
        name,
        client_id: key.expose().to_owned(),
        client_secret: secret.expose().to_owned(),
        // The subaccount talks to the same Coupontools as its main account.
        v3_base_url: Some(client.v3_base().to_owned()),
        v4_base_url: Some(client.v4_base().to_owned()),
    };
    let added = save_new_account(&app, &state, &input, false).await;
    record_history(
        &state,
        line(
            &parent,
            "subaccount_add_account",
            &id,
            if added.is_ok() {
                Outcome::Ok
            } else {
                Outcome::Failed
            },
        ),
    )
    .await;
    added
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(code: u32, description: &str) -> UiError {
        refusal(ApiError::Coupontools {
            code,
            description: description.into(),
        })
    }

    #[test]
    fn the_login_link_opens_only_over_https_or_on_this_computer() {
        for good in [
            "https://app.coupontools.com/sso?token=abc",
            " http://127.0.0.1:4567/_sso/login?token=abc ",
            "http://localhost:4567/_sso/login?token=abc",
            "http://[::1]:4567/_sso/login?token=abc",
        ] {
            assert!(login_url(good).is_ok(), "{good}");
        }
        for (bad, key) in [
            ("http://app.coupontools.com/sso?token=abc", "loginNotSecure"),
            ("http://192.168.1.10/sso?token=abc", "loginNotSecure"),
            ("http://localhost.evil.test/sso?token=abc", "loginNotSecure"),
            ("ftp://app.coupontools.com/sso", "loginNotWeb"),
            ("not a link", "loginNotWeb"),
        ] {
            let e = login_url(bad).expect_err(bad);
            assert_eq!(
                e.message,
                t(&format!("error.subaccounts.{key}.message")),
                "{bad}"
            );
            // The refusal never repeats the link or its token.
            assert!(!format!("{e:?}").contains("token"), "{bad}");
        }
    }

    #[test]
    fn a_missing_parameter_is_shown_beside_the_field_it_names() {
        let email = refused(200, "Missing parameter: email");
        assert_eq!(email.field.as_deref(), Some("email"));
        assert_eq!(email.message, t("error.subaccounts.emailMissing.message"));
        let password = refused(200, "Missing parameter: password");
        assert_eq!(password.field.as_deref(), Some("password"));
        assert_eq!(password.kind, ErrorKind::Validation);
        assert_ne!(
            password.message,
            t("error.subaccounts.emailMissing.message")
        );
        assert_eq!(
            refused(200, "Missing parameter: expiry_date")
                .field
                .as_deref(),
            Some("expiryDate")
        );
        for other in ["Missing parameter: subaccount", "Missing parameter", ""] {
            let e = refused(200, other);
            assert_eq!(e.field, None, "{other}");
            assert_ne!(e.message, t("error.subaccounts.emailMissing.message"));
        }
        assert_eq!(
            refused(304, "Email already exists").field.as_deref(),
            Some("email")
        );
    }

    #[test]
    fn a_saved_change_not_read_back_says_so_and_shows_what_was_sent() {
        let input = SubaccountFields {
            company_name: Some(" Corner Bakery ".into()),
            expiry_date: Some("2028-02-29".into()),
            ..SubaccountFields::default()
        };
        let view = SubaccountView::unrefreshed("sub_1", &input, None);
        assert!(view.refresh_failed);
        assert_eq!(view.refresh_note, Some(t("subaccounts.refreshFailed")));
        assert_eq!(
            (
                view.id.as_str(),
                view.name.as_str(),
                view.expiry_date.as_str()
            ),
            ("sub_1", "Corner Bakery", "2028-02-29")
        );
        // The write's own reply, when it shows the subaccount, is the better picture.
        let shown = Subaccount {
            id: "sub_1".into(),
            email: "shop@bakery.test".into(),
            ..Subaccount::default()
        };
        let view = SubaccountView::unrefreshed("sub_1", &input, Some(shown));
        assert_eq!(view.email, "shop@bakery.test");
        assert!(view.refresh_failed);
    }
}
