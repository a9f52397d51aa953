//! The one shape every command error takes on its way to the window: `{kind, message, hint,
//! code?, field?}`. `message` and `hint` are written for a shop assistant; technical detail goes
//! to the log (which redacts secrets), never to the UI.

use serde::Serialize;

pub use crate::error_kind::ErrorKind;

use crate::api::{validate::FieldProblem, ApiError};
use crate::db::DbError;
use crate::i18n::t;
use crate::secrets::SecretsError;
use crate::settings::SettingsError;
use crate::state::ClientError;
use crate::words::Worded;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UiError {
    pub kind: ErrorKind,
    pub message: String,
    pub hint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl UiError {
    pub fn new(kind: ErrorKind, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            hint: hint.into(),
            code: None,
            field: None,
        }
    }

    /// The error worded from `<key>.message` and `<key>.hint`.
    pub fn from_key(kind: ErrorKind, key: &str) -> Self {
        Self::new(
            kind,
            t(&format!("{key}.message")),
            t(&format!("{key}.hint")),
        )
    }

    pub fn no_account() -> Self {
        Self::new(
            ErrorKind::NoAccount,
            t("error.noAccount.message"),
            t("error.noAccount.hint"),
        )
    }

    pub fn unknown_account() -> Self {
        Self::new(
            ErrorKind::NotFound,
            t("error.unknownAccount.message"),
            t("error.unknownAccount.hint"),
        )
    }

    pub fn internal(context: &str, detail: impl std::fmt::Display) -> Self {
        log::error!("{context}: {detail}");
        Self::new(
            ErrorKind::Internal,
            t("error.internal.message"),
            t("error.internal.hint"),
        )
    }
}

impl From<ApiError> for UiError {
    fn from(e: ApiError) -> Self {
        log::warn!("api error ({}): {e}", e.kind());
        Self {
            kind: ErrorKind::from(&e),
            message: e.user_message(),
            hint: e.hint(),
            code: e.code(),
            field: e.field().map(str::to_owned),
        }
    }
}

impl From<FieldProblem> for UiError {
    fn from(p: FieldProblem) -> Self {
        Self {
            kind: ErrorKind::Validation,
            message: p.user_message(),
            hint: p.hint(),
            code: None,
            field: Some(p.field.to_owned()),
        }
    }
}

impl From<SecretsError> for UiError {
    fn from(e: SecretsError) -> Self {
        log::warn!("keychain: {e}");
        let kind = match e {
            SecretsError::Unavailable { .. } => ErrorKind::KeychainUnavailable,
            SecretsError::Missing => ErrorKind::KeychainMissing,
            _ => ErrorKind::Keychain,
        };
        Self::new(kind, e.user_message(), e.hint())
    }
}

impl From<SettingsError> for UiError {
    fn from(e: SettingsError) -> Self {
        log::error!("settings: {e}");
        Self::new(ErrorKind::Settings, e.user_message(), e.hint())
    }
}

impl From<DbError> for UiError {
    fn from(e: DbError) -> Self {
        log::error!("database: {e}");
        let message = match e {
            DbError::TooNew { .. } => t("error.database.tooNew.message"),
            _ => t("error.database.message"),
        };
        Self::new(ErrorKind::Database, message, t("error.database.hint"))
    }
}

impl From<rusqlite::Error> for UiError {
    fn from(e: rusqlite::Error) -> Self {
        DbError::from(e).into()
    }
}

impl From<ClientError> for UiError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Secrets(e) => e.into(),
            ClientError::Api(e) => e.into(),
            ClientError::Practice(e) => {
                log::error!("practice sandbox: {e}");
                Self::new(
                    ErrorKind::Practice,
                    t("error.practice.message"),
                    t("error.practice.hint"),
                )
            }
        }
    }
}

impl From<tokio::task::JoinError> for UiError {
    fn from(e: tokio::task::JoinError) -> Self {
        Self::internal("background task", e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_to_the_shape_the_ui_expects() {
        let e = crate::i18n::in_language(crate::i18n::Lang::En, || {
            UiError::from(FieldProblem {
                field: "email",
                message: crate::api::words::Words::new("field.email.empty"),
                hint: crate::api::words::Words::new("field.email.hint"),
            })
        });
        let json = serde_json::to_value(&e).ok();
        let words = |key| crate::i18n::in_language(crate::i18n::Lang::En, || crate::i18n::t(key));
        assert_eq!(
            json,
            Some(serde_json::json!({
                "kind": "validation",
                "message": words("field.email.empty"),
                "hint": words("field.email.hint"),
                "field": "email"
            }))
        );
    }

    #[test]
    fn every_error_of_the_app_has_its_words_in_every_language() {
        use crate::i18n::{in_language, Lang};
        let make: Vec<fn() -> UiError> = vec![
            UiError::no_account,
            UiError::unknown_account,
            || UiError::internal("test", "detail"),
            || {
                SecretsError::Unavailable {
                    detail: String::new(),
                }
                .into()
            },
            || SecretsError::Missing.into(),
            || {
                SecretsError::Refused {
                    detail: String::new(),
                }
                .into()
            },
            || SettingsError::Open(String::new()).into(),
            || SettingsError::Save(String::new()).into(),
            || {
                DbError::TooNew {
                    found: 99,
                    known: 1,
                }
                .into()
            },
        ];
        for make in make {
            let english = in_language(Lang::En, make);
            for lang in Lang::ALL.into_iter().skip(1) {
                let e = in_language(lang, make);
                assert!(
                    !e.message.contains("error.") && !e.message.contains("core."),
                    "{e:?}"
                );
                assert_ne!(e.message, english.message, "{lang:?}: still English");
                assert_ne!(e.hint, english.hint, "{lang:?}: still English");
            }
        }
    }

    #[test]
    fn keychain_outage_is_its_own_kind() {
        let e = UiError::from(SecretsError::Unavailable {
            detail: "no dbus".into(),
        });
        assert_eq!(e.kind, ErrorKind::KeychainUnavailable);
        assert!(!e.message.contains("dbus"));
    }
}
