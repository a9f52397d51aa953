//! Settings screen: accounts, the keychain, practice mode, "Test connection".

use std::time::Instant;

use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime, State};

use super::{change_settings, UiError};
use crate::accounts::{self, AccountChanges, AccountView, NewAccount, PRACTICE_ACCOUNT_ID};
use crate::api::CampaignFilter;
use crate::history;
use crate::i18n::tf;
use crate::settings::{AccountKind, Preferences};
use crate::state::AppState;
use crate::today_watch::TodayWatch;
use crate::words::Worded;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeychainStatus {
    pub available: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppStatus {
    pub first_start: bool,
    pub active_account: Option<AccountView>,
    pub accounts: Vec<AccountView>,
    pub keychain: KeychainStatus,
    pub preferences: Preferences,
    /// The computer's languages that Coupon Desk has, most preferred first (may be empty).
    pub system_languages: Vec<&'static str>,
    /// The app has a tray icon (closing the window may keep it running there).
    pub tray: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionReport {
    pub account_id: String,
    pub account_name: String,
    pub campaigns: usize,
    pub active_campaigns: usize,
    pub millis: u64,
}

async fn keychain_status(state: &State<'_, AppState>) -> KeychainStatus {
    let store = state.secrets.clone();
    match tokio::task::spawn_blocking(move || store.probe()).await {
        Ok(Ok(())) => KeychainStatus {
            available: true,
            message: None,
            hint: None,
        },
        Ok(Err(e)) => {
            log::warn!("keychain probe: {e}");
            KeychainStatus {
                available: false,
                message: Some(e.user_message()),
                hint: Some(e.hint()),
            }
        }
        Err(e) => {
            log::error!("keychain probe task: {e}");
            KeychainStatus {
                available: false,
                message: None,
                hint: None,
            }
        }
    }
}

#[tauri::command]
pub async fn app_status<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<AppStatus, UiError> {
    let keychain = keychain_status(&state).await;
    let settings = state.settings.lock().await.clone();
    Ok(AppStatus {
        first_start: settings.accounts.is_empty(),
        active_account: settings.active().map(|a| accounts::view(a, &settings)),
        accounts: accounts::views(&settings),
        keychain,
        preferences: settings.preferences.clone(),
        system_languages: crate::i18n::system_languages(),
        tray: crate::tray::exists(&app),
    })
}

#[tauri::command]
pub async fn list_accounts(state: State<'_, AppState>) -> Result<Vec<AccountView>, UiError> {
    Ok(accounts::views(&*state.settings.lock().await))
}

/// Saves a new account (secret to the keychain first) and makes it the active one.
#[tauri::command]
pub async fn add_account<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    input: NewAccount,
) -> Result<AccountView, UiError> {
    save_new_account(&app, &state, &input, true).await
}

/// Checks and saves a new account: its secret to the keychain first, then the settings; a
/// failed save takes the secret out again. `make_active`: switch to it.
pub(crate) async fn save_new_account<R: Runtime>(
    app: &AppHandle<R>,
    state: &State<'_, AppState>,
    input: &NewAccount,
    make_active: bool,
) -> Result<AccountView, UiError> {
    let checked = {
        let settings = state.settings.lock().await;
        accounts::check_new(input, &settings, accounts::new_account_id())?
    };
    let store = state.secrets.clone();
    let (id, secret) = (checked.record.id.clone(), checked.secret);
    tokio::task::spawn_blocking(move || store.save(&id, &secret)).await??;
    let record = checked.record;
    let saved = change_settings(app, state, |s| {
        // The name was checked above; check again in case another window added the same name.
        accounts::check_name(&record.name, s, None)?;
        s.accounts.push(record.clone());
        if make_active {
            s.active_account = Some(record.id.clone());
        }
        Ok(accounts::view(&record, s))
    })
    .await;
    if saved.is_err() {
        // Do not leave an orphaned secret in the keychain when the account itself was not saved.
        let store = state.secrets.clone();
        let id = record.id.clone();
        let _ = tokio::task::spawn_blocking(move || store.delete(&id)).await;
    }
    log::info!("account added: {}", record.id);
    saved
}

#[tauri::command]
pub async fn update_account<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: String,
    input: AccountChanges,
) -> Result<AccountView, UiError> {
    let (updated, secret) = {
        let settings = state.settings.lock().await;
        let record = settings.account(&id).ok_or_else(UiError::unknown_account)?;
        accounts::check_changes(record, &input, &settings)?
    };
    if let Some(secret) = secret {
        let store = state.secrets.clone();
        let key = id.clone();
        tokio::task::spawn_blocking(move || store.save(&key, &secret)).await??;
        state.secret_changed();
    }
    // The cached client is keyed by the record it was built from: changed URLs retire it.
    let view = change_settings(&app, &state, |s| {
        let slot = s
            .accounts
            .iter_mut()
            .find(|a| a.id == id)
            .ok_or_else(UiError::unknown_account)?;
        *slot = updated.clone();
        Ok(accounts::view(&updated, s))
    })
    .await?;
    // Today's reader of this account reads on with the new secret, address and name.
    if let (Some(watch), Some(jobs)) = (app.try_state::<TodayWatch>(), state.jobs.as_ref()) {
        if watch.is_running(&id) && watch.ensure_for(&state, &updated, jobs).await.is_err() {
            watch.stop(&id);
        }
    }
    Ok(view)
}

