//! One of a job's N workers: takes rows, sends them through the kind, records what happened,
//! takes the next. A row in doubt is never sent again while its earlier request may still be
//! running, and never before the server has been asked whether that request took effect.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::api::words::Words;
use crate::api::Client;
use crate::jobs::error::JobError;
use crate::jobs::journal::SharedJournal;
use crate::jobs::journal::{now_ms, ClaimedRow, PauseReason, RowStatus};
use crate::jobs::kind::{Claimed, JobKind, Reconciled, RowOutcome, Verdict};
use crate::jobs::live_run::{LiveRun, Stop};
use crate::kept_words::as_written;

/// Requests per row at most. The client has already retried what is safe; these are the job's
/// own, and each one after a request in doubt follows a look-up that found nothing.
pub(crate) const MAX_TRIES: u32 = 3;

/// How long after a request's timeout the server may still be working on it. At least this,
/// and at least half the timeout.
const SERVER_GRACE_MIN: Duration = Duration::from_secs(2);

pub(crate) async fn work<K: JobKind>(
    journal: SharedJournal,
    run: Arc<LiveRun>,
    client: Client,
    spec: Arc<K::Spec>,
) -> Result<(), JobError> {
    let batch = K::batch_size(&spec).max(1);
    let mut stop = run.stop_signal();
    let mut claimed = if run.stopping() {
        Vec::new()
    } else {
        claim(&journal, &run, batch).await?
    };
    while !claimed.is_empty() {
        let mut rows = Vec::with_capacity(claimed.len());
        for raw in std::mem::take(&mut claimed) {
            match serde_json::from_value::<K::Input>(raw.input.clone()) {
                Ok(input) => rows.push(Claimed {
                    row: raw.row,
                    input,
                    attempts: raw.attempts,
                    maybe_sent: raw.maybe_sent,
                    first_sent_at: raw.first_sent_at,
                    last_sent_at: raw.last_sent_at,
                    first_sent_server_ms: raw.first_sent_server_ms,
                }),
                Err(_) => {
                    let status = if raw.maybe_sent {
                        RowStatus::Unknown
                    } else {
                        RowStatus::Failed
                    };
                    let outcome = RowOutcome::new(status, Some(Words::new("job.row.unreadable")));
                    finish(&journal, &run, raw.row, outcome, 0).await?;
                }
            }
        }
        // A single row may claim the next one in the commit that settles it (one fsync per row
        // instead of two); a batch claims afresh.
        let then_claim = if batch == 1 { 1 } else { 0 };
        let (doubtful, fresh): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| r.maybe_sent);
        let mut careful: Vec<(Claimed<K::Input>, Option<Duration>)> =
            doubtful.into_iter().map(|r| (r, None)).collect();
        if !fresh.is_empty() {
            let mut verdicts = K::attempt(&client, &spec, &fresh).await.into_iter();
            for row in fresh {
                // A kind that answers fewer verdicts than rows leaves the rest in doubt.
                let verdict = verdicts.next().unwrap_or(Verdict::MaybeDone);
                match apply(&journal, &run, row, verdict, then_claim).await? {
                    Applied::Settled(next) => claimed.extend(next),
                    Applied::Again(row, wait) => careful.push((row, wait)),
                    Applied::Paused => {}
                }
            }
        }
        for (row, wait) in careful {
            if run.stopping() {
                requeue(&journal, &run, &row, false).await?;
                continue;
            }
            if let Some(next) = settle_one::<K>(
                &journal, &run, &client, &spec, row, wait, then_claim, &mut stop,
            )
            .await?
            {
                claimed.extend(next);
            }
        }
        if run.stopping() {
            for raw in std::mem::take(&mut claimed) {
                let (id, number, maybe) = (run.job.id.clone(), raw.row, raw.maybe_sent);
                journal
                    // Claimed but not sent: the claim's attempt is taken back, unless the row
                    // was in doubt (its claim made no attempt).
                    .with_journal(move |j| j.requeue(&id, number, maybe, maybe))
                    .await?;
                run.counted(RowStatus::InFlight, RowStatus::Pending);
            }
        } else if claimed.is_empty() {
            claimed = claim(&journal, &run, batch).await?;
        }
    }
    Ok(())
}

/// What one verdict did to a row.
enum Applied<I> {
    /// Settled; rows claimed in the same commit come with it.
    Settled(Vec<ClaimedRow>),
    /// Needs the careful path (a look-up, or a wait then another try).
    Again(Claimed<I>, Option<Duration>),
    Paused,
}

