//! The journal of bulk e-mail jobs: every recipient's state, on disk, before anyone hears of it.
//!
//! The rule that makes a crash harmless: a row is marked `in_flight` and committed BEFORE its
//! request leaves, and its outcome is committed BEFORE it is reported. So after a crash the only
//! rows in doubt are the `in_flight` ones, and [`Journal::recover_in_flight`] decides what they
//! become. Transactions are short and one row at a time; the caller never holds the journal
//! across a network call.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};

use crate::db;
use crate::history::{self, NewEntry, Outcome};
use crate::jobs::email_list::{EmailList, RowProblem};
use crate::jobs::error::JobError;
use crate::jobs::runner::{MAX_CONCURRENCY, MIN_CONCURRENCY};

pub(crate) const UNKNOWN_MESSAGE: &str =
    "Unknown — the e-mail may have been sent. Check before resending.";
pub(crate) const CANCELLED_MESSAGE: &str = "Not sent — the job was cancelled.";

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

    fn parse(text: &str) -> JobState {
        match text {
            "paused" => JobState::Paused,
            "finished" => JobState::Finished,
            "cancelled" => JobState::Cancelled,
            _ => JobState::Running,
        }
    }
}

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

    fn parse(text: &str) -> RowStatus {
        match text {
            "in_flight" => RowStatus::InFlight,
            "sent" => RowStatus::Sent,
            "skipped" => RowStatus::Skipped,
            "failed" => RowStatus::Failed,
            "unknown" => RowStatus::Unknown,
            _ => RowStatus::Pending,
        }
    }

    pub fn is_final(self) -> bool {
        !matches!(self, RowStatus::Pending | RowStatus::InFlight)
    }

    /// What the history says about a row with this status; None while it is not decided.
    fn history_outcome(self) -> Option<Outcome> {
        match self {
            RowStatus::Pending | RowStatus::InFlight => None,
            RowStatus::Sent => Some(Outcome::Ok),
            RowStatus::Skipped => Some(Outcome::Skipped),
            RowStatus::Failed => Some(Outcome::Failed),
            RowStatus::Unknown => Some(Outcome::Unknown),
        }
    }
}

/// Why a job paused itself (an account-wide failure), as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PauseReason {
    pub message: String,
    pub hint: String,
}

/// What a job was asked to do, as the journal keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JobRecord {
    pub id: JobId,
    pub created_at: String,
    pub account_id: String,
    pub account_name: String,
    pub campaign: String,
    pub subject: Option<String>,
    pub check_unique: bool,
    pub concurrency: u8,
    pub state: JobState,
    pub pause_reason: Option<PauseReason>,
    pub total: usize,
}

pub(crate) struct NewJob<'a> {
    pub account_id: &'a str,
    pub account_name: &'a str,
    pub campaign: &'a str,
    pub subject: Option<&'a str>,
    pub check_unique: bool,
    pub concurrency: u8,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
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

/// A row taken for sending; it is `in_flight` in the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClaimedRow {
    pub row: usize,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Including this one.
    pub attempts: u32,
    /// An earlier attempt may have reached the server (a crash or a lost reply).
    pub maybe_sent: bool,
}

/// The final word on one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RowOutcome {
    pub status: RowStatus,
    pub single_use_code: Option<String>,
    pub single_use_url: Option<String>,
    pub message: Option<String>,
}

/// One row as the results table and the export show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobRow {
    pub row: usize,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// `in_flight` shows as `pending`: to the person watching it is not done yet.
    pub status: RowStatus,
    pub single_use_code: Option<String>,
    pub single_use_url: Option<String>,
    pub message: Option<String>,
}

/// One page of a job's rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobRows {
    pub total: usize,
    pub rows: Vec<JobRow>,
}

/// A job that is not finished: interrupted (state `running` with no live run) or paused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobSummary {
    pub job_id: JobId,
    pub account_id: String,
    pub account_name: String,
    pub campaign: String,
    pub subject: Option<String>,
    pub check_unique: bool,
    pub concurrency: u8,
    pub total: usize,
    pub done: usize,
    pub created_at: String,
    pub state: JobState,
    pub pause_reason: Option<PauseReason>,
}

