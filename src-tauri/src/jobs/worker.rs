//! One of a job's N workers: takes a row, sends it, records what happened, takes the next.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::api::{ApiError, Client, EmailCouponRequest, EmailedCoupon};
use crate::jobs::error::JobError;
use crate::jobs::journal::{
    ClaimedRow, JobRecord, PauseReason, RowOutcome, RowStatus, UNKNOWN_MESSAGE,
};
use crate::jobs::runner::{JobManager, LiveRun, Stop};

/// Tries per row when the server's answer did not come or asked to slow down. The client has
/// already retried what is safe; these are the job's own, spaced out, and only where a resend
/// cannot e-mail anyone twice.
pub(crate) const MAX_TRIES: u32 = 3;

const ALREADY_HAD_MESSAGE: &str = "Already had this coupon.";
const CONFIRMED_MESSAGE: &str = "Sent (confirmed after an interruption).";

/// What to do with a row after one send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    Final(RowOutcome),
    /// Send the same row again after `after`. `maybe_sent`: this attempt may have taken effect.
    Retry {
        after: Duration,
        maybe_sent: bool,
    },
    /// The account (or the way to it) is unusable: stop the job. The row was not sent.
    PauseJob(PauseReason),
}

pub(crate) async fn work(
    manager: JobManager,
    run: Arc<LiveRun>,
    client: Client,
) -> Result<(), JobError> {
    let mut stop = run.stop_signal();
    let mut claimed = if run.stopping() {
        None
    } else {
        claim_next(&manager, &run).await?
    };
    while let Some(mut row) = claimed.take() {
        loop {
            if run.stopping() {
                requeue(&manager, &run, &row).await?;
                return Ok(());
            }
            let result = client.send_coupon_email(&request(&run.job, &row)).await;
            match decide(&run.job, &row, result) {
                Decision::Final(outcome) => {
                    let status = outcome.status;
                    let job = run.job.clone();
                    let then_claim = !run.stopping();
                    let number = row.row;
                    claimed = manager
                        .with_journal(move |j| j.finish_row(&job, number, &outcome, then_claim))
                        .await?;
                    run.counted(RowStatus::InFlight, status);
                    if claimed.is_some() {
                        run.counted(RowStatus::Pending, RowStatus::InFlight);
                    }
                    break;
                }
                Decision::Retry { after, maybe_sent } => {
                    let id = run.job.id.clone();
                    let number = row.row;
                    manager
                        .with_journal(move |j| j.note_retry(&id, number, maybe_sent))
                        .await?;
                    row.attempts += 1;
                    row.maybe_sent |= maybe_sent;
                    if !sleep_unless_stopped(after, &mut stop).await {
                        requeue(&manager, &run, &row).await?;
                        return Ok(());
                    }
                }
                Decision::PauseJob(reason) => {
                    requeue(&manager, &run, &row).await?;
                    run.pause_with(reason);
                    return Ok(());
                }
            }
        }
    }
    Ok(())
}

fn request(job: &JobRecord, row: &ClaimedRow) -> EmailCouponRequest {
    EmailCouponRequest {
        campaign: job.campaign.clone(),
        email: row.email.clone(),
        subject: job.subject.clone(),
        first_name: row.first_name.clone(),
        last_name: row.last_name.clone(),
        check_unique: job.check_unique,
    }
}

