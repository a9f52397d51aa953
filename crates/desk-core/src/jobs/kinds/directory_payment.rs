//! Setting the payment status of many directory members: one `directoryusers/update` per
//! member. A member whose reply was lost is re-read (`find_user`) before anything is sent again:
//! if the member already shows the status, the row is done; if not, it is sent once more.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::api::words::Words;
use crate::api::{ApiError, Client, DirectoryUser, PaymentUpdate};
use crate::jobs::journal::RowStatus;
use crate::jobs::kind::{
    reason_of, verdict_of_write_error, Claimed, JobKind, Reconciled, RowOutcome, Verdict,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentJobSpec {
    /// `dir_…`
    pub directory: String,
    pub directory_name: String,
    pub update: PaymentUpdate,
}

/// One member to change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentInput {
    /// `reg_…`
    pub user: String,
    /// For the history and the export; "" when the list gave only the ID.
    #[serde(default)]
    pub email: String,
}

pub struct PaymentStatusKind;

/// A row of a payment job as it is stored: row number, member, and a problem found already
/// (the row is then settled without a request).
pub type PaymentRow = (usize, PaymentInput, Option<(RowStatus, Words)>);

fn status_word(update: &PaymentUpdate) -> Words {
    Words::new(format!("directories.payment.{}", status_key(update)))
}

fn status_key(update: &PaymentUpdate) -> &'static str {
    match update.status.as_api() {
        "" => "none",
        word => word,
    }
}

impl JobKind for PaymentStatusKind {
    fn done_word() -> Words {
        Words::new("job.csvStatus.set")
    }

    const NAME: &'static str = "directory_payment";
    const HISTORY_ACTION: &'static str = "directory_payment";
    const EXPORT_COLUMNS: &'static [(&'static str, &'static str)] = &[
        ("row", "row"),
        ("member", "user"),
        ("email", "email"),
        ("status", "status"),
        ("payment_status", "paymentStatus"),
        ("message", "message"),
    ];

    type Spec = PaymentJobSpec;
    type Input = PaymentInput;

    fn label(spec: &PaymentJobSpec) -> Option<String> {
        Some(spec.directory_name.clone())
    }

    fn target(input: &PaymentInput) -> String {
        if input.email.is_empty() {
            input.user.clone()
        } else {
            format!("{} ({})", input.email, input.user)
        }
    }

    async fn attempt(
        client: &Client,
        spec: &PaymentJobSpec,
        rows: &[Claimed<PaymentInput>],
    ) -> Vec<Verdict> {
        let mut verdicts = Vec::with_capacity(rows.len());
        for row in rows {
            let verdict = match client
                .directories()
                .update_payment(&spec.directory, &row.input.user, &spec.update)
                .await
            {
                Ok(_) => Verdict::Done(
                    RowOutcome::new(
                        RowStatus::Sent,
                        Some(Words::with(
                            "directories.job.set",
                            &[("status", &status_word(&spec.update))],
                        )),
                    )
                    .with("paymentStatus", Some(status_key(&spec.update).to_owned())),
                ),
                Err(error) => verdict_of_write_error(&error),
            };
            verdicts.push(verdict);
        }
        verdicts
    }

    async fn reconcile(
        client: &Client,
        spec: &PaymentJobSpec,
        row: &Claimed<PaymentInput>,
        _known: &HashSet<String>,
    ) -> Reconciled<PaymentInput> {
        match look_up_payment(client, &spec.directory, &row.input.user, &spec.update).await {
            PaymentSeen::Shown(_) => Reconciled::Done(
                RowOutcome::new(
                    RowStatus::Sent,
                    Some(Words::with(
                        "directories.job.confirmed",
                        &[("status", &status_word(&spec.update))],
                    )),
                )
                .with("paymentStatus", Some(status_key(&spec.update).to_owned())),
            ),
            // Setting a status twice does no harm; the member does not show it yet.
            PaymentSeen::NotShown(_) => Reconciled::NotThere,
            PaymentSeen::Gone => Reconciled::CantTell(Words::new("directories.job.gone")),
            PaymentSeen::Unreadable(error) if error.is_account_failure() => {
                Reconciled::PauseJob(reason_of(&error))
            }
            PaymentSeen::Unreadable(_) => {
                Reconciled::CantTell(Words::new("directories.job.cantTell"))
            }
        }
    }
}

/// What Coupontools shows of a member's payment status after a write whose answer was lost:
/// the one look-up behind a row of the job and the single change of the Directories screen
/// (`commands::directories::set_member_payment`); each decides what its evidence means.
pub enum PaymentSeen {
    /// The member shows the status asked for.
    Shown(DirectoryUser),
    /// The member is there and does not show it (yet).
    NotShown(DirectoryUser),
    /// No such member now.
    Gone,
    /// The member could not be read.
    Unreadable(ApiError),
}

pub async fn look_up_payment(
    client: &Client,
    directory: &str,
    user: &str,
    update: &PaymentUpdate,
) -> PaymentSeen {
    match client.directories().find_user(directory, user).await {
        Ok(Some(member)) if update.is_shown_by(&member) => PaymentSeen::Shown(member),
        Ok(Some(member)) => PaymentSeen::NotShown(member),
        Ok(None) => PaymentSeen::Gone,
        Err(error) => PaymentSeen::Unreadable(error),
    }
}
