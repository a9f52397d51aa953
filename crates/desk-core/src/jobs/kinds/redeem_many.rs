//! "Mark many as used" at the counter: a stack of coupons validated with
//! `couponsession/updatemultiple`, a batch per call. Only coupons that were valid when the
//! stack was checked are sent; the rest are stored skipped with their reason. A batch whose
//! reply was lost is reconciled coupon by coupon (`couponsession/data`) before anything is sent
//! again: a coupon used since our request is done, so none is ever validated twice.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::api::words::Words;
use crate::api::{
    ApiError, Client, ManySessionsUpdate, Operation, SessionData, SessionUpdateOutcome,
    MAX_SESSIONS_PER_UPDATE,
};
use crate::jobs::journal::RowStatus;
use crate::jobs::kind::{
    reason_of, verdict_of_write_error, Claimed, JobKind, Reconciled, RowOutcome, Verdict,
};
use crate::kept_words::as_written;

/// Coupons per `updatemultiple` call: a stack of a hundred is four calls, and a batch whose
/// reply is lost costs at most this many look-ups.
pub const REDEEM_BATCH: usize = 25;
/// Batches at once.
pub(crate) const REDEEM_CONCURRENCY: u8 = 2;

/// Nothing job-wide: every row carries its coupon.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedeemManySpec {}

/// One coupon of the stack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RedeemInput {
    /// The full 21-character code found at the check (empty when none was found).
    pub code: String,
    /// What was scanned or pasted, as given.
    pub scanned: String,
    #[serde(default)]
    pub campaign: String,
}

pub struct RedeemManyKind;

/// "2026-11-29 14:05 UTC": a row message is kept as written, so it says its time zone.
pub fn when(at: Option<OffsetDateTime>) -> String {
    at.and_then(|at| {
        at.format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute] UTC"
        ))
        .ok()
    })
    .unwrap_or_else(|| "—".to_owned())
}

fn rfc3339(at: Option<OffsetDateTime>) -> Option<String> {
    at.and_then(|at| {
        at.format(&time::format_description::well_known::Rfc3339)
            .ok()
    })
}

fn used(session: &SessionData, key: &'static str) -> RowOutcome {
    RowOutcome::new(RowStatus::Sent, Some(Words::new(key)))
        .with("validatedAt", rfc3339(session.validated_at))
}

/// Not marked, and no point in trying again: the coupon's own state says no.
fn not_marked(key: &'static str, at: Option<OffsetDateTime>) -> RowOutcome {
    RowOutcome::new(
        RowStatus::Skipped,
        Some(Words::with(key, &[("when", &when(at))])),
    )
    .with("validatedAt", rfc3339(at))
}

/// The reason a row is not sent, for a coupon in `state` at the check (`at`: the date that
/// state speaks of: used on, expired on).
pub fn skip_reason(state: &str, at: Option<OffsetDateTime>, n: usize) -> Words {
    let w = when(at);
    match state {
        "used" => Words::with("redeemMany.row.alreadyUsed", &[("when", &w)]),
        "voided" => Words::new("redeemMany.row.voided"),
        "expired" => Words::with("redeemMany.row.expired", &[("when", &w)]),
        "locked" => Words::new("redeemMany.row.locked"),
        "not_found" => Words::new("redeemMany.row.notFound"),
        "duplicate" => Words::new("redeemMany.row.duplicate"),
        "ambiguous" => Words::with("redeemMany.row.ambiguous", &[("n", &n)]),
        _ => Words::new("redeemMany.row.unchecked"),
    }
}

/// What a refusal of one coupon says about it: these are facts about the coupon (someone used
/// or voided it since the check), never a pattern of the account.
fn refusal(code: u32, session: Option<&SessionData>) -> Option<RowOutcome> {
    let at = |f: fn(&SessionData) -> Option<OffsetDateTime>| session.and_then(f);
    match code {
        306 => Some(not_marked(
            "redeemMany.row.alreadyUsed",
            at(|s| s.validated_at),
        )),
        307 => Some(not_marked("redeemMany.row.voided", None)),
        308 => Some(not_marked("redeemMany.row.expired", at(|s| s.expires_at))),
        309 => Some(not_marked("redeemMany.row.locked", None)),
        505 => Some(not_marked("redeemMany.row.notFound", None)),
        _ => None,
    }
}

/// The coupon as the caller read it right before its "mark as used" left.
#[derive(Debug, Clone, Copy)]
pub enum Before<'a> {
    /// Not read (a job's row: the check before the job is its "before").
    NotRead,
    /// Read, but the read failed.
    Unreadable,
    Read(&'a SessionData),
}

/// What a coupon read after a lost "mark as used" says about that request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UseSeen {
    /// Used since the request left (by the server's clock), and not used before it.
    Ours,
    /// Not used: the request did nothing and may be made again.
    NotUsed,
    /// Used, but before the request left (or already when read right before it).
    UsedBefore,
    /// Used without a date, or without a read before it to tell another till's use apart.
    CantTell,
}

