//! End-to-end, in the real window: the first five minutes. The welcome says what Coupon Desk is
//! for; practice mode opens on the first steps card; each step opens its screen with the
//! practice data ready and ticks itself off when the app has done it (never on a click of the
//! step); the ticks survive a restart; the card speaks Dutch on a Dutch computer; closed, it
//! comes back from Settings.

#[path = "support/desk.rs"]
#[allow(dead_code)]
mod desk;
#[path = "support/steps.rs"]
mod steps;

use std::time::Duration;

use desk::Desk;
use steps::{choose, click_when_there, pick_first_campaign};

async fn done(desk: &Desk, step: &str) -> bool {
    desk.client
        .execute(
            "const li = document.querySelector(`#first-steps-list li[data-step='${arguments[0]}']`);
             return Boolean(li && li.dataset.done === 'true');",
            vec![serde_json::json!(step)],
        )
        .await
        .unwrap()
        .as_bool()
        .unwrap_or(false)
}

/// Back to the start screen, where the card reads its state again.
async fn back_to_the_card(desk: &Desk, step: &str) {
    desk.click("a[data-screen='send']").await;
    desk.wait_visible("#first-steps").await;
    let deadline = std::time::Instant::now() + desk::TIMEOUT;
    while !done(desk, step).await {
        assert!(
            std::time::Instant::now() < deadline,
            "the step {step} did not tick itself off: {}",
            desk.text("#first-steps").await
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        desk.click("a[data-screen='send']").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "end-to-end: needs tauri-driver and a display; run scripts/test.sh"]
async fn practice_mode_teaches_five_first_steps_that_tick_themselves_off() {
    let desk = Desk::launch("first-steps").await;
    let intro = desk.text("#welcome").await;
    assert!(
        intro.contains("counter") && intro.contains("single-use links") && intro.contains("loyalty"),
        "the welcome says what the app is for: {intro}"
    );
    desk.click("#start-practice").await;
    desk.wait_visible("#practice-badge").await;
    desk.wait_visible("#first-steps").await;
    desk.wait_text("#first-steps-count", "nothing done yet", |t| {
        t == "0 of 5 done"
    })
    .await;

    // A click on a step ticks nothing: it only opens the screen with a coupon ready to scan.
    desk.click("#first-steps-list button[data-step='scan']").await;
    desk.wait_visible("#redeem-input").await;
    let code = desk
        .client
        .execute("return document.querySelector('#redeem-input').value;", vec![])
        .await
        .unwrap();
    assert_eq!(code.as_str().map(str::len), Some(21), "a practice coupon: {code}");
    desk.click("a[data-screen='send']").await;
    desk.wait_visible("#first-steps").await;
    assert!(!done(&desk, "scan").await, "opening the screen is not doing the step");
    desk.click("a[data-screen='redeem']").await;
    desk.find("#redeem-input")
        .await
        .send_keys("\u{E007}")
        .await
        .unwrap();
    desk.wait_text("#redeem-answer", "the coupon read", |t| {
        t.starts_with("Valid")
    })
    .await;
    back_to_the_card(&desk, "scan").await;

    // Send a coupon to yourself: the step puts the cursor in the address field.
    desk.click("#first-steps-list button[data-step='send']").await;
    pick_first_campaign(&desk, "#campaign").await;
    desk.fill("#email", "me@example.com").await;
    desk.click("#send-button").await;
    desk.wait_text("#result-url", "the link", |t| t.starts_with("https://"))
        .await;
    back_to_the_card(&desk, "send").await;
    desk.screenshot_at("#first-steps", "first-steps").await;

    // Ten single-use links: the amount is filled in.
    desk.click("#first-steps-list button[data-step='links']").await;
    desk.wait_visible("#links-amount").await;
    let amount = desk
        .client
        .execute("return document.querySelector('#links-amount').value;", vec![])
        .await
        .unwrap();
    assert_eq!(amount, "10");
    pick_first_campaign(&desk, "#links-campaign").await;
    desk.click("#links-many-button").await;
    desk.wait_text_for(
        "#links-job-state",
        "the links made",
        Duration::from_secs(60),
        |t| t.contains("Finished"),
    )
    .await;
    back_to_the_card(&desk, "links").await;

    // A stamp: the practice member is found for you.
    desk.click("#first-steps-list button[data-step='stamp']").await;
    choose(&desk, "#loyalty-card", "48213").await;
    desk.wait_text("#loyalty-count", "the practice member found", |t| {
        t.starts_with("1 of")
    })
    .await;
    click_when_there(&desk, "#loyalty-members tr[data-member='910001']").await;
    desk.wait_text("#loyalty-member-title", "the member panel", |t| {
        t.contains("Emma")
    })
    .await;
    desk.click("#loyalty-add-stamps").await;
    desk.wait_text("#loyalty-member-result", "the stamp added", |t| {
        t.starts_with("Stamps added")
    })
    .await;
    back_to_the_card(&desk, "stamp").await;

    // A campaign's usage.
    desk.click("#first-steps-list button[data-step='usage']").await;
    choose(&desk, "#campaigns-campaign", "cam_104250").await;
    desk.click("#campaigns-load").await;
    desk.wait_text_for(
        "#campaigns-count-sessions",
        "the usage counted",
        Duration::from_secs(90),
        |t| !t.is_empty(),
    )
    .await;
    back_to_the_card(&desk, "usage").await;
    desk.wait_text("#first-steps-count", "all done", |t| t == "5 of 5 done")
        .await;

    // The ticks survive a restart — and a Dutch computer reads the card in Dutch.
    let home = desk.close().await;
    let desk = Desk::launch_with(
        "first-steps-nl",
        home,
        &[("LANGUAGE", "nl_BE:nl"), ("LC_ALL", "nl_BE.UTF-8")],
    )
    .await;
    desk.click("a[data-screen='send']").await;
    desk.wait_visible("#first-steps").await;
    desk.wait_text("#first-steps-title", "the Dutch title", |t| {
        t == "Eerste stappen in de oefenwinkel"
    })
    .await;
    desk.wait_text("#first-steps-count", "the ticks kept", |t| {
        t == "5 van 5 gedaan"
    })
    .await;

    // Closed, it stays closed; Settings brings it back.
    desk.click("#first-steps-close").await;
    let deadline = std::time::Instant::now() + desk::TIMEOUT;
    while desk.is_visible("#first-steps").await {
        assert!(std::time::Instant::now() < deadline, "the card did not close");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    desk.click("a[data-screen='settings']").await;
    desk.click("#first-steps-again").await;
    desk.wait_visible("#first-steps").await;
    desk.close().await;
}