/// Removes the account, then its keychain entry. The next account (if any) becomes active.
/// The settings go first: if saving them fails, the account is still complete, secret and all.
#[tauri::command]
pub async fn remove_account<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: String,
) -> Result<(), UiError> {
    let record = state
        .settings
        .lock()
        .await
        .account(&id)
        .cloned()
        .ok_or_else(UiError::unknown_account)?;
    change_settings(&app, &state, |s| {
        s.accounts.retain(|a| a.id != id);
        if s.active_account.as_deref() == Some(id.as_str()) {
            s.active_account = s.accounts.first().map(|a| a.id.clone());
        }
        Ok(())
    })
    .await?;
    state.forget_client(&id);
    if let Some(watch) = app.try_state::<TodayWatch>() {
        watch.stop(&id);
    }
    if record.kind == AccountKind::Coupontools {
        let store = state.secrets.clone();
        let key = id.clone();
        match tokio::task::spawn_blocking(move || store.delete(&key)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                log::warn!("account {id} removed, but its keychain entry could not be deleted: {e}")
            }
            Err(e) => log::warn!("account {id} removed, keychain task failed: {e}"),
        }
    } else {
        state.practice.stop().await;
    }
    log::info!("account removed: {id}");
    Ok(())
}

#[tauri::command]
pub async fn set_active_account<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: String,
) -> Result<AccountView, UiError> {
    change_settings(&app, &state, |s| {
        let record = s
            .account(&id)
            .cloned()
            .ok_or_else(UiError::unknown_account)?;
        s.active_account = Some(id.clone());
        Ok(accounts::view(&record, s))
    })
    .await
}

/// Creates the practice account if needed, starts the sandbox and makes practice active.
#[tauri::command]
pub async fn start_practice_mode<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<AccountView, UiError> {
    state
        .practice
        .ensure_running()
        .await
        .map_err(|e| UiError::from(crate::state::ClientError::Practice(e)))?;
    change_settings(&app, &state, |s| {
        if s.account(PRACTICE_ACCOUNT_ID).is_none() {
            s.accounts.push(accounts::practice_record());
        }
        s.active_account = Some(PRACTICE_ACCOUNT_ID.into());
        let record = s
            .account(PRACTICE_ACCOUNT_ID)
            .cloned()
            .ok_or_else(UiError::unknown_account)?;
        Ok(accounts::view(&record, s))
    })
    .await
}

/// Asks Coupontools for the campaign list: the cheapest call that proves the URL, the client ID
/// and the secret all work.
#[tauri::command]
pub async fn test_connection(
    state: State<'_, AppState>,
    id: Option<String>,
) -> Result<ConnectionReport, UiError> {
    let record = {
        let settings = state.settings.lock().await;
        match id.as_deref() {
            Some(id) => settings
                .account(id)
                .cloned()
                .ok_or_else(UiError::unknown_account)?,
            None => settings.active().cloned().ok_or_else(UiError::no_account)?,
        }
    };
    let client = state.client_for(&record).await?;
    let started = Instant::now();
    let result = client.campaigns().list(&CampaignFilter::default()).await;
    let millis = started.elapsed().as_millis() as u64;
    let outcome = if result.is_ok() {
        history::Outcome::Ok
    } else {
        history::Outcome::Failed
    };
    let detail = match &result {
        Ok(list) => tf("cmd.accounts.history.campaigns", &[("count", &list.len())]),
        Err(e) => e.user_message(),
    };
    let line = history::Line {
        account_id: record.id.clone(),
        account: record.name.clone(),
        action: "test_connection",
        campaign: None,
        target: None,
        outcome,
        detail: Some(detail),
    };
    super::record_history(&state, line).await;
    let campaigns = result?;
    Ok(ConnectionReport {
        account_id: record.id,
        account_name: record.name,
        active_campaigns: campaigns
            .iter()
            .filter(|c| c.status.eq_ignore_ascii_case("active"))
            .count(),
        campaigns: campaigns.len(),
        millis,
    })
}
