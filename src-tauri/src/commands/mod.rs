//! Thin Tauri commands, one file per screen. Each parses, calls the library, maps the result.

pub mod accounts;
pub mod bulk;
pub mod email;
pub mod error;
pub mod history;
pub mod preferences;

use tauri::{AppHandle, Runtime, State};

pub use error::UiError;

use crate::settings::{self, AccountRecord, Settings};
use crate::state::AppState;

/// Changes the settings through `change`, saves them, and only then makes the change visible to
/// the rest of the app, so a failed save never leaves memory and disk disagreeing.
pub(crate) async fn change_settings<R: Runtime, T>(
    app: &AppHandle<R>,
    state: &State<'_, AppState>,
    change: impl FnOnce(&mut Settings) -> Result<T, UiError>,
) -> Result<T, UiError> {
    let mut current = state.settings.lock().await;
    let mut next = current.clone();
    let out = change(&mut next)?;
    settings::save(app, &next)?;
    *current = next;
    Ok(out)
}

/// The active account, or a plain "set up an account first" error.
pub(crate) async fn active_account(state: &State<'_, AppState>) -> Result<AccountRecord, UiError> {
    state
        .settings
        .lock()
        .await
        .active()
        .cloned()
        .ok_or_else(UiError::no_account)
}
