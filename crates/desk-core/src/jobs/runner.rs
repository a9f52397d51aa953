//! `JobManager`: creates bulk jobs of every kind, runs them with bounded concurrency, pauses,
//! resumes, cancels, and answers what the window asks about them. Tauri-free: progress leaves
//! through a [`ProgressSink`].

use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::{watch, Notify};

use crate::api::words::Words;
use crate::api::Client;
use crate::history::NewEntry;
use crate::jobs::error::JobError;
use crate::jobs::journal::SharedJournal;
use crate::jobs::journal::{
    item_count, items_in, rows_in, Counts, JobId, JobRecord, JobRows, JobState, JobSummary,
    Journal, NewJob, NewRow, PauseReason, RowStatus,
};
use crate::jobs::kind::JobKind;
use crate::jobs::limits::{MAX_CONCURRENCY, MIN_CONCURRENCY};
use crate::jobs::live_run::{lock, LiveRun, Stop};
use crate::jobs::progress::{EndSink, JobEnd, JobProgress, ProgressSink};
use crate::jobs::{kinds, results_csv, worker};

type Drive = fn(JobManager, Arc<LiveRun>, Client) -> Pin<Box<dyn Future<Output = ()> + Send>>;

fn drive_boxed<K: JobKind>(
    manager: JobManager,
    run: Arc<LiveRun>,
    client: Client,
) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(drive::<K>(manager, run, client))
}

macro_rules! drive_table {
    ($($kind:ty),*) => {
        /// How to run a stored job of this kind.
        fn drive_of(name: &str) -> Option<Drive> {
            $(if name == <$kind as JobKind>::NAME {
                return Some(drive_boxed::<$kind>);
            })*
            None
        }
    };
}
kinds::every_kind!(drive_table);

/// At most this many progress reports a second while rows settle; state changes go out at once.
const REPORT_INTERVAL: Duration = Duration::from_millis(100);

/// Largest page [`JobManager::rows`] returns.
pub const MAX_PAGE: usize = 1_000;

/// Creates and runs bulk jobs over one journal. Cheap to clone; all clones share the journal
/// and the runs.
#[derive(Clone)]
pub struct JobManager {
    inner: Arc<Inner>,
}

struct Inner {
    /// The app's one writer: every journal and history write goes through it.
    journal: SharedJournal,
    /// For readers that must not wait for the writer (exports).
    db_path: PathBuf,
    runs: Mutex<HashMap<JobId, Arc<LiveRun>>>,
    /// Told when any run ends.
    on_end: Mutex<Option<Arc<dyn EndSink>>>,
}

impl JobManager {
    /// Opens (creating if needed) the journal at `db_path`. Rows left on their way by a crash or
    /// a close are decided here (see [`Journal::recover_in_flight`]), so what
    /// [`JobManager::unfinished`] shows is already true.
    pub fn open(db_path: PathBuf) -> Result<JobManager, JobError> {
        let mut journal = Journal::open(&db_path, kinds::find)?;
        let recovered = journal.recover_all()?;
        if recovered > 0 {
            log::info!("jobs: {recovered} rows were on their way when Coupon Desk last stopped");
        }
        Ok(JobManager {
            inner: Arc::new(Inner {
                journal: SharedJournal::new(journal),
                db_path,
                runs: Mutex::new(HashMap::new()),
                on_end: Mutex::new(None),
            }),
        })
    }

    /// Who is told when a run ends (one listener; a second call replaces the first).
    pub fn on_end(&self, sink: Arc<dyn EndSink>) {
        *lock(&self.inner.on_end) = Some(sink);
    }

    /// Stores a new job of kind `K` with all its rows in one transaction. Rows given with a
    /// status are stored already settled (a bad line of the file). Call [`JobManager::run`] to
    /// start it.
    pub fn create_job<K: JobKind>(
        &self,
        account_id: &str,
        account_name: &str,
        spec: &K::Spec,
        concurrency: u8,
        rows: impl IntoIterator<Item = (usize, K::Input, Option<(RowStatus, Words)>)>,
    ) -> Result<JobId, JobError> {
        if !(MIN_CONCURRENCY..=MAX_CONCURRENCY).contains(&concurrency) {
            return Err(JobError::InvalidConcurrency { given: concurrency });
        }
        let new = NewJob {
            kind: K::NAME,
            account_id,
            account_name,
            spec: serde_json::to_value(spec).map_err(|_| JobError::Internal)?,
            label: K::label(spec),
            concurrency,
        };
        let rows = rows.into_iter().map(|(row, input, settled)| NewRow {
            row,
            target: K::target(&input),
            input: serde_json::to_value(&input).unwrap_or(serde_json::Value::Null),
            settled,
        });
        let job = self.journal().create_job(&new, rows)?;
        Ok(job.id)
    }

