//! "Campaigns" screen: a campaign's details, link and QR; its usage (all sessions, or opens,
//! claims, validations) for a date range, fetched page by page several at a time with progress
//! and cancel, summed up per day; finding a session; push messages.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};

use super::history::{save_csv, SavedFile};
use super::{active_account, push_result, record_history, PushResult, UiError};
use crate::api::limiter::MAX_PAGES_AT_ONCE;
use crate::api::{
    validate, Campaign, CampaignFilter, CampaignSessionsQuery, CampaignUsage, Client,
    CouponSession, SessionData, SessionList, SessionSearch,
};
use crate::error_kind::ErrorKind;
use crate::history::Line;
use crate::i18n::{t, tf};
use crate::state::AppState;

/// Bumped by "Cancel": a usage load that sees a newer number stops between pages.
static USAGE_GENERATION: AtomicU64 = AtomicU64::new(0);

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CampaignDetails {
    pub id: String,
    pub name: String,
    pub title: String,
    pub status: String,
    pub url: String,
    pub usage: CampaignUsage,
    pub qr_data_url: Option<String>,
}

#[tauri::command]
pub async fn campaign_details(
    state: State<'_, AppState>,
    campaign: String,
) -> Result<CampaignDetails, UiError> {
    let campaign = validate::coupon_campaign_id(&campaign)?;
    let account = active_account(&state).await?;
    let client = state.client_for(&account).await?;
    let info = client.campaigns().info_with_usage(&campaign).await?;
    Ok(CampaignDetails {
        qr_data_url: (!info.campaign.url.is_empty())
            .then(|| crate::qr::svg_data_url(&info.campaign.url).ok())
            .flatten(),
        id: info.campaign.id,
        name: info.campaign.name,
        title: info.campaign.title,
        status: info.campaign.status,
        url: info.campaign.url,
        usage: info.usage,
    })
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageProgress {
    pub pages: u32,
    pub pages_total: Option<u32>,
    pub sessions: usize,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct DayCount {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    pub opened: u32,
    pub claimed: u32,
    pub validated: u32,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UsageSummary {
    pub sessions: usize,
    pub opened: usize,
    pub claimed: usize,
    pub validated: usize,
    pub voided: usize,
    /// Claimed of opened, used of claimed; None when there is nothing to divide by.
    pub claim_rate: Option<f64>,
    pub use_rate: Option<f64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    /// How many sessions the list holds; the table asks for them page by page
    /// ([`campaign_usage_rows`]), so 20 000 sessions never cross to the window at once.
    pub rows: usize,
    /// The first rows, so the table paints without asking.
    pub first_rows: Vec<SessionData>,
    pub summary: UsageSummary,
    pub per_day: Vec<DayCount>,
    /// Stopped by "Cancel": the lists hold what had arrived.
    pub cancelled: bool,
    /// How long reading every page took, in ms.
    pub pages_ms: u64,
    /// Unix ms when the last page arrived: the window measures its painting from there.
    pub last_page_at_ms: i64,
}

/// Rows sent with the usage itself: a screenful and then some.
const FIRST_ROWS: usize = 100;
/// The most rows one [`campaign_usage_rows`] call returns.
const MAX_ROWS_PAGE: usize = 1_000;

/// The usage list last read, for the table's pages and the export. One window, one list.
struct UsageCache {
    /// Campaign, list and range it was read for.
    key: String,
    sessions: Arc<Vec<SessionData>>,
}

static LAST_USAGE: Mutex<Option<UsageCache>> = Mutex::new(None);

fn cache_key(account: &str, list: SessionList, query: &CampaignSessionsQuery) -> String {
    format!(
        "{account}|{}|{list:?}|{:?}|{:?}",
        query.campaign, query.start, query.end
    )
}

fn last_usage() -> std::sync::MutexGuard<'static, Option<UsageCache>> {
    // The cache holds plain data: a panic elsewhere leaves it usable.
    LAST_USAGE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn list_of(word: &str) -> Result<SessionList, UiError> {
    match word {
        "" | "all" => Ok(SessionList::All),
        "opens" => Ok(SessionList::Opens),
        "claims" => Ok(SessionList::Claims),
        "validations" => Ok(SessionList::Validations),
        _ => Err(UiError::new(
            ErrorKind::Validation,
            t("cmd.campaigns.list.message"),
            t("cmd.campaigns.list.hint"),
        )),
    }
}

fn date_of(
    text: Option<&str>,
    field: &'static str,
    end_of_day: bool,
) -> Result<Option<time::OffsetDateTime>, UiError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let date = time::Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| UiError {
        field: Some(field.into()),
        ..UiError::new(
            ErrorKind::Validation,
            tf("cmd.campaigns.date.message", &[("text", &text)]),
            t("cmd.campaigns.date.hint"),
        )
    })?;
    let time = if end_of_day {
        time::Time::from_hms(23, 59, 0)
    } else {
        time::Time::from_hms(0, 0, 0)
    }
    .unwrap_or(time::Time::MIDNIGHT);
    Ok(Some(date.with_time(time).assume_utc()))
}

fn query(
    campaign: &str,
    start: Option<&str>,
    end: Option<&str>,
) -> Result<CampaignSessionsQuery, UiError> {
    let campaign = validate::coupon_campaign_id(campaign)?;
    let start = date_of(start, "usageStart", false)?;
    let end = date_of(end, "usageEnd", true)?;
    validate::date_range(start, end)?;
    Ok(CampaignSessionsQuery {
        campaign,
        start,
        end,
    })
}

/// Every page of the list (see `CampaignsApi::all_sessions`); stops between pages when a newer
/// reading of the screen cancelled this one.
async fn all_pages(
    client: &Client,
    list: SessionList,
    query: &CampaignSessionsQuery,
    generation: u64,
    mut on_page: impl FnMut(u32, Option<u32>, usize),
) -> Result<(Vec<SessionData>, bool), UiError> {
    let cancelled = || USAGE_GENERATION.load(Ordering::SeqCst) != generation;
    Ok(client
        .campaigns()
        .all_sessions(list, query, MAX_PAGES_AT_ONCE, |pages, estimate, count| {
            on_page(pages, estimate, count);
            !cancelled()
        })
        .await?)
}

/// Sums per day (UTC) and overall. Pure, so the chart's numbers are tested here.
pub fn summarize(sessions: &[SessionData]) -> (UsageSummary, Vec<DayCount>) {
    let day = |t: Option<time::OffsetDateTime>| t.map(|t| t.date().to_string());
    let mut days: BTreeMap<String, DayCount> = BTreeMap::new();
    let mut bump = |d: Option<String>, f: fn(&mut DayCount)| {
        if let Some(d) = d {
            let entry = days.entry(d.clone()).or_insert_with(|| DayCount {
                day: d,
                ..DayCount::default()
            });
            f(entry);
        }
    };
    for s in sessions {
        bump(day(s.opened_at), |c| c.opened += 1);
        bump(day(s.claimed_at), |c| c.claimed += 1);
        bump(day(s.validated_at.filter(|_| s.validated)), |c| {
            c.validated += 1
        });
    }
    let count = |f: fn(&SessionData) -> bool| sessions.iter().filter(|s| f(s)).count();
    let opened = count(|s| s.opened_at.is_some());
    let claimed = count(|s| s.claimed_at.is_some());
    let validated = count(|s| s.validated);
    let rate = |part: usize, whole: usize| (whole > 0).then(|| part as f64 / whole as f64);
    let summary = UsageSummary {
        sessions: sessions.len(),
        opened,
        claimed,
        validated,
        voided: count(|s| s.voided),
        claim_rate: rate(claimed, opened),
        use_rate: rate(validated, claimed),
    };
    (summary, days.into_values().collect())
}

#[tauri::command]
pub async fn campaign_usage<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    campaign: String,
    list: String,
    start: Option<String>,
    end: Option<String>,
    on_progress: Channel<UsageProgress>,
) -> Result<Usage, UiError> {
    let list = list_of(&list)?;
    let query = query(&campaign, start.as_deref(), end.as_deref())?;
    let account = active_account(&state).await?;
    let client = state.client_for(&account).await?;
    let generation = USAGE_GENERATION.fetch_add(1, Ordering::SeqCst) + 1;
    let started = std::time::Instant::now();
    let (sessions, cancelled) = all_pages(
        &client,
        list,
        &query,
        generation,
        |pages, pages_total, sessions| {
            let _ = on_progress.send(UsageProgress {
                pages,
                pages_total,
                sessions,
            });
        },
    )
    .await?;
    let pages_ms = started.elapsed().as_millis() as u64;
    let last_page_at_ms =
        (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
    let (summary, per_day) = summarize(&sessions);
    let first_rows = sessions.iter().take(FIRST_ROWS).cloned().collect();
    let rows = sessions.len();
    *last_usage() = Some(UsageCache {
        // A list cut short by "Cancel" is shown, but never exported as the whole list.
        key: if cancelled {
            String::new()
        } else {
            cache_key(&account.id, list, &query)
        },
        sessions: Arc::new(sessions),
    });
    if !cancelled {
        super::first_steps::note(&app, &state, crate::first_steps::Step::Usage).await;
    }
    Ok(Usage {
        rows,
        first_rows,
        summary,
        per_day,
        cancelled,
        pages_ms,
        last_page_at_ms,
    })
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageRows {
    pub total: usize,
    pub rows: Vec<SessionData>,
}

/// Rows `offset + 1 ..= offset + limit` of the usage list last shown, for the table.
#[tauri::command]
pub fn campaign_usage_rows(offset: usize, limit: usize) -> UsageRows {
    let cache = last_usage();
    let Some(cache) = cache.as_ref() else {
        return UsageRows {
            total: 0,
            rows: Vec::new(),
        };
    };
    let all = &cache.sessions;
    let start = offset.min(all.len());
    let end = start
        .saturating_add(limit.min(MAX_ROWS_PAGE))
        .min(all.len());
    UsageRows {
        total: all.len(),
        rows: all[start..end].to_vec(),
    }
}

/// Stops a usage load between two pages.
#[tauri::command]
pub fn cancel_campaign_usage() {
    USAGE_GENERATION.fetch_add(1, Ordering::SeqCst);
}

/// The usage list as CSV in Downloads, one line per session (machine-readable ISO times).
#[tauri::command]
pub async fn export_campaign_usage<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    campaign: String,
    list: String,
    start: Option<String>,
    end: Option<String>,
) -> Result<SavedFile, UiError> {
    let list = list_of(&list)?;
    let query = query(&campaign, start.as_deref(), end.as_deref())?;
    let account = active_account(&state).await?;
    let client = state.client_for(&account).await?;
    // The list on screen, when it is this one: no second reading of every page.
    let shown = last_usage()
        .as_ref()
        .filter(|c| c.key == cache_key(&account.id, list, &query))
        .map(|c| c.sessions.clone());
    let sessions = match shown {
        Some(sessions) => sessions,
        None => {
            let generation = USAGE_GENERATION.load(Ordering::SeqCst);
            Arc::new(
                all_pages(&client, list, &query, generation, |_, _, _| {})
                    .await?
                    .0,
            )
        }
    };
    let iso = |t: Option<time::OffsetDateTime>| {
        t.and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
    };
    let rows = sessions
        .iter()
        .map(|s| {
            vec![
                s.code.to_string(),
                s.campaign.clone(),
                iso(s.created_at),
                iso(s.opened_at),
                iso(s.claimed_at),
                iso(s.validated_at),
                iso(s.voided_at),
                s.own_validation_code.clone().unwrap_or_default(),
                s.email.clone().unwrap_or_default(),
            ]
        })
        .collect();
    const HEADER: &[&str] = &[
        "code",
        "campaign",
        "created",
        "opened",
        "claimed",
        "validated",
        "voided",
        "own_code",
        "email",
    ];
    save_csv(
        &app,
        "coupon-desk-sessions",
        HEADER,
        rows,
        t("cmd.campaigns.exportFailed"),
    )
    .await
}

/// Sessions by e-mail, phone or own code, in one campaign or all.
#[tauri::command]
pub async fn find_sessions(
    state: State<'_, AppState>,
    search: String,
    campaign: Option<String>,
) -> Result<Vec<CouponSession>, UiError> {
    let search = search.trim().to_owned();
    if search.chars().count() < 3 {
        return Err(UiError {
            field: Some("findSearch".into()),
            ..UiError::new(
                ErrorKind::Validation,
                tf("cmd.campaigns.find.tooShort.message", &[("min", &3)]),
                t("cmd.campaigns.find.tooShort.hint"),
            )
        });
    }
    let campaign = match campaign.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => Some(validate::coupon_campaign_id(c)?),
        None => None,
    };
    let account = active_account(&state).await?;
    let client = state.client_for(&account).await?;
    Ok(client
        .sessions()
        .search(&SessionSearch { search, campaign })
        .await?)
}

