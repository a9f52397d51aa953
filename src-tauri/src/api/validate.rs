//! Field checks the command layer runs before any call, so a typo is named next to its field
//! instead of costing a round trip and coming back as a Coupontools code.

use std::fmt;

use crate::api::words::Words;

mod directory;
mod subaccount;

pub use directory::*;
pub use subaccount::*;

/// What is wrong with one field, and how to put it right, for the person who typed it (the app
/// words both).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FieldProblem {
    pub field: &'static str,
    pub message: Words,
    pub hint: Words,
}

impl FieldProblem {
    pub fn new(field: &'static str, message: Words, hint: Words) -> Self {
        FieldProblem {
            field,
            message,
            hint,
        }
    }
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for FieldProblem {}

fn email_hint() -> Words {
    Words::new("field.email.hint")
}

/// Trims and checks an e-mail address: one @, a local part, a domain with a dot, no spaces, at
/// most 254 characters. Deliberately not the full RFC: Coupontools and the mail provider have
/// the last word; this catches what a person mistypes.
pub fn email_address(input: &str) -> Result<String, FieldProblem> {
    let problem = |message: Words| FieldProblem::new("email", message, email_hint());
    let address = input.trim();
    if address.is_empty() {
        return Err(problem(Words::new("field.email.empty")));
    }
    if address.chars().count() > 254 {
        return Err(problem(Words::new("field.email.tooLong")));
    }
    if address.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(problem(Words::new("field.email.spaces")));
    }
    let mut parts = address.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(problem(Words::new("field.email.oneAt")));
    };
    if local.is_empty() || local.chars().count() > 64 {
        return Err(problem(Words::new("field.email.localLength")));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(problem(Words::new("field.email.localDot")));
    }
    if local.chars().any(|c| "()<>[]\\,;:\"".contains(c)) {
        return Err(problem(Words::new("field.email.localCharacter")));
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if domain.is_empty() || labels.len() < 2 {
        return Err(problem(Words::new("field.email.domainDot")));
    }
    let label_ok = |label: &&str| {
        !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    if !labels.iter().all(label_ok) {
        return Err(problem(Words::new("field.email.domainInvalid")));
    }
    if labels.last().is_some_and(|tld| tld.chars().count() < 2) {
        return Err(problem(Words::new("field.email.domainEnd")));
    }
    Ok(address.to_owned())
}

/// `cam_` + digits, or `dir_` + digits (send/email takes both, §3). The prefix is accepted in any
/// case and returned in lower case, as Coupontools writes it.
pub fn campaign_id(input: &str) -> Result<String, FieldProblem> {
    let id = input.trim();
    let hint = || Words::new("field.campaign.hint");
    if id.is_empty() {
        return Err(FieldProblem::new(
            "campaign",
            Words::new("field.campaign.empty"),
            hint(),
        ));
    }
    let valid = id.len() > 4
        && id.is_char_boundary(4)
        && matches!(id[..4].to_ascii_lowercase().as_str(), "cam_" | "dir_")
        && id.len() <= 4 + 18
        && id[4..].bytes().all(|b| b.is_ascii_digit());
    if !valid {
        return Err(FieldProblem::new(
            "campaign",
            Words::with("field.campaign.notAnId", &[("id", &id)]),
            hint(),
        ));
    }
    Ok(format!("{}{}", id[..4].to_ascii_lowercase(), &id[4..]))
}

/// A campaign that single-use links and session lists are made for: `cam_` + digits only.
/// (A directory, `dir_…`, has no single-use links.)
pub fn coupon_campaign_id(input: &str) -> Result<String, FieldProblem> {
    let id = campaign_id(input)?;
    if id.starts_with("dir_") {
        return Err(FieldProblem::new(
            "campaign",
            Words::with("field.campaign.directory.message", &[("id", &id)]),
            Words::new("field.campaign.directory.hint"),
        ));
    }
    Ok(id)
}

/// The most single-use links Coupontools makes in one `multiplesingleuse/create` call (§1, §5.4).
pub const MAX_SINGLE_USE_AMOUNT: u32 = 100_000;

/// How many single-use links to make at once: digits only, from 1 to 100 000. Spaces between
/// digit groups ("100 000") are tolerated; `.` and `,` are not, since "1.5" could mean 15 or 1.5.
pub fn single_use_amount(text: &str) -> Result<u32, FieldProblem> {
    let hint = || Words::new("field.amount.hint");
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(FieldProblem::new(
            "amount",
            Words::new("field.amount.empty"),
            hint(),
        ));
    }
    let digits: String = trimmed
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    let separators_ok = trimmed.starts_with(|c: char| c.is_ascii_digit())
        && trimmed.ends_with(|c: char| c.is_ascii_digit());
    if digits.is_empty() || !separators_ok || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldProblem::new(
            "amount",
            Words::with("field.amount.notDigits", &[("text", &trimmed)]),
            hint(),
        ));
    }
    let digits = digits.trim_start_matches('0');
    let amount = if digits.len() > 9 {
        u64::MAX
    } else {
        digits.parse::<u64>().unwrap_or(0)
    };
    if amount == 0 {
        return Err(FieldProblem::new(
            "amount",
            Words::new("field.amount.zero"),
            hint(),
        ));
    }
    if amount > u64::from(MAX_SINGLE_USE_AMOUNT) {
        return Err(FieldProblem::new(
            "amount",
            Words::new("field.amount.tooMany.message"),
            Words::new("field.amount.tooMany.hint"),
        ));
    }
    Ok(amount as u32)
}

