//! The desk's history: one row per action (a coupon e-mailed, a connection tested), kept in the
//! local database so the assistant can look up "did we send Mrs Peeters her coupon?".

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
}

const DEFAULT_LIMIT: u32 = 500;
const MAX_LIMIT: u32 = 100_000;

pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| String::from("1970-01-01T00:00:00Z"))
}

pub fn record(conn: &Connection, entry: &NewEntry<'_>) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO history (at, account_id, account, action, campaign, target, outcome, detail, job_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            now_rfc3339(),
            entry.account_id,
            entry.account,
            entry.action,
            entry.campaign,
            entry.target,
            entry.outcome.as_str(),
            entry.detail,
            entry.job_id
        ],
    )?;
    Ok(())
}

/// Newest first.
pub fn list(conn: &Connection, filter: &Filter) -> rusqlite::Result<Vec<Entry>> {
    let limit = filter.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let text = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
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
    let mut stmt = conn.prepare(
        "SELECT id, at, account, action, campaign, target, outcome, detail, job_id FROM history
         WHERE (?1 IS NULL OR target LIKE ?1 ESCAPE '\\' OR campaign LIKE ?1 ESCAPE '\\'
                OR account LIKE ?1 ESCAPE '\\' OR detail LIKE ?1 ESCAPE '\\')
           AND (?2 IS NULL OR outcome = ?2)
         ORDER BY id DESC LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![text, outcome, limit], |row| {
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
    })?;
    rows.collect()
}

/// A cell that a spreadsheet would run as a formula is prefixed with a quote.
pub fn csv_safe(value: &str) -> String {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_owned(),
    }
}

pub fn to_csv(entries: &[Entry]) -> Result<String, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "time", "account", "action", "campaign", "address", "outcome", "detail",
    ])?;
    for e in entries {
        out.write_record([
            csv_safe(&e.at),
            csv_safe(&e.account),
            csv_safe(&e.action),
            csv_safe(e.campaign.as_deref().unwrap_or("")),
            csv_safe(e.target.as_deref().unwrap_or("")),
            csv_safe(&e.outcome),
            csv_safe(e.detail.as_deref().unwrap_or("")),
        ])?;
    }
    let bytes = out.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
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
    }

    #[test]
    fn csv_export_quotes_and_defuses_formulas() {
        let (_d, conn) = db();
        record(&conn, &entry("=HYPERLINK(\"x\"),a@b.com", Outcome::Ok)).unwrap();
        let csv = to_csv(&list(&conn, &Filter::default()).unwrap()).unwrap();
        assert!(csv.starts_with("time,account,action,campaign,address,outcome,detail\n"));
        assert!(csv.contains("\"'=HYPERLINK(\"\"x\"\"),a@b.com\""), "{csv}");
    }
}
