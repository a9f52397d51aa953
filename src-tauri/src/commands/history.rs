//! History screen: what was sent, filterable, exportable as CSV.

use std::path::PathBuf;

use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime, State};

use super::UiError;
use crate::history::{self, Entry, Filter};
use crate::state::AppState;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedFile {
    pub path: String,
}

#[tauri::command]
pub async fn list_history(
    state: State<'_, AppState>,
    filter: Option<Filter>,
) -> Result<Vec<Entry>, UiError> {
    let conn = state.open_db()?;
    let filter = filter.unwrap_or_default();
    Ok(tokio::task::spawn_blocking(move || history::list(&conn, &filter)).await??)
}

#[tauri::command]
pub async fn export_history<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    filter: Option<Filter>,
) -> Result<SavedFile, UiError> {
    let conn = state.open_db()?;
    let mut filter = filter.unwrap_or_default();
    filter.limit = Some(u32::MAX);
    let entries = tokio::task::spawn_blocking(move || history::list(&conn, &filter)).await??;
    let csv = history::to_csv(&entries).map_err(|e| UiError::internal("history csv", e))?;
    let path = export_path(&app, "coupon-desk-history", "csv")?;
    write_file(&path, csv.as_bytes())?;
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
                "export",
                "Coupon Desk could not find your Downloads folder.",
                "Create a folder called Downloads in your home folder and try again.",
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

pub(crate) fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<(), UiError> {
    std::fs::write(path, bytes).map_err(|e| cannot_write(path, e))
}

fn cannot_write(path: &std::path::Path, e: std::io::Error) -> UiError {
    log::warn!("writing {}: {e}", path.display());
    UiError::new(
        "export",
        format!(
            "The file could not be saved in {}.",
            path.parent().unwrap_or(path).display()
        ),
        "Check that the folder exists, is not full and that you may write in it.",
    )
}