/// One decision for a single "mark as used" (Redeem) and a row of Mark many as used. Pure, so
/// every case is tested here. `since`: when the request left, by the server's clock, less its
/// margin.
pub fn use_seen(now: &SessionData, since: Option<OffsetDateTime>, before: Before<'_>) -> UseSeen {
    if !now.validated {
        return UseSeen::NotUsed;
    }
    if let Before::Read(before) = before {
        if before.validated {
            return UseSeen::UsedBefore;
        }
    }
    match (now.validated_at, before) {
        (None, _) | (_, Before::Unreadable) => UseSeen::CantTell,
        (Some(at), _) if since.is_none_or(|since| at >= since) => UseSeen::Ours,
        (Some(_), _) => UseSeen::UsedBefore,
    }
}

/// What a coupon read after a row's lost reply says, for the job.
pub(crate) fn judge(
    session: &SessionData,
    since: Option<OffsetDateTime>,
) -> Reconciled<RedeemInput> {
    match use_seen(session, since, Before::NotRead) {
        // Not used: our request did not take effect, so it may be made again. A coupon voided
        // or expired since is refused then, in its own words.
        UseSeen::NotUsed => Reconciled::NotThere,
        UseSeen::CantTell => Reconciled::CantTell(Words::new("redeemMany.row.usedNoDate")),
        UseSeen::Ours => Reconciled::Done(used(session, "redeemMany.row.usedConfirmed")),
        UseSeen::UsedBefore => Reconciled::Done(not_marked(
            "redeemMany.row.alreadyUsed",
            session.validated_at,
        )),
    }
}

impl JobKind for RedeemManyKind {
    fn done_word() -> Words {
        Words::new("job.csvStatus.used")
    }

