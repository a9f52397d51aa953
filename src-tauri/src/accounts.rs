//! Accounts as the desk sees them: what the user types in, what is checked before anything is
//! saved, and what the window is shown (never a secret; the client ID only as a hint).

use crate::api::words::Words;
use crate::i18n::t;
use serde::{Deserialize, Serialize};

use crate::api::{self, validate::FieldProblem};
use crate::settings::{AccountKind, AccountRecord, Settings};

pub const PRACTICE_ACCOUNT_ID: &str = "practice";
const MAX_NAME_CHARS: usize = 60;

/// What the "add account" form sends. The secret is a plain string only for the moment it takes
/// to hand it to the keychain.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewAccount {
    pub name: String,
    pub client_id: String,
    pub client_secret: String,
    #[serde(default)]
    pub v3_base_url: Option<String>,
    #[serde(default)]
    pub v4_base_url: Option<String>,
}

impl std::fmt::Debug for NewAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAccount")
            .field("name", &self.name)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// What "edit account" may change; absent fields stay as they are.
#[derive(Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AccountChanges {
    pub name: Option<String>,
    pub client_secret: Option<String>,
    pub v3_base_url: Option<String>,
    pub v4_base_url: Option<String>,
}

impl std::fmt::Debug for AccountChanges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountChanges")
            .field("name", &self.name)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("v3_base_url", &self.v3_base_url)
            .field("v4_base_url", &self.v4_base_url)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountView {
    pub id: String,
    pub name: String,
    pub kind: AccountKind,
    pub client_id_hint: String,
    pub v3_base_url: String,
    pub v4_base_url: String,
    pub active: bool,
}

pub fn view(record: &AccountRecord, settings: &Settings) -> AccountView {
    AccountView {
        id: record.id.clone(),
        name: record.name.clone(),
        kind: record.kind,
        client_id_hint: hint_of(&record.client_id),
        v3_base_url: record.v3_base_url.clone(),
        v4_base_url: record.v4_base_url.clone(),
        active: settings.active_account.as_deref() == Some(record.id.as_str()),
    }
}

pub fn views(settings: &Settings) -> Vec<AccountView> {
    settings
        .accounts
        .iter()
        .map(|a| view(a, settings))
        .collect()
}

/// "•••• 4821": enough to tell two accounts apart, not enough to use.
pub fn hint_of(client_id: &str) -> String {
    let chars: Vec<char> = client_id.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("•••• {tail}")
}

fn with_field(field: &'static str, problem: FieldProblem) -> FieldProblem {
    FieldProblem { field, ..problem }
}

pub fn check_name(
    name: &str,
    settings: &Settings,
    except_id: Option<&str>,
) -> Result<String, FieldProblem> {
    let name = name.trim();
    if name.is_empty() {
        return Err(FieldProblem {
            field: "name",
            message: Words::new("core.account.name.empty.message"),
            hint: Words::new("core.account.name.empty.hint"),
        });
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(FieldProblem {
            field: "name",
            message: Words::with(
                "core.account.name.tooLong.message",
                &[("max", &MAX_NAME_CHARS)],
            ),
            hint: Words::new("core.account.name.tooLong.hint"),
        });
    }
    let taken = settings
        .accounts
        .iter()
        .any(|a| a.name.eq_ignore_ascii_case(name) && Some(a.id.as_str()) != except_id);
    if taken {
        return Err(FieldProblem {
            field: "name",
            message: Words::with("core.account.name.taken.message", &[("name", &name)]),
            hint: Words::new("core.account.name.taken.hint"),
        });
    }
    Ok(name.to_owned())
}

fn check_url(
    value: Option<&str>,
    default: &str,
    field: &'static str,
) -> Result<String, FieldProblem> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(default.to_owned()),
        Some(url) => api::validate::base_url(url).map_err(|p| with_field(field, p)),
    }
}

/// A new account that passed every check, ready to be saved.
pub struct CheckedAccount {
    pub record: AccountRecord,
    pub secret: api::Secret,
}

pub fn check_new(
    input: &NewAccount,
    settings: &Settings,
    id: String,
) -> Result<CheckedAccount, FieldProblem> {
    let name = check_name(&input.name, settings, None)?;
    let client_id =
        api::validate::client_id(&input.client_id).map_err(|p| with_field("clientId", p))?;
    let secret = api::validate::client_secret(&input.client_secret)
        .map_err(|p| with_field("clientSecret", p))?;
    let v3 = check_url(
        input.v3_base_url.as_deref(),
        api::DEFAULT_V3_BASE,
        "v3BaseUrl",
    )?;
    let v4 = check_url(
        input.v4_base_url.as_deref(),
        api::DEFAULT_V4_BASE,
        "v4BaseUrl",
    )?;
    Ok(CheckedAccount {
        record: AccountRecord {
            id,
            name,
            kind: AccountKind::Coupontools,
            client_id,
            v3_base_url: v3,
            v4_base_url: v4,
        },
        secret: api::Secret::new(secret),
    })
}

