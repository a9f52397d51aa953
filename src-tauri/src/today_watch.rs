//! Today's background readers: one task per account, started for every account when the app
//! starts (and for one added later when its Today is first shown), kept running until the app
//! quits or the account is removed (a restart reads only what is new: the events are in the
//! database). Each polls within its budget, waits between cycles, backs off after a failure (a
//! 429, a dropped line, the computer offline or asleep) and is woken early by "Refresh". A new
//! secret, address or budget replaces the account's reader. What a reading brings goes to the
//! [`Notifier`] (tray count, window, notifications).

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

use crate::api::Client;
use crate::commands::error::{ErrorKind, UiError};
use crate::jobs::{now_ms, JobManager};
use crate::notices::{Notifier, Reading};
use crate::today::news::used_elsewhere;
use crate::today::poller::READ_ORDER;
use crate::today::store::{self, EventKind, TodayEvent};
use crate::today::{ClaimsWatch, PollBudget, PollError, TodayPoller, UsesUnderWay};

/// Between two cycles when all is well.
pub const INTERVAL: Duration = Duration::from_secs(20);
/// After a failure: doubled each time, up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(30);
const MAX_BACKOFF: Duration = Duration::from_secs(300);
const DAY_MS: i64 = 24 * 3_600_000;
/// The hour a day may be longer than 24 (the night summer time ends).
const HOUR_MS: i64 = 3_600_000;

/// How a reader is doing, for "Updated 12 s ago" and the offline note.
#[derive(Clone, Debug, Default)]
pub struct WatchStatus {
    /// When the last cycle finished well (ms since 1970, this computer's clock).
    pub updated_at_ms: Option<i64>,
    /// The last cycle's failure, while it is the latest news (worded when it happened).
    pub problem: Option<UiError>,
    /// The active campaigns: ID and name.
    pub campaigns: Vec<(String, String)>,
}

/// What a reader needs besides its poller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reader {
    pub account_id: String,
    pub account_name: String,
    pub per_minute: u32,
}

struct Running {
    reader: Reader,
    /// The client it reads with: a new secret or address builds another, and the reader with it.
    client: Client,
    wake: Arc<Notify>,
    status: Arc<Mutex<WatchStatus>>,
    task: tokio::task::JoinHandle<()>,
}

pub struct TodayWatch {
    running: Mutex<HashMap<String, Running>>,
    notifier: Notifier,
    /// The start of the window's day (its local midnight, ms since 1970): what "today" means for
    /// the tray's count and the claims number.
    day_start_ms: Arc<AtomicI64>,
    /// The counter's uses not yet in the history: this desk's, not another's.
    under_way: UsesUnderWay,
}

impl TodayWatch {
    pub fn new(notifier: Notifier, under_way: UsesUnderWay) -> TodayWatch {
        TodayWatch {
            running: Mutex::new(HashMap::new()),
            notifier,
            under_way,
            // Until the window tells its midnight, a moment after its start: the last 24 hours.
            day_start_ms: Arc::new(AtomicI64::new(now_ms() - DAY_MS)),
        }
    }

    /// The window's midnight (its local day's start), told at its start, by Today and whenever
    /// it changes (`tell_midnight`).
    pub fn set_day_start(&self, day_start_ms: i64) {
        self.day_start_ms.store(day_start_ms, Ordering::Relaxed);
    }

    /// The midnight the window told last.
    pub fn day_start(&self) -> i64 {
        self.day_start_ms.load(Ordering::Relaxed)
    }

    /// Makes sure the account's reader runs, as `reader` says.
    pub fn ensure(&self, reader: Reader, client: &Client, jobs: &JobManager) {
        let mut running = lock(&self.running);
        if running.get(&reader.account_id).is_some_and(|r| {
            r.reader == reader && r.client.is_same(client) && !r.task.is_finished()
        }) {
            return;
        }
        if let Some(old) = running.remove(&reader.account_id) {
            old.task.abort();
        }
        let wake = Arc::new(Notify::new());
        let status = Arc::new(Mutex::new(WatchStatus::default()));
        let poller = TodayPoller::new(
            client.clone(),
            jobs.clone(),
            &reader.account_id,
            PollBudget::new(reader.per_minute),
        );
        let task = tokio::spawn(watch(Cycle {
            poller,
            jobs: jobs.clone(),
            reader: reader.clone(),
            notifier: self.notifier.clone(),
            day_start_ms: self.day_start_ms.clone(),
            status: status.clone(),
            wake: wake.clone(),
            news_since_ms: None,
            under_way: self.under_way.clone(),
        }));
        running.insert(
            reader.account_id.clone(),
            Running {
                reader,
                client: client.clone(),
                wake,
                status,
                task,
            },
        );
    }

