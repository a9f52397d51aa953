//! Checks for subaccounts (`client.subaccounts()`): the create/update fields of §5.2.

use super::{directory::prefixed_id, email_address, optional_text, FieldProblem};
use crate::words::Words;

/// Longest name or company name the client sends (project limit; the docs give none).
pub const MAX_SUBACCOUNT_TEXT_CHARS: usize = 100;

/// A subaccount ID: `sub_` + digits (§3; the docs' "numeric only" is read as the digits of it).
pub fn subaccount_id(input: &str) -> Result<String, FieldProblem> {
    let id = input.trim();
    // A bare number is the same subaccount: §3 says "Numeric only" while the examples send sub_….
    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
        return prefixed_id(
            &format!("sub_{id}"),
            "sub_",
            "subaccount",
            "check.subaccount",
        );
    }
    prefixed_id(id, "sub_", "subaccount", "check.subaccount")
}

/// ISO 3166 alpha-2: two letters, returned in capitals (§5.2 create: `US`, `FR`, `MX`).
pub fn country_code(input: &str) -> Result<String, FieldProblem> {
    let code = input.trim();
    if code.len() == 2 && code.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Ok(code.to_ascii_uppercase());
    }
    Err(FieldProblem::new(
        "country",
        Words::with("check.subaccount.country", &[("country", &code)]),
        Words::new("check.subaccount.countryHint"),
    ))
}

/// `yyyy-MM-dd` and a real calendar date (§5.2 create: a wrong format is error 303).
pub fn expiry_date(input: &str) -> Result<String, FieldProblem> {
    let text = input.trim();
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if shaped && time::Date::parse(text, format).is_ok() {
        return Ok(text.to_owned());
    }
    Err(FieldProblem::new(
        "expiryDate",
        Words::with("check.subaccount.expiry", &[("date", &text)]),
        Words::new("check.subaccount.expiryHint"),
    ))
}

/// `trial` or `customer` (§5.2 create).
pub fn subaccount_status(input: &str) -> Result<String, FieldProblem> {
    let word = input.trim().to_ascii_lowercase();
    if matches!(word.as_str(), "trial" | "customer") {
        return Ok(word);
    }
    Err(FieldProblem::new(
        "status",
        Words::with("check.subaccount.status", &[("status", &input.trim())]),
        Words::new("check.subaccount.statusHint"),
    ))
}

/// An optional password: when given, at least 8 characters on one line (project rule; without
/// one Coupontools e-mails a "set your password" link).
pub fn subaccount_password(input: Option<&str>) -> Result<Option<String>, FieldProblem> {
    let Some(password) = input.filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    if password.chars().count() < 8
        || password.chars().count() > 128
        || password.chars().any(char::is_control)
    {
        return Err(FieldProblem::new(
            "password",
            Words::new("check.subaccount.password"),
            Words::new("check.subaccount.passwordHint"),
        ));
    }
    Ok(Some(password.to_owned()))
}

/// A `pac_…` package ID (§3), optional.
pub fn package_id(input: Option<&str>) -> Result<Option<String>, FieldProblem> {
    let Some(id) = input.map(str::trim).filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let valid = id.len() > 4
        && id.len() <= 40
        && id.is_char_boundary(4)
        && id[..4].eq_ignore_ascii_case("pac_")
        && id[4..].bytes().all(|b| b.is_ascii_alphanumeric());
    if !valid {
        return Err(FieldProblem::new(
            "package",
            Words::with("check.subaccount.package", &[("id", &id)]),
            Words::new("check.subaccount.packageHint"),
        ));
    }
    Ok(Some(format!("pac_{}", &id[4..])))
}

/// An optional name or company name.
pub fn subaccount_text(
    input: Option<&str>,
    field: &'static str,
) -> Result<Option<String>, FieldProblem> {
    let label = Words::new(format!("check.subaccount.label.{field}"));
    optional_text(input, field, &label, MAX_SUBACCOUNT_TEXT_CHARS)
}

/// The subaccount's e-mail (required on create).
pub fn subaccount_email(input: &str) -> Result<String, FieldProblem> {
    email_address(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subaccount_ids() {
        assert_eq!(subaccount_id("SUB_1536").unwrap(), "sub_1536");
        assert_eq!(subaccount_id("1536").unwrap(), "sub_1536");
        assert_eq!(subaccount_id("sub_x").unwrap_err().field, "subaccount");
        assert_eq!(subaccount_id("").unwrap_err().field, "subaccount");
    }

    #[test]
    fn country_codes_are_two_letters() {
        assert_eq!(country_code(" be ").unwrap(), "BE");
        for bad in ["", "BEL", "B1", "Belgium", "É"] {
            assert_eq!(country_code(bad).unwrap_err().field, "country", "{bad}");
        }
    }

    #[test]
    fn expiry_dates_are_year_month_day() {
        assert_eq!(expiry_date(" 2027-01-31 ").unwrap(), "2027-01-31");
        for bad in [
            "31-01-2027",
            "2027-1-31",
            "2027/01/31",
            "2027-02-30",
            "tomorrow",
            "",
        ] {
            let p = expiry_date(bad).unwrap_err();
            assert_eq!(p.field, "expiryDate", "{bad}");
            assert_eq!(p.hint.key, "check.subaccount.expiryHint", "{bad}");
        }
    }

    #[test]
    fn statuses_passwords_packages() {
        assert_eq!(subaccount_status("Trial").unwrap(), "trial");
        assert_eq!(subaccount_status("customer").unwrap(), "customer");
        assert_eq!(subaccount_status("paying").unwrap_err().field, "status");
        assert_eq!(subaccount_password(Some("")).unwrap(), None);
        assert!(subaccount_password(Some("short")).is_err());
        assert_eq!(
            subaccount_password(Some("long enough")).unwrap().as_deref(),
            Some("long enough")
        );
        assert_eq!(
            package_id(Some("PAC_ab12")).unwrap().as_deref(),
            Some("pac_ab12")
        );
        assert!(package_id(Some("gold")).is_err());
        assert_eq!(package_id(Some(" ")).unwrap(), None);
    }
}
