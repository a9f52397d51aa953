//! `SandboxControl`: the test's (or practice mode's) hand on a running sandbox.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use time::OffsetDateTime;

mod directories;
mod loyalty;
mod subaccounts;

use super::config::FailureStatus;
use super::faults::Fault;
use super::sends::SentEmail;
use super::sessions::SessionPush;
use super::state::Shared;

#[derive(Clone)]
pub struct SandboxControl {
    shared: Arc<Shared>,
}

impl SandboxControl {
    pub(crate) fn new(shared: Arc<Shared>) -> SandboxControl {
        SandboxControl { shared }
    }

    /// For the control methods that live next to their state (e.g. `loyalty_members`).
    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    /// The rate-limited mode from now on: `per_second` requests a second per account before
    /// 429 with `Retry-After` (0: no limit), `workers` requests handled at once (0: any number).
    pub fn set_rate_limit(&self, per_second: u32, workers: u32) {
        self.shared.update_settings(|s| {
            s.rate_limit_per_second = per_second;
            s.workers = workers;
        });
    }

    /// Requests the rate-limited mode answered 429 so far.
    pub fn rate_limited_count(&self) -> u64 {
        self.shared.limits.refused()
    }

    /// Every request that arrived while a rate limit was set: when, and the `Retry-After` of
    /// those refused. A test's check that nothing came during a pause.
    pub fn rate_limited_arrivals(&self) -> Vec<super::rate_limit::Arrival> {
        self.shared.limits.arrivals()
    }

    /// Delay added to every /v3 and /v4 request from now on.
    pub fn set_latency(&self, d: Duration) {
        self.shared.update_settings(|s| s.latency = d);
    }

    pub fn set_failure_status(&self, s: FailureStatus) {
        self.shared
            .update_settings(|settings| settings.failure_status = s);
    }

    /// Off: `send/email` answers error 104, as for an account without an e-mail platform.
    pub fn set_email_integration(&self, on: bool) {
        self.shared.update_settings(|s| s.email_integration = on);
    }

    /// How long `send/email` works on each request from now on, inside its handling: a client
    /// with a shorter timeout gives up while the e-mail is still being sent, and it is sent.
    pub fn set_slow_handling(&self, d: Duration) {
        self.shared.update_settings(|s| s.slow_handling = d);
    }

    /// Off: `send/email` checks `check_unique` before its `slow_handling` wait and records the
    /// send after it, so two racing requests for one address both send. On (default): check
    /// and record under one lock.
    pub fn set_atomic_check_unique(&self, on: bool) {
        self.shared.update_settings(|s| s.atomic_check_unique = on);
    }

    /// Sets the server's clock this far from the real one (negative: behind). It stamps what it
    /// makes with that clock and sends it in `Date`: the same as a computer whose clock is off
    /// by the opposite amount.
    pub fn set_clock_offset(&self, offset: time::Duration) {
        let ms = i64::try_from(offset.whole_milliseconds()).unwrap_or(0);
        self.shared.update_settings(|s| s.clock_offset_ms = ms);
    }

    /// On: `amount_of_results` of `campaign/data` and its siblings counts the page's rows, not
    /// every matching session.
    pub fn set_count_per_page(&self, on: bool) {
        self.shared.update_settings(|s| s.count_per_page = on);
    }

    /// On: `campaign/data` rows carry no `session_url` and no `created_date_utc`, as two
    /// public clients saw them (§5.3); `couponsession/data` still has both.
    pub fn set_lean_session_rows(&self, on: bool) {
        self.shared.update_settings(|s| s.lean_session_rows = on);
    }

    /// The server's clock now.
    pub fn server_now(&self) -> OffsetDateTime {
        OffsetDateTime::from(self.shared.now())
    }

    /// The next `times` requests on /v3 or /v4 (any path) go wrong this way.
    pub fn inject(&self, fault: Fault, times: u32) {
        self.shared.faults().push(None, fault, times);
    }

    /// The next `times` requests whose path ends with `path_suffix` (e.g. "send/email") go
    /// wrong this way; other requests are not affected and do not use it up.
    pub fn inject_on(&self, path_suffix: &str, fault: Fault, times: u32) {
        self.shared.faults().push(Some(path_suffix), fault, times);
    }

    pub fn clear_faults(&self) {
        self.shared.faults().clear();
    }

