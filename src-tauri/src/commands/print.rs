//! Paper: a sheet of a job's single-use links, and one coupon for a receipt printer or an A6
//! card, as PDF files in Downloads that the computer's PDF viewer opens to print.

use std::sync::atomic::Ordering;

use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_opener::OpenerExt;

use super::bulk::manager;
use super::history::{export_path, write_file, SavedFile};
use super::single_use::{checked_link, job_links};
use super::{blocking, UiError};
use crate::api::validate;
use crate::error_kind::ErrorKind;
use crate::i18n::{t, tf};
use crate::jobs::JobId;
use crate::state::AppState;

/// Links on one sheet, at most: the largest job the app makes.
pub const MAX_SHEET_LINKS: usize = 100_000;
const MAX_TITLE: usize = 120;
const MAX_LINE: usize = 200;

/// The sheet the person chose on the Single-use links screen.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SheetChoice {
    /// `a4-3x8`, `letter-3x10` or `grid`.
    pub layout: String,
    /// For `grid`: `a4` or `letter`.
    pub paper: String,
    pub columns: String,
    pub rows: String,
    pub title: String,
    pub line: String,
    /// A part of the job's links: from the `from`th to the `to`th (both optional, counted from 1).
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SheetProgress {
    pub done: usize,
    pub total: usize,
}

/// One coupon to print, as the screen that shows it has it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CouponPaper {
    pub campaign: String,
    pub url: String,
    /// The code to read out; when empty, the short code of the link's single-use code.
    pub code: String,
    /// The last day it is valid, as the API gives it (a date or a date and time); may be empty.
    pub valid_until: String,
}

fn field_error(field: &str, message: String, hint: String) -> UiError {
    UiError {
        field: Some(field.to_owned()),
        ..UiError::new(ErrorKind::Validation, message, hint)
    }
}

fn whole_number(text: &str, field: &str) -> Result<u16, UiError> {
    text.trim()
        .parse::<u16>()
        .ok()
        .filter(|n| (1..=paper::MAX_GRID).contains(n))
        .ok_or_else(|| {
            field_error(
                field,
                tf("cmd.paper.grid.message", &[("max", &paper::MAX_GRID)]),
                t("cmd.paper.grid.hint"),
            )
        })
}

pub(crate) fn sheet_layout(choice: &SheetChoice) -> Result<paper::SheetLayout, UiError> {
    let layout = match choice.layout.as_str() {
        "a4-3x8" => paper::SheetLayout::A4Labels3x8,
        "letter-3x10" => paper::SheetLayout::LetterLabels3x10,
        "grid" => paper::SheetLayout::Grid {
            paper: match choice.paper.as_str() {
                "a4" => paper::Paper::A4,
                "letter" => paper::Paper::Letter,
                _ => {
                    return Err(field_error(
                        "paper",
                        t("cmd.paper.paper.message"),
                        t("cmd.paper.paper.hint"),
                    ))
                }
            },
            columns: whole_number(&choice.columns, "columns")?,
            rows: whole_number(&choice.rows, "rows")?,
        },
        _ => {
            return Err(field_error(
                "layout",
                t("cmd.paper.layout.message"),
                t("cmd.paper.layout.hint"),
            ))
        }
    };
    layout.cells().map_err(paper_error)?;
    Ok(layout)
}

/// The part of `count` links the person chose (from 1 to `count` when both fields are empty), as
/// a range of indexes.
pub(crate) fn chosen_part(
    choice: &SheetChoice,
    count: usize,
) -> Result<std::ops::Range<usize>, UiError> {
    let number = |text: &str, field: &str, empty: usize| -> Result<usize, UiError> {
        let text = text
            .trim()
            .replace([' ', '\u{a0}', '\u{202f}', '.', ','], "");
        if text.is_empty() {
            return Ok(empty);
        }
        text.parse::<usize>()
            .ok()
            .filter(|n| (1..=count).contains(n))
            .ok_or_else(|| {
                field_error(
                    field,
                    tf("cmd.paper.part.message", &[("count", &count)]),
                    t("cmd.paper.part.hint"),
                )
            })
    };
    let from = number(&choice.from, "from", 1)?;
    let to = number(&choice.to, "to", count)?;
    if from > to {
        return Err(field_error(
            "to",
            tf("cmd.paper.part.message", &[("count", &count)]),
            t("cmd.paper.part.hint"),
        ));
    }
    Ok(from - 1..to)
}

fn words_of(text: &str, max: usize, field: &str) -> Result<Option<String>, UiError> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(field_error(
            field,
            tf("cmd.paper.textTooLong.message", &[("max", &max)]),
            t("cmd.paper.textTooLong.hint"),
        ));
    }
    Ok((!text.is_empty()).then(|| text.chars().filter(|c| !c.is_control()).collect()))
}

pub(crate) fn sheet_text(choice: &SheetChoice) -> Result<paper::SheetText, UiError> {
    Ok(paper::SheetText {
        title: words_of(&choice.title, MAX_TITLE, "title")?,
        line: words_of(&choice.line, MAX_LINE, "line")?,
    })
}

