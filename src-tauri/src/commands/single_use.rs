//! "Single-use links" screen: make one link for a customer, make many as a job, remove links.

use std::io::Write;

use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};

use super::bulk::{manager, start_job, StartedJob};
use super::history::{downloads_hint, export_path, write_file, SavedFile};
use super::{
    active_account, blocking, may_have_taken_effect, record_history, settle_time, UiError,
};
use crate::api::words::Words;
use crate::api::{validate, ApiError, Client, SessionSearch, SingleUseLink, SingleUseRequest};
use crate::error_kind::ErrorKind;
use crate::history::{Line, Outcome};
use crate::i18n::{t, tf};
use crate::jobs::{AutomatedCodesSpec, CreateLinksSpec, JobId, RemoveInput};
use crate::shown_jobs::ShownProgress;
use crate::state::AppState;
use crate::words::Worded;

/// Links in a ZIP of QR codes at most: a print run, not a whole 100 000 (that would be ~2 GB).
pub const MAX_QR_ZIP: usize = 5_000;
/// Lines a removal list may have.
const MAX_REMOVE_LINES: usize = 10_000;
/// Look-ups of pasted codes at once.
const CHECK_CONCURRENCY: usize = 4;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OneLinkInput {
    pub campaign: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub custom_id: Option<String>,
    pub custom_validation_code: Option<String>,
    pub duplicate_check: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OneLinkResult {
    pub url: String,
    pub code: String,
    pub widget_validation_code: String,
    pub custom_validation_code: Option<String>,
    pub qr_data_url: Option<String>,
    /// Found after a lost reply instead of made by this click.
    pub confirmed_after_interruption: bool,
}

fn optional(
    text: &Option<String>,
    field: &'static str,
    label: &Words,
    max: usize,
) -> Result<Option<String>, UiError> {
    Ok(validate::optional_text(text.as_deref(), field, label, max)?)
}

#[tauri::command]
pub async fn create_single_use_link(
    state: State<'_, AppState>,
    input: OneLinkInput,
) -> Result<OneLinkResult, UiError> {
    let campaign = validate::coupon_campaign_id(&input.campaign)?;
    let email = match input
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        Some(email) => Some(validate::email_address(email)?),
        None => None,
    };
    let request = SingleUseRequest {
        campaign: campaign.clone(),
        first_name: optional(
            &input.first_name,
            "firstName",
            &Words::new("cmd.label.firstName"),
            100,
        )?,
        last_name: optional(
            &input.last_name,
            "lastName",
            &Words::new("cmd.label.lastName"),
            100,
        )?,
        email: email.clone(),
        phone: validate::optional_phone(input.phone.as_deref())?,
        custom_id: optional(
            &input.custom_id,
            "customId",
            &Words::new("cmd.label.customId"),
            100,
        )?,
        custom_validation_code: optional(
            &input.custom_validation_code,
            "customValidationCode",
            &Words::new("cmd.label.customValidationCode"),
            100,
        )?,
        duplicate_check: input.duplicate_check,
    };
    let account = active_account(&state).await?;
    let client = state.client_for(&account).await?;
    let left_ms = crate::jobs::journal::now_ms();
    let (made, left) = super::write(client.single_use().create(&request)).await;
    let (link, confirmed) = match made {
        Ok(link) => (link, false),
        Err(error) if may_have_taken_effect(&error) => {
            settle_time(&client, left).await;
            let (outcome, answer) = match find_after_lost_reply(&client, &request, left_ms).await {
                LostCreate::Made(link) => (Outcome::Ok, Ok(*link)),
                LostCreate::NotMade => (
                    Outcome::Failed,
                    Err(UiError::new(
                        ErrorKind::NotMade,
                        t("cmd.links.notMade.message"),
                        t("cmd.links.notMade.hint"),
                    )),
                ),
                LostCreate::CantTell => (
                    Outcome::Unknown,
                    Err(UiError::new(
                        ErrorKind::OutcomeUnknown,
                        t("cmd.links.unknown.message"),
                        t("cmd.links.unknown.hint"),
                    )),
                ),
            };
            match answer {
                Ok(link) => (link, true),
                Err(e) => {
                    record_history(&state, line(&account, &campaign, &request, outcome, None))
                        .await;
                    return Err(e);
                }
            }
        }
        Err(error) => {
            record_history(
                &state,
                line(
                    &account,
                    &campaign,
                    &request,
                    Outcome::Failed,
                    Some(error.user_message()),
                ),
            )
            .await;
            return Err(error.into());
        }
    };
    record_history(
        &state,
        line(
            &account,
            &campaign,
            &request,
            Outcome::Ok,
            Some(link.url.clone()),
        ),
    )
    .await;
    Ok(OneLinkResult {
        qr_data_url: crate::qr::svg_data_url(&link.url).ok(),
        url: link.url,
        code: link.code.to_string(),
        widget_validation_code: link.widget_validation_code,
        custom_validation_code: link.custom_validation_code,
        confirmed_after_interruption: confirmed,
    })
}

