//! The results of a job as a CSV file: one line per row of the original list.

use std::io::Write;
use std::path::Path;

use crate::jobs::error::JobError;
use crate::jobs::journal::{JobRow, RowStatus};

pub const HEADER: [&str; 5] = ["row", "email", "status", "single_use_url", "message"];

/// Writes `rows` to `path`, through a temporary file in the same folder, so a half-written file
/// never replaces a good one. UTF-8 with a BOM, because Excel otherwise misreads accents.
pub fn write_results(path: &Path, rows: &[JobRow]) -> Result<(), JobError> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".part");
    let partial = std::path::PathBuf::from(partial);
    let written = write_to(&partial, rows).and_then(|()| std::fs::rename(&partial, path));
    if written.is_err() {
        // Best effort: the error that matters is the one above.
        let _ = std::fs::remove_file(&partial);
    }
    written.map_err(JobError::Export)
}

fn write_to(path: &Path, rows: &[JobRow]) -> std::io::Result<()> {
    let mut file = std::fs::File::create(path)?;
    file.write_all("\u{feff}".as_bytes())?;
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(file);
    writer.write_record(HEADER).map_err(std::io::Error::other)?;
    for row in rows {
        let record = [
            row.row.to_string(),
            safe_cell(&row.email),
            status_word(row.status).to_string(),
            safe_cell(row.single_use_url.as_deref().unwrap_or("")),
            safe_cell(row.message.as_deref().unwrap_or("")),
        ];
        writer
            .write_record(&record)
            .map_err(std::io::Error::other)?;
    }
    let file = writer
        .into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    file.sync_all()
}

/// The status as the exported file says it; rows never sent say so.
pub fn status_word(status: RowStatus) -> &'static str {
    match status {
        RowStatus::Pending | RowStatus::InFlight => "not sent",
        RowStatus::Sent => "sent",
        RowStatus::Skipped => "skipped",
        RowStatus::Failed => "failed",
        RowStatus::Unknown => "unknown",
    }
}

/// A spreadsheet runs a cell that starts with `=`, `+`, `-`, `@` (or a tab/CR before one) as a
/// formula; the addresses and names come from outside, so such cells get a leading `'`.
pub fn safe_cell(value: &str) -> String {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        row: usize,
        email: &str,
        status: RowStatus,
        url: Option<&str>,
        message: Option<&str>,
    ) -> JobRow {
        JobRow {
            row,
            email: email.into(),
            first_name: None,
            last_name: None,
            status,
            single_use_code: None,
            single_use_url: url.map(Into::into),
            message: message.map(Into::into),
        }
    }

    #[test]
    fn neutralises_formulas_and_quotes_delimiters() {
        assert_eq!(
            safe_cell("=HYPERLINK(\"http://evil\")"),
            "'=HYPERLINK(\"http://evil\")"
        );
        assert_eq!(safe_cell("+32 470"), "'+32 470");
        assert_eq!(safe_cell("-1"), "'-1");
        assert_eq!(safe_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(safe_cell("ann@example.com"), "ann@example.com");

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.csv");
        let rows = vec![
            row(
                1,
                "ann@example.com",
                RowStatus::Sent,
                Some("https://digicpn.com/p/abc/x"),
                None,
            ),
            row(
                2,
                "=cmd|' /C calc'!A0",
                RowStatus::Failed,
                None,
                Some("Not valid, \"really\""),
            ),
            row(
                3,
                "bob@example.com",
                RowStatus::Pending,
                None,
                Some("Not sent — the job was cancelled."),
            ),
        ];
        write_results(&path, &rows).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with('\u{feff}'));
        assert!(!dir.path().join("results.csv.part").exists());
        let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        assert_eq!(
            reader.headers().unwrap().iter().collect::<Vec<_>>(),
            HEADER.to_vec()
        );
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(records.len(), 3);
        assert_eq!(&records[0][3], "https://digicpn.com/p/abc/x");
        assert_eq!(&records[1][1], "'=cmd|' /C calc'!A0");
        assert_eq!(&records[1][4], "Not valid, \"really\"");
        assert_eq!(&records[2][2], "not sent");
    }

    #[test]
    fn a_folder_that_does_not_exist_is_a_plain_export_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_results(&dir.path().join("missing/results.csv"), &[]).unwrap_err();
        assert!(matches!(err, JobError::Export(_)));
        assert_eq!(err.kind(), "export");
    }
}
