//! How a screen's input becomes a stored job, one method per kind (the kinds themselves do not
//! know the engine that runs them). Call [`JobManager::run`] to start the job.

use crate::api::words::{Plain, Words};
use crate::api::{validate, MemberFields};
use crate::jobs::email_list::{EmailList, RowProblem};
use crate::jobs::error::JobError;
use crate::jobs::journal::JobId;
use crate::jobs::kind::JobKind;
use crate::jobs::kinds::directory_payment::*;
use crate::jobs::kinds::email::*;
use crate::jobs::kinds::loyalty_import::*;
use crate::jobs::kinds::redeem_many::*;
use crate::jobs::kinds::single_use::*;
use crate::jobs::limits::{MAX_CONCURRENCY, MIN_CONCURRENCY};
use crate::jobs::runner::JobManager;
use crate::jobs::status::RowStatus;

impl JobManager {
    /// Stores a new e-mail job for `list` (all its rows; the file's problem rows already
    /// decided). Call [`JobManager::run`] to start it.
    pub fn create_email_job(
        &self,
        account_id: &str,
        account_name: &str,
        spec: EmailJobSpec,
        list: &EmailList,
    ) -> Result<JobId, JobError> {
        if !(MIN_CONCURRENCY..=MAX_CONCURRENCY).contains(&spec.concurrency) {
            return Err(JobError::InvalidConcurrency {
                given: spec.concurrency,
            });
        }
        let campaign =
            validate::campaign_id(&spec.campaign).map_err(|p| JobError::InvalidCampaign {
                message: p.message,
                hint: p.hint,
            })?;
        if list.valid == 0 {
            return Err(JobError::NothingToSend);
        }
        let subject = spec
            .subject
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        let stored = EmailSpec {
            campaign,
            subject,
            check_unique: spec.check_unique,
        };
        let rows = list.rows.iter().map(|row| {
            let settled = row.problem.map(|problem| match problem {
                RowProblem::MissingEmail => (RowStatus::Failed, Words::new("job.email.noAddress")),
                RowProblem::InvalidEmail => {
                    (RowStatus::Failed, Words::new("job.email.invalidAddress"))
                }
                RowProblem::Duplicate => (
                    RowStatus::Skipped,
                    match row.duplicate_of {
                        Some(first) => {
                            Words::with("job.list.duplicateOf", &[("row", &Plain(first))])
                        }
                        None => Words::new("job.list.duplicateEarlier"),
                    },
                ),
            });
            let input = EmailInput {
                email: row.email.clone(),
                first_name: row.first_name.clone(),
                last_name: row.last_name.clone(),
            };
            (row.row, input, settled)
        });
        self.create_job::<EmailKind>(account_id, account_name, &stored, spec.concurrency, rows)
    }
}

impl JobManager {
    /// Stores a job that makes `spec.amount` links in chunks of [`CHUNK`].
    pub fn create_links_job(
        &self,
        account_id: &str,
        account_name: &str,
        spec: &CreateLinksSpec,
    ) -> Result<JobId, JobError> {
        // A chunk in doubt is told apart by time: another job making links in the same campaign
        // at the same time would be counted as its own.
        let busy = self.not_done()?.into_iter().any(|job| {
            job.kind == CreateLinksKind::NAME
                && job.label.as_deref() == Some(spec.campaign.as_str())
        });
        if busy {
            return Err(JobError::SameCampaignBusy);
        }
        let chunks = (0..spec.amount.div_ceil(CHUNK)).map(|i| {
            let amount = (spec.amount - i * CHUNK).min(CHUNK);
            (i as usize + 1, ChunkInput { amount }, None)
        });
        // One chunk at a time: a chunk in doubt is told apart from the next by time.
        self.create_job::<CreateLinksKind>(account_id, account_name, spec, 1, chunks)
    }

    /// Stores a job that removes `links`, `concurrency` at a time.
    pub fn create_removal_job(
        &self,
        account_id: &str,
        account_name: &str,
        links: Vec<RemoveInput>,
        concurrency: u8,
    ) -> Result<JobId, JobError> {
        if links.is_empty() {
            return Err(JobError::NothingToSend);
        }
        let rows = links
            .into_iter()
            .enumerate()
            .map(|(i, link)| (i + 1, link, None));
        self.create_job::<RemoveLinksKind>(
            account_id,
            account_name,
            &RemoveLinksSpec::default(),
            concurrency,
            rows,
        )
    }
}

/// A row of an import: its number in the file, the member, and the problem already found in
/// the file (such a row is stored as done, never sent).
pub type ImportRow = (usize, MemberFields, Option<(RowStatus, Words)>);

impl JobManager {
    /// Stores an import of `rows` (row number, member, problem already found in the file).
    pub fn create_import_job(
        &self,
        account_id: &str,
        account_name: &str,
        spec: &ImportSpec,
        rows: Vec<ImportRow>,
    ) -> Result<JobId, JobError> {
        if rows.iter().all(|(_, _, problem)| problem.is_some()) {
            return Err(JobError::NothingToSend);
        }
        self.create_job::<ImportMembersKind>(account_id, account_name, spec, 1, rows)
    }
}

impl JobManager {
    /// Stores a payment-status job for `rows` (row number, member, problem found already).
    pub fn create_payment_job(
        &self,
        account_id: &str,
        account_name: &str,
        spec: &PaymentJobSpec,
        concurrency: u8,
        rows: Vec<PaymentRow>,
    ) -> Result<JobId, JobError> {
        if rows.iter().all(|(_, _, problem)| problem.is_some()) {
            return Err(JobError::NothingToSend);
        }
        self.create_job::<PaymentStatusKind>(account_id, account_name, spec, concurrency, rows)
    }
}

impl JobManager {
    /// Stores a "mark many as used" job: rows given with a status (used, voided, … at the
    /// check) are stored skipped with their reason; the others are validated.
    pub fn create_redeem_many_job(
        &self,
        account_id: &str,
        account_name: &str,
        rows: Vec<(RedeemInput, Option<(RowStatus, Words)>)>,
    ) -> Result<JobId, JobError> {
        if rows.iter().all(|(_, settled)| settled.is_some()) {
            return Err(JobError::NothingToSend);
        }
        let rows = rows
            .into_iter()
            .enumerate()
            .map(|(i, (input, settled))| (i + 1, input, settled));
        self.create_job::<RedeemManyKind>(
            account_id,
            account_name,
            &RedeemManySpec::default(),
            REDEEM_CONCURRENCY,
            rows,
        )
    }
}
