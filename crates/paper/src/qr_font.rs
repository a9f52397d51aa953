//! QR codes as text: a Type 3 font whose glyph `n` draws the eight modules of the byte `n`
//! (leftmost module = highest bit) as filled rectangles. A code is then one line of text per
//! module row, which keeps 100 000 codes in tens of megabytes while every module stays a vector.

use fast_qr::{QRBuilder, ECL};
use pdf_writer::types::UnicodeCmap;
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

use crate::PaperError;

/// How far a dark module reaches into its right and lower neighbours, in modules: rectangles of
/// neighbouring glyphs then overlap instead of leaving a hairline where a renderer smooths edges.
const OVERLAP: f32 = 0.2;

/// A QR code's modules, eight to a byte, row by row from the top.
#[derive(Debug)]
pub(crate) struct QrRows {
    pub(crate) modules: usize,
    rows: Vec<Vec<u8>>,
}

/// The codes of `texts` (the `first`th link onwards), made on every core.
pub(crate) fn qr_rows_all(texts: &[&str], first: usize) -> Result<Vec<QrRows>, PaperError> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let share = texts.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = texts
            .chunks(share)
            .enumerate()
            .map(|(n, part)| {
                scope.spawn(move || {
                    part.iter()
                        .enumerate()
                        .map(|(i, t)| qr_rows(t, first + n * share + i))
                        .collect::<Result<Vec<_>, _>>()
                })
            })
            .collect();
        let mut all = Vec::with_capacity(texts.len());
        for worker in workers {
            all.extend(
                worker
                    .join()
                    .map_err(|_| PaperError::Font("a QR worker stopped".into()))??,
            );
        }
        Ok(all)
    })
}

pub(crate) fn qr_rows(text: &str, index: usize) -> Result<QrRows, PaperError> {
    let code = QRBuilder::new(text.as_bytes())
        .ecl(ECL::M)
        .build()
        .map_err(|_| PaperError::TooLong(index + 1))?;
    let modules = code.size;
    let rows = (0..modules)
        .map(|y| {
            let mut bytes = vec![0u8; modules.div_ceil(8)];
            for (i, module) in code[y].iter().enumerate() {
                if module.value() {
                    bytes[i / 8] |= 0x80 >> (i % 8);
                }
            }
            bytes
        })
        .collect();
    Ok(QrRows { modules, rows })
}

impl QrRows {
    /// Marks the eight-module patterns this code uses.
    pub(crate) fn mark(&self, used: &mut [bool; 256]) {
        for byte in self.rows.iter().flatten() {
            used[usize::from(*byte)] = true;
        }
    }
}

/// Draws `code` with its top-left module at (`x`, `top`), `module` points a module.
pub(crate) fn draw(content: &mut Content, code: &QrRows, x: f32, top: f32, module: f32) {
    content
        .begin_text()
        .set_font(Name(QR_FONT), module)
        .set_leading(module)
        .next_line(x, top);
    for row in &code.rows {
        content.next_line_show(Str(row));
    }
    content.end_text();
}

/// The font's resource name on every page.
pub(crate) const QR_FONT: &[u8] = b"Q";

/// Writes the font at `font`, its glyph procedures after it: one for each pattern in `used`, one
/// empty procedure for all the others (a receipt uses some sixty of the 256).
pub(crate) fn write_font(pdf: &mut Pdf, font: Ref, next: &mut Ref, used: &[bool; 256]) {
    let empty = next.bump();
    let procs: Vec<Ref> = used
        .iter()
        .map(|&u| if u { next.bump() } else { empty })
        .collect();
    let to_unicode = next.bump();
    let names: Vec<Vec<u8>> = (0..256).map(|n| format!("m{n:02x}").into_bytes()).collect();
    {
        let mut type3 = pdf.type3_font(font);
        type3
            .bbox(Rect::new(-1.0, -1.0, 9.0, 2.0))
            .matrix([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
        type3
            .char_procs()
            .pairs(names.iter().zip(&procs).map(|(n, r)| (Name(n), *r)));
        type3
            .encoding_custom()
            .differences()
            .consecutive(0, names.iter().map(|n| Name(n)));
        type3
            .first_char(0)
            .last_char(255)
            .widths(std::iter::repeat_n(8.0, 256))
            .to_unicode(to_unicode);
        type3.finish();
    }
    // Copying or searching the page finds the words, not 33 lines of module patterns.
    let mut blank = UnicodeCmap::<u8>::new(Name(b"Coupon-Desk-QR"), crate::streams::identity());
    for byte in 0..=255u8 {
        blank.pair(byte, ' ');
    }
    pdf.cmap(to_unicode, &crate::streams::deflate(&blank.finish()))
        .filter(pdf_writer::Filter::FlateDecode);
    let mut blank = Content::new();
    blank.start_shape_glyph(8.0, 0.0, 0.0, 0.0, 0.0);
    pdf.stream(empty, blank.finish().as_slice());
    for (byte, proc) in procs.into_iter().enumerate().filter(|(b, _)| used[*b]) {
        let mut glyph = Content::new();
        glyph.start_shape_glyph(8.0, -1.0, -1.0, 9.0, 2.0);
        let mut bit = 0;
        let mut any = false;
        while bit < 8 {
            if byte & (0x80 >> bit) == 0 {
                bit += 1;
                continue;
            }
            let start = bit;
            while bit < 8 && byte & (0x80 >> bit) != 0 {
                bit += 1;
            }
            glyph.rect(
                start as f32,
                -OVERLAP,
                (bit - start) as f32 + OVERLAP,
                1.0 + OVERLAP,
            );
            any = true;
        }
        if any {
            glyph.fill_nonzero();
        }
        let bytes = glyph.finish();
        pdf.stream(proc, bytes.as_slice());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_packs_eight_modules_to_a_byte_leftmost_highest() {
        let code = qr_rows("https://digicpn.com/p/abc123/0ist0ywa4t9z7rj0g8mf7", 0).unwrap();
        assert!(code.modules >= 21);
        assert_eq!(code.rows.len(), code.modules);
        // Every code starts with a finder pattern: seven dark modules, then a light one.
        assert_eq!(code.rows[0][0], 0b1111_1110);
        assert_eq!(code.rows[1][0], 0b1000_0010);
        assert!(code
            .rows
            .iter()
            .all(|r| r.len() == code.modules.div_ceil(8)));
    }

    #[test]
    fn a_link_too_long_for_any_qr_code_is_named_by_its_place() {
        let long = "x".repeat(4000);
        assert_eq!(qr_rows(&long, 6).err(), Some(PaperError::TooLong(7)));
    }
}
