//! Writes a sheet of many links and prints its time and size (the target of issue #20: 100 000
//! links in under 20 s and 60 MB). `cargo run --release -p paper --example paper-bench [N] [FILE]` (FILE: the A4 sheet, and
//! FILE.receipt.pdf the receipt, for a look).

use std::time::Instant;

use paper::{link_sheet, receipt, Receipt, ReceiptSize, SheetLayout, SheetLink, SheetText};

fn main() {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let out = args.next();
    let links: Vec<SheetLink> = (0..count)
        .map(|i| SheetLink {
            // The shape of a real single-use link: a campaign and a 21-character session code.
            url: format!(
                "https://digicpn.com/p/cam_100101/{:021x}",
                i as u128 * 7_919_113
            ),
            code: format!("{:06X}", (i * 48_271) % 0xFF_FFFF),
        })
        .collect();
    let text = SheetText {
        title: Some("Kerstactie — 20 % korting op alles".into()),
        line: Some("Scan the code or type the link. One use per customer.".into()),
    };
    for (name, layout) in [
        ("A4, 3 × 8 labels", SheetLayout::A4Labels3x8),
        ("Letter, 3 × 10 labels", SheetLayout::LetterLabels3x10),
    ] {
        let started = Instant::now();
        let pdf = match link_sheet(&links, layout, &text, &mut |_, _| true) {
            Ok(pdf) => pdf,
            Err(e) => {
                eprintln!("the sheet was not made: {e}");
                std::process::exit(1);
            }
        };
        let took = started.elapsed();
        println!(
            "{count:>7} links, {name:<22} {:>6.2} s  {:>6.1} MB  ({:.0} bytes a link)",
            took.as_secs_f64(),
            pdf.len() as f64 / 1_000_000.0,
            pdf.len() as f64 / count as f64
        );
        if let (Some(path), SheetLayout::A4Labels3x8) = (&out, layout) {
            if let Err(e) = std::fs::write(path, &pdf) {
                eprintln!("{path}: {e}");
                std::process::exit(1);
            }
        }
    }
    let started = Instant::now();
    let one = receipt(
        &Receipt {
            campaign: "Kerstactie".into(),
            url: links[0].url.clone(),
            code: links[0].code.clone(),
            valid_until: Some("Geldig tot 31-12-2026".into()),
        },
        ReceiptSize::Roll80,
    );
    match one {
        Ok(pdf) => {
            println!(
                "      1 receipt, 80 mm roll        {:>6.3} s  {:>6.1} kB",
                started.elapsed().as_secs_f64(),
                pdf.len() as f64 / 1000.0
            );
            if let Some(path) = &out {
                let receipt_path = format!("{path}.receipt.pdf");
                if let Err(e) = std::fs::write(&receipt_path, &pdf) {
                    eprintln!("{receipt_path}: {e}");
                    std::process::exit(1);
                }
            }
        }
        Err(e) => {
            eprintln!("the receipt was not made: {e}");
            std::process::exit(1);
        }
    }
}
