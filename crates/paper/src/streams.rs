//! Small pieces both fonts and the pages use.

use pdf_writer::types::SystemInfo;
use pdf_writer::Str;

/// A stream's bytes packed for `/FlateDecode`.
pub(crate) fn deflate(bytes: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(bytes, 6)
}

/// "Adobe-Identity-0": glyphs are named by their number, as both fonts' maps to Unicode say.
pub(crate) fn identity() -> SystemInfo<'static> {
    SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    }
}