    /// E-mails actually sent to that address (case-insensitive), any campaign. Skipped sends
    /// (`already_sent`), bounces and failed requests do not count.
    pub fn emails_sent_to(&self, email: &str) -> u32 {
        self.shared.sends().count_to(email)
    }

    /// Every remembered send, oldest first.
    pub fn emails_sent(&self) -> Vec<SentEmail> {
        self.shared.sends().all()
    }

    /// `send/email` requests for that address (case-insensitive) that reached the handler,
    /// whatever their result: refused, skipped, sent, and faulted after handling alike.
    pub fn send_requests_for(&self, email: &str) -> u32 {
        self.shared.send_requests().received_for(email)
    }

    /// The highest number of `send/email` requests for one and the same address that were
    /// being handled at the same moment, since the sandbox started.
    pub fn max_concurrent_sends_for_one_address(&self) -> u32 {
        self.shared.send_requests().max_in_flight()
    }

    /// Live sessions of the campaign: made by `send/email`, `singleuse/create` or
    /// `multiplesingleuse/create` and not removed (nor forgotten past the store's cap).
    pub fn sessions_in_campaign(&self, campaign: &str) -> usize {
        self.shared.sessions().live_in_campaign(campaign)
    }

    /// Live sessions of the campaign held by this e-mail address (any case).
    pub fn sessions_for_email(&self, campaign: &str, email: &str) -> usize {
        self.shared
            .sessions()
            .search(email.trim(), Some(campaign))
            .len()
    }

    /// Whether a live session has this full 21-character code.
    pub fn session_exists(&self, code: &str) -> bool {
        self.shared.sessions().exists(code)
    }

    /// A live session's life cycle, by its 21-character code or 6-character short form.
    pub fn session_state(&self, code: &str) -> Option<SessionSnapshot> {
        let sessions = self.shared.sessions();
        let s = sessions.find(code.trim())?;
        let at = |t: Option<SystemTime>| t.map(OffsetDateTime::from);
        Some(SessionSnapshot {
            campaign: s.campaign.clone(),
            code: s.code.clone(),
            created_at: OffsetDateTime::from(s.created),
            opened_at: at(s.opened),
            claimed_at: at(s.claimed),
            validated_at: at(s.validated),
            validation_value: (!s.validation_value.is_empty()).then(|| s.validation_value.clone()),
            times_validated: s.times_validated,
            voided: s.voided.is_some(),
            voided_at: at(s.voided),
            unvoided_at: at(s.unvoided),
            expires_at: at(s.expires),
            locked: s.locked,
            in_wallet: s.saved_to_wallet.is_some(),
        })
    }

    /// How many of the campaign's live sessions reached each step.
    pub fn campaign_counts(&self, campaign: &str) -> CampaignCounts {
        let sessions = self.shared.sessions();
        let mut counts = CampaignCounts::default();
        for s in sessions.in_campaign(campaign) {
            counts.sessions += 1;
            counts.opened += usize::from(s.opened.is_some());
            counts.claimed += usize::from(s.claimed.is_some());
            counts.validated += usize::from(s.validated.is_some());
            counts.voided += usize::from(s.voided.is_some());
        }
        counts
    }

    /// Locks or unlocks a live session (a locked one cannot be claimed or validated: 309).
    /// False when there is no such session.
    pub fn set_session_locked(&self, code: &str, locked: bool) -> bool {
        match self.shared.sessions().find_mut(code.trim()) {
            Some(s) => {
                s.locked = locked;
                true
            }
            None => false,
        }
    }

    /// Sets (or clears) a live session's `expiration_date`; past it, claiming and validating
    /// are refused with 308. False when there is no such session.
    pub fn set_session_expiration(&self, code: &str, at: Option<OffsetDateTime>) -> bool {
        match self.shared.sessions().find_mut(code.trim()) {
            Some(s) => {
                s.expires = at.map(SystemTime::from);
                true
            }
            None => false,
        }
    }

    /// Every `coupon/pushnotification/single|all` that went through, oldest first.
    pub fn pushes_to_sessions(&self) -> Vec<SessionPush> {
        self.shared.sessions().pushes()
    }

    // ── Another desk at work on the same account (a second writer for the chaos tests). It
    // acts on the store directly, so it neither spends injected faults nor counts as requests.

