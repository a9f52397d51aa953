//! Words kept in a text column (a job row's message, a pause's reason, a history line's
//! target or detail): marked so that no text a shop or Coupontools wrote is ever read as words,
//! and worded by the app when they are shown or exported.

use crate::api::words::Words;

/// What starts a text column that holds words rather than text: a control character that no
/// address, name, code or link carries, so a QR code or a name that happens to be JSON stays
/// the text it is. (A scan crafted to start with it would only read as a sentence of the app's
/// own dictionaries, shown as text.)
pub const WORDS_MARK: char = '\u{1e}';

/// How a row's message or a pause's words are kept in the journal's and the history's text
/// columns: the mark, then the words as JSON.
pub fn stored(words: &Words) -> String {
    let json = serde_json::to_string(words).unwrap_or_else(|_| words.key.to_string());
    format!("{WORDS_MARK}{json}")
}

/// Text that is shown as it was written: the server's own words, or a message an older version
/// kept already worded.
pub fn as_written(text: &str) -> Words {
    Words::with("job.row.asWritten", &[("text", &text)])
}

/// Words kept by [`stored`], or None for any other text (a link, an address, a code, a scan).
pub fn stored_words(text: &str) -> Option<Words> {
    serde_json::from_str::<Words>(text.strip_prefix(WORDS_MARK)?).ok()
}

/// Words read back from the journal. A text an older version kept already worded is shown as it
/// was written.
pub fn read_stored(text: String) -> Words {
    stored_words(&text).unwrap_or_else(|| as_written(&text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_was_stored_as_words_reads_back_as_words() {
        let words = Words::with("job.list.duplicateOf", &[("row", &3u32)]);
        assert_eq!(stored_words(&stored(&words)), Some(words.clone()));
        assert_eq!(read_stored(stored(&words)), words);
        // A scanned QR code or a name that happens to be JSON is text, shown as written.
        for text in [
            r#"{"key":"job.row.cancelled"}"#,
            "ann@example.com",
            "",
            "\u{1e}not json",
        ] {
            assert_eq!(stored_words(text), None, "{text:?}");
            assert_eq!(read_stored(text.to_owned()), as_written(text), "{text:?}");
        }
        // A message an older version kept worded shows as it was written.
        let old = "Not a valid e-mail address — not sent.";
        assert_eq!(read_stored(old.to_owned()), as_written(old));
    }
}
