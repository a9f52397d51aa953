//! "Redeem" screen, at the counter: a scanned or typed code is looked up and answered in one
//! glance; "Mark as used" and "Void" / "Undo void" change it. After a lost reply the coupon is
//! read again before the screen says anything: never "used" twice, never a false "failed".

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime, State};

use super::history::{save_csv, SavedFile};
use super::{active_account, may_have_taken_effect, record_history, settle_time, UiError};
use crate::api::{
    code_in, validate, ApiError, CounterState, Found, SessionData, SessionUpdate, MAX_SCAN_CHARS,
};
use crate::error_kind::ErrorKind;
use crate::history::{Line, Outcome};
use crate::i18n::{t, tf};
use crate::jobs::kinds::redeem_many::{use_seen, Before, UseSeen};
use crate::settings::AccountRecord;
use crate::state::AppState;
use crate::words::Worded;

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

/// The campaign's name is not asked for here: the window has the campaign list already, and
/// every call more is 100 ms more between the scan and the answer.
fn view_of(scanned: &str, session: Option<SessionData>) -> RedeemView {
    RedeemView {
        state: session.as_ref().map_or("not_found", |s| {
            CounterState::of(s, time::OffsetDateTime::now_utc()).as_str()
        }),
        scanned: scanned.to_owned(),
        session,
    }
}

#[tauri::command]
pub async fn redeem_lookup<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    text: String,
) -> Result<RedeemView, UiError> {
    let view = look_up(&state, &text).await?;
    if view.session.is_some() {
        super::first_steps::note(&app, &state, crate::first_steps::Step::Scan).await;
    }
    Ok(view)
}

/// The "Coupon details" screen: the same look-up, read-only, with the link's QR code.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CouponDetails {
    #[serde(flatten)]
    pub view: RedeemView,
    pub qr_data_url: Option<String>,
}

#[tauri::command]
pub async fn coupon_details(
    state: State<'_, AppState>,
    text: String,
) -> Result<CouponDetails, UiError> {
    let view = look_up(&state, &text).await?;
    let qr_data_url = view
        .session
        .as_ref()
        .filter(|s| !s.url.is_empty())
        .and_then(|s| crate::qr::svg_data_url(&s.url).ok());
    Ok(CouponDetails { view, qr_data_url })
}

/// A scanned or typed code (the code, its short form, a link, or the shop's own validation code)
/// looked up on the server.
async fn look_up(state: &State<'_, AppState>, text: &str) -> Result<RedeemView, UiError> {
    let scanned = text.trim().to_owned();
    if scanned.is_empty() || scanned.chars().count() > MAX_SCAN_CHARS {
        return Err(UiError {
            field: Some("code".into()),
            ..UiError::new(
                ErrorKind::Validation,
                t("cmd.redeem.empty.message"),
                t("cmd.redeem.empty.hint"),
            )
        });
    }
    let account = active_account(state).await?;
    let client = state.client_for(&account).await?;
    match client.sessions().find(&scanned).await? {
        Found::One(session) => Ok(view_of(&scanned, Some(*session))),
        Found::NotFound => Ok(view_of(&scanned, None)),
        Found::Ambiguous(n) => Err(UiError::new(
            ErrorKind::Ambiguous,
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
        // The same decision as a row of Mark many as used, with the coupon read right before.
        |s, since, before| {
            let before = before.map_or(Before::Unreadable, Before::Read);
            match use_seen(s, Some(since), before) {
                UseSeen::Ours => Some(true),
                UseSeen::NotUsed | UseSeen::UsedBefore => Some(false),
                UseSeen::CantTell => None,
            }
        },
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
    change(&state, &code, update, action, move |s, _, _| {
        Some(s.voided == void)
    })
    .await
}

async fn change(
    state: &State<'_, AppState>,
    code: &str,
    update: SessionUpdate,
    action: &'static str,
    done: impl Fn(&SessionData, time::OffsetDateTime, Option<&SessionData>) -> Option<bool>,
) -> Result<RedeemOutcome, UiError> {
    let code = code_in(code).ok_or_else(|| {
        UiError::new(
            ErrorKind::Validation,
            t("cmd.redeem.lookUpFirst.message"),
            t("cmd.redeem.lookUpFirst.hint"),
        )
    })?;
    let account = active_account(state).await?;
    let client = state.client_for(&account).await?;
    // Until its history line is written, Today's reader must know this use is the desk's own.
    let _held = (action == "redeem_validate")
        .then(|| state.uses_under_way.hold(&account.id, &code.to_string()));
    // The coupon right before the write: what a lost reply is settled against.
    let before = client.sessions().get(&code).await.ok();
    let left_ms = crate::jobs::journal::now_ms();
    let (updated, left) = super::write(client.sessions().update(&update)).await;
    match updated {
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
            settle_time(&client, left).await;
            let now = client.sessions().get(&code).await?;
            let since = client.server_clock().earliest_of_request(left_ms);
            let arrived = done(&now, since, before.as_ref());
            let outcome = match arrived {
                Some(true) => Outcome::Ok,
                Some(false) => Outcome::Failed,
                None => Outcome::Unknown,
            };
            record_history(state, line(&account, action, &now, outcome, None)).await;
            match arrived {
                Some(true) => Ok(RedeemOutcome {
                    view: view_of(&code, Some(now)),
                    confirmed_after_interruption: true,
                }),
                Some(false) => Err(UiError::new(
                    ErrorKind::NotChanged,
                    t("cmd.redeem.unchanged.message"),
                    t("cmd.redeem.unchanged.hint"),
                )),
                None => Err(UiError::new(
                    ErrorKind::OutcomeUnknown,
                    t("cmd.redeem.usedNoDate.message"),
                    t("cmd.redeem.usedNoDate.hint"),
                )),
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
