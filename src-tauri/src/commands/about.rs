//! Settings → About: version, licence, where the data and logs live, the licences of the bundled
//! crates, and updates (check, install and restart; a quiet check at start at most once a day).

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_plugin_opener::OpenerExt;

use super::history::{downloads_hint, export_path, SavedFile};
use super::{blocking, change_settings, UiError};
use crate::error_kind::ErrorKind;
use crate::i18n::{t, tf};
use crate::licences::{self, Dependency};
use crate::state::AppState;
use crate::store_summary::store_summary;
use crate::support_file::{write_support_file, SupportFacts};
use crate::updates::{self, UpdateError, UpdateOffer};

/// How often a waiting update looks again whether the bulk jobs are done.
const JOB_POLL: Duration = Duration::from_secs(3);
/// `pending_update` waits this long for the quiet check at start to answer.
const QUIET_CHECK_WAIT: Duration = Duration::from_secs(60);

impl From<UpdateError> for UiError {
    fn from(e: UpdateError) -> Self {
        log::warn!("update: {e}");
        UiError::new(e.kind(), e.user_message(), e.hint())
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AboutInfo {
    pub version: String,
    pub licence: String,
    pub data_dir: String,
    pub log_dir: String,
    pub check_updates: bool,
    /// Unix seconds of the last look for a new version.
    pub last_update_check: Option<u64>,
    /// A verified update that waits for a bulk job to finish.
    pub waiting_update: Option<UpdateOffer>,
}

fn log_dir<R: Runtime>(app: &AppHandle<R>, state: &AppState) -> PathBuf {
    app.path()
        .app_log_dir()
        .unwrap_or_else(|_| state.data_dir.join("logs"))
}

#[tauri::command]
pub async fn about_info<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<AboutInfo, UiError> {
    let settings = state.settings.lock().await;
    Ok(AboutInfo {
        version: app.package_info().version.to_string(),
        licence: licences::APP_LICENCE.into(),
        data_dir: state.data_dir.display().to_string(),
        log_dir: log_dir(&app, &state).display().to_string(),
        check_updates: settings.preferences.check_updates,
        last_update_check: settings.last_update_check,
        waiting_update: state.updates.waiting(),
    })
}

/// Opens the data folder (`which = "data"`) or the log folder (`"logs"`) in the file manager.
#[tauri::command]
pub async fn open_app_folder<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    which: String,
) -> Result<(), UiError> {
    let dir = match which.as_str() {
        "data" => state.data_dir.clone(),
        "logs" => log_dir(&app, &state),
        _ => {
            return Err(UiError::new(
                ErrorKind::Validation,
                t("about.error.folder"),
                t("about.error.folderHint"),
            ))
        }
    };
    // A fresh installation may not have written a log yet; an empty folder beats an error.
    if let Err(e) = std::fs::create_dir_all(&dir) {
        log::warn!("creating {}: {e}", dir.display());
    }
    app.opener()
        .open_path(dir.display().to_string(), None::<&str>)
        .map_err(|e| {
            log::warn!("opening {}: {e}", dir.display());
            UiError::new(
                ErrorKind::Open,
                t("about.error.open"),
                tf(
                    "about.error.openHint",
                    &[("path", &dir.display().to_string())],
                ),
            )
        })
}

/// Settings → About, and beside an unexpected error: a ZIP for whoever helps the shop, safe to
/// send (see `support_file.rs`), saved to Downloads.
#[tauri::command]
pub async fn save_support_file<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<SavedFile, UiError> {
    let settings = state.settings.lock().await.clone();
    let db_path = state.db_path();
    let mut facts = SupportFacts {
        app_version: app.package_info().version.to_string(),
        webview_version: tauri::webview_version().unwrap_or_else(|e| format!("unknown ({e})")),
        language: crate::i18n::language().code().to_owned(),
        settings,
        store: Err("not read".into()),
        log_dir: log_dir(&app, &state),
        readme: t("support.readme"),
    };
    let path = export_path(&app, "coupon-desk-support", "zip")?;
    let target = path.clone();
    blocking(move || {
        // The database is read off the async threads, like every other read of it.
        facts.store = crate::db::open_reader(&db_path)
            .map_err(|e| e.to_string())
            .and_then(|conn| store_summary(&conn).map_err(|e| e.to_string()));
        write_support_file(&target, &facts).map_err(|e| {
            log::warn!("support file: {e}");
            UiError::new(ErrorKind::Export, t("support.failed"), downloads_hint())
        })
    })
    .await?;
    log::info!("support file saved");
    Ok(SavedFile {
        path: path.display().to_string(),
    })
}

#[tauri::command]
pub fn dependency_licences() -> Vec<Dependency> {
    licences::bundled().to_vec()
}

/// The answer of "Check for updates".
#[derive(Debug, Serialize)]
#[serde(tag = "status", rename_all = "camelCase")]
pub enum CheckOutcome {
    #[serde(rename_all = "camelCase")]
    Available { offer: UpdateOffer },
    #[serde(rename_all = "camelCase")]
    UpToDate { current_version: String },
}

/// Looks for a new version now (the button in Settings → About).
#[tauri::command]
pub async fn check_for_update<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<CheckOutcome, UiError> {
    let found = updates::check(&app).await;
    note_checked(&app, &state).await;
    let found = found?;
    let offer = found.as_ref().map(UpdateOffer::of);
    state.updates.set_offer(offer.clone());
    Ok(match offer {
        Some(offer) => CheckOutcome::Available { offer },
        None => CheckOutcome::UpToDate {
            current_version: app.package_info().version.to_string(),
        },
    })
}

async fn note_checked<R: Runtime>(app: &AppHandle<R>, state: &State<'_, AppState>) {
    let now = updates::now_secs();
    let saved = change_settings(app, state, |s| {
        s.last_update_check = Some(now);
        Ok(())
    })
    .await;
    if let Err(e) = saved {
        log::warn!("could not note the update check: {}", e.message);
    }
}

#[derive(Debug, Serialize)]
#[serde(tag = "status", rename_all = "camelCase")]
pub enum InstallOutcome {
    /// Downloaded and verified; installed as soon as no bulk job runs.
    #[serde(rename_all = "camelCase")]
    Waiting { offer: UpdateOffer },
    /// Installed; the app restarts now (the window may never see this answer).
    #[serde(rename_all = "camelCase")]
    Restarting { offer: UpdateOffer },
}

/// "Install and restart": downloads the update, checks its signature, and installs it, unless a
/// bulk job runs: then the verified update waits and is installed when the last job ends.
#[tauri::command]
pub async fn install_update<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<InstallOutcome, UiError> {
    if let Some(offer) = state.updates.waiting() {
        return Ok(InstallOutcome::Waiting { offer });
    }
    let Some(_installing) = state.updates.begin_install() else {
        return Err(UiError::new(
            ErrorKind::UpdateBusy,
            t("update.busy.message"),
            t("update.busy.hint"),
        ));
    };
    let Some(update) = updates::check(&app).await? else {
        state.updates.set_offer(None);
        return Err(UiError::new(
            ErrorKind::UpdateNone,
            t("update.none.message"),
            t("update.none.hint"),
        ));
    };
    let verified = updates::download(update).await?;
    let offer = verified.offer();
    if state.bulk_job_running() {
        state.updates.set_waiting(Some(offer.clone()));
        let handle = app.clone();
        tauri::async_runtime::spawn(async move {
            install_when_no_job_runs(handle, verified).await;
        });
        return Ok(InstallOutcome::Waiting { offer });
    }
    install_and_restart(&app, verified)?;
    Ok(InstallOutcome::Restarting { offer })
}

async fn install_when_no_job_runs<R: Runtime>(
    app: AppHandle<R>,
    verified: updates::VerifiedUpdate,
) {
    loop {
        tokio::time::sleep(JOB_POLL).await;
        let state = app.state::<AppState>();
        if !state.bulk_job_running() {
            break;
        }
    }
    let state = app.state::<AppState>();
    if let Err(e) = install_and_restart(&app, verified) {
        // Nothing was changed; the next "Install and restart" starts over.
        log::error!("installing the waiting update: {}", e.message);
        state.updates.set_waiting(None);
    }
}

fn install_and_restart<R: Runtime>(
    app: &AppHandle<R>,
    verified: updates::VerifiedUpdate,
) -> Result<(), UiError> {
    log::info!("installing update {}", verified.offer().version);
    verified.install()?;
    app.restart()
}

/// The update the quiet check at start found, if any. Waits (at most a minute) for that check
/// to answer, so the window asks once and needs no events.
#[tauri::command]
pub async fn pending_update(state: State<'_, AppState>) -> Result<Option<UpdateOffer>, UiError> {
    let mut done = state.updates.quiet_check_done();
    let _ = tokio::time::timeout(QUIET_CHECK_WAIT, done.wait_for(|finished| *finished)).await;
    Ok(state.updates.offer())
}

/// The quiet check at start: only when switched on and not done in the last day; never installs
/// anything and never shows an error (the log has it).
pub fn quiet_check_at_start<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        let (enabled, last) = {
            let settings = state.settings.lock().await;
            (
                settings.preferences.check_updates,
                settings.last_update_check,
            )
        };
        if updates::quiet_check_due(enabled, last, updates::now_secs()) {
            match updates::check(&app).await {
                Ok(found) => {
                    let offer = found.as_ref().map(UpdateOffer::of);
                    if let Some(offer) = &offer {
                        log::info!("{}", updates::offer_sentence(offer));
                    }
                    state.updates.set_offer(offer);
                }
                Err(e) => log::info!("quiet update check: {e}"),
            }
            note_checked(&app, &state).await;
        }
        state.updates.finish_quiet_check();
    });
}
