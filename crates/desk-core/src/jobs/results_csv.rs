//! The results of a job as a CSV file: one line per row of the original list.

use std::path::Path;

use crate::api::words::Words;
use crate::csv_file::write_csv_atomically;
use crate::jobs::error::JobError;
use crate::jobs::journal::{JobRow, RowStatus};

/// Writes `rows` to `path` (see [`write_csv_atomically`]) with the kind's `columns`: (header,
/// field), where the fields `row`, `status` and `message` are the engine's and any other is one
/// of the row's input or output fields. `say` words the statuses and messages in the reader's
/// language (the engine keeps them as words, not sentences).
pub fn write_results(
    path: &Path,
    columns: &[(&str, &str)],
    done_word: &Words,
    say: &dyn Fn(&Words) -> String,
    rows: impl IntoIterator<Item = JobRow>,
) -> Result<(), JobError> {
    let header: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
    let words = StatusWords::new(done_word, say);
    let records = rows.into_iter().map(|row| {
        columns
            .iter()
            .map(|(_, field)| match *field {
                "row" => row.row.to_string(),
                "status" => words.of(&row).to_owned(),
                "message" => row.message.as_ref().map(say).unwrap_or_default(),
                other => row.field(other).unwrap_or_default().to_owned(),
            })
            .collect::<Vec<_>>()
    });
    write_csv_atomically(path, &header, records).map_err(JobError::Export)
}

/// The status words of the exported file, worded once per file.
struct StatusWords {
    done: String,
    not_sent: String,
    skipped: String,
    failed: String,
    unknown: String,
}

impl StatusWords {
    /// `done`: the kind's word for a row that is done ("sent", "removed", ...).
    fn new(done: &Words, say: &dyn Fn(&Words) -> String) -> StatusWords {
        StatusWords {
            done: say(done),
            not_sent: say(&Words::new("job.csvStatus.notSent")),
            skipped: say(&Words::new("job.csvStatus.skipped")),
            failed: say(&Words::new("job.csvStatus.failed")),
            unknown: say(&Words::new("job.csvStatus.unknown")),
        }
    }

    /// The status as the exported file says it: rows never sent say so, and a row waiting
    /// whose earlier request may have taken effect is "unknown" until it is looked up.
    fn of(&self, row: &JobRow) -> &str {
        match row.status {
            RowStatus::Pending | RowStatus::InFlight if row.in_doubt => &self.unknown,
            RowStatus::Pending | RowStatus::InFlight => &self.not_sent,
            RowStatus::Sent => &self.done,
            RowStatus::Skipped => &self.skipped,
            RowStatus::Failed => &self.failed,
            RowStatus::Unknown => &self.unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csv_file::safe_cell;
    use crate::kept_words::as_written;

    fn row(
        row: usize,
        email: &str,
        status: RowStatus,
        url: Option<&str>,
        message: Option<&str>,
    ) -> JobRow {
        let mut fields = serde_json::Map::new();
        fields.insert("email".into(), email.into());
        if let Some(url) = url {
            fields.insert("singleUseUrl".into(), url.into());
        }
        JobRow {
            row,
            status,
            in_doubt: false,
            message: message.map(as_written),
            fields,
        }
    }

    /// Words as their keys, and a text kept as written as that text: what the file was asked
    /// to say, without a language (the app's wording is tested where it lives).
    fn keys(words: &Words) -> String {
        match words.value("text") {
            Some(crate::api::words::Value::Text(text)) => text.clone(),
            _ => words.key.to_string(),
        }
    }

    const COLUMNS: &[(&str, &str)] = &[
        ("row", "row"),
        ("email", "email"),
        ("status", "status"),
        ("single_use_url", "singleUseUrl"),
        ("message", "message"),
    ];

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
        let mut rows = rows;
        let mut doubt = row(4, "cid@example.com", RowStatus::Pending, None, None);
        doubt.in_doubt = true;
        rows.push(doubt);
        write_results(
            &path,
            COLUMNS,
            &Words::new("job.csvStatus.sent"),
            &keys,
            rows.clone(),
        )
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with('\u{feff}'));
        assert!(!dir.path().join("results.csv.part").exists());
        let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        assert_eq!(
            reader.headers().unwrap().iter().collect::<Vec<_>>(),
            ["row", "email", "status", "single_use_url", "message"]
        );
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(records.len(), 4);
        assert_eq!(
            &records[3][2], "job.csvStatus.unknown",
            "a row in doubt is never exported as not sent"
        );
        assert_eq!(&records[0][3], "https://digicpn.com/p/abc/x");
        assert_eq!(&records[1][1], "'=cmd|' /C calc'!A0");
        assert_eq!(&records[1][4], "Not valid, \"really\"");
        assert_eq!(&records[2][2], "job.csvStatus.notSent");
        assert_eq!(&records[0][2], "job.csvStatus.sent");
    }

    #[test]
    fn the_shared_writer_uses_bom_crlf_defuses_cells_and_leaves_no_part_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        std::fs::write(&path, "old and good").unwrap();
        write_csv_atomically(&path, &["a", "b"], [["1", "=2+3"], ["x,y", "ü"]]).unwrap();
        assert_eq!(
            std::fs::read(&path).unwrap(),
            "\u{feff}a,b\r\n1,'=2+3\r\n\"x,y\",ü\r\n".as_bytes()
        );
        assert!(!dir.path().join("out.csv.part").exists());
        // A path that cannot be written leaves no .part behind and says so.
        let missing = dir.path().join("missing/out.csv");
        assert!(write_csv_atomically(&missing, &["a"], [["1"]]).is_err());
        assert!(!dir.path().join("missing").exists());
    }

    #[test]
    fn a_folder_that_does_not_exist_is_a_plain_export_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_results(
            &dir.path().join("missing/results.csv"),
            COLUMNS,
            &Words::new("job.csvStatus.sent"),
            &keys,
            Vec::new(),
        )
        .unwrap_err();
        assert!(matches!(err, JobError::Export(_)));
    }
}
