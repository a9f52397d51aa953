//! Field checks the command layer runs before any call, so a typo is named next to its field
//! instead of costing a round trip and coming back as a Coupontools code.

use std::fmt;

use crate::words::Words;

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

impl crate::words::Explain for FieldProblem {
    fn words(&self) -> (Words, Words) {
        (self.message.clone(), self.hint.clone())
    }
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
        .trim_end_matches([',', '/']);
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
pub enum BaseUrlProblem {
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
pub fn normalize_base_url(input: &str) -> Result<String, BaseUrlProblem> {
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
