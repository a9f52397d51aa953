//! E-mail a coupon to every address of a list: one `send/email` per row, reconciled through
//! `couponsession/search` (§10) whenever a send may have gone out unseen.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::api::words::Words;
use crate::api::{ApiError, Client, CouponSession, EmailAction, EmailCouponRequest, SessionSearch};
use crate::jobs::journal::{unknown_message, RowStatus};
use crate::jobs::kind::{
    reason_of, since_of, verdict_of_write_error, Claimed, JobKind, Reconciled, RowOutcome, Verdict,
};

use time::OffsetDateTime;

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
    fn unknown_message() -> Words {
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
        settle_in_doubt(
            client,
            spec,
            &row.input.email,
            row.first_sent_at,
            row.first_sent_server_ms,
        )
        .await
    }
}

/// What became of a `send/email` whose reply was lost, read from the address's sessions in the
/// campaign once the request can no longer be running. The one rule for the list job and the
/// single send: a session the server made after the request left (its clock) is this send;
/// nothing → not sent; an older one → "already had it" only with check_unique.
pub async fn settle_in_doubt(
    client: &Client,
    spec: &EmailSpec,
    email: &str,
    first_sent_at: Option<i64>,
    first_sent_server_ms: Option<i64>,
) -> Reconciled<EmailInput> {
    match look_up(client, spec, email).await {
        // After the look-up: its reply has told the server's clock.
        Ok(sessions) => {
            let since = since_of(client, first_sent_at, first_sent_server_ms);
            judge_lookup(spec, since, &sessions)
        }
        Err(error) if error.is_account_failure() => Reconciled::PauseJob(reason_of(&error)),
        Err(error) => {
            log::warn!("jobs: an address could not be looked up: {error}");
            Reconciled::CantTell(unknown_message())
        }
    }
}

