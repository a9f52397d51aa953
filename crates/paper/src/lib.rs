//! Print-ready PDFs for Coupon Desk: sheets of single-use links (a QR code and the 6-character
//! code per label) and one coupon for a receipt printer or an A6 card.
//!
//! Two choices keep a 100 000-link sheet small and every page sharp at any printer resolution:
//! - a QR code is text in a Type 3 font whose 256 glyphs are the 256 patterns of eight modules
//!   (vector rectangles), so one row of a 33-module code is five bytes on the page;
//! - the words are DejaVu Sans (Latin, Greek, Cyrillic and more), embedded once per file as a
//!   subset of the glyphs used.
//!
//! No words of its own: the caller passes what is printed, already in the user's language.

mod document;
mod font;
mod layout;
mod qr_font;
mod receipt;
mod sheet;
mod streams;

pub use receipt::{receipt, Receipt, ReceiptSize};
pub use sheet::{link_sheet, Paper, SheetLayout, SheetLink, SheetText, MAX_GRID};

/// Why a PDF was not made.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PaperError {
    /// The link does not fit in a QR code (they hold about 2 300 characters).
    #[error("link {0} is too long for a QR code")]
    TooLong(usize),
    /// There was nothing to print.
    #[error("no links to print")]
    Empty,
    /// The grid asked for is impossible (no columns, or labels too small for a code).
    #[error("the grid of {columns} × {rows} does not fit on the page")]
    Grid { columns: u16, rows: u16 },
    /// The caller stopped the work through its progress callback.
    #[error("stopped")]
    Stopped,
    /// The embedded font could not be read or subset (a build error, never the user's input).
    #[error("font: {0}")]
    Font(String),
}

/// Millimetres to PDF points.
pub(crate) fn mm(v: f32) -> f32 {
    v * 72.0 / 25.4
}
