//! "Send to a list" screen: read a list, preview it, run the job, follow it, export the results.
//! The work itself is in `jobs/`; these commands only translate.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_dialog::DialogExt;

use super::history::{export_path, write_file, SavedFile};
use super::{active_account, blocking, UiError};
use crate::api::words::Words;
use crate::api::Client;
use crate::error_kind::ErrorKind;
use crate::i18n::{t, tf};
use crate::jobs::{
    self, ColumnMapping, EmailJobSpec, EmailList, JobError, JobId, JobManager, JobProgress,
    ListError, ProgressSink,
};
use crate::settings::AccountRecord;
use crate::shown_jobs::{ShownEmailList, ShownProgress, ShownRows, ShownSummary};
use crate::state::AppState;
use crate::words::{say, Worded};

/// The preview shows this many rows; the whole list is checked and counted all the same.
const PREVIEW_ROWS: usize = 500;
/// A list file larger than this is not a customer list (100 000 rows are a few MB).
const MAX_LIST_BYTES: u64 = 64 * 1024 * 1024;

impl From<ListError> for UiError {
    fn from(e: ListError) -> Self {
        UiError {
            field: Some("list".into()),
            ..UiError::new(ErrorKind::from(&e), e.user_message(), e.hint())
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
            ..UiError::new(ErrorKind::from(&e), e.user_message(), e.hint())
        }
    }
}

/// Forwards progress to the window. A window that went away just stops listening; the job goes on.
pub(crate) struct ChannelSink(pub(crate) Channel<ShownProgress>);

impl ProgressSink for ChannelSink {
    fn report(&self, progress: &JobProgress) {
        let _ = self.0.send(ShownProgress::from(progress));
    }
}

pub(crate) fn manager(state: &AppState) -> Result<&JobManager, UiError> {
    state.jobs.as_ref().ok_or_else(|| {
        UiError::new(
            ErrorKind::Storage,
            t("cmd.bulk.noJournal.message"),
            t("cmd.bulk.noJournal.hint"),
        )
    })
}

#[tauri::command]
pub async fn preview_email_list(
    text: String,
    mapping: Option<ColumnMapping>,
) -> Result<ShownEmailList, UiError> {
    blocking(move || {
        let list = EmailList::parse(&text, mapping)?;
        Ok(ShownEmailList::from(&list.preview(PREVIEW_ROWS)))
    })
    .await
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
    blocking(move || {
        let picked = app
            .dialog()
            .file()
            .add_filter(t("cmd.bulk.fileFilter"), &["csv", "tsv", "txt"])
            .blocking_pick_file();
        match picked.and_then(|p| p.into_path().ok()) {
            Some(path) => read_list_file(&path).map(Some),
            None => Ok(None),
        }
    })
    .await
}

fn list_problem(message: String, hint: String) -> UiError {
    UiError {
        field: Some("list".into()),
        ..UiError::new(ErrorKind::List, message, hint)
    }
}

fn read_list_file(path: &std::path::Path) -> Result<PickedFile, UiError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let unreadable = |detail: std::io::Error| {
        log::warn!("reading {}: {detail}", path.display());
        list_problem(
            tf("cmd.bulk.file.unreadable.message", &[("name", &name)]),
            t("cmd.bulk.file.unreadable.hint"),
        )
    };
    let size = std::fs::metadata(path).map_err(unreadable)?.len();
    if size > MAX_LIST_BYTES {
        return Err(list_problem(
            tf("cmd.bulk.file.tooLarge.message", &[("name", &name)]),
            t("cmd.bulk.file.tooLarge.hint"),
        ));
    }
    let bytes = std::fs::read(path).map_err(unreadable)?;
    let text = String::from_utf8(bytes).map_err(|_| {
        list_problem(
            tf("cmd.bulk.file.notUtf8.message", &[("name", &name)]),
            t("cmd.bulk.file.notUtf8.hint"),
        )
    })?;
    Ok(PickedFile { name, text })
}