/// Turns one reply into what happens to the row. Pure, so every case is tested without a server.
pub(crate) fn decide(
    job: &JobRecord,
    row: &ClaimedRow,
    result: Result<EmailedCoupon, ApiError>,
) -> Decision {
    let error = match result {
        Ok(coupon) => return Decision::Final(delivered(row, coupon)),
        Err(error) => error,
    };
    // No catch-all: a new kind of error must be placed here on purpose, because a wrong guess
    // either e-mails someone twice or marks a whole list "maybe sent" when nothing went out.
    match &error {
        // The account is refused (bad keys, expired, no e-mail provider): every row would be too.
        ApiError::Coupontools { .. } | ApiError::V4 { .. } if error.is_account_failure() => {
            Decision::PauseJob(reason_of(&error))
        }
        // Coupontools refused this row in its own words (305 bad address, 604 not delivered, ...).
        ApiError::Coupontools { .. } | ApiError::V4 { .. } => Decision::Final(RowOutcome {
            status: RowStatus::Failed,
            single_use_code: None,
            single_use_url: None,
            message: Some(error.user_message()),
        }),
        // Nothing left the computer, the settings are wrong, or something that is not the API
        // (a wrong address, a redirect, a proxy) turned the request away: nothing was sent, and
        // every row would fail the same way.
        ApiError::NotTheApi {
            status: 300..=499, ..
        }
        | ApiError::Connect { .. }
        | ApiError::Timeout { sent: false }
        | ApiError::InvalidBaseUrl { .. }
        | ApiError::UnusableCredentials
        | ApiError::Internal { .. } => Decision::PauseJob(reason_of(&error)),
        // Refused before it was handled: safe to send again, after the pause it asked for.
        ApiError::RateLimited { retry_after } => {
            if row.attempts < MAX_TRIES {
                let after = retry_after
                    .unwrap_or(Duration::from_secs(5))
                    .min(Duration::from_secs(60));
                Decision::Retry {
                    after,
                    maybe_sent: false,
                }
            } else {
                Decision::PauseJob(reason_of(&error))
            }
        }
        // The request reached the server and may have been carried out: the reply was lost or
        // garbled, came too late, or was a 5xx. A Decode error only follows an "OK" envelope,
        // and a foreign page outside 3xx/4xx is a "success" or a server error page.
        ApiError::OutcomeUnknown { .. }
        | ApiError::ReplyLost { .. }
        | ApiError::Timeout { sent: true }
        | ApiError::Server { .. }
        | ApiError::Decode { .. }
        | ApiError::NotTheApi { .. } => maybe_sent(job, row),
    }
}

/// Only check_unique makes a resend safe: the server then answers "already sent" instead of
/// sending again. Without it the row is left to the person to check.
fn maybe_sent(job: &JobRecord, row: &ClaimedRow) -> Decision {
    if job.check_unique && row.attempts < MAX_TRIES {
        let after = Duration::from_millis(500 * u64::from(row.attempts.max(1)));
        Decision::Retry {
            after,
            maybe_sent: true,
        }
    } else {
        Decision::Final(RowOutcome {
            status: RowStatus::Unknown,
            single_use_code: None,
            single_use_url: None,
            message: Some(UNKNOWN_MESSAGE.to_string()),
        })
    }
}

fn delivered(row: &ClaimedRow, coupon: EmailedCoupon) -> RowOutcome {
    let code = Some(coupon.single_use_code.to_string()).filter(|c| !c.is_empty());
    let url = Some(coupon.single_use_url.clone()).filter(|u| !u.is_empty());
    let (status, message) = match (coupon.already_sent, row.maybe_sent) {
        (false, _) => (RowStatus::Sent, None),
        // Our own earlier attempt reached the server before the crash or the lost reply.
        (true, true) => (RowStatus::Sent, Some(CONFIRMED_MESSAGE.to_string())),
        (true, false) => (RowStatus::Skipped, Some(ALREADY_HAD_MESSAGE.to_string())),
    };
    RowOutcome {
        status,
        single_use_code: code,
        single_use_url: url,
        message,
    }
}

fn reason_of(error: &ApiError) -> PauseReason {
    PauseReason {
        message: error.user_message(),
        hint: error.hint(),
    }
}

async fn claim_next(
    manager: &JobManager,
    run: &Arc<LiveRun>,
) -> Result<Option<ClaimedRow>, JobError> {
    let id = run.job.id.clone();
    let claimed = manager.with_journal(move |j| j.claim_next(&id)).await?;
    if claimed.is_some() {
        run.counted(RowStatus::Pending, RowStatus::InFlight);
    }
    Ok(claimed)
}

