//! How a sandbox is set up when it starts; most of it can be changed later through `SandboxControl`.

use std::fmt;
use std::time::Duration;

/// Demo API client ID. Real client IDs are long numeric strings (API reference §3).
pub const DEMO_CLIENT_ID: &str = "5082736419027364518290374615";
/// Demo API client secret: 30 alphanumerics, like a real one (API reference §3).
pub const DEMO_CLIENT_SECRET: &str = "sbxDemo7Kq2Lm9Pz4Rt6Vw8Yb3Nc5H";

/// Which HTTP status a v3 failure is answered with. The body is the same either way (§10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailureStatus {
    /// Every v3 failure comes back as HTTP 200; only the body says it failed.
    #[default]
    Http200,
    /// Auth failures come back as HTTP 401, all other v3 failures as HTTP 422.
    Semantic,
}

impl FailureStatus {
    /// The spelling used on the command line and in the control API.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureStatus::Http200 => "http200",
            FailureStatus::Semantic => "semantic",
        }
    }

    pub fn parse(text: &str) -> Option<FailureStatus> {
        match text.trim().to_ascii_lowercase().as_str() {
            "http200" | "200" => Some(FailureStatus::Http200),
            "semantic" => Some(FailureStatus::Semantic),
            _ => None,
        }
    }
}

#[derive(Clone)]
pub struct SandboxConfig {
    pub client_id: String,
    pub client_secret: String,
    pub failure_status: FailureStatus,
    /// Added to every /v3 and /v4 request before it is handled.
    pub latency: Duration,
    /// Whether the pretend account has an e-mail marketing platform connected (error 104 if not).
    pub email_integration: bool,
    /// Rows per page for paged v3 lists (`directoryusers/list`). 0 is treated as 1.
    pub page_size: usize,
    /// How long `send/email` works on a request after reading it, before it decides and
    /// answers: a client with a shorter timeout gives up while the sandbox still works, and the
    /// e-mail is sent anyway. Unlike `latency`, this wait is inside the handling.
    pub slow_handling: Duration,
    /// On (the default): `check_unique`'s "sent before?" and the recording of the send happen
    /// under one lock, so two racing requests for one address send once. Off: the check runs
    /// before the `slow_handling` wait and the record after it, so racing requests both send,
    /// as a non-atomic real server could.
    pub atomic_check_unique: bool,
    /// Sessions of the benchmark's big campaign `cam_104299` "Lunch deal XL" (the usage
    /// benchmark asks 20 000). 0, the default: the campaign does not exist, so the practice
    /// shop stays small.
    pub big_campaign_sessions: usize,
    /// Customers a minute who open, claim or use a coupon of the demo shop by themselves (practice
    /// mode: a few); 0, the default: nobody but the tests.
    pub customers_per_minute: u32,
    /// Active campaigns added to the demo shop, `cam_200000` on (Today's budget test asks
    /// 50); at most [`MAX_EXTRA_CAMPAIGNS`]. 0, the default: the demo shop's own only.
    pub extra_campaigns: usize,
    /// At most this many of the demo shop's own campaigns stay active (the rest are paused), so
    /// an account with one active campaign can be measured; `None`, the default: as seeded.
    pub shop_active_campaigns: Option<usize>,
    /// The rate-limited mode: requests a second per account (client ID) before 429 with
    /// `Retry-After`; 0, the default: no limit.
    pub rate_limit_per_second: u32,
    /// Requests handled at once; more wait for a free worker, so answers slow down under load.
    /// 0, the default: as many as come.
    pub workers: u32,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            client_id: DEMO_CLIENT_ID.to_owned(),
            client_secret: DEMO_CLIENT_SECRET.to_owned(),
            failure_status: FailureStatus::Http200,
            latency: Duration::ZERO,
            email_integration: true,
            page_size: 100,
            slow_handling: Duration::ZERO,
            atomic_check_unique: true,
            big_campaign_sessions: 0,
            extra_campaigns: 0,
            shop_active_campaigns: None,
            customers_per_minute: 0,
            rate_limit_per_second: 0,
            workers: 0,
        }
    }
}

/// The most extra campaigns a sandbox makes.
pub const MAX_EXTRA_CAMPAIGNS: usize = 500;

// Hand-written so that the secret never reaches a log line through `{:?}`.
impl fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<hidden>")
            .field("failure_status", &self.failure_status)
            .field("latency", &self.latency)
            .field("email_integration", &self.email_integration)
            .field("page_size", &self.page_size)
            .field("slow_handling", &self.slow_handling)
            .field("atomic_check_unique", &self.atomic_check_unique)
            .field("big_campaign_sessions", &self.big_campaign_sessions)
            .field("extra_campaigns", &self.extra_campaigns)
            .field("shop_active_campaigns", &self.shop_active_campaigns)
            .field("customers_per_minute", &self.customers_per_minute)
            .field("rate_limit_per_second", &self.rate_limit_per_second)
            .field("workers", &self.workers)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_credentials_look_like_real_ones() {
        assert_eq!(DEMO_CLIENT_ID.len(), 28);
        assert!(DEMO_CLIENT_ID.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(DEMO_CLIENT_SECRET.len(), 30);
        assert!(DEMO_CLIENT_SECRET
            .bytes()
            .all(|b| b.is_ascii_alphanumeric()));
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let text = format!("{:?}", SandboxConfig::default());
        assert!(!text.contains(DEMO_CLIENT_SECRET));
        assert!(text.contains(DEMO_CLIENT_ID));
    }

    #[test]
    fn failure_status_round_trips_through_its_spelling() {
        for s in [FailureStatus::Http200, FailureStatus::Semantic] {
            assert_eq!(FailureStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(
            FailureStatus::parse(" Semantic "),
            Some(FailureStatus::Semantic)
        );
        assert_eq!(FailureStatus::parse("422"), None);
    }
}
