//! Importing loyalty members: batches of up to 100 per `stats/bulk` call (§10). A batch whose
//! reply was lost is reconciled member by member (looked up by e-mail or phone) before anything
//! is sent again.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::api::words::Words;
use crate::api::{ApiError, Client, LoyaltyMember, MemberFields, MAX_BULK_MEMBERS};
use crate::jobs::journal::RowStatus;
use crate::jobs::kind::{
    reason_of, verdict_of_write_error, Claimed, JobKind, Reconciled, RowOutcome, Verdict,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportSpec {
    /// The v4 card id.
    pub card: u64,
    pub card_name: String,
}

pub struct ImportMembersKind;

impl JobKind for ImportMembersKind {
    const NAME: &'static str = "loyalty_import";
    const HISTORY_ACTION: &'static str = "loyalty_member_import";
    const EXPORT_COLUMNS: &'static [(&'static str, &'static str)] = &[
        ("row", "row"),
        ("email", "email"),
        ("first_name", "firstName"),
        ("last_name", "lastName"),
        ("status", "status"),
        ("member_id", "memberId"),
        ("message", "message"),
    ];

    type Spec = ImportSpec;
    type Input = MemberFields;

    fn done_word() -> Words {
        Words::new("job.csvStatus.added")
    }

    fn batch_size(_spec: &ImportSpec) -> usize {
        MAX_BULK_MEMBERS
    }

    fn label(spec: &ImportSpec) -> Option<String> {
        Some(spec.card_name.clone())
    }

    /// The member's name (the history is looked through by name); the e-mail when there is none.
    fn target(input: &MemberFields) -> String {
        match (&input.first_name, &input.last_name) {
            (Some(first), Some(last)) => format!("{first} {last}"),
            (Some(name), None) | (None, Some(name)) => name.clone(),
            (None, None) => input.email.clone().unwrap_or_default(),
        }
    }

    async fn attempt(
        client: &Client,
        spec: &ImportSpec,
        rows: &[Claimed<MemberFields>],
    ) -> Vec<Verdict> {
        let users: Vec<MemberFields> = rows.iter().map(|r| r.input.clone()).collect();
        match client
            .loyalty()
            .create_members_batch(spec.card, &users)
            .await
        {
            Ok(created) => {
                let rejected: std::collections::HashMap<usize, String> = created
                    .rejected
                    .into_iter()
                    .map(|r| (r.index, r.message))
                    .collect();
                // Created members are matched to rows by their values, never by position: a
                // row the server skipped without a word would shift every ID after it.
                let mut made = created.created;
                (0..rows.len())
                    .map(|i| match rejected.get(&i) {
                        Some(message) => Verdict::Done(RowOutcome::new(
                            RowStatus::Failed,
                            Some(Words::with("job.import.refused", &[("reason", message)])),
                        )),
                        None => match take_match(&mut made, &rows[i].input) {
                            Some(member) => Verdict::Done(
                                RowOutcome::new(
                                    RowStatus::Sent,
                                    Some(Words::new("job.import.added")),
                                )
                                .with("memberId", Some(member.id.to_string())),
                            ),
                            // The reply does not show this row's member: look it up.
                            None => Verdict::MaybeDone,
                        },
                    })
                    .collect()
            }
            Err(error) => {
                let verdict = verdict_of_write_error(&error);
                rows.iter().map(|_| verdict.clone()).collect()
            }
        }
    }

    /// A member this row's batch made is one the server created after the batch left (its
    /// clock) with the row's e-mail, or its phone compared as digits; every page of the
    /// search is read. A member who existed before is not evidence of this request.
    async fn reconcile(
        client: &Client,
        spec: &ImportSpec,
        row: &Claimed<MemberFields>,
        _known: &HashSet<String>,
    ) -> Reconciled<MemberFields> {
        let Some(key) = row
            .input
            .email
            .clone()
            .or_else(|| row.input.phone.clone())
            .filter(|k| !k.trim().is_empty())
        else {
            return Reconciled::CantTell(Words::new("job.import.noKey"));
        };
        // A phone is also searched by its last digits: a server that stores it otherwise
        // written (`+32470…` for `0470 …`) may not find it as typed.
        let mut searches = vec![key.trim().to_owned()];
        if row
            .input
            .email
            .as_deref()
            .is_none_or(|e| e.trim().is_empty())
        {
            let digits: String = key.chars().filter(char::is_ascii_digit).collect();
            if digits.len() >= 9 {
                searches.push(digits[digits.len() - 9..].to_owned());
            }
        }
        let mut found: Result<Vec<LoyaltyMember>, ApiError> = Ok(Vec::new());
        for search in &searches {
            let page = client
                .loyalty()
                .all_members(spec.card, Some(search), true, 2, |_, _, _| {})
                .await;
            found = match (found, page) {
                (Ok(mut all), Ok(more)) => {
                    let new: Vec<LoyaltyMember> = more
                        .into_iter()
                        .filter(|m| !all.iter().any(|a| a.id == m.id))
                        .collect();
                    all.extend(new);
                    Ok(all)
                }
                (Err(e), _) | (_, Err(e)) => Err(e),
            };
        }
        match found {
            Ok(members) => match row.sent_since(client) {
                Some(since) => judge_member(&row.input, since, &members),
                None => Reconciled::CantTell(Words::new("job.import.cantAsk")),
            },
            Err(error) if error.is_account_failure() => Reconciled::PauseJob(reason_of(&error)),
            Err(ApiError::V4 { status: 404, .. }) => {
                Reconciled::CantTell(Words::new("job.import.cardGone"))
            }
            Err(_) => Reconciled::CantTell(Words::new("job.import.cantAsk")),
        }
    }
}

