//! What a kind of bulk work tells the engine, and nothing more.
//!
//! The engine (runner, worker, journal) owns concurrency, the journal, pause/resume/cancel,
//! progress, history and the export. A kind owns only the words of its API: how rows become a
//! request, how a reply becomes per-row verdicts, and how a row in doubt is looked up on the
//! server before anything is sent again.

use std::collections::HashSet;
use std::future::Future;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::api::words::Words;
use crate::api::{ApiError, Client};
use crate::jobs::status::{PauseReason, RowStatus};

/// A row as a worker holds it: `in_flight` in the journal.
#[derive(Debug, Clone, PartialEq)]
pub struct Claimed<I> {
    pub row: usize,
    pub input: I,
    /// Requests made for this row so far, including the one about to be made.
    pub attempts: u32,
    /// An earlier request may have taken effect (a lost reply, a crash): look it up first.
    pub maybe_sent: bool,
    /// Unix ms when the first request for this row left; what the server made since is ours.
    pub first_sent_at: Option<i64>,
    /// Unix ms when the latest request left; until its timeout has passed it may still run.
    pub last_sent_at: Option<i64>,
    /// `first_sent_at` by the server's clock, when a reply had told it by then.
    pub first_sent_server_ms: Option<i64>,
}

impl<I> Claimed<I> {
    /// The earliest server time at which this row's first request can have made something:
    /// the earlier of its departure by the server's clock as the journal kept it and the
    /// computer's time of it told in the server's clock now (either clock may have been set
    /// since: after a restart, or between the last reply and the request), less the clocks'
    /// margin. None before any request.
    pub fn sent_since(&self, client: &Client) -> Option<time::OffsetDateTime> {
        since_of(client, self.first_sent_at, self.first_sent_server_ms)
    }
}

/// See [`Claimed::sent_since`]: `local` and `server` are when a request left, in Unix ms by the
/// computer's clock and (when known then) by the server's.
pub fn since_of(
    client: &Client,
    local: Option<i64>,
    server: Option<i64>,
) -> Option<time::OffsetDateTime> {
    let kept = server.and_then(|ms| {
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .ok()
            .map(|at| at - crate::api::server_clock::SERVER_CLOCK_MARGIN)
    });
    let told_now = local.map(|ms| client.server_clock().earliest_of_request(ms));
    match (kept, told_now) {
        (Some(kept), Some(now)) => Some(kept.min(now)),
        (kept, now) => kept.or(now),
    }
}

/// The final word on one row.
#[derive(Debug, Clone, PartialEq)]
pub struct RowOutcome {
    pub status: RowStatus,
    /// The kind's output fields (e.g. `singleUseCode`, `singleUseUrl`).
    pub output: Map<String, Value>,
    /// What the row says, as data: worded when it is shown or exported, in the reader's
    /// language.
    pub message: Option<Words>,
    /// What one call made for the row when it makes many (e.g. the links of a chunk): kept in
    /// the journal in the same commit, each with a history line.
    pub items: Vec<Map<String, Value>>,
}

impl RowOutcome {
    pub fn new(status: RowStatus, message: Option<Words>) -> RowOutcome {
        RowOutcome {
            status,
            output: Map::new(),
            message,
            items: Vec::new(),
        }
    }

    pub fn with_items(mut self, items: Vec<Map<String, Value>>) -> RowOutcome {
        self.items = items;
        self
    }

    pub fn with(mut self, key: &str, value: Option<String>) -> RowOutcome {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            self.output.insert(key.to_owned(), Value::String(value));
        }
        self
    }
}

/// What one request did to one row.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Settled: sent, skipped, or unknown after the kind's own look-up.
    Done(RowOutcome),
    /// Coupontools refused this row in its own words; nothing was done. `code` lets the engine
    /// see a run of identical refusals that really concerns the whole account.
    Refused {
        code: Option<i64>,
        outcome: RowOutcome,
    },
    /// The request may have taken effect, but the reply did not say so: reconcile first.
    MaybeDone,
    /// Turned away before it was handled (rate limit): the same request may be made again.
    RetryAfter(Duration),
    /// The account or the way to it is unusable: every row would fail. Nothing was done.
    PauseJob(PauseReason),
}

