//! "Send to a list" screen: read a list, preview it, run the job, follow it, export the results.
//! The work itself is in `jobs/`; these commands only translate.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_dialog::DialogExt;

use super::history::{export_path, write_file, SavedFile};
use super::{active_account, UiError};
use crate::jobs::{
    self, ColumnMapping, EmailJobSpec, EmailList, JobError, JobId, JobManager, JobProgress,
    JobRows, JobSummary, ListError, ProgressSink,
};
use crate::state::AppState;

/// The preview shows this many rows; the whole list is checked and counted all the same.
const PREVIEW_ROWS: usize = 500;
/// A list file larger than this is not a customer list (100 000 rows are a few MB).
const MAX_LIST_BYTES: u64 = 64 * 1024 * 1024;

impl From<ListError> for UiError {
    fn from(e: ListError) -> Self {
        UiError {
            field: Some("list".into()),
            ..UiError::new(e.kind(), e.user_message(), e.hint())
        }
    }
}

impl From<JobError> for UiError {
    fn from(e: JobError) -> Self {
        log::warn!("job: {e:?}");
        let field = match e {
            JobError::InvalidCampaign { .. } => Some("campaign".to_owned()),
            JobError::InvalidConcurrency { .. } => Some("concurrency".to_owned()),
            JobError::NothingToSend => Some("list".to_owned()),
            _ => None,
        };
        UiError {
            field,
            ..UiError::new(e.kind(), e.user_message(), e.hint())
        }
    }
}

/// Forwards progress to the window. A window that went away just stops listening; the job goes on.
struct ChannelSink(Channel<JobProgress>);

impl ProgressSink for ChannelSink {
    fn report(&self, progress: &JobProgress) {
        let _ = self.0.send(progress.clone());
    }
}

fn manager(state: &AppState) -> Result<&JobManager, UiError> {
    state.jobs.as_ref().ok_or_else(|| {
        UiError::new(
            "storage",
            "The job list on this computer could not be opened, so lists cannot be sent right now.",
            "Check that the disk is not full, then close and reopen Coupon Desk.",
        )
    })
}