/// A push message to one session's wallet holder (`session` given) or to all of the campaign's.
#[tauri::command]
pub async fn push_campaign_message(
    state: State<'_, AppState>,
    campaign: String,
    message: String,
    session: Option<String>,
) -> Result<PushResult, UiError> {
    let campaign = validate::coupon_campaign_id(&campaign)?;
    let message = validate::push_message(&message)?;
    let account = active_account(&state).await?;
    let client = state.client_for(&account).await?;
    let (result, target) = match session.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(code) => (
            client
                .sessions()
                .push(&campaign, code, &message)
                .await
                .map(|()| Some(1)),
            code.to_owned(),
        ),
        None => (
            client
                .campaigns()
                .push_all(&campaign, &message)
                .await
                .map(|r| r.recipients),
            t("cmd.campaigns.history.allHolders"),
        ),
    };
    let outcome = super::outcome_of(&result);
    record_history(
        &state,
        Line {
            account_id: account.id.clone(),
            account: account.name.clone(),
            action: "campaign_push",
            campaign: Some(campaign),
            target: Some(target),
            outcome,
            detail: None,
        },
    )
    .await;
    push_result(result)
}

/// A campaign in the filtered list, with what its filters read.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FilteredCampaign {
    pub id: String,
    pub code: String,
    pub name: String,
    pub title: String,
    pub status: String,
    pub url: String,
    pub tags: Vec<String>,
    pub category: String,
    pub category_name: String,
    pub folder: String,
    pub folder_name: String,
}