    /// A new budget from Settings: every reader starts again with it.
    pub fn set_budget(&self, per_minute: u32, jobs: &JobManager) {
        let again: Vec<(Reader, Client)> = lock(&self.running)
            .values()
            .filter(|r| r.reader.per_minute != per_minute)
            .map(|r| {
                let reader = Reader {
                    per_minute,
                    ..r.reader.clone()
                };
                (reader, r.client.clone())
            })
            .collect();
        for (reader, client) in again {
            self.ensure(reader, &client, jobs);
        }
    }

    /// Starts the reader of `account` at the budget in Settings, or restarts it when its
    /// client (secret, address), name or budget changed since.
    pub async fn ensure_for(
        &self,
        state: &crate::state::AppState,
        account: &crate::settings::AccountRecord,
        jobs: &JobManager,
    ) -> Result<(), crate::state::ClientError> {
        let client = state.client_for(account).await?;
        // Decided under the settings' lock: a removal takes it before it stops the reader, so
        // an account removed meanwhile (e.g. while Today asked for it) gets no reader again.
        let settings = state.settings.lock().await;
        self.ensure_listed(&settings, account, &client, jobs);
        Ok(())
    }

    /// Starts the reader of `account` at the budget `settings` hold, unless they no longer list
    /// the account; says whether it runs.
    fn ensure_listed(
        &self,
        settings: &crate::settings::Settings,
        account: &crate::settings::AccountRecord,
        client: &Client,
        jobs: &JobManager,
    ) -> bool {
        if settings.account(&account.id).is_none() {
            return false;
        }
        let reader = Reader {
            account_id: account.id.clone(),
            account_name: account.name.clone(),
            per_minute: settings.preferences.today_per_minute,
        };
        self.ensure(reader, client, jobs);
        true
    }

    pub fn is_running(&self, account_id: &str) -> bool {
        lock(&self.running).contains_key(account_id)
    }

    /// "Refresh": the account's next cycle starts now.
    pub fn wake(&self, account_id: &str) {
        if let Some(running) = lock(&self.running).get(account_id) {
            running.wake.notify_one();
        }
    }

    pub fn status(&self, account_id: &str) -> WatchStatus {
        lock(&self.running)
            .get(account_id)
            .map(|r| lock(&r.status).clone())
            .unwrap_or_default()
    }

    /// The account was removed: its reader stops, its line leaves the tray.
    pub fn stop(&self, account_id: &str) {
        // The lock is let go before the tray is told (that waits on the main thread).
        let old = lock(&self.running).remove(account_id);
        if let Some(old) = old {
            old.task.abort();
            if let Some(desktop) = self.notifier.desktop() {
                desktop.used_today(account_id, &old.reader.account_name, None);
            }
        }
    }
}

/// At the app's start: a reader for every account (practice mode's too), so the tray's counts
/// and the notifications do not wait for Today to be opened.
pub fn start_every_account<R: tauri::Runtime>(app: &tauri::AppHandle<R>) {
    use tauri::Manager;
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let (Some(state), Some(watch)) = (
            app.try_state::<crate::state::AppState>(),
            app.try_state::<TodayWatch>(),
        ) else {
            return;
        };
        let Some(jobs) = state.jobs.clone() else {
            return;
        };
        let accounts = state.settings.lock().await.accounts.clone();
        for account in accounts {
            if let Err(e) = watch.ensure_for(&state, &account, &jobs).await {
                log::info!("today: no reader for {} at start: {e}", account.id);
            }
        }
    });
}

