//! The record of e-mails the sandbox pretends to have sent: who got which coupon, with which
//! single-use code and when; and the count of `send/email` requests per address, with how many
//! of them were handled at the same moment. Bounded: past the cap the oldest sends are forgotten.

use std::collections::{HashMap, VecDeque};
use std::time::SystemTime;

/// Large enough for any test or practice session, small enough (~20 MB worst case) to keep.
pub(crate) const MAX_REMEMBERED_SENDS: usize = 100_000;

/// Distinct addresses whose `send/email` requests are counted; requests for further addresses
/// are not counted (a test never comes near this).
pub(crate) const MAX_COUNTED_ADDRESSES: usize = 100_000;

#[cfg(test)]
use super::sessions::FIRST_SEQUENCE_ID;

/// One e-mail the sandbox "sent": the coupon session it created for the recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentEmail {
    /// `cam_…` or `dir_…`, as the request named it.
    pub campaign: String,
    /// The address as the request spelled it.
    pub email: String,
    /// As the request gave them; empty if it did not.
    pub first_name: String,
    pub last_name: String,
    pub single_use_code: String,
    pub single_use_url: String,
    /// The session's `sequenceid`: unique, counting up in the order of the sends.
    pub sequence_id: u64,
    /// When it was sent (recorded); `couponsession/search` answers it as `created_date_utc`.
    pub at: SystemTime,
}

