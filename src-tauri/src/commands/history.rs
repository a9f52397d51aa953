//! History screen: what was sent, filterable, exportable as CSV.

use std::path::PathBuf;

use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime, State};

use super::{blocking, UiError};
use crate::error_kind::ErrorKind;
use crate::history::{self, Entry, Filter};
use crate::i18n::{t, tf};
use crate::shown_jobs::shown_entry;
use crate::state::AppState;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedFile {
    pub path: String,
}

/// The window's filter, narrowed to the active account: practice and real work stay apart.
async fn of_active_account(state: &State<'_, AppState>, filter: Option<Filter>) -> Filter {
    let mut filter = filter.unwrap_or_default();
    filter.account_id = state.settings.lock().await.active_account.clone();
    filter
}

#[tauri::command]
pub async fn list_history(
    state: State<'_, AppState>,
    filter: Option<Filter>,
) -> Result<Vec<Entry>, UiError> {
    let path = state.db_path();
    let filter = of_active_account(&state, filter).await;
    blocking(move || {
        Ok(history::list_shown(
            &crate::db::open(&path)?,
            &filter,
            &shown_entry,
        )?)
    })
    .await
}

/// Writes every line that matches the filter (not only the page on screen) to Downloads.
#[tauri::command]
pub async fn export_history<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    filter: Option<Filter>,
) -> Result<SavedFile, UiError> {
    let db = state.db_path();
    let filter = of_active_account(&state, filter).await;
    let path = export_path(&app, "coupon-desk-history", "csv")?;
    let target = path.clone();
    blocking(move || {
        let entries = history::list_all_shown(&crate::db::open(&db)?, &filter, &shown_entry)?;
        history::write_csv(&target, &entries).map_err(|e| cannot_write(&target, e))
    })
    .await?;
    Ok(SavedFile {
        path: path.display().to_string(),
    })
}

/// A table saved as CSV in Downloads the one way the app writes CSV for people (BOM, CRLF,
/// cells defused against formulas), off the async threads; `failed` is the message shown when
/// it cannot be written (a whole sentence, so each language words it its own way).
pub(crate) async fn save_csv<R: Runtime>(
    app: &AppHandle<R>,
    stem: &str,
    header: &'static [&'static str],
    rows: Vec<Vec<String>>,
    failed: String,
) -> Result<SavedFile, UiError> {
    let path = export_path(app, stem, "csv")?;
    let target = path.clone();
    let stem = stem.to_owned();
    blocking(move || {
        crate::csv_file::write_csv_atomically(&target, header, rows).map_err(|e| {
            log::warn!("{stem} export: {e}");
            UiError::new(ErrorKind::Export, failed, downloads_hint())
        })
    })
    .await?;
    Ok(SavedFile {
        path: path.display().to_string(),
    })
}

/// Exports go to the Downloads folder, like a browser's downloads, with a time in the name so
/// nothing is overwritten; the window shows where.
pub(crate) fn export_path<R: Runtime>(
    app: &AppHandle<R>,
    stem: &str,
    ext: &str,
) -> Result<PathBuf, UiError> {
    let dir = app
        .path()
        .download_dir()
        .ok()
        .or_else(|| app.path().home_dir().ok().map(|h| h.join("Downloads")))
        .ok_or_else(|| {
            UiError::new(
                ErrorKind::Export,
                t("cmd.export.noDownloads.message"),
                t("cmd.export.noDownloads.hint"),
            )
        })?;
    std::fs::create_dir_all(&dir).map_err(|e| cannot_write(&dir, e))?;
    let stamp = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year][month][day]-[hour][minute][second]"
        ))
        .unwrap_or_default();
    let mut path = dir.join(format!("{stem}-{stamp}.{ext}"));
    let mut n = 2;
    while path.exists() {
        path = dir.join(format!("{stem}-{stamp}-{n}.{ext}"));
        n += 1;
    }
    Ok(path)
}

/// Writes a file whole or not at all (a failed or interrupted write leaves no half file).
pub(crate) fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<(), UiError> {
    crate::atomic_file::write_atomically(path, |mut file| {
        std::io::Write::write_all(&mut file, bytes)?;
        Ok(file)
    })
    .map_err(|e| cannot_write(path, e))
}

fn cannot_write(path: &std::path::Path, e: std::io::Error) -> UiError {
    log::warn!("writing {}: {e}", path.display());
    UiError::new(
        ErrorKind::Export,
        tf(
            "cmd.export.cannotWrite.message",
            &[(
                "folder",
                &path.parent().unwrap_or(path).display().to_string(),
            )],
        ),
        t("cmd.export.cannotWrite.hint"),
    )
}

/// The hint for an export that could not be written to Downloads.
pub(crate) fn downloads_hint() -> String {
    t("cmd.export.downloadsFull.hint")
}
