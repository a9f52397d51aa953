//! A job being run in this process: how far it was asked to stop, its counts and its progress
//! reports, shared by the runner and the workers.

use crate::api::words::Words;
use crate::jobs::journal::{Counts, JobRecord, JobState, PauseReason, RowStatus};
use crate::jobs::progress::{JobProgress, JobSpeed, ProgressSink};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;
use tokio::sync::{watch, Notify};

/// This many rows in a row refused with the same code are not bad rows but a problem of the
/// whole account (an empty e-mail balance answers 604 to every address): the job pauses.
pub const SAME_REFUSAL_PAUSE_AFTER: usize = 10;

/// How far a run has been asked to stop; only ever escalates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Stop {
    Go,
    Pause,
    Cancel,
}

/// A job being run in this process.
pub(crate) struct LiveRun {
    pub job: Arc<JobRecord>,
    pub(crate) stop: watch::Sender<Stop>,
    pub(crate) pause_reason: Mutex<Option<PauseReason>>,
    pub(crate) sink: Mutex<Arc<dyn ProgressSink>>,
    pub(crate) counts: Mutex<Counts>,
    pub(crate) changed: Notify,
    pub(crate) settled: watch::Sender<Option<JobProgress>>,
    pub(crate) started: Instant,
    pub(crate) done_at_start: usize,
    /// The latest run of rows refused with one code: (code, how many).
    pub(crate) refusals: Mutex<(Option<i64>, usize)>,
    /// Items the job has made (links of chunks), for kinds that make them.
    pub(crate) items: AtomicUsize,
    /// The account's server clock, to note when a row's request left by it.
    pub(crate) clock: Arc<crate::api::server_clock::ServerClock>,
    /// The account's client, for its limiter's figures; and those figures when the run began.
    pub(crate) client: crate::api::Client,
    pub(crate) speed_at_start: crate::api::SpeedNow,
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere must not make the journal unreachable; its data is committed SQL.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl LiveRun {
    pub fn stopping(&self) -> bool {
        *self.stop.borrow() != Stop::Go
    }

    pub fn stop_signal(&self) -> watch::Receiver<Stop> {
        self.stop.subscribe()
    }

    pub(crate) fn request(&self, stop: Stop) {
        self.stop.send_if_modified(|current| {
            if stop > *current {
                *current = stop;
                true
            } else {
                false
            }
        });
    }

    /// An account-wide failure: the first reason wins, the workers stop taking rows.
    pub fn pause_with(&self, reason: PauseReason) {
        lock(&self.pause_reason).get_or_insert(reason);
        self.request(Stop::Pause);
        self.changed.notify_one();
    }

    /// Keeps the live counts in step with a journal change that has been committed.
    pub fn counted(&self, from: RowStatus, to: RowStatus) {
        {
            let mut counts = lock(&self.counts);
            counts.add(from, -1);
            counts.add(to, 1);
        }
        self.changed.notify_one();
    }

    /// Notes how a row settled; a run of [`SAME_REFUSAL_PAUSE_AFTER`] refusals with one code
    /// pauses the job with that refusal as the reason.
    pub fn note_settled(&self, refusal: Option<(Option<i64>, &Words, &Words)>) {
        let mut streak = lock(&self.refusals);
        let Some((code, message, hint)) = refusal else {
            *streak = (None, 0);
            return;
        };
        if code.is_some() && streak.0 == code {
            streak.1 += 1;
        } else {
            *streak = (code, 1);
        }
        if code.is_some() && streak.1 >= SAME_REFUSAL_PAUSE_AFTER {
            let count = streak.1;
            drop(streak);
            self.pause_with(PauseReason {
                message: Words::with(
                    "job.pause.sameRefusal.message",
                    &[("count", &count), ("reason", message)],
                ),
                hint: Words::with("job.pause.sameRefusal.hint", &[("hint", hint)]),
            });
        }
    }

    pub fn items_added(&self, n: usize) {
        if n > 0 {
            self.items.fetch_add(n, Ordering::Relaxed);
            self.changed.notify_one();
        }
    }

    pub(crate) fn progress(&self, state: JobState) -> JobProgress {
        let counts = *lock(&self.counts);
        let reason = lock(&self.pause_reason).clone();
        let mut progress = JobProgress::new(&self.job.id, state, self.job.total, &counts, reason)
            .with_rate(
                counts.done().saturating_sub(self.done_at_start),
                self.started.elapsed().as_secs_f64(),
            );
        progress.items = self.items.load(Ordering::Relaxed);
        if state == JobState::Running {
            let now = self.client.speed_now();
            progress.speed = Some(JobSpeed {
                at_once: now.window.min(usize::from(self.job.concurrency)),
                per_second: now.pace.map(|p| (p * 10.0).round() / 10.0),
                refused: now.refused.saturating_sub(self.speed_at_start.refused),
                requests: now.sent.saturating_sub(self.speed_at_start.sent),
                automatic: now.mode == crate::api::SpeedMode::Automatic,
            });
        }
        progress
    }

    pub(crate) fn report(&self, progress: &JobProgress) {
        let sink = lock(&self.sink).clone();
        sink.report(progress);
    }
}
