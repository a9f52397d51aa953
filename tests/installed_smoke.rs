//! The INSTALLED app, once: `.ci/run` builds the .deb, installs it with apt-get and runs this
//! with COUPON_DESK_APP=/usr/bin/coupon-desk. It starts the installed binary in its real window
//! (WebDriver), switches to practice mode, sends one coupon, and checks Settings → About.
//! Not an `e2e*` suite: scripts/test.sh must not run it against the debug build.
//! COUPON_DESK_SMOKE_HOME_OUT: a file to write the test's home folder into, kept after the test,
//! so the uninstall step can check that the user's data stays.

#[path = "support/desk.rs"]
#[allow(dead_code)]
mod desk;
#[path = "support/steps.rs"]
mod steps;

use desk::Desk;
use steps::{pick_first_campaign, practice_on};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "installed: needs COUPON_DESK_APP set to the installed binary; run by .ci/run"]
async fn the_installed_app_starts_and_sends_one_coupon_in_practice_mode() {
    let Ok(app) = std::env::var("COUPON_DESK_APP") else {
        eprintln!(
            "SKIPPED: COUPON_DESK_APP is not set. Install the .deb (scripts/package.sh deb, then \
             apt-get install ./target/release/bundle/deb/*.deb) and run with \
             COUPON_DESK_APP=/usr/bin/coupon-desk."
        );
        return;
    };
    assert!(
        std::path::Path::new(&app).is_file(),
        "COUPON_DESK_APP={app} does not exist: is the package installed?"
    );

    let desk = Desk::launch("installed").await;
    practice_on(&desk, "send").await;
    pick_first_campaign(&desk, "#campaign").await;
    desk.fill("#email", "installed.smoke@example.com").await;
    desk.fill("#first-name", "Smoke").await;
    desk.click("#send-button").await;
    let url = desk
        .wait_text("#result-url", "the single-use URL", |t| {
            t.starts_with("https://digicpn.com/p/")
        })
        .await;
    assert!(url.len() > "https://digicpn.com/p/".len(), "{url}");

    // Settings → About names this version and where the data lives.
    desk.click("a[data-screen='settings']").await;
    let version = desk
        .wait_text("#about-version", "the version", |t| !t.is_empty())
        .await;
    assert!(
        version.contains(env!("CARGO_PKG_VERSION")),
        "the installed app is this version: {version}"
    );
    let data_dir = desk.text("#about-data-dir").await;
    assert!(data_dir.ends_with("com.coupondesk.desk"), "{data_dir}");
    desk.screenshot_at("#about-card", "installed-about").await;

    let home = desk.close().await;
    if let Ok(out) = std::env::var("COUPON_DESK_SMOKE_HOME_OUT") {
        let kept = home.keep();
        std::fs::write(&out, kept.display().to_string()).expect("write the home folder's path");
    }
}
