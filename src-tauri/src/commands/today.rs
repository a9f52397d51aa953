//! Today: the figures of the connected account's day, read from the database the background
//! reader (`today_watch`) fills. Asking starts the reader; "Refresh" wakes it.

use serde::Serialize;
use tauri::{AppHandle, Runtime, State};

use super::bulk::manager;
use super::history::{save_csv, SavedFile};
use super::{active_account, UiError};
use crate::error_kind::ErrorKind;
use crate::i18n::t;
use crate::jobs::now_ms;
use crate::state::AppState;
use crate::today::store::{self, CampaignCounts};
use crate::today_watch::TodayWatch;

/// The newest events the feed shows.
const FEED: usize = 50;
const DAY_MS: i64 = 24 * 3_600_000;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TodayCampaign {
    pub campaign: String,
    pub name: String,
    pub opened: u32,
    pub claimed: u32,
    pub used: u32,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TodayItem {
    pub at_ms: i64,
    pub campaign: String,
    pub name: String,
    pub kind: store::EventKind,
    pub code: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Today {
    pub campaigns: Vec<TodayCampaign>,
    pub totals: [u32; 3],
    /// Per hour from the day's start: opened, claimed, used.
    pub hourly: Vec<[u32; 3]>,
    pub feed: Vec<TodayItem>,
    /// When the figures were last brought up to date (ms since 1970); none yet on a first read.
    pub updated_at_ms: Option<i64>,
    pub now_ms: i64,
    /// Why the latest reading failed, while it is the latest news: the figures are as of
    /// `updated_at_ms`.
    pub problem: Option<UiError>,
}

/// Today's figures for the day that starts at `day_start_ms` (the window's local midnight).
#[tauri::command]
pub async fn today(
    state: State<'_, AppState>,
    watch: State<'_, TodayWatch>,
    day_start_ms: i64,
) -> Result<Today, UiError> {
    let now = now_ms();
    if !plausible_day_start(day_start_ms, now) {
        return Err(UiError::from_key(ErrorKind::Validation, "cmd.today.badDay"));
    }
    let account = active_account(&state).await?;
    let jobs = manager(&state)?.clone();
    watch.set_day_start(day_start_ms);
    watch.ensure_for(&state, &account, &jobs).await?;
    let status = watch.status(&account.id);
    let id = account.id.clone();
    let (counts, hourly, feed) = jobs
        .with_database(move |conn| {
            Ok((
                store::counts(conn, &id, day_start_ms, day_start_ms + DAY_MS)?,
                store::hourly(conn, &id, day_start_ms)?,
                store::feed(conn, &id, day_start_ms, FEED)?,
            ))
        })
        .map_err(UiError::from)?;
    let name_of = |id: &str| {
        status
            .campaigns
            .iter()
            .find(|(c, _)| c == id)
            .map_or_else(|| id.to_owned(), |(_, name)| name.clone())
    };
    let mut campaigns: Vec<TodayCampaign> = counts
        .into_iter()
        .map(|c: CampaignCounts| TodayCampaign {
            name: name_of(&c.campaign),
            campaign: c.campaign,
            opened: c.opened,
            claimed: c.claimed,
            used: c.used,
        })
        .collect();
    // Active campaigns with nothing yet today are shown with their zeros.
    for (id, name) in &status.campaigns {
        if !campaigns.iter().any(|c| &c.campaign == id) {
            campaigns.push(TodayCampaign {
                campaign: id.clone(),
                name: name.clone(),
                opened: 0,
                claimed: 0,
                used: 0,
            });
        }
    }
    let totals = campaigns.iter().fold([0u32; 3], |t, c| {
        [t[0] + c.opened, t[1] + c.claimed, t[2] + c.used]
    });
    let feed = feed
        .into_iter()
        .map(|e| TodayItem {
            at_ms: e.at_ms,
            name: name_of(&e.campaign),
            campaign: e.campaign,
            kind: e.kind,
            code: e.code,
        })
        .collect();
    Ok(Today {
        campaigns,
        totals,
        hourly,
        feed,
        updated_at_ms: status.updated_at_ms,
        now_ms: now,
        problem: status.problem,
    })
}

/// "Refresh": the reader starts its next cycle now.
#[tauri::command]
pub async fn refresh_today(
    state: State<'_, AppState>,
    watch: State<'_, TodayWatch>,
) -> Result<(), UiError> {
    let account = active_account(&state).await?;
    watch.wake(&account.id);
    Ok(())
}

/// The window's ear for what happens without its asking: a clicked notification or the tray's
/// menu (open a screen), new figures for Today. Opened once at the window's start.
/// `day_start_ms`: the window's midnight, what "today" means for the tray and the claims number.
#[tauri::command]
pub fn listen_to_desk<R: Runtime>(
    app: AppHandle<R>,
    on_event: tauri::ipc::Channel<crate::notices::DeskEvent>,
    day_start_ms: i64,
) -> Result<(), UiError> {
    use tauri::Manager;
    tell_midnight(app.clone(), day_start_ms)?;
    if let Some(desktop) = app.try_state::<std::sync::Arc<crate::desktop::TauriDesktop<R>>>() {
        desktop.listen(on_event);
    }
    Ok(())
}

/// The window's midnight, told again whenever it changes: a new day, a clock change (the days
/// of summer time are 23 and 25 hours long), another time zone. Rust cannot tell local midnights
/// itself without a time-zone database; the readers only guess when the window stays silent.
#[tauri::command]
pub fn tell_midnight<R: Runtime>(app: AppHandle<R>, day_start_ms: i64) -> Result<(), UiError> {
    use tauri::Manager;
    if !plausible_day_start(day_start_ms, now_ms()) {
        return Err(UiError::from_key(ErrorKind::Validation, "cmd.today.badDay"));
    }
    if let Some(watch) = app.try_state::<TodayWatch>() {
        watch.set_day_start(day_start_ms);
    }
    Ok(())
}

/// The window's midnight lies within the last day (a day and a little for clock changes).
fn plausible_day_start(day_start_ms: i64, now: i64) -> bool {
    (now - DAY_MS - 3_600_000..=now).contains(&day_start_ms)
}

/// The per-campaign table of the day as a CSV file in Downloads.
#[tauri::command]
pub async fn export_today<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    watch: State<'_, TodayWatch>,
    day_start_ms: i64,
) -> Result<SavedFile, UiError> {
    let figures = today(state, watch, day_start_ms).await?;
    let rows = figures
        .campaigns
        .iter()
        .map(|c| {
            vec![
                c.campaign.clone(),
                c.name.clone(),
                c.opened.to_string(),
                c.claimed.to_string(),
                c.used.to_string(),
            ]
        })
        .collect();
    const HEADER: &[&str] = &["campaign", "name", "opened", "claimed", "used"];
    save_csv(
        &app,
        "coupon-desk-today",
        HEADER,
        rows,
        t("cmd.today.exportFailed"),
    )
    .await
}