/// What a look-up after a lost `singleuse/create` reply found.
enum LostCreate {
    /// A session the server made after the request left, with its link.
    Made(Box<SingleUseLink>),
    /// The customer has no session made since: the request did nothing.
    NotMade,
    /// Nothing identifies the customer, the look-up failed, or the link cannot be read.
    CantTell,
}

/// After a lost reply, once the request can no longer be running, the link is looked up by
/// what `couponsession/search` finds (§10: an e-mail, a phone or a custom validation code): a
/// session the server made after the request left (by its clock, from the replies' `Date`)
/// is ours. Without one of those nothing can tell it apart from a link made at another desk
/// (the search does not look at the own ID). A found session whose link the search does not
/// give is read with `couponsession/data`: a link that cannot be copied is no result.
async fn find_after_lost_reply(
    client: &Client,
    request: &SingleUseRequest,
    left_ms: i64,
) -> LostCreate {
    let Some(search) = request
        .email
        .clone()
        .or_else(|| request.phone.clone())
        .or_else(|| request.custom_validation_code.clone())
    else {
        return LostCreate::CantTell;
    };
    let Ok(sessions) = client
        .sessions()
        .search(&SessionSearch {
            search,
            campaign: Some(request.campaign.clone()),
        })
        .await
    else {
        return LostCreate::CantTell;
    };
    let since = client.server_clock().earliest_of_request(left_ms);
    if sessions.iter().any(|s| s.created_at.is_none()) {
        return LostCreate::CantTell;
    }
    let Some(newest) = sessions
        .into_iter()
        .filter(|s| s.created_at.is_some_and(|at| at >= since))
        .max_by_key(|s| s.created_at)
    else {
        return LostCreate::NotMade;
    };
    let url = if newest.url.trim().is_empty() {
        match client.sessions().get(newest.code.as_str()).await {
            Ok(full) if !full.url.trim().is_empty() => full.url,
            _ => return LostCreate::CantTell,
        }
    } else {
        newest.url
    };
    LostCreate::Made(Box::new(SingleUseLink {
        widget_validation_code: newest.code.short_code().to_owned(),
        code: newest.code,
        url,
        custom_validation_code: request.custom_validation_code.clone(),
        custom_id: request.custom_id.clone(),
        sequence_id: None,
    }))
}

