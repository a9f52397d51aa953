//! The app in another language, in its real window: a computer set to Dutch gets Dutch from the
//! first screen on, including the words Rust writes (Coupontools' 305 refusal, the bulk job's row
//! results and its export); the language changes in Settings without a restart, and the send
//! screen is photographed in every language. Expected words come from the same dictionaries the
//! app uses (`coupon_desk::i18n`), so a missing translation fails here as English text.

#[path = "support/desk.rs"]
#[allow(dead_code)]
mod desk;
#[path = "support/steps.rs"]
mod steps;

use coupon_desk::i18n::{t_in, Lang};
use desk::Desk;
use steps::{choose, pick_first_campaign};

fn nl(key: &str) -> String {
    t_in(Lang::Nl, key, &[])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "end-to-end: needs tauri-driver and a display; run scripts/test.sh"]
async fn a_dutch_computer_gets_dutch_from_welcome_to_the_exported_results() {
    let home = tempfile::tempdir().expect("home");
    let desk = Desk::launch_with(
        "dutch",
        home,
        &[
            ("LANGUAGE", "nl_BE:nl"),
            ("LC_ALL", "nl_BE.UTF-8"),
            ("LANG", "nl_BE.UTF-8"),
        ],
    )
    .await;
    let languages = desk
        .client
        .execute("return navigator.languages;", vec![])
        .await
        .unwrap();
    println!("navigator.languages = {languages}");

    // First start follows the computer's language.
    desk.wait_text("#welcome-title", "the Dutch welcome", |t| {
        t == nl("welcome.title")
    })
    .await;
    let html_lang = desk
        .client
        .execute("return document.documentElement.lang;", vec![])
        .await
        .unwrap();
    assert_eq!(html_lang, "nl");
    desk.screenshot("lang-nl-welcome").await;

    desk.click("#start-practice").await;
    desk.wait_visible("#practice-badge").await;
    desk.click("a[data-screen='send']").await;
    pick_first_campaign(&desk, "#campaign").await;

    // An address Coupontools refuses: its 305 words and hint, in Dutch.
    desk.fill("#email", "anne@café.be").await;
    desk.click("#send-button").await;
    let message = nl("apiError.code305.message");
    let refused = desk
        .wait_text("#send-error", "the 305 message in Dutch", |t| {
            t.contains(&message)
        })
        .await;
    assert!(
        refused.contains(&nl("apiError.code305.hint")),
        "the hint in Dutch too: {refused}"
    );
    assert_ne!(message, t_in(Lang::En, "apiError.code305.message", &[]));

    // A send that works.
    desk.fill("#email", "jan.janssens@example.com").await;
    desk.click("#send-button").await;
    desk.wait_text("#result-url", "the single-use URL", |t| {
        t.starts_with("https://digicpn.com/p/")
    })
    .await;
    desk.screenshot("send-nl").await;

    // A list of 20: the progress and the results in Dutch.
    desk.click("a[data-screen='bulk']").await;
    let mut list = String::from("E-mail;Voornaam\n");
    for i in 1..=19 {
        list.push_str(&format!("klant{i:02}@example.com;Naam{i}\n"));
    }
    list.push_str("fout@café.be;Fout\n");
    desk.paste("#list-paste", &list).await;
    desk.click("#preview-list").await;
    desk.wait_text("#preview-summary", "the rows counted", |t| t.contains("20"))
        .await;
    pick_first_campaign(&desk, "#bulk-campaign").await;
    desk.click("#start-job").await;
    desk.wait_text_for(
        "#job-state",
        "the finished job in Dutch",
        std::time::Duration::from_secs(60),
        |t| t == nl("bulk.state.finished"),
    )
    .await;
    let panel = desk.text("#bulk-progress").await;
    for key in [
        "bulk.count.remaining",
        "bulk.count.sent",
        "bulk.count.failed",
    ] {
        assert!(panel.contains(&nl(key)), "{key} in Dutch: {panel}");
    }
    desk.screenshot_at("#bulk-progress", "bulk-nl").await;

    // The export: machine columns stay as they are, the words a person reads are Dutch.
    desk.click("#export-results").await;
    let said = desk
        .wait_text("#export-path", "where the results were saved", |t| {
            t.ends_with(".csv")
        })
        .await;
    let path = std::path::PathBuf::from(&said[said.find('/').expect("a path")..]);
    let csv = desk::read(&path);
    let refused_line = csv
        .lines()
        .find(|l| l.contains("fout@café.be"))
        .unwrap_or_else(|| panic!("the refused row is exported:\n{csv}"));
    assert!(
        refused_line.contains(&message),
        "the refusal is worded in Dutch in the export: {refused_line}"
    );
    let sent_line = csv
        .lines()
        .find(|l| l.contains("klant01@example.com"))
        .unwrap_or_else(|| panic!("the first row is exported:\n{csv}"));
    assert!(
        sent_line.contains(&nl("job.csvStatus.sent")),
        "the status is worded in Dutch: {sent_line}"
    );
    desk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "end-to-end: needs tauri-driver and a display; run scripts/test.sh"]
async fn the_language_changes_in_settings_without_a_restart_and_every_language_is_photographed() {
    let desk = Desk::launch("languages").await;
    desk.click("#start-practice").await;
    desk.wait_visible("#practice-badge").await;
    for lang in [Lang::Fr, Lang::De, Lang::Es, Lang::Nl, Lang::En] {
        desk.click("a[data-screen='settings']").await;
        choose(&desk, "#language", lang.code()).await;
        let send_label = t_in(lang, "nav.send", &[]);
        desk.wait_text(
            "a[data-screen='send']",
            "the menu in the new language",
            |t| t.trim() == send_label,
        )
        .await;
        desk.click("a[data-screen='send']").await;
        let title = t_in(lang, "send.title", &[]);
        desk.wait_text("#send-title", "the send screen's title", |t| t == title)
            .await;
        // Rust words its messages in the new language at once: a typo checked in Rust.
        pick_first_campaign(&desk, "#campaign").await;
        desk.fill("#email", "anne.example.com").await;
        desk.click("#send-button").await;
        let field_message = desk
            .wait_text(".field-error[data-for='email']", "the field message", |t| {
                !t.is_empty()
            })
            .await;
        if lang != Lang::En {
            let english = coupon_desk::i18n::in_language(Lang::En, || {
                coupon_desk::api::validate::email_address("anne.example.com")
                    .err()
                    .map(|p| coupon_desk::words::say(&p.message))
            });
            assert_ne!(
                Some(field_message.clone()),
                english,
                "{lang:?}: the field message is still English"
            );
        }
        desk.screenshot(&format!("send-{}", lang.code())).await;
    }
    desk.close().await;
}
