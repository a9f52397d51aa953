//! Whether a coupon session is used, voided or locked, from what `couponsession/data` and
//! `campaign/data` carry: `"0"`/`"1"` flags beside the dates, and for void and lock a separate
//! undo date (`unvoided_date_utc`, `unlocked_date_utc`). The help article's example keeps the
//! void date after an undo, so a date alone does not mean "voided now".
//!
//! One rule, used at the edge where a session is decoded, so Redeem, "Mark many as used",
//! campaign usage, exports and the reconcile of validations all read a session the same way.

use time::OffsetDateTime;

/// Is the thing (used, voided, locked) in force now?
///
/// - The flag decides when the reply carries it.
/// - Without a flag, the date decides: set and not undone later. An undo date on or after the
///   set date means it was undone (both come to the second, and an undo cannot precede its set).
pub fn in_force(
    flag: Option<bool>,
    set_at: Option<OffsetDateTime>,
    undone_at: Option<OffsetDateTime>,
) -> bool {
    if let Some(flag) = flag {
        return flag;
    }
    match (set_at, undone_at) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(set), Some(undone)) => undone < set,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const VOID: OffsetDateTime = datetime!(2019-03-25 10:44:05 UTC);
    const EARLIER: OffsetDateTime = datetime!(2019-03-25 10:40:00 UTC);
    const LATER: OffsetDateTime = datetime!(2019-03-25 10:50:00 UTC);

    /// Every combination the reference shows, and the flag absent.
    #[test]
    fn flags_first_then_dates_and_a_later_undo_wins() {
        /// The void flag, the void date, the undo date, and whether the session is void.
        type Case = (
            Option<bool>,
            Option<OffsetDateTime>,
            Option<OffsetDateTime>,
            bool,
        );
        let cases: &[Case] = &[
            // The help article after Void then Undo void: flag "0", both dates set.
            (Some(false), Some(VOID), Some(LATER), false),
            // Voided: flag "1", a void date, no undo.
            (Some(true), Some(VOID), None, true),
            // Voided again after an undo: flag "1", the undo date older than the new void date.
            (Some(true), Some(LATER), Some(VOID), true),
            // Flags beat dates either way.
            (Some(true), None, None, true),
            (Some(false), Some(VOID), None, false),
            (Some(true), Some(VOID), Some(LATER), true),
            (Some(false), None, None, false),
            // No flag: the dates decide.
            (None, None, None, false),
            (None, None, Some(LATER), false),
            (None, Some(VOID), None, true),
            (None, Some(VOID), Some(LATER), false),
            (None, Some(VOID), Some(VOID), false),
            (None, Some(VOID), Some(EARLIER), true),
        ];
        for &(flag, set, undone, expected) in cases {
            assert_eq!(
                in_force(flag, set, undone),
                expected,
                "flag {flag:?}, set {set:?}, undone {undone:?}"
            );
        }
    }
}