    /// Starts (or resumes) the job on the current tokio runtime and returns at once. Calling it
    /// for a job that is already running only swaps the sink (a window that came back).
    pub fn run(
        &self,
        job_id: &JobId,
        client: Client,
        sink: Arc<dyn ProgressSink>,
    ) -> Result<(), JobError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| JobError::NoRuntime)?;
        let mut runs = lock(&self.inner.runs);
        if let Some(run) = runs.get(job_id).cloned() {
            drop(runs);
            if run.stopping() {
                return Err(JobError::StillStopping);
            }
            *lock(&run.sink) = sink;
            run.report(&run.progress(JobState::Running));
            return Ok(());
        }
        let (job, counts, items) = {
            let mut journal = self.journal();
            let job = journal.job(job_id)?;
            match job.state {
                JobState::Finished | JobState::Cancelled => {
                    return Err(JobError::AlreadyDone {
                        state: job.state.as_str(),
                    });
                }
                JobState::Running | JobState::Paused => {}
            }
            if kinds::find(&job.kind).is_none() {
                return Err(JobError::UnknownKind { kind: job.kind });
            }
            journal.recover_in_flight(&job.id)?;
            journal.set_state(job_id, JobState::Running, None)?;
            let counts = journal.counts(job_id)?;
            let items = journal.item_count(job_id)?;
            (
                JobRecord {
                    state: JobState::Running,
                    pause_reason: None,
                    ..job
                },
                counts,
                items,
            )
        };
        let run = Arc::new(LiveRun {
            job: Arc::new(job),
            stop: watch::channel(Stop::Go).0,
            pause_reason: Mutex::new(None),
            sink: Mutex::new(sink),
            counts: Mutex::new(counts),
            changed: Notify::new(),
            settled: watch::channel(None).0,
            started: Instant::now(),
            done_at_start: counts.done(),
            refusals: Mutex::new((None, 0)),
            items: AtomicUsize::new(items),
            clock: client.server_clock().clone(),
            speed_at_start: client.speed_now(),
            client: client.clone(),
        });
        let drive = drive_of(&run.job.kind).ok_or_else(|| JobError::UnknownKind {
            kind: run.job.kind.clone(),
        })?;
        runs.insert(job_id.clone(), run.clone());
        drop(runs);
        run.report(&run.progress(JobState::Running));
        runtime.spawn(drive(self.clone(), run, client));
        Ok(())
    }

    /// Stops taking new rows; rows already on their way finish. A job not running here (an
    /// interrupted one) is simply marked paused.
    pub fn pause(&self, job_id: &JobId) -> Result<(), JobError> {
        let runs = lock(&self.inner.runs);
        if let Some(run) = runs.get(job_id) {
            run.request(Stop::Pause);
            return Ok(());
        }
        let journal = self.journal();
        let job = journal.job(job_id)?;
        if job.state == JobState::Running {
            journal.set_state(job_id, JobState::Paused, None)?;
        }
        Ok(())
    }

    /// Like pause, then the job ends: rows not sent stay "not sent", rows in doubt "unknown".
    pub fn cancel(&self, job_id: &JobId) -> Result<(), JobError> {
        let runs = lock(&self.inner.runs);
        if let Some(run) = runs.get(job_id) {
            run.request(Stop::Cancel);
            return Ok(());
        }
        let mut journal = self.journal();
        let job = journal.job(job_id)?;
        if !matches!(job.state, JobState::Finished | JobState::Cancelled) {
            journal.cancel(&job)?;
        }
        Ok(())
    }

    /// Jobs waiting for the user: interrupted by a crash or a close, or paused. Jobs running in
    /// this process are not listed.
    pub fn unfinished(&self) -> Result<Vec<JobSummary>, JobError> {
        let runs = lock(&self.inner.runs);
        let mut jobs = self.journal().unfinished()?;
        jobs.retain(|job| !runs.contains_key(&job.job_id));
        Ok(jobs)
    }

    /// Every job not finished or cancelled, those running in this process included.
    pub(crate) fn not_done(&self) -> Result<Vec<JobSummary>, JobError> {
        self.journal().unfinished()
    }

    /// One job as [`JobManager::unfinished`] describes it (who started it, on which account),
    /// whatever its state.
    pub fn summary(&self, job_id: &JobId) -> Result<JobSummary, JobError> {
        self.journal().summary(job_id)
    }

    /// Rows `offset + 1 ..= offset + limit` (at most [`MAX_PAGE`]), for a virtualized table;
    /// for kinds whose rows make many items, the items.
    pub fn rows(&self, job_id: &JobId, offset: usize, limit: usize) -> Result<JobRows, JobError> {
        let journal = self.journal();
        let job = journal.job(job_id)?;
        let limit = limit.min(MAX_PAGE);
        if kinds::find(&job.kind).is_some_and(|k| k.item_key.is_some()) {
            return Ok(JobRows {
                total: journal.item_count(job_id)?,
                rows: items_in(journal.connection(), job_id, offset, limit)?,
            });
        }
        Ok(JobRows {
            total: job.total,
            rows: journal.rows(job_id, offset, limit)?,
        })
    }

    pub fn progress(&self, job_id: &JobId) -> Result<JobProgress, JobError> {
        if let Some(run) = lock(&self.inner.runs).get(job_id).cloned() {
            return Ok(run.progress(JobState::Running));
        }
        let journal = self.journal();
        let job = journal.job(job_id)?;
        let counts = journal.counts(job_id)?;
        let mut progress =
            JobProgress::new(job_id, job.state, job.total, &counts, job.pause_reason);
        progress.items = journal.item_count(job_id)?;
        Ok(progress)
    }

    /// Writes every row's outcome to `path`: `row`, the kind's columns, `status`, `message`.
    /// Reads through its own connection, so a running job's workers never wait for it.
    /// `say` words the statuses and messages (the file is in the reader's language).
    pub fn export_results_csv(
        &self,
        job_id: &JobId,
        path: &Path,
        say: &dyn Fn(&Words) -> String,
    ) -> Result<(), JobError> {
        let (kind, total) = {
            let journal = self.journal();
            let job = journal.job(job_id)?;
            (job.kind, job.total)
        };
        let entry = kinds::find(&kind).ok_or(JobError::UnknownKind { kind })?;
        let reader = crate::db::open_reader(&self.inner.db_path).map_err(JobError::Open)?;
        let items = entry.item_key.is_some();
        let count = if items {
            item_count(&reader, job_id)?
        } else {
            total
        };
        // Page by page into the file: 100 000 links never sit in memory at once.
        let failed = std::cell::RefCell::new(None);
        let rows = (0..count).step_by(MAX_PAGE).flat_map(|offset| {
            let page = if items {
                items_in(&reader, job_id, offset, MAX_PAGE)
            } else {
                rows_in(&reader, job_id, offset, MAX_PAGE)
            };
            page.unwrap_or_else(|e| {
                failed.borrow_mut().get_or_insert(e);
                Vec::new()
            })
        });
        let done_word = (entry.done_word)();
        results_csv::write_results(path, entry.export_columns, &done_word, say, rows)?;
        match failed.into_inner() {
            Some(error) => {
                // A file that misses rows must not look like the results.
                let _ = std::fs::remove_file(path);
                Err(error)
            }
            None => Ok(()),
        }
    }

    /// Runs `work` on the app's one writer connection (the Today store uses it), so it never
    /// races the journal's writes.
    pub fn with_database<T>(
        &self,
        work: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> Result<T, JobError> {
        Ok(work(self.journal().connection())?)
    }

    /// Writes a history line through the journal's connection (the app's one writer).
    pub fn record_history(&self, entry: &NewEntry<'_>) -> Result<(), JobError> {
        self.journal().record_history(entry)
    }

    /// Waits until a run of the job in this process has settled (finished, paused or
    /// cancelled) and returns its last progress; at once when none is running.
    pub async fn wait_until_settled(&self, job_id: &JobId) -> Result<JobProgress, JobError> {
        let run = lock(&self.inner.runs).get(job_id).cloned();
        if let Some(run) = run {
            let mut settled = run.settled.subscribe();
            let last = settled
                .wait_for(Option::is_some)
                .await
                .map_err(|_| JobError::Internal)?
                .clone();
            if let Some(progress) = last {
                return Ok(progress);
            }
        }
        self.progress(job_id)
    }

    pub fn is_running(&self, job_id: &JobId) -> bool {
        lock(&self.inner.runs).contains_key(job_id)
    }

    /// True while any job runs in this process (paused and finished jobs do not count).
    pub fn any_running(&self) -> bool {
        !lock(&self.inner.runs).is_empty()
    }

    fn journal(&self) -> MutexGuard<'_, Journal> {
        self.inner.journal.lock()
    }
}