/// The start of today: the window's midnight (it tells a new one within a minute, also when the
/// clocks change), moved on by whole days only when the window has not said for a day and an
/// hour — by then even the 25-hour day of a clock change is over, so the guess never runs ahead
/// of the real day.
fn today_start(told_ms: i64, now_ms: i64) -> i64 {
    let unsaid = now_ms - told_ms - HOUR_MS;
    if unsaid < DAY_MS {
        return told_ms;
    }
    told_ms + unsaid / DAY_MS * DAY_MS
}

struct Cycle {
    poller: TodayPoller,
    jobs: JobManager,
    reader: Reader,
    notifier: Notifier,
    day_start_ms: Arc<AtomicI64>,
    status: Arc<Mutex<WatchStatus>>,
    wake: Arc<Notify>,
    /// Uses from this moment on (by the server's clock) are news; what the reader catches up on
    /// after a start is not. Set by the first answer.
    news_since_ms: Option<i64>,
    under_way: UsesUnderWay,
}

async fn watch(mut cycle: Cycle) {
    let mut backoff = FIRST_BACKOFF;
    let mut claims = ClaimsWatch::default();
    loop {
        let wait = match reading(&mut cycle, &mut claims).await {
            Ok(()) => {
                backoff = FIRST_BACKOFF;
                INTERVAL
            }
            Err(e) => {
                log::info!(
                    "today: a reading failed, next in {} s: {e}",
                    backoff.as_secs()
                );
                lock(&cycle.status).problem = Some(worded(e));
                let wait = backoff;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                wait
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = cycle.wake.notified() => {}
        }
    }
}

/// One reading: the uses of every campaign first, told at once (a coupon used at another desk
/// should not wait for the opens of fifty campaigns), then the claims and opens. What was stored
/// before a failure is told all the same.
async fn reading(cycle: &mut Cycle, claims: &mut ClaimsWatch) -> Result<(), PollError> {
    cycle.poller.read_campaigns_if_stale().await?;
    if cycle.news_since_ms.is_none() {
        // Less a second: the lists give their times to the second.
        cycle.news_since_ms = Some(cycle.poller.server_now_ms() - 1_000);
    }
    let mut new = Vec::new();
    for kind in READ_ORDER {
        let mut read = Vec::new();
        let result = cycle.poller.read_kind(kind, &mut read).await;
        if kind == EventKind::Used && !read.is_empty() {
            tell(cycle, &read, None).await;
        }
        new.extend(read.into_iter().filter(|e| e.kind != EventKind::Used));
        if let Err(e) = result {
            tell(cycle, &new, None).await;
            return Err(e);
        }
    }
    cycle.poller.forget_old()?;
    if !new.is_empty() {
        log::debug!("today: {} new opens and claims", new.len());
    }
    {
        let mut status = lock(&cycle.status);
        status.updated_at_ms = Some(now_ms());
        status.problem = None;
        status.campaigns = cycle.poller.campaign_names().to_vec();
    }
    tell(cycle, &new, Some(claims)).await;
    Ok(())
}

/// Works out what new events mean (from the database, on a blocking thread) and tells it: the
/// uses made elsewhere among them and, at a reading's end (`claims`), the numbers reached.
async fn tell(cycle: &Cycle, new: &[TodayEvent], claims: Option<&mut ClaimsWatch>) {
    let account_id = cycle.reader.account_id.clone();
    let day_start = today_start(cycle.day_start_ms.load(Ordering::Relaxed), now_ms());
    let threshold = cycle.notifier.switches().claims_threshold;
    let since = cycle.news_since_ms.unwrap_or(i64::MAX);
    let uses: Vec<TodayEvent> = new
        .iter()
        .filter(|e| e.kind == EventKind::Used && e.at_ms >= since)
        .cloned()
        .collect();
    let jobs = cycle.jobs.clone();
    let under_way = cycle.under_way.clone();
    let read = tokio::task::spawn_blocking(move || {
        jobs.with_database(move |conn| {
            Ok((
                store::counts(conn, &account_id, day_start, day_start + DAY_MS)?,
                used_elsewhere(conn, &account_id, &uses, &under_way)?,
            ))
        })
    })
    .await;
    let (counts, elsewhere) = match read {
        Ok(Ok(read)) => read,
        Ok(Err(e)) => {
            log::warn!("today: what the reading means could not be read: {e}");
            return;
        }
        Err(_) => return,
    };
    let reached = claims
        .map(|claims| claims.crossed(day_start, threshold, &counts))
        .unwrap_or_default();
    log::debug!(
        "today: {} new, {} used elsewhere, {} claims numbers reached",
        new.len(),
        elsewhere.len(),
        reached.len()
    );
    cycle.notifier.today_read(&Reading {
        account_id: &cycle.reader.account_id,
        account_name: &cycle.reader.account_name,
        new_events: new.len(),
        used_today: counts.iter().map(|c| c.used).sum(),
        used_elsewhere: &elsewhere,
        claims_reached: &reached,
        campaigns: cycle.poller.campaign_names(),
    });
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{ClientConfig, Credentials};
    use crate::settings::Preferences;

    /// A watch, a journal in a temporary folder, and a client of an address where nobody
    /// listens: the readers only wait and try again.
    fn watch_with_a_silent_server() -> (tempfile::TempDir, JobManager, Client, TodayWatch) {
        let folder = tempfile::tempdir().expect("a folder");
        let jobs = JobManager::open(folder.path().join("jobs.sqlite3")).expect("a database");
        let client = Client::new(ClientConfig::new(
            Credentials::new("id", "secret"),
            "http://127.0.0.1:9/v3",
            "http://127.0.0.1:9/v4",
        ))
        .expect("a client");
        let watch = TodayWatch::new(
            Notifier::new(&Preferences::default()),
            UsesUnderWay::default(),
        );
        (folder, jobs, client, watch)
    }

    /// A new budget from Settings reaches the running readers at once: each starts again with it
    /// (a new task), and a reader already on that budget is left alone.
    #[tokio::test]
    async fn a_new_budget_starts_every_reader_again_with_it() {
        let (_folder, jobs, client, watch) = watch_with_a_silent_server();
        let reader = |id: &str| Reader {
            account_id: id.into(),
            account_name: id.into(),
            per_minute: 60,
        };
        watch.ensure(reader("a"), &client, &jobs);
        watch.ensure(reader("b"), &client, &jobs);
        let task_of = |id: &str| lock(&watch.running)[id].task.id();
        let before = (task_of("a"), task_of("b"));

        watch.set_budget(60, &jobs);
        assert_eq!(
            (task_of("a"), task_of("b")),
            before,
            "the same budget restarts nothing"
        );

        watch.set_budget(120, &jobs);
        for id in ["a", "b"] {
            assert_eq!(lock(&watch.running)[id].reader.per_minute, 120);
        }
        assert_ne!(task_of("a"), before.0);
        assert_ne!(task_of("b"), before.1);
        assert!(!lock(&watch.running)["a"].task.is_finished());
    }

    #[tokio::test]
    async fn an_account_no_longer_listed_gets_no_reader() {
        let (_folder, jobs, client, watch) = watch_with_a_silent_server();
        let shop = crate::accounts::practice_record();
        let mut settings = crate::settings::Settings::default();
        settings.preferences.today_per_minute = 30;
        assert!(!watch.ensure_listed(&settings, &shop, &client, &jobs));
        assert!(
            !watch.is_running(&shop.id),
            "removed before its reader was asked for"
        );
        settings.accounts.push(shop.clone());
        assert!(watch.ensure_listed(&settings, &shop, &client, &jobs));
        assert_eq!(lock(&watch.running)[&shop.id].reader.per_minute, 30);
    }

    #[test]
    fn the_day_moves_on_by_itself_only_when_the_window_did_not_say() {
        let midnight = 1_796_600_000_000;
        assert_eq!(today_start(midnight, midnight + 5), midnight);
        // The night summer time ends the day lasts 25 hours: 24 hours in, it is still today.
        assert_eq!(today_start(midnight, midnight + DAY_MS), midnight);
        assert_eq!(
            today_start(midnight, midnight + DAY_MS + HOUR_MS - 1),
            midnight
        );
        // The window said nothing for a day and an hour: the next day.
        assert_eq!(
            today_start(midnight, midnight + DAY_MS + HOUR_MS),
            midnight + DAY_MS
        );
        assert_eq!(
            today_start(midnight, midnight + 3 * DAY_MS + HOUR_MS + 7),
            midnight + 3 * DAY_MS
        );
        // A clock set back: the told day stands.
        assert_eq!(today_start(midnight, midnight - 10), midnight);
    }
}