/// Applies checked changes to a copy of the record; returns it with the new secret, if any.
pub fn check_changes(
    record: &AccountRecord,
    changes: &AccountChanges,
    settings: &Settings,
) -> Result<(AccountRecord, Option<api::Secret>), FieldProblem> {
    let mut updated = record.clone();
    if let Some(name) = &changes.name {
        updated.name = check_name(name, settings, Some(&record.id))?;
    }
    let mut secret = None;
    if record.kind == AccountKind::Coupontools {
        if let Some(url) = &changes.v3_base_url {
            updated.v3_base_url = check_url(Some(url), api::DEFAULT_V3_BASE, "v3BaseUrl")?;
        }
        if let Some(url) = &changes.v4_base_url {
            updated.v4_base_url = check_url(Some(url), api::DEFAULT_V4_BASE, "v4BaseUrl")?;
        }
        if let Some(value) = changes
            .client_secret
            .as_deref()
            .filter(|v| !v.trim().is_empty())
        {
            let checked =
                api::validate::client_secret(value).map_err(|p| with_field("clientSecret", p))?;
            secret = Some(api::Secret::new(checked));
        }
    }
    Ok((updated, secret))
}

pub fn new_account_id() -> String {
    use rand::Rng;
    let n: u64 = rand::rng().random();
    format!("acc_{n:016x}")
}

pub fn practice_record() -> AccountRecord {
    AccountRecord {
        id: PRACTICE_ACCOUNT_ID.into(),
        name: t("core.practiceShop"),
        kind: AccountKind::Practice,
        client_id: crate::sandbox::DEMO_CLIENT_ID.into(),
        // The sandbox listens on a new port each start; the real URLs are filled in at run time.
        v3_base_url: "http://127.0.0.1/v3".into(),
        v4_base_url: "http://127.0.0.1/v4".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings_with(name: &str) -> Settings {
        let mut s = Settings::default();
        s.accounts.push(AccountRecord {
            id: "acc_1".into(),
            name: name.into(),
            kind: AccountKind::Coupontools,
            client_id: "1234567890".into(),
            v3_base_url: api::DEFAULT_V3_BASE.into(),
            v4_base_url: api::DEFAULT_V4_BASE.into(),
        });
        s
    }

    fn input(name: &str) -> NewAccount {
        NewAccount {
            name: name.into(),
            client_id: "449141535434874233217388236".into(),
            client_secret: "abcdefghijklmnopqrstuvwxyz0123".into(),
            v3_base_url: None,
            v4_base_url: Some("  ".into()),
        }
    }

    #[test]
    fn new_account_gets_defaults_and_trimmed_name() {
        let checked =
            check_new(&input("  Bakery  "), &Settings::default(), "acc_x".into()).unwrap();
        assert_eq!(checked.record.name, "Bakery");
        assert_eq!(checked.record.v3_base_url, api::DEFAULT_V3_BASE);
        assert_eq!(checked.record.v4_base_url, api::DEFAULT_V4_BASE);
        assert_eq!(checked.secret.expose(), "abcdefghijklmnopqrstuvwxyz0123");
    }

    #[test]
    fn problems_name_the_form_field() {
        let s = settings_with("Bakery");
        assert_eq!(
            check_new(&input("bakery"), &s, "x".into())
                .err()
                .unwrap()
                .field,
            "name"
        );
        assert_eq!(
            check_new(&input(""), &s, "x".into()).err().unwrap().field,
            "name"
        );
        let mut bad = input("Shop");
        bad.client_secret = "".into();
        assert_eq!(
            check_new(&bad, &s, "x".into()).err().unwrap().field,
            "clientSecret"
        );
        let mut bad = input("Shop");
        bad.client_id = " ".into();
        assert_eq!(
            check_new(&bad, &s, "x".into()).err().unwrap().field,
            "clientId"
        );
        let mut bad = input("Shop");
        bad.v3_base_url = Some("ftp://example.com".into());
        assert_eq!(
            check_new(&bad, &s, "x".into()).err().unwrap().field,
            "v3BaseUrl"
        );
    }

    #[test]
    fn renaming_to_its_own_name_is_fine_but_not_to_another_accounts() {
        let mut s = settings_with("Bakery");
        let record = s.accounts[0].clone();
        let same = AccountChanges {
            name: Some("BAKERY".into()),
            ..Default::default()
        };
        assert_eq!(check_changes(&record, &same, &s).unwrap().0.name, "BAKERY");
        s.accounts.push(AccountRecord {
            id: "acc_2".into(),
            name: "Florist".into(),
            ..record.clone()
        });
        let clash = AccountChanges {
            name: Some("florist".into()),
            ..Default::default()
        };
        assert!(check_changes(&record, &clash, &s).is_err());
    }

    #[test]
    fn debug_output_never_shows_the_secret() {
        let shown = format!("{:?}", input("Shop"));
        assert!(!shown.contains("abcdefghijklmnopqrstuvwxyz0123"), "{shown}");
        let changes = AccountChanges {
            client_secret: Some("another-secret-value-123".into()),
            ..Default::default()
        };
        assert!(!format!("{changes:?}").contains("another-secret"));
    }

    #[test]
    fn hint_shows_only_the_last_four_characters() {
        assert_eq!(hint_of("449141535434874233217388236"), "•••• 8236");
        assert_eq!(hint_of("12"), "•••• 12");
    }
}
