//! The handle the rest of the app holds. The calls themselves live in the domain files
//! (`coupons.rs`, `email.rs`, …), each as an `impl Client` block.

use std::fmt;
use std::sync::Arc;

use super::config::ClientConfig;
use super::error::ApiError;
use super::transport::Transport;
use super::validate::normalize_base_url;

/// A Coupontools client. Cloning is cheap and clones share one connection pool, so a bulk job
/// can hand a clone to every worker.
#[derive(Clone)]
pub struct Client {
    transport: Arc<Transport>,
}

impl Client {
    /// Checks both base URLs (https, or plain http to this computer only; trailing slashes are
    /// fine) and prepares the connection pool. Nothing is sent yet.
    pub fn new(config: ClientConfig) -> Result<Client, ApiError> {
        let v3 = normalize_base_url(&config.v3_base).map_err(|_| ApiError::InvalidBaseUrl {
            url: config.v3_base.clone(),
        })?;
        let v4 = normalize_base_url(&config.v4_base).map_err(|_| ApiError::InvalidBaseUrl {
            url: config.v4_base.clone(),
        })?;
        let transport = Transport::new(&config, v3, v4)?;
        Ok(Client {
            transport: Arc::new(transport),
        })
    }

    /// True when both are clones of one client (one connection pool, one limiter): a client
    /// built again after a new secret is not the same.
    pub fn is_same(&self, other: &Client) -> bool {
        Arc::ptr_eq(&self.transport, &other.transport)
    }

    pub(crate) fn transport(&self) -> &Transport {
        &self.transport
    }

    /// How long one request may take before the client gives up on its reply. A write may
    /// still be running on the server for a while after that.
    pub fn request_timeout(&self) -> std::time::Duration {
        self.transport.timeout()
    }

    /// The server's clock as its replies tell it: what "after our request left" means when
    /// the server's records are read back after a lost reply.
    pub fn server_clock(&self) -> &std::sync::Arc<super::server_clock::ServerClock> {
        self.transport.clock()
    }

    /// How fast the account may go now, and how often the server said "too fast": the
    /// limiter all of this client's clones share.
    pub fn speed_now(&self) -> super::limiter::SpeedNow {
        self.transport.limiter().speed_now()
    }

    pub fn v3_base(&self) -> &str {
        self.transport.v3_base()
    }

    pub fn v4_base(&self) -> &str {
        self.transport.v4_base()
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("v3_base", &self.v3_base())
            .field("v4_base", &self.v4_base())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Credentials;

    fn config(v3: &str, v4: &str) -> ClientConfig {
        ClientConfig::new(Credentials::new("client-id", "client-secret-value"), v3, v4)
    }

    #[test]
    fn a_clone_is_the_same_client_and_a_new_one_is_not() {
        let make = || Client::new(config("https://a.example/v3", "https://a.example/v4")).unwrap();
        let first = make();
        assert!(first.is_same(&first.clone()));
        assert!(
            !first.is_same(&make()),
            "built again (a new secret): another client"
        );
    }

    #[test]
    fn base_urls_are_checked_and_trailing_slashes_tolerated() {
        let client = Client::new(config(
            "https://api4coupons.com/v3/",
            "http://127.0.0.1:9/v4//",
        ))
        .unwrap();
        assert_eq!(client.v3_base(), "https://api4coupons.com/v3");
        assert_eq!(client.v4_base(), "http://127.0.0.1:9/v4");

        for (v3, v4, bad) in [
            (
                "api.coupontools.com/v3",
                "https://api.coupontools.com/v4",
                "api.coupontools.com/v3",
            ),
            ("https://api.coupontools.com/v3", "ftp://x/v4", "ftp://x/v4"),
            ("", "https://api.coupontools.com/v4", ""),
        ] {
            match Client::new(config(v3, v4)) {
                Err(ApiError::InvalidBaseUrl { url }) => assert_eq!(url, bad),
                other => panic!("{v3} {v4}: {other:?}"),
            }
        }
    }

    #[test]
    fn plain_http_to_another_computer_is_refused_so_the_secret_never_travels_unencrypted() {
        for (v3, v4, bad) in [
            (
                "http://api.coupontools.com/v3",
                "https://api.coupontools.com/v4",
                "http://api.coupontools.com/v3",
            ),
            (
                "https://api.coupontools.com/v3",
                "http://192.168.0.7:8080/v4",
                "http://192.168.0.7:8080/v4",
            ),
        ] {
            match Client::new(config(v3, v4)) {
                Err(e @ ApiError::InvalidBaseUrl { .. }) => {
                    let ApiError::InvalidBaseUrl { url } = &e else {
                        unreachable!()
                    };
                    assert_eq!(url, bad);
                    let (message, hint) = e.words();
                    assert_eq!(message.key, "apiError.baseUrl.unencrypted.message");
                    assert_eq!(hint.key, "apiError.baseUrl.unencrypted.hint");
                }
                other => panic!("{v3} {v4}: {other:?}"),
            }
        }
        assert!(Client::new(config("http://localhost:8080/v3", "http://[::1]:8080/v4")).is_ok());
    }

    #[test]
    fn debug_shows_no_credentials() {
        let client = Client::new(config("https://a.example/v3", "https://a.example/v4")).unwrap();
        let shown = format!("{client:?}");
        assert!(shown.contains("a.example/v3"));
        assert!(
            !shown.contains("client-secret-value") && !shown.contains("client-id"),
            "{shown}"
        );
    }
}
