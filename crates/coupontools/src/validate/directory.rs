//! Checks for directories, their members and payment statuses (`client.directories()`).

use super::FieldProblem;
use crate::words::Words;

/// Longest payment confirmation ID or account the client sends (project limit; the docs give
/// none, the seed shows them empty).
pub const MAX_PAYMENT_TEXT_CHARS: usize = 100;

/// The payment statuses §10 allows for `directoryusers/update`; `None` sends `""`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    Paid,
    Unpaid,
    Pending,
    /// No status: the API's empty string.
    None,
}

impl PaymentStatus {
    pub const ALL: [PaymentStatus; 4] = [
        PaymentStatus::Paid,
        PaymentStatus::Unpaid,
        PaymentStatus::Pending,
        PaymentStatus::None,
    ];

    /// The API's word (`""` for none).
    pub fn as_api(self) -> &'static str {
        match self {
            PaymentStatus::Paid => "paid",
            PaymentStatus::Unpaid => "unpaid",
            PaymentStatus::Pending => "pending",
            PaymentStatus::None => "",
        }
    }

    /// What a member's `payment_status` says; any other word Coupontools may use is None.
    pub fn from_api(word: &str) -> Option<PaymentStatus> {
        match word.trim().to_ascii_lowercase().as_str() {
            "paid" => Some(PaymentStatus::Paid),
            "unpaid" => Some(PaymentStatus::Unpaid),
            "pending" => Some(PaymentStatus::Pending),
            "" => Some(PaymentStatus::None),
            _ => None,
        }
    }
}

/// A directory ID: `dir_` + digits (any case in, lower case out).
pub fn directory_id(input: &str) -> Result<String, FieldProblem> {
    prefixed_id(input, "dir_", "directory", "check.directory")
}

/// A directory member's ID: `reg_` + digits (seed 001).
pub fn directory_user_id(input: &str) -> Result<String, FieldProblem> {
    prefixed_id(input, "reg_", "user", "check.member")
}

pub(super) fn prefixed_id(
    input: &str,
    prefix: &str,
    field: &'static str,
    keys: &str,
) -> Result<String, FieldProblem> {
    let id = input.trim();
    let hint = Words::new(format!("{keys}.hint"));
    if id.is_empty() {
        return Err(FieldProblem::new(
            field,
            Words::new(format!("{keys}.empty")),
            hint,
        ));
    }
    let n = prefix.len();
    let valid = id.len() > n
        && id.len() <= n + 18
        && id.is_char_boundary(n)
        && id[..n].eq_ignore_ascii_case(prefix)
        && id[n..].bytes().all(|b| b.is_ascii_digit());
    if !valid {
        return Err(FieldProblem::new(
            field,
            Words::with(format!("{keys}.bad"), &[("id", &id)]),
            hint,
        ));
    }
    Ok(format!("{prefix}{}", &id[n..]))
}

/// A category to filter campaigns by (`coupon/list`'s `category`, §5.3): the `cat_…` ID as
/// `category/list` gives it. Empty = no filter.
pub fn category_filter(input: &str) -> Result<Option<String>, FieldProblem> {
    let id = input.trim();
    if id.is_empty() {
        return Ok(None);
    }
    if id.len() > 44
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(FieldProblem::new(
            "category",
            Words::with("check.category.bad", &[("id", &id)]),
            Words::new("check.category.hint"),
        ));
    }
    Ok(Some(id.to_owned()))
}

/// A payment status as the window or a pasted list writes it: paid / unpaid / pending, or
/// none (also "" and "-").
pub fn payment_status(input: &str) -> Result<PaymentStatus, FieldProblem> {
    let word = input.trim().to_ascii_lowercase();
    match word.as_str() {
        "none" | "-" => Ok(PaymentStatus::None),
        other => PaymentStatus::from_api(other).ok_or_else(|| {
            FieldProblem::new(
                "paymentStatus",
                Words::with("check.payment.status", &[("status", &input.trim())]),
                Words::new("check.payment.statusHint"),
            )
        }),
    }
}

/// A payment confirmation ID or account: optional, one line, at most 100 characters.
pub fn payment_text(input: Option<&str>, field: &'static str) -> Result<String, FieldProblem> {
    let text = input.map(str::trim).unwrap_or_default();
    if text.chars().any(char::is_control) || text.chars().count() > MAX_PAYMENT_TEXT_CHARS {
        return Err(FieldProblem::new(
            field,
            Words::new("check.payment.text"),
            Words::with(
                "check.payment.textHint",
                &[("max", &MAX_PAYMENT_TEXT_CHARS)],
            ),
        ));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_keep_their_prefix_in_lower_case() {
        assert_eq!(directory_id(" DIR_7001 ").unwrap(), "dir_7001");
        assert_eq!(directory_user_id("reg_560001").unwrap(), "reg_560001");
        for bad in [
            "",
            "7001",
            "dir_",
            "dir_7x",
            "reg_1",
            "dir_1234567890123456789",
        ] {
            let p = directory_id(bad).unwrap_err();
            assert_eq!(p.field, "directory", "{bad}");
            assert!(!p.message.key.is_empty() && !p.hint.key.is_empty());
        }
        assert_eq!(directory_user_id("dir_1").unwrap_err().field, "user");
    }

    #[test]
    fn payment_statuses_in_every_spelling() {
        assert_eq!(payment_status(" Paid ").unwrap(), PaymentStatus::Paid);
        assert_eq!(payment_status("").unwrap(), PaymentStatus::None);
        assert_eq!(payment_status("none").unwrap(), PaymentStatus::None);
        assert_eq!(payment_status("pending").unwrap(), PaymentStatus::Pending);
        let p = payment_status("refunded").unwrap_err();
        assert!(p.message.to_string().contains("refunded"), "{}", p.message);
        for s in PaymentStatus::ALL {
            assert_eq!(PaymentStatus::from_api(s.as_api()), Some(s));
        }
    }

    #[test]
    fn category_filters() {
        assert_eq!(category_filter(" ").unwrap(), None);
        assert_eq!(
            category_filter("cat_31").unwrap().as_deref(),
            Some("cat_31")
        );
        assert_eq!(category_filter("cat 31").unwrap_err().field, "category");
    }

    #[test]
    fn payment_texts_are_one_short_line() {
        assert_eq!(payment_text(Some(" pi_1 "), "x").unwrap(), "pi_1");
        assert_eq!(payment_text(None, "x").unwrap(), "");
        assert!(payment_text(Some("a\nb"), "x").is_err());
        assert!(payment_text(Some(&"x".repeat(101)), "x").is_err());
    }
}
