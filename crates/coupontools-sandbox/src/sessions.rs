//! Every coupon session the sandbox hands out, whichever call made it: `send/email`,
//! `singleuse/create` and `multiplesingleuse/create`. `couponsession/data`, `campaign/data`,
//! `couponsession/search` and `singleuse/remove` read and change this one store.
//!
//! Bounded: past [`MAX_SESSIONS`] the oldest sessions are forgotten. Removed sessions stay in
//! the sequence (their numbers are never reused) but no lookup finds them any more.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::SystemTime;

use rand::Rng;

/// Room for five full `multiplesingleuse/create` calls (~150 MB worst case).
pub(crate) const MAX_SESSIONS: usize = 500_000;

/// The first session's `sequenceid` (the doc example's number), counting up per session.
pub(crate) const FIRST_SEQUENCE_ID: u64 = 19_878_460;

pub(crate) const SINGLE_USE_CODE_LEN: usize = 21;
const CODE_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// The customer a session was made for, as the request spelled it; empty where not given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Customer {
    pub(crate) email: String,
    pub(crate) first_name: String,
    pub(crate) last_name: String,
    pub(crate) phone: String,
}

/// What a new session starts with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct NewSession {
    pub(crate) campaign: String,
    /// The campaign's 6-character URL code.
    pub(crate) slug: String,
    pub(crate) customer: Customer,
    pub(crate) custom_id: String,
    pub(crate) custom_validation_code: String,
    /// `multiplesingleuse/create` with `status=voided`.
    pub(crate) voided: bool,
    /// `multiplesingleuse/create` with `status=activated`. SANDBOX DECISION (the docs do not
    /// say what "activated" means): the session counts as opened from its creation.
    pub(crate) activated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Session {
    pub(crate) campaign: String,
    /// 21 lower-case alphanumerics.
    pub(crate) code: String,
    /// `https://digicpn.com/p/<campaign code>/<code>`.
    pub(crate) url: String,
    pub(crate) sequence_id: u64,
    pub(crate) created: SystemTime,
    pub(crate) opened: Option<SystemTime>,
    pub(crate) voided: Option<SystemTime>,
    pub(crate) customer: Customer,
    pub(crate) custom_id: String,
    pub(crate) custom_validation_code: String,
    /// The life cycle a POS drives with `couponsession/update` (§5.3, §10): created → opened
    /// → claimed → validated; voided / un-voided at any time; expired past `expires`; a locked
    /// session cannot be claimed or validated.
    pub(crate) claimed: Option<SystemTime>,
    pub(crate) validated: Option<SystemTime>,
    /// The money spent, as the request spelled it with a `.` (e.g. "12.50"); empty if none.
    pub(crate) validation_value: String,
    pub(crate) unvoided: Option<SystemTime>,
    /// The last void's date: the help article's example keeps `voided_date_utc` after an undo
    /// (with `voided: "0"` and `unvoided_date_utc` set), so the sandbox does too.
    pub(crate) last_voided: Option<SystemTime>,
    pub(crate) expires: Option<SystemTime>,
    pub(crate) locked: bool,
    /// Saved to Apple / Google Wallet: a push notification reaches it (sandbox decision).
    pub(crate) saved_to_wallet: Option<SystemTime>,
    /// How often a validation was accepted (at most 1: a second one is refused).
    pub(crate) times_validated: u32,
    removed: bool,
}

pub(crate) struct SessionStore {
    cap: usize,
    /// In sequence order: `sessions[i].sequence_id == first_sequence_id + i`.
    sessions: VecDeque<Session>,
    first_sequence_id: u64,
    /// Live sessions only.
    by_code: HashMap<String, u64>,
    /// Sequence ids per campaign, oldest first (removed ones included until forgotten).
    per_campaign: HashMap<String, VecDeque<u64>>,
    /// `coupon/pushnotification/single|all`, oldest first, at most [`MAX_REMEMBERED_PUSHES`].
    pushes: VecDeque<SessionPush>,
}