async fn apply<I: Clone + Send + 'static>(
    journal: &SharedJournal,
    run: &Arc<LiveRun>,
    row: Claimed<I>,
    verdict: Verdict,
    then_claim: usize,
) -> Result<Applied<I>, JobError> {
    match verdict {
        Verdict::Done(outcome) => {
            run.note_settled(None);
            let claim = if run.stopping() { 0 } else { then_claim };
            Ok(Applied::Settled(
                finish(journal, run, row.row, outcome, claim).await?,
            ))
        }
        Verdict::Refused { code, outcome } => {
            let message = outcome.message.clone().unwrap_or_else(|| as_written(""));
            let claim = if run.stopping() { 0 } else { then_claim };
            let next = finish(journal, run, row.row, outcome, claim).await?;
            run.note_settled(Some((
                code,
                &message,
                &Words::new("job.pause.sameRefusal.accountHint"),
            )));
            Ok(Applied::Settled(next))
        }
        Verdict::MaybeDone => {
            let (id, number) = (run.job.id.clone(), row.row);
            let now = journal
                .with_journal(move |j| j.note_maybe_sent(&id, number))
                .await?;
            let mut again = row;
            again.maybe_sent = true;
            again.last_sent_at = Some(now);
            Ok(Applied::Again(again, None))
        }
        Verdict::RetryAfter(after) => Ok(Applied::Again(row, Some(after))),
        Verdict::PauseJob(reason) => {
            requeue(journal, run, &row, false).await?;
            run.pause_with(reason);
            Ok(Applied::Paused)
        }
    }
}

/// The careful path for one row: wait until an earlier request can no longer be running, ask
/// the server what it has, and only when it has nothing try again (at most [`MAX_TRIES`]
/// requests in all). Returns the rows claimed with the settling commit, or None when the row
/// went back to the queue.
#[allow(clippy::too_many_arguments)]
async fn settle_one<K: JobKind>(
    journal: &SharedJournal,
    run: &Arc<LiveRun>,
    client: &Client,
    spec: &K::Spec,
    mut row: Claimed<K::Input>,
    mut wait: Option<Duration>,
    then_claim: usize,
    stop: &mut watch::Receiver<Stop>,
) -> Result<Option<Vec<ClaimedRow>>, JobError> {
    loop {
        if row.maybe_sent {
            let quiet_at = row.last_sent_at.unwrap_or_else(now_ms)
                + (client.request_timeout() + grace(client.request_timeout())).as_millis() as i64;
            let left = Duration::from_millis(quiet_at.saturating_sub(now_ms()).max(0) as u64);
            if !sleep_unless_stopped(left, stop).await {
                requeue(journal, run, &row, false).await?;
                return Ok(None);
            }
            let known = match K::ITEM_KEY {
                Some(key) => journal.with_journal(move |j| j.desk_item_keys(key)).await?,
                None => HashSet::new(),
            };
            let settled = match K::reconcile(client, spec, &row, &known).await {
                Reconciled::Done(outcome) => {
                    run.note_settled(None);
                    outcome
                }
                Reconciled::CantTell(message) => {
                    if K::STOP_ON_DOUBT {
                        run.pause_with(PauseReason {
                            message: message.clone(),
                            hint: Words::new("job.pause.cantTell.hint"),
                        });
                    }
                    RowOutcome::new(RowStatus::Unknown, Some(message))
                }
                Reconciled::PauseJob(reason) => {
                    requeue(journal, run, &row, false).await?;
                    run.pause_with(reason);
                    return Ok(None);
                }
                Reconciled::Partly { items, rest } => {
                    let rest_json = serde_json::to_value(&rest).map_err(|_| JobError::Internal)?;
                    let (job, number, count) = (run.job.clone(), row.row, items.len());
                    journal
                        .with_journal(move |j| j.add_items(&job, number, &items, &rest_json))
                        .await?;
                    run.items_added(count);
                    row.input = rest;
                    if row.attempts >= MAX_TRIES {
                        RowOutcome::new(RowStatus::Failed, Some(Words::new("job.row.gaveUp")))
                    } else {
                        RowOutcome::new(RowStatus::Pending, None)
                    }
                }
                Reconciled::NotThere if row.attempts >= MAX_TRIES => {
                    RowOutcome::new(RowStatus::Failed, Some(Words::new("job.row.gaveUp")))
                }
                Reconciled::NotThere => RowOutcome::new(RowStatus::Pending, None),
            };
            // Pending: nothing (more) exists for the row, so it is asked again below.
            if settled.status != RowStatus::Pending {
                let claim = claim_if_going(run, then_claim);
                return finish(journal, run, row.row, settled, claim)
                    .await
                    .map(Some);
            }
        } else if let Some(after) = wait.take() {
            if row.attempts >= MAX_TRIES {
                // Turned away every time: nothing was done, the job waits for a better moment.
                requeue(journal, run, &row, false).await?;
                run.pause_with(PauseReason {
                    message: Words::new("job.pause.rateLimited.message"),
                    hint: Words::new("job.pause.rateLimited.hint"),
                });
                return Ok(None);
            }
            if !sleep_unless_stopped(after, stop).await {
                requeue(journal, run, &row, false).await?;
                return Ok(None);
            }
        }
        if run.stopping() {
            requeue(journal, run, &row, false).await?;
            return Ok(None);
        }
        // The server has nothing for the row and no earlier request can still be running.
        let (id, number) = (run.job.id.clone(), row.row);
        let sent_at = journal
            .with_journal(move |j| j.note_resend(&id, number))
            .await?;
        row.attempts += 1;
        row.maybe_sent = false;
        row.last_sent_at = Some(sent_at);
        row.first_sent_at.get_or_insert(sent_at);
        let verdict = K::attempt(client, spec, std::slice::from_ref(&row))
            .await
            .pop()
            .unwrap_or(Verdict::MaybeDone);
        match apply(journal, run, row, verdict, then_claim).await? {
            Applied::Settled(next) => return Ok(Some(next)),
            Applied::Paused => return Ok(None),
            Applied::Again(again, after) => {
                row = again;
                wait = after;
            }
        }
    }
}

