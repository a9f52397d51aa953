//! The seeded POS campaign `cam_104250` "Lunch deal": 3 000 coupon sessions handed out over
//! the 60 days before the sandbox started, with realistic open, claim and validation rates, a
//! few voided and locked ones, and a 30-day expiry (so older unused ones have expired).
//!
//! Deterministic: the same codes, customers and life cycles every run (a fixed pseudo-random
//! sequence); only the dates move with the start time, so "the last 60 days" always holds.
//!
//! SANDBOX DECISIONS (rates, like a real lunch offer): about 72 % opened, 46 % claimed, 30 %
//! validated (each a subset of the one before), 2 % of the unvalidated voided, 1 % of the
//! claimed-not-validated locked, 35 % of the claimed saved to a wallet (push notifications
//! reach those). Every session's customer is `guestNNNN@lunch.test` (`NNNN` = 0001…3000);
//! every 3rd has a phone `+32 470 00NNNN`, every 5th a custom validation code `LD-NNNNN`.

use std::time::{Duration, SystemTime};

use super::sessions::{Customer, NewSession, SessionStore};

pub(crate) const CAMPAIGN: &str = "cam_104250";
pub(crate) const SLUG: &str = "ld4q7n";
pub(crate) const SESSIONS: usize = 3_000;
const DAYS: u64 = 60;
const DAY: u64 = 24 * 3600;
/// How long a Lunch deal coupon stays valid after it was handed out.
pub(crate) const VALID_FOR: Duration = Duration::from_secs(30 * DAY);

const FIRST_NAMES: &[&str] = &[
    "Lena", "Milan", "Sofie", "Arne", "Yasmine", "Tom", "Ines", "Lucas", "Noor", "Jonas",
];

/// splitmix64: small, fast and the same everywhere.
struct Sequence(u64);

impl Sequence {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn code(&mut self) -> String {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        (0..21)
            .map(|_| char::from(ALPHABET[self.below(ALPHABET.len() as u64) as usize]))
            .collect()
    }
}

/// Adds the campaign's sessions to `store`, oldest first, dated back from `now`.
pub(crate) fn seed(store: &mut SessionStore, now: SystemTime) {
    let mut rng = Sequence(104_250);
    let start = now - Duration::from_secs(DAYS * DAY);
    let step = DAYS * DAY / SESSIONS as u64;
    for i in 0..SESSIONS {
        let n = i + 1;
        let created = start + Duration::from_secs(i as u64 * step + rng.below(step - 60));
        let customer = Customer {
            email: format!("guest{n:04}@lunch.test"),
            first_name: FIRST_NAMES[i % FIRST_NAMES.len()].to_owned(),
            last_name: String::new(),
            phone: if n % 3 == 0 {
                format!("+32 470 {n:06}")
            } else {
                String::new()
            },
        };
        let new = NewSession {
            campaign: CAMPAIGN.to_owned(),
            slug: SLUG.to_owned(),
            customer,
            custom_validation_code: if n % 5 == 0 {
                format!("LD-{n:05}")
            } else {
                String::new()
            },
            ..NewSession::default()
        };
        let code = rng.code();
        let roll = rng.below(1000);
        let minutes = |rng: &mut Sequence, lo: u64, hi: u64| {
            Duration::from_secs(60 * (lo + rng.below(hi - lo + 1)))
        };
        let opened = (roll < 720).then(|| created + minutes(&mut rng, 1, 120));
        let claimed = opened
            .filter(|_| roll < 460)
            .map(|at| at + minutes(&mut rng, 1, 60));
        let validated = claimed
            .filter(|_| roll < 300)
            .map(|at| at + minutes(&mut rng, 10, 3 * 24 * 60));
        let value = 600 + rng.below(1900);
        let side = rng.below(1000);
        let past = |at: Option<SystemTime>| at.filter(|at| *at <= now);
        let (opened, claimed, validated) = (past(opened), past(claimed), past(validated));
        let session = store.insert_seeded(new, code, created);
        session.opened = opened;
        session.claimed = claimed;
        session.expires = Some(created + VALID_FOR);
        if let Some(at) = validated {
            session.validated = Some(at);
            session.times_validated = 1;
            session.validation_value = format!("{}.{:02}", value / 100, value % 100);
        } else if side < 20 {
            session.voided = past(Some(created + Duration::from_secs(DAY)));
        } else if side < 30 && claimed.is_some() {
            session.locked = true;
        }
        if claimed.is_some() && side % 100 < 35 {
            session.saved_to_wallet = claimed;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(store: &SessionStore, now: SystemTime) -> (usize, usize, usize, usize, usize) {
        let all: Vec<_> = store.in_campaign(CAMPAIGN).collect();
        (
            all.len(),
            all.iter().filter(|s| s.opened.is_some()).count(),
            all.iter().filter(|s| s.claimed.is_some()).count(),
            all.iter().filter(|s| s.validated.is_some()).count(),
            all.iter()
                .filter(|s| s.validated.is_none() && s.expires.is_some_and(|e| e <= now))
                .count(),
        )
    }

    #[test]
    fn three_thousand_sessions_with_realistic_rates_and_the_same_every_run() {
        let now = SystemTime::now();
        let mut a = SessionStore::default();
        seed(&mut a, now);
        let (sessions, opened, claimed, validated, expired) = counts(&a, now);
        assert_eq!(sessions, SESSIONS);
        assert!((1900..2400).contains(&opened), "{opened}");
        assert!((1200..1600).contains(&claimed), "{claimed}");
        assert!((750..1050).contains(&validated), "{validated}");
        assert!(expired > 500, "{expired}");
        let all: Vec<_> = a.in_campaign(CAMPAIGN).collect();
        assert!(all.windows(2).all(|w| w[0].created <= w[1].created));
        assert!(all
            .iter()
            .all(|s| s.created >= now - Duration::from_secs(DAYS * DAY) && s.created <= now));
        assert!(all.iter().any(|s| s.voided.is_some()));
        assert!(all.iter().any(|s| s.locked));
        assert!(all.iter().any(|s| s.saved_to_wallet.is_some()));
        assert!(all
            .iter()
            .all(|s| s.validated.is_none() || s.times_validated == 1));

        let mut b = SessionStore::default();
        seed(&mut b, now);
        let codes = |s: &SessionStore| {
            s.in_campaign(CAMPAIGN)
                .map(|x| (x.code.clone(), x.validated, x.validation_value.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(codes(&a), codes(&b), "deterministic");
    }
}
