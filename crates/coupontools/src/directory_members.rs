//! Directory registrations: `POST directoryusers/list` (§0.2, seed 001).

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::lenient;

/// Registrations per page; a shorter page is the last one (seed 001).
pub const DIRECTORY_PAGE_SIZE: usize = 100;

/// A person registered in a directory (`reg_…`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DirectoryUser {
    #[serde(alias = "ID", deserialize_with = "lenient::string")]
    pub id: String,
    #[serde(
        default,
        deserialize_with = "lenient::opt_datetime",
        serialize_with = "lenient::ser_opt_datetime"
    )]
    pub last_seen: Option<OffsetDateTime>,
    #[serde(default, deserialize_with = "lenient::number_or_default")]
    pub amount_of_logins: u32,
    #[serde(default, deserialize_with = "lenient::string")]
    pub email: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub phone: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub first_name: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub last_name: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub gender: String,
    #[serde(
        default,
        deserialize_with = "lenient::opt_date",
        serialize_with = "lenient::ser_opt_date"
    )]
    pub birthday: Option<Date>,
    /// Free text from Coupontools (the seed shows "21").
    #[serde(default, deserialize_with = "lenient::string")]
    pub age_range: String,
    /// "" when the directory has no paid content; else e.g. "paid", "unpaid", "pending".
    #[serde(default, deserialize_with = "lenient::string")]
    pub payment_status: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub payment_confirmation_id: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub payment_confirmation_account: String,
}

/// One page of `directoryusers/list`, newest registrations first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryUsersPage {
    #[serde(default, deserialize_with = "lenient::string")]
    pub directory: String,
    /// The subaccount owning the directory; "" for the main account.
    #[serde(default, deserialize_with = "lenient::string")]
    pub subaccount: String,
    /// As Coupontools reports it; the seed does not say whether it counts this page or all pages.
    #[serde(default, deserialize_with = "lenient::number_or_default")]
    pub amount_of_users: u32,
    #[serde(default, deserialize_with = "lenient::number_or_default")]
    pub page: u32,
    #[serde(default, deserialize_with = "lenient::list")]
    pub users: Vec<DirectoryUser>,
}

impl DirectoryUsersPage {
    /// A full page means older registrations may follow on the next one.
    pub fn may_have_more(&self) -> bool {
        self.users.len() >= DIRECTORY_PAGE_SIZE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::decode_v3;
    use time::macros::{date, datetime};

    /// Seed 001's example response, verbatim (valid JSON as published).
    const SEED_001: &str = r#"{ "status": { "status": "OK" }, "directory": "dir_12345", "subaccount": "", "amount_of_users": "1", "page": "1", "users": [ { "ID": "reg_12345", "last_seen": "2025-01-01 13:48:22 UTC", "amount_of_logins": "1", "email": "info@clientemail.com", "phone": "", "first_name": "John", "last_name": "Johnson", "gender": "male", "birthday": "1970-01-01", "age_range": "21", "payment_status": "", "payment_confirmation_id": "", "payment_confirmation_account": "" } ] }"#;

    #[test]
    fn seed_001_decodes() {
        let page: DirectoryUsersPage = decode_v3(200, SEED_001.as_bytes()).unwrap();
        assert_eq!(
            page,
            DirectoryUsersPage {
                directory: "dir_12345".into(),
                subaccount: "".into(),
                amount_of_users: 1,
                page: 1,
                users: vec![DirectoryUser {
                    id: "reg_12345".into(),
                    last_seen: Some(datetime!(2025-01-01 13:48:22 UTC)),
                    amount_of_logins: 1,
                    email: "info@clientemail.com".into(),
                    phone: "".into(),
                    first_name: "John".into(),
                    last_name: "Johnson".into(),
                    gender: "male".into(),
                    birthday: Some(date!(1970 - 01 - 01)),
                    age_range: "21".into(),
                    payment_status: "".into(),
                    payment_confirmation_id: "".into(),
                    payment_confirmation_account: "".into(),
                }],
            }
        );
        assert!(!page.may_have_more());
    }

    #[test]
    fn seed_001_errors() {
        for (code, description) in [
            (301, "Invalid character in parameter: directory."),
            (507, "Directory ID not found."),
        ] {
            let body = serde_json::json!({"status": {"status": "failed", "errors": {
                "error_message_description": [description], "error_code": [code]}}});
            let err =
                decode_v3::<DirectoryUsersPage>(200, body.to_string().as_bytes()).unwrap_err();
            assert_eq!(err.code(), Some(code));
            // The words name the directory: code 301 by the parameter, 507 by its own words.
            let said = err.words().0.to_string();
            assert!(said.contains("directory"), "{said}");
        }
    }

    #[test]
    fn unset_dates_are_none_and_serialize_as_null() {
        let body = SEED_001
            .replace("2025-01-01 13:48:22 UTC", "")
            .replace("1970-01-01", "");
        let page: DirectoryUsersPage = decode_v3(200, body.as_bytes()).unwrap();
        assert_eq!(
            (page.users[0].last_seen, page.users[0].birthday),
            (None, None)
        );
        let json = serde_json::to_value(&page.users[0]).unwrap();
        assert!(json["last_seen"].is_null() && json["birthday"].is_null());
    }
}