/// Runs the workers of one job to the end, then writes and reports how it ended.
pub(crate) async fn drive<K: JobKind>(manager: JobManager, run: Arc<LiveRun>, client: Client) {
    let reporter = tokio::spawn(report_changes(run.clone()));
    let mut workers = tokio::task::JoinSet::new();
    match serde_json::from_value::<K::Spec>(run.job.spec.clone()) {
        Ok(spec) => {
            let spec = Arc::new(spec);
            for _ in 0..run.job.concurrency.clamp(MIN_CONCURRENCY, MAX_CONCURRENCY) {
                workers.spawn(worker::work::<K>(
                    manager.inner.journal.clone(),
                    run.clone(),
                    client.clone(),
                    spec.clone(),
                ));
            }
        }
        Err(e) => {
            log::error!("jobs: the parameters of {} cannot be read: {e}", run.job.id);
            let error = JobError::UnknownKind {
                kind: run.job.kind.clone(),
            };
            run.pause_with(PauseReason::of(&error));
        }
    }
    while let Some(joined) = workers.join_next().await {
        let failure = match joined {
            Ok(Ok(())) => None,
            Ok(Err(error)) => Some(error),
            Err(_) => Some(JobError::Internal),
        };
        if let Some(error) = failure {
            // A journal that cannot be written cannot promise "never twice": stop everyone.
            log::error!("jobs: a worker of {} stopped: {error:?}", run.job.id);
            run.pause_with(PauseReason::of(&error));
        }
    }
    reporter.abort();
    // Wait until it is really gone, so no "running" report can overtake the final one.
    let _ = reporter.await;

    // The end is written and the run forgotten under the runs lock, so a pause or cancel that
    // arrives meanwhile either reaches this run or finds the job already settled in the journal.
    let ending = {
        let (manager, run) = (manager.clone(), run.clone());
        tokio::task::spawn_blocking(move || {
            let mut runs = lock(&manager.inner.runs);
            let ended = record_end(&mut manager.inner.journal.lock(), &run);
            runs.remove(&run.job.id);
            ended
        })
        .await
    };
    let state = match ending {
        Ok(Ok((state, counts))) => {
            *lock(&run.counts) = counts;
            state
        }
        failed => {
            let error = match failed {
                Ok(Err(error)) => error,
                _ => JobError::Internal,
            };
            log::error!(
                "jobs: could not record the end of {}: {error:?}",
                run.job.id
            );
            lock(&manager.inner.runs).remove(&run.job.id);
            lock(&run.pause_reason).get_or_insert(PauseReason::of(&error));
            JobState::Paused
        }
    };
    let progress = run.progress(state);
    run.report(&progress);
    let on_end = lock(&manager.inner.on_end).clone();
    if let Some(on_end) = on_end {
        on_end.ended(&JobEnd {
            kind: &run.job.kind,
            account_id: &run.job.account_id,
            account_name: &run.job.account_name,
            label: run.job.label.as_deref(),
            progress: &progress,
        });
    }
    run.settled.send_replace(Some(progress));
}

