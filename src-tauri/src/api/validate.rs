//! Field checks the command layer runs before any call, so a typo is named next to its field
//! instead of costing a round trip and coming back as a Coupontools code.

use std::fmt;

/// What is wrong with one field, in words for the person who typed it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FieldProblem {
    pub field: &'static str,
    pub message: String,
    pub hint: String,
}

impl FieldProblem {
    fn new(field: &'static str, message: impl Into<String>, hint: impl Into<String>) -> Self {
        FieldProblem {
            field,
            message: message.into(),
            hint: hint.into(),
        }
    }
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for FieldProblem {}

const EMAIL_HINT: &str = "An e-mail address looks like name@example.com, without spaces.";

/// Trims and checks an e-mail address: one @, a local part, a domain with a dot, no spaces, at
/// most 254 characters. Deliberately not the full RFC: Coupontools and the mail provider have
/// the last word; this catches what a person mistypes.
pub fn email_address(input: &str) -> Result<String, FieldProblem> {
    let problem = |message: &str| FieldProblem::new("email", message, EMAIL_HINT);
    let address = input.trim();
    if address.is_empty() {
        return Err(problem("Enter an e-mail address."));
    }
    if address.chars().count() > 254 {
        return Err(problem("This e-mail address is too long."));
    }
    if address.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(problem("An e-mail address cannot contain spaces."));
    }
    let mut parts = address.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(problem("An e-mail address needs exactly one @."));
    };
    if local.is_empty() || local.chars().count() > 64 {
        return Err(problem("The part before the @ is missing or too long."));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(problem("The part before the @ has a misplaced dot."));
    }
    if local.chars().any(|c| "()<>[]\\,;:\"".contains(c)) {
        return Err(problem(
            "The part before the @ contains a character that is not allowed.",
        ));
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if domain.is_empty() || labels.len() < 2 {
        return Err(problem(
            "The part after the @ needs a dot, like example.com.",
        ));
    }
    let label_ok = |label: &&str| {
        !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    if !labels.iter().all(label_ok) {
        return Err(problem("The part after the @ is not a valid domain."));
    }
    if labels.last().is_some_and(|tld| tld.chars().count() < 2) {
        return Err(problem(
            "The part after the @ ends too short (like .com or .be).",
        ));
    }
    Ok(address.to_owned())
}

/// `cam_` + digits, or `dir_` + digits (send/email takes both, §3). The prefix is accepted in any
/// case and returned in lower case, as Coupontools writes it.
pub fn campaign_id(input: &str) -> Result<String, FieldProblem> {
    let id = input.trim();
    let hint = "Campaign IDs look like cam_12345 (directories: dir_12345). Pick it from the list or copy it from Coupontools.";
    if id.is_empty() {
        return Err(FieldProblem::new("campaign", "Choose a campaign.", hint));
    }
    let valid = id.len() > 4
        && id.is_char_boundary(4)
        && matches!(id[..4].to_ascii_lowercase().as_str(), "cam_" | "dir_")
        && id.len() <= 4 + 18
        && id[4..].bytes().all(|b| b.is_ascii_digit());
    if !valid {
        return Err(FieldProblem::new(
            "campaign",
            format!("“{id}” is not a campaign ID."),
            hint,
        ));
    }
    Ok(format!("{}{}", id[..4].to_ascii_lowercase(), &id[4..]))
}

const CREDENTIALS_HINT: &str = "Copy it again from Coupontools → Settings → API.";

/// The API client ID: non-empty, one word of visible characters, a sensible length.
pub fn client_id(input: &str) -> Result<String, FieldProblem> {
    let id = input.trim();
    check_key("client_id", "API client ID", id, 4, 128)?;
    Ok(id.to_owned())
}

/// The API client secret, trimmed, with the same rules; the value never appears in a problem's
/// words. The caller wraps it in a [`Secret`](super::config::Secret) at once.
pub fn client_secret(input: &str) -> Result<String, FieldProblem> {
    let secret = input.trim();
    check_key("client_secret", "API client secret", secret, 8, 256)?;
    Ok(secret.to_owned())
}

/// An optional free-text field (a first name, a subject): trimmed, empty → None, at most
/// `max_chars` characters, no line breaks or other control characters (they would end up in an
/// e-mail header).
pub fn optional_text(
    input: Option<&str>,
    field: &'static str,
    label: &str,
    max_chars: usize,
) -> Result<Option<String>, FieldProblem> {
    let Some(text) = input.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().any(char::is_control) {
        return Err(FieldProblem::new(
            field,
            format!("The {label} cannot contain line breaks or tabs."),
            format!("Write the {label} on one line."),
        ));
    }
    if text.chars().count() > max_chars {
        return Err(FieldProblem::new(
            field,
            format!("The {label} is too long."),
            format!("Keep it to at most {max_chars} characters."),
        ));
    }
    Ok(Some(text.to_owned()))
}

fn check_key(
    field: &'static str,
    name: &str,
    value: &str,
    min: usize,
    max: usize,
) -> Result<(), FieldProblem> {
    if value.is_empty() {
        return Err(FieldProblem::new(
            field,
            format!("Enter the {name}."),
            CREDENTIALS_HINT,
        ));
    }
    if value.chars().any(char::is_whitespace) {
        return Err(FieldProblem::new(
            field,
            format!("The {name} cannot contain spaces."),
            CREDENTIALS_HINT,
        ));
    }
    if !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(FieldProblem::new(
            field,
            format!("The {name} contains characters that do not belong in it."),
            CREDENTIALS_HINT,
        ));
    }
    if value.len() < min {
        return Err(FieldProblem::new(
            field,
            format!("The {name} is too short."),
            CREDENTIALS_HINT,
        ));
    }
    if value.len() > max {
        return Err(FieldProblem::new(
            field,
            format!("The {name} is too long."),
            CREDENTIALS_HINT,
        ));
    }
    Ok(())
}

