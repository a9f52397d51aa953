//! Fitting words into a width: one line cut with an ellipsis, or lines wrapped at spaces (and
//! inside a word too long for a line, such as a link).

use crate::font::TextFont;

/// `text` as it fits in `width` points at `size`: whole, or cut with "…".
pub(crate) fn fit(font: &TextFont, text: &str, size: f32, width: f32) -> String {
    let text = text.trim();
    if font.width(text, size) <= width {
        return text.to_owned();
    }
    let mut cut: String = text.to_owned();
    while !cut.is_empty() {
        cut.pop();
        let candidate = format!("{}…", cut.trim_end());
        if font.width(&candidate, size) <= width {
            return candidate;
        }
    }
    String::new()
}

/// `text` in lines of at most `width` points at `size`, at most `max_lines` (the last cut).
pub(crate) fn wrap(
    font: &TextFont,
    text: &str,
    size: f32,
    width: f32,
    max_lines: usize,
) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let joined = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if font.width(&joined, size) <= width {
            line = joined;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // A word wider than the line is broken where it fills the line.
        for c in word.chars() {
            let mut longer = line.clone();
            longer.push(c);
            if font.width(&longer, size) > width && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line.push(c);
            } else {
                line = longer;
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    if lines.len() > max_lines {
        let rest = lines[max_lines - 1..].join(" ");
        lines.truncate(max_lines - 1);
        lines.push(fit(font, &rest, size, width));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_title_is_cut_with_an_ellipsis_and_fits() {
        let font = TextFont::new().unwrap();
        let title = "Twenty percent off every second cup of coffee all December long";
        let cut = fit(&font, title, 9.0, 100.0);
        assert!(cut.ends_with('…'), "{cut}");
        assert!(font.width(&cut, 9.0) <= 100.0);
        assert_eq!(fit(&font, "Short", 9.0, 100.0), "Short");
    }

    #[test]
    fn wrapping_keeps_every_word_and_breaks_a_link_that_is_wider_than_a_line() {
        let font = TextFont::new().unwrap();
        let lines = wrap(
            &font,
            "Valable jusqu'au 31 décembre 2026 inclus",
            10.0,
            90.0,
            9,
        );
        assert!(lines.len() > 1);
        assert_eq!(lines.join(" "), "Valable jusqu'au 31 décembre 2026 inclus");
        let link = "https://digicpn.com/p/abc123/0ist0ywa4t9z7rj0g8mf7";
        let broken = wrap(&font, link, 8.0, 80.0, 9);
        assert!(broken.len() > 1);
        assert_eq!(broken.concat(), link);
        assert!(broken.iter().all(|l| font.width(l, 8.0) <= 80.0));
        assert_eq!(wrap(&font, link, 8.0, 80.0, 1).len(), 1);
    }
}
