//! "Directories" screen: directories and their campaigns, every member (all pages with
//! progress), a member's payment status one at a time or as a bulk job, CSV export; and the
//! categories section (categories and 3rd-level categories).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};

use super::bulk::{manager, start_job, StartedJob};
use super::history::{save_csv, SavedFile};
use super::{may_have_taken_effect, record_history, settle_time, UiError};
use crate::api::directories::DEFAULT_PAGE_CONCURRENCY;
use crate::api::words::Words;
use crate::api::{
    validate, Campaign, Category, Directory, DirectoryUser, PaymentStatus, PaymentUpdate,
};
use crate::error_kind::ErrorKind;
use crate::history::{Line, Outcome};
use crate::i18n::t;
use crate::jobs::kinds::directory_payment::{look_up_payment, PaymentSeen};
use crate::jobs::{PaymentInput, PaymentJobSpec, PaymentRow, RowStatus};
use crate::settings::AccountRecord;
use crate::shown_jobs::ShownProgress;
use crate::state::AppState;

/// Bumped by "Cancel": a member load that sees a newer number stops between pages.
static MEMBERS_GENERATION: AtomicU64 = AtomicU64::new(0);
/// The most lines a pasted list may have (a directory of this size is already unusual).
const MAX_PASTED_LINES: usize = 100_000;

/// A member as the window shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct MemberView {
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    /// RFC 3339, "" when never.
    pub last_seen: String,
    pub logins: u32,
    /// `paid`, `unpaid`, `pending`, `none`, or Coupontools' own word when it is another.
    pub payment_status: String,
    pub confirmation_id: String,
    pub confirmation_account: String,
}

fn iso(at: Option<time::OffsetDateTime>) -> String {
    at.and_then(|t| {
        t.format(&time::format_description::well_known::Rfc3339)
            .ok()
    })
    .unwrap_or_default()
}

impl From<DirectoryUser> for MemberView {
    fn from(u: DirectoryUser) -> MemberView {
        let payment_status = match PaymentStatus::from_api(&u.payment_status) {
            Some(PaymentStatus::None) => "none".to_owned(),
            Some(s) => s.as_api().to_owned(),
            None => u.payment_status.trim().to_owned(),
        };
        MemberView {
            last_seen: iso(u.last_seen),
            id: u.id,
            first_name: u.first_name,
            last_name: u.last_name,
            email: u.email,
            phone: u.phone,
            logins: u.amount_of_logins,
            payment_status,
            confirmation_id: u.payment_confirmation_id,
            confirmation_account: u.payment_confirmation_account,
        }
    }
}

