//! Paper in the real window: a sheet of a job's single-use links and a receipt of one link, each
//! saved from its screen and read back as a printer and a phone would (pdftoppm, zbarimg,
//! pdftotext: crates/paper/tests/support/read_back.rs).

#[path = "support/desk.rs"]
#[allow(dead_code)]
mod desk;
#[path = "../crates/paper/tests/support/read_back.rs"]
mod read_back;
#[path = "support/steps.rs"]
mod steps;

use std::path::{Path, PathBuf};
use std::time::Duration;

use desk::Desk;
use read_back::{check_labels, decode, page_size, render, words};
use steps::{choose, pick_first_campaign, practice_on};

/// The file named in a "Saved to …" line.
fn saved_path(said: &str, downloads: &Path) -> PathBuf {
    let path = PathBuf::from(&said[said.find('/').expect("a path")..]);
    assert!(path.starts_with(downloads), "saved in Downloads: {said}");
    assert_eq!(path.extension().and_then(|e| e.to_str()), Some("pdf"));
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "end-to-end: needs tauri-driver and a display; run scripts/test.sh"]
async fn a_receipt_of_one_link_and_a_sheet_of_a_jobs_links_are_saved_from_their_screens_and_decode()
{
    let desk = Desk::launch("paper").await;
    practice_on(&desk, "links").await;
    pick_first_campaign(&desk, "#links-campaign").await;

    // One link, then its coupon for an 80 mm receipt printer.
    desk.click("#link-one-button").await;
    let url = desk
        .wait_text("#link-result-url", "the single-use link", |t| {
            t.starts_with("https://digicpn.com/p/")
        })
        .await;
    let short = desk.text("#link-result-widget").await;
    assert_eq!(short.chars().count(), 6, "{short}");
    choose(&desk, "#link-paper-size", "roll80").await;
    desk.click("#link-paper-save").await;
    let said = desk
        .wait_text("#link-paper-saved", "where the receipt went", |t| {
            t.ends_with(".pdf")
        })
        .await;
    assert!(
        desk.is_visible("#link-paper-open").await,
        "Open to print is offered"
    );
    let receipt = saved_path(&said, &desk.downloads());
    let (width, height) = page_size(&receipt);
    assert!(
        (width - 80.0 * 72.0 / 25.4).abs() < 0.1,
        "80 mm wide: {width} pt"
    );
    let pages = render(&receipt);
    assert_eq!(pages.len(), 1);
    assert_eq!(
        decode(&pages[0], 0.0, 0.0, width, height, height),
        vec![url.clone()]
    );
    let printed: Vec<String> = words(&receipt)[0].iter().map(|w| w.text.clone()).collect();
    assert!(
        printed.contains(&short),
        "{short} on the receipt: {printed:?}"
    );

    // The same coupon looked up at the counter, on an A6 card.
    desk.click("a[data-screen='redeem']").await;
    let input = desk.wait_visible("#redeem-input").await;
    input.send_keys(&format!("{url}\u{E007}")).await.unwrap();
    desk.wait_text("#redeem-answer", "valid", |t| t.starts_with("Valid"))
        .await;
    choose(&desk, "#redeem-paper-size", "a6").await;
    desk.click("#redeem-paper-save").await;
    let said = desk
        .wait_text("#redeem-paper-saved", "where the card went", |t| {
            t.ends_with(".pdf")
        })
        .await;
    let card = saved_path(&said, &desk.downloads());
    let (width, height) = page_size(&card);
    assert!(
        (width - 105.0 * 72.0 / 25.4).abs() < 0.1 && (height - 148.0 * 72.0 / 25.4).abs() < 0.1,
        "A6: {width} × {height}"
    );
    let pages = render(&card);
    assert_eq!(
        decode(&pages[0], 0.0, 0.0, width, height, height),
        vec![url.clone()]
    );
    // When the counter shows the day it ends, the card says it too.
    let dates = desk.text("#redeem-dates").await;
    let on_card: Vec<String> = words(&card)[0].iter().map(|w| w.text.clone()).collect();
    assert_eq!(
        dates.contains("valid until"),
        on_card.iter().any(|w| w == "until"),
        "{dates} / {on_card:?}"
    );
    desk.click("a[data-screen='links']").await;
    desk.wait_visible("#links-many-form").await;

    // 30 links as a job, then on a sheet of A4 labels with the shop's own line.
    desk.fill("#links-amount", "30").await;
    desk.click("#links-many-button").await;
    desk.wait_text_for(
        "#links-job-state",
        "the job finished",
        Duration::from_secs(60),
        |t| t.contains("Finished"),
    )
    .await;
    desk.click("#links-print-sheet").await;
    desk.wait_visible("#links-sheet-form").await;
    let title = desk
        .find("#links-sheet-title")
        .await
        .prop("value")
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    assert!(!title.is_empty(), "the campaign's name is the title");

    // A grid too fine for a readable code is refused beside the field, in plain words.
    choose(&desk, "#links-sheet-layout", "grid").await;
    desk.fill("#links-sheet-columns", "20").await;
    desk.fill("#links-sheet-rows", "20").await;
    desk.click("#links-sheet-save").await;
    let refused = desk
        .wait_text(
            ".field-error[data-for='links-sheet-columns']",
            "the grid message",
            |t| t.contains("too small"),
        )
        .await;
    assert!(refused.contains("20 × 20"), "{refused}");

    choose(&desk, "#links-sheet-layout", "a4-3x8").await;
    desk.fill("#links-sheet-line", "Één keer geldig · Válido una vez")
        .await;
    desk.click("#links-sheet-save").await;
    let said = desk
        .wait_text_for(
            "#links-sheet-saved",
            "where the sheet went",
            Duration::from_secs(60),
            |t| t.ends_with(".pdf"),
        )
        .await;
    desk.screenshot_at("#links-sheet", "link-sheet-form").await;
    let sheet = saved_path(&said, &desk.downloads());

    // The job's links in their order, from the CSV the same panel saves.
    desk.click("#links-export").await;
    let csv_said = desk
        .wait_text("#links-export-path", "where the links were saved", |t| {
            t.ends_with(".csv")
        })
        .await;
    let csv = desk::read(Path::new(&csv_said[csv_said.find('/').unwrap()..]));
    let links: Vec<(String, String)> = csv
        .lines()
        .skip(1)
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            (fields[0].to_owned(), fields[2].to_owned())
        })
        .collect();
    assert_eq!(links.len(), 30);

    let labels = check_labels(&sheet, paper::SheetLayout::A4Labels3x8, &links);
    assert_eq!(labels.len(), 30);
    for label in &labels {
        assert!(
            label.iter().any(|w| w == "Válido"),
            "the shop's line: {label:?}"
        );
    }

    // A part of the job: links 25 to 30, on a page of their own.
    desk.fill("#links-sheet-from", "25").await;
    desk.fill("#links-sheet-to", "31").await;
    desk.click("#links-sheet-save").await;
    let refused = desk
        .wait_text(
            ".field-error[data-for='links-sheet-to']",
            "the part message",
            |t| t.contains("30 links"),
        )
        .await;
    assert!(refused.contains("between 1 and 30"), "{refused}");
    desk.fill("#links-sheet-to", "30").await;
    desk.click("#links-sheet-save").await;
    let said = desk
        .wait_text("#links-sheet-saved", "where the part went", |t| {
            t.ends_with(".pdf")
        })
        .await;
    let part = saved_path(&said, &desk.downloads());
    assert_ne!(part, sheet, "a new file");
    assert_eq!(
        check_labels(&part, paper::SheetLayout::A4Labels3x8, &links[24..]).len(),
        6
    );
    desk.close().await;
}
