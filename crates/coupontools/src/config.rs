//! What a client needs to know before its first call: where Coupontools lives, who we are, how
//! patient to be.

use std::fmt;
use std::time::Duration;

use super::retry::RetryPolicy;
use super::speed_control::SpeedMode;

/// The host the new documentation uses.
pub const DEFAULT_V3_BASE: &str = "https://api.coupontools.com/v3";
/// The old documentation's host; public clients use both in production (§1).
pub const ALT_V3_BASE: &str = "https://api4coupons.com/v3";
pub const DEFAULT_V4_BASE: &str = "https://api.coupontools.com/v4";

/// A per-request deadline long enough for Coupontools' slower calls (e-mail sending goes through
/// the account's e-mail provider) but short enough that a shop assistant is not left waiting.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A value that must never show up in logs, Debug output or error messages.
///
/// The only way to read it is [`Secret::expose`], so every place that sends it is easy to find.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The last four characters, so a person can tell two saved secrets apart.
    ///
    /// Empty for secrets shorter than 8 characters: there, four characters would give away half
    /// of the secret or all of it.
    pub fn last4(&self) -> String {
        let count = self.0.chars().count();
        if count < 8 {
            return String::new();
        }
        self.0.chars().skip(count - 4).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(••••)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("••••")
    }
}

/// The API client ID and secret from Coupontools → Settings → API.
///
/// v4 takes the same pair under other header names (§1), so one pair serves both families.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: Secret,
}

impl Credentials {
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Credentials {
            client_id: client_id.into(),
            client_secret: Secret::new(client_secret),
        }
    }
}

#[derive(Clone, Debug)]
pub struct ClientConfig {
    pub credentials: Credentials,
    pub v3_base: String,
    pub v4_base: String,
    pub timeout: Duration,
    pub retry: RetryPolicy,
    /// How the account's limiter finds its speed (Automatic, but for benchmarks).
    pub speed: SpeedMode,
}

impl ClientConfig {
    pub fn new(
        credentials: Credentials,
        v3_base: impl Into<String>,
        v4_base: impl Into<String>,
    ) -> Self {
        ClientConfig {
            credentials,
            v3_base: v3_base.into(),
            v4_base: v4_base.into(),
            timeout: DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
            speed: SpeedMode::Automatic,
        }
    }

    /// The real Coupontools hosts.
    pub fn production(credentials: Credentials) -> Self {
        ClientConfig::new(credentials, DEFAULT_V3_BASE, DEFAULT_V4_BASE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_shows_in_debug_or_display() {
        let secret = Secret::new("s3cr3t-VALUE-1234");
        let creds = Credentials {
            client_id: "id-42".into(),
            client_secret: secret.clone(),
        };
        let config = ClientConfig::new(creds.clone(), DEFAULT_V3_BASE, DEFAULT_V4_BASE);
        for shown in [
            format!("{secret:?}"),
            format!("{secret}"),
            format!("{creds:?}"),
            format!("{config:?}"),
            format!("{config:#?}"),
        ] {
            assert!(!shown.contains("s3cr3t"), "secret leaked: {shown}");
            assert!(!shown.contains("1234"), "secret tail leaked: {shown}");
        }
        assert!(
            format!("{creds:?}").contains("id-42"),
            "the client ID is not secret"
        );
        assert_eq!(secret.expose(), "s3cr3t-VALUE-1234");
    }

    #[test]
    fn last4_shows_the_tail_only_of_long_secrets() {
        assert_eq!(Secret::new("abcdefgh1234").last4(), "1234");
        assert_eq!(Secret::new("ab€defgh").last4(), "efgh");
        assert_eq!(Secret::new("short12").last4(), "");
        assert_eq!(Secret::new("").last4(), "");
    }

    #[test]
    fn new_fills_defaults() {
        let config = ClientConfig::new(Credentials::new("a", "b"), ALT_V3_BASE, DEFAULT_V4_BASE);
        assert_eq!(config.timeout, Duration::from_secs(30));
        assert_eq!(config.retry, RetryPolicy::default());
        assert_eq!(config.v3_base, "https://api4coupons.com/v3");
    }
}