/// Why an API base address cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BaseUrlProblem {
    /// Not an http(s) address with a host, or it carries a login, a query or a fragment.
    NotAnAddress,
    /// Plain http:// to another computer: the API secret would cross the network readable.
    Unencrypted,
}

const BASE_URL_HINT: &str =
    "Enter an API address that starts with https://, for example https://api.coupontools.com/v3.";

/// An API base address: https, or plain http to this computer only (the sandbox, practice mode);
/// a host, no query; returned without trailing slashes.
pub fn base_url(input: &str) -> Result<String, FieldProblem> {
    normalize_base_url(input).map_err(|problem| match problem {
        BaseUrlProblem::NotAnAddress => FieldProblem::new(
            "base_url",
            format!("“{}” is not a web address the app can use.", input.trim()),
            BASE_URL_HINT,
        ),
        BaseUrlProblem::Unencrypted => FieldProblem::new(
            "base_url",
            format!(
                "The API address “{}” is not encrypted (it starts with http://), so your API secret could be read on the way.",
                input.trim()
            ),
            "Change the API address to start with https://, for example https://api.coupontools.com/v3. Plain http:// is only allowed for this computer (localhost or 127.0.0.1).",
        ),
    })
}

/// The one definition of a usable base URL, shared with `Client::new`, so no path to the network
/// skips the https rule.
pub(crate) fn normalize_base_url(input: &str) -> Result<String, BaseUrlProblem> {
    let text = input.trim();
    let url = url::Url::parse(text).map_err(|_| BaseUrlProblem::NotAnAddress)?;
    let usable = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some_and(|h| !h.is_empty())
        && url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && url.fragment().is_none();
    if !usable {
        return Err(BaseUrlProblem::NotAnAddress);
    }
    if url.scheme() == "http" && !is_loopback(&url) {
        return Err(BaseUrlProblem::Unencrypted);
    }
    Ok(text.trim_end_matches('/').to_owned())
}