fn claim_if_going(run: &LiveRun, then_claim: usize) -> usize {
    if run.stopping() {
        0
    } else {
        then_claim
    }
}

/// How long after its timeout a request may still be at work on the server.
pub fn grace(timeout: Duration) -> Duration {
    (timeout / 2).max(SERVER_GRACE_MIN)
}

async fn finish(
    journal: &SharedJournal,
    run: &Arc<LiveRun>,
    row: usize,
    outcome: RowOutcome,
    then_claim: usize,
) -> Result<Vec<ClaimedRow>, JobError> {
    let status = outcome.status;
    let items = outcome.items.len();
    let job = run.job.clone();
    let offset = run.clock.offset_ms_if_known();
    let claimed = journal
        .with_journal(move |j| j.finish_row(&job, row, &outcome, then_claim, offset))
        .await?;
    run.counted(RowStatus::InFlight, status);
    run.items_added(items);
    for _ in &claimed {
        run.counted(RowStatus::Pending, RowStatus::InFlight);
    }
    Ok(claimed)
}

async fn claim(
    journal: &SharedJournal,
    run: &Arc<LiveRun>,
    max: usize,
) -> Result<Vec<ClaimedRow>, JobError> {
    let id = run.job.id.clone();
    let offset = run.clock.offset_ms_if_known();
    let claimed = journal
        .with_journal(move |j| j.claim(&id, max, offset))
        .await?;
    for _ in &claimed {
        run.counted(RowStatus::Pending, RowStatus::InFlight);
    }
    Ok(claimed)
}

/// Back to the queue, for a later run, keeping whether it is in doubt. The attempt now counted
/// was not made (the job stopped first) or was turned away unhandled, so it does not count.
async fn requeue<I>(
    journal: &SharedJournal,
    run: &Arc<LiveRun>,
    row: &Claimed<I>,
    counts_as_attempt: bool,
) -> Result<(), JobError> {
    let id = run.job.id.clone();
    let (number, maybe_sent) = (row.row, row.maybe_sent);
    journal
        // A row in doubt made its request (or its claim counted none): nothing to take back.
        .with_journal(move |j| j.requeue(&id, number, maybe_sent, counts_as_attempt || maybe_sent))
        .await?;
    run.counted(RowStatus::InFlight, RowStatus::Pending);
    Ok(())
}

/// Sleeps `duration`; false when a pause or cancel came first.
async fn sleep_unless_stopped(duration: Duration, stop: &mut watch::Receiver<Stop>) -> bool {
    if duration.is_zero() {
        return *stop.borrow() == Stop::Go;
    }
    let stopped = tokio::select! {
        _ = tokio::time::sleep(duration) => false,
        _ = stop.wait_for(|s| *s != Stop::Go) => true,
    };
    !stopped && *stop.borrow() == Stop::Go
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grace_after_a_timeout_is_at_least_two_seconds_and_half_the_timeout() {
        assert_eq!(grace(Duration::from_secs(1)), Duration::from_secs(2));
        assert_eq!(grace(Duration::from_secs(30)), Duration::from_secs(15));
    }
}
