//! "Mark many as used" on the Redeem screen: a pasted or scanned stack of codes is looked up
//! first (each coupon's state shown), then, confirmed once, validated as a job of the bulk
//! engine (`jobs/kinds/redeem_many.rs`) with per-row results in the job panel.

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::State;

use super::bulk::{manager, start_job, StartedJob};
use super::{active_account, UiError};
use crate::api::words::Words;
use crate::api::{validate, Client, CounterState, Found, MAX_SCAN_CHARS};
use crate::error_kind::ErrorKind;
use crate::i18n::{t, tf};
use crate::jobs::kinds::redeem_many::skip_reason;
use crate::jobs::{RedeemInput, RowStatus};
use crate::shown_jobs::ShownProgress;
use crate::state::AppState;
use crate::words::Worded;

/// Codes in one stack: a day's paper coupons, not a mailing list.
pub const MAX_STACK: usize = 500;
/// Look-ups at once while checking.
const CHECK_CONCURRENCY: usize = 4;

/// One line of the stack as the check found it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct StackLine {
    pub line: usize,
    /// What was scanned or pasted.
    pub text: String,
    /// The coupon's full 21-character code, when found.
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub campaign: Option<String>,
    /// `valid`, `used`, `voided`, `expired`, `locked`, `not_found`, `ambiguous`, `duplicate`
    /// or `unchecked` (could not be looked up).
    pub state: String,
    /// RFC 3339: when it was used (used) or expires (expired, valid).
    #[serde(default)]
    pub when: Option<String>,
    /// The customer's name or address, to recognise the coupon.
    #[serde(default)]
    pub customer: Option<String>,
    /// Coupons carrying an ambiguous own code.
    #[serde(default)]
    pub matches: usize,
    /// Why it could not be looked up (`unchecked`).
    #[serde(default)]
    pub message: Option<String>,
}

fn stack_problem(message: String, hint: String) -> UiError {
    UiError {
        field: Some("stack".into()),
        ..UiError::new(ErrorKind::Validation, message, hint)
    }
}

