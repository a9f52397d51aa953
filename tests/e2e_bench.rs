//! Benchmarks measured inside the real app window (WebDriver), printing figures. Not part of the
//! test suite: `scripts/bench.sh` runs them (they take a few minutes and their figures belong in
//! the README, not in a pass/fail of CI).

#[path = "support/desk.rs"]
mod desk;

use std::time::{Duration, Instant};

use coupon_desk::sandbox::{Sandbox, SandboxConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};
use desk::Desk;

/// Connects the app to `sandbox` through Settings, as a shop assistant would.
async fn connect(desk: &Desk, sandbox: &Sandbox) {
    desk.click("#connect-account").await;
    desk.wait_visible("#add-account-form").await;
    desk.fill("#account-name", "Bench shop").await;
    desk.fill("#client-id", DEMO_CLIENT_ID).await;
    desk.fill("#client-secret", DEMO_CLIENT_SECRET).await;
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
    desk.fill("#v3-base-url", &sandbox.v3_url()).await;
    desk.fill("#v4-base-url", &sandbox.v4_url()).await;
    desk.click("#save-account").await;
    desk.wait_text("#active-account-name", "the bench account", |t| {
        t == "Bench shop"
    })
    .await;
}

async fn body_number(desk: &Desk, name: &str) -> Option<f64> {
    desk.client
        .execute(
            "return document.body.dataset[arguments[0]] ?? null;",
            vec![serde_json::json!(name)],
        )
        .await
        .ok()?
        .as_str()?
        .parse()
        .ok()
}

async fn wait_body_number(desk: &Desk, name: &str, within: Duration) -> f64 {
    let deadline = Instant::now() + within;
    loop {
        if let Some(n) = body_number(desk, name).await {
            return n;
        }
        assert!(Instant::now() < deadline, "{name} was never set");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

const LATENCY: Duration = Duration::from_millis(100);
const MEMBERS: usize = 10_000;
const PER_PAGE: usize = 100;
const CONCURRENCY: usize = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run scripts/bench.sh"]
async fn loyalty_ten_thousand_members_load_and_search_in_the_window() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let desk = Desk::launch("bench-loyalty").await;
    connect(&desk, &sandbox).await;
    sandbox.control().set_latency(LATENCY);
    desk.click("a[data-screen='loyalty']").await;
    // The card list itself is one call; then pick the big card.
    let deadline = Instant::now() + desk::TIMEOUT;
    loop {
        let picked = desk
            .client
            .execute(
                "const s = document.querySelector('#loyalty-card');
                 if (![...s.options].some(o => o.value === '48216')) return false;
                 delete document.body.dataset.membersLoadedMs;
                 delete document.body.dataset.membersFirstPaintedMs;
                 s.value = '48216'; s.dispatchEvent(new Event('change', { bubbles: true })); return true;",
                vec![],
            )
            .await
            .unwrap();
        if picked == serde_json::json!(true) {
            break;
        }
        assert!(Instant::now() < deadline, "the big card never appeared");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let first = wait_body_number(&desk, "membersFirstPaintedMs", Duration::from_secs(60)).await;
    let all = wait_body_number(&desk, "membersLoadedMs", Duration::from_secs(120)).await;
    let pages = MEMBERS.div_ceil(PER_PAGE);
    // Page 1 alone (it tells the total), then the rest CONCURRENCY at a time.
    let ideal = LATENCY.as_secs_f64() * (1 + (pages - 1).div_ceil(CONCURRENCY)) as f64 * 1000.0;
    let one_by_one = LATENCY.as_secs_f64() * pages as f64 * 1000.0;

    // Keystroke → filtered table painted, typed one key at a time.
    let mut keystrokes = Vec::new();
    let search = desk.find("#loyalty-search").await;
    for key in ["m", "e", "m", "b", "e", "r", "0", "0", "9", "9", "9"] {
        desk.client
            .execute("delete document.body.dataset.filterPaintedMs;", vec![])
            .await
            .unwrap();
        search.send_keys(key).await.unwrap();
        keystrokes.push(wait_body_number(&desk, "filterPaintedMs", Duration::from_secs(5)).await);
    }
    println!("  keystrokes in order (ms): {keystrokes:?}");
    keystrokes.sort_by(f64::total_cmp);
    let shown = desk.text("#loyalty-count").await;
    assert!(
        shown.starts_with("1 of"),
        "the search found one member: {shown}"
    );
    println!(
        "loyalty, {MEMBERS} members at {} ms per page of {PER_PAGE}, {CONCURRENCY} pages at a time:",
        LATENCY.as_millis()
    );
    println!("  first rows painted after {first:.0} ms");
    println!(
        "  all members loaded after {all:.0} ms; ideal {ideal:.0} ms (ratio {:.2}, target ≤ 1.2); one page at a time would take {one_by_one:.0} ms",
        all / ideal
    );
    println!(
        "  keystroke → filtered table painted: median {:.0} ms, worst {:.0} ms (target ≤ 50 ms)",
        keystrokes[keystrokes.len() / 2],
        keystrokes[keystrokes.len() - 1]
    );
    desk.close().await;
    sandbox.stop().await;
}
