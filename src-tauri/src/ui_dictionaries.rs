//! Checks the UI dictionaries (`ui/i18n/*.js`) against each other and against the keys the UI
//! uses, so a screen never shows a raw key or silently falls back to English:
//! every language has every English key, with the same `{placeholders}`; no translation is still
//! the English text unless it is listed in [`SAME_AS_ENGLISH`]; and every literal key in
//! `ui/**/*.html` and `ui/**/*.js` exists in `en.js`.
//!
//! The dictionaries are `export default { 'key': 'value', ... }` with one entry per line, so a
//! small line parser is enough (no JavaScript engine needed).

use std::collections::{BTreeMap, BTreeSet};

use crate::i18n::{self, read_string};

/// Every file of the window with this ending (`.js`, `.html`) under `ui/` but the dictionaries,
/// as (path under `ui/`, text): read from the source tree, so a new screen needs no line here.
fn ui_files(ending: &str) -> Vec<(String, String)> {
    fn walk(
        dir: &std::path::Path,
        root: &std::path::Path,
        ending: &str,
        out: &mut Vec<(String, String)>,
    ) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            let name = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            if path.is_dir() && name != "i18n" {
                walk(&path, root, ending, out);
            } else if name.ends_with(ending) {
                out.push((name, std::fs::read_to_string(&path).unwrap_or_default()));
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui");
    let mut files = Vec::new();
    walk(&root, &root, ending, &mut files);
    files.sort();
    assert!(
        !files.is_empty(),
        "no {ending} files under {}",
        root.display()
    );
    files
}

/// Translations that really are the same word as in English: (language, key); "*" = every language.
/// Entries without any letters outside `{placeholders}` ("#", "{n} %") need no listing.
const SAME_AS_ENGLISH: &[(&str, &str)] = &[
    ("*", "app.name"),                  // the product's name
    ("*", "settings.kind.coupontools"), // a brand
    ("nl", "status.account"),
    ("nl", "history.col.account"),
    ("nl", "settings.host"),
    ("nl", "settings.add.preset"),
    ("nl", "links.col.url"),
    ("nl", "campaigns.link"),
    ("nl", "campaigns.count.sessions"),
    ("nl", "links.col.code"),
    ("nl", "loyalty.col.id"),
    ("fr", "bulk.problem.none"),
    ("fr", "links.col.code"),
    ("fr", "campaigns.count.sessions"),
    ("fr", "loyalty.col.email"),
    ("de", "bulk.problem.none"),
    ("de", "bulk.col.problem"),
    ("de", "settings.host"),
    ("de", "settings.add.preset"),
    ("de", "links.col.url"),
    ("de", "campaigns.link"),
    ("de", "links.col.code"),
    ("de", "loyalty.col.name"),
    ("de", "loyalty.col.id"),
    ("es", "loyalty.col.id"),
    // Shipping (updates, About, licences)
    ("nl", "update.banner.later"),
    ("nl", "about.updates.title"),
    ("fr", "about.version"),
    ("fr", "about.licences.col.version"),
    ("fr", "about.licences.col.licence"),
    ("de", "about.version"),
    ("de", "about.updates.title"),
    ("de", "about.licences.col.version"),
    ("nl", "subaccounts.accountName"), // "subaccount" is the Dutch word too
    ("nl", "nav.subaccounts"),
    ("nl", "subaccounts.title"),
    ("nl", "directories.status"),
    ("nl", "subaccounts.col.status"),
    ("nl", "subaccounts.field.status"),
    ("nl", "subaccounts.fact.id"),
    ("de", "directories.status"),
    ("de", "subaccounts.col.status"),
    ("de", "subaccounts.field.status"),
    ("de", "directories.col.name"),
    ("de", "subaccounts.col.name"),
    ("de", "subaccounts.fact.name"),
    ("de", "subaccounts.fact.id"),
    ("es", "subaccounts.fact.id"),
    ("es", "subaccounts.accessOff"), // "no" is Spanish too
];

/// HTML attributes whose value is a dictionary key (see `applyTranslations` in ui/js/i18n.js).
const HTML_KEY_ATTRIBUTES: &[&str] = &[
    "data-i18n",
    "data-i18n-placeholder",
    "data-i18n-alt",
    "data-i18n-aria-label",
    "data-i18n-title",
    // A job panel's title (job-panel.js draws the panel).
    "data-panel-title",
];

type Dictionary = BTreeMap<String, String>;

/// Entries in file order; panics on a line that starts like an entry but cannot be read, so
/// nothing is skipped silently.
fn parse_entries(name: &str, source: &str) -> Vec<(String, String)> {
    i18n::parse_entries(source)
        .into_iter()
        .map(|entry| entry.unwrap_or_else(|(line, why)| panic!("{name}:{line}: {why}")))
        .collect()
}

fn parse(name: &str, source: &str) -> Dictionary {
    let mut dict = Dictionary::new();
    for (key, value) in parse_entries(name, source) {
        assert!(
            dict.insert(key.clone(), value).is_none(),
            "{name}: key {key:?} appears twice (the later one silently wins in JavaScript)"
        );
    }
    dict
}

fn dictionaries() -> Vec<(&'static str, Dictionary)> {
    i18n::Lang::ALL
        .iter()
        .map(|lang| {
            (
                lang.code(),
                parse(&format!("{}.js", lang.code()), lang.source()),
            )
        })
        .collect()
}

fn english() -> Dictionary {
    parse("en.js", i18n::Lang::En.source())
}

/// The `{name}` placeholders of a text, sorted, repeats kept.
fn placeholders(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        rest = &rest[open + 1..];
        if let Some(close) = rest.find('}') {
            let name = &rest[..close];
            if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                found.push(name.to_string());
                rest = &rest[close + 1..];
            }
        }
    }
    found.sort();
    found
}

