//! One PDF being written: pages in order, the two fonts written once at the end.

use pdf_writer::{Content, Filter, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::font::TextFont;
use crate::qr_font;
use crate::streams::deflate;
use crate::PaperError;

/// The words' font's resource name on every page.
pub(crate) const TEXT_FONT: &[u8] = b"F";

pub(crate) struct Document {
    pdf: Pdf,
    next: Ref,
    catalog: Ref,
    tree: Ref,
    text_font: Ref,
    qr_font: Ref,
    pages: Vec<Ref>,
    pub(crate) font: TextFont,
    /// The QR font's patterns drawn so far (only those are written).
    pub(crate) patterns: [bool; 256],
}

impl Document {
    pub(crate) fn new() -> Result<Self, PaperError> {
        let mut next = Ref::new(1);
        Ok(Self {
            pdf: Pdf::new(),
            catalog: next.bump(),
            tree: next.bump(),
            text_font: next.bump(),
            qr_font: next.bump(),
            next,
            pages: Vec::new(),
            font: TextFont::new()?,
            patterns: [false; 256],
        })
    }

    /// Adds a page of `width` × `height` points drawn by `content`.
    pub(crate) fn page(&mut self, width: f32, height: f32, content: Content) {
        let page = self.next.bump();
        let stream = self.next.bump();
        let mut writer = self.pdf.page(page);
        writer
            .parent(self.tree)
            .media_box(Rect::new(0.0, 0.0, width, height))
            .contents(stream);
        drop(writer);
        let packed = deflate(content.finish().as_slice());
        self.pdf.stream(stream, &packed).filter(Filter::FlateDecode);
        self.pages.push(page);
    }

    /// The finished file; `title` goes into its properties.
    pub(crate) fn finish(mut self, title: &str) -> Result<Vec<u8>, PaperError> {
        if self.pages.is_empty() {
            return Err(PaperError::Empty);
        }
        let mut tree = self.pdf.pages(self.tree);
        tree.kids(self.pages.iter().copied())
            .count(self.pages.len() as i32);
        tree.resources()
            .fonts()
            .pair(Name(TEXT_FONT), self.text_font)
            .pair(Name(qr_font::QR_FONT), self.qr_font);
        drop(tree);
        self.pdf.catalog(self.catalog).pages(self.tree);
        let info = self.next.bump();
        self.pdf
            .document_info(info)
            .title(TextStr(title))
            .creator(TextStr("Coupon Desk"));
        self.font
            .write(&mut self.pdf, self.text_font, &mut self.next)?;
        qr_font::write_font(&mut self.pdf, self.qr_font, &mut self.next, &self.patterns);
        Ok(self.pdf.finish())
    }
}

/// Shows `words` with their baseline at (`x`, `y`).
pub(crate) fn show(
    content: &mut Content,
    font: &mut TextFont,
    x: f32,
    y: f32,
    size: f32,
    words: &str,
) {
    let bytes = font.encode(words);
    content
        .begin_text()
        .set_font(Name(TEXT_FONT), size)
        .next_line(x, y)
        .show(Str(&bytes))
        .end_text();
}
