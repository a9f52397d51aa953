//! "Redeem" screen, at the counter: a scanned or typed code is looked up and answered in one
//! glance; "Mark as used" and "Void" / "Undo void" change it. After a lost reply the coupon is
//! read again before the screen says anything: never "used" twice, never a false "failed".

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime, State};

use super::history::{save_csv, SavedFile};
use super::{active_account, may_have_taken_effect, record_history, settle_time, UiError};
use crate::api::{validate, ApiError, SessionData, SessionSearch, SessionUpdate};
use crate::history::{Line, Outcome};
use crate::i18n::{t, tf};
use crate::settings::AccountRecord;
use crate::state::AppState;

/// What the counter shows about one coupon.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RedeemView {
    /// `valid`, `used`, `voided`, `expired`, `locked` or `not_found`.
    pub state: &'static str,
    /// What was scanned or typed, as the person gave it.
    pub scanned: String,
    pub session: Option<SessionData>,
}

fn state_of(session: &SessionData) -> &'static str {
    let now = time::OffsetDateTime::now_utc();
    if session.voided_at.is_some() {
        "voided"
    } else if session.validated_at.is_some() {
        "used"
    } else if session.expires_at.is_some_and(|at| at <= now) {
        "expired"
    } else if session.locked {
        "locked"
    } else {
        "valid"
    }
}

/// The campaign's name is not asked for here: the window has the campaign list already, and
/// every call more is 100 ms more between the scan and the answer.
fn view_of(scanned: &str, session: Option<SessionData>) -> RedeemView {
    RedeemView {
        state: session.as_ref().map_or("not_found", state_of),
        scanned: scanned.to_owned(),
        session,
    }
}

/// What the scanner or the person gave: a link, a 21- or 6-character code, or the shop's own
/// validation code (looked up with the session search).
fn code_in(text: &str) -> Option<String> {
    let text = text.trim().trim_end_matches([',', '/']);
    let last = text.rsplit('/').next().unwrap_or(text);
    let plain = last.len() == 21 || last.len() == 6;
    (plain && last.bytes().all(|b| b.is_ascii_alphanumeric())).then(|| last.to_owned())
}

#[tauri::command]
pub async fn redeem_lookup(
    state: State<'_, AppState>,
    text: String,
) -> Result<RedeemView, UiError> {
    let scanned = text.trim().to_owned();
    if scanned.is_empty() || scanned.chars().count() > 300 {
        return Err(UiError {
            field: Some("code".into()),
            ..UiError::new(
                "validation",
                t("cmd.redeem.empty.message"),
                t("cmd.redeem.empty.hint"),
            )
        });
    }
    let account = active_account(&state).await?;
    let client = state.client_for(&account).await?;
    if let Some(code) = code_in(&scanned) {
        match client.sessions().get(&code).await {
            Ok(session) => return Ok(view_of(&scanned, Some(session))),
            // Six letters and digits may also be the shop's own code: searched below.
            Err(ApiError::Coupontools { code: 505, .. }) if code.len() == 6 => {}
            Err(ApiError::Coupontools { code: 505, .. }) => return Ok(view_of(&scanned, None)),
            Err(e) => return Err(e.into()),
        }
    }
    // The shop's own validation code: one session must carry it exactly.
    let found = client
        .sessions()
        .search(&SessionSearch {
            search: scanned.clone(),
            campaign: None,
        })
        .await?;
    let matching: Vec<_> = found
        .into_iter()
        .filter(|s| s.code.as_str() != scanned)
        .collect();
    match matching.len() {
        0 => Ok(view_of(&scanned, None)),
        1 => {
            let session = client.sessions().get(matching[0].code.as_str()).await?;
            Ok(view_of(&scanned, Some(session)))
        }
        n => Err(UiError::new(
            "ambiguous",
            tf(
                "cmd.redeem.ambiguous.message",
                &[("count", &n), ("code", &scanned)],
            ),
            t("cmd.redeem.ambiguous.hint"),
        )),
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RedeemOutcome {
    pub view: RedeemView,
    /// The answer was lost; reading the coupon again showed the change had been made.
    pub confirmed_after_interruption: bool,
}

fn line(
    account: &AccountRecord,
    action: &'static str,
    session: &SessionData,
    outcome: Outcome,
    detail: Option<String>,
) -> Line {
    Line {
        account_id: account.id.clone(),
        account: account.name.clone(),
        action,
        campaign: Some(session.campaign.clone()),
        target: Some(session.code.to_string()),
        outcome,
        detail,
    }
}

/// Marks the coupon used, with the money spent when given.
#[tauri::command]
pub async fn redeem_mark_used(
    state: State<'_, AppState>,
    code: String,
    amount: Option<String>,
) -> Result<RedeemOutcome, UiError> {
    let amount = match amount.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) => Some(validate::validation_value(a)?),
        None => None,
    };
    change(
        &state,
        &code,
        SessionUpdate::validate(code.clone(), amount.as_deref()),
        "redeem_validate",
        |s| s.validated_at.is_some(),
    )
    .await
}

