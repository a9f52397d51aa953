//! The journal of bulk jobs, one schema for every kind: each row's state on disk before anyone
//! hears of it.
//!
//! The rule that makes a crash harmless: a row is marked `in_flight` (with the time its request
//! leaves) and committed BEFORE the request leaves, and its outcome is committed BEFORE it is
//! reported. After a crash the only rows in doubt are the `in_flight` ones; they go back to the
//! queue marked `maybe_sent`, and the next run looks them up on the server before anything is
//! sent again. The journal is the app's one writer: history lines go through it too.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::api::words::Words;
use crate::db;
use crate::history::{self, NewEntry};
use crate::jobs::error::JobError;
use crate::jobs::kind::{KindLookup, RowOutcome};
use crate::jobs::limits::{MAX_CONCURRENCY, MIN_CONCURRENCY};
pub use crate::jobs::status::{PauseReason, RowStatus};
use crate::kept_words::{read_stored, stored};

/// A row whose e-mail may have gone out unseen.
pub(crate) fn unknown_message() -> Words {
    Words::new("job.row.unknown")
}

/// A row the job never got to because it was cancelled.
pub(crate) fn cancelled_message() -> Words {
    Words::new("job.row.cancelled")
}

/// Identifies one bulk job; stable across restarts (it is the journal's key).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JobId(String);

impl JobId {
    pub fn new(id: impl Into<String>) -> JobId {
        JobId(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn generate() -> JobId {
        let millis = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
        JobId(format!("job_{millis}_{:08x}", rand::random::<u32>()))
    }
}

impl std::fmt::Display for JobId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Running now, or (when no run is alive in this process) interrupted by a crash or a close.
    Running,
    Paused,
    Finished,
    Cancelled,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Running => "running",
            JobState::Paused => "paused",
            JobState::Finished => "finished",
            JobState::Cancelled => "cancelled",
        }
    }

    /// A word this version does not know leaves the job to the user (paused), never running.
    pub(crate) fn parse(text: &str) -> JobState {
        match text {
            "running" => JobState::Running,
            "finished" => JobState::Finished,
            "cancelled" => JobState::Cancelled,
            _ => JobState::Paused,
        }
    }
}

/// What a job was asked to do, as the journal keeps it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JobRecord {
    pub id: JobId,
    pub kind: String,
    pub created_at: String,
    pub account_id: String,
    pub account_name: String,
    /// The kind's job-wide parameters.
    pub spec: Value,
    pub label: Option<String>,
    pub concurrency: u8,
    pub state: JobState,
    pub pause_reason: Option<PauseReason>,
    pub total: usize,
}

pub(crate) struct NewJob<'a> {
    pub kind: &'a str,
    pub account_id: &'a str,
    pub account_name: &'a str,
    pub spec: Value,
    pub label: Option<String>,
    pub concurrency: u8,
}

/// One row of a new job. `settled`: already decided when the job is made (a bad line of the
/// file), so the journal and the export mirror the input row for row.
pub(crate) struct NewRow {
    pub row: usize,
    pub input: Value,
    pub target: String,
    pub settled: Option<(RowStatus, Words)>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub pending: usize,
    pub in_flight: usize,
    pub sent: usize,
    pub skipped: usize,
    pub failed: usize,
    pub unknown: usize,
}

impl Counts {
    pub fn done(&self) -> usize {
        self.sent + self.skipped + self.failed + self.unknown
    }

    pub fn remaining(&self) -> usize {
        self.pending + self.in_flight
    }

    pub fn add(&mut self, status: RowStatus, n: isize) {
        let slot = match status {
            RowStatus::Pending => &mut self.pending,
            RowStatus::InFlight => &mut self.in_flight,
            RowStatus::Sent => &mut self.sent,
            RowStatus::Skipped => &mut self.skipped,
            RowStatus::Failed => &mut self.failed,
            RowStatus::Unknown => &mut self.unknown,
        };
        *slot = slot.saturating_add_signed(n);
    }
}

