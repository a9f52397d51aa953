//! What can go wrong with a list or a bulk job, in words a shop assistant can act on.

use crate::db::DbError;
use crate::jobs::runner::{DEFAULT_CONCURRENCY, MAX_CONCURRENCY, MIN_CONCURRENCY};

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
    pub fn kind(&self) -> &'static str {
        "list"
    }

    pub fn user_message(&self) -> String {
        self.to_string()
    }

    pub fn hint(&self) -> String {
        match self {
            ListError::Empty => "Paste the list, or choose a CSV file saved from your spreadsheet.",
            ListError::NoRows => "Put one address per line under the header, then try again.",
            ListError::NoEmailColumn => {
                "Name the column with the addresses \"email\" in the first line, or pick the e-mail column by hand."
            }
            ListError::NoAddressesFound => {
                "Check that this is the right file: it should hold one e-mail address per line."
            }
            ListError::NoSuchColumn { .. } => "Pick the columns again from the lists above the preview.",
            ListError::TooManyRows { .. } => "Split the list into smaller files and send them one after the other.",
            ListError::Unreadable { .. } => {
                "Save the list again from your spreadsheet as \"CSV UTF-8\" and load that file."
            }
        }
        .to_string()
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
    pub fn kind(&self) -> &'static str {
        match self {
            JobError::Open(_) | JobError::Database(_) => "storage",
            JobError::NotFound { .. } => "not_found",
            JobError::InvalidConcurrency { .. }
            | JobError::InvalidCampaign { .. }
            | JobError::NothingToSend => "validation",
            JobError::StillStopping | JobError::AlreadyDone { .. } => "job_state",
            JobError::NoRuntime | JobError::Internal => "internal",
            JobError::Export(_) => "export",
            JobError::UnknownKind { .. } | JobError::SameCampaignBusy => "job_state",
        }
    }

    pub fn user_message(&self) -> String {
        self.to_string()
    }

    pub fn hint(&self) -> String {
        match self {
            JobError::Open(_) | JobError::Database(_) => {
                "Check that the disk is not full, then close and reopen Coupon Desk.".to_string()
            }
            JobError::NotFound { .. } => {
                "It may have been removed. Start the job again from the list.".to_string()
            }
            JobError::InvalidConcurrency { .. } => format!(
                "Choose a number from {MIN_CONCURRENCY} to {MAX_CONCURRENCY}; {DEFAULT_CONCURRENCY} is a good start."
            ),
            JobError::InvalidCampaign { hint, .. } => hint.clone(),
            JobError::NothingToSend => {
                "Fix the addresses marked in the preview, then start again.".to_string()
            }
            JobError::StillStopping => "Wait a few seconds and try again.".to_string(),
            JobError::AlreadyDone { .. } => {
                "Its results can still be viewed and exported.".to_string()
            }
            JobError::NoRuntime | JobError::Internal => {
                "Close and reopen Coupon Desk; the job will offer to resume where it stopped."
                    .to_string()
            }
            JobError::Export(_) => {
                "Choose another folder, or close the file if it is open in a spreadsheet."
                    .to_string()
            }
            JobError::SameCampaignBusy => {
                "Let that job finish (or stop it) first; it is listed on the Single-use links screen."
                    .to_string()
            }
            JobError::UnknownKind { .. } => {
                "Update Coupon Desk to the newest version, or cancel the job; its results so far can still be exported."
                    .to_string()
            }
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
        for e in lists {
            assert!(
                !e.user_message().is_empty() && !e.hint().is_empty(),
                "{e:?}"
            );
        }
        let jobs = [
            JobError::Database(rusqlite::Error::InvalidQuery),
            JobError::NotFound {
                job_id: "job_1".into(),
            },
            JobError::InvalidConcurrency { given: 40 },
            JobError::NothingToSend,
            JobError::StillStopping,
            JobError::AlreadyDone { state: "finished" },
            JobError::Export(std::io::Error::other("disk full")),
        ];
        for e in jobs {
            let message = e.user_message();
            assert!(!message.is_empty() && !e.hint().is_empty(), "{e:?}");
            // Technical detail stays out of what the window shows.
            assert!(
                !message.contains("disk full") && !message.contains("InvalidQuery"),
                "{message}"
            );
        }
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
