//! What kind of failure the window is told about: one closed list for every error of the app,
//! the `kind` of `{kind, message, hint, code?, field?}`. The window may branch on it (a field to
//! mark, the keychain to explain); a kind cannot be misspelt into existence.

use serde::Serialize;

use crate::api::ApiError;
use crate::jobs::{JobError, ListError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    // What the person gave.
    /// A field or value that is not right; `field` names it.
    Validation,
    /// A list (CSV, pasted) that cannot be read as one.
    List,
    NoAccount,
    NotFound,
    /// A code that fits more than one coupon.
    Ambiguous,

    // The account and Coupontools.
    /// The keys are refused.
    Auth,
    /// Coupontools refused, with a code.
    Coupontools,
    RateLimited,
    /// Something answered that is not the Coupontools API (a wrong address, a proxy page).
    NotTheApi,
    /// A reply in a shape not understood.
    Decode,
    Network,
    Timeout,
    Server,
    /// The account's settings cannot make a client (an address, keys).
    Config,

    // Writes.
    /// A write whose answer was lost and whose outcome the server could not tell: check before
    /// trying again. (The one kind for "it may have happened".)
    OutcomeUnknown,
    /// A write that certainly did not happen, each for its screen's words.
    NotMade,
    NotSent,
    NotAdded,
    NotDeleted,
    NotChanged,
    /// Not possible for this account or in practice mode.
    NotAvailable,

    // This computer.
    Storage,
    Database,
    Settings,
    Export,
    /// A file or folder could not be opened.
    Open,
    Qr,
    Keychain,
    KeychainUnavailable,
    KeychainMissing,
    Practice,
    /// A job that cannot do this now (already finished, still stopping).
    JobState,
    /// Work the person stopped before it finished; nothing was saved.
    Stopped,

    // Updates.
    UpdateBusy,
    UpdateNone,
    UpdateOffline,
    UpdateRefused,
    UpdateUnavailable,
    UpdateInstall,
    UpdateFailed,

    /// A file written by a newer version of the app.
    Future,
    Internal,
}

impl From<&ApiError> for ErrorKind {
    /// Without a catch-all: a new error of the client must be given its kind here.
    fn from(e: &ApiError) -> ErrorKind {
        match e {
            ApiError::Coupontools { code: 1000, .. } => ErrorKind::Auth,
            ApiError::Coupontools { .. } => ErrorKind::Coupontools,
            ApiError::V4 {
                status: 401 | 403, ..
            } => ErrorKind::Auth,
            ApiError::V4 { .. } => ErrorKind::Coupontools,
            ApiError::NotTheApi { .. } => ErrorKind::NotTheApi,
            ApiError::Decode { .. } => ErrorKind::Decode,
            ApiError::Connect { .. } | ApiError::ReplyLost { .. } => ErrorKind::Network,
            ApiError::Timeout { .. } => ErrorKind::Timeout,
            ApiError::Server { .. } => ErrorKind::Server,
            ApiError::RateLimited { .. } => ErrorKind::RateLimited,
            ApiError::OutcomeUnknown { .. } => ErrorKind::OutcomeUnknown,
            ApiError::InvalidBaseUrl { .. } | ApiError::UnusableCredentials => ErrorKind::Config,
            ApiError::Internal { .. } => ErrorKind::Internal,
            ApiError::Invalid(_) => ErrorKind::Validation,
        }
    }
}

impl From<&ListError> for ErrorKind {
    fn from(_: &ListError) -> ErrorKind {
        ErrorKind::List
    }
}

impl From<&JobError> for ErrorKind {
    fn from(e: &JobError) -> ErrorKind {
        match e {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The client names its kinds for logs and the journal (`ApiError::kind`); the window gets
    /// the same word.
    #[test]
    fn the_window_gets_the_clients_own_kind_word() {
        for e in crate::words::api_error_tests::every_kind_of_error() {
            let word = serde_json::to_value(ErrorKind::from(&e)).expect("a word");
            assert_eq!(word, e.kind(), "{e:?}");
        }
    }

    #[test]
    fn a_results_file_that_cannot_be_written_is_an_export_error() {
        let e = JobError::Export(std::io::Error::other("disk full"));
        assert_eq!(ErrorKind::from(&e), ErrorKind::Export);
        assert_eq!(ErrorKind::from(&ListError::Empty), ErrorKind::List);
    }

    #[test]
    fn kinds_are_snake_case_words() {
        let words = serde_json::to_value([
            ErrorKind::OutcomeUnknown,
            ErrorKind::KeychainUnavailable,
            ErrorKind::NoAccount,
        ])
        .expect("words");
        assert_eq!(
            words,
            serde_json::json!(["outcome_unknown", "keychain_unavailable", "no_account"])
        );
    }
}
