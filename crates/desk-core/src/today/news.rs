//! What a reading's new events mean beyond the counts, for the desktop notifications: a coupon
//! used at another desk (a validation this desk's history does not hold) and a campaign whose
//! claims today crossed the number the user set.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use rusqlite::{params, Connection, OptionalExtension};

use crate::today::store::{CampaignCounts, EventKind, TodayEvent};

/// The history action of a coupon marked used at this desk: the counter and "Mark many as used"
/// write it. A use whose answer was lost ("unknown") counts as this desk's too: it may well be.
const OWN_USE: &str = "redeem_validate";
/// The job kind "Mark many as used": a row of it still on its way (no history line yet) may be
/// the use the reader just saw.
const OWN_USE_JOB: &str = "redeem_many";

/// The coupons this desk's counter is marking as used right now, by account. Their history line is
/// written once the answer (or, after a lost one, the settling read) is in; a reader may see the
/// use before that, and must not take it for another desk's.
#[derive(Clone, Debug, Default)]
pub struct UsesUnderWay(Arc<Mutex<HashSet<(String, String)>>>);

/// Held while one coupon is being marked as used; dropping it ends the hold.
#[must_use = "the hold ends when this is dropped"]
pub struct UseHeld {
    uses: UsesUnderWay,
    key: (String, String),
}

impl UsesUnderWay {
    pub fn hold(&self, account_id: &str, code: &str) -> UseHeld {
        let key = (account_id.to_owned(), code.to_owned());
        self.set().insert(key.clone());
        UseHeld {
            uses: self.clone(),
            key,
        }
    }

    pub fn holds(&self, account_id: &str, code: &str) -> bool {
        self.set()
            .contains(&(account_id.to_owned(), code.to_owned()))
    }

    fn set(&self) -> std::sync::MutexGuard<'_, HashSet<(String, String)>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for UseHeld {
    fn drop(&mut self) {
        self.uses.set().remove(&self.key);
    }
}

/// The validations among `new` that this desk did not make, oldest first. A use is this desk's
/// when its history holds the code as used (or maybe used), a "Mark many as used" job of the
/// account holds it in a row that did not fail, or the counter is marking it right now.
pub fn used_elsewhere(
    conn: &Connection,
    account_id: &str,
    new: &[TodayEvent],
    under_way: &UsesUnderWay,
) -> rusqlite::Result<Vec<TodayEvent>> {
    let mut in_history = conn.prepare_cached(
        "SELECT 1 FROM history WHERE account_id = ?1 AND action = ?2 AND target = ?3
         AND outcome IN ('ok', 'unknown') LIMIT 1",
    )?;
    let mut in_a_job = conn.prepare_cached(
        "SELECT 1 FROM job_rows r JOIN jobs j ON j.id = r.job_id
         WHERE j.account_id = ?1 AND j.kind = ?2 AND r.target = ?3 AND r.status != 'failed'
         LIMIT 1",
    )?;
    let mut elsewhere = Vec::new();
    for event in new.iter().filter(|e| e.kind == EventKind::Used) {
        let ours = under_way.holds(account_id, &event.code)
            || in_history
                .query_row(params![account_id, OWN_USE, event.code], |_| Ok(()))
                .optional()?
                .is_some()
            || in_a_job
                .query_row(params![account_id, OWN_USE_JOB, event.code], |_| Ok(()))
                .optional()?
                .is_some();
        if !ours {
            elsewhere.push(event.clone());
        }
    }
    elsewhere.sort_by_key(|e| e.at_ms);
    Ok(elsewhere)
}

/// The shortest day there is: the one that loses an hour to summer time.
const NEW_DAY_MS: i64 = 23 * 3_600_000;

/// A campaign whose claims today reached the user's number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimsReached {
    pub campaign: String,
    pub claimed: u32,
}

