//! What can go wrong with a list or a bulk job, in words a shop assistant can act on.
//!
//! The `#[error]` texts are for the log; the window gets `user_message` and `hint`, worded in its
//! language.

use crate::db::DbError;
use crate::error_kind::ErrorKind;
use crate::i18n::{t, tf, Plain};
use crate::jobs::limits::{DEFAULT_CONCURRENCY, MAX_CONCURRENCY, MIN_CONCURRENCY};

/// A pasted or loaded list that cannot be used as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ListError {
    #[error("The list is empty.")]
    Empty,
    #[error("The list has a header line but no addresses under it.")]
    NoRows,
    #[error("No column with e-mail addresses was found in the list.")]
    NoEmailColumn,
    #[error("No e-mail addresses were found in the list.")]
    NoAddressesFound,
    #[error("Column {column} was chosen, but the list has only {columns} columns.")]
    NoSuchColumn { column: usize, columns: usize },
    /// Reading stops past the limit, so the real count is not known.
    #[error("The list has more than {limit} rows; at most {limit} can be sent in one go.")]
    TooManyRows { limit: usize },
    #[error("Line {record} of the list could not be read.")]
    Unreadable { record: usize },
}

impl ListError {
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::List
    }

    pub fn user_message(&self) -> String {
        match self {
            ListError::Empty => t("job.list.empty.message"),
            ListError::NoRows => t("job.list.noRows.message"),
            ListError::NoEmailColumn => t("job.list.noEmailColumn.message"),
            ListError::NoAddressesFound => t("job.list.noAddresses.message"),
            ListError::NoSuchColumn { column, columns } => tf(
                "job.list.noSuchColumn.message",
                &[("column", &Plain(column)), ("count", columns)],
            ),
            ListError::TooManyRows { limit } => {
                tf("job.list.tooManyRows.message", &[("limit", limit)])
            }
            ListError::Unreadable { record } => {
                tf("job.list.unreadable.message", &[("line", &Plain(record))])
            }
        }
    }

    pub fn hint(&self) -> String {
        match self {
            ListError::Empty => t("job.list.empty.hint"),
            ListError::NoRows => t("job.list.noRows.hint"),
            ListError::NoEmailColumn => t("job.list.noEmailColumn.hint"),
            ListError::NoAddressesFound => t("job.list.noAddresses.hint"),
            ListError::NoSuchColumn { .. } => t("job.list.noSuchColumn.hint"),
            ListError::TooManyRows { .. } => t("job.list.tooManyRows.hint"),
            ListError::Unreadable { .. } => t("job.list.unreadable.hint"),
        }
    }
}

/// A bulk job that cannot be created, run, read or exported.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JobError {
    /// The journal could not be opened (the technical reason stays in `source` for the log).
    #[error("The job list on this computer could not be opened.")]
    Open(#[source] DbError),
    #[error("The job's record on this computer could not be read or saved.")]
    Database(#[from] rusqlite::Error),
    #[error("This job was not found on this computer.")]
    NotFound { job_id: String },
    #[error(
        "Sending at once must be between {min} and {max} (it was {given}).",
        min = MIN_CONCURRENCY,
        max = MAX_CONCURRENCY
    )]
    InvalidConcurrency { given: u8 },
    #[error("{message}")]
    InvalidCampaign { message: String, hint: String },
    #[error("The list has no address that can be sent to.")]
    NothingToSend,
    #[error("This job is still finishing the e-mails that were already on their way.")]
    StillStopping,
    #[error("This job is already {state}.")]
    AlreadyDone { state: &'static str },
    #[error("The job could not be started (no background worker is available).")]
    NoRuntime,
    #[error("The job stopped unexpectedly.")]
    Internal,
    #[error("The results file could not be written.")]
    Export(#[source] std::io::Error),
    /// Another job already makes links in this campaign: two at once could not tell their
    /// links apart after a lost reply.
    #[error("Links for this campaign are already being made by another job.")]
    SameCampaignBusy,
    /// A job saved by another version of the app, of a kind this one cannot run.
    #[error(
        "This job was saved by a different version of Coupon Desk and cannot be continued here."
    )]
    UnknownKind { kind: String },
}

