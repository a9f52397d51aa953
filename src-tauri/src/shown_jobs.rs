//! The jobs as the window sees them: the engine keeps what a row or a pause says as words (a
//! dictionary key and values); here they become sentences in the window's language, the moment
//! they are shown. The fields are the engine's own, flattened, plus the worded ones.

use serde::Serialize;

use crate::history::Entry;
use crate::jobs::{
    ColumnMapping, EmailList, EmailListRow, JobProgress, JobRow, JobRows, JobSummary, PauseReason,
    RowProblem,
};
use crate::kept_words::stored_words;
use crate::words::say;

/// Why a job paused itself, worded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShownReason {
    pub message: String,
    pub hint: String,
}

impl From<&PauseReason> for ShownReason {
    fn from(reason: &PauseReason) -> Self {
        ShownReason {
            message: say(&reason.message),
            hint: say(&reason.hint),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShownProgress {
    #[serde(flatten)]
    pub progress: JobProgress,
    pub pause_reason: Option<ShownReason>,
}

impl From<&JobProgress> for ShownProgress {
    fn from(progress: &JobProgress) -> Self {
        ShownProgress {
            pause_reason: progress.pause_reason.as_ref().map(ShownReason::from),
            progress: progress.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShownSummary {
    #[serde(flatten)]
    pub summary: JobSummary,
    pub pause_reason: Option<ShownReason>,
}

impl From<JobSummary> for ShownSummary {
    fn from(summary: JobSummary) -> Self {
        ShownSummary {
            pause_reason: summary.pause_reason.as_ref().map(ShownReason::from),
            summary,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShownRow {
    #[serde(flatten)]
    pub row: JobRow,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShownRows {
    pub total: usize,
    pub rows: Vec<ShownRow>,
}

impl From<JobRows> for ShownRows {
    fn from(rows: JobRows) -> Self {
        ShownRows {
            total: rows.total,
            rows: rows
                .rows
                .into_iter()
                .map(|row| ShownRow {
                    message: row.message.as_ref().map(say),
                    row,
                })
                .collect(),
        }
    }
}

/// The preview contract of the "Send to a list" screen.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShownEmailList {
    pub delimiter: char,
    pub has_header: bool,
    /// The header's names, or "Column 1", "Column 2", ... when the list has none.
    pub headers: Vec<String>,
    pub mapping: ColumnMapping,
    pub total: usize,
    pub valid: usize,
    pub invalid: usize,
    pub duplicates: usize,
    pub rows: Vec<ShownListRow>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShownListRow {
    pub row: usize,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub problem: Option<RowProblem>,
    pub problem_text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<usize>,
}

impl From<&EmailList> for ShownEmailList {
    fn from(list: &EmailList) -> Self {
        ShownEmailList {
            delimiter: list.delimiter,
            has_header: list.has_header,
            headers: list.headers.iter().map(say).collect(),
            mapping: list.mapping,
            total: list.total,
            valid: list.valid,
            invalid: list.invalid,
            duplicates: list.duplicates,
            rows: list.rows.iter().map(ShownListRow::from).collect(),
        }
    }
}

impl From<&EmailListRow> for ShownListRow {
    fn from(row: &EmailListRow) -> Self {
        ShownListRow {
            row: row.row,
            email: row.email.clone(),
            first_name: row.first_name.clone(),
            last_name: row.last_name.clone(),
            problem: row.problem,
            problem_text: row.problem_text.as_ref().map(say),
            duplicate_of: row.duplicate_of,
        }
    }
}

/// A history line as shown or exported: a job's row kept its target or detail as words.
pub fn shown_entry(mut entry: Entry) -> Entry {
    let word = |text: &mut Option<String>| {
        if let Some(words) = text.as_deref().and_then(stored_words) {
            *text = Some(say(&words));
        }
    };
    word(&mut entry.target);
    word(&mut entry.detail);
    entry
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{in_language, Lang};

    #[test]
    fn the_preview_keeps_the_window_contract_and_words_its_problems() {
        let list = EmailList::parse(
            "email,first name\nann@example.com,Ann\nbad,Bad\nANN@example.com,Ann2\n",
            None,
        )
        .expect("a list");
        let json = in_language(Lang::En, || {
            serde_json::to_value(ShownEmailList::from(&list.preview(3))).expect("json")
        });
        assert_eq!(json["delimiter"], ",");
        assert_eq!(json["mapping"]["firstName"], 1);
        assert_eq!(json["mapping"]["lastName"], serde_json::Value::Null);
        assert_eq!(json["total"], 3);
        assert_eq!(json["invalid"], 1);
        assert_eq!(json["headers"][0], "email");
        assert_eq!(json["rows"][0]["firstName"], "Ann");
        assert_eq!(json["rows"][2]["problemText"], "Also on row 1 of the file.");
        assert_eq!(json["rows"][2]["duplicateOf"], 1);
        assert!(json["rows"][0].get("duplicateOf").is_none());
        assert_eq!(json["rows"][0]["problem"], serde_json::Value::Null);
        assert_eq!(json["rows"][1]["problem"], "invalid_email");
        let capped = ShownEmailList::from(&list.preview(1));
        assert_eq!((capped.rows.len(), capped.total), (1, 3));
        let text = json["rows"][1]["problemText"].as_str().unwrap_or_default();
        assert!(!text.is_empty() && !text.contains("field."), "{text}");
    }

    #[test]
    fn a_list_without_a_header_names_its_columns_in_the_window_language() {
        let list =
            EmailList::parse("ann@example.com;Ann\nbob@example.com;Bob\n", None).expect("a list");
        let en = in_language(Lang::En, || ShownEmailList::from(&list).headers);
        let nl = in_language(Lang::Nl, || ShownEmailList::from(&list).headers);
        assert_eq!(en, vec!["Column 1", "Column 2"]);
        assert_ne!(nl, en);
    }

    #[test]
    fn a_row_kept_as_words_is_worded_in_the_language_of_whoever_reads_it() {
        use crate::api::words::Words;
        use crate::kept_words::stored;
        let said = Words::new("job.row.cancelled");
        let entry = Entry {
            id: 1,
            at: "2026-12-07T10:00:00Z".into(),
            account: "Bakery".into(),
            action: "email_coupon".into(),
            campaign: None,
            target: Some("ann@example.com".into()),
            outcome: "failed".into(),
            detail: Some(stored(&said)),
            job_id: Some("job_1".into()),
        };
        let en = in_language(Lang::En, || shown_entry(entry.clone()));
        let nl = in_language(Lang::Nl, || shown_entry(entry.clone()));
        assert_eq!(
            en.detail.as_deref(),
            Some("Not sent — the job was cancelled.")
        );
        assert_eq!(
            nl.detail.as_deref(),
            Some("Niet verstuurd — de taak werd gestopt.")
        );
        assert_eq!(en.target.as_deref(), Some("ann@example.com"));
        let link = Entry {
            detail: Some("https://digicpn.com/p/abc".into()),
            ..entry
        };
        assert_eq!(
            shown_entry(link).detail.as_deref(),
            Some("https://digicpn.com/p/abc")
        );
    }

    /// The template's header is in the window's language and the parser maps it by itself.
    #[test]
    fn the_template_round_trips_through_the_parser_in_every_language() {
        use crate::jobs::{template_csv, template_header};
        for lang in Lang::ALL {
            let text = in_language(lang, || template_csv(&say(&template_header())));
            let list = EmailList::parse(&text, None).expect("the template parses");
            assert!(list.has_header, "{lang:?}");
            assert_eq!(
                list.mapping,
                ColumnMapping {
                    email: Some(0),
                    first_name: Some(1),
                    last_name: Some(2)
                },
                "{lang:?}: {text}"
            );
            assert_eq!((list.total, list.valid), (2, 2), "{lang:?}");
            assert_eq!(list.rows[1].first_name.as_deref(), Some("Tom"));
        }
    }

    /// The progress the window gets: the engine's figures and the pause reason in its words.
    #[test]
    fn progress_keeps_the_window_contract_with_the_reason_worded() {
        use crate::api::words::Words;
        use crate::jobs::journal::Counts;
        use crate::jobs::{JobId, JobState};
        let counts = Counts {
            pending: 90,
            sent: 10,
            ..Counts::default()
        };
        let reason = PauseReason {
            message: Words::new("job.error.internal.message"),
            hint: Words::new("job.error.internal.hint"),
        };
        let progress = JobProgress::new(
            &JobId::new("job_1"),
            JobState::Paused,
            100,
            &counts,
            Some(reason),
        );
        let json = in_language(Lang::En, || {
            serde_json::to_value(ShownProgress::from(&progress))
        })
        .expect("json");
        for key in [
            "jobId",
            "state",
            "total",
            "sent",
            "skipped",
            "failed",
            "unknown",
            "remaining",
            "ratePerMinute",
            "etaSeconds",
            "pauseReason",
            "items",
        ] {
            assert!(json.get(key).is_some(), "{key} missing in {json}");
        }
        let message = json["pauseReason"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(' ') && !message.contains("job."), "{json}");
        assert!(json["pauseReason"]["hint"]
            .as_str()
            .is_some_and(|h| h.contains(' ')));
        let running = JobProgress::new(&JobId::new("job_1"), JobState::Running, 100, &counts, None);
        let json = serde_json::to_value(ShownProgress::from(&running)).expect("json");
        assert_eq!(json["pauseReason"], serde_json::Value::Null);
    }

    /// A row keeps what it said as words: after the language is switched it reads in the new
    /// one (it was stored as a sentence in the language of the moment before).
    #[test]
    fn a_job_row_reads_in_the_language_it_is_shown_in() {
        use crate::api::words::{Plain, Words};
        use crate::jobs::RowStatus;
        let row = JobRow {
            row: 3,
            status: RowStatus::Skipped,
            in_doubt: false,
            message: Some(Words::with("job.list.duplicateOf", &[("row", &Plain(1))])),
            fields: serde_json::Map::new(),
        };
        let rows = || JobRows {
            total: 1,
            rows: vec![row.clone()],
        };
        let en = in_language(Lang::En, || ShownRows::from(rows()));
        let de = in_language(Lang::De, || ShownRows::from(rows()));
        assert_eq!(
            en.rows[0].message.as_deref(),
            Some("Also on row 1 of the file.")
        );
        let german = de.rows[0].message.clone().unwrap_or_default();
        assert!(
            german.contains('1') && german != "Also on row 1 of the file.",
            "{german}"
        );
        let json = serde_json::to_value(&en).expect("json");
        assert_eq!(json["rows"][0]["message"], "Also on row 1 of the file.");
        assert_eq!(json["rows"][0]["status"], "skipped");
        assert_eq!(json["rows"][0]["row"], 3);
    }
}
