//! The desk's history: one row per action (a coupon e-mailed, a connection tested), kept in the
//! local database so the assistant can look up "did we send Mrs Peeters her coupon?".

use std::path::Path;

use crate::kept_words::WORDS_MARK;
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    Skipped,
    Failed,
    Unknown,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Skipped => "skipped",
            Outcome::Failed => "failed",
            Outcome::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub account_id: &'a str,
    pub account: &'a str,
    pub action: &'a str,
    pub campaign: Option<&'a str>,
    pub target: Option<&'a str>,
    pub outcome: Outcome,
    pub detail: Option<&'a str>,
    pub job_id: Option<&'a str>,
}

/// An owned [`NewEntry`], for handing a line to another thread.
#[derive(Debug, Clone)]
pub struct Line {
    pub account_id: String,
    pub account: String,
    pub action: &'static str,
    pub campaign: Option<String>,
    pub target: Option<String>,
    pub outcome: Outcome,
    pub detail: Option<String>,
}

impl Line {
    pub fn borrowed(&self) -> NewEntry<'_> {
        NewEntry {
            account_id: &self.account_id,
            account: &self.account,
            action: self.action,
            campaign: self.campaign.as_deref(),
            target: self.target.as_deref(),
            outcome: self.outcome,
            detail: self.detail.as_deref(),
            job_id: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub id: i64,
    pub at: String,
    pub account: String,
    pub action: String,
    pub campaign: Option<String>,
    pub target: Option<String>,
    pub outcome: String,
    pub detail: Option<String>,
    pub job_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Filter {
    /// Matches the address, campaign, account or detail (case-insensitive, substring).
    pub text: Option<String>,
    pub outcome: Option<String>,
    pub limit: Option<u32>,
    /// Only this account's lines. Set by the app (the active account), never by the window: a
    /// practice account's history stays apart from the real one's.
    #[serde(skip)]
    pub account_id: Option<String>,
}

const DEFAULT_LIMIT: u32 = 500;
const MAX_LIMIT: u32 = 100_000;

pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| String::from("1970-01-01T00:00:00Z"))
}

/// The one way a history line is written, by a command or inside a bulk job's transaction (a
/// `Transaction` derefs to `Connection`). Cached, because a bulk job writes one per row.
pub fn record(conn: &Connection, entry: &NewEntry<'_>) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO history (at, account_id, account, action, campaign, target, outcome, detail, job_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
            now_rfc3339(),
            entry.account_id,
            entry.account,
            entry.action,
            entry.campaign,
            entry.target,
            entry.outcome.as_str(),
        entry.detail,
        entry.job_id
    ])?;
    Ok(())
}

/// How a line reads where it is shown: a job's row keeps its target or detail as words
/// (`kept_words::stored`), which the app words; the text filter looks at what is shown.
pub type Shown<'a> = &'a dyn Fn(Entry) -> Entry;

/// Newest first; at most `filter.limit` lines (500 unless asked, never more than 100 000: the
/// window shows a page, not the whole year).
pub fn list(conn: &Connection, filter: &Filter) -> rusqlite::Result<Vec<Entry>> {
    list_shown(conn, filter, &|e| e)
}

/// [`list`], each line as `shown` makes it, the text filter applied to that.
pub fn list_shown(
    conn: &Connection,
    filter: &Filter,
    shown: Shown<'_>,
) -> rusqlite::Result<Vec<Entry>> {
    let limit = filter.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT) as usize;
    query(conn, filter, Some(limit), shown)
}

/// Every line that matches the filter, for an export, each as `shown` makes it.
pub fn list_all_shown(
    conn: &Connection,
    filter: &Filter,
    shown: Shown<'_>,
) -> rusqlite::Result<Vec<Entry>> {
    query(conn, filter, None, shown)
}

/// Every line that matches the filter, for an export.
pub fn list_all(conn: &Connection, filter: &Filter) -> rusqlite::Result<Vec<Entry>> {
    list_all_shown(conn, filter, &|e| e)
}