/// Back to the queue, for a later run. The attempt now counted was not made (the job stopped
/// first) or was turned away unhandled (the account paused), so it does not count.
async fn requeue(
    manager: &JobManager,
    run: &Arc<LiveRun>,
    row: &ClaimedRow,
) -> Result<(), JobError> {
    let id = run.job.id.clone();
    let (number, maybe_sent) = (row.row, row.maybe_sent);
    manager
        .with_journal(move |j| j.requeue(&id, number, maybe_sent, false))
        .await?;
    run.counted(RowStatus::InFlight, RowStatus::Pending);
    Ok(())
}

/// Sleeps `duration`; false when a pause or cancel came first.
async fn sleep_unless_stopped(duration: Duration, stop: &mut watch::Receiver<Stop>) -> bool {
    let stopped = tokio::select! {
        _ = tokio::time::sleep(duration) => false,
        _ = stop.wait_for(|s| *s != Stop::Go) => true,
    };
    !stopped && *stop.borrow() == Stop::Go
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Endpoint, SingleUseCode};
    use crate::jobs::journal::{JobId, JobState};

    fn job(check_unique: bool) -> JobRecord {
        JobRecord {
            id: JobId::new("job_1"),
            created_at: "2026-01-01T00:00:00Z".into(),
            account_id: "acc".into(),
            account_name: "Bakery".into(),
            campaign: "cam_1001".into(),
            subject: None,
            check_unique,
            concurrency: 4,
            state: JobState::Running,
            pause_reason: None,
            total: 1,
        }
    }

    fn row(attempts: u32, maybe_sent: bool) -> ClaimedRow {
        ClaimedRow {
            row: 1,
            email: "ann@example.com".into(),
            first_name: None,
            last_name: None,
            attempts,
            maybe_sent,
        }
    }

    fn coupon(already_sent: bool) -> EmailedCoupon {
        EmailedCoupon {
            campaign: "cam_1001".into(),
            subject: String::new(),
            receiver: "ann@example.com".into(),
            single_use_code: SingleUseCode::new("0ist0ywa4t9z7rj0g8mf7"),
            single_use_url: "https://digicpn.com/p/abc123/0ist0ywa4t9z7rj0g8mf7".into(),
            action: if already_sent {
                "already_sent"
            } else {
                "email_sent"
            }
            .into(),
            already_sent,
        }
    }

    fn unknown() -> ApiError {
        ApiError::OutcomeUnknown {
            endpoint: Endpoint::SendEmail,
            detail: "reply lost".into(),
        }
    }

    fn status(d: &Decision) -> Option<RowStatus> {
        match d {
            Decision::Final(outcome) => Some(outcome.status),
            _ => None,
        }
    }

    #[test]
    fn a_delivery_is_sent_and_keeps_its_code_and_url() {
        let Decision::Final(outcome) = decide(&job(true), &row(1, false), Ok(coupon(false))) else {
            panic!("final expected")
        };
        assert_eq!(outcome.status, RowStatus::Sent);
        assert_eq!(
            outcome.single_use_code.as_deref(),
            Some("0ist0ywa4t9z7rj0g8mf7")
        );
        assert!(outcome
            .single_use_url
            .is_some_and(|u| u.ends_with("0ist0ywa4t9z7rj0g8mf7")));
    }

    #[test]
    fn already_sent_is_skipped_unless_our_own_attempt_may_have_sent_it() {
        let skipped = decide(&job(true), &row(1, false), Ok(coupon(true)));
        assert_eq!(status(&skipped), Some(RowStatus::Skipped));
        let Decision::Final(ours) = decide(&job(true), &row(2, true), Ok(coupon(true))) else {
            panic!()
        };
        assert_eq!(ours.status, RowStatus::Sent);
        assert!(
            ours.single_use_url.is_some(),
            "the URL of the earlier send is kept"
        );
    }

    #[test]
    fn an_unknown_outcome_is_retried_only_with_check_unique_and_only_a_few_times() {
        assert_eq!(
            decide(&job(true), &row(1, false), Err(unknown())),
            Decision::Retry {
                after: Duration::from_millis(500),
                maybe_sent: true
            }
        );
        assert_eq!(
            status(&decide(&job(true), &row(MAX_TRIES, true), Err(unknown()))),
            Some(RowStatus::Unknown)
        );
        let Decision::Final(outcome) = decide(&job(false), &row(1, false), Err(unknown())) else {
            panic!()
        };
        assert_eq!(outcome.status, RowStatus::Unknown);
        assert_eq!(outcome.message.as_deref(), Some(UNKNOWN_MESSAGE));
    }

    #[test]
    fn row_refusals_fail_the_row_and_account_failures_pause_the_job() {
        for code in [305, 604, 502] {
            let e = ApiError::Coupontools {
                code,
                description: "x".into(),
            };
            let d = decide(&job(false), &row(1, false), Err(e));
            assert_eq!(status(&d), Some(RowStatus::Failed), "code {code}");
        }
        for code in [1000, 104] {
            let e = ApiError::Coupontools {
                code,
                description: "x".into(),
            };
            match decide(&job(true), &row(1, false), Err(e)) {
                Decision::PauseJob(reason) => {
                    assert!(!reason.message.is_empty() && !reason.hint.is_empty())
                }
                other => panic!("code {code}: {other:?}"),
            }
        }
        let offline = ApiError::Connect {
            detail: "refused".into(),
        };
        assert!(matches!(
            decide(&job(false), &row(1, false), Err(offline)),
            Decision::PauseJob(_)
        ));
    }

    #[test]
    fn a_wrong_or_redirected_address_pauses_the_job_and_marks_nothing_unknown() {
        for status in [301, 302, 307, 400, 401, 403, 404, 405] {
            for excerpt in ["", "<html>Not found</html>", r#"{"message":"Not found"}"#] {
                for check_unique in [false, true] {
                    let e = ApiError::NotTheApi {
                        status,
                        excerpt: excerpt.into(),
                    };
                    match decide(&job(check_unique), &row(1, false), Err(e)) {
                        Decision::PauseJob(reason) => {
                            assert!(reason.message.contains("Nothing was sent"), "{reason:?}");
                            assert!(reason.hint.contains("API addresses"), "{reason:?}");
                        }
                        other => panic!("{status} {excerpt:?}: {other:?}"),
                    }
                }
            }
        }
        let config = ApiError::InvalidBaseUrl {
            url: "http://api.example.com/v3".into(),
        };
        assert!(matches!(
            decide(&job(false), &row(1, false), Err(config)),
            Decision::PauseJob(_)
        ));
    }

    #[test]
    fn only_errors_after_the_request_reached_the_server_may_have_sent_it() {
        let maybe = [
            unknown(),
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
            let shown = format!("{e:?}");
            assert_eq!(
                status(&decide(&job(false), &row(1, false), Err(e))),
                Some(RowStatus::Unknown),
                "{shown}"
            );
        }
        let nothing_sent = [
            ApiError::Connect {
                detail: "refused".into(),
            },
            ApiError::Timeout { sent: false },
            ApiError::UnusableCredentials,
            ApiError::Internal {
                detail: "builder".into(),
            },
        ];
        for e in nothing_sent {
            let shown = format!("{e:?}");
            assert!(
                matches!(
                    decide(&job(false), &row(1, false), Err(e)),
                    Decision::PauseJob(_)
                ),
                "{shown}"
            );
        }
    }

    #[test]
    fn rate_limits_wait_as_asked_then_pause() {
        let limited = || ApiError::RateLimited {
            retry_after: Some(Duration::from_secs(2)),
        };
        assert_eq!(
            decide(&job(false), &row(1, false), Err(limited())),
            Decision::Retry {
                after: Duration::from_secs(2),
                maybe_sent: false
            }
        );
        assert!(matches!(
            decide(&job(false), &row(MAX_TRIES, false), Err(limited())),
            Decision::PauseJob(_)
        ));
    }
}