impl From<Campaign> for FilteredCampaign {
    fn from(c: Campaign) -> Self {
        FilteredCampaign {
            id: c.id,
            code: c.code,
            name: c.name,
            title: c.title,
            status: c.status,
            url: c.url,
            tags: c.tags,
            category: c.category,
            category_name: c.coupon_category_name,
            folder: c.folder,
            folder_name: c.folder_name,
        }
    }
}

/// The filters of `coupon/list` as the screen sends them; blanks are no filter.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CampaignFilterInput {
    pub only_active: bool,
    pub tags: String,
    pub category: String,
    pub folder: String,
}

/// Checks the typed filters: tags are words split by commas, category and folder IDs.
pub fn filter_of(input: &CampaignFilterInput) -> Result<CampaignFilter, UiError> {
    let blank = |v: &str| {
        let v = v.trim();
        (!v.is_empty()).then(|| v.to_owned())
    };
    let tags = blank(&input.tags).map(|t| {
        t.split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(",")
    });
    let fits = |v: &str, extra: &[char]| {
        v.chars().count() <= 100
            && v.chars()
                .all(|c| c.is_alphanumeric() || extra.contains(&c) || c == '_' || c == '-')
    };
    if let Some(tags) = &tags {
        if !fits(tags, &[',', ' ']) {
            return Err(UiError {
                field: Some("tags".into()),
                ..UiError::new(
                    ErrorKind::Validation,
                    crate::i18n::t("campaignFilters.error.tags"),
                    crate::i18n::t("campaignFilters.error.tagsHint"),
                )
            });
        }
    }
    let category = blank(&input.category);
    let folder = blank(&input.folder);
    for (value, field) in [(&category, "category"), (&folder, "folder")] {
        if value.as_deref().is_some_and(|v| !fits(v, &[])) {
            return Err(UiError {
                field: Some(field.into()),
                ..UiError::new(
                    ErrorKind::Validation,
                    crate::i18n::t("campaignFilters.error.choice"),
                    crate::i18n::t("campaignFilters.error.choiceHint"),
                )
            });
        }
    }
    Ok(CampaignFilter {
        only_active: input.only_active,
        tags,
        // The list carries `cat_31`; the filter takes it so (§5.3), and a bare number too.
        category,
        folder,
    })
}