/// Pushes remembered for `SandboxControl::pushes_to_sessions`; older ones are forgotten.
const MAX_REMEMBERED_PUSHES: usize = 1000;

/// A push notification the sandbox "sent" to coupon holders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionPush {
    /// `cam_…`.
    pub campaign: String,
    /// The 21-character codes of the sessions it reached, oldest session first.
    pub sessions: Vec<String>,
    pub message: String,
    /// "single" or "all".
    pub via: &'static str,
}

impl Default for SessionStore {
    fn default() -> Self {
        SessionStore::with_cap(MAX_SESSIONS)
    }
}

/// 21 lower-case alphanumerics, like the session codes in §3.
pub(crate) fn new_single_use_code() -> String {
    new_code(&mut rand::rng())
}

fn new_code(rng: &mut impl Rng) -> String {
    (0..SINGLE_USE_CODE_LEN)
        .map(|_| char::from(CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())]))
        .collect()
}

pub(crate) fn session_url(slug: &str, code: &str) -> String {
    format!("https://digicpn.com/p/{slug}/{code}")
}

impl SessionStore {
    pub(crate) fn with_cap(cap: usize) -> SessionStore {
        SessionStore {
            cap: cap.max(1),
            sessions: VecDeque::new(),
            first_sequence_id: FIRST_SEQUENCE_ID,
            by_code: HashMap::new(),
            per_campaign: HashMap::new(),
            pushes: VecDeque::new(),
        }
    }

    pub(crate) fn record_push(&mut self, push: SessionPush) {
        if self.pushes.len() >= MAX_REMEMBERED_PUSHES {
            self.pushes.pop_front();
        }
        self.pushes.push_back(push);
    }

    pub(crate) fn pushes(&self) -> Vec<SessionPush> {
        self.pushes.iter().cloned().collect()
    }

    fn next_sequence_id(&self) -> u64 {
        self.first_sequence_id + self.sessions.len() as u64
    }

    /// Adds a session with a code the caller made (`send/email` reports its own code); a fresh
    /// one replaces it in the astronomically unlikely case it is taken.
    pub(crate) fn insert(&mut self, new: NewSession, code: String, at: SystemTime) -> &Session {
        let code = if self.by_code.contains_key(&code) || code.is_empty() {
            self.fresh_code(&mut rand::rng())
        } else {
            code
        };
        self.push(new, code, at)
    }

    /// Adds a session with a fresh code.
    pub(crate) fn create(&mut self, new: NewSession, at: SystemTime) -> &Session {
        let code = self.fresh_code(&mut rand::rng());
        self.push(new, code, at)
    }

    /// `count` sessions alike but for their codes and `custom_codes[i]` (if given), all made
    /// at `at`; returns their sequence ids' range.
    pub(crate) fn create_many(
        &mut self,
        new: &NewSession,
        count: usize,
        mut custom_codes: impl FnMut(usize) -> String,
        at: SystemTime,
    ) -> std::ops::Range<u64> {
        let mut rng = rand::rng();
        let first = self.next_sequence_id();
        self.sessions.reserve(count.min(self.cap));
        self.by_code.reserve(count.min(self.cap));
        for i in 0..count {
            let code = self.fresh_code(&mut rng);
            let mut one = new.clone();
            one.custom_validation_code = custom_codes(i);
            self.push(one, code, at);
        }
        first..self.next_sequence_id()
    }

    fn fresh_code(&self, rng: &mut impl Rng) -> String {
        loop {
            let code = new_code(rng);
            if !self.by_code.contains_key(&code) {
                return code;
            }
        }
    }

    /// Adds a session made at `at` with a code the caller chose (the seed's deterministic
    /// codes), for the caller to set its life cycle.
    pub(crate) fn insert_seeded(
        &mut self,
        new: NewSession,
        code: String,
        at: SystemTime,
    ) -> &mut Session {
        let code = if self.by_code.contains_key(&code) || code.len() != SINGLE_USE_CODE_LEN {
            self.fresh_code(&mut rand::rng())
        } else {
            code
        };
        self.push(new, code, at)
    }

