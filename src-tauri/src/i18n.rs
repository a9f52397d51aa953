//! Words that Rust writes (error messages and hints, row messages, pause reasons, CSV status
//! words) in the language the window shows.
//!
//! There is one dictionary per language, `ui/i18n/<lang>.js`, shared with the window: a message is
//! written once per language, the dictionary test (`ui_dictionaries.rs`) holds every language to
//! the English keys and placeholders, and a translator edits one file. The files are compiled in
//! and read once, at first use.
//!
//! The language is process-wide: the window tells it (`set_ui_language`) on start and whenever
//! the person changes it, so a message worded later — by a background job too — follows. Words
//! kept in the journal or the history stay in the language they were written in, as on paper.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    Nl,
    Fr,
    De,
    Es,
}

impl Lang {
    pub const ALL: [Lang; 5] = [Lang::En, Lang::Nl, Lang::Fr, Lang::De, Lang::Es];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Nl => "nl",
            Lang::Fr => "fr",
            Lang::De => "de",
            Lang::Es => "es",
        }
    }

    /// "nl", "nl-BE", "nl_NL.UTF-8" → Dutch; anything else → None.
    pub fn from_code(code: &str) -> Option<Lang> {
        let prefix = code.get(..2)?.to_ascii_lowercase();
        let rest_ok = code
            .get(2..)
            .is_some_and(|r| r.is_empty() || r.starts_with(['-', '_', '.']));
        if !rest_ok {
            return None;
        }
        Lang::ALL.into_iter().find(|l| l.code() == prefix)
    }

    /// The dictionary file, compiled in (`Lang::ALL` is English first).
    pub(crate) fn source(self) -> &'static str {
        match self {
            Lang::En => include_str!("../../ui/i18n/en.js"),
            Lang::Nl => include_str!("../../ui/i18n/nl.js"),
            Lang::Fr => include_str!("../../ui/i18n/fr.js"),
            Lang::De => include_str!("../../ui/i18n/de.js"),
            Lang::Es => include_str!("../../ui/i18n/es.js"),
        }
    }

    fn index(self) -> u8 {
        Lang::ALL.iter().position(|l| *l == self).unwrap_or(0) as u8
    }
}

/// The computer's languages (the OS settings; on Linux LANGUAGE, LC_ALL, LC_MESSAGES, LANG) that
/// Coupon Desk has, most preferred first, as codes ("nl").
pub fn system_languages() -> Vec<&'static str> {
    let mut found = Vec::new();
    for lang in sys_locale::get_locales().filter_map(|l| Lang::from_code(&l)) {
        if !found.contains(&lang.code()) {
            found.push(lang.code());
        }
    }
    found
}

static CURRENT: AtomicU8 = AtomicU8::new(0);

pub fn set_language(lang: Lang) {
    CURRENT.store(lang.index(), Ordering::Relaxed);
}

thread_local! {
    static OVERRIDE: std::cell::Cell<Option<Lang>> = const { std::cell::Cell::new(None) };
}

/// Runs `f` with this thread's words in `lang` (tests word the same error in every language side
/// by side without touching the process-wide choice).
pub fn in_language<T>(lang: Lang, f: impl FnOnce() -> T) -> T {
    let before = OVERRIDE.with(|o| o.replace(Some(lang)));
    let out = f();
    OVERRIDE.with(|o| o.set(before));
    out
}

pub fn language() -> Lang {
    if let Some(lang) = OVERRIDE.with(|o| o.get()) {
        return lang;
    }
    Lang::ALL
        .get(CURRENT.load(Ordering::Relaxed) as usize)
        .copied()
        .unwrap_or(Lang::En)
}

/// The text of `key` in the current language.
pub fn t(key: &str) -> String {
    t_in(language(), key, &[])
}

/// The text of `key` with its `{name}` placeholders filled. A numeric `count` argument picks the
/// plural form (`key.one` / `key.other`) where the dictionary has them; numbers are written the
/// language's way (1,234 / 1.234 / 1 234).
pub fn tf(key: &str, args: &[(&str, &dyn Arg)]) -> String {
    t_in(language(), key, args)
}