/// What the server's state says about a row in doubt.
#[derive(Debug, Clone, PartialEq)]
pub enum Reconciled<I> {
    /// The request had taken effect (or the server already had what the row asks for).
    Done(RowOutcome),
    /// The server has nothing for the row: it is safe to send it again.
    NotThere,
    /// Part of what the row asks for exists (these items); only `rest` is still to be asked.
    Partly {
        items: Vec<Map<String, Value>>,
        rest: I,
    },
    /// The look-up could not tell; the row ends Unknown with this message.
    CantTell(Words),
    /// The look-up was refused for the whole account; the row stays in doubt for a later run.
    PauseJob(PauseReason),
}

/// What the engine and the journal need of a kind when they only have a stored job's `kind`
/// word (the kinds' table, `kinds::find`).
pub(crate) struct KindFacts {
    pub name: &'static str,
    pub history_action: &'static str,
    pub export_columns: &'static [(&'static str, &'static str)],
    /// Set for kinds whose rows make many items; the table and export then list the items.
    pub item_key: Option<&'static str>,
    /// The export's status word for a row that is done.
    pub done_word: fn() -> Words,
    pub unknown_message: fn() -> Words,
}

impl KindFacts {
    pub(crate) const fn of<K: JobKind>() -> KindFacts {
        KindFacts {
            name: K::NAME,
            history_action: K::HISTORY_ACTION,
            export_columns: K::EXPORT_COLUMNS,
            item_key: K::ITEM_KEY,
            done_word: K::done_word,
            unknown_message: K::unknown_message,
        }
    }
}

/// How the journal finds a kind's facts: given to it when it opens, so that the journal does not
/// depend on the kinds (which depend on it).
pub(crate) type KindLookup = fn(&str) -> Option<&'static KindFacts>;

/// One kind of bulk work. Stateless: everything a run needs is in the spec and the rows.
pub trait JobKind: Send + Sync + 'static {
    /// The journal's `kind` column.
    const NAME: &'static str;
    /// The history's action word for each settled row.
    const HISTORY_ACTION: &'static str;
    /// The results export's columns: (header, field). `row`, `status` and `message` are the
    /// engine's fields; any other names a field of the row's input or output.
    const EXPORT_COLUMNS: &'static [(&'static str, &'static str)];

    /// For kinds whose rows make many items: the item field that identifies one (e.g. `code`).
    /// The engine hands the identifiers already in the journal to [`JobKind::reconcile`].
    const ITEM_KEY: Option<&'static str> = None;
    /// A row that cannot be told (`CantTell`) also pauses the job, for the person to check
    /// before anything more is made.
    const STOP_ON_DOUBT: bool = false;

    /// Job-wide parameters (campaign, subject, ...), stored as JSON.
    type Spec: Serialize + DeserializeOwned + Send + Sync + 'static;
    /// One row's input, stored as JSON.
    type Input: Serialize + DeserializeOwned + Clone + Send + Sync + 'static;

    /// What the export calls a row that is done ("sent", "removed", ...).
    fn done_word() -> Words {
        Words::new("job.csvStatus.sent")
    }

    /// What a row that may or may not have taken effect says when the job is cancelled.
    fn unknown_message() -> Words {
        Words::new("job.row.unknownGeneric")
    }

    /// Rows per request: 1 for one call per row, more for a batch call.
    fn batch_size(_spec: &Self::Spec) -> usize {
        1
    }

    /// What the job works on (e.g. the campaign), for lists and history lines.
    fn label(spec: &Self::Spec) -> Option<String>;

    /// The history line's target for a row (e.g. the address).
    fn target(input: &Self::Input) -> String;

    /// Makes one request for `rows` (at most [`JobKind::batch_size`]) and returns one verdict
    /// per row, in order.
    fn attempt(
        client: &Client,
        spec: &Self::Spec,
        rows: &[Claimed<Self::Input>],
    ) -> impl Future<Output = Vec<Verdict>> + Send;

    /// Reads the server's state for a row whose earlier request may have taken effect. Only
    /// called once that request can no longer be running. `known`: the identifiers of the
    /// job's items so far (empty unless [`JobKind::ITEM_KEY`] is set).
    fn reconcile(
        client: &Client,
        spec: &Self::Spec,
        row: &Claimed<Self::Input>,
        known: &HashSet<String>,
    ) -> impl Future<Output = Reconciled<Self::Input>> + Send;
}