fn line(
    account: &crate::settings::AccountRecord,
    campaign: &str,
    request: &SingleUseRequest,
    outcome: Outcome,
    detail: Option<String>,
) -> Line {
    Line {
        account_id: account.id.clone(),
        account: account.name.clone(),
        action: "single_use_create",
        campaign: Some(campaign.to_owned()),
        // The customer, for "did we make Mrs Peeters a link?"; else the own ID.
        target: request
            .email
            .clone()
            .or_else(|| request.phone.clone())
            .or_else(|| request.custom_id.clone()),
        outcome,
        detail,
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ManyLinksInput {
    pub campaign: String,
    /// As typed: checked here (digits only, 1–100 000).
    pub amount: String,
    pub status: String,
    pub automated_codes: bool,
    pub code_prefix: String,
    pub code_length: u8,
    pub code_type: String,
}

#[tauri::command]
pub async fn start_links_job(
    state: State<'_, AppState>,
    input: ManyLinksInput,
    on_progress: Channel<ShownProgress>,
) -> Result<StartedJob, UiError> {
    let spec = links_spec(&input)?;
    let manager = manager(&state)?.clone();
    let account = active_account(&state).await?;
    let client = state.client_for(&account).await?;
    start_job(
        manager,
        account,
        client,
        on_progress,
        move |jobs, account| Ok(jobs.create_links_job(&account.id, &account.name, &spec)?),
    )
    .await
}

/// Every field of the "many links" form, checked before anything is stored or sent.
pub fn links_spec(input: &ManyLinksInput) -> Result<CreateLinksSpec, UiError> {
    let campaign = validate::coupon_campaign_id(&input.campaign)?;
    let amount = validate::single_use_amount(&input.amount)?;
    let status = match input.status.trim() {
        "" | "normal" => "normal",
        "voided" => "voided",
        "activated" => "activated",
        _ => {
            return Err(UiError {
                field: Some("status".into()),
                ..UiError::new(
                    ErrorKind::Validation,
                    t("cmd.links.status.message"),
                    t("cmd.links.status.hint"),
                )
            })
        }
    };
    let automated_codes = if input.automated_codes {
        let code_type = match input.code_type.trim() {
            "numeric" => "numeric",
            "" | "alphanumeric" => "alphanumeric",
            _ => {
                return Err(UiError {
                    field: Some("codeType".into()),
                    ..UiError::new(
                        ErrorKind::Validation,
                        t("cmd.links.codeType.message"),
                        t("cmd.links.codeType.hint"),
                    )
                })
            }
        };
        Some(AutomatedCodesSpec {
            prefix: validate::code_prefix(&input.code_prefix)?,
            length: validate::code_length(input.code_length)?,
            code_type: code_type.to_owned(),
        })
    } else {
        None
    };
    Ok(CreateLinksSpec {
        campaign,
        amount,
        status: status.to_owned(),
        automated_codes,
    })
}

/// One pasted line of a removal list, as the window shows it before asking to confirm.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkCheck {
    pub line: usize,
    pub text: String,
    pub code: Option<String>,
    pub campaign: Option<String>,
    /// `active`, `used`, `voided`, `not_found`, `invalid`, `duplicate`, `unchecked`.
    pub state: String,
    pub message: Option<String>,
    pub removable: bool,
}

#[tauri::command]
pub async fn check_links_to_remove(
    state: State<'_, AppState>,
    text: String,
) -> Result<Vec<LinkCheck>, UiError> {
    let lines: Vec<(usize, String)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim().to_owned()))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    if lines.is_empty() {
        return Err(UiError {
            field: Some("removeList".into()),
            ..UiError::new(
                ErrorKind::Validation,
                t("cmd.links.remove.empty.message"),
                t("cmd.links.remove.empty.hint"),
            )
        });
    }
    if lines.len() > MAX_REMOVE_LINES {
        return Err(UiError {
            field: Some("removeList".into()),
            ..UiError::new(
                ErrorKind::Validation,
                tf(
                    "cmd.links.remove.tooMany.message",
                    &[("count", &lines.len()), ("max", &MAX_REMOVE_LINES)],
                ),
                t("cmd.links.remove.tooMany.hint"),
            )
        });
    }
    let account = active_account(&state).await?;
    let client = state.client_for(&account).await?;
    let mut seen = std::collections::HashSet::new();
    let mut checks = Vec::with_capacity(lines.len());
    let mut to_look_up = Vec::new();
    for (line, text) in lines {
        let check = match validate::session_code_from_text(&text) {
            Err(problem) => LinkCheck {
                line,
                text,
                code: None,
                campaign: None,
                state: "invalid".into(),
                message: Some(problem.user_message()),
                removable: false,
            },
            Ok(code) if !seen.insert(code.to_string()) => LinkCheck {
                line,
                text,
                code: Some(code.to_string()),
                campaign: None,
                state: "duplicate".into(),
                message: Some(t("cmd.links.remove.duplicate")),
                removable: false,
            },
            Ok(code) => {
                to_look_up.push(checks.len());
                LinkCheck {
                    line,
                    text,
                    code: Some(code.to_string()),
                    campaign: None,
                    state: "unchecked".into(),
                    message: None,
                    removable: false,
                }
            }
        };
        checks.push(check);
    }
    // Bounded concurrency: CHECK_CONCURRENCY look-ups at a time, order kept.
    for batch in to_look_up.chunks(CHECK_CONCURRENCY) {
        let answers = futures_util::future::join_all(batch.iter().map(|&i| {
            let code = checks[i].code.clone().unwrap_or_default();
            let client = client.clone();
            async move { client.sessions().get(&code).await }
        }))
        .await;
        for (&i, answer) in batch.iter().zip(answers) {
            let check = &mut checks[i];
            match answer {
                Ok(session) => {
                    check.campaign = Some(session.campaign.clone());
                    check.removable = true;
                    check.state = if session.voided {
                        "voided"
                    } else if session.validated {
                        "used"
                    } else {
                        "active"
                    }
                    .into();
                }
                Err(ApiError::Coupontools { code: 505, .. }) => {
                    check.state = "not_found".into();
                    check.message = Some(t("cmd.links.remove.notFound"));
                }
                Err(error) if error.is_account_failure() => return Err(error.into()),
                Err(error) => {
                    check.state = "unchecked".into();
                    check.message = Some(error.user_message());
                }
            }
        }
    }
    Ok(checks)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoveLink {
    pub code: String,
    pub campaign: String,
}

