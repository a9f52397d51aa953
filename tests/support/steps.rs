//! Steps the end-to-end suites share: into practice mode, pick from a list, click a redrawn row.
#![allow(dead_code)] // each suite uses some of the steps

use coupon_desk::sandbox::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};

use crate::desk::{self, Desk};

/// From the welcome screen into practice mode, then to `screen`.
pub async fn practice_on(desk: &Desk, screen: &str) {
    desk.click("#start-practice").await;
    desk.wait_visible("#practice-badge").await;
    desk.click(&format!("a[data-screen='{screen}']")).await;
}

/// From the welcome screen, connects the demo shop of `sandbox` as `name` (the known secret) and
/// waits until it is connected and active.
pub async fn connect_sandbox(desk: &Desk, sandbox: &coupon_desk::sandbox::Sandbox, name: &str) {
    desk.click("#connect-account").await;
    desk.wait_visible("#add-account-form").await;
    add_account(
        desk,
        name,
        DEMO_CLIENT_SECRET,
        &sandbox.v3_url(),
        &sandbox.v4_url(),
    )
    .await;
    let connected = format!("Connected to {name}");
    desk.wait_text("#connection-result", "a successful connection", |t| {
        t.contains(&connected)
    })
    .await;
}

/// Fills in Settings' "Add an account" form (open already, or opened here) with the demo shop's
/// client ID, `secret` and the sandbox's addresses, and saves it.
pub async fn add_account(desk: &Desk, name: &str, secret: &str, v3: &str, v4: &str) {
    if !desk.is_visible("#add-account-form").await {
        desk.click("#show-add-account").await;
    }
    desk.fill("#account-name", name).await;
    desk.fill("#client-id", DEMO_CLIENT_ID).await;
    desk.fill("#client-secret", secret).await;
    // WebKit reports the inside of a closed <details> as displayed; ask the element itself.
    if desk
        .find("#advanced")
        .await
        .attr("open")
        .await
        .ok()
        .flatten()
        .is_none()
    {
        desk.click("#advanced summary").await;
    }
    desk.fill("#v3-base-url", v3).await;
    desk.fill("#v4-base-url", v4).await;
    desk.click("#save-account").await;
}

/// Waits until the campaign picker has loaded real campaigns, then picks the first.
pub async fn pick_first_campaign(desk: &Desk, select: &str) {
    let deadline = std::time::Instant::now() + desk::TIMEOUT;
    loop {
        let value = desk
            .client
            .execute(
                "const s = document.querySelector(arguments[0]);
                 const o = s && [...s.options].find(o => o.value.startsWith('cam_'));
                 if (o) { s.value = o.value; s.dispatchEvent(new Event('change', { bubbles: true })); return o.value; }
                 return null;",
                vec![serde_json::json!(select)],
            )
            .await
            .unwrap();
        if value.is_string() {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no campaign appeared in {select}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// The practice sandbox the app started, found through the line it logs, and a client for it.
pub fn practice_client(desk: &Desk) -> coupon_desk::api::Client {
    let logs = desk.home.path().join("data/com.coupondesk.desk/logs");
    let text: String = std::fs::read_dir(&logs)
        .unwrap_or_else(|e| panic!("log folder {}: {e}", logs.display()))
        .filter_map(|f| std::fs::read_to_string(f.ok()?.path()).ok())
        .collect();
    let at = text
        .rfind("practice sandbox listening on ")
        .expect("the app logs where its practice sandbox listens");
    let addr: String = text[at + "practice sandbox listening on ".len()..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let mut config = coupon_desk::api::ClientConfig::new(
        coupon_desk::api::Credentials::new(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
        format!("http://{addr}/v3"),
        format!("http://{addr}/v4"),
    );
    config.timeout = std::time::Duration::from_secs(30);
    coupon_desk::api::Client::new(config).expect("a client for the practice sandbox")
}

pub async fn selected(desk: &Desk, select: &str) -> String {
    desk.client
        .execute(
            "return document.querySelector(arguments[0]).value;",
            vec![serde_json::json!(select)],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Clicks the element as soon as it exists, in one step (rows of a virtualised table are
/// redrawn, so a found element can be gone by the time a second WebDriver call clicks it).
pub async fn click_when_there(desk: &Desk, css: &str) {
    let deadline = std::time::Instant::now() + desk::TIMEOUT;
    loop {
        let clicked = desk
            .client
            .execute(
                "const e = document.querySelector(arguments[0]); if (e) { e.click(); return true; } return false;",
                vec![serde_json::json!(css)],
            )
            .await
            .unwrap();
        if clicked == serde_json::json!(true) {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{css} never appeared");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Picks the option of `select` whose value is `value`, as a person choosing it would.
pub async fn choose(desk: &Desk, select: &str, value: &str) {
    let deadline = std::time::Instant::now() + desk::TIMEOUT;
    loop {
        let done = desk
            .client
            .execute(
                "const s = document.querySelector(arguments[0]);
                 if (!s || ![...s.options].some(o => o.value === arguments[1])) return false;
                 s.value = arguments[1]; s.dispatchEvent(new Event('change', { bubbles: true }));
                 return true;",
                vec![serde_json::json!(select), serde_json::json!(value)],
            )
            .await
            .unwrap();
        if done == serde_json::json!(true) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no option {value} in {select}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}
