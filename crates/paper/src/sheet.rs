//! Sheets of single-use links: one label per link, each with its QR code and its 6-character
//! validation code, optionally the campaign's title and a line of the shop's own text.

use pdf_writer::Content;

use crate::document::{show, Document};
use crate::font::TextFont;
use crate::layout::{fit, wrap};
use crate::qr_font::{self, QrRows};
use crate::{mm, PaperError};

/// Columns or rows of a free grid, at most.
pub const MAX_GRID: u16 = 20;
/// Light modules kept around a code inside its label (the label's own margin adds to it).
const QUIET_MODULES: f32 = 2.0;
/// A label smaller than this (either way) leaves no room for a code a phone can read.
const MIN_CELL_MM: f32 = 18.0;
/// Line height as a multiple of the font size.
const LEADING: f32 = 1.25;

/// One link to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetLink {
    pub url: String,
    /// The short validation code printed beside the QR code.
    pub code: String,
}

/// What is printed on every label besides the link.
#[derive(Debug, Clone, Default)]
pub struct SheetText {
    pub title: Option<String>,
    pub line: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    A4,
    Letter,
}

impl Paper {
    /// Width and height in points.
    pub fn size(self) -> (f32, f32) {
        match self {
            Paper::A4 => (mm(210.0), mm(297.0)),
            Paper::Letter => (612.0, 792.0),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetLayout {
    /// 24 labels of 70 × 37 mm on A4, 3 across and 8 down, edge to edge (Avery 3474 and kin).
    A4Labels3x8,
    /// 30 labels of 2⅝ × 1 inch on Letter, 3 across and 10 down (Avery 5160 and kin).
    LetterLabels3x10,
    /// An even grid on plain paper, 10 mm from the edges.
    Grid {
        paper: Paper,
        columns: u16,
        rows: u16,
    },
}

/// A label's place on its page, in points from the page's lower-left corner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cell {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

impl SheetLayout {
    pub fn page_size(&self) -> (f32, f32) {
        match self {
            SheetLayout::A4Labels3x8 => Paper::A4.size(),
            SheetLayout::LetterLabels3x10 => Paper::Letter.size(),
            SheetLayout::Grid { paper, .. } => paper.size(),
        }
    }

    /// The labels of one page in reading order: left to right, then top to bottom.
    pub fn cells(&self) -> Result<Vec<Cell>, PaperError> {
        let (_, page_height) = self.page_size();
        // (columns, rows, left, top, width, height, step across, step down)
        let (columns, rows, left, top, width, height, across, down) = match *self {
            SheetLayout::A4Labels3x8 => {
                let (w, h) = (mm(70.0), mm(37.0));
                (3, 8, 0.0, mm(0.5), w, h, w, h)
            }
            SheetLayout::LetterLabels3x10 => (3, 10, 13.5, 36.0, 189.0, 72.0, 198.0, 72.0),
            SheetLayout::Grid {
                paper,
                columns,
                rows,
            } => {
                let (w, h) = paper.size();
                let margin = mm(10.0);
                let too_small = columns == 0
                    || rows == 0
                    || columns > MAX_GRID
                    || rows > MAX_GRID
                    || (w - 2.0 * margin) / f32::from(columns) < mm(MIN_CELL_MM)
                    || (h - 2.0 * margin) / f32::from(rows) < mm(MIN_CELL_MM);
                if too_small {
                    return Err(PaperError::Grid { columns, rows });
                }
                let cw = (w - 2.0 * margin) / f32::from(columns);
                let ch = (h - 2.0 * margin) / f32::from(rows);
                (columns, rows, margin, margin, cw, ch, cw, ch)
            }
        };
        let mut cells = Vec::with_capacity(usize::from(columns) * usize::from(rows));
        for row in 0..rows {
            for column in 0..columns {
                cells.push(Cell {
                    x: left + f32::from(column) * across,
                    y: page_height - top - f32::from(row) * down - height,
                    width,
                    height,
                });
            }
        }
        Ok(cells)
    }
}

/// The PDF of `links`, one label each, in order. `progress` hears (links done, all links) after
/// each page and stops the work by answering `false`.
pub fn link_sheet(
    links: &[SheetLink],
    layout: SheetLayout,
    text: &SheetText,
    progress: &mut dyn FnMut(usize, usize) -> bool,
) -> Result<Vec<u8>, PaperError> {
    if links.is_empty() {
        return Err(PaperError::Empty);
    }
    let cells = layout.cells()?;
    let (width, height) = layout.page_size();
    let mut doc = Document::new()?;
    let plan = LabelPlan::of(&cells[0]);
    let words = LabelWords::of(&doc.font, &cells[0], &plan, text);
    let mut done = 0;
    // QR codes are made twenty pages at a time on every core; the pages are written in order.
    for batch in links.chunks(cells.len() * 20) {
        let urls: Vec<&str> = batch.iter().map(|l| l.url.as_str()).collect();
        let codes = qr_font::qr_rows_all(&urls, done)?;
        for (page, page_codes) in batch.chunks(cells.len()).zip(codes.chunks(cells.len())) {
            let mut content = Content::new();
            for ((link, cell), code) in page.iter().zip(&cells).zip(page_codes) {
                code.mark(&mut doc.patterns);
                label(&mut content, &mut doc.font, cell, &plan, &words, code, link);
            }
            done += page.len();
            doc.page(width, height, content);
            if !progress(done, links.len()) {
                return Err(PaperError::Stopped);
            }
        }
    }
    let title = text.title.as_deref().unwrap_or("Coupon Desk");
    doc.finish(title)
}

/// Where a label's parts go; the same for every label of a sheet (all cells are one size).
struct LabelPlan {
    pad: f32,
    side_by_side: bool,
    qr_side: f32,
    text_width: f32,
}

impl LabelPlan {
    fn of(cell: &Cell) -> Self {
        let pad = mm(2.5).min(cell.height * 0.08);
        let side_by_side = cell.width >= cell.height * 1.4;
        let qr_side = if side_by_side {
            cell.height - 2.0 * pad
        } else {
            (cell.width - 2.0 * pad).min(cell.height * 0.62)
        };
        let text_width = if side_by_side {
            cell.width - 2.0 * pad - qr_side
        } else {
            cell.width - 2.0 * pad
        };
        Self {
            pad,
            side_by_side,
            qr_side,
            text_width,
        }
    }
}

/// The shop's words fitted to the label once, not once per link.
struct LabelWords {
    code_size: f32,
    small: f32,
    title: Option<String>,
    line: Vec<String>,
}

impl LabelWords {
    /// The words that fit the room a label leaves for them: on a small label the shop's line
    /// goes first, then the title, then the code gets smaller; nothing spills into the next label.
    fn of(font: &TextFont, cell: &Cell, plan: &LabelPlan, text: &SheetText) -> Self {
        let mut code_size = 15.0f32.min(cell.height * 0.2);
        let small = (code_size * 0.55).max(6.0);
        let mut title = text
            .title
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .map(|t| fit(font, t, small, plan.text_width));
        let mut line = text
            .line
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .map(|t| wrap(font, t, small, plan.text_width, 2))
            .unwrap_or_default();
        let room = if plan.side_by_side {
            cell.height - 2.0 * plan.pad
        } else {
            cell.height - 2.0 * plan.pad - plan.qr_side
        };
        let block = |title: &Option<String>, line: &Vec<String>, code: f32| {
            (code + small * (line.len() + usize::from(title.is_some())) as f32) * LEADING
        };
        while block(&title, &line, code_size) > room && !line.is_empty() {
            line.pop();
        }
        if block(&title, &line, code_size) > room {
            title = None;
        }
        if block(&title, &line, code_size) > room {
            code_size = room / LEADING;
        }
        Self {
            code_size,
            small,
            title,
            line,
        }
    }
}

fn label(
    content: &mut Content,
    font: &mut TextFont,
    cell: &Cell,
    plan: &LabelPlan,
    words: &LabelWords,
    code: &QrRows,
    link: &SheetLink,
) {
    let LabelPlan {
        pad,
        side_by_side,
        qr_side,
        text_width,
    } = *plan;
    let module = qr_side / (code.modules as f32 + 2.0 * QUIET_MODULES);
    let quiet = QUIET_MODULES * module;

    let (text_x, qr_x, qr_top) = if side_by_side {
        (
            cell.x + pad + qr_side,
            cell.x + pad,
            cell.y + cell.height - pad,
        )
    } else {
        (
            cell.x + pad,
            cell.x + (cell.width - qr_side) / 2.0,
            cell.y + cell.height - pad,
        )
    };
    qr_font::draw(content, code, qr_x + quiet, qr_top - quiet, module);

    // The words: title, code, line, as one block centred in the room left.
    let code_size = {
        let at = words.code_size;
        let wide = font.width(&link.code, at);
        if wide > text_width {
            at * text_width / wide
        } else {
            at
        }
    };
    let small = words.small;
    let mut lines: Vec<(String, f32)> = Vec::new();
    if let Some(title) = &words.title {
        lines.push((title.clone(), small));
    }
    lines.push((link.code.clone(), code_size));
    for l in &words.line {
        lines.push((l.clone(), small));
    }
    let block: f32 = lines.iter().map(|(_, s)| s * LEADING).sum();
    let (room_top, room_bottom) = if side_by_side {
        (cell.y + cell.height - pad, cell.y + pad)
    } else {
        (qr_top - qr_side, cell.y + pad)
    };
    let mut baseline = room_top - ((room_top - room_bottom) - block).max(0.0) / 2.0;
    for (shown, size) in lines {
        baseline -= size * LEADING;
        let x = if side_by_side {
            text_x
        } else {
            text_x + (text_width - font.width(&shown, size)).max(0.0) / 2.0
        };
        show(content, font, x, baseline + size * 0.25, size, &shown);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_presets_fill_their_paper_in_reading_order() {
        let a4 = SheetLayout::A4Labels3x8.cells().unwrap();
        assert_eq!(a4.len(), 24);
        let (w, h) = Paper::A4.size();
        assert!((a4[2].x + a4[2].width - w).abs() < 0.01);
        assert!((a4[0].y + a4[0].height - (h - mm(0.5))).abs() < 0.01);
        assert!((a4[23].y - mm(0.5)).abs() < 0.01, "{:?}", a4[23]);
        assert!((a4[0].height - mm(37.0)).abs() < 0.01);
        assert!(a4[1].x > a4[0].x && a4[3].y < a4[0].y);
        let letter = SheetLayout::LetterLabels3x10.cells().unwrap();
        assert_eq!(letter.len(), 30);
        assert!((letter[29].y - 36.0).abs() < 0.01, "{:?}", letter[29]);
    }

    #[test]
    fn a_grid_too_fine_for_a_readable_code_is_refused() {
        let fine = SheetLayout::Grid {
            paper: Paper::Letter,
            columns: 12,
            rows: 4,
        };
        assert_eq!(
            fine.cells().err(),
            Some(PaperError::Grid {
                columns: 12,
                rows: 4
            })
        );
        let none = SheetLayout::Grid {
            paper: Paper::A4,
            columns: 0,
            rows: 4,
        };
        assert!(none.cells().is_err());
        let ok = SheetLayout::Grid {
            paper: Paper::A4,
            columns: 4,
            rows: 6,
        };
        assert_eq!(ok.cells().unwrap().len(), 24);
    }

    #[test]
    fn nothing_to_print_and_a_stop_are_answers_not_files() {
        let mut go = |_: usize, _: usize| true;
        assert_eq!(
            link_sheet(
                &[],
                SheetLayout::A4Labels3x8,
                &SheetText::default(),
                &mut go
            )
            .err(),
            Some(PaperError::Empty)
        );
        let links: Vec<SheetLink> = (0..50)
            .map(|i| SheetLink {
                url: format!("https://digicpn.com/p/abc123/{i:021}"),
                code: format!("C{i:05}"),
            })
            .collect();
        let mut pages = 0;
        let mut stop_after_one = |done: usize, total: usize| {
            pages += 1;
            assert_eq!((done, total), (24, 50));
            false
        };
        assert_eq!(
            link_sheet(
                &links,
                SheetLayout::A4Labels3x8,
                &SheetText::default(),
                &mut stop_after_one
            )
            .err(),
            Some(PaperError::Stopped)
        );
        assert_eq!(pages, 1);
    }
}
