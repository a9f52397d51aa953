//! The one shape every command error takes on its way to the window: `{kind, message, hint,
//! code?, field?}`. `message` and `hint` are written for a shop assistant; technical detail goes
//! to the log (which redacts secrets), never to the UI.

use serde::Serialize;

use crate::api::{validate::FieldProblem, ApiError};
use crate::db::DbError;
use crate::secrets::SecretsError;
use crate::settings::SettingsError;
use crate::state::ClientError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UiError {
    pub kind: String,
    pub message: String,
    pub hint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl UiError {
    pub fn new(kind: &str, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            message: message.into(),
            hint: hint.into(),
            code: None,
            field: None,
        }
    }

    pub fn no_account() -> Self {
        Self::new(
            "no_account",
            "No Coupontools account is set up yet.",
            "Open Settings to connect your account, or start practice mode.",
        )
    }

    pub fn unknown_account() -> Self {
        Self::new(
            "not_found",
            "That account no longer exists.",
            "Open Settings and choose one of the accounts listed there.",
        )
    }

    pub fn internal(context: &str, detail: impl std::fmt::Display) -> Self {
        log::error!("{context}: {detail}");
        Self::new(
            "internal",
            "Something went wrong inside Coupon Desk.",
            "Try again. If it keeps happening, send the log file (Settings → About) to your IT contact.",
        )
    }
}

impl From<ApiError> for UiError {
    fn from(e: ApiError) -> Self {
        log::warn!("api error ({}): {e}", e.kind());
        Self {
            kind: e.kind().into(),
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
            kind: "validation".into(),
            message: p.message,
            hint: p.hint,
            code: None,
            field: Some(p.field.to_owned()),
        }
    }
}

impl From<SecretsError> for UiError {
    fn from(e: SecretsError) -> Self {
        log::warn!("keychain: {e}");
        let kind = match e {
            SecretsError::Unavailable { .. } => "keychain_unavailable",
            SecretsError::Missing => "keychain_missing",
            _ => "keychain",
        };
        Self::new(kind, e.user_message(), e.hint())
    }
}

impl From<SettingsError> for UiError {
    fn from(e: SettingsError) -> Self {
        log::error!("settings: {e}");
        Self::new("settings", e.user_message(), e.hint())
    }
}

impl From<DbError> for UiError {
    fn from(e: DbError) -> Self {
        log::error!("database: {e}");
        let message = match e {
            DbError::TooNew { .. } => {
                "The history on this computer was written by a newer Coupon Desk."
            }
            _ => "Coupon Desk could not open its history on this computer.",
        };
        Self::new("database", message, "Install the latest Coupon Desk, or check that your user folder is not full or read-only.")
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
                    "practice",
                    "Practice mode could not start on this computer.",
                    "Another program may be blocking local connections. Restart Coupon Desk and try again.",
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
        let e = UiError::from(FieldProblem {
            field: "email",
            message: "m".into(),
            hint: "h".into(),
        });
        let json = serde_json::to_value(&e).ok();
        assert_eq!(
            json,
            Some(
                serde_json::json!({"kind": "validation", "message": "m", "hint": "h", "field": "email"})
            )
        );
    }

    #[test]
    fn keychain_outage_is_its_own_kind() {
        let e = UiError::from(SecretsError::Unavailable {
            detail: "no dbus".into(),
        });
        assert_eq!(e.kind, "keychain_unavailable");
        assert!(!e.message.contains("dbus"));
    }
}