/// Writes how the run ended: cancelled, finished (nothing left), or paused (with the reason of
/// an account failure, if that was why).
fn record_end(journal: &mut Journal, run: &LiveRun) -> Result<(JobState, Counts), JobError> {
    let job = &run.job;
    // Normally nothing is in flight here; after a worker failure something may be.
    journal.recover_in_flight(&job.id)?;
    let counts = journal.counts(&job.id)?;
    let stop = *run.stop.borrow();
    let state = match stop {
        Stop::Cancel => {
            journal.cancel(job)?;
            JobState::Cancelled
        }
        Stop::Go if counts.remaining() == 0 => {
            journal.set_state(&job.id, JobState::Finished, None)?;
            JobState::Finished
        }
        Stop::Pause | Stop::Go => {
            let reason = lock(&run.pause_reason).clone();
            journal.set_state(&job.id, JobState::Paused, reason.as_ref())?;
            JobState::Paused
        }
    };
    Ok((state, journal.counts(&job.id)?))
}

/// Reports after changes, at most every [`REPORT_INTERVAL`]: many rows settling at once become
/// one report, so sixteen parallel sends don't flood the window.
async fn report_changes(run: Arc<LiveRun>) {
    loop {
        run.changed.notified().await;
        run.report(&run.progress(JobState::Running));
        tokio::time::sleep(REPORT_INTERVAL).await;
    }
}
