//! A support file: one ZIP a shop can send to whoever helps it, safe to send. It holds what the
//! helper needs to see (versions, settings, the database's shape, the recent log) and nothing a
//! customer or the account could be hurt by: no secret, key or login link, no customer's e-mail
//! address or phone number, no job's rows. Everything that leaves goes through the same filter
//! as the log ([`crate::log_text`]) once more, and links that carry a token are cut.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::settings::Settings;
use crate::store_summary::StoreSummary;

/// How many of the newest log lines go in.
pub const LOG_LINES: usize = 2_000;

/// What the support file is made of, gathered by the command.
pub struct SupportFacts {
    pub app_version: String,
    /// The WebView the window runs in (WebKitGTK, WebView2, WKWebView) and its version.
    pub webview_version: String,
    pub language: String,
    pub settings: Settings,
    /// The database as numbers, or why it could not be read.
    pub store: Result<StoreSummary, String>,
    pub log_dir: PathBuf,
    /// The README's text, in the window's language.
    pub readme: String,
}

/// Writes the ZIP to `path`, whole or not at all.
pub fn write_support_file(path: &Path, facts: &SupportFacts) -> std::io::Result<()> {
    crate::atomic_file::write_atomically(path, |file| write_zip(file, facts))
}

fn write_zip(file: std::fs::File, facts: &SupportFacts) -> std::io::Result<std::fs::File> {
    let mut zip = zip::ZipWriter::new(file);
    // Stored: the app's zip is built without compressors (a few hundred kB of log stay small).
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut add = |name: &str, text: &str| -> std::io::Result<()> {
        zip.start_file(name, options)
            .map_err(std::io::Error::other)?;
        zip.write_all(clean(text).as_bytes())
    };
    add("README.txt", &facts.readme)?;
    add("about.json", &pretty(&about(facts)))?;
    add(
        "settings.json",
        &pretty(&settings_without_secrets(&facts.settings)),
    )?;
    let store = match &facts.store {
        Ok(summary) => serde_json::to_value(summary).unwrap_or(Value::Null),
        Err(why) => json!({ "unreadable": why }),
    };
    add("database.json", &pretty(&store))?;
    add(
        "log.txt",
        &last_log_lines(&facts.log_dir, LOG_LINES).join("\n"),
    )?;
    zip.finish().map_err(std::io::Error::other)
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

fn about(facts: &SupportFacts) -> Value {
    json!({
        "app": "Coupon Desk",
        "version": facts.app_version,
        "os": std::env::consts::OS,
        "osRelease": os_release(),
        "arch": std::env::consts::ARCH,
        "webview": facts.webview_version,
        "language": facts.language,
        "madeAt": crate::history::now_rfc3339(),
    })
}

/// The distribution's own name for itself on Linux ("Debian GNU/Linux 12 (bookworm)").
fn os_release() -> Option<String> {
    let text = std::fs::read_to_string("/etc/os-release").ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map(|v| v.trim_matches('"').to_owned())
}

/// The settings as the helper needs them: each account by its name, kind and the hosts it
/// talks to. Its client ID stays out with the secret (together they are the account's keys).
pub fn settings_without_secrets(settings: &Settings) -> Value {
    let host = |url: &str| {
        url::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default()
    };
    let accounts: Vec<Value> = settings
        .accounts
        .iter()
        .map(|a| {
            json!({
                "id": a.id,
                "name": a.name,
                "kind": a.kind,
                "v3Host": host(&a.v3_base_url),
                "v4Host": host(&a.v4_base_url),
                "active": settings.active_account.as_deref() == Some(a.id.as_str()),
            })
        })
        .collect();
    json!({
        "schema": settings.schema,
        "accounts": accounts,
        "preferences": settings.preferences,
        "lastUpdateCheck": settings.last_update_check,
    })
}

/// The newest `n` lines of the app's log files (the plugin rotates them: the current file and
/// a few older ones), oldest first.
pub fn last_log_lines(dir: &Path, n: usize) -> Vec<String> {
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
        .collect();
    // Newest first: read back until there are enough lines. A rotated file keeps its time, so it
    // can tie with the current one; the current one's name ("Coupon Desk.log") sorts before a
    // rotated one's ("Coupon Desk_2026-….log"), and goes first.
    files.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let mut lines: Vec<String> = Vec::new();
    for (_, file) in files {
        let Ok(bytes) = std::fs::read(&file) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        let mut older: Vec<String> = text.lines().map(str::to_owned).collect();
        let room = n.saturating_sub(lines.len());
        if older.len() > room {
            older.drain(..older.len() - room);
        }
        older.append(&mut lines);
        lines = older;
        if lines.len() >= n {
            break;
        }
    }
    lines
}

/// The log's own filter (registered secrets, e-mail addresses, phone numbers), and the value
/// of any `token=`, `key=`, `secret=` or `password=` in a link or a line cut.
pub fn clean(text: &str) -> String {
    hide_token_values(&crate::log_text(text))
}

fn hide_token_values(text: &str) -> String {
    // `name=value` in a link or a line, and `"name":"value"` in a JSON excerpt.
    const NAMES: [&str; 10] = [
        "token=",
        "key=",
        "secret=",
        "password=",
        "client_secret=",
        "\"token\":\"",
        "\"secret\":\"",
        "\"password\":\"",
        "\"client_secret\":\"",
        "\"access_token\":\"",
    ];
    // ASCII lowercasing keeps every byte where it was, so positions found in `lower` hold in
    // `text`.
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while at < text.len() {
        let next = NAMES
            .iter()
            .filter_map(|name| lower[at..].find(name).map(|i| (at + i, name.len())))
            .min();
        let Some((found, len)) = next else {
            out.push_str(&text[at..]);
            break;
        };
        out.push_str(&text[at..found + len]);
        at = found + len;
        // A quoted value: the quote stays, what it holds goes.
        if let Some(quote) = text[at..]
            .chars()
            .next()
            .filter(|c| matches!(c, '"' | '\''))
        {
            out.push(quote);
            at += 1;
        }
        let value_len = text[at..]
            .find(|c: char| c.is_whitespace() || matches!(c, '&' | '"' | '\'' | '<' | '>' | ')'))
            .unwrap_or(text.len() - at);
        if value_len > 0 {
            out.push_str("[removed]");
        }
        at += value_len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{AccountKind, AccountRecord};

    #[test]
    fn a_login_links_token_and_keys_in_a_line_are_cut() {
        assert_eq!(
            hide_token_values("open https://x.test/sso?token=tok_123&lang=nl now"),
            "open https://x.test/sso?token=[removed]&lang=nl now"
        );
        assert_eq!(
            hide_token_values("KEY=abc secret=\"s3\" password=pw"),
            "KEY=[removed] secret=\"[removed]\" password=[removed]"
        );
        assert_eq!(hide_token_values("no names here"), "no names here");
        assert_eq!(
            hide_token_values(r#"reply {"token":"tok_9","url":"https://x.test"} Ünïcode"#),
            r#"reply {"token":"[removed]","url":"https://x.test"} Ünïcode"#
        );
    }

    #[test]
    fn the_settings_name_accounts_and_hosts_but_not_their_keys() {
        let settings = Settings {
            accounts: vec![AccountRecord {
                id: "acc_1".into(),
                name: "Bakery".into(),
                kind: AccountKind::Coupontools,
                client_id: "cid_0123456789abcdef".into(),
                v3_base_url: "https://api.coupontools.com/v3".into(),
                v4_base_url: "https://api.coupontools.com/v4".into(),
            }],
            active_account: Some("acc_1".into()),
            ..Settings::default()
        };
        let value = settings_without_secrets(&settings);
        let text = value.to_string();
        assert!(!text.contains("cid_0123456789abcdef"), "{text}");
        assert!(!text.contains("https://"), "{text}");
        assert_eq!(value["accounts"][0]["name"], "Bakery");
        assert_eq!(value["accounts"][0]["v3Host"], "api.coupontools.com");
        assert_eq!(value["accounts"][0]["active"], true);
    }

    #[test]
    fn the_newest_lines_come_from_the_newest_files_in_order() {
        let dir = tempfile::tempdir().expect("dir");
        let old = dir.path().join("Coupon Desk_2026-12-01.log");
        let new = dir.path().join("Coupon Desk.log");
        std::fs::write(&old, "old 1\nold 2\nold 3\n").expect("old");
        // One second apart at least: file times are not finer everywhere.
        let earlier = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
        std::fs::File::options()
            .write(true)
            .open(&old)
            .and_then(|f| f.set_modified(earlier))
            .expect("older");
        std::fs::write(&new, "new 1\nnew 2\n").expect("new");
        std::fs::write(dir.path().join("notes.txt"), "not a log\n").expect("other");
        assert_eq!(
            last_log_lines(dir.path(), 3),
            vec!["old 3", "new 1", "new 2"]
        );
        assert_eq!(last_log_lines(dir.path(), 100).len(), 5);
        assert!(last_log_lines(&dir.path().join("none"), 10).is_empty());
    }

    /// What a careless log line, an older version's log or an API reply could have left in the
    /// log folder does not leave in the support file: addresses, phone numbers, a registered
    /// secret, a login link's token.
    #[test]
    fn nothing_private_in_the_log_reaches_the_support_file() {
        let dir = tempfile::tempdir().expect("dir");
        let logs = dir.path().join("logs");
        std::fs::create_dir_all(&logs).expect("logs");
        let secret = "sk_live_9f8e7d6c5b4a39281706";
        crate::secrets::remember_for_redaction(secret);
        std::fs::write(
            logs.join("Coupon Desk.log"),
            format!(
                "[WARN] 604 Email not sent to 'ann.peeters@example.com'\n\
                 [INFO] customer +32 470 12 34 56 called\n\
                 [INFO] secret {secret} read\n\
                 [INFO] login https://x.test/sso?token=tok_abcdef123456&x=1\n\
                 [INFO] job job_1 finished\n"
            ),
        )
        .expect("log");
        let facts = SupportFacts {
            app_version: "1.2.3".into(),
            webview_version: "2.44.0".into(),
            language: "en".into(),
            settings: Settings::default(),
            store: Err("not opened".into()),
            log_dir: logs,
            readme: "What this holds.".into(),
        };
        let path = dir.path().join("support.zip");
        write_support_file(&path, &facts).expect("written");
        assert!(!dir.path().join("support.zip.part").exists());
        let mut zip =
            zip::ZipArchive::new(std::fs::File::open(&path).expect("zip")).expect("a zip");
        let mut names: Vec<String> = zip.file_names().map(str::to_owned).collect();
        names.sort();
        assert_eq!(
            names,
            [
                "README.txt",
                "about.json",
                "database.json",
                "log.txt",
                "settings.json"
            ]
        );
        let mut all = String::new();
        for i in 0..zip.len() {
            let mut file = zip.by_index(i).expect("entry");
            std::io::Read::read_to_string(&mut file, &mut all).expect("text");
        }
        for private in [
            "ann.peeters@example.com",
            "470 12 34 56",
            secret,
            "tok_abcdef123456",
        ] {
            assert!(!all.contains(private), "{private} is in the support file");
        }
        assert!(all.contains("job job_1 finished"), "the log is there");
        assert!(all.contains("\"version\": \"1.2.3\""), "{all}");
        assert!(all.contains("What this holds."));
    }
}