/// `coupon/list` with its filters (active, tags, category, folder), sorted by name.
#[tauri::command]
pub async fn list_campaigns_filtered(
    state: State<'_, AppState>,
    filter: CampaignFilterInput,
) -> Result<Vec<FilteredCampaign>, UiError> {
    let filter = filter_of(&filter)?;
    let account = active_account(&state).await?;
    let client = state.client_for(&account).await?;
    let mut campaigns: Vec<FilteredCampaign> = client
        .campaigns()
        .list(&filter)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    campaigns.sort_by_key(|c| c.name.to_lowercase());
    Ok(campaigns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::SingleUseCode;

    fn at(text: &str) -> Option<time::OffsetDateTime> {
        Some(
            time::PrimitiveDateTime::parse(
                text,
                time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]"),
            )
            .unwrap()
            .assume_utc(),
        )
    }

    fn session(
        opened: Option<&str>,
        claimed: Option<&str>,
        validated: Option<&str>,
    ) -> SessionData {
        SessionData {
            campaign: "cam_1".into(),
            code: SingleUseCode::new("x"),
            url: String::new(),
            sequence_id: None,
            custom_id: None,
            created_at: None,
            opened_at: opened.and_then(at),
            claimed_at: claimed.and_then(at),
            validated_at: validated.and_then(at),
            voided_at: None,
            validated: validated.and_then(at).is_some(),
            voided: false,
            expires_at: None,
            own_validation_code: None,
            locked: false,
            email: None,
            first_name: None,
            last_name: None,
            phone: None,
        }
    }

    #[test]
    fn usage_is_counted_per_day_and_in_rates() {
        let sessions = vec![
            session(
                Some("2026-11-01 10:00"),
                Some("2026-11-01 10:05"),
                Some("2026-11-02 12:00"),
            ),
            session(Some("2026-11-01 11:00"), None, None),
            session(None, None, None),
        ];
        let (summary, days) = summarize(&sessions);
        assert_eq!(
            (
                summary.sessions,
                summary.opened,
                summary.claimed,
                summary.validated
            ),
            (3, 2, 1, 1)
        );
        assert_eq!(summary.claim_rate, Some(0.5));
        assert_eq!(summary.use_rate, Some(1.0));
        assert_eq!(
            days,
            vec![
                DayCount {
                    day: "2026-11-01".into(),
                    opened: 2,
                    claimed: 1,
                    validated: 0
                },
                DayCount {
                    day: "2026-11-02".into(),
                    opened: 0,
                    claimed: 0,
                    validated: 1
                },
            ]
        );
        let (empty, none) = summarize(&[]);
        assert_eq!((empty.claim_rate, none.len()), (None, 0));
    }

    #[test]
    fn filters_are_trimmed_and_odd_characters_refused() {
        let filter = filter_of(&CampaignFilterInput {
            only_active: true,
            tags: " coffee , ,breakfast ".into(),
            category: "cat_31".into(),
            folder: " ".into(),
        })
        .unwrap();
        assert_eq!(filter.tags.as_deref(), Some("coffee,breakfast"));
        assert_eq!(filter.category.as_deref(), Some("cat_31"));
        assert_eq!(filter.folder, None);
        let bad = filter_of(&CampaignFilterInput {
            folder: "12/../x".into(),
            ..CampaignFilterInput::default()
        })
        .unwrap_err();
        assert_eq!(bad.field.as_deref(), Some("folder"));
        let bad = filter_of(&CampaignFilterInput {
            tags: "a<b".into(),
            ..CampaignFilterInput::default()
        })
        .unwrap_err();
        assert_eq!(bad.field.as_deref(), Some("tags"));
    }

    #[test]
    fn dates_and_lists_are_checked_in_plain_words() {
        assert!(date_of(Some("2026-13-01"), "usageStart", false).is_err());
        assert!(date_of(Some(" "), "usageStart", false).unwrap().is_none());
        assert!(list_of("used").is_err());
        let end = date_of(Some("2026-11-30"), "usageEnd", true)
            .unwrap()
            .unwrap();
        assert_eq!((end.hour(), end.minute()), (23, 59));
    }
}