#[tauri::command]
pub async fn save_list_template<R: Runtime>(app: AppHandle<R>) -> Result<SavedFile, UiError> {
    let path = export_path(&app, "coupon-desk-list-template", "csv")?;
    let header = say(&jobs::template_header());
    write_file(&path, jobs::template_csv(&header).as_bytes())?;
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
    #[serde(default = "super::default_true")]
    pub check_unique: bool,
    pub concurrency: u8,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StartedJob {
    pub job_id: JobId,
}

/// Writes a new job to the journal (`make`, on a blocking thread) and starts it on `client`,
/// its progress going to the window: the last step of every "start a job" command.
pub(crate) async fn start_job(
    manager: JobManager,
    account: AccountRecord,
    client: Client,
    on_progress: Channel<ShownProgress>,
    make: impl FnOnce(&JobManager, &AccountRecord) -> Result<JobId, UiError> + Send + 'static,
) -> Result<StartedJob, UiError> {
    let job_id = blocking(move || {
        let job_id = make(&manager, &account)?;
        manager.run(&job_id, client, Arc::new(ChannelSink(on_progress)))?;
        Ok(job_id)
    })
    .await?;
    log::info!("job {} started", job_id.as_str());
    Ok(StartedJob { job_id })
}

/// Checks the list and the settings, writes the whole job to the journal, then starts sending.
#[tauri::command]
pub async fn start_email_job(
    state: State<'_, AppState>,
    input: StartJobInput,
    on_progress: Channel<ShownProgress>,
) -> Result<StartedJob, UiError> {
    let manager = manager(&state)?.clone();
    let account = active_account(&state).await?;
    crate::api::validate::campaign_id(&input.campaign)?;
    crate::api::validate::optional_text(
        input.subject.as_deref(),
        "subject",
        &Words::new("cmd.label.subject"),
        200,
    )?;
    let client = state.client_for(&account).await?;
    let spec = EmailJobSpec {
        campaign: input.campaign,
        subject: input.subject,
        check_unique: input.check_unique,
        concurrency: input.concurrency,
    };
    let (text, mapping) = (input.text, input.mapping);
    start_job(
        manager,
        account,
        client,
        on_progress,
        move |jobs, account| {
            let list = EmailList::parse(&text, mapping)?;
            Ok(jobs.create_email_job(&account.id, &account.name, spec, &list)?)
        },
    )
    .await
}

#[tauri::command]
pub async fn pause_job(state: State<'_, AppState>, job_id: JobId) -> Result<(), UiError> {
    let manager = manager(&state)?.clone();
    blocking(move || Ok(manager.pause(&job_id)?)).await
}

#[tauri::command]
pub async fn cancel_job(state: State<'_, AppState>, job_id: JobId) -> Result<(), UiError> {
    let manager = manager(&state)?.clone();
    blocking(move || Ok(manager.cancel(&job_id)?)).await
}

/// Resumes a paused or interrupted job with the client of the account it was started on. For a
/// job that is still running (the window was reloaded) it only reconnects the progress.
#[tauri::command]
pub async fn resume_job(
    state: State<'_, AppState>,
    job_id: JobId,
    on_progress: Channel<ShownProgress>,
) -> Result<(), UiError> {
    let manager = manager(&state)?.clone();
    let summary = {
        let (manager, job_id) = (manager.clone(), job_id.clone());
        blocking(move || Ok(manager.summary(&job_id)?)).await?
    };
    let account = state
        .settings
        .lock()
        .await
        .account(&summary.account_id)
        .cloned()
        .ok_or_else(|| {
            UiError::new(
                ErrorKind::NotFound,
                tf(
                    "cmd.bulk.accountRemoved.message",
                    &[("account", &summary.account_name)],
                ),
                t("cmd.bulk.accountRemoved.hint"),
            )
        })?;
    let client = state.client_for(&account).await?;
    blocking(move || Ok(manager.run(&job_id, client, Arc::new(ChannelSink(on_progress)))?)).await
}

/// Jobs waiting for the user; `kind` (e.g. "email") keeps each screen to its own.
#[tauri::command]
pub async fn unfinished_jobs(
    state: State<'_, AppState>,
    kind: Option<String>,
) -> Result<Vec<ShownSummary>, UiError> {
    let manager = manager(&state)?.clone();
    let mut jobs = blocking(move || Ok(manager.unfinished()?)).await?;
    if let Some(kind) = kind {
        jobs.retain(|job| job.kind == kind);
    }
    Ok(jobs.into_iter().map(ShownSummary::from).collect())
}

#[tauri::command]
pub async fn job_rows(
    state: State<'_, AppState>,
    job_id: JobId,
    offset: usize,
    limit: usize,
) -> Result<ShownRows, UiError> {
    let manager = manager(&state)?.clone();
    blocking(move || Ok(ShownRows::from(manager.rows(&job_id, offset, limit)?))).await
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
    blocking(move || Ok(manager.export_results_csv(&job_id, &target, &say)?)).await?;
    Ok(SavedFile {
        path: path.display().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    type Outcome = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn a_list_file_that_is_not_utf8_is_refused_in_plain_words() -> Outcome {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("klanten.csv");
        std::fs::write(&path, b"email\nj\xe9r\xf4me@example.com\n")?;
        let e = read_list_file(&path)
            .err()
            .ok_or("a latin-1 file must be refused")?;
        assert_eq!(e.field.as_deref(), Some("list"));
        assert!(
            e.message.contains("klanten.csv") && e.hint.contains("UTF-8"),
            "{e:?}"
        );
        Ok(())
    }

    #[test]
    fn a_utf8_list_file_is_read_whole() -> Outcome {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("list.csv");
        std::fs::write(&path, "email\njérôme@example.com\n")?;
        let picked = read_list_file(&path).map_err(|e| e.message)?;
        assert_eq!(
            (picked.name.as_str(), picked.text.as_str()),
            ("list.csv", "email\njérôme@example.com\n")
        );
        Ok(())
    }
}