/// The session this send made, when its reply said "sent" but carried no link: only one the
/// server made after the request left, never an earlier coupon of the same address.
pub async fn session_of_this_send(
    client: &Client,
    spec: &EmailSpec,
    email: &str,
    sent_at: i64,
) -> Result<Option<CouponSession>, ApiError> {
    let sessions = look_up(client, spec, email).await?;
    Ok(newest(ours(&sessions, since_of(client, Some(sent_at), None))).cloned())
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
    let coupon = match client.email().send(&request).await {
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
                .and_then(|sessions| newest(ours(&sessions, row.sent_since(client))).cloned());
            Verdict::Done(match found {
                Some(session) => sent_with(&session, None),
                None => RowOutcome::new(RowStatus::Sent, Some(Words::new("job.email.linkUnknown"))),
            })
        }
        // §10: any other action word means nothing went out now. What the customer already has
        // is looked up; without it the row is in doubt, never "skipped" on the reply's word.
        EmailAction::NotSentNow => {
            let found = look_up(client, spec, &row.input.email).await;
            let since = row.sent_since(client);
            if code.is_empty() {
                if let Some(session) = found.as_ref().ok().and_then(|s| newest(ours(s, since))) {
                    // The reply names no earlier coupon, and the server made one after our
                    // request left: whatever its word, this is our send.
                    return Verdict::Done(sent_with(session, None));
                }
            }
            let found = found.map(|sessions| newest(sessions.iter()).cloned());
            Verdict::Done(match found {
                Ok(Some(session)) => {
                    RowOutcome::new(RowStatus::Skipped, Some(Words::new("job.email.alreadyHad")))
                        .with("singleUseCode", Some(session.code.to_string()))
                        .with("singleUseUrl", Some(session.url))
                }
                Ok(None) => RowOutcome::new(
                    RowStatus::Unknown,
                    Some(Words::new("job.email.notSentNoLink")),
                ),
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
        .sessions()
        .search(&SessionSearch {
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
/// `since`: when the row's first request left, by the server's clock, less its margin.
pub(crate) fn judge_lookup(
    spec: &EmailSpec,
    since: Option<OffsetDateTime>,
    sessions: &[CouponSession],
) -> Reconciled<EmailInput> {
    if let Some(session) = newest(ours(sessions, since)) {
        return Reconciled::Done(sent_with(session, Some(Words::new("job.email.confirmed"))));
    }
    if spec.check_unique {
        // The address had the coupon before our request: Coupontools would skip a resend, and
        // the customer has a link.
        return match newest(sessions.iter()) {
            Some(session) => Reconciled::Done(
                RowOutcome::new(RowStatus::Skipped, Some(Words::new("job.email.alreadyHad")))
                    .with("singleUseCode", Some(session.code.to_string()))
                    .with("singleUseUrl", Some(session.url.clone())),
            ),
            None => Reconciled::NotThere,
        };
    }
    // Without check_unique an older session does not stop a send; one whose time is unknown
    // might be ours, so the row cannot be told.
    if sessions.iter().any(|s| s.created_at.is_none()) || since.is_none() && !sessions.is_empty() {
        return Reconciled::CantTell(unknown_message());
    }
    Reconciled::NotThere
}

/// Sessions the server made since our first request for the row (its clock); none when either
/// time is unknown (the caller decides those).
fn ours(
    sessions: &[CouponSession],
    since: Option<OffsetDateTime>,
) -> impl Iterator<Item = &CouponSession> {
    sessions
        .iter()
        .filter(move |s| match (s.created_at, since) {
            (Some(created), Some(since)) => created >= since,
            _ => false,
        })
}

fn newest<'a>(sessions: impl Iterator<Item = &'a CouponSession>) -> Option<&'a CouponSession> {
    sessions.max_by_key(|s| s.created_at)
}

fn sent_with(session: &CouponSession, message: Option<Words>) -> RowOutcome {
    RowOutcome::new(RowStatus::Sent, message)
        .with("singleUseCode", Some(session.code.to_string()))
        .with("singleUseUrl", Some(session.url.clone()))
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

    /// `judge_lookup` with the server's clock agreeing with the computer's.
    fn judge(
        spec: &EmailSpec,
        row: &Claimed<EmailInput>,
        sessions: &[CouponSession],
    ) -> Reconciled<EmailInput> {
        let since = row
            .first_sent_at
            .map(|ms| crate::api::server_clock::ServerClock::default().earliest_of_request(ms));
        judge_lookup(spec, since, sessions)
    }

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
            first_sent_server_ms: None,
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
            let found = judge(
                &spec(check_unique),
                &row(Some(T0)),
                &[session(Some(T0 + 900))],
            );
            let Reconciled::Done(outcome) = found else {
                panic!("{found:?}")
            };
            assert_eq!(outcome.status, RowStatus::Sent);
            // "Sent (confirmed after an interruption)."
            assert_eq!(outcome.message, Some(Words::new("job.email.confirmed")));
            assert!(outcome.output["singleUseUrl"]
                .as_str()
                .unwrap()
                .ends_with("mf7"));
        }
    }

    /// The departure by the server's clock, as the journal kept it, counts even when the
    /// computer's clock has moved since (a restart after a clock correction): the earlier of
    /// the two.
    #[test]
    fn the_journals_server_time_wins_over_the_computers_clock_now() {
        let client = crate::api::Client::new(crate::api::ClientConfig::new(
            crate::api::Credentials::new("id", "secret-value"),
            "http://127.0.0.1:9/v3",
            "http://127.0.0.1:9/v4",
        ))
        .unwrap();
        let mut claimed = row(Some(T0 + 10 * 60_000));
        claimed.first_sent_server_ms = Some(T0);
        let since = claimed.sent_since(&client).unwrap();
        assert_eq!(
            (since.unix_timestamp_nanos() / 1_000_000) as i64,
            T0 - 2_000,
            "the kept server time less the margin, not the computer's ten minutes later"
        );
        claimed.first_sent_server_ms = None;
        let since = claimed.sent_since(&client).unwrap();
        assert_eq!(
            (since.unix_timestamp_nanos() / 1_000_000) as i64,
            T0 + 10 * 60_000 - 2_000
        );
    }

    #[test]
    fn nothing_found_is_safe_to_send_again() {
        for check_unique in [false, true] {
            assert_eq!(
                judge(&spec(check_unique), &row(Some(T0)), &[]),
                Reconciled::NotThere
            );
        }
    }

    #[test]
    fn an_older_session_skips_with_check_unique_and_does_not_stop_a_send_without() {
        let old = [session(Some(T0 - 3_600_000))];
        assert_eq!(
            status(&judge(&spec(true), &row(Some(T0)), &old)),
            Some(RowStatus::Skipped)
        );
        assert_eq!(
            judge(&spec(false), &row(Some(T0)), &old),
            Reconciled::NotThere
        );
    }

    #[test]
    fn sessions_without_a_time_cannot_be_told_without_check_unique() {
        assert!(matches!(
            judge(&spec(false), &row(Some(T0)), &[session(None)]),
            Reconciled::CantTell(_)
        ));
        assert!(matches!(
            judge(&spec(false), &row(None), &[session(Some(T0))]),
            Reconciled::CantTell(_)
        ));
        assert!(matches!(
            judge(&spec(true), &row(None), &[session(None)]),
            Reconciled::Done(_)
        ));
    }

    #[test]
    fn a_session_a_second_early_is_ours_and_one_a_minute_early_is_not() {
        // `Date` comes to the second: a session stamped a second before our request left (by
        // the server's clock) is still ours …
        let just_before = [session(Some(T0 - 1_000))];
        assert_eq!(
            status(&judge(&spec(false), &row(Some(T0)), &just_before)),
            Some(RowStatus::Sent)
        );
        // … one made a minute before is another desk's send, never ours (it used to count,
        // with a five-minute window on the computer's clock).
        let a_minute_before = [session(Some(T0 - 60_000))];
        assert_eq!(
            judge(&spec(false), &row(Some(T0)), &a_minute_before),
            Reconciled::NotThere
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