/// A value for a placeholder: numbers are formatted for the language, everything else as is.
pub trait Arg {
    fn render(&self, lang: Lang) -> String;
    fn count(&self) -> Option<u64> {
        None
    }
}

macro_rules! number_arg {
    ($($ty:ty),*) => {$(
        impl Arg for $ty {
            fn render(&self, lang: Lang) -> String {
                group_digits(lang, &self.to_string())
            }
            fn count(&self) -> Option<u64> {
                u64::try_from(*self).ok()
            }
        }
    )*};
}
number_arg!(u8, u16, u32, u64, usize, i32, i64);

impl Arg for str {
    fn render(&self, _: Lang) -> String {
        self.to_owned()
    }
}
impl Arg for String {
    fn render(&self, _: Lang) -> String {
        self.clone()
    }
}
impl Arg for &str {
    fn render(&self, _: Lang) -> String {
        (*self).to_owned()
    }
}

/// Something shown as it is (an ID, a code), even when it is a number.
pub struct Plain<T: Display>(pub T);
impl<T: Display> Arg for Plain<T> {
    fn render(&self, _: Lang) -> String {
        self.0.to_string()
    }
}

pub fn t_in(lang: Lang, key: &str, args: &[(&str, &dyn Arg)]) -> String {
    let count = args
        .iter()
        .find(|(name, _)| *name == "count")
        .and_then(|(_, v)| v.count());
    let template = count
        .and_then(|n| {
            let form = if is_one(lang, n) { "one" } else { "other" };
            lookup(lang, &format!("{key}.{form}")).or_else(|| lookup(lang, &format!("{key}.other")))
        })
        .or_else(|| lookup(lang, key));
    let Some(template) = template else {
        log::error!("no words for {key:?}");
        return key.to_owned();
    };
    fill(template, |name| {
        args.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.render(lang))
    })
}

/// French counts 0 as singular; the others only 1 (CLDR "one" for integers).
fn is_one(lang: Lang, n: u64) -> bool {
    n == 1 || (lang == Lang::Fr && n == 0)
}

fn fill(template: &str, value: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close)
                if after[..close]
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_') =>
            {
                let name = &after[..close];
                match value(name) {
                    Some(v) => out.push_str(&v),
                    None => out.push_str(&rest[open..open + close + 2]),
                }
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Thousands grouping as `Intl.NumberFormat` does it for whole numbers.
pub fn group_digits(lang: Lang, digits: &str) -> String {
    let (sign, digits) = match digits.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", digits),
    };
    let (separator, min_len) = match lang {
        Lang::En => (",", 4),
        Lang::Nl | Lang::De => (".", 4),
        Lang::Fr => ("\u{202f}", 4),
        // Spanish groups only from five digits: 1234 but 12.345.
        Lang::Es => (".", 5),
    };
    if digits.len() < min_len || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return format!("{sign}{digits}");
    }
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push_str(separator);
        }
        out.push(ch);
    }
    format!("{sign}{out}")
}

fn lookup(lang: Lang, key: &str) -> Option<&'static str> {
    let dicts = DICTIONARIES.get_or_init(|| {
        Lang::ALL
            .into_iter()
            .map(|l| {
                let entries = parse_entries(l.source())
                    .into_iter()
                    .filter_map(Result::ok)
                    .collect::<HashMap<_, _>>();
                (l, entries)
            })
            .collect()
    });
    let found = |l: Lang| dicts.get(&l).and_then(|d| d.get(key)).map(String::as_str);
    found(lang).or_else(|| found(Lang::En))
}

static DICTIONARIES: OnceLock<HashMap<Lang, HashMap<String, String>>> = OnceLock::new();