/// Phone numbers compared as digits: `+32 470/12.34.56` and `0470 12 34 56` differ only in
/// how the country is written, so with 9 digits or more the last nine decide.
fn same_phone(a: &str, b: &str) -> bool {
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
    let (a, b) = (digits(a), digits(b));
    if a.len() >= 9 && b.len() >= 9 {
        a[a.len() - 9..] == b[b.len() - 9..]
    } else {
        !a.is_empty() && a == b
    }
}

/// Whether `member` carries the row's values: its e-mail (any case), else its phone (as
/// digits), else its name.
fn is_rows_member(input: &MemberFields, member: &LoyaltyMember) -> bool {
    let text = |o: &Option<String>| o.as_deref().map(str::trim).unwrap_or_default().to_owned();
    let email = text(&input.email);
    if !email.is_empty() {
        return member.email.trim().eq_ignore_ascii_case(&email);
    }
    let phone = text(&input.phone);
    if !phone.is_empty() {
        return same_phone(&phone, &member.phone);
    }
    let (first, last) = (text(&input.first_name), text(&input.last_name));
    (!first.is_empty() || !last.is_empty())
        && member.first_name.trim().eq_ignore_ascii_case(&first)
        && member.last_name.trim().eq_ignore_ascii_case(&last)
}

/// Takes the first created member that carries the row's values out of `made`.
fn take_match(made: &mut Vec<LoyaltyMember>, input: &MemberFields) -> Option<LoyaltyMember> {
    let at = made.iter().position(|m| is_rows_member(input, m))?;
    Some(made.remove(at))
}

