//! Reads what happened today in an account's active campaigns: `campaign/opens`, `/claims` and
//! `/validations` of each, from the latest event it has (with an overlap it de-duplicates), within
//! a budget of requests a minute for the whole account.
//!
//! The date filter (a decision where the docs are silent, §10-style; the sandbox follows it):
//! `start_date` applies to the list's own event — the opening, the claim, the validation — in UTC
//! to the minute, inclusive. A list is read page by page until a page brings nothing this read
//! has not seen (an empty page, or a server that ignores `page`): whether `amount_of_results`
//! counts the page or the list is not documented.

use std::collections::HashSet;
use std::time::Duration;

use tokio::time::Instant;

use crate::api::{
    ApiError, CampaignFilter, CampaignSessionsQuery, Client, SessionData, SessionList,
};
use crate::jobs::{JobError, JobManager};
use crate::today::budget::PollBudget;
use crate::today::store::{self, EventKind, TodayEvent};

/// Each read starts this long before the latest event stored: the filter is to the minute, and
/// an event may be recorded a little after the moment it carries.
pub const OVERLAP_MS: i64 = 2 * 60_000;
/// With nothing stored yet, a read goes this far back: today, wherever the shop is.
pub const FIRST_READ_MS: i64 = 26 * 3_600_000;
/// The list of active campaigns is read again after this long.
const CAMPAIGNS_FRESH: Duration = Duration::from_secs(600);
/// Uses first: a coupon used at another desk is what a desk most wants to hear about soon.
pub const READ_ORDER: [EventKind; 3] = [EventKind::Used, EventKind::Claimed, EventKind::Opened];
/// Pages of one list read at most in one cycle (a server ignoring `page` must not spend the
/// whole allowance).
const MAX_PAGES_PER_LIST: u32 = 50;

#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Store(#[from] JobError),
}

pub struct TodayPoller {
    client: Client,
    jobs: JobManager,
    account_id: String,
    budget: PollBudget,
    /// The active campaigns: ID and name.
    campaigns: Vec<(String, String)>,
    campaigns_read: Option<Instant>,
}

impl TodayPoller {
    pub fn new(client: Client, jobs: JobManager, account_id: &str, budget: PollBudget) -> Self {
        TodayPoller {
            client,
            jobs,
            account_id: account_id.to_owned(),
            budget,
            campaigns: Vec::new(),
            campaigns_read: None,
        }
    }

    /// The active campaigns as last read: ID and name.
    pub fn campaign_names(&self) -> &[(String, String)] {
        &self.campaigns
    }

    /// Reads every active campaign's three lists once; returns the events new to the store
    /// (for notifications). An error ends the cycle; what was stored stays.
    pub async fn poll_once(&mut self) -> Result<Vec<TodayEvent>, PollError> {
        self.read_campaigns_if_stale().await?;
        let mut added = Vec::new();
        for kind in READ_ORDER {
            self.read_kind(kind, &mut added).await?;
        }
        self.forget_old()?;
        Ok(added)
    }

    /// The list of active campaigns, read again once it is [`CAMPAIGNS_FRESH`] old.
    pub async fn read_campaigns_if_stale(&mut self) -> Result<(), PollError> {
        if self
            .campaigns_read
            .is_some_and(|at| at.elapsed() < CAMPAIGNS_FRESH)
        {
            return Ok(());
        }
        self.budget.take().await;
        let filter = CampaignFilter {
            only_active: true,
            ..CampaignFilter::default()
        };
        self.campaigns = self
            .client
            .campaigns()
            .list(&filter)
            .await?
            .into_iter()
            .map(|c| {
                let name = if c.name.is_empty() { c.title } else { c.name };
                (c.id, name)
            })
            .collect();
        self.campaigns_read = Some(Instant::now());
        Ok(())
    }

    /// One kind's list of every active campaign; the events new to the store go into `added`,
    /// so those stored before a failure are still there for the caller to tell.
    pub async fn read_kind(
        &mut self,
        kind: EventKind,
        added: &mut Vec<TodayEvent>,
    ) -> Result<(), PollError> {
        let campaigns: Vec<String> = self.campaigns.iter().map(|(id, _)| id.clone()).collect();
        for campaign in campaigns {
            added.extend(self.read_list(&campaign, kind).await?);
        }
        Ok(())
    }

    /// Now by the server's clock (as its replies' `Date` told it), ms since 1970.
    pub fn server_now_ms(&self) -> i64 {
        server_now_ms(&self.client)
    }

    /// Forgets the account's events older than the store keeps.
    pub fn forget_old(&self) -> Result<(), PollError> {
        let (account, now_ms) = (self.account_id.clone(), server_now_ms(&self.client));
        self.jobs
            .with_database(move |conn| store::forget_old(conn, &account, now_ms))?;
        Ok(())
    }

    async fn read_list(
        &mut self,
        campaign: &str,
        kind: EventKind,
    ) -> Result<Vec<TodayEvent>, PollError> {
        let now_ms = server_now_ms(&self.client);
        let (account, campaign_owned) = (self.account_id.clone(), campaign.to_owned());
        let latest = self
            .jobs
            .with_database(move |conn| store::latest(conn, &account, &campaign_owned, kind))?;
        let from_ms = latest
            .map_or(now_ms - FIRST_READ_MS, |at| at - OVERLAP_MS)
            .max(now_ms - FIRST_READ_MS);
        let query = CampaignSessionsQuery {
            campaign: campaign.to_owned(),
            start: time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(from_ms) * 1_000_000)
                .ok(),
            end: None,
        };
        let list = match kind {
            EventKind::Opened => SessionList::Opens,
            EventKind::Claimed => SessionList::Claims,
            EventKind::Used => SessionList::Validations,
        };
        let mut seen = HashSet::new();
        let mut events = Vec::new();
        for page in 1..=MAX_PAGES_PER_LIST {
            self.budget.take().await;
            let rows = match self
                .client
                .campaigns()
                .sessions_page(list, &query, page)
                .await
            {
                Ok((rows, _)) => rows,
                Err(e) if page > 1 && e.is_refusal_of_page() => break,
                Err(e) => return Err(e.into()),
            };
            let before = seen.len();
            for session in rows {
                if seen.insert(session.code.as_str().to_owned()) {
                    events.extend(event_of(campaign, kind, &session));
                }
            }
            if seen.len() == before {
                break;
            }
        }
        let account = self.account_id.clone();
        let stored_at = server_now_ms(&self.client);
        Ok(self
            .jobs
            .with_database(move |conn| store::add_new(conn, &account, &events, stored_at))?)
    }
}

/// The event a session of the list stands for, when it carries its time.
fn event_of(campaign: &str, kind: EventKind, session: &SessionData) -> Option<TodayEvent> {
    let at = match kind {
        EventKind::Opened => session.opened_at,
        EventKind::Claimed => session.claimed_at,
        EventKind::Used => session.validated_at.filter(|_| session.validated),
    }?;
    Some(TodayEvent {
        campaign: if session.campaign.is_empty() {
            campaign.to_owned()
        } else {
            session.campaign.clone()
        },
        kind,
        code: session.code.as_str().to_owned(),
        at_ms: (at.unix_timestamp_nanos() / 1_000_000) as i64,
    })
}

fn server_now_ms(client: &Client) -> i64 {
    (client.server_clock().now().unix_timestamp_nanos() / 1_000_000) as i64
}