fn paper_error(e: paper::PaperError) -> UiError {
    use paper::PaperError as P;
    match e {
        P::TooLong(n) => UiError::new(
            ErrorKind::Qr,
            tf("cmd.paper.tooLong.message", &[("n", &n)]),
            t("cmd.paper.tooLong.hint"),
        ),
        P::Empty => UiError::from_key(ErrorKind::Validation, "cmd.paper.empty"),
        P::Grid { columns, rows } => field_error(
            "columns",
            tf(
                "cmd.paper.gridTooSmall.message",
                &[("columns", &columns), ("rows", &rows)],
            ),
            t("cmd.paper.gridTooSmall.hint"),
        ),
        P::Stopped => UiError::from_key(ErrorKind::Stopped, "cmd.paper.stopped"),
        P::Font(detail) => UiError::internal("paper font", detail),
    }
}

/// Lays out every link of a "many links" job on a sheet and saves it to Downloads, telling the
/// window how far it got after each page; `stop_links_pdf` ends it without a file.
#[tauri::command]
pub async fn save_links_pdf<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    job_id: JobId,
    choice: SheetChoice,
    on_progress: Channel<SheetProgress>,
) -> Result<SavedFile, UiError> {
    let layout = sheet_layout(&choice)?;
    let text = sheet_text(&choice)?;
    let manager = manager(&state)?.clone();
    let path = export_path(&app, "coupon-links", "pdf")?;
    state.print_stop.store(false, Ordering::SeqCst);
    let target = path.clone();
    let stop = state.print_stop.clone();
    blocking(move || {
        let links: Vec<paper::SheetLink> =
            job_links(&manager, &job_id, MAX_SHEET_LINKS, "cmd.paper.tooMany")?
                .iter()
                .filter_map(|row| {
                    let url = row.field("url")?;
                    let code = row
                        .field("widgetValidationCode")
                        .filter(|c| !c.is_empty())
                        .or_else(|| row.field("code"))?;
                    Some(paper::SheetLink {
                        url: url.to_owned(),
                        code: code.to_owned(),
                    })
                })
                .collect();
        if links.is_empty() {
            return Err(paper_error(paper::PaperError::Empty));
        }
        let part = chosen_part(&choice, links.len())?;
        let first = part.start;
        let pdf = paper::link_sheet(&links[part], layout, &text, &mut |done, total| {
            // A closed window stops hearing; the file is still made.
            let _ = on_progress.send(SheetProgress { done, total });
            !stop.load(Ordering::SeqCst)
        })
        .map_err(|e| match e {
            // The sheet counts from its first link; the person counts the table's rows.
            paper::PaperError::TooLong(n) => paper_error(paper::PaperError::TooLong(first + n)),
            other => paper_error(other),
        })?;
        write_file(&target, &pdf)
    })
    .await?;
    remember_saved(&state, &path);
    Ok(SavedFile {
        path: path.display().to_string(),
    })
}

#[tauri::command]
pub fn stop_links_pdf(state: State<'_, AppState>) {
    state.print_stop.store(true, Ordering::SeqCst);
}

pub(crate) fn receipt_of(coupon: &CouponPaper) -> Result<paper::Receipt, UiError> {
    let url = checked_link(&coupon.url)?;
    let code = match coupon.code.trim() {
        "" => validate::session_code_from_text(&url)
            .map(|c| c.short_code().to_owned())
            .map_err(|_| UiError::from_key(ErrorKind::Validation, "cmd.paper.noCode"))?,
        code => code.chars().filter(|c| !c.is_control()).take(40).collect(),
    };
    let valid_until = match coupon.valid_until.trim() {
        "" => None,
        when => {
            // The API gives "2026-12-31" or "2026-12-31 23:59:59"; the day is what a customer needs.
            let day = when.get(..10).unwrap_or(when);
            let parsed = time::Date::parse(
                day,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .map_err(|_| UiError::from_key(ErrorKind::Validation, "cmd.paper.date"))?;
            let date = tf(
                "paper.date",
                &[
                    ("day", &format!("{:02}", parsed.day())),
                    ("month", &format!("{:02}", u8::from(parsed.month()))),
                    // A string: a number would be grouped like an amount ("2,026").
                    ("year", &parsed.year().to_string()),
                ],
            );
            Some(tf("paper.validUntil", &[("date", &date)]))
        }
    };
    Ok(paper::Receipt {
        campaign: words_of(&coupon.campaign, MAX_TITLE, "campaign")?.unwrap_or_default(),
        url,
        code,
        valid_until,
    })
}

/// One coupon as a PDF in Downloads: `roll80`, `roll58` (receipt printers) or `a6`.
#[tauri::command]
pub async fn save_coupon_pdf<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    coupon: CouponPaper,
    size: String,
) -> Result<SavedFile, UiError> {
    let size = match size.as_str() {
        "roll80" => paper::ReceiptSize::Roll80,
        "roll58" => paper::ReceiptSize::Roll58,
        "a6" => paper::ReceiptSize::A6,
        _ => {
            return Err(field_error(
                "size",
                t("cmd.paper.size.message"),
                t("cmd.paper.size.hint"),
            ))
        }
    };
    let receipt = receipt_of(&coupon)?;
    let path = export_path(&app, "coupon", "pdf")?;
    let target = path.clone();
    blocking(move || {
        let pdf = paper::receipt(&receipt, size).map_err(paper_error)?;
        write_file(&target, &pdf)
    })
    .await?;
    remember_saved(&state, &path);
    Ok(SavedFile {
        path: path.display().to_string(),
    })
}