#[tauri::command]
pub async fn start_removal_job(
    state: State<'_, AppState>,
    links: Vec<RemoveLink>,
    on_progress: Channel<ShownProgress>,
) -> Result<StartedJob, UiError> {
    let mut inputs = Vec::with_capacity(links.len());
    for link in links {
        let code = validate::session_code_from_text(&link.code)?;
        let campaign = validate::coupon_campaign_id(&link.campaign)?;
        inputs.push(RemoveInput {
            code: code.to_string(),
            campaign,
        });
    }
    let manager = manager(&state)?.clone();
    let account = active_account(&state).await?;
    let client = state.client_for(&account).await?;
    start_job(
        manager,
        account,
        client,
        on_progress,
        move |jobs, account| Ok(jobs.create_removal_job(&account.id, &account.name, inputs, 4)?),
    )
    .await
}

/// Saves a link's QR code to Downloads, as `png` (for screens and most printers) or `svg`
/// (scales to any size, for a print shop).
#[tauri::command]
pub async fn save_link_qr<R: Runtime>(
    app: AppHandle<R>,
    url: String,
    format: String,
) -> Result<SavedFile, UiError> {
    let url = checked_link(&url)?;
    let (bytes, ext) = match format.as_str() {
        "svg" => (crate::qr::svg(&url).map_err(qr_error)?.into_bytes(), "svg"),
        _ => (
            crate::qr::png(&url, crate::qr::PNG_SCALE).map_err(qr_error)?,
            "png",
        ),
    };
    let path = export_path(&app, "coupon-qr", ext)?;
    let target = path.clone();
    blocking(move || write_file(&target, &bytes)).await?;
    Ok(SavedFile {
        path: path.display().to_string(),
    })
}

pub(crate) fn checked_link(url: &str) -> Result<String, UiError> {
    match url::Url::parse(url.trim()) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => Ok(parsed.to_string()),
        _ => Err(UiError::new(
            ErrorKind::Validation,
            t("cmd.links.qr.notWebLink.message"),
            t("cmd.links.qr.notWebLink.hint"),
        )),
    }
}

fn qr_error(_: crate::qr::QrError) -> UiError {
    UiError::new(
        ErrorKind::Qr,
        t("cmd.links.qr.tooLong.message"),
        t("cmd.links.qr.tooLong.hint"),
    )
}

/// A ZIP with one QR PNG per link of a "many links" job (named by row and code), for a print run.
#[tauri::command]
pub async fn export_links_qr_zip<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    job_id: JobId,
) -> Result<SavedFile, UiError> {
    let manager = manager(&state)?.clone();
    let path = export_path(&app, "coupon-qr-codes", "zip")?;
    let target = path.clone();
    blocking(move || {
        let links = job_links(&manager, &job_id, MAX_QR_ZIP, "cmd.links.qrZip.tooMany")?;
        write_qr_zip(&target, &links)
    })
    .await?;
    Ok(SavedFile {
        path: path.display().to_string(),
    })
}