/// What the card's members say about a row in doubt. Pure, so every case is tested here.
pub(crate) fn judge_member(
    input: &MemberFields,
    since: time::OffsetDateTime,
    members: &[LoyaltyMember],
) -> Reconciled<MemberFields> {
    let matching: Vec<&LoyaltyMember> = members
        .iter()
        .filter(|m| is_rows_member(input, m))
        .collect();
    if matching.iter().any(|m| m.created_at.is_none()) {
        return Reconciled::CantTell(Words::new("job.import.cantTell"));
    }
    let ours: Vec<&&LoyaltyMember> = matching
        .iter()
        .filter(|m| m.created_at.is_some_and(|at| at >= since))
        .collect();
    match ours.as_slice() {
        [] => Reconciled::NotThere,
        [member] => Reconciled::Done(
            RowOutcome::new(
                RowStatus::Sent,
                Some(Words::new("job.import.addedConfirmed")),
            )
            .with("memberId", Some(member.id.to_string())),
        ),
        // Two new members with the row's values: another till or import added one too.
        _ => Reconciled::CantTell(Words::new("job.import.cantTell")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const SENT: time::OffsetDateTime = datetime!(2026-12-07 10:00:00 UTC);

    fn member(
        id: u64,
        email: &str,
        phone: &str,
        created: Option<time::OffsetDateTime>,
    ) -> LoyaltyMember {
        LoyaltyMember {
            id,
            first_name: "Ann".into(),
            last_name: "Peeters".into(),
            address: String::new(),
            zip: String::new(),
            city: String::new(),
            phone: phone.into(),
            email: email.into(),
            custom: Default::default(),
            stamps: 0,
            rewards: Vec::new(),
            voided: false,
            created_at: created,
        }
    }

    fn row(email: Option<&str>, phone: Option<&str>) -> MemberFields {
        MemberFields {
            first_name: Some("Ann".into()),
            last_name: Some("Peeters".into()),
            email: email.map(str::to_owned),
            phone: phone.map(str::to_owned),
            ..MemberFields::default()
        }
    }

    /// Issue #16, case 3: a member who existed before the batch left hides nothing.
    #[test]
    fn only_a_member_created_after_the_batch_left_is_the_rows() {
        let before = member(1, "ann@shop.test", "", Some(SENT - time::Duration::days(3)));
        let after = member(
            2,
            "ANN@shop.test",
            "",
            Some(SENT + time::Duration::seconds(2)),
        );
        let input = row(Some("ann@shop.test"), None);
        assert_eq!(
            judge_member(&input, SENT, std::slice::from_ref(&before)),
            Reconciled::NotThere
        );
        match judge_member(&input, SENT, &[before.clone(), after.clone()]) {
            Reconciled::Done(outcome) => assert_eq!(outcome.output["memberId"], "2"),
            other => panic!("{other:?}"),
        }
        let twice = member(
            3,
            "ann@shop.test",
            "",
            Some(SENT + time::Duration::seconds(3)),
        );
        assert!(matches!(
            judge_member(&input, SENT, &[after, twice]),
            Reconciled::CantTell(_)
        ));
        let undated = member(4, "ann@shop.test", "", None);
        assert!(matches!(
            judge_member(&input, SENT, &[undated]),
            Reconciled::CantTell(_)
        ));
    }

    /// Issue #16, case 3: phones are compared as digits, so a server that stores them
    /// normalised still shows the row's member.
    #[test]
    fn phones_are_compared_as_digits() {
        let stored = member(
            7,
            "",
            "+32470123456",
            Some(SENT + time::Duration::seconds(1)),
        );
        let input = row(None, Some("0470 12 34 56"));
        assert!(matches!(
            judge_member(&input, SENT, &[stored]),
            Reconciled::Done(_)
        ));
        assert!(same_phone("+32 470/12.34.56", "0032 470 123456"));
        assert!(!same_phone("0470 12 34 56", "0470 12 34 57"));
        assert!(!same_phone("", ""));
    }

    /// Issue #16, case 3: created members are matched to rows by value, not position.
    #[test]
    fn created_members_are_matched_by_their_values_not_their_order() {
        let mut made = vec![
            member(20, "cid@shop.test", "", None),
            member(10, "bea@shop.test", "", None),
        ];
        let bea = take_match(&mut made, &row(Some("bea@shop.test"), None)).unwrap();
        assert_eq!(bea.id, 10);
        assert!(take_match(&mut made, &row(Some("dan@shop.test"), None)).is_none());
        assert_eq!(
            take_match(&mut made, &row(Some("CID@shop.test"), None))
                .unwrap()
                .id,
            20
        );
    }
}
