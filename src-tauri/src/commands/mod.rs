//! Thin Tauri commands, one file per screen. Each parses, calls the library, maps the result.

pub mod about;
pub mod accounts;
pub mod bulk;
pub mod campaigns;
pub mod directories;
pub mod email;
pub mod error;
pub mod first_steps;
pub mod history;
pub mod loyalty;
pub mod preferences;
pub mod print;
pub mod redeem;
pub mod redeem_many;
pub mod single_use;
pub mod subaccounts;
pub mod today;

use tauri::{AppHandle, Runtime, State};

pub use error::UiError;

use crate::error_kind::ErrorKind;
use crate::i18n::t;
use crate::settings::{self, AccountRecord, Settings};
use crate::state::AppState;

/// Changes the settings through `change`, saves them, and only then makes the change visible to
/// the rest of the app, so a failed save never leaves memory and disk disagreeing.
pub(crate) async fn change_settings<R: Runtime, T>(
    app: &AppHandle<R>,
    state: &State<'_, AppState>,
    change: impl FnOnce(&mut Settings) -> Result<T, UiError>,
) -> Result<T, UiError> {
    let mut current = state.settings.lock().await;
    let mut next = current.clone();
    let out = change(&mut next)?;
    settings::save(app, &next)?;
    *current = next;
    Ok(out)
}

/// Runs disk work (SQLite, the job journal, files) on the blocking pool: on a two-core PC the
/// async workers must stay free for the window and the network.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, UiError> + Send + 'static,
) -> Result<T, UiError> {
    tokio::task::spawn_blocking(work).await?
}

/// Writes one history line; a failure is logged, never shown: the action itself already happened.
/// It goes through the job journal's connection, the app's one writer, so a job's long
/// transaction makes it wait rather than fail.
pub(crate) async fn record_history(state: &State<'_, AppState>, entry: crate::history::Line) {
    let path = state.db_path();
    let jobs = state.jobs.clone();
    let written = blocking(move || match jobs {
        Some(jobs) => Ok(jobs.record_history(&entry.borrowed())?),
        None => {
            let conn = crate::db::open(&path)?;
            Ok(crate::history::record(&conn, &entry.borrowed())?)
        }
    })
    .await;
    if let Err(e) = written {
        log::warn!("could not write the history entry: {}", e.message);
    }
}

/// A write whose reply was lost or garbled may have taken effect: the same judgement the bulk
/// engine makes (`verdict_of_write_error`).
pub(crate) fn may_have_taken_effect(error: &crate::api::ApiError) -> bool {
    crate::jobs::verdict_of_write_error(error) == crate::jobs::Verdict::MaybeDone
}

/// The active account and a client for it.
pub(crate) async fn account_and_client(
    state: &State<'_, AppState>,
) -> Result<(AccountRecord, crate::api::Client), UiError> {
    let account = active_account(state).await?;
    let client = state.client_for(&account).await?;
    Ok((account, client))
}

/// What the history says of a write from its result: done, refused, or unknown when it may have
/// happened (a lost reply).
pub(crate) fn outcome_of<T>(result: &Result<T, crate::api::ApiError>) -> crate::history::Outcome {
    use crate::history::Outcome;
    match result {
        Ok(_) => Outcome::Ok,
        Err(e) if may_have_taken_effect(e) => Outcome::Unknown,
        Err(_) => Outcome::Failed,
    }
}

/// Runs a write and says when its last attempt left (see `api::track_departure`): the moment
/// [`settle_time`] counts from. The instant before the call when nothing left.
pub(crate) async fn write<F: std::future::Future>(call: F) -> (F::Output, std::time::Instant) {
    let before = std::time::Instant::now();
    let (out, left) = crate::api::track_departure(call).await;
    (out, left.unwrap_or(before))
}

/// After a lost reply: wait until the request that left at `left` can no longer be running on
/// the server before reading what it did — its timeout plus the engine's grace (half the
/// timeout, at least two seconds), counted from when its last attempt left ([`write`]), and
/// never less than the grace from now.
pub(crate) async fn settle_time(client: &crate::api::Client, left: std::time::Instant) {
    let timeout = client.request_timeout();
    let grace = crate::jobs::grace(timeout);
    let until = (left + timeout + grace).max(std::time::Instant::now() + grace);
    tokio::time::sleep_until(until.into()).await;
}

/// What a push message reached, as every screen that sends one reports it.
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PushResult {
    pub recipients: Option<u64>,
}

/// A push message's answer: the recipients, or after a lost reply a plain "may have been sent"
/// (a push cannot be looked up afterwards, so it is never sent again on its own).
pub(crate) fn push_result(
    result: Result<Option<u64>, crate::api::ApiError>,
) -> Result<PushResult, UiError> {
    match result {
        Ok(recipients) => Ok(PushResult { recipients }),
        Err(e) if may_have_taken_effect(&e) => Err(UiError::new(
            ErrorKind::OutcomeUnknown,
            t("cmd.push.unknown.message"),
            t("cmd.push.unknown.hint"),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Serde default for switches that are on unless the window says otherwise.
pub(crate) fn default_true() -> bool {
    true
}

/// The active account, or a plain "set up an account first" error.
pub(crate) async fn active_account(state: &State<'_, AppState>) -> Result<AccountRecord, UiError> {
    state
        .settings
        .lock()
        .await
        .active()
        .cloned()
        .ok_or_else(UiError::no_account)
}