/// The length of the generated part of an automated validation code (after the prefix): 10–25.
pub fn code_length(length: u8) -> Result<u8, FieldProblem> {
    if (10..=25).contains(&length) {
        Ok(length)
    } else {
        Err(FieldProblem::new(
            "codeLength",
            Words::with("field.codeLength.message", &[("length", &length)]),
            Words::new("field.codeLength.hint"),
        ))
    }
}

/// The fixed start of every automated validation code: letters, digits, `-` and `_`, at most 10
/// characters; may be empty. Returned trimmed.
pub fn code_prefix(text: &str) -> Result<String, FieldProblem> {
    let hint = || Words::new("field.codePrefix.hint");
    let prefix = text.trim();
    if let Some(bad) = prefix
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        let message = match bad {
            ' ' => Words::new("field.codePrefix.space"),
            c if c.is_control() => Words::new("field.codePrefix.lineBreak"),
            c => Words::with("field.codePrefix.character", &[("char", &c.to_string())]),
        };
        return Err(FieldProblem::new("codePrefix", message, hint()));
    }
    if prefix.chars().count() > 10 {
        return Err(FieldProblem::new(
            "codePrefix",
            Words::with(
                "field.codePrefix.tooLong",
                &[("length", &prefix.chars().count())],
            ),
            hint(),
        ));
    }
    Ok(prefix.to_owned())
}

/// An optional phone number: digits with the usual `+ - . ( )` and spaces, 6 to 20 digits.
/// Returned trimmed, as typed (Coupontools keeps it as text).
pub fn optional_phone(input: Option<&str>) -> Result<Option<String>, FieldProblem> {
    let hint = || Words::new("field.phone.hint");
    let Some(phone) = input.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if let Some(bad) = phone
        .chars()
        .find(|c| !(c.is_ascii_digit() || " +-.()/".contains(*c)))
    {
        return Err(FieldProblem::new(
            "phone",
            Words::with("field.phone.character", &[("char", &bad.to_string())]),
            hint(),
        ));
    }
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    if !(6..=20).contains(&digits) || phone[1..].contains('+') {
        return Err(FieldProblem::new(
            "phone",
            Words::with("field.phone.invalid", &[("phone", &phone)]),
            hint(),
        ));
    }
    Ok(Some(phone.to_owned()))
}

/// The start of a list of sessions must not come after its end.
pub fn date_range(
    start: Option<time::OffsetDateTime>,
    end: Option<time::OffsetDateTime>,
) -> Result<(), FieldProblem> {
    match (start, end) {
        (Some(start), Some(end)) if start > end => Err(FieldProblem::new(
            "start",
            Words::new("field.dateRange.message"),
            Words::new("field.dateRange.hint"),
        )),
        _ => Ok(()),
    }
}

/// What pasted text names: a whole 21-character session code, or only its 6-character short form.
#[derive(Clone, Debug, PartialEq, Eq)]
enum PastedCode {
    Full(String),
    Short(String),
}

fn session_code_hint() -> Words {
    Words::new("field.code.hint")
}

