//! What can go wrong with a list or a bulk job, in words a shop assistant can act on.
//!
//! The `#[error]` texts are for the log; the window gets the words of `Explain`, worded by the
//! app in its language.

use crate::api::words::{Explain, Plain, Words};
use crate::db::DbError;
use crate::jobs::limits::{DEFAULT_CONCURRENCY, MAX_CONCURRENCY, MIN_CONCURRENCY};

/// A pasted or loaded list that cannot be used as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
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
    fn what(&self) -> Words {
        match self {
            ListError::Empty => Words::new("job.list.empty.message"),
            ListError::NoRows => Words::new("job.list.noRows.message"),
            ListError::NoEmailColumn => Words::new("job.list.noEmailColumn.message"),
            ListError::NoAddressesFound => Words::new("job.list.noAddresses.message"),
            ListError::NoSuchColumn { column, columns } => Words::with(
                "job.list.noSuchColumn.message",
                &[("column", &Plain(column)), ("count", columns)],
            ),
            ListError::TooManyRows { limit } => {
                Words::with("job.list.tooManyRows.message", &[("limit", limit)])
            }
            ListError::Unreadable { record } => {
                Words::with("job.list.unreadable.message", &[("line", &Plain(record))])
            }
        }
    }

    fn what_to_do(&self) -> Words {
        match self {
            ListError::Empty => Words::new("job.list.empty.hint"),
            ListError::NoRows => Words::new("job.list.noRows.hint"),
            ListError::NoEmailColumn => Words::new("job.list.noEmailColumn.hint"),
            ListError::NoAddressesFound => Words::new("job.list.noAddresses.hint"),
            ListError::NoSuchColumn { .. } => Words::new("job.list.noSuchColumn.hint"),
            ListError::TooManyRows { .. } => Words::new("job.list.tooManyRows.hint"),
            ListError::Unreadable { .. } => Words::new("job.list.unreadable.hint"),
        }
    }
}

impl Explain for ListError {
    fn words(&self) -> (Words, Words) {
        (self.what(), self.what_to_do())
    }
}

/// A bulk job that cannot be created, run, read or exported.
#[derive(Debug, thiserror::Error)]
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
    InvalidCampaign { message: Words, hint: Words },
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
    fn what(&self) -> Words {
        match self {
            JobError::Open(_) => Words::new("job.error.open.message"),
            JobError::Database(_) => Words::new("job.error.database.message"),
            JobError::NotFound { .. } => Words::new("job.error.notFound.message"),
            JobError::InvalidConcurrency { given } => Words::with(
                "job.error.concurrency.message",
                &[
                    ("min", &MIN_CONCURRENCY),
                    ("max", &MAX_CONCURRENCY),
                    ("given", given),
                ],
            ),
            JobError::InvalidCampaign { message, .. } => message.clone(),
            JobError::NothingToSend => Words::new("job.error.nothingToSend.message"),
            JobError::StillStopping => Words::new("job.error.stillStopping.message"),
            JobError::AlreadyDone { state } => match *state {
                "cancelled" => Words::new("job.error.alreadyCancelled.message"),
                _ => Words::new("job.error.alreadyFinished.message"),
            },
            JobError::NoRuntime => Words::new("job.error.noRuntime.message"),
            JobError::Internal => Words::new("job.error.internal.message"),
            JobError::Export(_) => Words::new("job.error.export.message"),
            JobError::SameCampaignBusy => Words::new("job.error.sameCampaignBusy.message"),
            JobError::UnknownKind { .. } => Words::new("job.error.unknownKind.message"),
        }
    }

    fn what_to_do(&self) -> Words {
        match self {
            JobError::Open(_) | JobError::Database(_) => Words::new("job.error.storage.hint"),
            JobError::NotFound { .. } => Words::new("job.error.notFound.hint"),
            JobError::InvalidConcurrency { .. } => Words::with(
                "job.error.concurrency.hint",
                &[
                    ("min", &MIN_CONCURRENCY),
                    ("max", &MAX_CONCURRENCY),
                    ("default", &DEFAULT_CONCURRENCY),
                ],
            ),
            JobError::InvalidCampaign { hint, .. } => hint.clone(),
            JobError::NothingToSend => Words::new("job.error.nothingToSend.hint"),
            JobError::StillStopping => Words::new("job.error.stillStopping.hint"),
            JobError::AlreadyDone { .. } => Words::new("job.error.alreadyDone.hint"),
            JobError::NoRuntime | JobError::Internal => Words::new("job.error.internal.hint"),
            JobError::Export(_) => Words::new("job.error.export.hint"),
            JobError::SameCampaignBusy => Words::new("job.error.sameCampaignBusy.hint"),
            JobError::UnknownKind { .. } => Words::new("job.error.unknownKind.hint"),
        }
    }
}

impl Explain for JobError {
    fn words(&self) -> (Words, Words) {
        (self.what(), self.what_to_do())
    }
}
