//! The Today screen's background reader: one task for the connected account, started when the
//! window first asks for today's figures and kept running (a restart reads only what is new:
//! the events are in the database). It polls within the account's budget, waits between cycles,
//! backs off after a failure (a 429, a dropped line, the computer offline) and is woken early by
//! "Refresh". A switch of account, or a new secret or address for it, replaces it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

use crate::api::Client;
use crate::commands::error::{ErrorKind, UiError};
use crate::jobs::{now_ms, JobManager};
use crate::today::{PollBudget, PollError, TodayPoller, DEFAULT_PER_MINUTE};

/// Between two cycles when all is well.
pub const INTERVAL: Duration = Duration::from_secs(20);
/// After a failure: doubled each time, up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(30);
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// How the reader is doing, for "Updated 12 s ago" and the offline note.
#[derive(Clone, Debug, Default)]
pub struct WatchStatus {
    /// When the last cycle finished well (ms since 1970, this computer's clock).
    pub updated_at_ms: Option<i64>,
    /// The last cycle's failure, while it is the latest news (worded when it happened).
    pub problem: Option<UiError>,
    /// The active campaigns: ID and name.
    pub campaigns: Vec<(String, String)>,
}

struct Running {
    account_id: String,
    /// The client it reads with: a new secret or address builds another, and the reader with it.
    client: Client,
    wake: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Default)]
pub struct TodayWatch {
    running: Mutex<Option<Running>>,
    status: Arc<Mutex<WatchStatus>>,
}

impl TodayWatch {
    /// Makes sure the account's reader runs (replacing another account's).
    pub fn ensure(&self, account_id: &str, client: &Client, jobs: &JobManager) {
        let mut running = lock(&self.running);
        if running.as_ref().is_some_and(|r| {
            r.account_id == account_id && r.client.is_same(client) && !r.task.is_finished()
        }) {
            return;
        }
        if let Some(old) = running.take() {
            old.task.abort();
        }
        *lock(&self.status) = WatchStatus::default();
        let wake = Arc::new(Notify::new());
        let poller = TodayPoller::new(
            client.clone(),
            jobs.clone(),
            account_id,
            PollBudget::new(DEFAULT_PER_MINUTE),
        );
        let task = tokio::spawn(watch(poller, self.status.clone(), wake.clone()));
        *running = Some(Running {
            account_id: account_id.to_owned(),
            client: client.clone(),
            wake,
            task,
        });
    }

    /// "Refresh": the next cycle starts now.
    pub fn wake(&self) {
        if let Some(running) = lock(&self.running).as_ref() {
            running.wake.notify_one();
        }
    }

    pub fn status(&self) -> WatchStatus {
        lock(&self.status).clone()
    }
}

async fn watch(mut poller: TodayPoller, status: Arc<Mutex<WatchStatus>>, wake: Arc<Notify>) {
    let mut backoff = FIRST_BACKOFF;
    loop {
        let wait = match poller.poll_once().await {
            Ok(new) => {
                if !new.is_empty() {
                    log::debug!("today: {} new events", new.len());
                }
                let mut status = lock(&status);
                status.updated_at_ms = Some(now_ms());
                status.problem = None;
                status.campaigns = poller.campaign_names().to_vec();
                backoff = FIRST_BACKOFF;
                INTERVAL
            }
            Err(e) => {
                log::info!(
                    "today: a reading failed, next in {} s: {e}",
                    backoff.as_secs()
                );
                let mut status = lock(&status);
                status.problem = Some(worded(e));
                let wait = backoff;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                wait
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = wake.notified() => {}
        }
    }
}

fn worded(problem: PollError) -> UiError {
    match problem {
        PollError::Api(e) => UiError::from(e),
        PollError::Store(_) => UiError::from_key(ErrorKind::Storage, "cmd.today.storeFailed"),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