/// True when the text has a letter outside its placeholders, i.e. something to translate.
fn has_words(text: &str) -> bool {
    let mut stripped = text.to_string();
    for name in placeholders(text) {
        stripped = stripped.replace(&format!("{{{name}}}"), "");
    }
    stripped.chars().any(char::is_alphabetic)
}

fn allowed_same(lang: &str, key: &str) -> bool {
    SAME_AS_ENGLISH
        .iter()
        .any(|(l, k)| (*l == "*" || *l == lang) && *k == key)
}

/// A key the code asks for exists in English, directly or as a plural family (`key.other`).
fn english_has(en: &Dictionary, key: &str) -> bool {
    en.contains_key(key) || en.contains_key(&format!("{key}.other"))
}

/// Keys in `attr="…"` attributes of the HTML.
fn html_keys(html: &str, attr: &str) -> Vec<String> {
    let needle = format!("{attr}=\"");
    let mut keys = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(&needle) {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + needle.len()..];
        let end = rest
            .find('"')
            .expect("unterminated attribute in index.html");
        // `data-i18n="` must not match the tail of a longer attribute name.
        if !matches!(before, Some(c) if c.is_alphanumeric() || c == '-') {
            keys.push(rest[..end].to_string());
        }
        rest = &rest[end..];
    }
    keys
}

/// Plain literal keys in `t('…')`, `tOr('…'` and `label: '…'` (template strings with `${}` are
/// built at run time and cannot be checked here).
fn script_keys(source: &str) -> Vec<String> {
    let chars: Vec<char> = source.chars().collect();
    let ident = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    let mut keys = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts_word = i == 0 || !ident(chars[i - 1]);
        let prefix_len = ["t(", "tOr(", "label: "].iter().find_map(|p| {
            let p: Vec<char> = p.chars().collect();
            (starts_word && chars[i..].starts_with(&p)).then_some(p.len())
        });
        if let Some(len) = prefix_len {
            let at = i + len;
            if matches!(chars.get(at), Some('\'' | '"' | '`')) {
                if let Some((text, used)) = read_string(&chars[at..]) {
                    if !(chars[at] == '`' && text.contains("${")) {
                        keys.push(text);
                    }
                    i = at + used;
                    continue;
                }
            }
        }
        i += 1;
    }
    keys
}

#[test]
fn the_parser_reads_both_quote_styles_and_escapes() {
    let source = r#"export default {
  // a comment
  'a': 'plain',
  "b": "double",
  'c': 'it\'s',
  "d": "say \"hi\" {name}",
  'e': "mixed 'inner'", // trailing comment
  'f': 'back\\slash\u00e9',
};"#;
    let d = parse("sample", source);
    assert_eq!(d["a"], "plain");
    assert_eq!(d["b"], "double");
    assert_eq!(d["c"], "it's");
    assert_eq!(d["d"], "say \"hi\" {name}");
    assert_eq!(d["e"], "mixed 'inner'");
    assert_eq!(d["f"], "back\\slashé");
    assert_eq!(d.len(), 6);
    assert_eq!(placeholders("{b} of {a} and {b}"), vec!["a", "b", "b"]);
    assert!(!has_words("{n} %"));
    assert!(has_words("{n} per minute"));
    assert_eq!(
        script_keys("t('a.b'); x.tOr(\"c\", 1); label: 'd', t(`e.${f}`), t(`g`); split('x')"),
        vec!["a.b", "c", "d", "g"]
    );
    assert_eq!(
        html_keys(r#"<p data-i18n="x.y" data-i18n-alt="z"></p>"#, "data-i18n"),
        vec!["x.y"]
    );
}

#[test]
#[should_panic(expected = "unterminated value")]
fn a_value_split_over_lines_is_reported() {
    parse("sample", "  'a': 'no end\n  here',\n");
}

