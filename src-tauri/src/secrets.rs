//! The one door to the OS keychain (Keychain on macOS, Credential Manager on Windows, Secret
//! Service on Linux). Nothing else in the app touches `keyring`.
//!
//! A secret goes in once and comes out only to build an API client; it never goes back to the
//! UI, to disk in clear, or into a log line: every secret that passes through here is also
//! registered with [`redact`], which the log formatter runs over each message.

use crate::i18n::t;

use crate::api::Secret;

/// Service name under which the app's entries are filed in the keychain.
pub const SERVICE: &str = "com.coupondesk.desk";

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretsError {
    /// No keychain service answered (e.g. Linux without a running Secret Service).
    #[error("the keychain is not available: {detail}")]
    Unavailable { detail: String },
    /// The keychain answered, but holds no secret for this account.
    #[error("no secret is saved for this account")]
    Missing,
    #[error("the keychain refused the operation: {detail}")]
    Refused { detail: String },
}

impl SecretsError {
    pub fn user_message(&self) -> String {
        match self {
            SecretsError::Unavailable { .. } => t("core.keychain.unavailable.message"),
            SecretsError::Missing => t("core.keychain.missing.message"),
            SecretsError::Refused { .. } => t("core.keychain.refused.message"),
        }
    }

    pub fn hint(&self) -> String {
        match self {
            SecretsError::Unavailable { .. } => {
                if cfg!(target_os = "linux") {
                    t("core.keychain.unavailable.hintLinux")
                } else {
                    t("core.keychain.unavailable.hint")
                }
            }
            SecretsError::Missing => t("core.keychain.missing.hint"),
            SecretsError::Refused { .. } => t("core.keychain.refused.hint"),
        }
    }
}

fn classify(err: keyring::Error) -> SecretsError {
    match err {
        keyring::Error::NoEntry => SecretsError::Missing,
        keyring::Error::PlatformFailure(e) => SecretsError::Unavailable {
            detail: e.to_string(),
        },
        keyring::Error::NoStorageAccess(e) => SecretsError::Unavailable {
            detail: e.to_string(),
        },
        other => SecretsError::Refused {
            detail: other.to_string(),
        },
    }
}

/// Keychain entries of one service. Tests use their own service name so they never touch the
/// entries of a real installation.
#[derive(Debug, Clone)]
pub struct SecretStore {
    service: String,
}

impl Default for SecretStore {
    fn default() -> Self {
        Self::new(SERVICE)
    }
}

impl SecretStore {
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    fn entry(&self, account_id: &str) -> Result<keyring::Entry, SecretsError> {
        keyring::Entry::new(&self.service, account_id).map_err(classify)
    }

    /// Checks that a keychain answers at all: reading an entry that does not exist must say
    /// "no entry", not "no keychain".
    pub fn probe(&self) -> Result<(), SecretsError> {
        match self.entry("availability-probe")?.get_password() {
            Ok(_) => Ok(()),
            Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(classify(e)),
        }
    }

    pub fn save(&self, account_id: &str, secret: &Secret) -> Result<(), SecretsError> {
        remember_for_redaction(secret.expose());
        self.entry(account_id)?
            .set_password(secret.expose())
            .map_err(classify)
    }

    pub fn load(&self, account_id: &str) -> Result<Secret, SecretsError> {
        let value = self.entry(account_id)?.get_password().map_err(classify)?;
        remember_for_redaction(&value);
        Ok(Secret::new(value))
    }

    /// Deletes the entry; an entry that is already gone counts as deleted.
    pub fn delete(&self, account_id: &str) -> Result<(), SecretsError> {
        match self.entry(account_id)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(classify(e)),
        }
    }
}

/// The registry lives with the client, which meets secrets first (a subaccount's keys in a reply).
pub use crate::api::redaction::{redact, remember_for_redaction};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_masks_every_registered_secret_and_nothing_else() {
        remember_for_redaction("s3cr3t-value-for-redaction-test");
        remember_for_redaction("short"); // too short to register
        let line = "header x-api-secret=s3cr3t-value-for-redaction-test; note: short";
        assert_eq!(redact(line), "header x-api-secret=[redacted]; note: short");
    }

    #[test]
    fn every_error_has_plain_words_and_a_hint() {
        for e in [
            SecretsError::Unavailable {
                detail: "org.freedesktop.DBus.Error.ServiceUnknown".into(),
            },
            SecretsError::Missing,
            SecretsError::Refused { detail: "x".into() },
        ] {
            assert!(
                !e.user_message().contains("DBus"),
                "technical detail leaked: {}",
                e.user_message()
            );
            assert!(e.hint().len() > 20);
        }
    }
}
