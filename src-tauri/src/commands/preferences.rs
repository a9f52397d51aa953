//! Language and bulk concurrency.

use tauri::{AppHandle, Runtime, State};

use super::{change_settings, UiError};
use crate::error_kind::ErrorKind;
use crate::i18n::{self, t, tf, Lang};
use crate::settings::{Preferences, LANGUAGES, MAX_BULK_CONCURRENCY};
use crate::state::AppState;

#[tauri::command]
pub async fn get_preferences(state: State<'_, AppState>) -> Result<Preferences, UiError> {
    Ok(state.settings.lock().await.preferences.clone())
}

#[tauri::command]
pub async fn set_preferences<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    prefs: Preferences,
) -> Result<Preferences, UiError> {
    check(&prefs)?;
    change_settings(&app, &state, |s| {
        s.preferences = prefs.clone();
        Ok(prefs.clone())
    })
    .await
}

fn check(prefs: &Preferences) -> Result<(), UiError> {
    if !LANGUAGES.contains(&prefs.language.as_str()) {
        return Err(UiError {
            field: Some("language".into()),
            ..UiError::new(
                ErrorKind::Validation,
                t("error.language.message"),
                tf("error.language.hint", &[("choices", &LANGUAGES.join(", "))]),
            )
        });
    }
    if !(1..=MAX_BULK_CONCURRENCY).contains(&prefs.bulk_concurrency) {
        return Err(UiError {
            field: Some("concurrency".into()),
            ..UiError::new(
                ErrorKind::Validation,
                tf(
                    "cmd.preferences.concurrency.message",
                    &[("max", &MAX_BULK_CONCURRENCY)],
                ),
                t("cmd.preferences.concurrency.hint"),
            )
        });
    }
    Ok(())
}

/// The language the window shows, for the words Rust writes (errors, row messages, CSV). Called
/// on start and on every change; the computer's language counts until one is chosen in Settings.
#[tauri::command]
pub fn set_ui_language(lang: String) -> Result<(), UiError> {
    let lang = Lang::from_code(&lang).ok_or_else(|| UiError {
        field: Some("language".into()),
        ..UiError::new(
            ErrorKind::Validation,
            t("error.language.message"),
            tf("error.language.hint", &[("choices", &LANGUAGES.join(", "))]),
        )
    })?;
    i18n::set_language(lang);
    Ok(())
}