/// This computer: 127.0.0.0/8, ::1 or localhost. Traffic to it never reaches the network.
fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        // The url crate lower-cases domains, so "LOCALHOST" arrives here as "localhost".
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_email_addresses_are_trimmed_and_kept() {
        for (input, expected) in [
            ("john@doe.com", "john@doe.com"),
            ("  info@receiver.com \n", "info@receiver.com"),
            (
                "first.last+tag@mail.example.co.uk",
                "first.last+tag@mail.example.co.uk",
            ),
            ("a@b.be", "a@b.be"),
            ("o'brien@bounce.test", "o'brien@bounce.test"),
            ("jürgen@beispiel.de", "jürgen@beispiel.de"),
        ] {
            assert_eq!(email_address(input).as_deref(), Ok(expected), "{input}");
        }
    }

    #[test]
    fn bad_email_addresses_are_named() {
        for input in [
            "",
            "   ",
            "john",
            "john@",
            "@doe.com",
            "john@doe",
            "john@@doe.com",
            "jo hn@doe.com",
            "john@doe..com",
            "john@.doe.com",
            "john@doe.com.",
            "john@doe.c",
            ".john@doe.com",
            "jo..hn@doe.com",
            "john@-doe.com",
            "jo,hn@doe.com",
            "john@do_e.com",
        ] {
            let problem = email_address(input).expect_err(input);
            assert_eq!(problem.field, "email");
            assert!(!problem.message.is_empty() && !problem.hint.is_empty());
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(email_address(&long)
            .unwrap_err()
            .message
            .contains("too long"));
    }

    #[test]
    fn campaign_ids() {
        assert_eq!(campaign_id("cam_123456").as_deref(), Ok("cam_123456"));
        assert_eq!(campaign_id(" CAM_1010508 ").as_deref(), Ok("cam_1010508"));
        assert_eq!(campaign_id("dir_12345").as_deref(), Ok("dir_12345"));
        for bad in [
            "",
            "cam_",
            "123456",
            "cam_12a",
            "cam 123",
            "loy_123",
            "cam_-1",
            "çam_123",
            "cam_1234567890123456789",
        ] {
            let problem = campaign_id(bad).expect_err(bad);
            assert_eq!(problem.field, "campaign");
            assert!(problem.hint.contains("cam_12345"));
        }
    }

    #[test]
    fn credentials() {
        assert_eq!(
            client_id(" 449141535434874233217388236 ").as_deref(),
            Ok("449141535434874233217388236")
        );
        assert_eq!(
            client_secret("abcdefghijklmnopqrstuvwxyz0123\n").as_deref(),
            Ok("abcdefghijklmnopqrstuvwxyz0123")
        );
        for (input, words) in [
            ("", "Enter"),
            ("ab cd", "spaces"),
            ("abc", "too short"),
            ("idé12345", "characters"),
        ] {
            assert!(
                client_id(input).unwrap_err().message.contains(words),
                "{input}"
            );
        }
        let secret = "spaced secret-value";
        let problem = client_secret(secret).unwrap_err();
        assert_eq!(problem.field, "client_secret");
        assert!(
            !format!("{problem:?} {problem}").contains("secret-value"),
            "the secret must not be echoed"
        );
        assert!(client_secret("short")
            .unwrap_err()
            .message
            .contains("too short"));
        assert!(client_secret(&"x".repeat(300))
            .unwrap_err()
            .message
            .contains("too long"));
    }

    #[test]
    fn optional_texts() {
        assert_eq!(optional_text(None, "subject", "subject", 10), Ok(None));
        assert_eq!(
            optional_text(Some("   "), "subject", "subject", 10),
            Ok(None)
        );
        assert_eq!(
            optional_text(Some(" Ann "), "firstName", "first name", 10),
            Ok(Some("Ann".into()))
        );
        assert_eq!(
            optional_text(Some("Zoë"), "firstName", "first name", 3),
            Ok(Some("Zoë".into()))
        );
        let long = optional_text(Some("abcd"), "firstName", "first name", 3).unwrap_err();
        assert_eq!(long.field, "firstName");
        assert!(long.hint.contains('3'));
        let broken =
            optional_text(Some("Hi\r\nBcc: x@y.z"), "subject", "subject", 100).unwrap_err();
        assert!(broken.message.contains("line breaks"));
    }

    #[test]
    fn base_urls() {
        assert_eq!(
            base_url("https://api.coupontools.com/v3").as_deref(),
            Ok("https://api.coupontools.com/v3")
        );
        assert_eq!(
            base_url(" https://api4coupons.com/v3// ").as_deref(),
            Ok("https://api4coupons.com/v3")
        );
        assert_eq!(
            base_url("http://127.0.0.1:8080/v4/").as_deref(),
            Ok("http://127.0.0.1:8080/v4")
        );
        for bad in [
            "",
            "api.coupontools.com/v3",
            "ftp://api.coupontools.com",
            "https://",
            "https://u:p@host/v3",
            "https://host/v3?x=1",
            "https://host/v3#top",
            "not a url",
        ] {
            let problem = base_url(bad).expect_err(bad);
            assert_eq!(problem.field, "base_url");
        }
    }

    #[test]
    fn plain_http_is_only_for_this_computer() {
        for local in [
            "http://127.0.0.1:8080/v3",
            "http://127.8.9.10/v3",
            "http://[::1]:9000/v4",
            "http://localhost:3000/v3",
            "http://LocalHost/v3",
            "https://localhost/v3",
        ] {
            assert!(base_url(local).is_ok(), "{local}");
            assert!(normalize_base_url(local).is_ok(), "{local}");
        }
        for remote in [
            "http://api.coupontools.com/v3",
            "HTTP://api4coupons.com/v3",
            "http://192.168.1.20:8080/v3",
            "http://10.0.0.1/v4",
            "http://[2001:db8::1]/v3",
            "http://localhost.example.com/v3",
            "http://128.0.0.1/v3",
        ] {
            assert_eq!(
                normalize_base_url(remote),
                Err(BaseUrlProblem::Unencrypted),
                "{remote}"
            );
            let problem = base_url(remote).expect_err(remote);
            assert_eq!(problem.field, "base_url");
            assert!(
                problem.message.contains("not encrypted"),
                "{}",
                problem.message
            );
            assert!(
                problem.message.contains("API address"),
                "{}",
                problem.message
            );
            assert!(problem.hint.contains("https://"), "{}", problem.hint);
        }
        assert_eq!(
            normalize_base_url("ftp://127.0.0.1/v3"),
            Err(BaseUrlProblem::NotAnAddress)
        );
    }
}
