//! Non-secret settings, kept with tauri-plugin-store in `settings.json` in the app data folder:
//! the accounts' names, client IDs and URLs, which account is active, and the preferences.
//! Secrets are never here; they live in the keychain (`secrets.rs`).

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime};
use tauri_plugin_store::StoreExt;

pub const STORE_FILE: &str = "settings.json";
const KEY: &str = "settings";
/// Bumped when the shape below changes in a way old files must be converted for.
const SCHEMA: u32 = 1;

pub const LANGUAGES: &[&str] = &["en", "nl", "fr", "de", "es"];
pub const DEFAULT_BULK_CONCURRENCY: u8 = 4;
pub const MAX_BULK_CONCURRENCY: u8 = 16;

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
}

impl Default for Preferences {
    fn default() -> Self {
        Self {
            language: "en".into(),
            bulk_concurrency: DEFAULT_BULK_CONCURRENCY,
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
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            schema: SCHEMA,
            accounts: Vec::new(),
            active_account: None,
            preferences: Preferences::default(),
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
            SettingsError::Open(_) => "Coupon Desk could not read its settings file.".into(),
            SettingsError::Save(_) => "Coupon Desk could not save its settings.".into(),
        }
    }

    pub fn hint(&self) -> String {
        "Check that your user folder is not full or read-only, then try again. The log file has the details.".into()
    }
}

/// Reads the settings; a missing or unreadable value starts fresh rather than refusing to open
/// (the old file is left for the log to mention, not silently overwritten until the next save).
pub fn load<R: Runtime>(app: &AppHandle<R>) -> Result<Settings, SettingsError> {
    let store = app
        .store(STORE_FILE)
        .map_err(|e| SettingsError::Open(e.to_string()))?;
    let Some(value) = store.get(KEY) else {
        return Ok(Settings::default());
    };
    match serde_json::from_value::<Settings>(value) {
        Ok(mut settings) => {
            sanitize(&mut settings);
            Ok(settings)
        }
        Err(e) => {
            log::warn!("settings.json has an unexpected shape ({e}); starting with defaults");
            Ok(Settings::default())
        }
    }
}

pub fn save<R: Runtime>(app: &AppHandle<R>, settings: &Settings) -> Result<(), SettingsError> {
    let store = app
        .store(STORE_FILE)
        .map_err(|e| SettingsError::Open(e.to_string()))?;
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
    settings.preferences.bulk_concurrency = settings
        .preferences
        .bulk_concurrency
        .clamp(1, MAX_BULK_CONCURRENCY);
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
            },
        };
        sanitize(&mut s);
        assert_eq!(s.preferences.language, "en");
        assert_eq!(s.preferences.bulk_concurrency, MAX_BULK_CONCURRENCY);
        assert_eq!(s.active_account.as_deref(), Some("acc_1"));
    }

    #[test]
    fn old_or_partial_files_deserialize_with_defaults() {
        let s: Settings = serde_json::from_str(r#"{"accounts":[]}"#).unwrap();
        assert_eq!(s.preferences, Preferences::default());
        assert!(s.active_account.is_none());
    }
}