/// Reads pasted text: a bare code, or a link whose last path segment is the code. Spaces, a
/// trailing comma or slash, and a `?query` or `#part` are dropped.
fn pasted_code(text: &str) -> Result<PastedCode, FieldProblem> {
    let not_a_code = |shown: &str| {
        FieldProblem::new(
            "code",
            Words::with("field.code.notACode", &[("text", &shown)]),
            session_code_hint(),
        )
    };
    let cleaned = text
        .trim()
        .trim_end_matches(|c: char| c == ',' || c == '/' || c.is_whitespace());
    if cleaned.is_empty() {
        return Err(FieldProblem::new(
            "code",
            Words::new("field.code.empty"),
            session_code_hint(),
        ));
    }
    let without_extras = cleaned
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .trim_end_matches(|c: char| c == ',' || c == '/');
    let is_link = without_extras.contains('/');
    let segment = without_extras
        .rsplit('/')
        .next()
        .unwrap_or("")
        .trim_end_matches(',')
        .trim();
    let shown: String = cleaned.chars().take(80).collect();
    if !segment.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(not_a_code(&shown));
    }
    match segment.len() {
        21 => Ok(PastedCode::Full(segment.to_owned())),
        6 if is_link => {
            // `https://digicpn.com/p/abc123`: the campaign's own link, not one customer's coupon.
            let segments: Vec<&str> = without_extras.split('/').collect();
            if segments.len() >= 2 && segments[segments.len() - 2] == "p" {
                Err(FieldProblem::new(
                    "code",
                    Words::new("field.code.campaignLink"),
                    session_code_hint(),
                ))
            } else {
                Ok(PastedCode::Short(segment.to_owned()))
            }
        }
        6 => Ok(PastedCode::Short(segment.to_owned())),
        _ => Err(not_a_code(&shown)),
    }
}

/// The 21-character session code in pasted text: the code itself, or a link
/// `https://<host>/p/<6-char>/<21-char>`. A 6-character short code is not enough to remove a link.
pub fn session_code_from_text(
    text: &str,
) -> Result<super::single_use_code::SingleUseCode, FieldProblem> {
    match pasted_code(text)? {
        PastedCode::Full(code) => Ok(super::single_use_code::SingleUseCode::new(code)),
        PastedCode::Short(_) => Err(FieldProblem::new(
            "code",
            Words::new("field.code.shortCode"),
            session_code_hint(),
        )),
    }
}

/// A code to look a session up with `couponsession/data`: the 21-character code, its
/// 6-character short form, or a link holding the code.
pub fn session_lookup_code(text: &str) -> Result<String, FieldProblem> {
    match pasted_code(text)? {
        PastedCode::Full(code) | PastedCode::Short(code) => Ok(code),
    }
}

/// The most digits a money amount may have before its decimals (project limit).
pub const MAX_MONEY_DIGITS: usize = 10;

