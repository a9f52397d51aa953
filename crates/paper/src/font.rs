//! The words' font: DejaVu Sans, built into the program, embedded in each PDF as a subset of the
//! glyphs that file uses (a receipt carries a few kilobytes of font, not 760).

use std::collections::BTreeMap;

use pdf_writer::types::{CidFontType, FontFlags, UnicodeCmap};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref};

use crate::PaperError;

/// fonts/DejaVuSans.ttf, deflated by build.rs (it halves what the program carries).
static DEJAVU_SANS_PACKED: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/DejaVuSans.ttf.deflate"));

/// The font, unpacked on first use and kept for the life of the program.
fn dejavu_sans() -> Result<&'static [u8], PaperError> {
    static FONT: std::sync::OnceLock<Option<Vec<u8>>> = std::sync::OnceLock::new();
    FONT.get_or_init(|| miniz_oxide::inflate::decompress_to_vec(DEJAVU_SANS_PACKED).ok())
        .as_deref()
        .ok_or_else(|| PaperError::Font("the built-in font cannot be unpacked".into()))
}
/// The name the PDF gives the subset (six capitals and a plus, as the PDF standard asks).
const SUBSET_NAME: &[u8] = b"CDPAPR+DejaVuSans";

/// The font of one document: measures text, encodes it for the page and remembers each glyph
/// used, so that only those are embedded.
pub(crate) struct TextFont {
    face: ttf_parser::Face<'static>,
    remapper: subsetter::GlyphRemapper,
    /// By the glyph's number in the subset (its CID on the page): its character and advance.
    used: BTreeMap<u16, (char, u16)>,
    units_per_em: f32,
}

impl TextFont {
    pub(crate) fn new() -> Result<Self, PaperError> {
        let face = ttf_parser::Face::parse(dejavu_sans()?, 0)
            .map_err(|e| PaperError::Font(e.to_string()))?;
        Ok(Self {
            units_per_em: f32::from(face.units_per_em()),
            face,
            remapper: subsetter::GlyphRemapper::new(),
            used: BTreeMap::new(),
        })
    }

    fn glyph(&self, c: char) -> u16 {
        // Characters the font lacks print as its empty box, never as another letter.
        self.face.glyph_index(c).map_or(0, |g| g.0)
    }

    fn advance(&self, glyph: u16) -> u16 {
        self.face
            .glyph_hor_advance(ttf_parser::GlyphId(glyph))
            .unwrap_or(0)
    }

    /// Width of `text` at `size` points, in points.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        let units: u32 = text
            .chars()
            .filter(|c| !c.is_control())
            .map(|c| u32::from(self.advance(self.glyph(c))))
            .sum();
        units as f32 * size / self.units_per_em
    }

    /// Height of capitals above the baseline, as a share of the font size.
    pub(crate) fn cap_height(&self) -> f32 {
        f32::from(self.face.capital_height().unwrap_or(1493)) / self.units_per_em
    }

    /// The bytes that show `text` (two per glyph, the subset's glyph numbers).
    pub(crate) fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() * 2);
        for c in text.chars().filter(|c| !c.is_control()) {
            let glyph = self.glyph(c);
            let cid = self.remapper.remap(glyph);
            let advance = self.advance(glyph);
            self.used.entry(cid).or_insert((c, advance));
            out.extend_from_slice(&cid.to_be_bytes());
        }
        out
    }

    /// Writes the font's objects: the composite font at `font`, and the three after it.
    pub(crate) fn write(&self, pdf: &mut Pdf, font: Ref, next: &mut Ref) -> Result<(), PaperError> {
        let cid_font = next.bump();
        let descriptor = next.bump();
        let file = next.bump();
        let to_unicode = next.bump();

        pdf.type0_font(font)
            .base_font(Name(SUBSET_NAME))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid_font)
            .to_unicode(to_unicode);

        let scale = 1000.0 / self.units_per_em;
        let mut cid = pdf.cid_font(cid_font);
        cid.subtype(CidFontType::Type2)
            .base_font(Name(SUBSET_NAME))
            .system_info(crate::streams::identity())
            .font_descriptor(descriptor)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        let mut widths = cid.widths();
        for (&cid, &(_, advance)) in &self.used {
            widths.consecutive(cid, [f32::from(advance) * scale]);
        }
        widths.finish();
        cid.finish();

        let bbox = self.face.global_bounding_box();
        pdf.font_descriptor(descriptor)
            .name(Name(SUBSET_NAME))
            .flags(FontFlags::NON_SYMBOLIC)
            .bbox(Rect::new(
                f32::from(bbox.x_min) * scale,
                f32::from(bbox.y_min) * scale,
                f32::from(bbox.x_max) * scale,
                f32::from(bbox.y_max) * scale,
            ))
            .italic_angle(0.0)
            .ascent(f32::from(self.face.ascender()) * scale)
            .descent(f32::from(self.face.descender()) * scale)
            .cap_height(self.cap_height() * 1000.0)
            .stem_v(80.0)
            .font_file2(file);

        let subset = subsetter::subset(dejavu_sans()?, 0, &self.remapper)
            .map_err(|e| PaperError::Font(format!("{e:?}")))?;
        let packed = crate::streams::deflate(&subset);
        pdf.stream(file, &packed)
            .filter(Filter::FlateDecode)
            .pair(Name(b"Length1"), subset.len() as i32);

        let mut cmap = UnicodeCmap::new(Name(b"Coupon-Desk-UCS"), crate::streams::identity());
        for (&cid, &(c, _)) in &self.used {
            cmap.pair(cid, c);
        }
        pdf.cmap(to_unicode, &crate::streams::deflate(&cmap.finish()))
            .filter(Filter::FlateDecode);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_letter_of_the_five_languages_and_of_common_names_has_a_glyph() {
        let font = TextFont::new().unwrap();
        let text = "Gültig bis · Válido hasta · Valable jusqu'à · Geldig tot · Valid until \
                    ßäöüÄÖÜéèêëàâçîïôûùÿœæñáíóúüÉÈÀÇÑ¿¡€ Łódź Šťastný Øre Ἀθῆναι Жанна";
        for c in text.chars().filter(|c| !c.is_whitespace()) {
            assert_ne!(font.glyph(c), 0, "no glyph for {c:?}");
        }
    }

    #[test]
    fn text_is_measured_from_the_font_and_encoded_as_subset_glyphs() {
        let mut font = TextFont::new().unwrap();
        let narrow = font.width("iiii", 10.0);
        let wide = font.width("WWWW", 10.0);
        assert!(narrow > 0.0 && wide > narrow * 2.0, "{narrow} {wide}");
        let bytes = font.encode("ABA");
        assert_eq!(bytes.len(), 6);
        // The same letter is the same glyph; a new letter the next number (0 is .notdef).
        assert_eq!(&bytes[0..2], &bytes[4..6]);
        assert_eq!(u16::from_be_bytes([bytes[0], bytes[1]]), 1);
        assert_eq!(u16::from_be_bytes([bytes[2], bytes[3]]), 2);
    }
}