pub(crate) struct Journal {
    conn: Connection,
}

impl Journal {
    pub fn open(path: &Path) -> Result<Journal, JobError> {
        let conn = db::open(path).map_err(JobError::Open)?;
        // FULL: the in_flight mark must survive a power cut, not only a crash, or a resend
        // after it could e-mail someone twice. In WAL mode this costs one fsync per commit.
        conn.pragma_update(None, "synchronous", "FULL")?;
        Ok(Journal { conn })
    }

    /// Stores the job and all its rows in one transaction. Rows with a problem in the file are
    /// stored already final, so the journal (and the export) mirror the file row for row.
    pub fn create_job(
        &mut self,
        new: &NewJob<'_>,
        list: &EmailList,
    ) -> Result<JobRecord, JobError> {
        let job = JobRecord {
            id: JobId::generate(),
            created_at: history::now_rfc3339(),
            account_id: new.account_id.to_string(),
            account_name: new.account_name.to_string(),
            campaign: new.campaign.to_string(),
            subject: new.subject.map(str::to_string),
            check_unique: new.check_unique,
            concurrency: new.concurrency,
            state: JobState::Running,
            pause_reason: None,
            total: list.rows.len(),
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO email_jobs (id, created_at, account_id, account_name, campaign, subject,
                check_unique, concurrency, state, total)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                job.id.as_str(),
                job.created_at,
                job.account_id,
                job.account_name,
                job.campaign,
                job.subject,
                job.check_unique,
                job.concurrency,
                job.state.as_str(),
                job.total as i64,
            ],
        )?;
        {
            let mut insert = tx.prepare(
                "INSERT INTO email_job_rows (job_id, row, email, first_name, last_name, status, message, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for row in &list.rows {
                let (status, message) = match row.problem {
                    None => (RowStatus::Pending, None),
                    Some(RowProblem::MissingEmail) => (
                        RowStatus::Failed,
                        Some("No e-mail address on this row — not sent.".to_string()),
                    ),
                    Some(RowProblem::InvalidEmail) => (
                        RowStatus::Failed,
                        Some("Not a valid e-mail address — not sent.".to_string()),
                    ),
                    Some(RowProblem::Duplicate) => (
                        RowStatus::Skipped,
                        Some(match row.duplicate_of {
                            Some(first) => format!("Also on row {first} of the file."),
                            None => "Also earlier in the file.".to_string(),
                        }),
                    ),
                };
                insert.execute(params![
                    job.id.as_str(),
                    row.row as i64,
                    row.email,
                    row.first_name,
                    row.last_name,
                    status.as_str(),
                    message,
                    job.created_at,
                ])?;
                record_history(&tx, &job, &row.email, status, message.as_deref())?;
            }
        }
        tx.commit()?;
        Ok(job)
    }

    pub fn job(&self, id: &JobId) -> Result<JobRecord, JobError> {
        self.conn
            .query_row(
                "SELECT id, created_at, account_id, account_name, campaign, subject, check_unique,
                        concurrency, state, pause_reason, pause_hint, total
                 FROM email_jobs WHERE id = ?1",
                [id.as_str()],
                job_from_row,
            )
            .optional()?
            .ok_or_else(|| JobError::NotFound {
                job_id: id.to_string(),
            })
    }

    pub fn counts(&self, id: &JobId) -> Result<Counts, JobError> {
        let mut counts = Counts::default();
        let mut stmt = self.conn.prepare_cached(
            "SELECT status, count(*) FROM email_job_rows WHERE job_id = ?1 GROUP BY status",
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

    pub fn set_state(
        &self,
        id: &JobId,
        state: JobState,
        reason: Option<&PauseReason>,
    ) -> Result<(), JobError> {
        set_state_in(&self.conn, id, state, reason)
    }

    /// Decides the rows that were on their way when the app stopped. With check_unique the server
    /// de-duplicates, so they go back to pending (marked `maybe_sent`, so an "already sent" reply
    /// counts as our own send); without it they become `unknown` and are left to the user.
    /// Returns how many rows were recovered.
    pub fn recover_in_flight(&mut self, job: &JobRecord) -> Result<usize, JobError> {
        self.settle_in_flight(job, job.check_unique)
    }

    /// Every job's in-flight rows, at start-up, when no run is alive.
    pub fn recover_all(&mut self) -> Result<usize, JobError> {
        let ids: Vec<String> = {
            let mut stmt = self
                .conn
                .prepare("SELECT DISTINCT job_id FROM email_job_rows WHERE status = 'in_flight'")?;
            let ids = stmt
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            ids
        };
        let mut recovered = 0;
        for id in ids {
            let job = self.job(&JobId(id))?;
            recovered += self.recover_in_flight(&job)?;
        }
        Ok(recovered)
    }

    fn settle_in_flight(
        &mut self,
        job: &JobRecord,
        back_to_pending: bool,
    ) -> Result<usize, JobError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = settle_in_flight_in(&tx, job, back_to_pending)?;
        tx.commit()?;
        Ok(changed)
    }

    /// Marks the next pending row `in_flight` and commits. Rows that were tried before go to the
    /// back of the queue.
    pub fn claim_next(&mut self, job_id: &JobId) -> Result<Option<ClaimedRow>, JobError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let claimed = claim_in(&tx, job_id)?;
        tx.commit()?;
        Ok(claimed)
    }

    /// Commits a row's outcome (and its history line) and, when `then_claim`, claims the next
    /// row in the same transaction: one commit per sent e-mail instead of two.
    pub fn finish_row(
        &mut self,
        job: &JobRecord,
        row: usize,
        outcome: &RowOutcome,
        then_claim: bool,
    ) -> Result<Option<ClaimedRow>, JobError> {
        let at = history::now_rfc3339();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let email: Option<String> = tx
            .query_row(
                "UPDATE email_job_rows
                 SET status = ?3, single_use_code = ?4, single_use_url = ?5, message = ?6, updated_at = ?7
                 WHERE job_id = ?1 AND row = ?2 AND status = 'in_flight'
                 RETURNING email",
                params![
                    job.id.as_str(),
                    row as i64,
                    outcome.status.as_str(),
                    outcome.single_use_code,
                    outcome.single_use_url,
                    outcome.message,
                    at,
                ],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(email) = email {
            let detail = outcome.single_use_url.as_ref().or(outcome.message.as_ref());
            record_history(&tx, job, &email, outcome.status, detail.map(String::as_str))?;
        }
        let claimed = if then_claim {
            claim_in(&tx, &job.id)?
        } else {
            None
        };
        tx.commit()?;
        Ok(claimed)
    }

    /// Puts an `in_flight` row back in the queue. `counts_as_attempt` false: the request was
    /// refused before it had any effect (the account paused, or it never left), so it is not
    /// held against the row's tries.
    pub fn requeue(
        &mut self,
        job_id: &JobId,
        row: usize,
        maybe_sent: bool,
        counts_as_attempt: bool,
    ) -> Result<(), JobError> {
        self.conn.execute(
            "UPDATE email_job_rows
             SET status = 'pending', maybe_sent = max(maybe_sent, ?3),
                 attempts = attempts - ?4, updated_at = ?5
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

    /// The row stays with its worker for another try; the journal learns of the try, and that
    /// the last one may have reached the server.
    pub fn note_retry(
        &mut self,
        job_id: &JobId,
        row: usize,
        maybe_sent: bool,
    ) -> Result<(), JobError> {
        self.conn.execute(
            "UPDATE email_job_rows
             SET attempts = attempts + 1, maybe_sent = max(maybe_sent, ?3), updated_at = ?4
             WHERE job_id = ?1 AND row = ?2 AND status = 'in_flight'",
            params![
                job_id.as_str(),
                row as i64,
                maybe_sent,
                history::now_rfc3339()
            ],
        )?;
        Ok(())
    }

    /// A cancelled job: rows never sent say so; rows in doubt become unknown. One transaction:
    /// a crash halfway must not leave "cancelled" rows in a job that still runs, which a later
    /// resume would send after all.
    pub fn cancel(&mut self, job: &JobRecord) -> Result<(), JobError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        settle_in_flight_in(&tx, job, false)?;
        tx.execute(
            "UPDATE email_job_rows SET message = ?2, updated_at = ?3 WHERE job_id = ?1 AND status = 'pending'",
            params![job.id.as_str(), CANCELLED_MESSAGE, history::now_rfc3339()],
        )?;
        set_state_in(&tx, &job.id, JobState::Cancelled, None)?;
        tx.commit()?;
        Ok(())
    }

    /// Rows `offset + 1 ..= offset + limit` (rows are numbered from 1 without gaps, so this is an
    /// index range, not an OFFSET scan).
    pub fn rows(
        &self,
        job_id: &JobId,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<JobRow>, JobError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT row, email, first_name, last_name, status, single_use_code, single_use_url, message
             FROM email_job_rows WHERE job_id = ?1 AND row > ?2 AND row <= ?3 ORDER BY row",
        )?;
        let rows = stmt
            .query_map(
                params![
                    job_id.as_str(),
                    offset as i64,
                    offset.saturating_add(limit) as i64
                ],
                |r| {
                    let status = RowStatus::parse(&r.get::<_, String>(4)?);
                    Ok(JobRow {
                        row: r.get::<_, i64>(0)? as usize,
                        email: r.get(1)?,
                        first_name: r.get(2)?,
                        last_name: r.get(3)?,
                        status: if status == RowStatus::InFlight {
                            RowStatus::Pending
                        } else {
                            status
                        },
                        single_use_code: r.get(5)?,
                        single_use_url: r.get(6)?,
                        message: r.get(7)?,
                    })
                },
            )?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Jobs that wait for the user's decision, newest first.
    pub fn unfinished(&self) -> Result<Vec<JobSummary>, JobError> {
        self.summaries("WHERE state IN ('running', 'paused')", &[])
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
            "SELECT id, created_at, account_id, account_name, campaign, subject, check_unique,
                    concurrency, state, pause_reason, pause_hint, total,
                    (SELECT count(*) FROM email_job_rows r
                     WHERE r.job_id = j.id AND r.status IN ('sent', 'skipped', 'failed', 'unknown'))
             FROM email_jobs j {filter} ORDER BY created_at DESC, id DESC"
        ))?;
        let jobs = stmt
            .query_map(args, |r| {
                let job = job_from_row(r)?;
                let done: i64 = r.get(12)?;
                Ok(JobSummary {
                    job_id: job.id,
                    account_id: job.account_id,
                    account_name: job.account_name,
                    campaign: job.campaign,
                    subject: job.subject,
                    check_unique: job.check_unique,
                    concurrency: job.concurrency,
                    total: job.total,
                    done: done as usize,
                    created_at: job.created_at,
                    state: job.state,
                    pause_reason: job.pause_reason,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(jobs)
    }

    #[cfg(test)]
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

/// The history's action word for a row of a bulk job; the same as a single send's.
const HISTORY_ACTION: &str = "email_coupon";

/// The row's line in the history, in the caller's transaction; nothing for an undecided row.
fn record_history(
    conn: &Connection,
    job: &JobRecord,
    email: &str,
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
            action: HISTORY_ACTION,
            campaign: Some(&job.campaign),
            target: Some(email),
            outcome,
            detail,
            job_id: Some(job.id.as_str()),
        },
    )?;
    Ok(())
}

fn set_state_in(
    conn: &Connection,
    id: &JobId,
    state: JobState,
    reason: Option<&PauseReason>,
) -> Result<(), JobError> {
    conn.execute(
        "UPDATE email_jobs SET state = ?2, pause_reason = ?3, pause_hint = ?4 WHERE id = ?1",
        params![
            id.as_str(),
            state.as_str(),
            reason.map(|r| r.message.as_str()),
            reason.map(|r| r.hint.as_str())
        ],
    )?;
    Ok(())
}

/// See [`Journal::recover_in_flight`]; inside the caller's transaction.
fn settle_in_flight_in(
    tx: &rusqlite::Transaction<'_>,
    job: &JobRecord,
    back_to_pending: bool,
) -> Result<usize, JobError> {
    let at = history::now_rfc3339();
    if back_to_pending {
        let changed = tx.execute(
            "UPDATE email_job_rows SET status = 'pending', maybe_sent = 1, updated_at = ?2
             WHERE job_id = ?1 AND status = 'in_flight'",
            params![job.id.as_str(), at],
        )?;
        return Ok(changed);
    }
    let emails: Vec<String> = tx
        .prepare(
            "UPDATE email_job_rows SET status = 'unknown', maybe_sent = 1, message = ?2, updated_at = ?3
             WHERE job_id = ?1 AND status = 'in_flight'
             RETURNING email",
        )?
        .query_map(params![job.id.as_str(), UNKNOWN_MESSAGE, at], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for email in &emails {
        record_history(tx, job, email, RowStatus::Unknown, Some(UNKNOWN_MESSAGE))?;
    }
    Ok(emails.len())
}

fn claim_in(
    tx: &rusqlite::Transaction<'_>,
    job_id: &JobId,
) -> Result<Option<ClaimedRow>, JobError> {
    let claimed = tx
        .query_row(
            "UPDATE email_job_rows SET status = 'in_flight', attempts = attempts + 1, updated_at = ?2
             WHERE job_id = ?1 AND row = (
                 SELECT row FROM email_job_rows WHERE job_id = ?1 AND status = 'pending'
                 ORDER BY attempts, row LIMIT 1)
             RETURNING row, email, first_name, last_name, attempts, maybe_sent",
            params![job_id.as_str(), history::now_rfc3339()],
            |r| {
                Ok(ClaimedRow {
                    row: r.get::<_, i64>(0)? as usize,
                    email: r.get(1)?,
                    first_name: r.get(2)?,
                    last_name: r.get(3)?,
                    attempts: r.get::<_, i64>(4)?.max(0) as u32,
                    maybe_sent: r.get(5)?,
                })
            },
        )
        .optional()?;
    Ok(claimed)
}

fn job_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<JobRecord> {
    let reason: Option<String> = r.get(9)?;
    let hint: Option<String> = r.get(10)?;
    Ok(JobRecord {
        id: JobId(r.get(0)?),
        created_at: r.get(1)?,
        account_id: r.get(2)?,
        account_name: r.get(3)?,
        campaign: r.get(4)?,
        subject: r.get(5)?,
        check_unique: r.get(6)?,
        concurrency: r
            .get::<_, i64>(7)?
            .clamp(i64::from(MIN_CONCURRENCY), i64::from(MAX_CONCURRENCY))
            as u8,
        state: JobState::parse(&r.get::<_, String>(8)?),
        pause_reason: reason.map(|message| PauseReason {
            message,
            hint: hint.unwrap_or_default(),
        }),
        total: r.get::<_, i64>(11)?.max(0) as usize,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn journal() -> (tempfile::TempDir, Journal) {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(&dir.path().join("desk.sqlite3")).unwrap();
        (dir, journal)
    }

    fn new_job(check_unique: bool) -> NewJob<'static> {
        NewJob {
            account_id: "acc_1",
            account_name: "Bakery",
            campaign: "cam_1001",
            subject: Some("A gift"),
            check_unique,
            concurrency: 4,
        }
    }

    fn list() -> EmailList {
        EmailList::parse(
            "email\nann@example.com\nnot-valid\nbob@example.com\nANN@example.com\ncid@example.com\n",
            None,
        )
        .unwrap()
    }

    fn sent(url: &str) -> RowOutcome {
        RowOutcome {
            status: RowStatus::Sent,
            single_use_code: Some("code".into()),
            single_use_url: Some(url.into()),
            message: None,
        }
    }

    fn history(j: &Journal) -> Vec<(String, String, Option<String>)> {
        let mut stmt = j
            .connection()
            .prepare("SELECT target, outcome, detail FROM history ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn file_problems_are_stored_final_and_mirror_the_file() {
        let (_dir, mut j) = journal();
        let job = j.create_job(&new_job(true), &list()).unwrap();
        let rows = j.rows(&job.id, 0, 100).unwrap();
        let statuses: Vec<_> = rows.iter().map(|r| (r.row, r.status)).collect();
        assert_eq!(
            statuses,
            vec![
                (1, RowStatus::Pending),
                (2, RowStatus::Failed),
                (3, RowStatus::Pending),
                (4, RowStatus::Skipped),
                (5, RowStatus::Pending)
            ]
        );
        assert_eq!(
            rows[3].message.as_deref(),
            Some("Also on row 1 of the file.")
        );
        let c = j.counts(&job.id).unwrap();
        assert_eq!(
            (c.pending, c.failed, c.skipped, c.done(), c.remaining()),
            (3, 1, 1, 2, 3)
        );
        assert_eq!(
            history(&j).len(),
            2,
            "the two rows decided by the file are in the history"
        );
        assert_eq!(
            j.rows(&job.id, 3, 2)
                .unwrap()
                .iter()
                .map(|r| r.row)
                .collect::<Vec<_>>(),
            vec![4, 5]
        );
    }

    #[test]
    fn claim_commits_in_flight_and_finish_claims_the_next() {
        let (_dir, mut j) = journal();
        let job = j.create_job(&new_job(true), &list()).unwrap();
        let first = j.claim_next(&job.id).unwrap().unwrap();
        assert_eq!((first.row, first.attempts, first.maybe_sent), (1, 1, false));
        assert_eq!(j.counts(&job.id).unwrap().in_flight, 1);
        let next = j
            .finish_row(&job, 1, &sent("https://digicpn.com/p/abc/1"), true)
            .unwrap()
            .unwrap();
        assert_eq!(next.row, 3);
        let c = j.counts(&job.id).unwrap();
        assert_eq!((c.sent, c.in_flight, c.pending), (1, 1, 1));
        // A second finish of the same row changes nothing (it is no longer in flight).
        assert_eq!(j.finish_row(&job, 1, &sent("x"), false).unwrap(), None);
        assert_eq!(j.counts(&job.id).unwrap().sent, 1);
        let h = history(&j);
        assert_eq!(
            h.last().unwrap(),
            &(
                "ann@example.com".to_string(),
                "ok".to_string(),
                Some("https://digicpn.com/p/abc/1".to_string())
            )
        );
    }

    #[test]
    fn requeued_rows_go_to_the_back_and_remember_they_may_be_sent() {
        let (_dir, mut j) = journal();
        let job = j.create_job(&new_job(true), &list()).unwrap();
        let first = j.claim_next(&job.id).unwrap().unwrap();
        j.requeue(&job.id, first.row, true, true).unwrap();
        let next = j.claim_next(&job.id).unwrap().unwrap();
        assert_eq!(next.row, 3, "a retried row waits behind untried ones");
        j.finish_row(&job, 3, &sent("u3"), false).unwrap();
        let next = j.claim_next(&job.id).unwrap().unwrap();
        j.finish_row(&job, next.row, &sent("u5"), false).unwrap();
        let again = j.claim_next(&job.id).unwrap().unwrap();
        assert_eq!((again.row, again.attempts, again.maybe_sent), (1, 2, true));
        // A refusal that had no effect does not use up a try.
        j.requeue(&job.id, 1, false, false).unwrap();
        let again = j.claim_next(&job.id).unwrap().unwrap();
        assert_eq!((again.attempts, again.maybe_sent), (2, true));
    }

    #[test]
    fn reopening_turns_in_flight_rows_pending_with_check_unique() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("desk.sqlite3");
        let mut j = Journal::open(&path).unwrap();
        let job = j.create_job(&new_job(true), &list()).unwrap();
        j.claim_next(&job.id).unwrap();
        j.claim_next(&job.id).unwrap();
        drop(j); // the app stops with two rows on their way
        let mut j = Journal::open(&path).unwrap();
        assert_eq!(j.recover_all().unwrap(), 2);
        let c = j.counts(&job.id).unwrap();
        assert_eq!((c.in_flight, c.pending, c.unknown), (0, 3, 0));
        let untried = j.claim_next(&job.id).unwrap().unwrap();
        assert_eq!(
            (untried.row, untried.maybe_sent),
            (5, false),
            "rows never tried go first"
        );
        let again = j.claim_next(&job.id).unwrap().unwrap();
        assert_eq!((again.row, again.attempts), (1, 2));
        assert!(
            again.maybe_sent,
            "an already-sent reply for this row will count as our send"
        );
        assert_eq!(j.recover_all().unwrap(), 2);
    }

    #[test]
    fn reopening_turns_in_flight_rows_unknown_without_check_unique() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("desk.sqlite3");
        let mut j = Journal::open(&path).unwrap();
        let job = j.create_job(&new_job(false), &list()).unwrap();
        j.claim_next(&job.id).unwrap();
        drop(j);
        let mut j = Journal::open(&path).unwrap();
        assert_eq!(j.recover_all().unwrap(), 1);
        let rows = j.rows(&job.id, 0, 1).unwrap();
        assert_eq!(rows[0].status, RowStatus::Unknown);
        assert_eq!(rows[0].message.as_deref(), Some(UNKNOWN_MESSAGE));
        assert_eq!(history(&j).last().unwrap().1, "unknown");
        // Never claimed again: the user decides.
        let next = j.claim_next(&job.id).unwrap().unwrap();
        assert_eq!(next.row, 3);
    }

    #[test]
    fn cancel_marks_pending_rows_not_sent_and_in_flight_unknown() {
        let (_dir, mut j) = journal();
        let job = j.create_job(&new_job(true), &list()).unwrap();
        j.claim_next(&job.id).unwrap();
        j.cancel(&job).unwrap();
        let rows = j.rows(&job.id, 0, 10).unwrap();
        assert_eq!(rows[0].status, RowStatus::Unknown);
        assert_eq!(rows[2].status, RowStatus::Pending);
        assert_eq!(rows[2].message.as_deref(), Some(CANCELLED_MESSAGE));
        assert_eq!(j.job(&job.id).unwrap().state, JobState::Cancelled);
        assert!(j.unfinished().unwrap().is_empty());
    }

    #[test]
    fn a_cancel_that_fails_at_its_last_step_changes_nothing() {
        let (_dir, mut j) = journal();
        let job = j.create_job(&new_job(true), &list()).unwrap();
        j.claim_next(&job.id).unwrap();
        let lines_before = history(&j).len();
        // Stands in for a crash after the rows were touched but before the job was marked.
        j.connection()
            .execute_batch(
                "CREATE TRIGGER crash_before_cancelled BEFORE UPDATE OF state ON email_jobs
                 WHEN NEW.state = 'cancelled' BEGIN SELECT RAISE(ABORT, 'crash'); END;",
            )
            .unwrap();
        assert!(j.cancel(&job).is_err());
        let c = j.counts(&job.id).unwrap();
        assert_eq!(
            (c.in_flight, c.unknown, c.pending),
            (1, 0, 2),
            "the in-flight row is untouched"
        );
        let rows = j.rows(&job.id, 0, 10).unwrap();
        assert!(
            rows.iter()
                .all(|r| r.message.as_deref() != Some(CANCELLED_MESSAGE)),
            "no row of a running job says it was cancelled: {rows:?}"
        );
        assert_eq!(history(&j).len(), lines_before);
        assert_eq!(j.job(&job.id).unwrap().state, JobState::Running);

        j.connection()
            .execute_batch("DROP TRIGGER crash_before_cancelled;")
            .unwrap();
        j.cancel(&job).unwrap();
        assert_eq!(j.job(&job.id).unwrap().state, JobState::Cancelled);
        assert_eq!(j.counts(&job.id).unwrap().unknown, 1);
    }

    #[test]
    fn history_lines_of_a_job_read_like_any_other() {
        let (_dir, mut j) = journal();
        let job = j.create_job(&new_job(false), &list()).unwrap();
        j.claim_next(&job.id).unwrap();
        j.finish_row(&job, 1, &sent("https://digicpn.com/p/abc/1"), false)
            .unwrap();
        j.claim_next(&job.id).unwrap();
        j.cancel(&job).unwrap();
        let lines =
            crate::history::list(j.connection(), &crate::history::Filter::default()).unwrap();
        let outcomes: Vec<_> = lines.iter().rev().map(|e| e.outcome.as_str()).collect();
        assert_eq!(outcomes, ["failed", "skipped", "ok", "unknown"]);
        for line in &lines {
            assert_eq!(
                (
                    line.account.as_str(),
                    line.action.as_str(),
                    line.campaign.as_deref(),
                    line.job_id.as_deref()
                ),
                (
                    "Bakery",
                    "email_coupon",
                    Some("cam_1001"),
                    Some(job.id.as_str())
                )
            );
            assert!(
                time::OffsetDateTime::parse(
                    &line.at,
                    &time::format_description::well_known::Rfc3339
                )
                .is_ok(),
                "{}",
                line.at
            );
        }
        assert_eq!(lines[0].detail.as_deref(), Some(UNKNOWN_MESSAGE));
        assert_eq!(lines[0].target.as_deref(), Some("bob@example.com"));
    }

    #[test]
    fn a_stored_concurrency_outside_the_limits_is_brought_back_inside() {
        let (_dir, mut j) = journal();
        let job = j.create_job(&new_job(true), &list()).unwrap();
        for (stored, read) in [(0, MIN_CONCURRENCY), (99, MAX_CONCURRENCY)] {
            j.connection()
                .execute(
                    "UPDATE email_jobs SET concurrency = ?2 WHERE id = ?1",
                    params![job.id.as_str(), stored],
                )
                .unwrap();
            assert_eq!(j.job(&job.id).unwrap().concurrency, read);
        }
    }

    #[test]
    fn unfinished_lists_interrupted_and_paused_jobs_with_progress() {
        let (_dir, mut j) = journal();
        let a = j.create_job(&new_job(true), &list()).unwrap();
        let b = j.create_job(&new_job(false), &list()).unwrap();
        let reason = PauseReason {
            message: "No e-mail provider".into(),
            hint: "Connect one".into(),
        };
        j.set_state(&b.id, JobState::Paused, Some(&reason)).unwrap();
        let c = j.create_job(&new_job(false), &list()).unwrap();
        j.set_state(&c.id, JobState::Finished, None).unwrap();
        let jobs = j.unfinished().unwrap();
        let ids: Vec<_> = jobs.iter().map(|s| s.job_id.clone()).collect();
        assert_eq!(ids.len(), 2);
        assert!(ids.contains(&a.id) && ids.contains(&b.id));
        let paused = jobs.iter().find(|s| s.job_id == b.id).unwrap();
        assert_eq!(
            (paused.total, paused.done, paused.state),
            (5, 2, JobState::Paused)
        );
        assert_eq!(paused.pause_reason.as_ref(), Some(&reason));
        assert_eq!(j.job(&b.id).unwrap().pause_reason, Some(reason));
        assert!(matches!(
            j.job(&JobId::new("nope")),
            Err(JobError::NotFound { .. })
        ));
        let finished = j.summary(&c.id).unwrap();
        assert_eq!(
            (
                finished.state,
                finished.account_name.as_str(),
                finished.done
            ),
            (JobState::Finished, "Bakery", 2)
        );
        assert!(matches!(
            j.summary(&JobId::new("nope")),
            Err(JobError::NotFound { .. })
        ));
    }
}