impl JobError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            JobError::Open(_) | JobError::Database(_) => ErrorKind::Storage,
            JobError::NotFound { .. } => ErrorKind::NotFound,
            JobError::InvalidConcurrency { .. }
            | JobError::InvalidCampaign { .. }
            | JobError::NothingToSend => ErrorKind::Validation,
            JobError::StillStopping | JobError::AlreadyDone { .. } => ErrorKind::JobState,
            JobError::NoRuntime | JobError::Internal => ErrorKind::Internal,
            JobError::Export(_) => ErrorKind::Export,
            JobError::UnknownKind { .. } | JobError::SameCampaignBusy => ErrorKind::JobState,
        }
    }

    pub fn user_message(&self) -> String {
        match self {
            JobError::Open(_) => t("job.error.open.message"),
            JobError::Database(_) => t("job.error.database.message"),
            JobError::NotFound { .. } => t("job.error.notFound.message"),
            JobError::InvalidConcurrency { given } => tf(
                "job.error.concurrency.message",
                &[
                    ("min", &MIN_CONCURRENCY),
                    ("max", &MAX_CONCURRENCY),
                    ("given", given),
                ],
            ),
            JobError::InvalidCampaign { message, .. } => message.clone(),
            JobError::NothingToSend => t("job.error.nothingToSend.message"),
            JobError::StillStopping => t("job.error.stillStopping.message"),
            JobError::AlreadyDone { state } => match *state {
                "cancelled" => t("job.error.alreadyCancelled.message"),
                _ => t("job.error.alreadyFinished.message"),
            },
            JobError::NoRuntime => t("job.error.noRuntime.message"),
            JobError::Internal => t("job.error.internal.message"),
            JobError::Export(_) => t("job.error.export.message"),
            JobError::SameCampaignBusy => t("job.error.sameCampaignBusy.message"),
            JobError::UnknownKind { .. } => t("job.error.unknownKind.message"),
        }
    }

    pub fn hint(&self) -> String {
        match self {
            JobError::Open(_) | JobError::Database(_) => t("job.error.storage.hint"),
            JobError::NotFound { .. } => t("job.error.notFound.hint"),
            JobError::InvalidConcurrency { .. } => tf(
                "job.error.concurrency.hint",
                &[
                    ("min", &MIN_CONCURRENCY),
                    ("max", &MAX_CONCURRENCY),
                    ("default", &DEFAULT_CONCURRENCY),
                ],
            ),
            JobError::InvalidCampaign { hint, .. } => hint.clone(),
            JobError::NothingToSend => t("job.error.nothingToSend.hint"),
            JobError::StillStopping => t("job.error.stillStopping.hint"),
            JobError::AlreadyDone { .. } => t("job.error.alreadyDone.hint"),
            JobError::NoRuntime | JobError::Internal => t("job.error.internal.hint"),
            JobError::Export(_) => t("job.error.export.hint"),
            JobError::SameCampaignBusy => t("job.error.sameCampaignBusy.hint"),
            JobError::UnknownKind { .. } => t("job.error.unknownKind.hint"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_plain_words_and_a_hint() {
        let lists = [
            ListError::Empty,
            ListError::NoRows,
            ListError::NoEmailColumn,
            ListError::NoAddressesFound,
            ListError::NoSuchColumn {
                column: 4,
                columns: 3,
            },
            ListError::TooManyRows { limit: 100_000 },
            ListError::Unreadable { record: 7 },
        ];
        use crate::i18n::{in_language, Lang};
        // Every kind of error, in every language: words (no raw key), a hint, and not English.
        let words_everywhere = |words: &dyn Fn() -> (String, String), what: &str| {
            let english = in_language(Lang::En, words);
            for lang in Lang::ALL {
                let (message, hint) = in_language(lang, words);
                assert!(!message.is_empty() && !hint.is_empty(), "{lang:?} {what}");
                // A missing key comes back as the key itself, which has no spaces.
                assert!(
                    message.contains(' ') && hint.contains(' '),
                    "{lang:?} {what}: {message} / {hint}"
                );
                if lang != Lang::En {
                    assert_ne!(message, english.0, "{lang:?} {what}: still English");
                    assert_ne!(hint, english.1, "{lang:?} {what}: hint still English");
                }
            }
        };
        for e in lists {
            words_everywhere(&|| (e.user_message(), e.hint()), &format!("{e:?}"));
        }
        let jobs = [
            JobError::Open(DbError::from(rusqlite::Error::InvalidQuery)),
            JobError::Database(rusqlite::Error::InvalidQuery),
            JobError::NotFound {
                job_id: "job_1".into(),
            },
            JobError::InvalidConcurrency { given: 40 },
            JobError::NothingToSend,
            JobError::StillStopping,
            JobError::AlreadyDone { state: "finished" },
            JobError::AlreadyDone { state: "cancelled" },
            JobError::NoRuntime,
            JobError::Internal,
            JobError::Export(std::io::Error::other("disk full")),
            JobError::SameCampaignBusy,
            JobError::UnknownKind {
                kind: "future".into(),
            },
        ];
        for e in jobs {
            let message = e.user_message();
            // Technical detail stays out of what the window shows.
            assert!(
                !message.contains("disk full") && !message.contains("InvalidQuery"),
                "{message}"
            );
            words_everywhere(&|| (e.user_message(), e.hint()), &format!("{e:?}"));
        }
    }

    #[test]
    fn the_words_follow_the_language_and_the_log_keeps_english() {
        use crate::i18n::{in_language, Lang};
        let e = ListError::Unreadable { record: 1234 };
        let dutch = in_language(Lang::Nl, || (e.user_message(), e.hint()));
        assert_eq!(dutch.0, "Regel 1234 van de lijst kon niet worden gelezen.");
        assert!(dutch.1.contains("CSV UTF-8"), "{}", dutch.1);
        assert_eq!(e.to_string(), "Line 1234 of the list could not be read.");
        let columns = ListError::NoSuchColumn {
            column: 4,
            columns: 1,
        };
        assert_eq!(
            columns.user_message(),
            "Column 4 was chosen, but the list has only 1 column."
        );
        let done = JobError::AlreadyDone { state: "cancelled" };
        assert_eq!(
            in_language(Lang::De, || done.user_message()),
            "Dieser Auftrag wurde bereits gestoppt."
        );
    }

    #[test]
    fn the_concurrency_words_follow_the_runner_limits() {
        let e = JobError::InvalidConcurrency { given: 40 };
        assert_eq!(
            e.user_message(),
            format!(
                "Sending at once must be between {MIN_CONCURRENCY} and {MAX_CONCURRENCY} (it was 40)."
            )
        );
        assert!(e.hint().contains(&format!(
            "from {MIN_CONCURRENCY} to {MAX_CONCURRENCY}; {DEFAULT_CONCURRENCY} is"
        )));
    }
}
