//! Masks customers' e-mail addresses and phone numbers in a text, whatever put them there: the
//! log formatter runs every line through [`mask`], so an API refusal that names the address
//! ("Email not sent to 'ann@shop.test'", code 604), a reply excerpt of a lost write or a
//! careless `log!` never writes a customer's data to disk.
//!
//! What counts as a phone number: a run of digits and separators (space, `-`, `.`, `/`, `(`,
//! `)`) with 7 to 15 digits that starts with `+`, `(` or `0`, or with 9 to 15 digits split
//! into groups by separators. Plain digit runs without separators (IDs, sequence numbers,
//! timestamps) and dates (`2026-12-07`) are left alone.

/// The text with every e-mail address written `a…@s…` and every phone number `+3…56`. A URL
/// in an error (a member search that failed) carries its query percent-encoded, so `@`, `+`
/// and spaces written that way are read as themselves first.
pub fn mask(text: &str) -> String {
    let text = if text.contains('%') {
        text.replace("%40", "@")
            .replace("%2B", "+")
            .replace("%2b", "+")
            .replace("%20", " ")
    } else {
        text.to_owned()
    };
    mask_phones(&mask_emails(&text))
}

fn is_local_char(c: char) -> bool {
    c.is_alphanumeric() || "._%+-'".contains(c)
}

fn is_domain_char(c: char) -> bool {
    c.is_alphanumeric() || c == '-' || c == '.'
}

fn mask_emails(text: &str) -> String {
    if !text.contains('@') {
        return text.to_owned();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    // Start of the text not yet copied.
    let mut copied = 0;
    while i < chars.len() {
        if chars[i] != '@' {
            i += 1;
            continue;
        }
        let mut start = i;
        while start > copied && is_local_char(chars[start - 1]) {
            start -= 1;
        }
        // A quote or dot before the address is the sentence's, not the address's.
        while start < i && !chars[start].is_alphanumeric() {
            start += 1;
        }
        let mut end = i + 1;
        while end < chars.len() && is_domain_char(chars[end]) {
            end += 1;
        }
        // A sentence's full stop after the address is not part of it.
        while end > i + 1 && chars[end - 1] == '.' {
            end -= 1;
        }
        let local = &chars[start..i];
        let domain = &chars[i + 1..end];
        if local.is_empty() || domain.is_empty() {
            i += 1;
            continue;
        }
        out.extend(&chars[copied..start]);
        out.push(local[0]);
        out.push('…');
        out.push('@');
        out.push(domain[0]);
        out.push('…');
        copied = end;
        i = end;
    }
    out.extend(&chars[copied..]);
    out
}

fn is_phone_char(c: char) -> bool {
    c.is_ascii_digit() || " -./()+".contains(c)
}

fn mask_phones(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let starts = (c == '+' || c == '(' || c.is_ascii_digit())
            && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_'));
        if !starts {
            out.push(c);
            i += 1;
            continue;
        }
        let mut end = i;
        while end < chars.len() && is_phone_char(chars[end]) {
            end += 1;
        }
        // Trailing separators belong to the sentence.
        while end > i && !chars[end - 1].is_ascii_digit() {
            end -= 1;
        }
        let followed_by_word =
            end < chars.len() && (chars[end].is_alphanumeric() || chars[end] == '_');
        let run: String = chars[i..end.max(i)].iter().collect();
        if end > i && !followed_by_word && looks_like_phone(&run) {
            let digits: Vec<char> = run.chars().filter(char::is_ascii_digit).collect();
            out.push(chars[i]);
            out.push('…');
            out.extend(&digits[digits.len() - 2..]);
            i = end;
        } else {
            // Not a phone: copy this run's first character and look again after it.
            out.push(c);
            i += 1;
            // Skip the rest of a digit run, so "x 1234567890" is not re-read from its middle.
            while i < chars.len() && chars[i].is_ascii_digit() && chars[i - 1].is_ascii_digit() {
                out.push(chars[i]);
                i += 1;
            }
        }
    }
    out
}

fn looks_like_phone(run: &str) -> bool {
    let digits = run.chars().filter(char::is_ascii_digit).count();
    if !(7..=15).contains(&digits) || is_date_like(run) {
        return false;
    }
    let first = run.chars().next().unwrap_or(' ');
    if first == '+' || first == '(' || first == '0' {
        return true;
    }
    let groups = run
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .count();
    digits >= 9 && groups >= 2
}

/// `2026-12-07`, `2026-12-07 10`, `07/12/2026` and the like: a year of this or the last
/// century beside a month and a day.
fn is_date_like(run: &str) -> bool {
    let groups: Vec<&str> = run
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .collect();
    if groups.len() < 3 {
        return false;
    }
    let year = |g: &str| g.len() == 4 && (g.starts_with("19") || g.starts_with("20"));
    let at_most = |g: &str, max: u32| g.len() <= 2 && g.parse::<u32>().is_ok_and(|n| n <= max);
    (year(groups[0]) && at_most(groups[1], 12) && at_most(groups[2], 31))
        || (year(groups[2]) && at_most(groups[0], 31) && at_most(groups[1], 31))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_masked_wherever_they_stand() {
        assert_eq!(
            mask("Coupontools error 604: Email not sent to 'nobody@bounce.test'"),
            "Coupontools error 604: Email not sent to 'n…@b…'"
        );
        assert_eq!(mask("to ann.o'neil+x@mail.shop.be."), "to a…@m….");
        assert_eq!(
            mask(r#"{"receiver":"ANN@Shop.TEST","email":"b@c.d"}"#),
            r#"{"receiver":"A…@S…","email":"b…@c…"}"#
        );
        assert_eq!(
            mask("no address @ here, a@ nor @b"),
            "no address @ here, a@ nor @b"
        );
    }

    #[test]
    fn phone_numbers_are_masked_and_ids_dates_and_counts_are_not() {
        for (text, masked) in [
            ("phone +32 470 12 34 56 refused", "phone +…56 refused"),
            ("tel 0470/12.34.56.", "tel 0…56."),
            ("(555) 123-4567", "(…67"),
            ("call 470 12 34 56", "call 4…56"),
            ("+32470123456", "+…56"),
        ] {
            assert_eq!(mask(text), masked, "{text}");
        }
        for text in [
            "sessions since 2026-12-07 02:23:00",
            "on 07/12/2026 10:00",
            "sequenceid 19878460 and 1765074180000 ms",
            "cam_104250 lus_0470123456 dir_12",
            "send/email -> 200 in 1234 ms (attempt 1)",
            "0ist0ywa4t9z7rj0g8mf7",
            "100 000 links",
            "row 12 of 5000",
        ] {
            assert_eq!(mask(text), text);
        }
    }
}
