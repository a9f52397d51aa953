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
//!
//! The benchmark's campaign `cam_104299` "Lunch deal XL" is made the same way with as many
//! sessions as `SandboxConfig::big_campaign_sessions` asks (20 000 for the usage benchmark),
//! customers `xlNNNNN@lunch.test` and own codes `XL-NNNNN`; it exists only when asked for, so
//! the practice shop stays small.

use std::time::{Duration, SystemTime};

use super::sessions::{Customer, NewSession, SessionStore};

pub(crate) const CAMPAIGN: &str = "cam_104250";
pub(crate) const SLUG: &str = "ld4q7n";
pub(crate) const SESSIONS: usize = 3_000;
/// The benchmark's big campaign (see the module notes).
pub const BIG_CAMPAIGN: &str = "cam_104299";
pub(crate) const BIG_SLUG: &str = "xl8m2d";
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

/// One seeded campaign: which, how many sessions, and how its customers and own codes read.
struct Plan {
    campaign: &'static str,
    slug: &'static str,
    sessions: usize,
    seed: u64,
    email: fn(usize) -> String,
    own_code: fn(usize) -> String,
}

/// Adds the Lunch deal's sessions to `store`, oldest first, dated back from `now`.
pub(crate) fn seed(store: &mut SessionStore, now: SystemTime) {
    seed_plan(
        store,
        now,
        &Plan {
            campaign: CAMPAIGN,
            slug: SLUG,
            sessions: SESSIONS,
            seed: 104_250,
            email: |n| format!("guest{n:04}@lunch.test"),
            own_code: |n| format!("LD-{n:05}"),
        },
    );
}

/// Adds `sessions` sessions of the benchmark's big campaign, as [`seed`] does the Lunch deal.
pub(crate) fn seed_big(store: &mut SessionStore, now: SystemTime, sessions: usize) {
    seed_plan(
        store,
        now,
        &Plan {
            campaign: BIG_CAMPAIGN,
            slug: BIG_SLUG,
            sessions,
            seed: 104_299,
            email: |n| format!("xl{n:05}@lunch.test"),
            own_code: |n| format!("XL-{n:05}"),
        },
    );
}

fn seed_plan(store: &mut SessionStore, now: SystemTime, plan: &Plan) {
    if plan.sessions == 0 {
        return;
    }
    let mut rng = Sequence(plan.seed);
    let start = now - Duration::from_secs(DAYS * DAY);
    // At least a minute apart: the dates stay within the 60 days for any count.
    let step = (DAYS * DAY / plan.sessions as u64).max(61);
    for i in 0..plan.sessions {
        let n = i + 1;
        let created =
            (start + Duration::from_secs(i as u64 * step + rng.below(step - 60))).min(now);
        let customer = Customer {
            email: (plan.email)(n),
            first_name: FIRST_NAMES[i % FIRST_NAMES.len()].to_owned(),
            last_name: String::new(),
            phone: if n % 3 == 0 {
                format!("+32 470 {n:06}")
            } else {
                String::new()
            },
        };
        let new = NewSession {
            campaign: plan.campaign.to_owned(),
            slug: plan.slug.to_owned(),
            customer,
            custom_validation_code: if n % 5 == 0 {
                (plan.own_code)(n)
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

    #[test]
    fn the_big_campaign_is_only_there_when_asked_for_and_keeps_to_the_60_days() {
        let now = SystemTime::now();
        let mut store = SessionStore::default();
        seed_big(&mut store, now, 0);
        assert_eq!(store.in_campaign(BIG_CAMPAIGN).count(), 0);
        seed_big(&mut store, now, 20_000);
        let all: Vec<_> = store.in_campaign(BIG_CAMPAIGN).collect();
        assert_eq!(all.len(), 20_000);
        assert!(all
            .iter()
            .all(|s| s.created >= now - Duration::from_secs(DAYS * DAY) && s.created <= now));
        let validated = all.iter().filter(|s| s.validated.is_some()).count();
        assert!((5_000..7_000).contains(&validated), "{validated}");
    }
}
