//! The PDFs read back as a printer and a phone would (tests/support/read_back.rs): every label
//! cut out of the rendered page and its QR code decoded, every word read back with its place.
//! scripts/install-deps.sh --test installs poppler-utils and zbar-tools.

#[path = "support/read_back.rs"]
mod read_back;

use paper::{link_sheet, receipt, Paper, Receipt, ReceiptSize, SheetLayout, SheetLink, SheetText};
use read_back::{check_labels, decode, page_size, render, words};

fn links(n: usize) -> Vec<SheetLink> {
    (0..n)
        .map(|i| SheetLink {
            url: format!(
                "https://digicpn.com/p/cam_100101/{:021x}",
                (i as u128 + 1) * 104_729_311
            ),
            code: format!("{:06X}", 0x1A2B3C + i * 7919),
        })
        .collect()
}

/// Writes the sheet and checks it label by label (`read_back::check_labels`); answers the words
/// of each label.
fn check_sheet(layout: SheetLayout, count: usize, text: &SheetText) -> Vec<Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sheet.pdf");
    let links = links(count);
    let mut heard = Vec::new();
    let pdf = link_sheet(&links, layout, text, &mut |done, total| {
        heard.push((done, total));
        true
    })
    .unwrap();
    std::fs::write(&file, &pdf).unwrap();
    let pairs: Vec<(String, String)> = links
        .iter()
        .map(|l| (l.url.clone(), l.code.clone()))
        .collect();
    let labels = check_labels(&file, layout, &pairs);
    assert_eq!(heard.last(), Some(&(count, count)));
    let pages = count.div_ceil(layout.cells().unwrap().len());
    assert_eq!(heard.len(), pages, "one progress report a page");
    labels
}

#[test]
fn an_a4_label_sheet_decodes_label_by_label_with_its_own_code_and_the_shops_words() {
    let text = SheetText {
        title: Some("Été — 20 % de réduction".into()),
        line: Some("Gültig bis 31.12. · Válido una vez".into()),
    };
    // Two full pages and a part of a third: the empty labels stay empty.
    let labels = check_sheet(SheetLayout::A4Labels3x8, 24 * 2 + 5, &text);
    for label in &labels {
        for word in ["Été", "Gültig", "Válido"] {
            assert!(
                label.iter().any(|w| w == word),
                "{word} is not on the label: {label:?}"
            );
        }
    }
}

#[test]
fn a_letter_label_sheet_decodes_label_by_label() {
    check_sheet(SheetLayout::LetterLabels3x10, 31, &SheetText::default());
}

#[test]
fn on_small_labels_the_shops_words_give_way_and_nothing_crosses_a_labels_edge() {
    // 8 × 10 on A4: labels of 24 × 27.7 mm, the code above its words with little room under it.
    let layout = SheetLayout::Grid {
        paper: Paper::A4,
        columns: 8,
        rows: 10,
    };
    let text = SheetText {
        title: Some("Kerstactie — 20 % korting op alles".into()),
        line: Some("Scan the code or type the link. One use per customer.".into()),
    };
    let labels = check_sheet(layout, 80, &text);
    assert_eq!(labels.len(), 80);
}

#[test]
fn a_free_grid_with_codes_above_their_words_decodes_label_by_label() {
    let layout = SheetLayout::Grid {
        paper: Paper::A4,
        columns: 4,
        rows: 5,
    };
    check_sheet(
        layout,
        20,
        &SheetText {
            title: Some("Kerstactie".into()),
            line: None,
        },
    );
}

#[test]
fn a_receipt_is_as_wide_as_its_roll_and_decodes_to_its_link() {
    let coupon = Receipt {
        campaign: "Café Ölmühle — één gratis koffie".into(),
        url: "https://digicpn.com/p/cam_100101/0ist0ywa4t9z7rj0g8mf7".into(),
        code: "7RJ0G8".into(),
        valid_until: Some("Valable jusqu'au 31/12/2026".into()),
    };
    for (size, width_mm, fixed_height) in [
        (ReceiptSize::Roll80, 80.0, None),
        (ReceiptSize::Roll58, 58.0, None),
        (ReceiptSize::A6, 105.0, Some(148.0)),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("receipt.pdf");
        std::fs::write(&file, receipt(&coupon, size).unwrap()).unwrap();
        let (w, h) = page_size(&file);
        assert!(
            (w - width_mm * 72.0 / 25.4).abs() < 0.1,
            "{size:?}: {w} pt wide"
        );
        match fixed_height {
            Some(mm) => assert!((h - mm * 72.0 / 25.4).abs() < 0.1, "{size:?}: {h}"),
            // As long as it needs: longer than its code is wide, short enough not to waste paper.
            None => assert!(h > w && h < w * 2.5, "{size:?}: {w} × {h}"),
        }
        let pages = render(&file);
        assert_eq!(pages.len(), 1);
        assert_eq!(
            decode(&pages[0], 0.0, 0.0, w, h, h),
            vec![coupon.url.clone()],
            "{size:?}"
        );
        let printed: Vec<String> = words(&file)[0].iter().map(|w| w.text.clone()).collect();
        for word in ["7RJ0G8", "Ölmühle", "jusqu'au", "31/12/2026"] {
            assert!(
                printed.iter().any(|p| p == word),
                "{size:?}: {word} not in {printed:?}"
            );
        }
    }
}