/// Voids the coupon (`void` true) or undoes a void.
#[tauri::command]
pub async fn redeem_void(
    state: State<'_, AppState>,
    code: String,
    void: bool,
) -> Result<RedeemOutcome, UiError> {
    let update = SessionUpdate {
        code: code.clone(),
        operation: None,
        validation_value: None,
        void: Some(void),
    };
    let action = if void { "redeem_void" } else { "redeem_unvoid" };
    change(&state, &code, update, action, move |s| {
        s.voided_at.is_some() == void
    })
    .await
}

async fn change(
    state: &State<'_, AppState>,
    code: &str,
    update: SessionUpdate,
    action: &'static str,
    done: impl Fn(&SessionData) -> bool,
) -> Result<RedeemOutcome, UiError> {
    let code = code_in(code).ok_or_else(|| {
        UiError::new(
            "validation",
            t("cmd.redeem.lookUpFirst.message"),
            t("cmd.redeem.lookUpFirst.hint"),
        )
    })?;
    let account = active_account(state).await?;
    let client = state.client_for(&account).await?;
    match client.sessions().update(&update).await {
        Ok(session) => {
            record_history(
                state,
                line(
                    &account,
                    action,
                    &session,
                    Outcome::Ok,
                    update.validation_value.clone(),
                ),
            )
            .await;
            Ok(RedeemOutcome {
                view: view_of(&code, Some(session)),
                confirmed_after_interruption: false,
            })
        }
        Err(error) if may_have_taken_effect(&error) => {
            settle_time(&client).await;
            let now = client.sessions().get(&code).await?;
            let arrived = done(&now);
            let outcome = if arrived {
                Outcome::Ok
            } else {
                Outcome::Failed
            };
            record_history(state, line(&account, action, &now, outcome, None)).await;
            if arrived {
                Ok(RedeemOutcome {
                    view: view_of(&code, Some(now)),
                    confirmed_after_interruption: true,
                })
            } else {
                Err(UiError::new(
                    "not_changed",
                    t("cmd.redeem.unchanged.message"),
                    t("cmd.redeem.unchanged.hint"),
                ))
            }
        }
        // Refused (already used, voided, expired): the screen shows the coupon as it is now.
        Err(error @ ApiError::Coupontools { .. }) if !error.is_account_failure() => {
            let now = client.sessions().get(&code).await.ok();
            if let Some(session) = &now {
                record_history(
                    state,
                    line(
                        &account,
                        action,
                        session,
                        Outcome::Failed,
                        Some(error.user_message()),
                    ),
                )
                .await;
            }
            Err(error.into())
        }
        Err(error) => Err(error.into()),
    }
}

/// One scan of the shift, as the window keeps it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShiftScan {
    pub at: String,
    pub code: String,
    pub result: String,
}

/// This shift's scans as CSV in Downloads.
#[tauri::command]
pub async fn export_shift<R: Runtime>(
    app: AppHandle<R>,
    scans: Vec<ShiftScan>,
) -> Result<SavedFile, UiError> {
    let rows = scans
        .into_iter()
        .map(|s| vec![s.at, s.code, s.result])
        .collect();
    save_csv(
        &app,
        "coupon-desk-scans",
        &["time", "code", "result"],
        rows,
        t("cmd.redeem.exportFailed"),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_come_out_of_links_and_plain_text_and_own_codes_do_not() {
        assert_eq!(
            code_in(" 0ist0ywa4t9z7rj0g8mf7\n").as_deref(),
            Some("0ist0ywa4t9z7rj0g8mf7")
        );
        assert_eq!(
            code_in("https://digicpn.com/p/abc123/0ist0ywa4t9z7rj0g8mf7/").as_deref(),
            Some("0ist0ywa4t9z7rj0g8mf7")
        );
        assert_eq!(code_in("0ist0y").as_deref(), Some("0ist0y"));
        assert_eq!(code_in("LD-00005"), None);
        assert_eq!(code_in("DESK 0001"), None);
    }
}
