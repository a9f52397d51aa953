//! E-mail a coupon to every address of a list: one `send/email` per row, reconciled through
//! `couponsession/search` (§10) whenever a send may have gone out unseen.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::api::{
    validate, ApiError, Client, CouponSession, EmailAction, EmailCouponRequest, SessionSearch,
};
use crate::i18n::{t, tf, Plain};
use crate::jobs::email_list::{EmailList, RowProblem};
use crate::jobs::error::JobError;
use crate::jobs::journal::{unknown_message, JobId, RowStatus};
use crate::jobs::kind::{
    reason_of, verdict_of_write_error, Claimed, JobKind, Reconciled, RowOutcome, Verdict,
};
use crate::jobs::runner::{JobManager, MAX_CONCURRENCY, MIN_CONCURRENCY};

/// A session made this long before our first request still counts as ours: the computer's
/// clock and Coupontools' need not agree to the second.
const CLOCK_SKEW_MS: i64 = 5 * 60 * 1000;

/// What to send, to whom is the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailJobSpec {
    pub campaign: String,
    pub subject: Option<String>,
    pub check_unique: bool,
    pub concurrency: u8,
}

/// What the journal keeps of an e-mail job's parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailSpec {
    pub campaign: String,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub check_unique: bool,
}

/// One recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailInput {
    pub email: String,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
}

pub struct EmailKind;

impl JobKind for EmailKind {
    fn unknown_message() -> String {
        unknown_message()
    }

    const NAME: &'static str = "email";
    const HISTORY_ACTION: &'static str = "email_coupon";
    const EXPORT_COLUMNS: &'static [(&'static str, &'static str)] = &[
        ("row", "row"),
        ("email", "email"),
        ("status", "status"),
        ("single_use_url", "singleUseUrl"),
        ("message", "message"),
    ];

    type Spec = EmailSpec;
    type Input = EmailInput;

    fn label(spec: &EmailSpec) -> Option<String> {
        Some(spec.campaign.clone())
    }

    fn target(input: &EmailInput) -> String {
        input.email.clone()
    }

    async fn attempt(
        client: &Client,
        spec: &EmailSpec,
        rows: &[Claimed<EmailInput>],
    ) -> Vec<Verdict> {
        let mut verdicts = Vec::with_capacity(rows.len());
        for row in rows {
            verdicts.push(send(client, spec, row).await);
        }
        verdicts
    }

    async fn reconcile(
        client: &Client,
        spec: &EmailSpec,
        row: &Claimed<EmailInput>,
        _known: &HashSet<String>,
    ) -> Reconciled<EmailInput> {
        match look_up(client, spec, &row.input.email).await {
            Ok(sessions) => judge_lookup(spec, row, &sessions),
            Err(error) if error.is_account_failure() => Reconciled::PauseJob(reason_of(&error)),
            Err(error) => {
                log::warn!("jobs: row {} could not be looked up: {error:?}", row.row);
                Reconciled::CantTell(unknown_message())
            }
        }
    }
}

async fn send(client: &Client, spec: &EmailSpec, row: &Claimed<EmailInput>) -> Verdict {
    let request = EmailCouponRequest {
        campaign: spec.campaign.clone(),
        email: row.input.email.clone(),
        subject: spec.subject.clone(),
        first_name: row.input.first_name.clone(),
        last_name: row.input.last_name.clone(),
        check_unique: spec.check_unique,
    };
    let coupon = match client.send_coupon_email(&request).await {
        Ok(coupon) => coupon,
        Err(error) => return verdict_of_write_error(&error),
    };
    let code = coupon.single_use_code.to_string();
    match coupon.outcome {
        EmailAction::Sent if !code.is_empty() => Verdict::Done(
            RowOutcome::new(RowStatus::Sent, None)
                .with("singleUseCode", Some(code))
                .with("singleUseUrl", Some(coupon.single_use_url)),
        ),
        // Sent, but the reply did not carry the link: find it, or say it is missing.
        EmailAction::Sent => {
            let found = look_up(client, spec, &row.input.email)
                .await
                .ok()
                .and_then(|sessions| newest(ours(&sessions, row.first_sent_at)).cloned());
            Verdict::Done(match found {
                Some(session) => sent_with(&session, None),
                None => RowOutcome::new(RowStatus::Sent, Some(t("job.email.linkUnknown"))),
            })
        }
        // §10: any other action word means nothing went out now. What the customer already has
        // is looked up; without it the row is in doubt, never "skipped" on the reply's word.
        EmailAction::NotSentNow => {
            let found = look_up(client, spec, &row.input.email)
                .await
                .map(|sessions| newest(sessions.iter()).cloned());
            Verdict::Done(match found {
                Ok(Some(session)) => {
                    RowOutcome::new(RowStatus::Skipped, Some(t("job.email.alreadyHad")))
                        .with("singleUseCode", Some(session.code.to_string()))
                        .with("singleUseUrl", Some(session.url))
                }
                Ok(None) => RowOutcome::new(RowStatus::Unknown, Some(t("job.email.notSentNoLink"))),
                Err(_) => RowOutcome::new(RowStatus::Unknown, Some(unknown_message())),
            })
        }
    }
}

