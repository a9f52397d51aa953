//! CSV files for people: what every export of the app writes.

use std::io::Write;
use std::path::Path;

/// The one way Coupon Desk writes a CSV file for people: UTF-8 with a BOM (Excel otherwise
/// misreads accents), CRLF line ends (what Excel writes), every cell defused with [`safe_cell`],
/// and written whole or not at all ([`crate::atomic_file`]).
pub fn write_csv_atomically<Row, Cell>(
    path: &Path,
    header: &[&str],
    rows: impl IntoIterator<Item = Row>,
) -> std::io::Result<()>
where
    Row: IntoIterator<Item = Cell>,
    Cell: AsRef<str>,
{
    crate::atomic_file::write_atomically(path, |file| write_csv(file, header, rows))
}

/// The bytes of [`write_csv_atomically`], into any writer; hands the writer back flushed.
pub fn write_csv<W, Row, Cell>(
    out: W,
    header: &[&str],
    rows: impl IntoIterator<Item = Row>,
) -> std::io::Result<W>
where
    W: Write,
    Row: IntoIterator<Item = Cell>,
    Cell: AsRef<str>,
{
    let mut out = out;
    out.write_all("\u{feff}".as_bytes())?;
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    writer.write_record(header).map_err(std::io::Error::other)?;
    for row in rows {
        let record = row.into_iter().map(|cell| safe_cell(cell.as_ref()));
        writer.write_record(record).map_err(std::io::Error::other)?;
    }
    writer
        .into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))
}

/// A spreadsheet runs a cell that starts with `=`, `+`, `-`, `@` (or a tab/CR before one) as a
/// formula; the addresses and names come from outside, so such cells get a leading `'`.
pub fn safe_cell(value: &str) -> String {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_string(),
    }
}
