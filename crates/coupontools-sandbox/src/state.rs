//! Everything one running sandbox remembers, shared by the server task and `SandboxControl`.
//! Plain mutexes: no lock is held across an `.await`, and every collection here is capped.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use axum::http::HeaderMap;

use super::auth::is_authorized;
use super::body::Params;
use super::config::{FailureStatus, SandboxConfig};
use super::directories::Directories;
use super::faults::FaultQueue;
use super::lock::lock;
use super::loyalty_members::Loyalty;
use super::rate_limit::RateLimits;
use super::seed::Shop;
use super::sends::{Delivery, Recipient, SendLog, SendRequests};
use super::sessions::{Customer, NewSession, SessionStore};
use super::subaccounts::Subaccounts;

/// Distinct paths whose requests are counted one by one; any further paths share one bucket,
/// so a client inventing endless paths cannot grow the table.
const MAX_COUNTED_PATHS: usize = 4096;
/// Longer paths are counted by their first characters.
const MAX_COUNTED_PATH_CHARS: usize = 256;
pub(crate) const OTHER_PATHS_KEY: &str = "(other paths)";

/// The part of the configuration that can change while the server runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Settings {
    pub(crate) latency: Duration,
    pub(crate) failure_status: FailureStatus,
    pub(crate) email_integration: bool,
    pub(crate) slow_handling: Duration,
    pub(crate) atomic_check_unique: bool,
    /// Off: `category/main/list` answers `{}`, as for an account without 3rd-level categories.
    pub(crate) third_level_categories: bool,
    /// The server's clock minus the real one, in milliseconds: what it stamps on what it makes
    /// and sends in `Date` (a computer whose clock is off is the same seen from the client).
    pub(crate) clock_offset_ms: i64,
    /// `campaign/data` and its siblings count this page's rows in `amount_of_results`, not
    /// every matching session (the docs do not say which; a client must be right under both).
    pub(crate) count_per_page: bool,
    /// `campaign/data` rows as two public clients saw them (§5.3): no `session_url`, and no
    /// `created_date_utc` in their `status`.
    pub(crate) lean_session_rows: bool,
    /// Requests a second per account before 429 (`rate_limit`); 0: no limit.
    pub(crate) rate_limit_per_second: u32,
    /// Requests handled at once (`rate_limit`); 0: as many as come.
    pub(crate) workers: u32,
}

/// Whose API keys a request carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Caller {
    Main,
    /// `sub_…`: sees the shop's data but may not manage subaccounts (102).
    Subaccount(String),
}

pub(crate) struct Shared {
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
    pub(crate) page_size: usize,
    pub(crate) shop: Shop,
    /// Loyalty cards and members, shared by v3 and v4 (`loyalty_members`).
    pub(crate) loyalty: Loyalty,
    /// Directories and their members (`directories`).
    pub(crate) directories: Directories,
    /// Subaccounts and their SSO tokens (`subaccounts`).
    pub(crate) subaccounts: Subaccounts,
    settings: Mutex<Settings>,
    faults: Mutex<FaultQueue>,
    sends: Mutex<SendLog>,
    sessions: Mutex<SessionStore>,
    send_requests: Mutex<SendRequests>,
    requests: Mutex<HashMap<String, u32>>,
    pub(crate) limits: RateLimits,
}

impl Shared {
    pub(crate) fn new(config: SandboxConfig) -> Shared {
        let mut shop = Shop::demo();
        if config.big_campaign_sessions > 0 {
            shop.campaigns.push(super::seed::big_campaign());
        }
        if let Some(keep) = config.shop_active_campaigns {
            for campaign in shop.campaigns.iter_mut().filter(|c| c.active).skip(keep) {
                campaign.active = false;
            }
        }
        let extra = config
            .extra_campaigns
            .min(super::config::MAX_EXTRA_CAMPAIGNS);
        shop.campaigns
            .extend((0..extra).map(super::seed::extra_campaign));
        let big = config.big_campaign_sessions;
        Shared {
            loyalty: Loyalty::new(&shop),
            directories: Directories::new(&shop),
            subaccounts: Subaccounts::new(),
            client_id: config.client_id,
            client_secret: config.client_secret,
            page_size: config.page_size.max(1),
            shop,
            settings: Mutex::new(Settings {
                latency: config.latency,
                failure_status: config.failure_status,
                email_integration: config.email_integration,
                slow_handling: config.slow_handling,
                atomic_check_unique: config.atomic_check_unique,
                third_level_categories: true,
                clock_offset_ms: 0,
                count_per_page: false,
                lean_session_rows: false,
                rate_limit_per_second: config.rate_limit_per_second,
                workers: config.workers,
            }),
            limits: RateLimits::default(),
            faults: Mutex::new(FaultQueue::default()),
            sends: Mutex::new(SendLog::default()),
            sessions: Mutex::new({
                let mut store = SessionStore::default();
                let now = std::time::SystemTime::now();
                super::lunch_deal::seed(&mut store, now);
                super::lunch_deal::seed_big(&mut store, now, big);
                store
            }),
            send_requests: Mutex::new(SendRequests::default()),
            requests: Mutex::new(HashMap::new()),
        }
    }

