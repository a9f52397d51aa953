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

use coupon_desk::sandbox::{Sandbox, SandboxConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};
use desk::Desk;
use steps::pick_first_campaign;
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

/// A shop with a real account (a known secret) sends to an address Coupontools refuses and names
/// (604): the error is logged. The support file saved from About holds the versions, settings,
/// database numbers and log, and neither the address nor the secret (nor, in the settings, the
/// client ID).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "end-to-end: needs tauri-driver and a display; run scripts/test.sh"]
async fn a_support_file_saved_from_about_holds_no_customer_address_secret_or_key() {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let desk = Desk::launch("support").await;
    steps::connect_sandbox(&desk, &sandbox, "Corner shop").await;

    // An address that bounces: Coupontools' reason names it, and the app logs the refusal.
    let customer = "ann.support@bounce.test";
    desk.click("a[data-screen='send']").await;
    pick_first_campaign(&desk, "#campaign").await;
    desk.fill("#email", customer).await;
    desk.click("#send-button").await;
    desk.wait_text("#send-error", "the 604 message", |t| {
        t.contains("The e-mail was not sent")
    })
    .await;

    desk.click("a[data-screen='settings']").await;
    desk.wait_visible("#about-card").await;
    desk.click("#save-support-file").await;
    let said = desk
        .wait_text("#support-file-result", "where the support file went", |t| {
            t.contains(".zip")
        })
        .await;
    assert!(said.starts_with("Support file saved to "), "{said}");
    desk.screenshot_at("#about-card", "support-file").await;
    let path = said["Support file saved to ".len()..]
        .split(".zip")
        .next()
        .map(|p| format!("{p}.zip"))
        .expect("a path");
    assert!(
        std::path::Path::new(&path).starts_with(desk.downloads()),
        "saved in Downloads: {path}"
    );
    let mut zip =
        zip::ZipArchive::new(std::fs::File::open(&path).expect("the file")).expect("a zip");
    let mut entries = std::collections::BTreeMap::new();
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).expect("entry");
        let mut text = String::new();
        std::io::Read::read_to_string(&mut file, &mut text).expect("text");
        entries.insert(file.name().to_owned(), text);
    }
    assert_eq!(
        entries.keys().collect::<Vec<_>>(),
        [
            "README.txt",
            "about.json",
            "database.json",
            "log.txt",
            "settings.json"
        ]
    );
    assert!(
        entries["README.txt"].contains("2,000 lines"),
        "{}",
        entries["README.txt"]
    );
    let about: serde_json::Value = serde_json::from_str(&entries["about.json"]).expect("json");
    assert_eq!(about["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        about["webview"].as_str().is_some_and(|w| !w.is_empty()),
        "{about}"
    );
    let settings: serde_json::Value =
        serde_json::from_str(&entries["settings.json"]).expect("json");
    assert_eq!(settings["accounts"][0]["name"], "Corner shop");
    assert_eq!(settings["accounts"][0]["v3Host"], "127.0.0.1");
    let database: serde_json::Value =
        serde_json::from_str(&entries["database.json"]).expect("json");
    assert!(
        database["schemaVersion"].as_i64().unwrap_or(0) >= 5,
        "{database}"
    );
    // The refusal that named the address is in the log, the address masked.
    let log = &entries["log.txt"];
    assert!(
        log.contains("account added") && log.contains("error 604") && log.contains("a…@b…"),
        "{log}"
    );
    for (name, text) in &entries {
        for private in [customer, DEMO_CLIENT_SECRET] {
            assert!(!text.contains(private), "{name} holds {private}");
        }
    }
    // The accounts by name and host: their keys (client ID and secret) stay home.
    assert!(!entries["settings.json"].contains(DEMO_CLIENT_ID));

    // Beside an error the app did not expect, the same file is offered.
    let shown = desk
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             import('./js/errors.js')
               .then((m) => { m.showError(document.querySelector('#about-folder-error'),
                   { kind: 'internal', message: 'Something went wrong inside Coupon Desk.',
                     hint: 'Try again.' }); done(true); })
               .catch((e) => done(String(e)));",
            vec![],
        )
        .await
        .expect("the error box");
    assert_eq!(shown, serde_json::json!(true), "{shown}");
    desk.click("#about-folder-error .save-support-file").await;
    let offered = desk
        .wait_text(
            "#about-folder-error .support-file-saved",
            "the offered file",
            |t| t.contains(".zip"),
        )
        .await;
    assert!(offered.starts_with("Support file saved to "), "{offered}");
    assert_ne!(offered, said, "a second file, not the first one again");
    desk.close().await;
    sandbox.stop().await;
}