/// A row taken by a worker; it is `in_flight` in the journal. The input is the kind's JSON.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ClaimedRow {
    pub row: usize,
    pub input: Value,
    pub attempts: u32,
    pub maybe_sent: bool,
    pub first_sent_at: Option<i64>,
    pub last_sent_at: Option<i64>,
    /// `first_sent_at` by the server's clock, when a reply had told it by then.
    pub first_sent_server_ms: Option<i64>,
}

/// One row as the results table shows it: the kind's input and output fields side by side.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobRow {
    pub row: usize,
    /// `in_flight` shows as `pending`: to the person watching it is not done yet.
    pub status: RowStatus,
    /// Waiting, but an earlier request may have taken effect: it will be looked up first, and
    /// exported as "unknown" until then.
    pub in_doubt: bool,
    /// Worded by the app (`shown_jobs`), in the window's language.
    #[serde(skip)]
    pub message: Option<Words>,
    #[serde(flatten)]
    pub fields: Map<String, Value>,
}

impl JobRow {
    /// A text field of the row's input or output (`email`, `singleUseUrl`, ...).
    pub fn field(&self, key: &str) -> Option<&str> {
        self.fields.get(key).and_then(Value::as_str)
    }
}

/// One page of a job's rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobRows {
    pub total: usize,
    pub rows: Vec<JobRow>,
}

/// A job as lists show it; the kind's parameters (e.g. `campaign`, `subject`) sit beside the
/// engine's fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobSummary {
    pub job_id: JobId,
    pub kind: String,
    pub account_id: String,
    pub account_name: String,
    pub label: Option<String>,
    pub concurrency: u8,
    pub total: usize,
    pub done: usize,
    pub created_at: String,
    pub state: JobState,
    /// Worded by the app (`shown_jobs`), in the window's language.
    #[serde(skip)]
    pub pause_reason: Option<PauseReason>,
    #[serde(flatten)]
    pub spec: Map<String, Value>,
}

pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

pub(crate) struct Journal {
    conn: Connection,
    kinds: KindLookup,
}

impl Journal {
    /// `kinds`: the facts of each kind (`jobs::kinds::find`), for the words and history lines
    /// the journal writes on a kind's behalf.
    pub(crate) fn open(path: &Path, kinds: KindLookup) -> Result<Journal, JobError> {
        let conn = db::open(path).map_err(JobError::Open)?;
        // FULL: the in_flight mark must survive a power cut, not only a crash, or a resend
        // after it could e-mail someone twice. In WAL mode this costs one fsync per commit.
        conn.pragma_update(None, "synchronous", "FULL")?;
        Ok(Journal { conn, kinds })
    }