/// The sessions of this campaign for this address.
async fn look_up(
    client: &Client,
    spec: &EmailSpec,
    email: &str,
) -> Result<Vec<CouponSession>, ApiError> {
    let sessions = client
        .search_sessions(&SessionSearch {
            search: email.to_owned(),
            campaign: Some(spec.campaign.clone()),
        })
        .await?;
    // The search also matches phone numbers and own codes: keep what is this address's.
    Ok(sessions
        .into_iter()
        .filter(|s| {
            s.email
                .as_deref()
                .is_none_or(|e| e.trim().eq_ignore_ascii_case(email.trim()))
        })
        .collect())
}

/// What the server's sessions say about a row in doubt. Pure, so every case is tested here.
pub(crate) fn judge_lookup(
    spec: &EmailSpec,
    row: &Claimed<EmailInput>,
    sessions: &[CouponSession],
) -> Reconciled<EmailInput> {
    if let Some(session) = newest(ours(sessions, row.first_sent_at)) {
        return Reconciled::Done(sent_with(session, Some(t("job.email.confirmed"))));
    }
    if spec.check_unique {
        // The address had the coupon before our request: Coupontools would skip a resend, and
        // the customer has a link.
        return match newest(sessions.iter()) {
            Some(session) => Reconciled::Done(
                RowOutcome::new(RowStatus::Skipped, Some(t("job.email.alreadyHad")))
                    .with("singleUseCode", Some(session.code.to_string()))
                    .with("singleUseUrl", Some(session.url.clone())),
            ),
            None => Reconciled::NotThere,
        };
    }
    // Without check_unique an older session does not stop a send; one whose time is unknown
    // might be ours, so the row cannot be told.
    if sessions.iter().any(|s| s.created_at.is_none())
        || row.first_sent_at.is_none() && !sessions.is_empty()
    {
        return Reconciled::CantTell(unknown_message());
    }
    Reconciled::NotThere
}

/// Sessions made since (about) our first request for the row; none when either time is unknown
/// (the caller decides those).
fn ours(
    sessions: &[CouponSession],
    first_sent_at: Option<i64>,
) -> impl Iterator<Item = &CouponSession> {
    sessions
        .iter()
        .filter(move |s| match (s.created_at, first_sent_at) {
            (Some(created), Some(first)) => {
                (created.unix_timestamp_nanos() / 1_000_000) as i64 >= first - CLOCK_SKEW_MS
            }
            _ => false,
        })
}

fn newest<'a>(sessions: impl Iterator<Item = &'a CouponSession>) -> Option<&'a CouponSession> {
    sessions.max_by_key(|s| s.created_at)
}