/// Tells each campaign's crossing of the claims number once a day. What is already above the
/// number when it starts watching (the app's start, a new number) is not news.
#[derive(Debug, Default)]
pub struct ClaimsWatch {
    /// The day and number being watched; `None` before the first look.
    watching: Option<(i64, u32)>,
    told: HashSet<String>,
}

impl ClaimsWatch {
    /// The campaigns that crossed `threshold` since the last look, for the day that starts at
    /// `day_start_ms`. A threshold of 0 watches nothing.
    pub fn crossed(
        &mut self,
        day_start_ms: i64,
        threshold: u32,
        counts: &[CampaignCounts],
    ) -> Vec<ClaimsReached> {
        if threshold == 0 {
            self.watching = None;
            self.told.clear();
            return Vec::new();
        }
        let above = counts.iter().filter(|c| c.claimed >= threshold);
        let fresh_look = match self.watching {
            // A new day (a midnight passed; 23 hours on a day-saving change) starts from nothing:
            // whatever is above by now is news.
            Some((day, number)) if number == threshold && day_start_ms - day >= NEW_DAY_MS => {
                self.told.clear();
                false
            }
            // The same day, or what "today" means told anew (the window's own midnight replacing
            // the guess made at the start): what is above already is not news.
            Some((day, number)) if number == threshold => day != day_start_ms,
            _ => true,
        };
        self.watching = Some((day_start_ms, threshold));
        if fresh_look {
            self.told = above.map(|c| c.campaign.clone()).collect();
            return Vec::new();
        }
        above
            .filter(|c| self.told.insert(c.campaign.clone()))
            .map(|c| ClaimsReached {
                campaign: c.campaign.clone(),
                claimed: c.claimed,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{self, NewEntry, Outcome};

    fn used(code: &str, at_ms: i64) -> TodayEvent {
        TodayEvent {
            campaign: "cam_1".into(),
            kind: EventKind::Used,
            code: code.into(),
            at_ms,
        }
    }

    fn counts(claimed: &[(&str, u32)]) -> Vec<CampaignCounts> {
        claimed
            .iter()
            .map(|(campaign, claimed)| CampaignCounts {
                campaign: (*campaign).into(),
                claimed: *claimed,
                ..CampaignCounts::default()
            })
            .collect()
    }

    #[test]
    fn a_use_is_from_elsewhere_unless_this_desk_made_or_may_have_made_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let conn = crate::db::open(&dir.path().join("desk.sqlite3")).expect("db");
        fn line<'a>(
            target: &'a str,
            outcome: Outcome,
            account_id: &'a str,
            action: &'a str,
        ) -> NewEntry<'a> {
            NewEntry {
                account_id,
                account: "Shop",
                action,
                campaign: Some("cam_1"),
                target: Some(target),
                outcome,
                detail: None,
                job_id: None,
            }
        }
        for entry in [
            line("OURS", Outcome::Ok, "acc", "redeem_validate"),
            line("MAYBE", Outcome::Unknown, "acc", "redeem_validate"),
            line("REFUSED", Outcome::Failed, "acc", "redeem_validate"),
            line("OTHERACC", Outcome::Ok, "other", "redeem_validate"),
            line("VOIDED", Outcome::Ok, "acc", "redeem_void"),
        ] {
            history::record(&conn, &entry).expect("history");
        }
        // "Mark many as used" jobs: a row on its way is this desk's, a refused one is not.
        for (job, kind) in [("job_1", "redeem_many"), ("job_2", "email")] {
            conn.execute(
                "INSERT INTO jobs (id, kind, created_at, account_id, account_name, spec,
                                   concurrency, state, total)
                 VALUES (?1, ?2, '2026-12-07T10:00:00Z', 'acc', 'Shop', '{}', 4, 'running', 2)",
                params![job, kind],
            )
            .expect("job");
        }
        for (job, row, target, status) in [
            ("job_1", 1, "INJOB", "in_flight"),
            ("job_1", 2, "JOBFAILED", "failed"),
            ("job_2", 1, "EMAILJOB", "sent"),
        ] {
            conn.execute(
                "INSERT INTO job_rows (job_id, row, input, target, status, updated_at)
                 VALUES (?1, ?2, '{}', ?3, ?4, '2026-12-07T10:00:00Z')",
                params![job, row, target, status],
            )
            .expect("row");
        }
        let new = [
            used("VOIDED", 5),
            used("OURS", 1),
            used("MAYBE", 2),
            used("REFUSED", 3),
            used("OTHERACC", 4),
            used("INJOB", 6),
            used("JOBFAILED", 7),
            used("EMAILJOB", 8),
            TodayEvent {
                kind: EventKind::Claimed,
                ..used("CLAIMED", 0)
            },
        ];
        let under_way = UsesUnderWay::default();
        let elsewhere = |new: &[TodayEvent]| -> Vec<String> {
            used_elsewhere(&conn, "acc", new, &under_way)
                .expect("read")
                .into_iter()
                .map(|e| e.code)
                .collect()
        };
        assert_eq!(
            elsewhere(&new),
            ["REFUSED", "OTHERACC", "VOIDED", "JOBFAILED", "EMAILJOB"]
        );
        // The counter marking a coupon right now, its history line not yet written: ours while
        // held (for its account only), and no longer once the hold ends.
        let soon = [used("ATTHECOUNTER", 9)];
        let held = under_way.hold("acc", "ATTHECOUNTER");
        let other_account = under_way.hold("other", "OTHERACC");
        assert!(elsewhere(&soon).is_empty());
        assert_eq!(elsewhere(&[used("OTHERACC", 4)]), ["OTHERACC"]);
        drop((held, other_account));
        assert_eq!(elsewhere(&soon), ["ATTHECOUNTER"]);
    }

    #[test]
    fn each_crossing_is_told_once_a_day_and_what_was_above_at_the_start_is_not_news() {
        let mut watch = ClaimsWatch::default();
        let day = 1_000;
        // The first look: cam_a is already above, nothing is news.
        assert!(watch
            .crossed(day, 10, &counts(&[("cam_a", 12), ("cam_b", 3)]))
            .is_empty());
        let crossed = watch.crossed(day, 10, &counts(&[("cam_a", 13), ("cam_b", 10)]));
        assert_eq!(
            crossed,
            [ClaimsReached {
                campaign: "cam_b".into(),
                claimed: 10
            }]
        );
        assert!(watch
            .crossed(day, 10, &counts(&[("cam_a", 14), ("cam_b", 11)]))
            .is_empty());
        // A new number starts afresh, a new day from nothing.
        assert!(watch.crossed(day, 5, &counts(&[("cam_b", 11)])).is_empty());
        let next_day = day + 86_400_000;
        assert!(watch
            .crossed(next_day, 5, &counts(&[("cam_b", 1)]))
            .is_empty());
        assert_eq!(
            watch.crossed(next_day, 5, &counts(&[("cam_b", 6)])).len(),
            1
        );
        // What "today" means told anew within the day (the window's midnight replacing the
        // guess made at the start): what is above already is not news.
        let guessed = next_day + 3_600_000;
        assert!(watch
            .crossed(guessed, 5, &counts(&[("cam_b", 6), ("cam_d", 1)]))
            .is_empty());
        let told_midnight = guessed + 5 * 3_600_000;
        assert!(watch
            .crossed(told_midnight, 5, &counts(&[("cam_b", 7), ("cam_d", 9)]))
            .is_empty());
        assert_eq!(
            watch.crossed(told_midnight, 5, &counts(&[("cam_e", 5)])),
            [ClaimsReached {
                campaign: "cam_e".into(),
                claimed: 5
            }]
        );
        // 0 switches it off.
        assert!(watch
            .crossed(next_day, 0, &counts(&[("cam_c", 99)]))
            .is_empty());
    }
}