/// What an error from a write means for its row(s), for every kind. Pure and table-tested. No catch-all: a
/// new kind of error must be placed here on purpose, because a wrong guess either e-mails
/// someone twice or marks a whole list "maybe sent" when nothing went out.
pub fn verdict_of_write_error(error: &ApiError) -> Verdict {
    match error {
        // The account is refused (bad keys, expired, no e-mail provider): every row would be too.
        ApiError::Coupontools { .. } | ApiError::V4 { .. } if error.is_account_failure() => {
            Verdict::PauseJob(reason_of(error))
        }
        // Coupontools refused this row in its own words (305 bad address, 604 not delivered, ...).
        ApiError::Coupontools { .. } | ApiError::V4 { .. } => Verdict::Refused {
            code: error.code().map(i64::from).or(match error {
                ApiError::V4 { status, .. } => Some(i64::from(*status)),
                _ => None,
            }),
            outcome: RowOutcome::new(RowStatus::Failed, Some(error.words().0)),
        },
        // Nothing left the computer, the settings are wrong, or something that is not the API
        // (a wrong address, a redirect, a proxy) turned the request away: nothing was sent, and
        // every row would fail the same way.
        ApiError::NotTheApi {
            status: 300..=499, ..
        }
        | ApiError::Connect { .. }
        | ApiError::Timeout { sent: false }
        | ApiError::InvalidBaseUrl { .. }
        | ApiError::UnusableCredentials
        | ApiError::Internal { .. } => Verdict::PauseJob(reason_of(error)),
        // The client refused a value before sending: nothing went out, the row cannot be sent.
        ApiError::Invalid(problem) => Verdict::Done(RowOutcome::new(
            RowStatus::Failed,
            Some(Words::with(
                "job.row.refusedHere",
                &[("message", &problem.message), ("hint", &problem.hint)],
            )),
        )),
        // Refused before it was handled: safe to send again, after the pause it asked for.
        ApiError::RateLimited { retry_after } => Verdict::RetryAfter(
            retry_after
                .unwrap_or(Duration::from_secs(5))
                .min(Duration::from_secs(60)),
        ),
        // The request reached the server and may have been carried out: the reply was lost,
        // garbled or not the documented shape, came too late, or was a 5xx.
        ApiError::OutcomeUnknown { .. }
        | ApiError::ReplyLost { .. }
        | ApiError::Timeout { sent: true }
        | ApiError::Server { .. }
        | ApiError::Decode { .. }
        | ApiError::NotTheApi { .. } => Verdict::MaybeDone,
    }
}

pub fn reason_of(error: &ApiError) -> PauseReason {
    PauseReason::of(error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::validate::email_address;

    /// A value the client refused before sending says why on the row (journal, table, export,
    /// history): the client's own words for the field and its hint, not a bare code.
    #[test]
    fn a_row_refused_by_the_client_says_why() {
        let problem = email_address("ann.example.com").unwrap_err();
        let error = ApiError::Invalid(problem.clone());
        let Verdict::Done(outcome) = verdict_of_write_error(&error) else {
            panic!("a local refusal settles the row");
        };
        assert_eq!(outcome.status, RowStatus::Failed);
        let message = outcome.message.expect("a reason");
        assert_eq!(message.key, "job.row.refusedHere");
        assert_eq!(
            message.value("message"),
            Some(&crate::api::words::Value::Words(Box::new(problem.message)))
        );
        assert_eq!(
            message.value("hint"),
            Some(&crate::api::words::Value::Words(Box::new(problem.hint)))
        );
    }
}