fn query(
    conn: &Connection,
    filter: &Filter,
    limit: Option<usize>,
    shown: Shown<'_>,
) -> rusqlite::Result<Vec<Entry>> {
    let wanted = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let text = wanted.map(|t| {
        format!(
            "%{}%",
            t.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        )
    });
    let outcome = filter
        .outcome
        .as_deref()
        .filter(|o| !o.is_empty() && *o != "all");
    // Lines kept as words (they start with the mark) are read too, and kept only when what they
    // say matches; so the limit is counted after that when there is a text to look for.
    let mut stmt = conn.prepare(
        "SELECT id, at, account, action, campaign, target, outcome, detail, job_id FROM history
         WHERE (?1 IS NULL OR target LIKE ?1 ESCAPE '\\' OR campaign LIKE ?1 ESCAPE '\\'
                OR account LIKE ?1 ESCAPE '\\' OR detail LIKE ?1 ESCAPE '\\' OR at LIKE ?1 ESCAPE '\\'
                OR substr(target, 1, 1) = ?5 OR substr(detail, 1, 1) = ?5)
           AND (?2 IS NULL OR outcome = ?2)
           AND (?4 IS NULL OR account_id = ?4)
         ORDER BY id DESC LIMIT ?3",
    )?;
    // LIMIT -1 is SQLite's "no limit".
    let sql_limit = match (limit, wanted) {
        (Some(n), None) => n as i64,
        _ => -1,
    };
    let mark = WORDS_MARK.to_string();
    let rows = stmt.query_map(
        params![text, outcome, sql_limit, filter.account_id, mark],
        |row| {
            Ok(Entry {
                id: row.get(0)?,
                at: row.get(1)?,
                account: row.get(2)?,
                action: row.get(3)?,
                campaign: row.get(4)?,
                target: row.get(5)?,
                outcome: row.get(6)?,
                detail: row.get(7)?,
                job_id: row.get(8)?,
            })
        },
    )?;
    let needle = wanted.map(str::to_lowercase);
    let says = |e: &Entry| {
        let Some(needle) = &needle else {
            return true;
        };
        [
            e.target.as_deref(),
            e.campaign.as_deref(),
            Some(e.account.as_str()),
            e.detail.as_deref(),
            Some(e.at.as_str()),
        ]
        .into_iter()
        .flatten()
        .any(|field| field.to_lowercase().contains(needle.as_str()))
    };
    let mut entries = Vec::new();
    for row in rows {
        let entry = shown(row?);
        if says(&entry) {
            entries.push(entry);
            if limit.is_some_and(|n| entries.len() >= n) {
                break;
            }
        }
    }
    Ok(entries)
}

const CSV_HEADER: [&str; 7] = [
    "time", "account", "action", "campaign", "address", "outcome", "detail",
];

fn csv_records(entries: &[Entry]) -> impl Iterator<Item = [&str; 7]> + '_ {
    entries.iter().map(|e| {
        [
            e.at.as_str(),
            e.account.as_str(),
            e.action.as_str(),
            e.campaign.as_deref().unwrap_or(""),
            e.target.as_deref().unwrap_or(""),
            e.outcome.as_str(),
            e.detail.as_deref().unwrap_or(""),
        ]
    })
}