/// The money a customer spent, for `couponsession/update`'s `validation_value`: digits, then
/// optionally a `.` or `,` and one or two decimals ("12", "12.5", "12,50"). Sent with a `.` and
/// two decimals ("12.50"), whichever separator was typed.
pub fn validation_value(text: &str) -> Result<String, FieldProblem> {
    let hint = || Words::new("field.validationValue.hint");
    let text = text.trim();
    let (whole, decimals) = match text.find(['.', ',']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if text.is_empty() {
        return Err(FieldProblem::new(
            "validationValue",
            Words::new("field.validationValue.empty"),
            hint(),
        ));
    }
    let ok = digits(whole)
        && whole.len() <= MAX_MONEY_DIGITS
        && decimals.is_none_or(|d| digits(d) && d.len() <= 2);
    if !ok {
        let shown: String = text.chars().take(30).collect();
        return Err(FieldProblem::new(
            "validationValue",
            Words::with("field.validationValue.invalid", &[("text", &shown)]),
            hint(),
        ));
    }
    let whole = whole.trim_start_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    Ok(format!("{whole}.{:0<2}", decimals.unwrap_or("")))
}

/// What one session update asks for must be something: an operation or a void change, and
/// an amount only when validating.
pub fn session_change(
    operation: bool,
    validating: bool,
    value: bool,
    void: bool,
) -> Result<(), FieldProblem> {
    if value && !validating {
        return Err(FieldProblem::new(
            "validationValue",
            Words::new("field.validationValue.notValidating.message"),
            Words::new("field.validationValue.notValidating.hint"),
        ));
    }
    if !operation && !void {
        return Err(FieldProblem::new(
            "operation",
            Words::new("field.operation.message"),
            Words::new("field.operation.hint"),
        ));
    }
    Ok(())
}

/// The codes of one `couponsession/updatemultiple`: each a 21-character code, its 6-character
/// short form or a link holding one; 1 to `max`.
pub fn session_codes(codes: &[String], max: usize) -> Result<Vec<String>, FieldProblem> {
    if codes.iter().all(|c| c.trim().is_empty()) {
        return Err(FieldProblem::new(
            "codes",
            Words::new("field.codes.empty"),
            session_code_hint(),
        ));
    }
    let codes: Vec<String> = codes
        .iter()
        .filter(|c| !c.trim().is_empty())
        .map(|c| {
            session_lookup_code(c).map_err(|p| FieldProblem {
                field: "codes",
                ..p
            })
        })
        .collect::<Result<_, _>>()?;
    if codes.len() > max {
        return Err(FieldProblem::new(
            "codes",
            Words::with(
                "field.codes.tooMany.message",
                &[("count", &codes.len()), ("max", &max)],
            ),
            Words::new("field.codes.tooMany.hint"),
        ));
    }
    Ok(codes)
}

/// The API client ID: non-empty, one word of visible characters, a sensible length.
pub fn client_id(input: &str) -> Result<String, FieldProblem> {
    let id = input.trim();
    check_key(Credential::ClientId, id, 4, 128)?;
    Ok(id.to_owned())
}

/// The API client secret, trimmed, with the same rules; the value never appears in a problem's
/// words. The caller wraps it in a [`Secret`](super::config::Secret) at once.
pub fn client_secret(input: &str) -> Result<String, FieldProblem> {
    let secret = input.trim();
    check_key(Credential::ClientSecret, secret, 8, 256)?;
    Ok(secret.to_owned())
}

/// An optional free-text field (a first name, a subject): trimmed, empty → None, at most
/// `max_chars` characters, no line breaks or other control characters (they would end up in an
/// e-mail header). `label` names the field in the problem's words, already in the current
/// language (the translations quote it, so any noun fits).
pub fn optional_text(
    input: Option<&str>,
    field: &'static str,
    label: &Words,
    max_chars: usize,
) -> Result<Option<String>, FieldProblem> {
    let Some(text) = input.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().any(char::is_control) {
        return Err(FieldProblem::new(
            field,
            Words::with("field.text.lineBreaks.message", &[("label", label)]),
            Words::with("field.text.lineBreaks.hint", &[("label", label)]),
        ));
    }
    if text.chars().count() > max_chars {
        return Err(FieldProblem::new(
            field,
            Words::with("field.text.tooLong.message", &[("label", label)]),
            Words::with("field.text.tooLong.hint", &[("max", &max_chars)]),
        ));
    }
    Ok(Some(text.to_owned()))
}

// ---------------------------------------------------------------------------------------------
// Loyalty (the `client.loyalty()` handler)

/// Longest name a copied loyalty card may get (§0.5 #2).
pub const MAX_CARD_NAME_CHARS: usize = 50;
/// Longest loyalty push notification the client sends (project limit; the docs give none).
pub const MAX_PUSH_MESSAGE_CHARS: usize = 500;
/// Longest member first / last name, address, postal code, city and custom field (project
/// limits, the same in the sandbox; the docs give none).
pub const MAX_MEMBER_NAME_CHARS: usize = 100;
pub const MAX_MEMBER_ADDRESS_CHARS: usize = 200;
pub const MAX_MEMBER_ZIP_CHARS: usize = 12;
pub const MAX_MEMBER_CITY_CHARS: usize = 60;
pub const MAX_MEMBER_CUSTOM_CHARS: usize = 255;

/// The name for a copied loyalty card: optional, one line, at most 50 characters.
pub fn loyalty_card_name(input: Option<&str>) -> Result<Option<String>, FieldProblem> {
    optional_text(
        input,
        "name",
        &Words::new("field.label.cardName"),
        MAX_CARD_NAME_CHARS,
    )
}

/// A loyalty push notification: required, at most 500 characters (line breaks are fine).
pub fn push_message(input: &str) -> Result<String, FieldProblem> {
    let message = input.trim();
    if message.is_empty() {
        return Err(FieldProblem::new(
            "message",
            Words::new("field.pushMessage.empty"),
            Words::new("field.pushMessage.hint"),
        ));
    }
    let length = message.chars().count();
    if length > MAX_PUSH_MESSAGE_CHARS {
        return Err(FieldProblem::new(
            "message",
            Words::with(
                "field.pushMessage.tooLong.message",
                &[("length", &length), ("max", &MAX_PUSH_MESSAGE_CHARS)],
            ),
            Words::new("field.pushMessage.tooLong.hint"),
        ));
    }
    Ok(message.to_owned())
}

/// Stamps to add at once: at least 1.
pub fn stamp_amount(amount: u32) -> Result<u32, FieldProblem> {
    if amount == 0 {
        return Err(FieldProblem::new(
            "amount",
            Words::new("field.stamps.zero.message"),
            Words::new("field.stamps.zero.hint"),
        ));
    }
    Ok(amount)
}

/// The fields of a loyalty member to create or change: each optional; names, address, city and
/// custom fields one line and not too long; a postal code of letters, digits, spaces and `-`;
/// the e-mail address and phone number checked as everywhere else. Returned trimmed, blank
/// fields left out.
pub fn member_fields(
    fields: &super::member_fields::MemberFields,
) -> Result<super::member_fields::MemberFields, FieldProblem> {
    let text = |input: &Option<String>, field, label: Words, max| {
        optional_text(input.as_deref(), field, &label, max)
    };
    let email = match fields
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        Some(email) => Some(email_address(email)?),
        None => None,
    };
    let zip = text(
        &fields.zip,
        "zip",
        Words::new("field.label.zip"),
        MAX_MEMBER_ZIP_CHARS,
    )?;
    if let Some(zip) = &zip {
        if !zip
            .chars()
            .all(|c| c.is_alphanumeric() || c == ' ' || c == '-')
        {
            return Err(FieldProblem::new(
                "zip",
                Words::with("field.zip.message", &[("zip", zip)]),
                Words::new("field.zip.hint"),
            ));
        }
    }
    let mut custom: [Option<String>; 8] = Default::default();
    for (n, (slot, value)) in custom.iter_mut().zip(&fields.custom).enumerate() {
        const FIELDS: [&str; 8] = [
            "custom1", "custom2", "custom3", "custom4", "custom5", "custom6", "custom7", "custom8",
        ];
        *slot = text(
            value,
            FIELDS[n],
            Words::new("field.label.custom"),
            MAX_MEMBER_CUSTOM_CHARS,
        )?;
    }
    Ok(super::member_fields::MemberFields {
        first_name: text(
            &fields.first_name,
            "firstName",
            Words::new("field.label.firstName"),
            MAX_MEMBER_NAME_CHARS,
        )?,
        last_name: text(
            &fields.last_name,
            "lastName",
            Words::new("field.label.lastName"),
            MAX_MEMBER_NAME_CHARS,
        )?,
        address: text(
            &fields.address,
            "address",
            Words::new("field.label.address"),
            MAX_MEMBER_ADDRESS_CHARS,
        )?,
        zip,
        city: text(
            &fields.city,
            "city",
            Words::new("field.label.city"),
            MAX_MEMBER_CITY_CHARS,
        )?,
        phone: optional_phone(fields.phone.as_deref())?,
        email,
        custom,
    })
}

