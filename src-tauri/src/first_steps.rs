//! The first steps card of practice mode: five things to try, each ticked off by what the app
//! did, never by a click on the step. Three of them are writes, read from the history (the
//! app's own record of what it did for the account); the two that write nothing (a scan, a
//! look at a campaign's usage) are noted by their commands in the settings, per account.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

/// The steps, in the order the card lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Scan (look up) a practice coupon at Redeem.
    Scan,
    /// Send a coupon by e-mail.
    Send,
    /// Make ten single-use links.
    Links,
    /// Add a stamp to a loyalty member.
    Stamp,
    /// Look at a campaign's usage.
    Usage,
}

pub const STEPS: [Step; 5] = [
    Step::Scan,
    Step::Send,
    Step::Links,
    Step::Stamp,
    Step::Usage,
];

/// Links that must have been made for the "ten links" step.
pub const LINKS_FOR_STEP: i64 = 10;

/// What the settings keep per account.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Progress {
    /// Steps that write nothing, noted when the app did them.
    pub noted: BTreeSet<Step>,
    /// The card was closed; Settings brings it back.
    pub dismissed: bool,
}

/// Per account ID.
pub type ProgressByAccount = BTreeMap<String, Progress>;

/// The write steps the history shows done for the account.
pub fn done_in_history(conn: &Connection, account_id: &str) -> rusqlite::Result<BTreeSet<Step>> {
    let count = |action: &str| -> rusqlite::Result<i64> {
        conn.query_row(
            "SELECT count(*) FROM history WHERE account_id = ?1 AND action = ?2 AND outcome = 'ok'",
            params![account_id, action],
            |r| r.get(0),
        )
    };
    let mut done = BTreeSet::new();
    if count("email_coupon")? > 0 {
        done.insert(Step::Send);
    }
    if count("single_use_create")? >= LINKS_FOR_STEP {
        done.insert(Step::Links);
    }
    if count("loyalty_add_stamps")? > 0 {
        done.insert(Step::Stamp);
    }
    Ok(done)
}

/// Every step done, from the history and the noted ones.
pub fn done(from_history: &BTreeSet<Step>, progress: &Progress) -> BTreeSet<Step> {
    from_history.union(&progress.noted).copied().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{self, Line, Outcome};

    fn line(account: &str, action: &'static str, outcome: Outcome) -> Line {
        Line {
            account_id: account.into(),
            account: "Practice".into(),
            action,
            campaign: Some("cam_104211".into()),
            target: None,
            outcome,
            detail: None,
        }
    }

    #[test]
    fn writes_tick_their_steps_from_the_history_of_that_account_only() {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::db::open(&dir.path().join("db.sqlite3")).unwrap();
        let record = |l: Line| history::record(&conn, &l.borrowed()).unwrap();
        assert!(done_in_history(&conn, "practice").unwrap().is_empty());
        record(line("practice", "email_coupon", Outcome::Failed));
        record(line("real", "email_coupon", Outcome::Ok));
        record(line("practice", "loyalty_add_stamps", Outcome::Ok));
        for _ in 0..LINKS_FOR_STEP - 1 {
            record(line("practice", "single_use_create", Outcome::Ok));
        }
        assert_eq!(
            done_in_history(&conn, "practice").unwrap(),
            BTreeSet::from([Step::Stamp]),
            "a refused send, another account's send and nine links tick nothing"
        );
        record(line("practice", "single_use_create", Outcome::Ok));
        record(line("practice", "email_coupon", Outcome::Ok));
        let from_history = done_in_history(&conn, "practice").unwrap();
        assert_eq!(
            from_history,
            BTreeSet::from([Step::Send, Step::Links, Step::Stamp])
        );
        let progress = Progress {
            noted: BTreeSet::from([Step::Usage]),
            dismissed: false,
        };
        assert_eq!(done(&from_history, &progress).len(), 4);
    }
}