/// Reads a JS string literal starting at the quote `chars[0]`; returns the text and the number of
/// chars consumed, or None when the literal is not closed on this line.
pub(crate) fn read_string(chars: &[char]) -> Option<(String, usize)> {
    let quote = *chars.first()?;
    let mut out = String::new();
    let mut i = 1;
    while i < chars.len() {
        match chars[i] {
            c if c == quote => return Some((out, i + 1)),
            '\\' => {
                let next = *chars.get(i + 1)?;
                i += 2;
                match next {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    'u' => {
                        let hex: String = chars.get(i..i + 4)?.iter().collect();
                        out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                        i += 4;
                    }
                    other => out.push(other), // \' \" \\ and friends
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    None
}

/// A dictionary's key and its text.
pub(crate) type Entry = (String, String);

/// The `'key': 'value',` / `"key": "value",` lines of a dictionary (one entry per line, so no
/// JavaScript engine is needed), in file order; a line that starts like an entry but cannot be
/// read is an `Err((line number, why))` so the dictionary test can point at it.
pub(crate) fn parse_entries(source: &str) -> Vec<Result<Entry, (usize, &'static str)>> {
    source
        .lines()
        .enumerate()
        .filter(|(_, line)| line.trim_start().starts_with(['\'', '"']))
        .map(|(n, line)| parse_line(line.trim_start()).map_err(|why| (n + 1, why)))
        .collect()
}

fn parse_line(line: &str) -> Result<(String, String), &'static str> {
    let chars: Vec<char> = line.chars().collect();
    let (key, used) = read_string(&chars).ok_or("unterminated key")?;
    let rest = &chars[used..];
    let colon = rest
        .iter()
        .position(|c| !c.is_whitespace())
        .filter(|i| rest[*i] == ':')
        .ok_or("expected `:` after the key")?;
    let rest = &rest[colon + 1..];
    let start = rest
        .iter()
        .position(|c| !c.is_whitespace())
        .ok_or("the value must be on the same line")?;
    if !matches!(rest[start], '\'' | '"') {
        return Err("the value must be a quoted string");
    }
    let (value, used) = read_string(&rest[start..]).ok_or("unterminated value")?;
    let tail: String = rest[start + used..].iter().collect();
    let tail = tail.trim();
    if !(tail.is_empty() || tail == "," || tail.starts_with("//") || tail.starts_with(", //")) {
        return Err("unexpected text after the value");
    }
    Ok((key, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_come_from_os_style_codes() {
        assert_eq!(Lang::from_code("nl"), Some(Lang::Nl));
        assert_eq!(Lang::from_code("nl-BE"), Some(Lang::Nl));
        assert_eq!(Lang::from_code("de_DE.UTF-8"), Some(Lang::De));
        assert_eq!(Lang::from_code("FR"), Some(Lang::Fr));
        assert_eq!(Lang::from_code("pt"), None);
        assert_eq!(Lang::from_code("english"), None);
        assert_eq!(Lang::from_code(""), None);
    }

    #[test]
    fn placeholders_are_filled_and_unknown_ones_kept() {
        let text = fill("{a} of {b}, {missing} {not a name}", |n| match n {
            "a" => Some("1".into()),
            "b" => Some("2".into()),
            _ => None,
        });
        assert_eq!(text, "1 of 2, {missing} {not a name}");
    }

    #[test]
    fn numbers_are_grouped_per_language() {
        assert_eq!(group_digits(Lang::En, "100000"), "100,000");
        assert_eq!(group_digits(Lang::Nl, "1234567"), "1.234.567");
        assert_eq!(group_digits(Lang::Fr, "100000"), "100\u{202f}000");
        assert_eq!(group_digits(Lang::Es, "1234"), "1234");
        assert_eq!(group_digits(Lang::Es, "12345"), "12.345");
        assert_eq!(group_digits(Lang::De, "-1234"), "-1.234");
        assert_eq!(group_digits(Lang::En, "999"), "999");
    }

    #[test]
    fn words_come_from_the_chosen_language_with_english_behind() {
        let key = "error.unexpected.message";
        assert_eq!(
            t_in(Lang::En, key, &[]),
            "Something went wrong inside Coupon Desk."
        );
        assert_eq!(t_in(Lang::Nl, key, &[]), "Er ging iets mis in Coupon Desk.");
        assert_eq!(t_in(Lang::De, "no.such.key", &[]), "no.such.key");
    }
}