/// Writes `entries` to `path` exactly like a job's results export: BOM, CRLF, formulas defused,
/// through a `.part` file so a failed export never leaves half a file under the real name.
pub fn write_csv(path: &Path, entries: &[Entry]) -> std::io::Result<()> {
    crate::csv_file::write_csv_atomically(path, &CSV_HEADER, csv_records(entries))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::db::open(&dir.path().join("h.sqlite3")).unwrap();
        (dir, conn)
    }

    fn entry<'a>(target: &'a str, outcome: Outcome) -> NewEntry<'a> {
        NewEntry {
            account_id: "acc_1",
            account: "Bakery",
            action: "email_coupon",
            campaign: Some("cam_100101"),
            target: Some(target),
            outcome,
            detail: Some("https://digicpn.com/p/abc123/x"),
            job_id: None,
        }
    }

    /// A job's line keeps what it says as words; the text filter looks at what the app shows
    /// for them, never at how they are kept, and the limit counts lines that match.
    #[test]
    fn the_text_filter_finds_a_line_kept_as_words_by_what_it_says() {
        let (_d, conn) = db();
        let kept = crate::kept_words::stored(&crate::api::words::Words::new("job.row.cancelled"));
        for target in ["ann@example.com", "bob@example.com"] {
            record(
                &conn,
                &NewEntry {
                    detail: Some(&kept),
                    ..entry(target, Outcome::Failed)
                },
            )
            .unwrap();
        }
        record(&conn, &entry("cid@example.com", Outcome::Ok)).unwrap();
        let shown = |mut e: Entry| {
            if e.detail.as_deref() == Some(kept.as_str()) {
                e.detail = Some("Not sent — the job was cancelled.".into());
            }
            e
        };
        let find = |text: &str, limit: Option<u32>| {
            list_shown(
                &conn,
                &Filter {
                    text: Some(text.into()),
                    limit,
                    ..Default::default()
                },
                &shown,
            )
            .unwrap()
        };
        let cancelled = find("CANCELLED", None);
        assert_eq!(cancelled.len(), 2);
        assert_eq!(cancelled[0].target.as_deref(), Some("bob@example.com"));
        assert_eq!(find("cancelled", Some(1)).len(), 1);
        // How the words are kept is not what the line says.
        assert!(find("job.row", None).is_empty());
        assert!(find("key", None).is_empty());
        // Plain lines are found as before.
        assert_eq!(find("cid@", None).len(), 1);
        let all = list_all_shown(&conn, &Filter::default(), &shown).unwrap();
        assert_eq!(all.len(), 3);
        assert!(all
            .iter()
            .all(|e| !e.detail.as_deref().unwrap_or("").starts_with(WORDS_MARK)));
    }

    #[test]
    fn lists_newest_first_and_filters_by_text_and_outcome() {
        let (_d, conn) = db();
        record(&conn, &entry("ann@example.com", Outcome::Ok)).unwrap();
        record(&conn, &entry("bob@example.com", Outcome::Failed)).unwrap();
        record(&conn, &entry("100%_sure@example.com", Outcome::Ok)).unwrap();
        let all = list(&conn, &Filter::default()).unwrap();
        assert_eq!(
            all.iter()
                .map(|e| e.target.clone().unwrap())
                .collect::<Vec<_>>(),
            [
                "100%_sure@example.com",
                "bob@example.com",
                "ann@example.com"
            ]
        );
        let bob = list(
            &conn,
            &Filter {
                text: Some("BOB".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(bob.len(), 1);
        let failed = list(
            &conn,
            &Filter {
                outcome: Some("failed".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(failed.len(), 1);
        // % and _ are literal characters in a search, not wildcards.
        let literal = list(
            &conn,
            &Filter {
                text: Some("0%_s".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(literal.len(), 1);
        // A practice account's lines stay apart from a real account's.
        record(
            &conn,
            &NewEntry {
                account_id: "practice",
                ..entry("dan@example.com", Outcome::Ok)
            },
        )
        .unwrap();
        let of = |id: &str| Filter {
            account_id: Some(id.into()),
            ..Default::default()
        };
        assert_eq!(list(&conn, &of("practice")).unwrap().len(), 1);
        assert!(list(&conn, &of("acc_1"))
            .unwrap()
            .iter()
            .all(|e| e.target.as_deref() != Some("dan@example.com")));
    }

    #[test]
    fn the_export_is_not_cut_at_the_window_page_size() {
        let (_d, mut conn) = db();
        let tx = conn.transaction().unwrap();
        for i in 0..(MAX_LIMIT as usize + 5) {
            record(&tx, &entry(&format!("c{i}@example.com"), Outcome::Ok)).unwrap();
        }
        tx.commit().unwrap();
        let all = Filter {
            limit: Some(u32::MAX),
            ..Default::default()
        };
        assert_eq!(list(&conn, &all).unwrap().len(), MAX_LIMIT as usize);
        assert_eq!(
            list_all(&conn, &Filter::default()).unwrap().len(),
            MAX_LIMIT as usize + 5
        );
    }

    #[test]
    fn csv_export_quotes_and_defuses_formulas() {
        let (_d, conn) = db();
        record(&conn, &entry("=HYPERLINK(\"x\"),a@b.com", Outcome::Ok)).unwrap();
        let path = _d.path().join("h.csv");
        write_csv(&path, &list(&conn, &Filter::default()).unwrap()).unwrap();
        let csv = std::fs::read_to_string(&path).unwrap();
        assert!(csv.starts_with("\u{feff}time,account,action,campaign,address,outcome,detail\r\n"));
        assert!(csv.contains("\"'=HYPERLINK(\"\"x\"\"),a@b.com\""), "{csv}");
    }

    #[test]
    fn the_csv_file_is_written_like_the_results_export() {
        let (dir, conn) = db();
        record(&conn, &entry("ann@example.com", Outcome::Ok)).unwrap();
        record(&conn, &entry("-1@example.com", Outcome::Failed)).unwrap();
        let entries = list(&conn, &Filter::default()).unwrap();
        let path = dir.path().join("history.csv");
        write_csv(&path, &entries).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("\u{feff}time,account,action,"), "{text}");
        assert_eq!(text.matches("\r\n").count(), 3, "{text:?}");
        assert_eq!(
            text.matches('\n').count(),
            3,
            "every line ends in CRLF: {text:?}"
        );
        assert!(text.contains(",'-1@example.com,failed,"), "{text}");
        assert!(!dir.path().join("history.csv.part").exists());
        assert!(write_csv(&dir.path().join("missing/history.csv"), &entries).is_err());
    }
}