/// Every row of a "many links" job, in order; more than `max` is refused with the words of
/// `too_many` (`.message` with {count} and {max}, `.hint`).
pub(crate) fn job_links(
    manager: &crate::jobs::JobManager,
    job_id: &JobId,
    max: usize,
    too_many: &str,
) -> Result<Vec<crate::jobs::JobRow>, UiError> {
    let page = manager.rows(job_id, 0, 1)?;
    if page.total > max {
        return Err(UiError::new(
            ErrorKind::Validation,
            tf(
                &format!("{too_many}.message"),
                &[("count", &page.total), ("max", &max)],
            ),
            t(&format!("{too_many}.hint")),
        ));
    }
    let mut links = Vec::with_capacity(page.total);
    // Read until an empty page: the count is a hint, not a promise.
    loop {
        let rows = manager
            .rows(job_id, links.len(), crate::jobs::runner::MAX_PAGE)?
            .rows;
        if rows.is_empty() {
            break;
        }
        links.extend(rows);
    }
    Ok(links)
}

fn write_qr_zip(path: &std::path::Path, links: &[crate::jobs::JobRow]) -> Result<(), UiError> {
    let cannot = |e: &dyn std::fmt::Display| {
        log::warn!("QR zip: {e}");
        UiError::new(
            ErrorKind::Export,
            t("cmd.links.qrZip.failed"),
            downloads_hint(),
        )
    };
    let file = std::fs::File::create(path).map_err(|e| cannot(&e))?;
    let mut zip = zip::ZipWriter::new(file);
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for link in links {
        let (Some(url), Some(code)) = (link.field("url"), link.field("code")) else {
            continue;
        };
        let png = crate::qr::png(url, crate::qr::PNG_SCALE).map_err(qr_error)?;
        // The code came from the server: only its letters and digits go into a file name.
        let code: String = code
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(32)
            .collect();
        zip.start_file(format!("{:05}-{code}.png", link.row), options)
            .map_err(|e| cannot(&e))?;
        zip.write_all(&png).map_err(|e| cannot(&e))?;
    }
    zip.finish().map_err(|e| cannot(&e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(amount: &str) -> ManyLinksInput {
        ManyLinksInput {
            campaign: "cam_100101".into(),
            amount: amount.into(),
            status: "normal".into(),
            ..Default::default()
        }
    }

    #[test]
    fn the_many_links_form_is_checked_field_by_field_in_plain_words() {
        assert_eq!(
            links_spec(&input("2 500")).map(|s| s.amount).ok(),
            Some(2_500)
        );
        let too_many = links_spec(&input("100001")).unwrap_err();
        assert_eq!(too_many.field.as_deref(), Some("amount"));
        assert!(too_many.message.contains("100 000"), "{too_many:?}");
        let letters = links_spec(&input("12a")).unwrap_err();
        assert!(letters.message.contains("digits"), "{letters:?}");
        let mut bad_length = input("10");
        bad_length.automated_codes = true;
        bad_length.code_length = 9;
        assert_eq!(
            links_spec(&bad_length).unwrap_err().field.as_deref(),
            Some("codeLength")
        );
        let mut bad_prefix = input("10");
        bad_prefix.automated_codes = true;
        bad_prefix.code_length = 12;
        bad_prefix.code_prefix = "XMAS 24".into();
        assert_eq!(
            links_spec(&bad_prefix).unwrap_err().field.as_deref(),
            Some("codePrefix")
        );
        let mut status = input("10");
        status.status = "used".into();
        assert_eq!(
            links_spec(&status).unwrap_err().field.as_deref(),
            Some("status")
        );
    }

    #[test]
    fn a_qr_zip_holds_one_png_per_link() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("qr.zip");
        let links: Vec<crate::jobs::JobRow> = (1..=3)
            .map(|i| {
                let mut fields = serde_json::Map::new();
                fields.insert(
                    "url".into(),
                    format!("https://digicpn.com/p/abc123/{i:0>21}").into(),
                );
                fields.insert("code".into(), format!("{i:0>21}").into());
                crate::jobs::JobRow {
                    row: i,
                    status: crate::jobs::RowStatus::Sent,
                    in_doubt: false,
                    message: None,
                    fields,
                }
            })
            .collect();
        write_qr_zip(&path, &links).unwrap();
        let mut archive = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
        assert_eq!(archive.len(), 3);
        let mut first = archive.by_index(0).unwrap();
        assert_eq!(first.name(), "00001-000000000000000000001.png");
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut first, &mut bytes).unwrap();
        assert!(bytes.starts_with(b"\x89PNG"));
    }
}