fn remember_saved(state: &State<'_, AppState>, path: &std::path::Path) {
    if let Ok(mut saved) = state.saved_pdfs.lock() {
        saved.insert(path.to_path_buf());
    }
}

/// Opens a PDF this app saved in this session with the computer's PDF viewer, to print. Nothing
/// else: the window cannot have the app open a file it merely names, nor one put in its place
/// since (a link is refused).
#[tauri::command]
pub async fn open_saved_pdf<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    path: String,
) -> Result<(), UiError> {
    let wanted = std::path::PathBuf::from(path.trim());
    let ours = state
        .saved_pdfs
        .lock()
        .map(|saved| saved.contains(&wanted))
        .unwrap_or(false)
        && std::fs::symlink_metadata(&wanted).is_ok_and(|m| m.file_type().is_file());
    if !ours {
        return Err(UiError::from_key(ErrorKind::Open, "cmd.paper.notOurs"));
    }
    app.opener()
        .open_path(wanted.display().to_string(), None::<&str>)
        .map_err(|e| {
            log::warn!("opening a PDF: {e}");
            UiError::from_key(ErrorKind::Open, "cmd.paper.openFailed")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(layout: &str, columns: &str, rows: &str) -> SheetChoice {
        SheetChoice {
            layout: layout.into(),
            paper: "a4".into(),
            columns: columns.into(),
            rows: rows.into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_sheet_choice_is_checked_field_by_field_in_plain_words() {
        assert_eq!(
            sheet_layout(&choice("a4-3x8", "", "")).ok(),
            Some(paper::SheetLayout::A4Labels3x8)
        );
        assert!(sheet_layout(&choice("grid", " 4 ", "6")).is_ok());
        let letters = sheet_layout(&choice("grid", "four", "6")).unwrap_err();
        assert_eq!(letters.field.as_deref(), Some("columns"));
        assert!(letters.message.contains("20"), "{letters:?}");
        let rows = sheet_layout(&choice("grid", "4", "0")).unwrap_err();
        assert_eq!(rows.field.as_deref(), Some("rows"));
        let tiny = sheet_layout(&choice("grid", "20", "20")).unwrap_err();
        assert_eq!(tiny.field.as_deref(), Some("columns"));
        assert!(tiny.hint.contains("18"), "{tiny:?}");
        assert_eq!(
            sheet_layout(&choice("hexagons", "", ""))
                .unwrap_err()
                .field
                .as_deref(),
            Some("layout")
        );
        let part = |from: &str, to: &str| {
            chosen_part(
                &SheetChoice {
                    from: from.into(),
                    to: to.into(),
                    ..Default::default()
                },
                30,
            )
        };
        assert_eq!(part("", "").ok(), Some(0..30));
        assert_eq!(part("5", "").ok(), Some(4..30));
        assert_eq!(part(" 25 ", "30").ok(), Some(24..30));
        assert_eq!(part("", "1").ok(), Some(0..1));
        for (from, to, field) in [
            ("0", "", "from"),
            ("31", "", "from"),
            ("", "31", "to"),
            ("9", "8", "to"),
            ("x", "", "from"),
        ] {
            let refused = part(from, to).unwrap_err();
            assert_eq!(refused.field.as_deref(), Some(field), "{from}–{to}");
            assert!(refused.message.contains("30"), "{refused:?}");
        }
        let long = SheetChoice {
            line: "x".repeat(MAX_LINE + 1),
            ..choice("a4-3x8", "", "")
        };
        assert_eq!(
            sheet_text(&long).unwrap_err().field.as_deref(),
            Some("line")
        );
    }

    #[test]
    fn a_coupon_without_its_own_code_prints_the_links_short_code_and_its_day() {
        let coupon = CouponPaper {
            campaign: "Kerstactie".into(),
            url: "https://digicpn.com/p/cam_100101/0ist0ywa4t9z7rj0g8mf7".into(),
            code: String::new(),
            valid_until: "2026-12-31 23:59:59".into(),
        };
        let receipt = receipt_of(&coupon).unwrap();
        assert_eq!(receipt.code, "0ist0y");
        // English prints the day as year-month-day (the same for a British and an American reader).
        let valid = receipt.valid_until.unwrap_or_default();
        assert!(valid.contains("2026-12-31"), "{valid}");
        let not_a_link = CouponPaper {
            url: "javascript:alert(1)".into(),
            ..coupon.clone()
        };
        assert_eq!(
            receipt_of(&not_a_link).unwrap_err().kind,
            ErrorKind::Validation
        );
        let bad_day = CouponPaper {
            valid_until: "soon".into(),
            ..coupon
        };
        assert_eq!(
            receipt_of(&bad_day).unwrap_err().kind,
            ErrorKind::Validation
        );
    }
}