/// Who a send goes to, as the request named them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Recipient {
    pub(crate) email: String,
    pub(crate) first_name: String,
    pub(crate) last_name: String,
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
    #[cfg(test)]
    next_sequence_id: u64,
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
            #[cfg(test)]
            next_sequence_id: FIRST_SEQUENCE_ID,
        }
    }

    pub(crate) fn previous(&self, campaign: &str, email: &str) -> Option<&Delivery> {
        self.latest
            .get(&(campaign.to_owned(), email.to_lowercase()))
    }

    /// Remembers a send made now, numbered by the log itself (tests; the server numbers sends
    /// by their session, see [`SendLog::record_as`]).
    #[cfg(test)]
    pub(crate) fn record(&mut self, campaign: &str, to: &Recipient, delivery: Delivery) {
        let sequence_id = self.next_sequence_id;
        self.next_sequence_id = self.next_sequence_id.saturating_add(1);
        self.record_as(campaign, to, delivery, sequence_id, SystemTime::now());
    }

    /// Remembers a send whose session has this `sequenceid` and creation time.
    pub(crate) fn record_as(
        &mut self,
        campaign: &str,
        to: &Recipient,
        delivery: Delivery,
        sequence_id: u64,
        at: SystemTime,
    ) {
        if self.sent.len() >= self.cap {
            self.forget_oldest();
        }
        let address = to.email.to_lowercase();
        let count = self.per_address.entry(address.clone()).or_insert(0);
        *count = count.saturating_add(1);
        self.sent.push_back(SentEmail {
            campaign: campaign.to_owned(),
            email: to.email.clone(),
            first_name: to.first_name.clone(),
            last_name: to.last_name.clone(),
            single_use_code: delivery.single_use_code.clone(),
            single_use_url: delivery.single_use_url.clone(),
            sequence_id,
            at,
        });
        self.latest.insert((campaign.to_owned(), address), delivery);
    }

    /// Every remembered send to `email` (any case), within `campaign` if given, newest first.
    /// (`couponsession/search` reads the session store, which knows removals.)
    #[cfg(test)]
    pub(crate) fn sends_to(&self, email: &str, campaign: Option<&str>) -> Vec<SentEmail> {
        let address = email.to_lowercase();
        if !self.per_address.contains_key(&address) {
            return Vec::new();
        }
        self.sent
            .iter()
            .rev()
            .filter(|s| campaign.is_none_or(|c| s.campaign == c))
            .filter(|s| s.email.to_lowercase() == address)
            .cloned()
            .collect()
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

/// `send/email` requests per address that reached the handler, whatever their result, and the
/// most that were being handled for one address at the same moment.
#[derive(Default)]
pub(crate) struct SendRequests {
    /// lower-cased address → requests received (capped at [`MAX_COUNTED_ADDRESSES`] addresses).
    received: HashMap<String, u32>,
    /// lower-cased address → requests being handled now; an entry leaves at 0.
    in_flight: HashMap<String, u32>,
    max_in_flight: u32,
}

impl SendRequests {
    /// A request for `email` starts being handled; pair with [`SendRequests::end`].
    pub(crate) fn begin(&mut self, email: &str) -> String {
        let address = email.to_lowercase();
        if self.received.contains_key(&address) || self.received.len() < MAX_COUNTED_ADDRESSES {
            let count = self.received.entry(address.clone()).or_insert(0);
            *count = count.saturating_add(1);
        }
        let now = self.in_flight.entry(address.clone()).or_insert(0);
        *now = now.saturating_add(1);
        self.max_in_flight = self.max_in_flight.max(*now);
        address
    }

    /// The request `begin` returned `address` for is done (answered, failed or abandoned).
    pub(crate) fn end(&mut self, address: &str) {
        if let Some(now) = self.in_flight.get_mut(address) {
            *now = now.saturating_sub(1);
            if *now == 0 {
                self.in_flight.remove(address);
            }
        }
    }

    pub(crate) fn received_for(&self, email: &str) -> u32 {
        self.received
            .get(&email.to_lowercase())
            .copied()
            .unwrap_or(0)
    }

    pub(crate) fn max_in_flight(&self) -> u32 {
        self.max_in_flight
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to(email: &str) -> Recipient {
        Recipient {
            email: email.to_owned(),
            ..Recipient::default()
        }
    }

    fn delivery(code: &str) -> Delivery {
        Delivery {
            single_use_code: code.to_owned(),
            single_use_url: format!("https://digicpn.com/p/abc123/{code}"),
        }
    }

    #[test]
    fn counts_are_per_address_ignoring_case() {
        let mut log = SendLog::default();
        log.record("cam_1", &to("Ann@Shop.test"), delivery("a"));
        log.record("cam_2", &to("ann@shop.test"), delivery("b"));
        log.record("cam_1", &to("bob@shop.test"), delivery("c"));
        assert_eq!(log.count_to("ANN@SHOP.TEST"), 2);
        assert_eq!(log.count_to("bob@shop.test"), 1);
        assert_eq!(log.count_to("nobody@shop.test"), 0);
        assert_eq!(log.all()[0].email, "Ann@Shop.test");
    }

    #[test]
    fn previous_is_the_latest_delivery_of_that_campaign() {
        let mut log = SendLog::default();
        assert!(log.previous("cam_1", "a@b.test").is_none());
        log.record("cam_1", &to("a@b.test"), delivery("first"));
        log.record("cam_1", &to("A@B.test"), delivery("second"));
        assert_eq!(log.previous("cam_1", "a@b.TEST"), Some(&delivery("second")));
        assert!(log.previous("cam_2", "a@b.test").is_none());
    }

    #[test]
    fn sends_to_an_address_newest_first_with_or_without_campaign() {
        let mut log = SendLog::default();
        log.record("cam_1", &to("Ann@Shop.test"), delivery("a"));
        log.record("cam_2", &to("ann@shop.test"), delivery("b"));
        log.record("cam_1", &to("bob@shop.test"), delivery("c"));
        log.record(
            "cam_1",
            &Recipient {
                email: "ANN@shop.test".into(),
                first_name: "Ann".into(),
                last_name: "Lee".into(),
            },
            delivery("d"),
        );
        let codes = |found: Vec<SentEmail>| -> Vec<String> {
            found.into_iter().map(|s| s.single_use_code).collect()
        };
        assert_eq!(codes(log.sends_to("ann@SHOP.test", None)), ["d", "b", "a"]);
        assert_eq!(
            codes(log.sends_to("ann@shop.test", Some("cam_1"))),
            ["d", "a"]
        );
        assert!(log.sends_to("ann@shop.test", Some("cam_3")).is_empty());
        assert!(log.sends_to("nobody@shop.test", None).is_empty());
        let newest = &log.sends_to("ann@shop.test", None)[0];
        assert_eq!(
            (newest.first_name.as_str(), newest.last_name.as_str()),
            ("Ann", "Lee")
        );
        assert_eq!(newest.single_use_url, "https://digicpn.com/p/abc123/d");
        let ids: Vec<u64> = log.all().iter().map(|s| s.sequence_id).collect();
        assert_eq!(
            ids,
            (FIRST_SEQUENCE_ID..FIRST_SEQUENCE_ID + 4).collect::<Vec<_>>()
        );
    }

    #[test]
    fn send_requests_count_per_address_and_the_most_at_once() {
        let mut r = SendRequests::default();
        let a = r.begin("Ann@Shop.test");
        let a2 = r.begin("ann@shop.TEST");
        let b = r.begin("bob@shop.test");
        assert_eq!(r.max_in_flight(), 2);
        r.end(&a);
        r.end(&a2);
        let a3 = r.begin("ann@shop.test");
        assert_eq!(r.max_in_flight(), 2, "the highest since start");
        r.end(&a3);
        r.end(&b);
        r.end(&b); // an extra end does no harm
        assert_eq!(r.received_for("ANN@shop.test"), 3);
        assert_eq!(r.received_for("bob@shop.test"), 1);
        assert_eq!(r.received_for("nobody@shop.test"), 0);
        assert!(r.in_flight.is_empty());
    }

    #[test]
    fn oldest_sends_are_forgotten_past_the_cap() {
        let mut log = SendLog::with_cap(3);
        log.record("cam_1", &to("a@b.test"), delivery("1"));
        log.record("cam_1", &to("x@b.test"), delivery("2"));
        log.record("cam_1", &to("a@b.test"), delivery("3"));
        log.record("cam_2", &to("y@b.test"), delivery("4"));
        assert_eq!(log.len(), 3);
        assert_eq!(log.count_to("a@b.test"), 1);
        // The pair still points at the newer send, so forgetting the older one keeps it.
        assert_eq!(log.previous("cam_1", "a@b.test"), Some(&delivery("3")));
        log.record("cam_2", &to("z@b.test"), delivery("5"));
        assert_eq!(log.count_to("x@b.test"), 0);
        assert!(log.previous("cam_1", "x@b.test").is_none());
        let codes: Vec<_> = log
            .recent(2)
            .into_iter()
            .map(|s| s.single_use_code)
            .collect();
        assert_eq!(codes, ["4", "5"]);
        assert!(
            log.sends_to("x@b.test", None).is_empty(),
            "a forgotten send is not found"
        );
    }
}
