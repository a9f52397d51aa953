//! Where a row of a job stands, and why a job paused itself: what the journal keeps and the
//! kinds and the window read.

use serde::{Deserialize, Serialize};

use crate::api::words::{Explain, Words};
use crate::history::Outcome;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowStatus {
    Pending,
    InFlight,
    Sent,
    Skipped,
    Failed,
    Unknown,
}

impl RowStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RowStatus::Pending => "pending",
            RowStatus::InFlight => "in_flight",
            RowStatus::Sent => "sent",
            RowStatus::Skipped => "skipped",
            RowStatus::Failed => "failed",
            RowStatus::Unknown => "unknown",
        }
    }

    /// A word this version does not know is a row in doubt: never sendable again.
    pub(crate) fn parse(text: &str) -> RowStatus {
        match text {
            "pending" => RowStatus::Pending,
            "in_flight" => RowStatus::InFlight,
            "sent" => RowStatus::Sent,
            "skipped" => RowStatus::Skipped,
            "failed" => RowStatus::Failed,
            _ => RowStatus::Unknown,
        }
    }

    pub fn is_final(self) -> bool {
        !matches!(self, RowStatus::Pending | RowStatus::InFlight)
    }

    /// What the history says about a row with this status; None while it is not decided.
    pub(crate) fn history_outcome(self) -> Option<Outcome> {
        match self {
            RowStatus::Pending | RowStatus::InFlight => None,
            RowStatus::Sent => Some(Outcome::Ok),
            RowStatus::Skipped => Some(Outcome::Skipped),
            RowStatus::Failed => Some(Outcome::Failed),
            RowStatus::Unknown => Some(Outcome::Unknown),
        }
    }
}

/// Why a job paused itself (an account-wide failure): what happened and what to do, as data
/// the window words (serialized by the app, in its language, never by the engine).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PauseReason {
    pub message: Words,
    pub hint: Words,
}

impl PauseReason {
    pub fn of(error: &impl Explain) -> PauseReason {
        let (message, hint) = error.words();
        PauseReason { message, hint }
    }
}