    /// Another desk makes `count` links without a customer in the campaign; their codes.
    pub fn other_desk_makes_links(&self, campaign: &str, count: usize) -> Vec<String> {
        let Some(slug) = self
            .shared
            .shop
            .campaign(campaign)
            .map(|c| c.code.to_owned())
        else {
            return Vec::new();
        };
        let new = super::sessions::NewSession {
            campaign: campaign.to_owned(),
            slug,
            ..Default::default()
        };
        let now = self.shared.now();
        let mut sessions = self.shared.sessions();
        let ids = sessions.create_many(&new, count, |_| String::new(), now);
        sessions
            .in_campaign(campaign)
            .filter(|s| ids.contains(&s.sequence_id))
            .map(|s| s.code.clone())
            .collect()
    }

    /// The shop's active campaigns (their IDs).
    pub fn active_campaigns(&self) -> Vec<String> {
        self.shared
            .shop
            .campaigns
            .iter()
            .filter(|c| c.active)
            .map(|c| c.id.to_owned())
            .collect()
    }

    /// A customer opens a new coupon of the campaign now; its code.
    pub fn customer_opens(&self, campaign: &str) -> Option<String> {
        let code = self.other_desk_makes_links(campaign, 1).pop()?;
        let now = self.shared.now();
        let mut sessions = self.shared.sessions();
        sessions.find_mut(&code)?.opened = Some(now);
        Some(code)
    }

    /// The customer who opened `code` claims it now; false when it cannot be claimed.
    pub fn customer_claims(&self, code: &str) -> bool {
        let now = self.shared.now();
        match self.shared.sessions().find_mut(code) {
            Some(s)
                if s.opened.is_some() && s.claimed.is_none() && s.voided.is_none() && !s.locked =>
            {
                s.claimed = Some(now);
                true
            }
            _ => false,
        }
    }

    /// The customer who claimed `code` uses it now; false when it cannot be used.
    pub fn customer_uses(&self, code: &str) -> bool {
        let now = self.shared.now();
        match self.shared.sessions().find_mut(code) {
            Some(s)
                if s.claimed.is_some()
                    && s.validated.is_none()
                    && s.voided.is_none()
                    && !s.locked =>
            {
                s.validated = Some(now);
                s.times_validated += 1;
                true
            }
            _ => false,
        }
    }

    /// Another desk removes a link; false when it was not there.
    pub fn other_desk_removes(&self, campaign: &str, code: &str) -> bool {
        self.shared.sessions().remove(campaign, code)
    }

    /// Another desk marks a coupon as used; false when it could not (used, voided, …).
    pub fn other_desk_validates(&self, code: &str) -> bool {
        let now = self.shared.now();
        let mut sessions = self.shared.sessions();
        match sessions.find_mut(code) {
            Some(s) if s.validated.is_none() && s.voided.is_none() && !s.locked => {
                s.opened.get_or_insert(now);
                s.claimed.get_or_insert(now);
                s.validated = Some(now);
                s.times_validated += 1;
                true
            }
            _ => false,
        }
    }

    /// Requests received on /v3 and /v4 paths ending with `path_suffix`, faulted ones included.
    pub fn request_count(&self, path_suffix: &str) -> u32 {
        self.shared.request_count(path_suffix)
    }
}

/// One coupon session's life cycle, as a test reads it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSnapshot {
    pub campaign: String,
    /// The full 21-character code.
    pub code: String,
    pub created_at: OffsetDateTime,
    pub opened_at: Option<OffsetDateTime>,
    pub claimed_at: Option<OffsetDateTime>,
    pub validated_at: Option<OffsetDateTime>,
    /// The money spent, two decimals with a `.` (e.g. "12.50").
    pub validation_value: Option<String>,
    /// Validations accepted (a second one is refused, so at most 1).
    pub times_validated: u32,
    pub voided: bool,
    pub voided_at: Option<OffsetDateTime>,
    pub unvoided_at: Option<OffsetDateTime>,
    pub expires_at: Option<OffsetDateTime>,
    pub locked: bool,
    /// Saved to a wallet: `coupon/pushnotification/all` reaches it.
    pub in_wallet: bool,
}

/// A campaign's live sessions and how many were opened, claimed, validated and are voided.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CampaignCounts {
    pub sessions: usize,
    pub opened: usize,
    pub claimed: usize,
    pub validated: usize,
    pub voided: usize,
}

impl fmt::Debug for SandboxControl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxControl").finish_non_exhaustive()
    }
}
