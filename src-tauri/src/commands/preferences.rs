//! Preferences: language, bulk speed, start screen, Today's budget, notifications and tray.

use tauri::{AppHandle, Manager, Runtime, State};

use super::{change_settings, UiError};
use crate::error_kind::ErrorKind;
use crate::i18n::{self, t, tf, Lang};
use crate::notices::Notifier;
use crate::settings::{
    Preferences, LANGUAGES, MAX_BULK_CONCURRENCY, MAX_CLAIMS_THRESHOLD, START_SCREENS,
};
use crate::state::AppState;
use crate::today::{MAX_PER_MINUTE, MIN_PER_MINUTE};
use crate::today_watch::TodayWatch;

#[tauri::command]
pub async fn get_preferences(state: State<'_, AppState>) -> Result<Preferences, UiError> {
    Ok(state.settings.lock().await.preferences.clone())
}

#[tauri::command]
pub async fn set_preferences<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    notifier: State<'_, Notifier>,
    prefs: Preferences,
) -> Result<Preferences, UiError> {
    check(&prefs)?;
    let saved = change_settings(&app, &state, |s| {
        s.preferences = prefs.clone();
        Ok(prefs.clone())
    })
    .await?;
    notifier.set_switches(&saved);
    if let (Some(watch), Some(jobs)) = (app.try_state::<TodayWatch>(), state.jobs.as_ref()) {
        watch.set_budget(saved.today_per_minute, jobs);
    }
    Ok(saved)
}

/// A field of the preferences refused: its message and hint, the field named for the window.
fn refused(field: &str, message: String, hint: String) -> Result<(), UiError> {
    Err(UiError {
        field: Some(field.into()),
        ..UiError::new(ErrorKind::Validation, message, hint)
    })
}

fn check(prefs: &Preferences) -> Result<(), UiError> {
    if !LANGUAGES.contains(&prefs.language.as_str()) {
        return refused(
            "language",
            t("error.language.message"),
            tf("error.language.hint", &[("choices", &LANGUAGES.join(", "))]),
        );
    }
    if !(1..=MAX_BULK_CONCURRENCY).contains(&prefs.bulk_concurrency) {
        return refused(
            "concurrency",
            tf(
                "cmd.preferences.concurrency.message",
                &[("max", &MAX_BULK_CONCURRENCY)],
            ),
            t("cmd.preferences.concurrency.hint"),
        );
    }
    if !START_SCREENS.contains(&prefs.start_screen.as_str()) {
        return refused(
            "startScreen",
            t("cmd.preferences.startScreen.message"),
            t("cmd.preferences.startScreen.hint"),
        );
    }
    if !(MIN_PER_MINUTE..=MAX_PER_MINUTE).contains(&prefs.today_per_minute) {
        return refused(
            "todayPerMinute",
            tf(
                "cmd.preferences.todayBudget.message",
                &[("min", &MIN_PER_MINUTE), ("max", &MAX_PER_MINUTE)],
            ),
            t("cmd.preferences.todayBudget.hint"),
        );
    }
    if prefs.claims_threshold > MAX_CLAIMS_THRESHOLD {
        return refused(
            "claimsThreshold",
            tf(
                "cmd.preferences.claims.message",
                &[("max", &MAX_CLAIMS_THRESHOLD)],
            ),
            t("cmd.preferences.claims.hint"),
        );
    }
    Ok(())
}

/// The language the window shows, for the words Rust writes (errors, row messages, CSV). Called
/// on start and on every change; the computer's language counts until one is chosen in Settings.
#[tauri::command]
pub fn set_ui_language<R: Runtime>(app: AppHandle<R>, lang: String) -> Result<(), UiError> {
    let lang = Lang::from_code(&lang).ok_or_else(|| UiError {
        field: Some("language".into()),
        ..UiError::new(
            ErrorKind::Validation,
            t("error.language.message"),
            tf("error.language.hint", &[("choices", &LANGUAGES.join(", "))]),
        )
    })?;
    i18n::set_language(lang);
    // The tray's menu speaks the window's language.
    crate::tray::refresh(&app);
    Ok(())
}