#[tauri::command]
pub async fn preview_email_list(
    text: String,
    mapping: Option<ColumnMapping>,
) -> Result<EmailList, UiError> {
    let list = tokio::task::spawn_blocking(move || EmailList::parse(&text, mapping)).await??;
    Ok(list.preview(PREVIEW_ROWS))
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PickedFile {
    pub name: String,
    pub text: String,
}

/// The native "open file" dialog, from Rust: the window is granted no file-system access.
#[tauri::command]
pub async fn pick_list_file<R: Runtime>(app: AppHandle<R>) -> Result<Option<PickedFile>, UiError> {
    let picked = tokio::task::spawn_blocking(move || {
        app.dialog()
            .file()
            .add_filter("Lists (CSV, TSV, text)", &["csv", "tsv", "txt"])
            .blocking_pick_file()
    })
    .await?;
    let Some(path) = picked.and_then(|p| p.into_path().ok()) else {
        return Ok(None);
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let unreadable = |detail: String| {
        log::warn!("reading {}: {detail}", path.display());
        UiError {
            field: Some("list".into()),
            ..UiError::new(
                "list",
                format!("“{name}” could not be read."),
                "Check that the file is not open in another program, then try again.",
            )
        }
    };
    let size = std::fs::metadata(&path)
        .map_err(|e| unreadable(e.to_string()))?
        .len();
    if size > MAX_LIST_BYTES {
        return Err(UiError {
            field: Some("list".into()),
            ..UiError::new(
                "list",
                format!("“{name}” is too large to be a list of customers."),
                "Choose the CSV file with the addresses.",
            )
        });
    }
    let bytes = std::fs::read(&path).map_err(|e| unreadable(e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|_| UiError {
        field: Some("list".into()),
        ..UiError::new(
            "list",
            format!("“{name}” is not a text file in UTF-8."),
            "In your spreadsheet choose Save as → “CSV UTF-8 (comma delimited)” and load that file.",
        )
    })?;
    Ok(Some(PickedFile { name, text }))
}

#[tauri::command]
pub async fn save_list_template<R: Runtime>(app: AppHandle<R>) -> Result<SavedFile, UiError> {
    let path = export_path(&app, "coupon-desk-list-template", "csv")?;
    write_file(&path, jobs::template_csv().as_bytes())?;
    Ok(SavedFile {
        path: path.display().to_string(),
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartJobInput {
    pub text: String,
    #[serde(default)]
    pub mapping: Option<ColumnMapping>,
    pub campaign: String,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default = "yes")]
    pub check_unique: bool,
    pub concurrency: u8,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StartedJob {
    pub job_id: JobId,
}

/// Checks the list and the settings, writes the whole job to the journal, then starts sending.
#[tauri::command]
pub async fn start_email_job(
    state: State<'_, AppState>,
    input: StartJobInput,
    on_progress: Channel<JobProgress>,
) -> Result<StartedJob, UiError> {
    let manager = manager(&state)?.clone();
    let account = active_account(&state).await?;
    crate::api::validate::campaign_id(&input.campaign)?;
    crate::api::validate::optional_text(input.subject.as_deref(), "subject", "subject", 200)?;
    let client = state.client_for(&account).await?;
    let spec = EmailJobSpec {
        campaign: input.campaign,
        subject: input.subject,
        check_unique: input.check_unique,
        concurrency: input.concurrency,
    };
    let (text, mapping) = (input.text, input.mapping);
    let creator = manager.clone();
    let job_id = tokio::task::spawn_blocking(move || -> Result<JobId, UiError> {
        let list = EmailList::parse(&text, mapping)?;
        Ok(creator.create_email_job(&account.id, &account.name, spec, &list)?)
    })
    .await??;
    manager.run(&job_id, client, Arc::new(ChannelSink(on_progress)))?;
    log::info!("bulk job {} started", job_id.as_str());
    Ok(StartedJob { job_id })
}

#[tauri::command]
pub async fn pause_job(state: State<'_, AppState>, job_id: JobId) -> Result<(), UiError> {
    Ok(manager(&state)?.pause(&job_id)?)
}

#[tauri::command]
pub async fn cancel_job(state: State<'_, AppState>, job_id: JobId) -> Result<(), UiError> {
    Ok(manager(&state)?.cancel(&job_id)?)
}

/// Resumes a paused or interrupted job with the client of the account it was started on.
#[tauri::command]
pub async fn resume_job(
    state: State<'_, AppState>,
    job_id: JobId,
    on_progress: Channel<JobProgress>,
) -> Result<(), UiError> {
    let manager = manager(&state)?.clone();
    let summary = manager
        .unfinished()?
        .into_iter()
        .find(|j| j.job_id == job_id)
        .ok_or_else(|| {
            UiError::new(
                "job_state",
                "This job is already finished or was cancelled.",
                "Its results can still be viewed and exported.",
            )
        })?;
    let account = state
        .settings
        .lock()
        .await
        .account(&summary.account_id)
        .cloned()
        .ok_or_else(|| {
            UiError::new(
                "not_found",
                format!(
                    "This job was started on the account “{}”, which has been removed.",
                    summary.account_name
                ),
                "Add that account again in Settings to finish the job, or cancel it.",
            )
        })?;
    let client = state.client_for(&account).await?;
    Ok(manager.run(&job_id, client, Arc::new(ChannelSink(on_progress)))?)
}

#[tauri::command]
pub async fn unfinished_jobs(state: State<'_, AppState>) -> Result<Vec<JobSummary>, UiError> {
    Ok(manager(&state)?.unfinished()?)
}

#[tauri::command]
pub async fn job_rows(
    state: State<'_, AppState>,
    job_id: JobId,
    offset: usize,
    limit: usize,
) -> Result<JobRows, UiError> {
    Ok(manager(&state)?.rows(&job_id, offset, limit)?)
}

#[tauri::command]
pub async fn export_job_results<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    job_id: JobId,
) -> Result<SavedFile, UiError> {
    let manager = manager(&state)?.clone();
    let path = export_path(&app, "coupon-desk-results", "csv")?;
    let target = path.clone();
    tokio::task::spawn_blocking(move || manager.export_results_csv(&job_id, &target)).await??;
    Ok(SavedFile {
        path: path.display().to_string(),
    })
}