    const NAME: &'static str = "redeem_many";
    /// The same word as one coupon marked at the counter: the history lists every validation.
    const HISTORY_ACTION: &'static str = "redeem_validate";
    const EXPORT_COLUMNS: &'static [(&'static str, &'static str)] = &[
        ("row", "row"),
        ("scanned", "scanned"),
        ("code", "code"),
        ("campaign", "campaign"),
        ("status", "status"),
        ("validated_at", "validatedAt"),
        ("message", "message"),
    ];

    type Spec = RedeemManySpec;
    type Input = RedeemInput;

    fn batch_size(_spec: &RedeemManySpec) -> usize {
        REDEEM_BATCH.min(MAX_SESSIONS_PER_UPDATE)
    }

    fn label(_spec: &RedeemManySpec) -> Option<String> {
        None
    }

    fn target(input: &RedeemInput) -> String {
        if input.code.is_empty() {
            input.scanned.clone()
        } else {
            input.code.clone()
        }
    }

    async fn attempt(
        client: &Client,
        _spec: &RedeemManySpec,
        rows: &[Claimed<RedeemInput>],
    ) -> Vec<Verdict> {
        let update = ManySessionsUpdate {
            codes: rows.iter().map(|r| r.input.code.clone()).collect(),
            operation: Some(Operation::Validated),
            validation_value: None,
            void: None,
        };
        let results = match client.sessions().update_many(&update).await {
            Ok(results) if results.len() == rows.len() => results,
            // The codes are checked 21-character codes, so none is dropped; if one were, the
            // reply could not be matched to the rows: look every one up.
            Ok(_) => return rows.iter().map(|_| Verdict::MaybeDone).collect(),
            Err(error) => {
                let verdict = verdict_of_write_error(&error);
                return rows.iter().map(|_| verdict.clone()).collect();
            }
        };
        let mut verdicts = Vec::with_capacity(rows.len());
        for result in results {
            verdicts.push(match result.outcome {
                SessionUpdateOutcome::Updated { session } if session.validated => {
                    Verdict::Done(used(&session, "redeemMany.row.used"))
                }
                SessionUpdateOutcome::Updated { .. } | SessionUpdateOutcome::Unknown => {
                    Verdict::MaybeDone
                }
                SessionUpdateOutcome::Refused { code, message } => {
                    // The date it was used or expired on, for the row's message.
                    let now = match code {
                        306 | 308 => client.sessions().get(&result.code).await.ok(),
                        _ => None,
                    };
                    match refusal(code, now.as_ref()) {
                        Some(outcome) => Verdict::Done(outcome),
                        None => Verdict::Refused {
                            code: Some(i64::from(code)),
                            outcome: RowOutcome::new(RowStatus::Failed, Some(as_written(&message))),
                        },
                    }
                }
            });
        }
        verdicts
    }

    async fn reconcile(
        client: &Client,
        _spec: &RedeemManySpec,
        row: &Claimed<RedeemInput>,
        _known: &HashSet<String>,
    ) -> Reconciled<RedeemInput> {
        match client.sessions().get(&row.input.code).await {
            Ok(session) => judge(&session, row.sent_since(client)),
            Err(ApiError::Coupontools { code: 505, .. }) => {
                Reconciled::Done(not_marked("redeemMany.row.notFound", None))
            }
            Err(error) if error.is_account_failure() => Reconciled::PauseJob(reason_of(&error)),
            Err(error) => {
                log::warn!("jobs: coupon {} could not be read: {error:?}", row.row);
                Reconciled::CantTell(Words::new("redeemMany.row.cantTell"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::SingleUseCode;

    fn session(validated: Option<OffsetDateTime>) -> SessionData {
        SessionData {
            campaign: "cam_104250".into(),
            code: SingleUseCode::new("0ist0ywa4t9z7rj0g8mf7"),
            url: String::new(),
            sequence_id: None,
            custom_id: None,
            created_at: None,
            opened_at: None,
            claimed_at: None,
            validated_at: validated,
            voided_at: None,
            validated: validated.is_some(),
            voided: false,
            expires_at: None,
            own_validation_code: None,
            locked: false,
            email: None,
            first_name: None,
            last_name: None,
            phone: None,
        }
    }

    /// The one decision for Redeem's single "mark as used" and a row of Mark many.
    #[test]
    fn whether_a_use_is_this_requests_is_decided_from_the_coupon_and_what_was_read_before() {
        let sent = OffsetDateTime::now_utc();
        let after = session(Some(sent + time::Duration::seconds(1)));
        let earlier = session(Some(sent - time::Duration::minutes(1)));
        let unused = session(None);
        let mut no_date = session(None);
        no_date.validated = true;
        let cases: [(&SessionData, Before<'_>, UseSeen); 11] = [
            (&unused, Before::NotRead, UseSeen::NotUsed),
            (&unused, Before::Unreadable, UseSeen::NotUsed),
            (&after, Before::NotRead, UseSeen::Ours),
            (&after, Before::Read(&unused), UseSeen::Ours),
            // Used when read right before the request: another till's, whatever the date says.
            (&after, Before::Read(&earlier), UseSeen::UsedBefore),
            // Without a read before, a use since the request cannot be told from another till's
            // for a single write (the job's row has its check instead).
            (&after, Before::Unreadable, UseSeen::CantTell),
            (&earlier, Before::NotRead, UseSeen::UsedBefore),
            (&earlier, Before::Read(&unused), UseSeen::UsedBefore),
            (&no_date, Before::NotRead, UseSeen::CantTell),
            (&no_date, Before::Read(&unused), UseSeen::CantTell),
            (&no_date, Before::Read(&no_date), UseSeen::UsedBefore),
        ];
        for (i, (now, before, expected)) in cases.into_iter().enumerate() {
            assert_eq!(use_seen(now, Some(sent), before), expected, "case {i}");
        }
        assert_eq!(use_seen(&after, None, Before::NotRead), UseSeen::Ours);
    }

    #[test]
    fn a_coupon_used_since_our_request_is_done_and_one_used_before_is_not_ours() {
        let sent = OffsetDateTime::now_utc();
        match judge(
            &session(Some(sent + time::Duration::seconds(1))),
            Some(sent),
        ) {
            Reconciled::Done(outcome) => {
                assert_eq!(outcome.status, RowStatus::Sent);
                assert!(outcome.output.contains_key("validatedAt"));
            }
            other => panic!("{other:?}"),
        }
        match judge(
            &session(Some(sent - time::Duration::minutes(1))),
            Some(sent),
        ) {
            Reconciled::Done(outcome) => assert_eq!(outcome.status, RowStatus::Skipped),
            other => panic!("{other:?}"),
        }
        assert_eq!(judge(&session(None), Some(sent)), Reconciled::NotThere);
    }

    #[test]
    fn refusals_of_one_coupon_are_facts_about_it_and_others_are_not() {
        for code in [306, 307, 308, 309, 505] {
            let outcome = refusal(code, None).expect("a known refusal");
            assert_eq!(outcome.status, RowStatus::Skipped, "{code}");
        }
        assert!(refusal(302, None).is_none());
        let at = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let message = refusal(306, Some(&session(Some(at)))).unwrap().message;
        assert_eq!(
            message.expect("a reason").value("when"),
            Some(&crate::api::words::Value::Text(
                "2027-01-15 08:00 UTC".into()
            ))
        );
    }

    #[test]
    fn every_state_at_the_check_has_its_own_reason() {
        {
            let reasons: HashSet<String> = [
                "used",
                "voided",
                "expired",
                "locked",
                "not_found",
                "duplicate",
                "ambiguous",
                "unchecked",
            ]
            .iter()
            .map(|s| skip_reason(s, None, 2).key.into_owned())
            .collect();
            assert_eq!(reasons.len(), 8);
            assert!(reasons.iter().all(|r| r.starts_with("redeemMany.row.")));
        }
    }
}
