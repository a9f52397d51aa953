//! Non-secret settings, kept with tauri-plugin-store in `settings.json` in the app data folder:
//! the accounts' names, client IDs and URLs, which account is active, and the preferences.
//! Secrets are never here; they live in the keychain (`secrets.rs`).

use crate::i18n::t;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_store::StoreExt;

pub const STORE_FILE: &str = "settings.json";
const KEY: &str = "settings";
/// Bumped when the shape below changes in a way old files must be converted for.
const SCHEMA: u32 = 1;

pub const LANGUAGES: &[&str] = &["en", "nl", "fr", "de", "es"];
pub use crate::jobs::limits::{
    DEFAULT_CONCURRENCY as DEFAULT_BULK_CONCURRENCY, MAX_CONCURRENCY as MAX_BULK_CONCURRENCY,
};

/// The largest claims number a notification can wait for.
pub const MAX_CLAIMS_THRESHOLD: u32 = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// A real Coupontools account; its secret is in the keychain.
    Coupontools,
    /// The built-in sandbox; nothing real is sent.
    Practice,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountRecord {
    pub id: String,
    pub name: String,
    pub kind: AccountKind,
    pub client_id: String,
    pub v3_base_url: String,
    pub v4_base_url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Preferences {
    pub language: String,
    pub bulk_concurrency: u8,
    /// True once the user picked a language in Settings. Until then the UI follows the
    /// computer's language (when it is one of [`LANGUAGES`]) instead of `language`.
    /// Left out of the JSON while false.
    #[serde(skip_serializing_if = "is_false")]
    pub language_chosen: bool,
    /// Look for a new version quietly at start, at most once a day (Settings → About).
    pub check_updates: bool,
    /// The screen the app opens on once an account is connected: one of [`START_SCREENS`].
    pub start_screen: String,
    /// Requests a minute Today's reader may use for one account.
    pub today_per_minute: u32,
    /// A desktop notification when a bulk job finishes or pauses while the window is not in front.
    pub notify_jobs: bool,
    /// A desktop notification when a coupon is used at another desk.
    pub notify_other_desk: bool,
    /// A desktop notification when a campaign's claims today reach this number; 0 is off.
    pub claims_threshold: u32,
    /// Closing the window keeps the app in the tray. `None` until the user was asked (once).
    pub keep_in_tray: Option<bool>,
}

/// Where the app may open once an account is connected: Today, the counter, or wherever the
/// user was when the app last closed.
pub const START_SCREENS: &[&str] = &["today", "redeem", "last"];

fn is_false(value: &bool) -> bool {
    !*value
}

impl Default for Preferences {
    fn default() -> Self {
        Self {
            language: "en".into(),
            bulk_concurrency: DEFAULT_BULK_CONCURRENCY,
            language_chosen: false,
            check_updates: true,
            start_screen: START_SCREENS[0].into(),
            today_per_minute: crate::today::DEFAULT_PER_MINUTE,
            notify_jobs: true,
            notify_other_desk: true,
            claims_threshold: 0,
            keep_in_tray: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    pub schema: u32,
    pub accounts: Vec<AccountRecord>,
    pub active_account: Option<String>,
    pub preferences: Preferences,
    /// When the app last asked for a new version (Unix seconds), so the quiet check at start
    /// runs at most once a day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_update_check: Option<u64>,
    /// Practice mode's first steps card, per account.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub first_steps: crate::first_steps::ProgressByAccount,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            schema: SCHEMA,
            accounts: Vec::new(),
            active_account: None,
            preferences: Preferences::default(),
            last_update_check: None,
            first_steps: Default::default(),
        }
    }
}

impl Settings {
    pub fn account(&self, id: &str) -> Option<&AccountRecord> {
        self.accounts.iter().find(|a| a.id == id)
    }

    pub fn active(&self) -> Option<&AccountRecord> {
        self.active_account
            .as_deref()
            .and_then(|id| self.account(id))
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    #[error("the settings file could not be opened: {0}")]
    Open(String),
    #[error("the settings file could not be saved: {0}")]
    Save(String),
}

impl SettingsError {
    pub fn user_message(&self) -> String {
        match self {
            SettingsError::Open(_) => t("core.settings.open.message"),
            SettingsError::Save(_) => t("core.settings.save.message"),
        }
    }

    pub fn hint(&self) -> String {
        t("core.settings.hint")
    }
}

/// The store, opened once without autosave: a change reaches the disk only through [`save`], so
/// a save that fails never gets written later behind the app's back.
fn store<R: Runtime>(
    app: &AppHandle<R>,
) -> Result<std::sync::Arc<tauri_plugin_store::Store<R>>, SettingsError> {
    app.store_builder(STORE_FILE)
        .disable_auto_save()
        .build()
        .map_err(|e| SettingsError::Open(e.to_string()))
}

/// Reads the settings. A file that cannot be understood is copied aside (`settings.json.bad`)
/// before the app starts fresh, so the next save does not silently destroy the accounts in it.
pub fn load<R: Runtime>(app: &AppHandle<R>) -> Result<Settings, SettingsError> {
    let store = store(app)?;
    let parsed = store.get(KEY).map(serde_json::from_value::<Settings>);
    match parsed {
        Some(Ok(mut settings)) => {
            sanitize(&mut settings);
            Ok(settings)
        }
        Some(Err(e)) => {
            log::warn!("settings.json has an unexpected shape ({e}); starting with defaults");
            keep_unreadable_file(app);
            Ok(Settings::default())
        }
        None => {
            // The store ignores a file it cannot parse; an existing, non-empty file without our
            // key is such a file (or someone else's).
            keep_unreadable_file(app);
            Ok(Settings::default())
        }
    }
}

fn keep_unreadable_file<R: Runtime>(app: &AppHandle<R>) {
    let Ok(dir) = app.path().app_data_dir() else {
        return;
    };
    let file = dir.join(STORE_FILE);
    if std::fs::metadata(&file)
        .map(|m| m.len() > 0)
        .unwrap_or(false)
    {
        let aside = dir.join(format!("{STORE_FILE}.bad"));
        match std::fs::copy(&file, &aside) {
            Ok(_) => log::warn!("kept the unreadable settings file as {}", aside.display()),
            Err(e) => log::error!("could not keep the unreadable settings file: {e}"),
        }
    }
}

pub fn save<R: Runtime>(app: &AppHandle<R>, settings: &Settings) -> Result<(), SettingsError> {
    let store = store(app)?;
    let value = serde_json::to_value(settings).map_err(|e| SettingsError::Save(e.to_string()))?;
    store.set(KEY, value);
    store.save().map_err(|e| SettingsError::Save(e.to_string()))
}

/// Repairs values a hand-edited or older file may carry, so the rest of the app can trust them.
fn sanitize(settings: &mut Settings) {
    settings.schema = SCHEMA;
    if !LANGUAGES.contains(&settings.preferences.language.as_str()) {
        settings.preferences.language = "en".into();
    }
    // Files from before `languageChosen` existed: English was the default, so any other saved
    // language was picked by the user and must keep winning over the computer's language.
    if settings.preferences.language != "en" {
        settings.preferences.language_chosen = true;
    }
    settings.preferences.bulk_concurrency = settings
        .preferences
        .bulk_concurrency
        .clamp(1, MAX_BULK_CONCURRENCY);
    if !START_SCREENS.contains(&settings.preferences.start_screen.as_str()) {
        settings.preferences.start_screen = START_SCREENS[0].into();
    }
    settings.preferences.today_per_minute = settings
        .preferences
        .today_per_minute
        .clamp(crate::today::MIN_PER_MINUTE, crate::today::MAX_PER_MINUTE);
    settings.preferences.claims_threshold = settings
        .preferences
        .claims_threshold
        .min(MAX_CLAIMS_THRESHOLD);
    if settings.active().is_none() {
        settings.active_account = settings.accounts.first().map(|a| a.id.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_repairs_out_of_range_values_and_dangling_active_account() {
        let mut s = Settings {
            schema: 0,
            accounts: vec![AccountRecord {
                id: "acc_1".into(),
                name: "Shop".into(),
                kind: AccountKind::Coupontools,
                client_id: "123".into(),
                v3_base_url: "https://api.coupontools.com/v3".into(),
                v4_base_url: "https://api.coupontools.com/v4".into(),
            }],
            active_account: Some("gone".into()),
            preferences: Preferences {
                language: "xx".into(),
                bulk_concurrency: 99,
                today_per_minute: 100_000,
                start_screen: "nowhere".into(),
                ..Preferences::default()
            },
            last_update_check: None,
            first_steps: Default::default(),
        };
        sanitize(&mut s);
        assert_eq!(s.preferences.language, "en");
        assert!(!s.preferences.language_chosen);
        assert_eq!(s.preferences.bulk_concurrency, MAX_BULK_CONCURRENCY);
        assert_eq!(s.preferences.today_per_minute, crate::today::MAX_PER_MINUTE);
        assert_eq!(s.preferences.start_screen, "today");
        assert_eq!(s.active_account.as_deref(), Some("acc_1"));
    }

    #[test]
    fn old_or_partial_files_deserialize_with_defaults() {
        let s: Settings = serde_json::from_str(r#"{"accounts":[]}"#).unwrap();
        assert_eq!(s.preferences, Preferences::default());
        assert!(s.active_account.is_none());
    }

    #[test]
    fn language_chosen_defaults_to_false_and_is_only_written_once_true() {
        let prefs: Preferences =
            serde_json::from_str(r#"{"language":"en","bulkConcurrency":4}"#).unwrap();
        assert!(
            !prefs.language_chosen,
            "never saved in Settings: follow the computer"
        );
        let json = serde_json::to_value(&prefs).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "language": "en", "bulkConcurrency": 4, "checkUpdates": true,
                "startScreen": "today", "todayPerMinute": 60, "notifyJobs": true,
                "notifyOtherDesk": true, "claimsThreshold": 0, "keepInTray": null
            })
        );

        let chosen = Preferences {
            language_chosen: true,
            ..prefs
        };
        let json = serde_json::to_value(&chosen).unwrap();
        assert_eq!(json["languageChosen"], true);
        let back: Preferences = serde_json::from_value(json).unwrap();
        assert!(back.language_chosen);
    }

    #[test]
    fn a_non_english_language_saved_before_the_flag_existed_counts_as_chosen() {
        let mut old: Settings =
            serde_json::from_str(r#"{"preferences":{"language":"nl","bulkConcurrency":4}}"#)
                .unwrap();
        sanitize(&mut old);
        assert!(old.preferences.language_chosen);

        let mut untouched: Settings =
            serde_json::from_str(r#"{"preferences":{"language":"en","bulkConcurrency":4}}"#)
                .unwrap();
        sanitize(&mut untouched);
        assert!(
            !untouched.preferences.language_chosen,
            "English was only the default"
        );
    }
}