#[tauri::command]
pub async fn list_directories(state: State<'_, AppState>) -> Result<Vec<Directory>, UiError> {
    let (_, client) = super::account_and_client(&state).await?;
    Ok(client.directories().list().await?)
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryDetails {
    pub directory: Directory,
    pub campaigns: Vec<Campaign>,
}

/// The directory and its campaigns, asked for together.
#[tauri::command]
pub async fn directory_details(
    state: State<'_, AppState>,
    directory: String,
) -> Result<DirectoryDetails, UiError> {
    let directory = validate::directory_id(&directory)?;
    let (_, client) = super::account_and_client(&state).await?;
    let api = client.directories();
    let (info, campaigns) = tokio::join!(api.info(&directory), api.campaigns(&directory));
    Ok(DirectoryDetails {
        directory: info?,
        campaigns: campaigns?,
    })
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MembersProgress {
    pub loaded: usize,
    pub total: Option<u64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Members {
    pub members: Vec<MemberView>,
    /// What `directoryusers/list` said the directory holds.
    pub total: Option<u64>,
    /// Stopped by "Cancel": the list holds what had arrived.
    pub cancelled: bool,
}

/// Every member, newest first: all pages, [`DEFAULT_PAGE_CONCURRENCY`] at a time, with progress.
#[tauri::command]
pub async fn directory_members(
    state: State<'_, AppState>,
    directory: String,
    on_progress: Channel<MembersProgress>,
) -> Result<Members, UiError> {
    let directory = validate::directory_id(&directory)?;
    let (_, client) = super::account_and_client(&state).await?;
    let generation = MEMBERS_GENERATION.fetch_add(1, Ordering::SeqCst) + 1;
    let mut cancelled = false;
    let mut last_total = None;
    let users = client
        .directories()
        .all_users(&directory, DEFAULT_PAGE_CONCURRENCY, |_, loaded, total| {
            last_total = total;
            let _ = on_progress.send(MembersProgress { loaded, total });
            cancelled = MEMBERS_GENERATION.load(Ordering::SeqCst) != generation;
            !cancelled
        })
        .await?;
    Ok(Members {
        members: users.into_iter().map(Into::into).collect(),
        total: last_total,
        cancelled,
    })
}

/// Stops a member load between two pages.
#[tauri::command]
pub fn cancel_directory_members() {
    MEMBERS_GENERATION.fetch_add(1, Ordering::SeqCst);
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentInputForm {
    pub status: String,
    #[serde(default)]
    pub confirmation_id: String,
    #[serde(default)]
    pub confirmation_account: String,
}

impl PaymentInputForm {
    fn checked(&self) -> Result<PaymentUpdate, UiError> {
        let status = validate::payment_status(&self.status)?;
        Ok(PaymentUpdate {
            status,
            confirmation_id: self.confirmation_id.clone(),
            confirmation_account: self.confirmation_account.clone(),
        }
        .checked()?)
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentSet {
    /// The member as Coupontools shows them after the change (re-read).
    pub member: MemberView,
    /// The reply was lost, and the re-read showed the change had been made.
    pub confirmed_after_loss: bool,
    /// The change was saved, but the member could not be read again afterwards: `member` is
    /// what the write's reply showed or else what was sent, and `refreshNote` says so in words.
    /// Not a reason to send it again.
    pub refresh_failed: bool,
    pub refresh_note: Option<String>,
}

/// The member as far as the saved change tells (when the write's reply did not show them).
fn as_sent(user: &str, update: &PaymentUpdate) -> MemberView {
    MemberView {
        id: user.to_owned(),
        first_name: String::new(),
        last_name: String::new(),
        email: String::new(),
        phone: String::new(),
        last_seen: String::new(),
        logins: 0,
        payment_status: status_key(update).to_owned(),
        confirmation_id: update.confirmation_id.clone(),
        confirmation_account: update.confirmation_account.clone(),
    }
}

/// The status as `MemberView` words it: `paid`, `unpaid`, `pending` or `none`.
fn status_key(update: &PaymentUpdate) -> &'static str {
    match update.status.as_api() {
        "" => "none",
        word => word,
    }
}

fn payment_line(
    account: &AccountRecord,
    directory: &str,
    user: &str,
    update: &PaymentUpdate,
    outcome: Outcome,
) -> Line {
    Line {
        account_id: account.id.clone(),
        account: account.name.clone(),
        action: "directory_payment",
        campaign: Some(directory.to_owned()),
        target: Some(user.to_owned()),
        outcome,
        // In the app's language, as the screen and the bulk job word it.
        detail: Some(t(&format!("directories.payment.{}", status_key(update)))),
    }
}

/// Sets one member's payment status, then reads the member back from Coupontools. After a lost
/// reply, waits until the request cannot still be running and reads the member before saying
/// anything: never sent twice blindly.
#[tauri::command]
pub async fn set_member_payment(
    state: State<'_, AppState>,
    directory: String,
    user: String,
    payment: PaymentInputForm,
) -> Result<PaymentSet, UiError> {
    let directory = validate::directory_id(&directory)?;
    let user = validate::directory_user_id(&user)?;
    let update = payment.checked()?;
    let (account, client) = super::account_and_client(&state).await?;
    let api = client.directories();
    let (written, left) = super::write(api.update_payment(&directory, &user, &update)).await;
    let (lost, replied) = match written {
        Ok(replied) => (false, replied),
        Err(e) if may_have_taken_effect(&e) => {
            settle_time(&client, left).await;
            (true, None)
        }
        Err(e) => {
            record_history(
                &state,
                payment_line(&account, &directory, &user, &update, Outcome::Failed),
            )
            .await;
            return Err(e.into());
        }
    };
    let unknown = || payment_line(&account, &directory, &user, &update, Outcome::Unknown);
    // None: saved (Coupontools said so), but the member could not be read back.
    let fresh = match (
        look_up_payment(&client, &directory, &user, &update).await,
        lost,
    ) {
        (PaymentSeen::Shown(member), _) => Some(member),
        (PaymentSeen::NotShown(member), false) => Some(member),
        // A single change is not sent again by itself: the person decides, after checking.
        (PaymentSeen::NotShown(_), true) | (PaymentSeen::Unreadable(_), true) => {
            record_history(&state, unknown()).await;
            return Err(UiError::from_key(
                ErrorKind::OutcomeUnknown,
                "error.directories.paymentUnknown",
            ));
        }
        // Gone since, and whether the lost request reached them first cannot be told.
        (PaymentSeen::Gone, true) => {
            record_history(&state, unknown()).await;
            return Err(UiError::from_key(
                ErrorKind::NotFound,
                "error.directories.memberGone",
            ));
        }
        (PaymentSeen::Gone, false) | (PaymentSeen::Unreadable(_), false) => None,
    };
    // The write is done: the history says so whatever the read after it gave.
    record_history(
        &state,
        payment_line(&account, &directory, &user, &update, Outcome::Ok),
    )
    .await;
    Ok(match fresh {
        Some(member) => PaymentSet {
            member: member.into(),
            confirmed_after_loss: lost,
            refresh_failed: false,
            refresh_note: None,
        },
        None => {
            log::warn!("payment status saved, but the member was not read back");
            PaymentSet {
                member: replied
                    .filter(|m| m.id.eq_ignore_ascii_case(&user))
                    .map_or_else(|| as_sent(&user, &update), Into::into),
                confirmed_after_loss: false,
                refresh_failed: true,
                refresh_note: Some(t("directories.refreshFailed")),
            }
        }
    })
}

/// A line of a pasted list: its number, and whom it names or why it names nobody.
pub type PastedLine = (usize, Result<PastedMember, Words>);

/// Who a line of a pasted list means: a `reg_…` ID or an e-mail address of the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PastedMember {
    Id(String),
    Email(String),
}

/// Reads a pasted list: one member per line (the first cell of a CSV/TSV line), as `reg_…` or
/// as e-mail; blank lines and a header are skipped. Returns (line number, what it names).
pub fn parse_pasted_members(text: &str) -> Result<Vec<PastedLine>, UiError> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let cell = line
            .split([',', ';', '\t'])
            .next()
            .unwrap_or_default()
            .trim()
            .trim_matches('"')
            .trim();
        if cell.is_empty() {
            continue;
        }
        if rows.is_empty()
            && matches!(
                cell.to_ascii_lowercase().as_str(),
                "id" | "member" | "email" | "e-mail"
            )
        {
            continue;
        }
        if rows.len() >= MAX_PASTED_LINES {
            return Err(UiError::from_key(
                ErrorKind::Validation,
                "error.directories.pasteTooLong",
            ));
        }
        let named = if cell.contains('@') {
            validate::email_address(cell)
                .map(|e| PastedMember::Email(e.to_ascii_lowercase()))
                .map_err(|p| p.message)
        } else {
            validate::directory_user_id(cell)
                .map(PastedMember::Id)
                .map_err(|p| p.message)
        };
        rows.push((i + 1, named));
    }
    Ok(rows)
}

/// Rows of a payment job: the selection's IDs, then the pasted lines (e-mails looked up among
/// `members`). Members named twice are skipped the second time; unknown ones fail at once.
pub fn payment_rows(
    selection: &[String],
    pasted: &[PastedLine],
    members: &[DirectoryUser],
) -> Vec<PaymentRow> {
    let by_id: HashMap<&str, &DirectoryUser> = members.iter().map(|m| (m.id.as_str(), m)).collect();
    let by_email: HashMap<String, &DirectoryUser> = members
        .iter()
        .filter(|m| !m.email.is_empty())
        .map(|m| (m.email.to_ascii_lowercase(), m))
        .collect();
    let mut seen = std::collections::HashSet::new();
    let mut rows = Vec::new();
    let mut push = |row: usize, user: String, email: String, problem: Option<Words>| {
        let settled = match problem {
            Some(p) => Some((RowStatus::Failed, p)),
            None if !seen.insert(user.clone()) => {
                Some((RowStatus::Skipped, Words::new("directories.job.twice")))
            }
            None => None,
        };
        rows.push((row, PaymentInput { user, email }, settled));
    };
    for (i, id) in selection.iter().enumerate() {
        match by_id.get(id.as_str()) {
            Some(m) => push(i + 1, m.id.clone(), m.email.clone(), None),
            None => push(
                i + 1,
                id.clone(),
                String::new(),
                Some(Words::new("directories.job.notInDirectory")),
            ),
        }
    }
    let offset = selection.len();
    for (line, named) in pasted {
        let row = offset + line;
        match named {
            Err(problem) => push(row, String::new(), String::new(), Some(problem.clone())),
            Ok(PastedMember::Id(id)) => match by_id.get(id.as_str()) {
                Some(m) => push(row, m.id.clone(), m.email.clone(), None),
                None => push(
                    row,
                    id.clone(),
                    String::new(),
                    Some(Words::new("directories.job.notInDirectory")),
                ),
            },
            Ok(PastedMember::Email(email)) => match by_email.get(email) {
                Some(m) => push(row, m.id.clone(), m.email.clone(), None),
                None => push(
                    row,
                    String::new(),
                    email.clone(),
                    Some(Words::new("directories.job.notInDirectory")),
                ),
            },
        }
    }
    rows
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentJobInput {
    pub directory: String,
    #[serde(default)]
    pub directory_name: String,
    /// `reg_…` IDs picked in the table.
    #[serde(default)]
    pub selection: Vec<String>,
    /// A pasted list: one `reg_…` or e-mail per line.
    #[serde(default)]
    pub pasted: String,
    pub payment: PaymentInputForm,
}

/// Sets the payment status of a selection or a pasted list as a job of the bulk engine.
#[tauri::command]
pub async fn start_payment_job(
    state: State<'_, AppState>,
    input: PaymentJobInput,
    on_progress: Channel<ShownProgress>,
) -> Result<StartedJob, UiError> {
    let directory = validate::directory_id(&input.directory)?;
    let update = input.payment.checked()?;
    let pasted = parse_pasted_members(&input.pasted)?;
    if input.selection.is_empty() && pasted.is_empty() {
        return Err(UiError {
            field: Some("pasted".into()),
            ..UiError::from_key(ErrorKind::Validation, "error.directories.nobodyChosen")
        });
    }
    let manager = manager(&state)?.clone();
    let (account, client) = super::account_and_client(&state).await?;
    let concurrency = state.settings.lock().await.preferences.bulk_concurrency;
    // E-mails and IDs are checked against the directory as it is now.
    let members = client
        .directories()
        .all_users(&directory, DEFAULT_PAGE_CONCURRENCY, |_, _, _| true)
        .await?;
    let rows = payment_rows(&input.selection, &pasted, &members);
    let spec = PaymentJobSpec {
        directory_name: if input.directory_name.trim().is_empty() {
            directory.clone()
        } else {
            input.directory_name.trim().to_owned()
        },
        directory,
        update,
    };
    start_job(
        manager,
        account,
        client,
        on_progress,
        move |jobs, account| {
            Ok(jobs.create_payment_job(&account.id, &account.name, &spec, concurrency, rows)?)
        },
    )
    .await
}

/// Every member as CSV in Downloads (the payment filter of the screen applied when given).
#[tauri::command]
pub async fn export_directory_members<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    directory: String,
    payment_status: Option<String>,
) -> Result<SavedFile, UiError> {
    let directory = validate::directory_id(&directory)?;
    let filter = match payment_status.as_deref().map(str::trim) {
        None | Some("") | Some("all") => None,
        Some(word) => Some(validate::payment_status(word)?),
    };
    let (_, client) = super::account_and_client(&state).await?;
    let users = client
        .directories()
        .all_users(&directory, DEFAULT_PAGE_CONCURRENCY, |_, _, _| true)
        .await?;
    let rows = users
        .into_iter()
        .filter(|u| filter.is_none_or(|f| PaymentStatus::from_api(&u.payment_status) == Some(f)))
        .map(|u| {
            let m = MemberView::from(u);
            vec![
                m.id,
                m.first_name,
                m.last_name,
                m.email,
                m.phone,
                m.last_seen,
                m.logins.to_string(),
                m.payment_status,
                m.confirmation_id,
                m.confirmation_account,
            ]
        })
        .collect();
    const HEADER: &[&str] = &[
        "id",
        "first_name",
        "last_name",
        "email",
        "phone",
        "last_seen",
        "logins",
        "payment_status",
        "payment_confirmation_id",
        "payment_confirmation_account",
    ];
    save_csv(
        &app,
        "coupon-desk-directory",
        HEADER,
        rows,
        t("cmd.directories.exportFailed"),
    )
    .await
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CategoryLists {
    pub categories: Vec<Category>,
    pub main_categories: Vec<Category>,
    /// False when `category/main/list` is empty: the account does not use 3rd-level categories.
    pub uses_third_level: bool,
}

/// Both category lists, asked for together.
#[tauri::command]
pub async fn category_lists(state: State<'_, AppState>) -> Result<CategoryLists, UiError> {
    let (_, client) = super::account_and_client(&state).await?;
    let api = client.categories();
    let (categories, main) = tokio::join!(api.list(), api.main());
    let main_categories = main?;
    Ok(CategoryLists {
        categories: categories?,
        uses_third_level: !main_categories.is_empty(),
        main_categories,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str, email: &str) -> DirectoryUser {
        DirectoryUser {
            id: id.into(),
            email: email.into(),
            ..DirectoryUser::default()
        }
    }

    #[test]
    fn pasted_lists_take_ids_and_addresses() {
        let rows = parse_pasted_members(
            "email\nann@shop.test;Ann\n\n reg_5 \nnot an id\n\"bob@shop.test\",x",
        )
        .unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(
            rows[0],
            (2, Ok(PastedMember::Email("ann@shop.test".into())))
        );
        assert_eq!(rows[1], (4, Ok(PastedMember::Id("reg_5".into()))));
        assert!(rows[2].1.is_err());
        assert_eq!(rows[3].1, Ok(PastedMember::Email("bob@shop.test".into())));
    }

    #[test]
    fn job_rows_resolve_addresses_and_settle_the_rest() {
        let members = [
            member("reg_1", "Ann@Shop.test"),
            member("reg_2", "bob@shop.test"),
        ];
        let pasted =
            parse_pasted_members("ann@shop.test\nreg_2\nreg_9\nzoe@shop.test\nreg_1").unwrap();
        let rows = payment_rows(&["reg_2".into()], &pasted, &members);
        let summary: Vec<(String, Option<RowStatus>)> = rows
            .iter()
            .map(|(_, input, settled)| (input.user.clone(), settled.as_ref().map(|s| s.0)))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("reg_2".into(), None),
                ("reg_1".into(), None),
                ("reg_2".into(), Some(RowStatus::Skipped)),
                ("reg_9".into(), Some(RowStatus::Failed)),
                ("".into(), Some(RowStatus::Failed)),
                ("reg_1".into(), Some(RowStatus::Skipped)),
            ]
        );
        assert_eq!(rows[1].1.email, "Ann@Shop.test");
    }

    #[test]
    fn the_history_words_the_status_in_the_apps_language() {
        let account = AccountRecord {
            id: "acc_1".into(),
            name: "Shop".into(),
            kind: crate::settings::AccountKind::Practice,
            client_id: String::new(),
            v3_base_url: String::new(),
            v4_base_url: String::new(),
        };
        let update = |status| PaymentUpdate {
            status,
            confirmation_id: String::new(),
            confirmation_account: String::new(),
        };
        let detail = |status| {
            crate::i18n::in_language(crate::i18n::Lang::Nl, || {
                payment_line(&account, "dir_1", "reg_1", &update(status), Outcome::Ok).detail
            })
        };
        assert_eq!(detail(PaymentStatus::Paid).as_deref(), Some("betaald"));
        assert_eq!(detail(PaymentStatus::None).as_deref(), Some("geen"));
    }

    #[test]
    fn a_member_not_read_back_shows_what_was_saved() {
        let view = as_sent(
            "reg_1",
            &PaymentUpdate {
                status: PaymentStatus::None,
                confirmation_id: "pi_1".into(),
                confirmation_account: String::new(),
            },
        );
        assert_eq!(
            (
                view.id.as_str(),
                view.payment_status.as_str(),
                view.confirmation_id.as_str()
            ),
            ("reg_1", "none", "pi_1")
        );
    }

    #[test]
    fn members_show_none_for_an_empty_status() {
        let view = MemberView::from(member("reg_1", "a@b.test"));
        assert_eq!(view.payment_status, "none");
        let odd = MemberView::from(DirectoryUser {
            payment_status: "refunded".into(),
            ..member("reg_2", "")
        });
        assert_eq!(odd.payment_status, "refunded");
    }
}