    /// Who is calling: the main account, a subaccount (by its own API keys), or nobody.
    pub(crate) fn caller(&self, headers: &HeaderMap, params: &Params) -> Option<Caller> {
        if is_authorized(headers, params, &self.client_id, &self.client_secret) {
            return Some(Caller::Main);
        }
        self.subaccounts
            .owner_of(|id, secret| is_authorized(headers, params, id, secret))
            .map(Caller::Subaccount)
    }

    pub(crate) fn settings(&self) -> Settings {
        *lock(&self.settings)
    }

    /// The server's clock (see `Settings::clock_offset_ms`).
    pub(crate) fn now(&self) -> std::time::SystemTime {
        let offset = self.settings().clock_offset_ms;
        let real = std::time::SystemTime::now();
        let shift = Duration::from_millis(offset.unsigned_abs());
        if offset >= 0 {
            real + shift
        } else {
            real.checked_sub(shift).unwrap_or(real)
        }
    }

    /// The server's clock, to the second, as `created_at` fields carry it.
    pub(crate) fn now_utc(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::from(self.now())
            .replace_nanosecond(0)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
    }

    pub(crate) fn update_settings(&self, change: impl FnOnce(&mut Settings)) -> Settings {
        let mut settings = lock(&self.settings);
        change(&mut settings);
        *settings
    }

    pub(crate) fn faults(&self) -> MutexGuard<'_, FaultQueue> {
        lock(&self.faults)
    }

    pub(crate) fn sends(&self) -> MutexGuard<'_, SendLog> {
        lock(&self.sends)
    }

    /// Lock order: whoever holds the send log may take the sessions, never the other way round.
    pub(crate) fn sessions(&self) -> MutexGuard<'_, SessionStore> {
        lock(&self.sessions)
    }

    /// Records an e-mail sent now: its coupon session in the store (which numbers it) and the
    /// send in the log. The caller holds the send log. Returns the delivery as recorded.
    pub(crate) fn record_send(
        &self,
        sends: &mut SendLog,
        campaign: &str,
        slug: &str,
        to: &Recipient,
        delivery: &Delivery,
    ) -> Delivery {
        let now = self.now();
        let new = NewSession {
            campaign: campaign.to_owned(),
            slug: slug.to_owned(),
            customer: Customer {
                email: to.email.clone(),
                first_name: to.first_name.clone(),
                last_name: to.last_name.clone(),
                phone: String::new(),
            },
            ..NewSession::default()
        };
        let (sequence_id, code, url) = {
            let mut sessions = self.sessions();
            let session = sessions.insert(new, delivery.single_use_code.clone(), now);
            (
                session.sequence_id,
                session.code.clone(),
                session.url.clone(),
            )
        };
        let delivery = Delivery {
            single_use_code: code,
            single_use_url: url,
        };
        sends.record_as(campaign, to, delivery.clone(), sequence_id, now);
        delivery
    }

    pub(crate) fn send_requests(&self) -> MutexGuard<'_, SendRequests> {
        lock(&self.send_requests)
    }

    pub(crate) fn count_request(&self, path: &str) {
        let key: String = path.chars().take(MAX_COUNTED_PATH_CHARS).collect();
        let mut requests = lock(&self.requests);
        let key = if requests.contains_key(&key) || requests.len() < MAX_COUNTED_PATHS {
            key
        } else {
            OTHER_PATHS_KEY.to_owned()
        };
        let count = requests.entry(key).or_insert(0);
        *count = count.saturating_add(1);
    }

    pub(crate) fn request_count(&self, path_suffix: &str) -> u32 {
        lock(&self.requests)
            .iter()
            .filter(|(path, _)| path.ends_with(path_suffix))
            .fold(0u32, |sum, (_, n)| sum.saturating_add(*n))
    }

    pub(crate) fn request_counts(&self) -> HashMap<String, u32> {
        lock(&self.requests).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_counts_match_by_suffix() {
        let shared = Shared::new(SandboxConfig::default());
        shared.count_request("/v3/send/email");
        shared.count_request("/v3/send/email");
        shared.count_request("/v3/coupon/list");
        assert_eq!(shared.request_count("send/email"), 2);
        assert_eq!(shared.request_count("/v3/coupon/list"), 1);
        assert_eq!(shared.request_count(""), 3);
        assert_eq!(shared.request_count("nothing"), 0);
    }

    #[test]
    fn counted_paths_are_capped() {
        let shared = Shared::new(SandboxConfig::default());
        for i in 0..(MAX_COUNTED_PATHS + 10) {
            shared.count_request(&format!("/v3/made/up/{i}"));
        }
        let counts = shared.request_counts();
        assert_eq!(counts.len(), MAX_COUNTED_PATHS + 1);
        assert_eq!(counts.get(OTHER_PATHS_KEY), Some(&10));
        assert_eq!(shared.request_count(""), (MAX_COUNTED_PATHS + 10) as u32);
    }

    #[test]
    fn page_size_zero_becomes_one() {
        let shared = Shared::new(SandboxConfig {
            page_size: 0,
            ..SandboxConfig::default()
        });
        assert_eq!(shared.page_size, 1);
    }
}