/// The two API credentials, each with its own words (the sentences differ per language).
#[derive(Clone, Copy)]
enum Credential {
    ClientId,
    ClientSecret,
}

/// What can be wrong with a credential as typed.
#[derive(Clone, Copy)]
enum KeyProblem {
    Empty,
    Spaces,
    Characters,
    TooShort,
    TooLong,
}

impl Credential {
    fn field(self) -> &'static str {
        match self {
            Credential::ClientId => "client_id",
            Credential::ClientSecret => "client_secret",
        }
    }

    fn words(self, problem: KeyProblem) -> Words {
        use Credential::*;
        use KeyProblem::*;
        match (self, problem) {
            (ClientId, Empty) => Words::new("field.clientId.empty"),
            (ClientId, Spaces) => Words::new("field.clientId.spaces"),
            (ClientId, Characters) => Words::new("field.clientId.characters"),
            (ClientId, TooShort) => Words::new("field.clientId.tooShort"),
            (ClientId, TooLong) => Words::new("field.clientId.tooLong"),
            (ClientSecret, Empty) => Words::new("field.clientSecret.empty"),
            (ClientSecret, Spaces) => Words::new("field.clientSecret.spaces"),
            (ClientSecret, Characters) => Words::new("field.clientSecret.characters"),
            (ClientSecret, TooShort) => Words::new("field.clientSecret.tooShort"),
            (ClientSecret, TooLong) => Words::new("field.clientSecret.tooLong"),
        }
    }
}

