//! Settings → About and updates in the real window, against a local update server
//! (tests/support/update_server.rs). The debug app is pointed at it with COUPON_DESK_UPDATE_URL
//! (honoured by debug builds only); it still trusts only the project's public key, so an update
//! signed with the test's throwaway key is announced but must be refused at install time.

#[path = "support/desk.rs"]
#[allow(dead_code)]
mod desk;
#[path = "support/steps.rs"]
mod steps;
#[path = "support/update_server.rs"]
mod update_server;

use desk::Desk;
use update_server::{artifact, latest_json, Keys, Server};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "end-to-end: needs tauri-driver and a display; run scripts/test.sh"]
async fn about_shows_an_update_found_at_start_refuses_a_wrongly_signed_one_and_says_when_none() {
    let foreign = Keys::new();
    let server = Server::new(&foreign, artifact(), "9.9.9");
    // The app inherits the variable through tauri-driver; the tests in this file run one at a time.
    std::env::set_var("COUPON_DESK_UPDATE_URL", server.latest());

    let desk = Desk::launch("about").await;
    // The quiet check at start found 9.9.9: a banner says so, once.
    let banner = desk
        .wait_text("#update-banner-text", "the update banner", |t| {
            t.contains("9.9.9")
        })
        .await;
    assert!(banner.contains("ready to install"), "{banner}");
    assert_eq!(server.hits("latest.json"), 1, "one quiet check at start");
    desk.screenshot("update-banner").await;

    desk.click("#update-banner-open").await;
    desk.wait_visible("#about-card").await;
    let offer = desk
        .wait_text("#update-offer-text", "the offer", |t| t.contains("9.9.9"))
        .await;
    assert!(
        offer.contains(&format!("you have {}", env!("CARGO_PKG_VERSION"))),
        "{offer}"
    );
    assert!(desk
        .text("#update-notes")
        .await
        .contains("Lists are sent faster."));
    let version = desk.text("#about-version").await;
    assert_eq!(version, format!("Version {}", env!("CARGO_PKG_VERSION")));
    assert!(desk
        .text("#about-data-dir")
        .await
        .ends_with("com.coupondesk.desk"));
    assert!(desk
        .text("#about-log-dir")
        .await
        .contains("com.coupondesk.desk"));
    desk.screenshot_at("#about-card", "about").await;

    // Signed with a key that is not the project's: downloaded, refused, nothing installed.
    desk.click("#install-update").await;
    let refused = desk
        .wait_text("#update-error", "the refusal", |t| !t.is_empty())
        .await;
    assert!(
        refused.contains("did not pass the safety check, so it was not installed"),
        "{refused}"
    );
    assert!(refused.contains("Nothing was changed"), "{refused}");
    assert!(server.hits("coupon-desk.deb") >= 1, "it was downloaded");

    // No newer version: the window says so.
    let signature = foreign.sign(&artifact(), "0.0.1");
    server.put(
        "latest.json",
        latest_json("0.0.1", &server.url("coupon-desk.deb"), &signature),
    );
    desk.click("#check-updates").await;
    desk.wait_text("#update-result", "up to date", |t| {
        t.contains("newest version")
    })
    .await;
    assert!(!desk.is_visible("#update-offer").await);

    // The licences come from the build, not from a hand-written list.
    desk.click("#about-licences summary").await;
    let summary = desk
        .wait_text("#about-licences-summary", "the count", |t| t.contains('('))
        .await;
    let count: usize = summary
        .rsplit('(')
        .next()
        .and_then(|n| n.trim_end_matches(')').parse().ok())
        .unwrap_or(0);
    assert!(count > 100, "{summary}");
    assert!(desk.text("#licences-body").await.contains("tauri"));

    // Switched off: the next start does not ask.
    desk.click("#pref-check-updates").await;
    desk.wait_text("#update-result", "saved", |t| t.contains("only looks"))
        .await;
    let asked = server.hits("latest.json");
    let home = desk.close().await;
    let desk = Desk::launch_in("about-again", home).await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert!(!desk.is_visible("#update-banner").await);
    assert_eq!(server.hits("latest.json"), asked, "no check at start");
    desk.close().await;
    std::env::remove_var("COUPON_DESK_UPDATE_URL");
}