    fn push(&mut self, new: NewSession, code: String, at: SystemTime) -> &mut Session {
        if self.sessions.len() >= self.cap {
            self.forget_oldest();
        }
        let sequence_id = self.next_sequence_id();
        self.by_code.insert(code.clone(), sequence_id);
        self.per_campaign
            .entry(new.campaign.clone())
            .or_default()
            .push_back(sequence_id);
        self.sessions.push_back(Session {
            url: session_url(&new.slug, &code),
            campaign: new.campaign,
            code,
            sequence_id,
            created: at,
            opened: new.activated.then_some(at),
            voided: new.voided.then_some(at),
            customer: new.customer,
            custom_id: new.custom_id,
            custom_validation_code: new.custom_validation_code,
            claimed: None,
            validated: None,
            validation_value: String::new(),
            unvoided: None,
            last_voided: None,
            expires: None,
            locked: false,
            saved_to_wallet: None,
            times_validated: 0,
            removed: false,
        });
        self.sessions.back_mut().expect("just pushed")
    }

    fn forget_oldest(&mut self) {
        let Some(old) = self.sessions.pop_front() else {
            return;
        };
        self.first_sequence_id += 1;
        if self.by_code.get(&old.code) == Some(&old.sequence_id) {
            self.by_code.remove(&old.code);
        }
        if let Some(ids) = self.per_campaign.get_mut(&old.campaign) {
            if ids.front() == Some(&old.sequence_id) {
                ids.pop_front();
            }
            if ids.is_empty() {
                self.per_campaign.remove(&old.campaign);
            }
        }
    }

    fn by_sequence(&self, sequence_id: u64) -> Option<&Session> {
        let index = sequence_id.checked_sub(self.first_sequence_id)?;
        self.sessions.get(usize::try_from(index).ok()?)
    }

    /// A live session by its 21-character code, or (newest first) by its first 6 characters.
    pub(crate) fn find(&self, code: &str) -> Option<&Session> {
        if code.len() == 6 {
            return self
                .sessions
                .iter()
                .rev()
                .find(|s| !s.removed && s.code.starts_with(code));
        }
        self.by_code
            .get(code)
            .and_then(|&id| self.by_sequence(id))
            .filter(|s| !s.removed)
    }

    /// A live session to change, found as [`find`](Self::find) finds it.
    pub(crate) fn find_mut(&mut self, code: &str) -> Option<&mut Session> {
        let id = self.find(code)?.sequence_id;
        let index = usize::try_from(id.checked_sub(self.first_sequence_id)?).ok()?;
        self.sessions.get_mut(index)
    }

    /// Removes a live session of that campaign by its full code; false when there is none.
    pub(crate) fn remove(&mut self, campaign: &str, code: &str) -> bool {
        let Some(&id) = self.by_code.get(code) else {
            return false;
        };
        let index = (id - self.first_sequence_id) as usize;
        match self.sessions.get_mut(index) {
            Some(s) if !s.removed && s.campaign == campaign => {
                s.removed = true;
                self.by_code.remove(code);
                true
            }
            _ => false,
        }
    }