fn check_key(
    credential: Credential,
    value: &str,
    min: usize,
    max: usize,
) -> Result<(), FieldProblem> {
    let problem = if value.is_empty() {
        KeyProblem::Empty
    } else if value.chars().any(char::is_whitespace) {
        KeyProblem::Spaces
    } else if !value.bytes().all(|b| b.is_ascii_graphic()) {
        KeyProblem::Characters
    } else if value.len() < min {
        KeyProblem::TooShort
    } else if value.len() > max {
        KeyProblem::TooLong
    } else {
        return Ok(());
    };
    Err(FieldProblem::new(
        credential.field(),
        credential.words(problem),
        Words::new("field.credentials.hint"),
    ))
}

/// Why an API base address cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BaseUrlProblem {
    /// Not an http(s) address with a host, or it carries a login, a query or a fragment.
    NotAnAddress,
    /// Plain http:// to another computer: the API secret would cross the network readable.
    Unencrypted,
}

/// An API base address: https, or plain http to this computer only (the sandbox, practice mode);
/// a host, no query; returned without trailing slashes.
pub fn base_url(input: &str) -> Result<String, FieldProblem> {
    normalize_base_url(input).map_err(|problem| match problem {
        BaseUrlProblem::NotAnAddress => FieldProblem::new(
            "base_url",
            Words::with(
                "field.baseUrl.notAnAddress.message",
                &[("url", &input.trim())],
            ),
            Words::new("field.baseUrl.notAnAddress.hint"),
        ),
        BaseUrlProblem::Unencrypted => FieldProblem::new(
            "base_url",
            Words::with(
                "field.baseUrl.unencrypted.message",
                &[("url", &input.trim())],
            ),
            Words::new("field.baseUrl.unencrypted.hint"),
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
    #[allow(unused_imports)]
    use crate::words::{say, ApiErrorWords, FieldProblemWords};

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
            assert!(!problem.user_message().is_empty() && !problem.hint().is_empty());
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(email_address(&long)
            .unwrap_err()
            .user_message()
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
            assert!(problem.hint().contains("cam_12345"));
        }
    }

    #[test]
    fn single_use_amounts() {
        for (input, expected) in [
            ("1", 1),
            (" 250 ", 250),
            ("100000", 100_000),
            ("100 000", 100_000),
            ("0010", 10),
        ] {
            assert_eq!(single_use_amount(input), Ok(expected), "{input}");
        }
        let too_many = single_use_amount("100001").unwrap_err();
        assert_eq!(too_many.field, "amount");
        assert!(
            too_many.user_message().contains("100 000")
                && too_many.user_message().contains("at once"),
            "{}",
            too_many.message
        );
        assert!(too_many.hint().contains("split"), "{}", too_many.hint);
        assert!(single_use_amount("99999999999999999999")
            .unwrap_err()
            .user_message()
            .contains("100 000"));
        for (input, words) in [
            ("", "Enter how many"),
            ("0", "at least 1"),
            ("000", "at least 1"),
            ("-5", "digits only"),
            ("1.5", "digits only"),
            ("1,000", "digits only"),
            ("ten", "digits only"),
            ("+7", "digits only"),
            ("１２", "digits only"),
        ] {
            let problem = single_use_amount(input).expect_err(input);
            assert!(
                problem.user_message().contains(words),
                "{input}: {}",
                problem.message
            );
            assert_eq!(problem.field, "amount");
        }
    }

    #[test]
    fn code_lengths() {
        for ok in [10, 17, 25] {
            assert_eq!(code_length(ok), Ok(ok));
        }
        for bad in [0, 9, 26, 255] {
            let problem = code_length(bad).expect_err("out of range");
            assert_eq!(problem.field, "codeLength");
            assert!(problem.hint().contains("10 to 25"), "{}", problem.hint);
        }
    }

    #[test]
    fn code_prefixes() {
        for (input, expected) in [
            ("", ""),
            (" SPR-2025_ ", "SPR-2025_"),
            ("abcdefghij", "abcdefghij"),
        ] {
            assert_eq!(code_prefix(input).as_deref(), Ok(expected), "{input}");
        }
        for (input, words) in [
            ("SPR 25", "cannot contain a space"),
            ("SPR#", "cannot contain “#”"),
            ("é", "cannot contain “é”"),
            ("A\tB", "line break or tab"),
            ("abcdefghijk", "11 characters"),
        ] {
            let problem = code_prefix(input).expect_err(input);
            assert_eq!(problem.field, "codePrefix");
            assert!(
                problem.user_message().contains(words),
                "{input}: {}",
                problem.message
            );
        }
    }

    #[test]
    fn phones() {
        assert_eq!(optional_phone(None), Ok(None));
        assert_eq!(optional_phone(Some("  ")), Ok(None));
        assert_eq!(
            optional_phone(Some(" +32 (0)470 12.34.56 ")),
            Ok(Some("+32 (0)470 12.34.56".to_owned()))
        );
        for bad in ["12345", "call me", "+32 470 + 12", "0470123456789012345678"] {
            let problem = optional_phone(Some(bad)).expect_err(bad);
            assert_eq!(problem.field, "phone");
        }
    }

    #[test]
    fn coupon_campaigns_refuse_directories() {
        assert_eq!(coupon_campaign_id(" CAM_7 ").as_deref(), Ok("cam_7"));
        let problem = coupon_campaign_id("dir_7002").unwrap_err();
        assert_eq!(problem.field, "campaign");
        assert!(problem.user_message().contains("directory"));
        assert_eq!(coupon_campaign_id("").unwrap_err().field, "campaign");
    }

    #[test]
    fn date_ranges() {
        use time::macros::datetime;
        let a = datetime!(2025-01-01 0:00 UTC);
        let b = datetime!(2025-01-02 0:00 UTC);
        assert!(date_range(Some(a), Some(b)).is_ok());
        assert!(date_range(Some(a), Some(a)).is_ok());
        assert!(date_range(None, Some(a)).is_ok());
        assert_eq!(date_range(Some(b), Some(a)).unwrap_err().field, "start");
    }

    const CODE: &str = "kkfiznr8yp8630h82es8d";

    #[test]
    fn session_codes_from_pasted_text() {
        for input in [
            CODE.to_owned(),
            format!("  {CODE} "),
            format!("{CODE},"),
            format!("https://digicpn.com/p/v6n7gn/{CODE}"),
            format!(" https://digicpn.com/p/v6n7gn/{CODE}/ "),
            format!("https://digicpn.com/p/v6n7gn/{CODE},"),
            format!("https://digicpn.com/p/v6n7gn/{CODE}?utm_source=mail#top"),
            format!("digicpn.com/p/v6n7gn/{CODE}"),
        ] {
            assert_eq!(
                session_code_from_text(&input).map(|c| c.as_str().to_owned()),
                Ok(CODE.to_owned()),
                "{input}"
            );
        }
        // The doc's example has a capital letter: kept as pasted.
        assert_eq!(
            session_code_from_text("kkfiznr8Yp8630h82es8d")
                .unwrap()
                .as_str(),
            "kkfiznr8Yp8630h82es8d"
        );
    }

    #[test]
    fn a_short_code_is_not_enough_to_remove() {
        for input in [
            "kkfizn",
            " kkfizn, ",
            "https://digicpn.com/p/v6n7gn/kkfizn/x/kkfizn",
        ] {
            let problem = session_code_from_text(input).expect_err(input);
            assert_eq!(problem.field, "code");
            assert_eq!(
                problem.user_message(),
                "A 6-character short code is not enough to remove a link: paste the whole link or its 21-character code."
            );
        }
        assert_eq!(session_lookup_code(" kkfizn ").as_deref(), Ok("kkfizn"));
        assert_eq!(
            session_lookup_code(&format!("https://digicpn.com/p/v6n7gn/{CODE}")).as_deref(),
            Ok(CODE)
        );
    }

    #[test]
    fn not_a_session_code() {
        for (input, words) in [
            ("", "Paste a coupon link or code"),
            ("  , / ", "Paste a coupon link or code"),
            ("kkfiznr8yp8630h82es8", "is not a coupon code or link"),
            ("kkfiznr8yp8630h82es8d1", "is not a coupon code or link"),
            ("kkfiznr8yp8630h82-s8d", "is not a coupon code or link"),
            ("https://digicpn.com/p/v6n7gn", "the campaign itself"),
            ("https://digicpn.com/p/v6n7gn/", "the campaign itself"),
        ] {
            let problem = session_code_from_text(input).expect_err(input);
            assert!(
                problem.user_message().contains(words),
                "{input}: {}",
                problem.message
            );
            assert!(problem.hint().contains("21-character"), "{}", problem.hint);
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
                client_id(input).unwrap_err().user_message().contains(words),
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
            .user_message()
            .contains("too short"));
        assert!(client_secret(&"x".repeat(300))
            .unwrap_err()
            .user_message()
            .contains("too long"));
    }

    #[test]
    fn optional_texts() {
        assert_eq!(
            optional_text(None, "subject", &Words::new("cmd.label.subject"), 10),
            Ok(None)
        );
        assert_eq!(
            optional_text(Some("   "), "subject", &Words::new("cmd.label.subject"), 10),
            Ok(None)
        );
        assert_eq!(
            optional_text(
                Some(" Ann "),
                "firstName",
                &Words::new("cmd.label.firstName"),
                10
            ),
            Ok(Some("Ann".into()))
        );
        assert_eq!(
            optional_text(
                Some("Zoë"),
                "firstName",
                &Words::new("cmd.label.firstName"),
                3
            ),
            Ok(Some("Zoë".into()))
        );
        let long = optional_text(
            Some("abcd"),
            "firstName",
            &Words::new("cmd.label.firstName"),
            3,
        )
        .unwrap_err();
        assert_eq!(long.field, "firstName");
        assert!(long.hint().contains('3'));
        let broken = optional_text(
            Some("Hi\r\nBcc: x@y.z"),
            "subject",
            &Words::new("cmd.label.subject"),
            100,
        )
        .unwrap_err();
        assert!(broken.user_message().contains("line breaks"));
    }

    #[test]
    fn problems_are_worded_in_the_window_language() {
        use crate::i18n::{in_language, Lang};
        let samples = || {
            vec![
                email_address("").unwrap_err(),
                campaign_id("x1").unwrap_err(),
                single_use_amount("100001").unwrap_err(),
                code_prefix("abcdefghijk").unwrap_err(),
                session_code_from_text("kkfizn").unwrap_err(),
                client_secret("short").unwrap_err(),
                loyalty_card_name(Some(&"n".repeat(51))).unwrap_err(),
                base_url("http://api.coupontools.com/v3").unwrap_err(),
            ]
        };
        // The problems are language-free data; the app words them in the window's language.
        for problem in samples() {
            let worded = |lang| in_language(lang, || (problem.user_message(), problem.hint()));
            let (en_message, en_hint) = worded(Lang::En);
            for lang in [Lang::Nl, Lang::Fr, Lang::De, Lang::Es] {
                let (message, hint) = worded(lang);
                assert_ne!(message, en_message, "{lang:?}");
                assert_ne!(hint, en_hint, "{lang:?}");
                assert!(!message.contains('{'), "{message}");
                assert!(!hint.contains('{'), "{hint}");
            }
        }
        let dutch = in_language(Lang::Nl, || {
            loyalty_card_name(Some(&"n".repeat(51)))
                .unwrap_err()
                .user_message()
        });
        assert_eq!(dutch, "Het veld “naam van de kaart” is te lang.");
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
                problem.user_message().contains("not encrypted"),
                "{}",
                problem.message
            );
            assert!(
                problem.user_message().contains("API address"),
                "{}",
                problem.message
            );
            assert!(problem.hint().contains("https://"), "{}", problem.hint);
        }
        assert_eq!(
            normalize_base_url("ftp://127.0.0.1/v3"),
            Err(BaseUrlProblem::NotAnAddress)
        );
    }
}
