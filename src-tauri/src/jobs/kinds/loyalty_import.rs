//! Importing loyalty members: batches of up to 100 per `stats/bulk` call (§10). A batch whose
//! reply was lost is reconciled member by member (looked up by e-mail or phone) before anything
//! is sent again.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::api::{ApiError, Client, MemberFields, MemberQuery, MAX_BULK_MEMBERS};
use crate::i18n::{t, tf};
use crate::jobs::error::JobError;
use crate::jobs::journal::{JobId, RowStatus};
use crate::jobs::kind::{
    reason_of, verdict_of_write_error, Claimed, JobKind, Reconciled, RowOutcome, Verdict,
};
use crate::jobs::runner::JobManager;

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

    fn done_word() -> String {
        t("job.csvStatus.added")
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
                // The created members come back in the order of the rows that were not refused.
                let mut made = created.created.into_iter();
                (0..rows.len())
                    .map(|i| match rejected.get(&i) {
                        Some(message) => Verdict::Done(RowOutcome::new(
                            RowStatus::Failed,
                            Some(tf("job.import.refused", &[("reason", message)])),
                        )),
                        None => match made.next() {
                            Some(member) => Verdict::Done(
                                RowOutcome::new(RowStatus::Sent, Some(t("job.import.added")))
                                    .with("memberId", Some(member.id.to_string())),
                            ),
                            // Fewer members than rows: the reply does not say which; look up.
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
            return Reconciled::CantTell(t("job.import.noKey"));
        };
        let query = MemberQuery {
            search: Some(key.clone()),
            include_voided: true,
            ..MemberQuery::default()
        };
        match client.loyalty().members(spec.card, &query).await {
            Ok(page) => {
                let found = page.members.into_iter().find(|m| {
                    m.email.eq_ignore_ascii_case(key.trim()) || m.phone.trim() == key.trim()
                });
                match found {
                    Some(member) => Reconciled::Done(
                        RowOutcome::new(RowStatus::Sent, Some(t("job.import.addedConfirmed")))
                            .with("memberId", Some(member.id.to_string())),
                    ),
                    None => Reconciled::NotThere,
                }
            }
            Err(error) if error.is_account_failure() => Reconciled::PauseJob(reason_of(&error)),
            Err(ApiError::V4 { status: 404, .. }) => Reconciled::CantTell(t("job.import.cardGone")),
            Err(_) => Reconciled::CantTell(t("job.import.cantAsk")),
        }
    }
}

impl JobManager {
    /// Stores an import of `rows` (row number, member, problem already found in the file).
    pub fn create_import_job(
        &self,
        account_id: &str,
        account_name: &str,
        spec: &ImportSpec,
        rows: Vec<(usize, MemberFields, Option<(RowStatus, String)>)>,
    ) -> Result<JobId, JobError> {
        if rows.iter().all(|(_, _, problem)| problem.is_some()) {
            return Err(JobError::NothingToSend);
        }
        self.create_job::<ImportMembersKind>(account_id, account_name, spec, 1, rows)
    }
}