    /// The campaign's live sessions, oldest first.
    pub(crate) fn in_campaign<'a>(&'a self, campaign: &str) -> impl Iterator<Item = &'a Session> {
        self.per_campaign
            .get(campaign)
            .into_iter()
            .flatten()
            .filter_map(|&id| self.by_sequence(id))
            .filter(|s| !s.removed)
    }

    pub(crate) fn live_in_campaign(&self, campaign: &str) -> usize {
        self.in_campaign(campaign).count()
    }

    /// Live sessions whose e-mail (any case), phone or custom validation code is `text`,
    /// within `campaign` if given, newest first.
    pub(crate) fn search(&self, text: &str, campaign: Option<&str>) -> Vec<&Session> {
        let text = text.trim();
        if text.is_empty() {
            return Vec::new();
        }
        let lower = text.to_lowercase();
        let phone = digits(text);
        let matches = |s: &&Session| {
            s.customer.email.to_lowercase() == lower
                || s.custom_validation_code == text
                || (phone.len() >= 6 && digits(&s.customer.phone) == phone)
        };
        match campaign {
            Some(c) => {
                let mut found: Vec<&Session> = self.in_campaign(c).filter(matches).collect();
                found.reverse();
                found
            }
            None => self
                .sessions
                .iter()
                .rev()
                .filter(|s| !s.removed)
                .filter(matches)
                .collect(),
        }
    }

    /// For `duplicate_check`: the newest live session of the campaign made for the same
    /// e-mail (any case), else the same phone, else the same custom ID, whichever are given.
    pub(crate) fn earlier_for(
        &self,
        campaign: &str,
        customer: &Customer,
        custom_id: &str,
    ) -> Option<&Session> {
        let sessions: Vec<&Session> = self.in_campaign(campaign).collect();
        let newest =
            |pick: &dyn Fn(&Session) -> bool| sessions.iter().rev().copied().find(|s| pick(s));
        let email = customer.email.trim().to_lowercase();
        let phone = digits(&customer.phone);
        let custom_id = custom_id.trim();
        (!email.is_empty())
            .then(|| newest(&|s| s.customer.email.trim().to_lowercase() == email))
            .flatten()
            .or_else(|| {
                (!phone.is_empty())
                    .then(|| newest(&|s| digits(&s.customer.phone) == phone))
                    .flatten()
            })
            .or_else(|| {
                (!custom_id.is_empty())
                    .then(|| newest(&|s| s.custom_id == custom_id))
                    .flatten()
            })
    }

    /// The custom validation codes the campaign's live sessions use.
    pub(crate) fn custom_codes_in(&self, campaign: &str) -> HashSet<String> {
        self.in_campaign(campaign)
            .filter(|s| !s.custom_validation_code.is_empty())
            .map(|s| s.custom_validation_code.clone())
            .collect()
    }

    pub(crate) fn get_range(&self, ids: std::ops::Range<u64>) -> impl Iterator<Item = &Session> {
        ids.filter_map(|id| self.by_sequence(id))
    }

    pub(crate) fn exists(&self, code: &str) -> bool {
        self.find(code).is_some_and(|s| s.code == code)
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.sessions.len()
    }
}

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(campaign: &str, email: &str) -> NewSession {
        NewSession {
            campaign: campaign.into(),
            slug: "fc7k2p".into(),
            customer: Customer {
                email: email.into(),
                ..Customer::default()
            },
            ..NewSession::default()
        }
    }

    #[test]
    fn sessions_get_codes_urls_and_increasing_sequence_ids() {
        let mut store = SessionStore::default();
        let now = SystemTime::now();
        let a = store.create(new("cam_1", "a@b.test"), now).clone();
        let b = store.create(new("cam_1", ""), now).clone();
        assert_eq!(a.code.len(), 21);
        assert!(a
            .code
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        assert_eq!(a.url, format!("https://digicpn.com/p/fc7k2p/{}", a.code));
        assert_eq!(
            (a.sequence_id, b.sequence_id),
            (FIRST_SEQUENCE_ID, FIRST_SEQUENCE_ID + 1)
        );
        assert_eq!(store.find(&a.code), Some(&a));
        assert_eq!(store.find(&a.code[..6]).map(|s| &s.code), Some(&a.code));
        assert!(store.find("zzzzzz").is_none());
    }

    #[test]
    fn removed_sessions_vanish_and_only_from_their_campaign() {
        let mut store = SessionStore::default();
        let now = SystemTime::now();
        let a = store.create(new("cam_1", "a@b.test"), now).code.clone();
        store.create(new("cam_2", "a@b.test"), now);
        assert!(!store.remove("cam_2", &a), "another campaign's code");
        assert!(store.remove("cam_1", &a));
        assert!(!store.remove("cam_1", &a), "already removed");
        assert!(store.find(&a).is_none() && !store.exists(&a));
        assert!(store.find(&a[..6]).is_none());
        assert_eq!(store.live_in_campaign("cam_1"), 0);
        assert_eq!(store.live_in_campaign("cam_2"), 1);
        assert_eq!(store.search("A@B.test", None).len(), 1);
        let c = store.create(new("cam_1", ""), now);
        assert_eq!(
            c.sequence_id,
            FIRST_SEQUENCE_ID + 2,
            "numbers are never reused"
        );
    }

    #[test]
    fn search_by_email_phone_or_custom_code_newest_first() {
        let mut store = SessionStore::default();
        let now = SystemTime::now();
        let mut one = new("cam_1", "Ann@Shop.test");
        one.customer.phone = "+32 470 12 34 56".into();
        one.custom_validation_code = "BAR-1".into();
        let first = store.create(one.clone(), now).code.clone();
        let second = store.create(one, now).code.clone();
        store.create(new("cam_2", "ann@shop.test"), now);
        let codes = |found: Vec<&Session>| {
            found
                .into_iter()
                .map(|s| s.code.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            codes(store.search("ann@SHOP.test", Some("cam_1"))),
            [second.clone(), first.clone()]
        );
        assert_eq!(store.search("ann@shop.test", None).len(), 3);
        assert_eq!(codes(store.search("0032470123456", Some("cam_1"))).len(), 0);
        assert_eq!(
            codes(store.search("32470123456", Some("cam_1"))),
            [second.clone(), first.clone()]
        );
        assert_eq!(codes(store.search("BAR-1", None)), [second, first]);
        assert!(store.search("bar-1", None).is_empty(), "codes are exact");
        assert!(store.search(" ", None).is_empty());
    }

    #[test]
    fn earlier_session_for_duplicate_check() {
        let mut store = SessionStore::default();
        let now = SystemTime::now();
        let mut one = new("cam_1", "ann@shop.test");
        one.customer.phone = "0470 123456".into();
        one.custom_id = "crm-1".into();
        let code = store.create(one, now).code.clone();
        let find = |email: &str, phone: &str, id: &str| {
            store
                .earlier_for(
                    "cam_1",
                    &Customer {
                        email: email.into(),
                        phone: phone.into(),
                        ..Customer::default()
                    },
                    id,
                )
                .map(|s| s.code.clone())
        };
        assert_eq!(find("ANN@shop.test", "", ""), Some(code.clone()));
        assert_eq!(find("", "0470123456", ""), Some(code.clone()));
        assert_eq!(find("", "", "crm-1"), Some(code.clone()));
        assert_eq!(find("bob@shop.test", "", "crm-1"), Some(code.clone()));
        assert_eq!(find("bob@shop.test", "", ""), None);
        assert_eq!(find("", "", ""), None);
        assert!(store
            .earlier_for(
                "cam_2",
                &Customer {
                    email: "ann@shop.test".into(),
                    ..Customer::default()
                },
                ""
            )
            .is_none());
    }

    #[test]
    fn oldest_are_forgotten_past_the_cap() {
        let mut store = SessionStore::with_cap(3);
        let now = SystemTime::now();
        let first = store.create(new("cam_1", ""), now).code.clone();
        let range = store.create_many(&new("cam_1", ""), 3, |i| format!("C{i}"), now);
        assert_eq!(range, FIRST_SEQUENCE_ID + 1..FIRST_SEQUENCE_ID + 4);
        assert_eq!(store.len(), 3);
        assert!(store.find(&first).is_none());
        assert_eq!(store.live_in_campaign("cam_1"), 3);
        let customs: Vec<_> = store
            .get_range(range)
            .map(|s| s.custom_validation_code.clone())
            .collect();
        assert_eq!(customs, ["C0", "C1", "C2"]);
    }

    #[test]
    fn voided_and_activated_start_so() {
        let mut store = SessionStore::default();
        let now = SystemTime::now();
        let mut v = new("cam_1", "");
        v.voided = true;
        let voided = store.create(v, now).clone();
        assert_eq!((voided.voided, voided.opened), (Some(now), None));
        let mut a = new("cam_1", "");
        a.activated = true;
        assert_eq!(store.create(a, now).opened, Some(now));
    }
}