fn sent_with(session: &CouponSession, message: Option<String>) -> RowOutcome {
    RowOutcome::new(RowStatus::Sent, message)
        .with("singleUseCode", Some(session.code.to_string()))
        .with("singleUseUrl", Some(session.url.clone()))
}

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
                RowProblem::MissingEmail => (RowStatus::Failed, t("job.email.noAddress")),
                RowProblem::InvalidEmail => (RowStatus::Failed, t("job.email.invalidAddress")),
                RowProblem::Duplicate => (
                    RowStatus::Skipped,
                    match row.duplicate_of {
                        Some(first) => tf("job.list.duplicateOf", &[("row", &Plain(first))]),
                        None => t("job.list.duplicateEarlier"),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Endpoint, SingleUseCode};
    use std::time::Duration;

    fn spec(check_unique: bool) -> EmailSpec {
        EmailSpec {
            campaign: "cam_1001".into(),
            subject: None,
            check_unique,
        }
    }

    const T0: i64 = 1_800_000_000_000;

    fn row(first_sent_at: Option<i64>) -> Claimed<EmailInput> {
        Claimed {
            row: 1,
            input: EmailInput {
                email: "ann@example.com".into(),
                first_name: None,
                last_name: None,
            },
            attempts: 1,
            maybe_sent: true,
            first_sent_at,
            last_sent_at: first_sent_at,
        }
    }

    fn session(created_ms: Option<i64>) -> CouponSession {
        CouponSession {
            code: SingleUseCode::new("0ist0ywa4t9z7rj0g8mf7"),
            url: "https://digicpn.com/p/abc123/0ist0ywa4t9z7rj0g8mf7".into(),
            campaign: "cam_1001".into(),
            email: Some("ann@example.com".into()),
            created_at: created_ms.map(|ms| {
                time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).unwrap()
            }),
        }
    }

    fn status(r: &Reconciled<EmailInput>) -> Option<RowStatus> {
        match r {
            Reconciled::Done(o) => Some(o.status),
            _ => None,
        }
    }

    #[test]
    fn a_session_made_since_our_request_is_our_send() {
        for check_unique in [false, true] {
            let found = judge_lookup(
                &spec(check_unique),
                &row(Some(T0)),
                &[session(Some(T0 + 900))],
            );
            let Reconciled::Done(outcome) = found else {
                panic!("{found:?}")
            };
            assert_eq!(outcome.status, RowStatus::Sent);
            assert_eq!(
                outcome.message.as_deref(),
                Some("Sent (confirmed after an interruption).")
            );
            assert!(outcome.output["singleUseUrl"]
                .as_str()
                .unwrap()
                .ends_with("mf7"));
        }
    }

    #[test]
    fn nothing_found_is_safe_to_send_again() {
        for check_unique in [false, true] {
            assert_eq!(
                judge_lookup(&spec(check_unique), &row(Some(T0)), &[]),
                Reconciled::NotThere
            );
        }
    }

    #[test]
    fn an_older_session_skips_with_check_unique_and_does_not_stop_a_send_without() {
        let old = [session(Some(T0 - 3_600_000))];
        assert_eq!(
            status(&judge_lookup(&spec(true), &row(Some(T0)), &old)),
            Some(RowStatus::Skipped)
        );
        assert_eq!(
            judge_lookup(&spec(false), &row(Some(T0)), &old),
            Reconciled::NotThere
        );
    }

    #[test]
    fn sessions_without_a_time_cannot_be_told_without_check_unique() {
        assert!(matches!(
            judge_lookup(&spec(false), &row(Some(T0)), &[session(None)]),
            Reconciled::CantTell(_)
        ));
        assert!(matches!(
            judge_lookup(&spec(false), &row(None), &[session(Some(T0))]),
            Reconciled::CantTell(_)
        ));
        assert!(matches!(
            judge_lookup(&spec(true), &row(None), &[session(None)]),
            Reconciled::Done(_)
        ));
    }

    #[test]
    fn the_clock_skew_margin_counts_a_slightly_earlier_session_as_ours() {
        let skewed = [session(Some(T0 - 60_000))];
        assert_eq!(
            status(&judge_lookup(&spec(false), &row(Some(T0)), &skewed)),
            Some(RowStatus::Sent)
        );
    }

    #[test]
    fn errors_after_the_request_left_are_maybe_done_and_never_a_resend() {
        let maybe = [
            ApiError::OutcomeUnknown {
                endpoint: Endpoint::SendEmail,
                detail: "reply lost".into(),
            },
            ApiError::ReplyLost {
                detail: "closed".into(),
            },
            ApiError::Timeout { sent: true },
            ApiError::Server { status: 503 },
            ApiError::Decode {
                status: 200,
                path: "single_use_url".into(),
                detail: "x".into(),
            },
            ApiError::NotTheApi {
                status: 502,
                excerpt: "<html>Bad gateway</html>".into(),
            },
            ApiError::NotTheApi {
                status: 200,
                excerpt: "<html>Hello</html>".into(),
            },
        ];
        for e in maybe {
            assert_eq!(verdict_of_write_error(&e), Verdict::MaybeDone, "{e:?}");
        }
    }

    #[test]
    fn nothing_sent_errors_pause_and_refusals_fail_the_row_with_their_code() {
        for e in [
            ApiError::Connect {
                detail: "refused".into(),
            },
            ApiError::Timeout { sent: false },
            ApiError::UnusableCredentials,
            ApiError::Internal {
                detail: "builder".into(),
            },
            ApiError::NotTheApi {
                status: 404,
                excerpt: String::new(),
            },
            ApiError::Coupontools {
                code: 1000,
                description: "x".into(),
            },
            ApiError::Coupontools {
                code: 104,
                description: "x".into(),
            },
        ] {
            assert!(
                matches!(verdict_of_write_error(&e), Verdict::PauseJob(_)),
                "{e:?}"
            );
        }
        for code in [305, 604, 502] {
            let e = ApiError::Coupontools {
                code,
                description: "x".into(),
            };
            match verdict_of_write_error(&e) {
                Verdict::Refused { code: c, outcome } => {
                    assert_eq!(c, Some(i64::from(code)));
                    assert_eq!(outcome.status, RowStatus::Failed);
                }
                other => panic!("{code}: {other:?}"),
            }
        }
        assert_eq!(
            verdict_of_write_error(&ApiError::RateLimited {
                retry_after: Some(Duration::from_secs(2))
            }),
            Verdict::RetryAfter(Duration::from_secs(2))
        );
    }
}
