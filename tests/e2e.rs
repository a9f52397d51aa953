//! End-to-end tests of the built app in its real window (WebDriver: tauri-driver +
//! WebKitWebDriver under Xvfb). Ignored by a plain `cargo test`; scripts/test.sh runs them with
//! `--ignored` and fails if they did not run.

#[path = "support/desk.rs"]
mod desk;

use coupon_desk::sandbox::{Sandbox, SandboxConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};
use desk::Desk;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "end-to-end: needs tauri-driver and a display; run scripts/test.sh"]
async fn first_start_offers_practice_mode_which_shows_the_badge_and_a_working_connection() {
    let desk = Desk::launch("practice").await;
    desk.wait_visible("#welcome").await;
    assert!(desk.is_visible("#connect-account").await);
    assert!(!desk.is_visible("#practice-badge").await, "no badge before practice mode starts");
    desk.screenshot("welcome").await;

    desk.click("#start-practice").await;
    let badge = desk.wait_visible("#practice-badge").await;
    assert!(badge.text().await.unwrap().to_lowercase().contains("practice"));

    desk.click("a[data-screen='settings']").await;
    desk.click("#account-list li[data-account-id='practice'] .test-connection").await;
    let result = desk
        .wait_text("#connection-result", "a successful connection", |t| t.contains("Connected"))
        .await;
    assert!(result.contains("campaigns"), "{result}");
    let class = desk.find("#connection-result").await.attr("class").await.unwrap().unwrap_or_default();
    assert!(class.contains("ok"), "class was {class:?}");
    desk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "end-to-end: needs tauri-driver and a display; run scripts/test.sh"]
async fn wrong_secret_shows_the_code_1000_message_and_the_right_one_connects() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.expect("sandbox");
    let desk = Desk::launch("connect").await;
    desk.click("#connect-account").await;
    desk.wait_visible("#add-account-form").await;

    let add = |name: &'static str, secret: &'static str| {
        let (v3, v4) = (sandbox.v3_url(), sandbox.v4_url());
        let desk = &desk;
        async move {
            if !desk.is_visible("#add-account-form").await {
                desk.click("#show-add-account").await;
            }
            desk.fill("#account-name", name).await;
            desk.fill("#client-id", DEMO_CLIENT_ID).await;
            desk.fill("#client-secret", secret).await;
            // WebKit reports the inside of a closed <details> as displayed; ask the element itself.
            if desk.find("#advanced").await.attr("open").await.ok().flatten().is_none() {
                desk.click("#advanced summary").await;
            }
            desk.fill("#v3-base-url", &v3).await;
            desk.fill("#v4-base-url", &v4).await;
            desk.click("#save-account").await;
        }
    };

    add("Wrong secret shop", "ThisIsNotTheSecret000000000000").await;
    let message = desk
        .wait_text("#connection-result .error-message", "the code-1000 message", |t| !t.is_empty())
        .await;
    let hint = desk.text("#connection-result .error-hint").await;
    assert!(message.contains("did not accept"), "message: {message}");
    assert!(hint.contains("Settings"), "hint: {hint}");
    assert!(!message.contains("HTTP/1.0") && !message.contains("401"), "raw server text shown: {message}");
    assert!(!desk.client.source().await.unwrap().contains("ThisIsNotTheSecret"), "secret left in the page");

    add("Corner shop", DEMO_CLIENT_SECRET).await;
    desk.wait_text("#connection-result", "a successful connection", |t| t.contains("Connected to Corner shop"))
        .await;
    desk.wait_text("#active-account-name", "the new account as the active one", |t| t == "Corner shop").await;
    assert!(!desk.client.source().await.unwrap().contains(DEMO_CLIENT_SECRET), "secret left in the page");
    desk.client.execute("document.querySelector('#settings').scrollIntoView()", vec![]).await.unwrap();
    let shot = desk.screenshot("settings").await;
    assert!(std::fs::metadata(&shot).map(|m| m.len() > 10_000).unwrap_or(false), "screenshot written");
    let home = desk.close().await;
    sandbox.stop().await;

    // The app logged its work to the log folder, and no secret reached it.
    let logs = home.path().join("data/com.coupondesk.app/logs");
    let text: String = std::fs::read_dir(&logs)
        .unwrap_or_else(|e| panic!("log folder {}: {e}", logs.display()))
        .filter_map(|f| std::fs::read_to_string(f.ok()?.path()).ok())
        .collect();
    assert!(text.contains("account added"), "the log has the app's lines: {text}");
    assert!(!text.contains(DEMO_CLIENT_SECRET) && !text.contains("ThisIsNotTheSecret"), "a secret reached the log");
}
