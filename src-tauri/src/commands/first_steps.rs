//! The first steps card of practice mode (see `first_steps.rs`): its state, closing and
//! bringing it back, a fresh practice coupon to scan, and the note commands leave when they did
//! a step that writes nothing.

use serde::Serialize;
use tauri::{AppHandle, Runtime, State};

use super::{active_account, blocking, change_settings, UiError};
use crate::api::SingleUseRequest;
use crate::error_kind::ErrorKind;
use crate::first_steps::{self, Step, STEPS};
use crate::i18n::t;
use crate::settings::AccountKind;
use crate::state::AppState;

/// The practice shop's campaign whose coupons the card hands out to scan (the Lunch deal).
const PRACTICE_CAMPAIGN: &str = "cam_104250";

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepView {
    pub id: Step,
    pub done: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FirstStepsView {
    /// The active account is the practice one.
    pub practice: bool,
    /// The card is open (practice, and not closed).
    pub show: bool,
    pub steps: Vec<StepView>,
}

#[tauri::command]
pub async fn first_steps(state: State<'_, AppState>) -> Result<FirstStepsView, UiError> {
    view(&state).await
}

/// `show` false closes the card; true brings it back (Settings).
#[tauri::command]
pub async fn show_first_steps<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    show: bool,
) -> Result<FirstStepsView, UiError> {
    let account = active_account(&state).await?;
    change_settings(&app, &state, |s| {
        s.first_steps
            .entry(account.id.clone())
            .or_default()
            .dismissed = !show;
        Ok(())
    })
    .await?;
    view(&state).await
}

/// A fresh coupon of the practice shop, ready to scan at Redeem.
#[tauri::command]
pub async fn practice_coupon(state: State<'_, AppState>) -> Result<String, UiError> {
    let account = active_account(&state).await?;
    if account.kind != AccountKind::Practice {
        return Err(UiError::new(
            ErrorKind::NotAvailable,
            t("cmd.firstSteps.practiceOnly.message"),
            t("cmd.firstSteps.practiceOnly.hint"),
        ));
    }
    let client = state.client_for(&account).await?;
    let link = client
        .single_use()
        .create(&SingleUseRequest {
            campaign: PRACTICE_CAMPAIGN.into(),
            ..SingleUseRequest::default()
        })
        .await?;
    Ok(link.code.to_string())
}

async fn view(state: &State<'_, AppState>) -> Result<FirstStepsView, UiError> {
    let settings = state.settings.lock().await.clone();
    let Some(account) = settings
        .active()
        .filter(|a| a.kind == AccountKind::Practice)
    else {
        return Ok(FirstStepsView {
            practice: false,
            show: false,
            steps: Vec::new(),
        });
    };
    let progress = settings
        .first_steps
        .get(&account.id)
        .cloned()
        .unwrap_or_default();
    let (path, id) = (state.db_path(), account.id.clone());
    let from_history =
        blocking(move || Ok(first_steps::done_in_history(&crate::db::open(&path)?, &id)?)).await?;
    let done = first_steps::done(&from_history, &progress);
    Ok(FirstStepsView {
        practice: true,
        show: !progress.dismissed,
        steps: STEPS
            .iter()
            .map(|&id| StepView {
                id,
                done: done.contains(&id),
            })
            .collect(),
    })
}

/// Notes a step that writes nothing (a scan, a look at a campaign's usage) for the practice
/// account. Quiet: the card is a help, and a failed note must never fail the scan.
pub(crate) async fn note<R: Runtime>(app: &AppHandle<R>, state: &State<'_, AppState>, step: Step) {
    let needed = {
        let settings = state.settings.lock().await;
        settings.active().is_some_and(|a| {
            a.kind == AccountKind::Practice
                && !settings
                    .first_steps
                    .get(&a.id)
                    .is_some_and(|p| p.noted.contains(&step))
        })
    };
    if !needed {
        return;
    }
    let noted = change_settings(app, state, |s| {
        if let Some(id) = s.active_account.clone() {
            s.first_steps.entry(id).or_default().noted.insert(step);
        }
        Ok(())
    })
    .await;
    if let Err(e) = noted {
        log::warn!("first steps: could not note {step:?}: {}", e.message);
    }
}