    /// Stores the job and all its rows in one transaction (100 000 rows take about a second;
    /// other writers wait on the journal's lock meanwhile, they do not fail).
    pub fn create_job(
        &mut self,
        new: &NewJob<'_>,
        rows: impl IntoIterator<Item = NewRow>,
    ) -> Result<JobRecord, JobError> {
        let mut job = JobRecord {
            id: JobId::generate(),
            kind: new.kind.to_owned(),
            created_at: history::now_rfc3339(),
            account_id: new.account_id.to_string(),
            account_name: new.account_name.to_string(),
            spec: new.spec.clone(),
            label: new.label.clone(),
            concurrency: new.concurrency,
            state: JobState::Running,
            pause_reason: None,
            total: 0,
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO jobs (id, kind, created_at, account_id, account_name, spec, label,
                concurrency, state, total)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0)",
            params![
                job.id.as_str(),
                job.kind,
                job.created_at,
                job.account_id,
                job.account_name,
                job.spec.to_string(),
                job.label,
                job.concurrency,
                job.state.as_str(),
            ],
        )?;
        let mut total = 0usize;
        {
            let mut insert = tx.prepare(
                "INSERT INTO job_rows (job_id, row, input, target, status, message, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for new_row in rows {
                total += 1;
                let (status, message) = match new_row.settled {
                    Some((status, message)) => (status, Some(stored(&message))),
                    None => (RowStatus::Pending, None),
                };
                insert.execute(params![
                    job.id.as_str(),
                    new_row.row as i64,
                    new_row.input.to_string(),
                    new_row.target,
                    status.as_str(),
                    message,
                    job.created_at,
                ])?;
                record_history(
                    self.kinds,
                    &tx,
                    &job,
                    &new_row.target,
                    status,
                    message.as_deref(),
                )?;
            }
        }
        tx.execute(
            "UPDATE jobs SET total = ?2 WHERE id = ?1",
            params![job.id.as_str(), total as i64],
        )?;
        tx.commit()?;
        job.total = total;
        Ok(job)
    }

    pub fn job(&self, id: &JobId) -> Result<JobRecord, JobError> {
        self.conn
            .query_row(
                &format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?1"),
                [id.as_str()],
                job_from_row,
            )
            .optional()?
            .ok_or_else(|| JobError::NotFound {
                job_id: id.to_string(),
            })
    }

    pub fn counts(&self, id: &JobId) -> Result<Counts, JobError> {
        counts_in(&self.conn, id)
    }

    pub fn set_state(
        &self,
        id: &JobId,
        state: JobState,
        reason: Option<&PauseReason>,
    ) -> Result<(), JobError> {
        set_state_in(&self.conn, id, state, reason)
    }

    /// Rows that were on their way when a run ended or the app stopped go back to the queue
    /// marked `maybe_sent`: the next run looks each one up before sending anything. Their last
    /// request counts as sent just now: the client may have retried it (after a refused
    /// connection or a 429) well after the claim, so the look-up waits as long as such a
    /// request could still run. Returns how many rows were recovered.
    pub fn recover_in_flight(&mut self, job_id: &JobId) -> Result<usize, JobError> {
        let changed = self.conn.execute(
            "UPDATE job_rows SET status = 'pending', maybe_sent = 1,
                    last_sent_at = max(coalesce(last_sent_at, 0), ?2), updated_at = ?3
             WHERE job_id = ?1 AND status = 'in_flight'",
            params![job_id.as_str(), now_ms(), history::now_rfc3339()],
        )?;
        Ok(changed)
    }

    /// Every job's in-flight rows, at start-up, when no run is alive.
    pub fn recover_all(&mut self) -> Result<usize, JobError> {
        let ids: Vec<String> = {
            let mut stmt = self
                .conn
                .prepare("SELECT DISTINCT job_id FROM job_rows WHERE status = 'in_flight'")?;
            let ids = stmt
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            ids
        };
        let mut recovered = 0;
        for id in ids {
            recovered += self.recover_in_flight(&JobId(id))?;
        }
        Ok(recovered)
    }

    /// Marks up to `max` pending rows `in_flight` and commits. Rows in doubt come first (they
    /// are settled before anything new is asked), then rows tried less. A row not in doubt is sent right after, so its request time is written now.
    /// `clock_offset_ms`: the server's clock minus this computer's, when known.
    pub fn claim(
        &mut self,
        job_id: &JobId,
        max: usize,
        clock_offset_ms: Option<i64>,
    ) -> Result<Vec<ClaimedRow>, JobError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let claimed = claim_in(&tx, job_id, max, clock_offset_ms)?;
        tx.commit()?;
        Ok(claimed)
    }

    /// Commits a row's outcome (and its history line) and claims up to `then_claim` rows in the
    /// same transaction: one commit per settled row instead of two.
    pub fn finish_row(
        &mut self,
        job: &JobRecord,
        row: usize,
        outcome: &RowOutcome,
        then_claim: usize,
        clock_offset_ms: Option<i64>,
    ) -> Result<Vec<ClaimedRow>, JobError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        finish_in(self.kinds, &tx, job, row, outcome)?;
        let claimed = claim_in(&tx, &job.id, then_claim, clock_offset_ms)?;
        tx.commit()?;
        Ok(claimed)
    }

    /// Puts an `in_flight` row back in the queue. `counts_as_attempt` false: the request was
    /// refused before it had any effect (the account paused, or it never left); a row left with
    /// no attempt also forgets the request times its claim wrote, so a later look-up does not
    /// count what others made since then as its own.
    pub fn requeue(
        &mut self,
        job_id: &JobId,
        row: usize,
        maybe_sent: bool,
        counts_as_attempt: bool,
    ) -> Result<(), JobError> {
        self.conn.execute(
            "UPDATE job_rows
             SET status = 'pending', maybe_sent = max(maybe_sent, ?3),
                 attempts = max(attempts - ?4, 0),
                 first_sent_at = CASE WHEN max(attempts - ?4, 0) = 0 THEN NULL ELSE first_sent_at END,
                 last_sent_at = CASE WHEN max(attempts - ?4, 0) = 0 THEN NULL ELSE last_sent_at END,
                 first_sent_server_ms = CASE WHEN max(attempts - ?4, 0) = 0 THEN NULL
                     ELSE first_sent_server_ms END,
                 updated_at = ?5
             WHERE job_id = ?1 AND row = ?2 AND status = 'in_flight'",
            params![
                job_id.as_str(),
                row as i64,
                maybe_sent,
                !counts_as_attempt as i64,
                history::now_rfc3339()
            ],
        )?;
        Ok(())
    }

    /// The row's request may have taken effect: from now on, until a look-up says otherwise,
    /// it is never sent again blind, by this run or after a crash. Its last request counts as
    /// sent now (the client may have retried it after the claim). Returns the time written.
    pub fn note_maybe_sent(&mut self, job_id: &JobId, row: usize) -> Result<i64, JobError> {
        let now = now_ms();
        self.conn.execute(
            "UPDATE job_rows SET maybe_sent = 1, last_sent_at = ?3, updated_at = ?4
             WHERE job_id = ?1 AND row = ?2 AND status = 'in_flight'",
            params![job_id.as_str(), row as i64, now, history::now_rfc3339()],
        )?;
        Ok(now)
    }

    /// Another request for the row is about to leave: the server was looked up and has nothing
    /// (or the last one was turned away unhandled). Returns the time written.
    pub fn note_resend(&mut self, job_id: &JobId, row: usize) -> Result<i64, JobError> {
        let now = now_ms();
        self.conn.execute(
            "UPDATE job_rows
             SET attempts = attempts + 1, maybe_sent = 0, last_sent_at = ?3,
                 first_sent_at = coalesce(first_sent_at, ?3), updated_at = ?4
             WHERE job_id = ?1 AND row = ?2 AND status = 'in_flight'",
            params![job_id.as_str(), row as i64, now, history::now_rfc3339()],
        )?;
        Ok(now)
    }

    /// Part of a row's request is known to exist (`items`); what is left to ask is `rest`.
    /// One commit, so a crash never loses the items or asks for them again.
    pub fn add_items(
        &mut self,
        job: &JobRecord,
        row: usize,
        items: &[Map<String, Value>],
        rest: &Value,
    ) -> Result<(), JobError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        insert_items(self.kinds, &tx, job, row, items)?;
        tx.execute(
            "UPDATE job_rows SET input = ?3, updated_at = ?4 WHERE job_id = ?1 AND row = ?2",
            params![
                job.id.as_str(),
                row as i64,
                rest.to_string(),
                history::now_rfc3339()
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The values of `key` over the items of every job of this desk (e.g. every code any job
    /// made), and the codes of links made one at a time (the history keeps their URL): what
    /// this desk already holds is never evidence of a request in doubt.
    pub fn desk_item_keys(&self, key: &str) -> Result<std::collections::HashSet<String>, JobError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT json_extract(data, '$.' || ?1) FROM job_items")?;
        let mut keys: std::collections::HashSet<String> = stmt
            .query_map(params![key], |r| r.get::<_, Option<String>>(0))?
            .filter_map(|k| k.transpose())
            .collect::<Result<_, _>>()?;
        let mut single = self.conn.prepare_cached(
            "SELECT detail FROM history WHERE action = 'single_use_create' AND detail IS NOT NULL",
        )?;
        let urls = single.query_map([], |r| r.get::<_, String>(0))?;
        for url in urls {
            let url = url?;
            if let Some(code) = url.trim().trim_end_matches('/').rsplit('/').next() {
                if !code.is_empty() && code.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    keys.insert(code.to_owned());
                }
            }
        }
        Ok(keys)
    }

    pub fn item_count(&self, job_id: &JobId) -> Result<usize, JobError> {
        item_count(&self.conn, job_id)
    }

    /// A cancelled job: rows never sent say so; rows in doubt (on their way, or waiting with an
    /// earlier request that may have taken effect) become unknown, with a history line. One
    /// transaction: a crash halfway must not leave a half-cancelled job that a resume would send.
    pub fn cancel(&mut self, job: &JobRecord) -> Result<(), JobError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let at = history::now_rfc3339();
        let unknown =
            (self.kinds)(&job.kind).map_or_else(unknown_message, |kind| (kind.unknown_message)());
        let unknown = stored(&unknown);
        let cancelled = stored(&cancelled_message());
        let doubtful: Vec<String> = tx
            .prepare(
                "UPDATE job_rows SET status = 'unknown', maybe_sent = 1, message = ?2, updated_at = ?3
                 WHERE job_id = ?1 AND (status = 'in_flight' OR (status = 'pending' AND maybe_sent = 1))
                 RETURNING target",
            )?
            .query_map(params![job.id.as_str(), unknown, at], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for target in &doubtful {
            record_history(
                self.kinds,
                &tx,
                job,
                target,
                RowStatus::Unknown,
                Some(&unknown),
            )?;
        }
        tx.execute(
            "UPDATE job_rows SET message = ?2, updated_at = ?3 WHERE job_id = ?1 AND status = 'pending'",
            params![job.id.as_str(), cancelled, at],
        )?;
        set_state_in(&tx, &job.id, JobState::Cancelled, None)?;
        tx.commit()?;
        Ok(())
    }

    /// Rows `offset + 1 ..= offset + limit`.
    pub fn rows(
        &self,
        job_id: &JobId,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<JobRow>, JobError> {
        rows_in(&self.conn, job_id, offset, limit)
    }

    /// Jobs that wait for the user's decision, newest first.
    pub fn unfinished(&self) -> Result<Vec<JobSummary>, JobError> {
        self.summaries("WHERE state NOT IN ('finished', 'cancelled')", &[])
    }

    /// One job, whatever its state.
    pub fn summary(&self, id: &JobId) -> Result<JobSummary, JobError> {
        self.summaries("WHERE id = ?1", &[&id.as_str()])?
            .pop()
            .ok_or_else(|| JobError::NotFound {
                job_id: id.to_string(),
            })
    }

    fn summaries(
        &self,
        filter: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<JobSummary>, JobError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {JOB_COLUMNS},
                    (SELECT count(*) FROM job_rows r
                     WHERE r.job_id = j.id AND r.status NOT IN ('pending', 'in_flight'))
             FROM jobs j {filter} ORDER BY created_at DESC, id DESC"
        ))?;
        let jobs = stmt
            .query_map(args, |r| {
                let job = job_from_row(r)?;
                let done: i64 = r.get(12)?;
                Ok(JobSummary {
                    job_id: job.id,
                    kind: job.kind,
                    account_id: job.account_id,
                    account_name: job.account_name,
                    label: job.label,
                    concurrency: job.concurrency,
                    total: job.total,
                    done: done as usize,
                    created_at: job.created_at,
                    state: job.state,
                    pause_reason: job.pause_reason,
                    spec: match job.spec {
                        Value::Object(map) => map,
                        _ => Map::new(),
                    },
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(jobs)
    }

    pub(crate) fn connection(&self) -> &Connection {
        &self.conn
    }

    /// A history line written by a command (a single send, a connection test): through this
    /// one connection, so it never competes with a job's transaction for the database.
    pub fn record_history(&self, entry: &NewEntry<'_>) -> Result<(), JobError> {
        history::record(&self.conn, entry)?;
        Ok(())
    }
}

const JOB_COLUMNS: &str = "id, kind, created_at, account_id, account_name, spec, label, \
     concurrency, state, pause_reason, pause_hint, total";

/// Rows of a job from any connection: the writer's, or a reader's for an export.
pub(crate) fn rows_in(
    conn: &Connection,
    job_id: &JobId,
    offset: usize,
    limit: usize,
) -> Result<Vec<JobRow>, JobError> {
    // Rows are numbered from 1 without gaps, so this is an index range, not an OFFSET scan.
    let mut stmt = conn.prepare_cached(
        "SELECT row, status, maybe_sent, input, output, message
         FROM job_rows WHERE job_id = ?1 AND row > ?2 AND row <= ?3 ORDER BY row",
    )?;
    let rows = stmt
        .query_map(
            params![
                job_id.as_str(),
                offset as i64,
                offset.saturating_add(limit) as i64
            ],
            |r| {
                let status = RowStatus::parse(&r.get::<_, String>(1)?);
                let maybe_sent: bool = r.get(2)?;
                let mut fields = object(&r.get::<_, String>(3)?);
                if let Some(output) = r.get::<_, Option<String>>(4)? {
                    fields.extend(object(&output));
                }
                let waiting = matches!(status, RowStatus::Pending | RowStatus::InFlight);
                Ok(JobRow {
                    row: r.get::<_, i64>(0)? as usize,
                    status: if waiting { RowStatus::Pending } else { status },
                    // On its way right now, or waiting with an earlier request in doubt.
                    in_doubt: status == RowStatus::InFlight || (waiting && maybe_sent),
                    message: r.get::<_, Option<String>>(5)?.map(read_stored),
                    fields,
                })
            },
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub(crate) fn counts_in(conn: &Connection, id: &JobId) -> Result<Counts, JobError> {
    let mut counts = Counts::default();
    let mut stmt = conn.prepare_cached(
        "SELECT status, count(*) FROM job_rows WHERE job_id = ?1 GROUP BY status",
    )?;
    let rows = stmt.query_map([id.as_str()], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    for row in rows {
        let (status, n) = row?;
        counts.add(RowStatus::parse(&status), n as isize);
    }
    Ok(counts)
}

fn object(text: &str) -> Map<String, Value> {
    match serde_json::from_str(text) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// The row's line in the history, in the caller's transaction; nothing for an undecided row.
fn record_history(
    kinds: KindLookup,
    conn: &Connection,
    job: &JobRecord,
    target: &str,
    status: RowStatus,
    detail: Option<&str>,
) -> Result<(), JobError> {
    let Some(outcome) = status.history_outcome() else {
        return Ok(());
    };
    history::record(
        conn,
        &NewEntry {
            account_id: &job.account_id,
            account: &job.account_name,
            action: kinds(&job.kind).map_or("bulk_job", |k| k.history_action),
            campaign: job.label.as_deref(),
            target: Some(target),
            outcome,
            detail,
            job_id: Some(job.id.as_str()),
        },
    )?;
    Ok(())
}

fn finish_in(
    kinds: KindLookup,
    tx: &rusqlite::Transaction<'_>,
    job: &JobRecord,
    row: usize,
    outcome: &RowOutcome,
) -> Result<(), JobError> {
    let output = (!outcome.output.is_empty()).then(|| Value::Object(outcome.output.clone()));
    let target: Option<String> = tx
        .query_row(
            "UPDATE job_rows SET status = ?3, output = ?4, message = ?5, updated_at = ?6
             WHERE job_id = ?1 AND row = ?2 AND status = 'in_flight'
             RETURNING target",
            params![
                job.id.as_str(),
                row as i64,
                outcome.status.as_str(),
                output.map(|o| o.to_string()),
                outcome.message.as_ref().map(stored),
                history::now_rfc3339(),
            ],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(target) = target {
        if outcome.items.is_empty() {
            // The link (or whatever the kind's first output is) says most; else the message.
            let detail = link_in(&outcome.output).or_else(|| outcome.message.as_ref().map(stored));
            record_history(kinds, tx, job, &target, outcome.status, detail.as_deref())?;
        } else {
            insert_items(kinds, tx, job, row, &outcome.items)?;
        }
    }
    Ok(())
}

fn link_in(fields: &Map<String, Value>) -> Option<String> {
    fields
        .values()
        .filter_map(Value::as_str)
        .find(|v| v.starts_with("http"))
        .map(str::to_owned)
}

/// Appends items to the job, each with its history line (target: the item's key, e.g. the
/// code; detail: its link), in the caller's transaction.
fn insert_items(
    kinds: KindLookup,
    tx: &rusqlite::Transaction<'_>,
    job: &JobRecord,
    row: usize,
    items: &[Map<String, Value>],
) -> Result<(), JobError> {
    let key = kinds(&job.kind).and_then(|k| k.item_key);
    let next: i64 = tx.query_row(
        "SELECT coalesce(max(item), 0) + 1 FROM job_items WHERE job_id = ?1",
        [job.id.as_str()],
        |r| r.get(0),
    )?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO job_items (job_id, item, row, data) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (i, item) in items.iter().enumerate() {
        insert.execute(params![
            job.id.as_str(),
            next + i as i64,
            row as i64,
            Value::Object(item.clone()).to_string()
        ])?;
        let target = key
            .and_then(|k| item.get(k))
            .and_then(Value::as_str)
            .unwrap_or_default();
        record_history(
            kinds,
            tx,
            job,
            target,
            RowStatus::Sent,
            link_in(item).as_deref(),
        )?;
    }
    Ok(())
}

/// Items `offset + 1 ..= offset + limit` of a job, as rows of the results table.
pub(crate) fn items_in(
    conn: &Connection,
    job_id: &JobId,
    offset: usize,
    limit: usize,
) -> Result<Vec<JobRow>, JobError> {
    let mut stmt = conn.prepare_cached(
        "SELECT item, data FROM job_items WHERE job_id = ?1 AND item > ?2 AND item <= ?3 ORDER BY item",
    )?;
    let rows = stmt
        .query_map(
            params![
                job_id.as_str(),
                offset as i64,
                offset.saturating_add(limit) as i64
            ],
            |r| {
                Ok(JobRow {
                    row: r.get::<_, i64>(0)? as usize,
                    status: RowStatus::Sent,
                    in_doubt: false,
                    message: None,
                    fields: object(&r.get::<_, String>(1)?),
                })
            },
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub(crate) fn item_count(conn: &Connection, job_id: &JobId) -> Result<usize, JobError> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM job_items WHERE job_id = ?1",
        [job_id.as_str()],
        |r| r.get(0),
    )?;
    Ok(n as usize)
}

fn set_state_in(
    conn: &Connection,
    id: &JobId,
    state: JobState,
    reason: Option<&PauseReason>,
) -> Result<(), JobError> {
    conn.execute(
        "UPDATE jobs SET state = ?2, pause_reason = ?3, pause_hint = ?4 WHERE id = ?1",
        params![
            id.as_str(),
            state.as_str(),
            reason.map(|r| stored(&r.message)),
            reason.map(|r| stored(&r.hint))
        ],
    )?;
    Ok(())
}

fn claim_in(
    tx: &rusqlite::Transaction<'_>,
    job_id: &JobId,
    max: usize,
    clock_offset_ms: Option<i64>,
) -> Result<Vec<ClaimedRow>, JobError> {
    if max == 0 {
        return Ok(Vec::new());
    }
    let now = now_ms();
    // A row in doubt is looked up before any request, so its request times stay as they were.
    let mut stmt = tx.prepare_cached(
        "UPDATE job_rows SET status = 'in_flight',
                attempts = attempts + (1 - maybe_sent),
                first_sent_at = CASE WHEN maybe_sent THEN first_sent_at ELSE coalesce(first_sent_at, ?3) END,
                last_sent_at = CASE WHEN maybe_sent THEN last_sent_at ELSE ?3 END,
                first_sent_server_ms = CASE WHEN maybe_sent THEN first_sent_server_ms
                    ELSE coalesce(first_sent_server_ms, coalesce(first_sent_at, ?3) + ?5) END,
                updated_at = ?4
         WHERE job_id = ?1 AND row IN (
             SELECT row FROM job_rows WHERE job_id = ?1 AND status = 'pending'
             ORDER BY maybe_sent DESC, attempts, row LIMIT ?2)
         RETURNING row, input, attempts, maybe_sent, first_sent_at, last_sent_at, first_sent_server_ms",
    )?;
    let mut claimed = stmt
        .query_map(
            params![
                job_id.as_str(),
                max as i64,
                now,
                history::now_rfc3339(),
                clock_offset_ms
            ],
            |r| {
                Ok(ClaimedRow {
                    row: r.get::<_, i64>(0)? as usize,
                    input: serde_json::from_str(&r.get::<_, String>(1)?).unwrap_or(Value::Null),
                    attempts: r.get::<_, i64>(2)?.max(0) as u32,
                    maybe_sent: r.get(3)?,
                    first_sent_at: r.get(4)?,
                    last_sent_at: r.get(5)?,
                    first_sent_server_ms: r.get(6)?,
                })
            },
        )?
        .collect::<Result<Vec<_>, _>>()?;
    claimed.sort_by_key(|c| c.row);
    Ok(claimed)
}

fn job_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<JobRecord> {
    let reason: Option<String> = r.get(9)?;
    let hint: Option<String> = r.get(10)?;
    Ok(JobRecord {
        id: JobId(r.get(0)?),
        kind: r.get(1)?,
        created_at: r.get(2)?,
        account_id: r.get(3)?,
        account_name: r.get(4)?,
        spec: serde_json::from_str(&r.get::<_, String>(5)?).unwrap_or(Value::Null),
        label: r.get(6)?,
        concurrency: r
            .get::<_, i64>(7)?
            .clamp(i64::from(MIN_CONCURRENCY), i64::from(MAX_CONCURRENCY))
            as u8,
        state: JobState::parse(&r.get::<_, String>(8)?),
        pause_reason: reason.map(|message| PauseReason {
            message: read_stored(message),
            hint: read_stored(hint.unwrap_or_default()),
        }),
        total: r.get::<_, i64>(11)?.max(0) as usize,
    })
}

/// The app's one journal writer, shared by the job manager and the workers of every run.
#[derive(Clone)]
pub(crate) struct SharedJournal(std::sync::Arc<std::sync::Mutex<Journal>>);

impl SharedJournal {
    pub(crate) fn new(journal: Journal) -> SharedJournal {
        SharedJournal(std::sync::Arc::new(std::sync::Mutex::new(journal)))
    }

    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, Journal> {
        // A panic elsewhere must not make the journal unreachable; its data is committed SQL.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `f` on the journal off the async threads: a commit waits for the disk.
    pub(crate) async fn with_journal<T, F>(&self, f: F) -> Result<T, JobError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Journal) -> Result<T, JobError> + Send + 'static,
    {
        let shared = self.clone();
        tokio::task::spawn_blocking(move || f(&mut shared.lock()))
            .await
            .map_err(|_| JobError::Internal)?
    }
}
