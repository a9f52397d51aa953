//! The record of e-mails the sandbox pretends to have sent: who got which coupon, with which
//! single-use code. Bounded: past the cap the oldest sends are forgotten.

use std::collections::{HashMap, VecDeque};
use std::time::SystemTime;

/// Large enough for any test or practice session, small enough (~20 MB worst case) to keep.
pub(crate) const MAX_REMEMBERED_SENDS: usize = 100_000;

/// One e-mail the sandbox "sent".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentEmail {
    /// `cam_…` or `dir_…`, as the request named it.
    pub campaign: String,
    /// The address as the request spelled it.
    pub email: String,
    pub single_use_code: String,
    pub at: SystemTime,
}

/// What an address last received for a campaign, for `check_unique`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Delivery {
    pub(crate) single_use_code: String,
    pub(crate) single_use_url: String,
}

pub(crate) struct SendLog {
    cap: usize,
    sent: VecDeque<SentEmail>,
    /// (campaign, lower-cased address) → the latest delivery still remembered.
    latest: HashMap<(String, String), Delivery>,
    /// lower-cased address → sends still remembered.
    per_address: HashMap<String, u32>,
}

impl Default for SendLog {
    fn default() -> Self {
        SendLog::with_cap(MAX_REMEMBERED_SENDS)
    }
}

impl SendLog {
    pub(crate) fn with_cap(cap: usize) -> SendLog {
        SendLog {
            cap: cap.max(1),
            sent: VecDeque::new(),
            latest: HashMap::new(),
            per_address: HashMap::new(),
        }
    }

    pub(crate) fn previous(&self, campaign: &str, email: &str) -> Option<&Delivery> {
        self.latest
            .get(&(campaign.to_owned(), email.to_lowercase()))
    }

    pub(crate) fn record(&mut self, campaign: &str, email: &str, delivery: Delivery) {
        if self.sent.len() >= self.cap {
            self.forget_oldest();
        }
        let address = email.to_lowercase();
        let count = self.per_address.entry(address.clone()).or_insert(0);
        *count = count.saturating_add(1);
        self.sent.push_back(SentEmail {
            campaign: campaign.to_owned(),
            email: email.to_owned(),
            single_use_code: delivery.single_use_code.clone(),
            at: SystemTime::now(),
        });
        self.latest.insert((campaign.to_owned(), address), delivery);
    }

    fn forget_oldest(&mut self) {
        let Some(old) = self.sent.pop_front() else {
            return;
        };
        let address = old.email.to_lowercase();
        if let Some(count) = self.per_address.get_mut(&address) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                self.per_address.remove(&address);
            }
        }
        let key = (old.campaign, address);
        // Only forget the pair if a later send has not replaced it.
        if self
            .latest
            .get(&key)
            .is_some_and(|d| d.single_use_code == old.single_use_code)
        {
            self.latest.remove(&key);
        }
    }

    pub(crate) fn count_to(&self, email: &str) -> u32 {
        self.per_address
            .get(&email.to_lowercase())
            .copied()
            .unwrap_or(0)
    }

    pub(crate) fn all(&self) -> Vec<SentEmail> {
        self.sent.iter().cloned().collect()
    }

    /// The last `n` sends, oldest first.
    pub(crate) fn recent(&self, n: usize) -> Vec<SentEmail> {
        let skip = self.sent.len().saturating_sub(n);
        self.sent.iter().skip(skip).cloned().collect()
    }

    pub(crate) fn len(&self) -> usize {
        self.sent.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(code: &str) -> Delivery {
        Delivery {
            single_use_code: code.to_owned(),
            single_use_url: format!("https://digicpn.com/p/abc123/{code}"),
        }
    }

    #[test]
    fn counts_are_per_address_ignoring_case() {
        let mut log = SendLog::default();
        log.record("cam_1", "Ann@Shop.test", delivery("a"));
        log.record("cam_2", "ann@shop.test", delivery("b"));
        log.record("cam_1", "bob@shop.test", delivery("c"));
        assert_eq!(log.count_to("ANN@SHOP.TEST"), 2);
        assert_eq!(log.count_to("bob@shop.test"), 1);
        assert_eq!(log.count_to("nobody@shop.test"), 0);
        assert_eq!(log.all()[0].email, "Ann@Shop.test");
    }

    #[test]
    fn previous_is_the_latest_delivery_of_that_campaign() {
        let mut log = SendLog::default();
        assert!(log.previous("cam_1", "a@b.test").is_none());
        log.record("cam_1", "a@b.test", delivery("first"));
        log.record("cam_1", "A@B.test", delivery("second"));
        assert_eq!(log.previous("cam_1", "a@b.TEST"), Some(&delivery("second")));
        assert!(log.previous("cam_2", "a@b.test").is_none());
    }

    #[test]
    fn oldest_sends_are_forgotten_past_the_cap() {
        let mut log = SendLog::with_cap(3);
        log.record("cam_1", "a@b.test", delivery("1"));
        log.record("cam_1", "x@b.test", delivery("2"));
        log.record("cam_1", "a@b.test", delivery("3"));
        log.record("cam_2", "y@b.test", delivery("4"));
        assert_eq!(log.len(), 3);
        assert_eq!(log.count_to("a@b.test"), 1);
        // The pair still points at the newer send, so forgetting the older one keeps it.
        assert_eq!(log.previous("cam_1", "a@b.test"), Some(&delivery("3")));
        log.record("cam_2", "z@b.test", delivery("5"));
        assert_eq!(log.count_to("x@b.test"), 0);
        assert!(log.previous("cam_1", "x@b.test").is_none());
        let codes: Vec<_> = log
            .recent(2)
            .into_iter()
            .map(|s| s.single_use_code)
            .collect();
        assert_eq!(codes, ["4", "5"]);
    }
}
