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
use super::{active_account, may_have_taken_effect, record_history, settle_time, UiError};
use crate::accounts::{AccountView, NewAccount};
use crate::api::{validate, ApiError, Client, Subaccount, SubaccountCampaign, SubaccountFields};
use crate::history::{Line, Outcome};
use crate::i18n::{t, tf};
use crate::settings::AccountRecord;
use crate::state::AppState;

fn words(kind: &str, key: &str) -> UiError {
    UiError::new(
        kind,
        t(&format!("{key}.message")),
        t(&format!("{key}.hint")),
    )
}

async fn client(state: &State<'_, AppState>) -> Result<(AccountRecord, Client), UiError> {
    let account = active_account(state).await?;
    let client = state.client_for(&account).await?;
    Ok((account, client))
}

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

fn outcome_of<T>(result: &Result<T, ApiError>) -> Outcome {
    match result {
        Ok(_) => Outcome::Ok,
        Err(e) if may_have_taken_effect(e) => Outcome::Unknown,
        Err(_) => Outcome::Failed,
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
        }
    }
}

#[tauri::command]
pub async fn list_subaccounts(state: State<'_, AppState>) -> Result<Vec<SubaccountView>, UiError> {
    let (_, client) = client(&state).await?;
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
    let (_, client) = client(&state).await?;
    Ok(client.subaccounts().info(&id).await?.into())
}

/// Coupontools' create/update refusals beside the field they concern, in plain words.
fn refusal(e: ApiError) -> UiError {
    let (field, key) = match e.code() {
        Some(303) => ("expiryDate", "error.subaccounts.expiry"),
        Some(304) => ("email", "error.subaccounts.emailTaken"),
        Some(305) => ("email", "error.subaccounts.emailInvalid"),
        Some(200) => ("email", "error.subaccounts.emailMissing"),
        _ => return e.into(),
    };
    log::warn!("subaccount refused: {e}");
    UiError {
        field: Some(field.into()),
        code: e.code(),
        ..words("validation", key)
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
    let (account, client) = client(&state).await?;
    let result = client.subaccounts().create(&input).await;
    let outcome = outcome_of(&result);
    let made = match result {
        Ok(made) => Ok(made),
        Err(e) if may_have_taken_effect(&e) => {
            settle_time(&client).await;
            match client.subaccounts().list().await {
                Ok(all) => all
                    .into_iter()
                    .find(|s| s.email.eq_ignore_ascii_case(&email))
                    .ok_or_else(|| words("unknown", "error.subaccounts.createNotMade")),
                Err(_) => Err(words("unknown", "error.subaccounts.createUnknown")),
            }
        }
        Err(e) => Err(refusal(e)),
    };
    let outcome = match (&made, outcome) {
        (Ok(_), _) => Outcome::Ok,
        (Err(_), Outcome::Unknown) => Outcome::Unknown,
        (Err(_), other) => other,
    };
    record_history(&state, line(&account, "subaccount_create", &email, outcome)).await;
    let made = made?;
    // The create reply may carry only the ID; the details come from a read.
    Ok(match client.subaccounts().info(&made.id).await {
        Ok(full) => full.into(),
        Err(_) => made.into(),
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
    let (account, client) = client(&state).await?;
    let result = client.subaccounts().update(&id, &input).await;
    record_history(
        &state,
        line(&account, "subaccount_update", &id, outcome_of(&result)),
    )
    .await;
    match result {
        Ok(_) => Ok(client.subaccounts().info(&id).await?.into()),
        Err(e) if may_have_taken_effect(&e) => {
            settle_time(&client).await;
            // Read back: the change is either all there (done) or the person decides.
            match client.subaccounts().info(&id).await {
                Ok(now) if input.are_shown_by(&now) => Ok(now.into()),
                _ => Err(words("unknown", "error.subaccounts.updateUnknown")),
            }
        }
        Err(e) => Err(refusal(e)),
    }
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
    let (account, client) = client(&state).await?;
    let result = client.subaccounts().reset_url(&id).await;
    record_history(
        &state,
        line(&account, "subaccount_reset_url", &id, outcome_of(&result)),
    )
    .await;
    match result {
        Ok(url) => Ok(ResetLink { url }),
        Err(e) if may_have_taken_effect(&e) => Err(words("unknown", "error.subaccounts.linkLost")),
        Err(e) => Err(e.into()),
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
    let (account, client) = client(&state).await?;
    let result = client.subaccounts().sso(&id).await;
    record_history(
        &state,
        line(&account, "subaccount_sso", &id, outcome_of(&result)),
    )
    .await;
    let login = match result {
        Ok(login) => login,
        Err(e) if may_have_taken_effect(&e) => {
            return Err(words("unknown", "error.subaccounts.linkLost"))
        }
        Err(e) => return Err(e.into()),
    };
    let parsed = url::Url::parse(login.url.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| words("open", "error.subaccounts.loginNotWeb"))?;
    app.opener()
        .open_url(parsed.as_str(), None::<&str>)
        .map_err(|_| {
            // The opener's error may quote the link, token and all: not logged.
            log::warn!("the SSO login link could not be opened in the browser");
            words("open", "error.subaccounts.loginNotOpened")
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
    let (parent, client) = client(&state).await?;
    let sub = client.subaccounts().info(&id).await?;
    let (Some(key), Some(secret)) = (sub.api_key.as_ref(), sub.api_secret.as_ref()) else {
        return Err(words("not_found", "error.subaccounts.noKeys"));
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
            "validation",
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