/// The stack's lines: one code per line, or several on a line split by commas, semicolons or
/// tabs (a scanner ends each with Enter; a pasted spreadsheet row uses tabs). Not by spaces:
/// a shop's own validation code may hold one.
pub fn stack_lines(text: &str) -> Result<Vec<String>, UiError> {
    let lines: Vec<String> = text
        .split(['\n', '\r', ',', ';', '\t'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    if lines.is_empty() {
        return Err(stack_problem(
            t("redeemMany.error.empty"),
            t("redeemMany.error.emptyHint"),
        ));
    }
    if lines.len() > MAX_STACK {
        return Err(stack_problem(
            tf(
                "redeemMany.error.tooMany",
                &[("n", &lines.len()), ("max", &MAX_STACK)],
            ),
            t("redeemMany.error.tooManyHint"),
        ));
    }
    if let Some(long) = lines.iter().find(|l| l.chars().count() > MAX_SCAN_CHARS) {
        let shown: String = long.chars().take(40).collect();
        return Err(stack_problem(
            tf("redeemMany.error.tooLong", &[("text", &shown)]),
            t("redeemMany.error.emptyHint"),
        ));
    }
    Ok(lines)
}

fn iso(at: Option<time::OffsetDateTime>) -> Option<String> {
    at.and_then(|at| {
        at.format(&time::format_description::well_known::Rfc3339)
            .ok()
    })
}

async fn look_up(client: &Client, line: usize, text: String) -> Result<StackLine, UiError> {
    let mut out = StackLine {
        line,
        text,
        code: None,
        campaign: None,
        state: "unchecked".into(),
        when: None,
        customer: None,
        matches: 0,
        message: None,
    };
    match client.sessions().find(&out.text).await {
        Ok(Found::One(session)) => {
            let state = CounterState::of(&session, time::OffsetDateTime::now_utc());
            out.state = state.as_str().into();
            out.when = iso(match state {
                CounterState::Used => session.validated_at,
                _ => session.expires_at,
            });
            let name = [&session.first_name, &session.last_name]
                .into_iter()
                .flatten()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(" ");
            out.customer = [Some(name), session.email.clone()]
                .into_iter()
                .flatten()
                .find(|c| !c.trim().is_empty());
            out.code = Some(session.code.to_string());
            out.campaign = Some(session.campaign.clone());
        }
        Ok(Found::NotFound) => out.state = "not_found".into(),
        Ok(Found::Ambiguous(n)) => {
            out.state = "ambiguous".into();
            out.matches = n;
        }
        // The account is refused: every line would be; say so once.
        Err(error) if error.is_account_failure() => return Err(error.into()),
        Err(error) => out.message = Some(error.user_message()),
    }
    Ok(out)
}

/// Looks every code of the stack up, [`CHECK_CONCURRENCY`] at a time, in order. A coupon met
/// twice (by its code, short code or own code) is marked `duplicate` the second time.
#[tauri::command]
pub async fn check_redeem_many(
    state: State<'_, AppState>,
    text: String,
) -> Result<Vec<StackLine>, UiError> {
    let lines = stack_lines(&text)?;
    let account = active_account(&state).await?;
    let client = state.client_for(&account).await?;
    check_stack(&client, lines).await
}

/// The look-up behind [`check_redeem_many`], Tauri-free (the job tests start from it).
pub async fn check_stack(client: &Client, lines: Vec<String>) -> Result<Vec<StackLine>, UiError> {
    let mut checked: Vec<StackLine> = futures_util::stream::iter(lines.into_iter().enumerate())
        .map(|(i, text)| {
            let client = client.clone();
            async move { look_up(&client, i + 1, text).await }
        })
        .buffered(CHECK_CONCURRENCY)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    let mut seen = std::collections::HashSet::new();
    for line in &mut checked {
        if let Some(code) = &line.code {
            if !seen.insert(code.clone()) {
                line.state = "duplicate".into();
            }
        }
    }
    Ok(checked)
}

/// What the job stores for one checked line: valid coupons to validate, the rest settled as
/// skipped with their reason.
pub fn job_row(line: &StackLine) -> Result<(RedeemInput, Option<(RowStatus, Words)>), UiError> {
    let scanned: String = line.text.chars().take(MAX_SCAN_CHARS).collect();
    let campaign = line.campaign.clone().unwrap_or_default();
    if line.state == "valid" {
        let code = validate::session_code_from_text(line.code.as_deref().unwrap_or(""))?;
        let campaign = validate::coupon_campaign_id(&campaign)?;
        return Ok((
            RedeemInput {
                code: code.to_string(),
                scanned,
                campaign,
            },
            None,
        ));
    }
    let at = line.when.as_deref().and_then(|w| {
        time::OffsetDateTime::parse(w, &time::format_description::well_known::Rfc3339).ok()
    });
    let reason = match (line.state.as_str(), &line.message) {
        ("unchecked", Some(why)) => Words::with(
            "job.row.withReason",
            &[
                ("lead", &skip_reason("unchecked", None, 0)),
                ("reason", why),
            ],
        ),
        (state, _) => skip_reason(state, at, line.matches),
    };
    Ok((
        RedeemInput {
            code: line
                .code
                .as_deref()
                .filter(|c| c.len() == 21 && c.bytes().all(|b| b.is_ascii_alphanumeric()))
                .unwrap_or_default()
                .to_owned(),
            scanned,
            campaign,
        },
        Some((RowStatus::Skipped, reason)),
    ))
}

/// The lines come from the window: a coupon listed twice as valid is sent once, the later line
/// skipped as a repeat (two rows of one coupon would both read "used" back after a lost reply).
fn once_per_code(
    rows: Vec<(RedeemInput, Option<(RowStatus, Words)>)>,
) -> Vec<(RedeemInput, Option<(RowStatus, Words)>)> {
    let mut seen = std::collections::HashSet::new();
    rows.into_iter()
        .map(|(input, settled)| {
            let repeat = settled.is_none() && !seen.insert(input.code.clone());
            if repeat {
                let reason = skip_reason("duplicate", None, 0);
                (input, Some((RowStatus::Skipped, reason)))
            } else {
                (input, settled)
            }
        })
        .collect()
}

/// Validates the checked stack's valid coupons as one job; the other lines are in its results
/// as skipped, with their reason.
#[tauri::command]
pub async fn start_redeem_many_job(
    state: State<'_, AppState>,
    lines: Vec<StackLine>,
    on_progress: Channel<ShownProgress>,
) -> Result<StartedJob, UiError> {
    if lines.len() > MAX_STACK {
        return Err(stack_problem(
            tf(
                "redeemMany.error.tooMany",
                &[("n", &lines.len()), ("max", &MAX_STACK)],
            ),
            t("redeemMany.error.tooManyHint"),
        ));
    }
    let rows = once_per_code(lines.iter().map(job_row).collect::<Result<Vec<_>, _>>()?);
    let manager = manager(&state)?.clone();
    let account = active_account(&state).await?;
    let client = state.client_for(&account).await?;
    start_job(
        manager,
        account,
        client,
        on_progress,
        move |jobs, account| Ok(jobs.create_redeem_many_job(&account.id, &account.name, rows)?),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::words::say;

    fn line(state: &str, code: Option<&str>) -> StackLine {
        StackLine {
            line: 1,
            text: code.unwrap_or("LD-00005").into(),
            code: code.map(str::to_owned),
            campaign: Some("cam_104250".into()),
            state: state.into(),
            when: Some("2026-11-01T10:00:00Z".into()),
            customer: None,
            matches: 0,
            message: None,
        }
    }

    #[test]
    fn a_stack_is_split_on_lines_commas_and_tabs_and_held_to_its_limits() {
        let lines = stack_lines(
            "0ist0ywa4t9z7rj0g8mf7\r\n kkfizn, LD-00005;https://x.test/p/a/b\tDESK 0001\n\n",
        )
        .unwrap();
        assert_eq!(
            lines,
            [
                "0ist0ywa4t9z7rj0g8mf7",
                "kkfizn",
                "LD-00005",
                "https://x.test/p/a/b",
                "DESK 0001"
            ]
        );
        assert_eq!(
            stack_lines(" \n ").unwrap_err().field.as_deref(),
            Some("stack")
        );
        let many = "abcdef\n".repeat(MAX_STACK + 1);
        assert!(stack_lines(&many).is_err());
    }

    #[test]
    fn a_coupon_listed_twice_as_valid_is_sent_once() {
        let valid = line("valid", Some("0ist0ywa4t9z7rj0g8mf7"));
        let rows = once_per_code(vec![job_row(&valid).unwrap(), job_row(&valid).unwrap()]);
        assert!(rows[0].1.is_none());
        assert_eq!(rows[1].1.as_ref().map(|s| s.0), Some(RowStatus::Skipped));
    }

    #[test]
    fn only_valid_lines_are_sent_and_the_rest_keep_their_reason() {
        let (input, settled) = job_row(&line("valid", Some("0ist0ywa4t9z7rj0g8mf7"))).unwrap();
        assert_eq!(
            (input.code.as_str(), settled),
            ("0ist0ywa4t9z7rj0g8mf7", None)
        );
        let (_, settled) = crate::i18n::in_language(crate::i18n::Lang::En, || {
            job_row(&line("used", Some("0ist0ywa4t9z7rj0g8mf7"))).unwrap()
        });
        let (status, reason) = settled.unwrap();
        assert_eq!(status, RowStatus::Skipped);
        let reason = crate::i18n::in_language(crate::i18n::Lang::En, || say(&reason));
        assert!(reason.contains("2026-11-01 10:00 UTC"), "{reason}");
        let (input, settled) = job_row(&line("not_found", None)).unwrap();
        assert_eq!(
            (input.code.as_str(), input.scanned.as_str()),
            ("", "LD-00005")
        );
        assert!(settled.is_some());
        // A line the window calls valid must still carry a real code and campaign.
        assert!(job_row(&line("valid", Some("kkfizn"))).is_err());
        assert!(job_row(&line("valid", None)).is_err());
    }
}