#[test]
fn every_language_has_every_english_key() {
    let en = english();
    assert!(en.len() > 100, "en.js parsed to only {} keys", en.len());
    let mut problems = Vec::new();
    for (lang, dict) in dictionaries().iter().skip(1) {
        for key in en.keys().filter(|k| !dict.contains_key(*k)) {
            problems.push(format!("{lang}.js is missing {key:?}"));
        }
        for key in dict.keys().filter(|k| !en.contains_key(*k)) {
            problems.push(format!("{lang}.js has {key:?}, which en.js does not have"));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn placeholders_are_the_same_in_every_language() {
    let en = english();
    let mut problems = Vec::new();
    for (lang, dict) in dictionaries().iter().skip(1) {
        for (key, text) in dict {
            let Some(english) = en.get(key) else { continue };
            let (want, got) = (placeholders(english), placeholders(text));
            if want != got {
                problems.push(format!(
                    "{lang}.js {key:?}: has {got:?}, English has {want:?}"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn no_translation_is_still_the_english_text() {
    let en = english();
    let mut problems = Vec::new();
    let mut used_allowances: BTreeSet<&(&str, &str)> = BTreeSet::new();
    for (lang, dict) in dictionaries().iter().skip(1) {
        for (key, text) in dict {
            if en.get(key) != Some(text) || !has_words(text) {
                continue;
            }
            if allowed_same(lang, key) {
                used_allowances.extend(
                    SAME_AS_ENGLISH
                        .iter()
                        .filter(|(l, k)| (*l == "*" || l == lang) && *k == key.as_str()),
                );
            } else {
                problems.push(format!(
                    "{lang}.js {key:?} is still English ({text:?}); translate it, or add it to SAME_AS_ENGLISH if the word really is the same"
                ));
            }
        }
    }
    for entry in SAME_AS_ENGLISH
        .iter()
        .filter(|e| !used_allowances.contains(e))
    {
        problems.push(format!(
            "SAME_AS_ENGLISH has {entry:?}, which is no longer needed"
        ));
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn every_key_in_the_html_exists_in_english() {
    let en = english();
    let mut problems = Vec::new();
    let mut seen = 0;
    for (file, html) in ui_files(".html") {
        for attr in HTML_KEY_ATTRIBUTES {
            for key in html_keys(&html, attr) {
                seen += 1;
                if !en.contains_key(&key) {
                    problems.push(format!("ui/{file} {attr}={key:?} is not in en.js"));
                }
            }
        }
    }
    assert!(seen > 50, "found only {seen} keys in the HTML");
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn every_literal_key_in_the_scripts_exists_in_english() {
    let en = english();
    let mut problems = Vec::new();
    let mut seen = 0;
    for (file, source) in ui_files(".js") {
        for key in script_keys(&source) {
            seen += 1;
            if !english_has(&en, &key) {
                problems.push(format!("ui/{file}: {key:?} is not in en.js"));
            }
        }
    }
    assert!(seen > 50, "found only {seen} literal keys in the scripts");
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// Literal keys Rust asks for: `t("…")`, `tf("…", …)`, `Words::new("…")` and `Words::with("…", …)`
/// (the string may start on the next line after rustfmt). Keys built at run time (`t(&format!(…))`) cannot be checked here.
fn rust_keys(source: &str) -> Vec<String> {
    let chars: Vec<char> = source.chars().collect();
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut keys = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts_word = i == 0 || !(ident(chars[i - 1]) || chars[i - 1] == '.');
        // The client names its words as data (`api::Words`), worded by the app.
        let len = ["t(", "tf(", "Words::new(", "Words::with("]
            .iter()
            .find_map(|p| {
                let p: Vec<char> = p.chars().collect();
                (starts_word && chars[i..].starts_with(&p)).then_some(p.len())
            });
        if let Some(len) = len {
            let mut at = i + len;
            while chars.get(at).is_some_and(|c| c.is_whitespace()) {
                at += 1;
            }
            if chars.get(at) == Some(&'"') {
                if let Some((text, used)) = read_string(&chars[at..]) {
                    keys.push(text);
                    i = at + used;
                    continue;
                }
            }
        }
        i += 1;
    }
    keys
}

fn rust_sources(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_sources(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            out.push((path.display().to_string(), text));
        }
    }
}

#[test]
fn every_key_rust_asks_for_exists_in_english() {
    assert_eq!(
        rust_keys(
            "t(\"a.b\"); tf(\n    \"c.d\", &[]); x.t(\"no\"); set(\"no\"); t(&k); \
             Words::new(\"e.f\"); Words::with(\n    \"g.h\", &[])"
        ),
        vec!["a.b", "c.d", "e.f", "g.h"]
    );
    let en = english();
    let mut sources = Vec::new();
    // The app's words and the words the client and the core name (crates/coupontools,
    // crates/desk-core).
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    rust_sources(&root.join("src-tauri/src"), &mut sources);
    rust_sources(&root.join("crates/coupontools/src"), &mut sources);
    rust_sources(&root.join("crates/desk-core/src"), &mut sources);
    let mut problems = Vec::new();
    let mut seen = 0;
    // This file's own test strings are not requests for words.
    for (file, text) in sources
        .iter()
        .filter(|(f, _)| !f.ends_with("ui_dictionaries.rs"))
    {
        for key in rust_keys(text) {
            seen += 1;
            if !english_has(&en, &key) {
                problems.push(format!("{file} asks for {key:?}, which is not in en.js"));
            }
        }
    }
    assert!(seen > 300, "found only {seen} keys in the Rust sources");
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}
