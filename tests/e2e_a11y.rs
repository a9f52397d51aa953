//! Accessibility check of every screen in the real app window: axe-core runs inside the page on
//! each screen reachable from the sidebar (and on the states that only show after using it: a
//! sent coupon, a checked list, a loyalty card's members and one member) and the test fails on
//! every violation axe rates "serious" or "critical"; once in the light theme and once in the
//! dark one (GTK_THEME, which WebKitGTK turns into `prefers-color-scheme`). On each screen it also
//! walks the page with the Tab key: every stop must show a focus ring, and "Skip to main content"
//! must be the first stop and land in the main area. Ignored by a plain `cargo test`;
//! scripts/test.sh runs it with `--ignored` and fails if it did not run.
//!
//! axe-core is a test-only npm package, never shipped: `scripts/install-deps.sh --test` puts it in
//! target/test-tools, and scripts/test.sh names the file in COUPON_DESK_AXE_JS. The app's content
//! security policy refuses script tags, but WebDriver's "execute script" runs the source directly.

#[path = "support/desk.rs"]
#[allow(dead_code)]
mod desk;

use std::fmt::Write as _;
use std::path::PathBuf;

use desk::Desk;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use serde_json::{json, Value};

/// axe.min.js: COUPON_DESK_AXE_JS, or where install-deps.sh puts it.
fn axe_source() -> String {
    let path = std::env::var_os("COUPON_DESK_AXE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("target/test-tools/node_modules/axe-core/axe.min.js")
        });
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core is missing ({}: {e}). Run `bash scripts/install-deps.sh --test`, which \
             installs it into target/test-tools, or point COUPON_DESK_AXE_JS at axe.min.js.",
            path.display()
        )
    })
}

/// Runs axe-core on the whole document as it is now (hidden screens are skipped by axe itself).
/// Writes every violation to `a11y-<name>.txt` in the test output folder and returns the
/// serious and critical ones, one line each: rule id, help, the first three node targets.
async fn audit(desk: &Desk, axe: &str, name: &str) -> Vec<String> {
    let present = desk
        .client
        .execute(
            "return typeof window.axe === 'object' && typeof window.axe.run === 'function';",
            vec![],
        )
        .await
        .expect("ask for axe");
    if present != json!(true) {
        desk.client
            .execute(&format!("{axe}\n;return true;"), vec![])
            .await
            .unwrap_or_else(|e| panic!("injecting axe-core: {e}"));
    }
    // Let transitions and pending renders settle, so colours are measured as a person sees them.
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let result = desk
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations', 'incomplete'] })
               .then((r) => done({ ok: true,
                   passes: r.passes.map((p) => p.id),
                   incomplete: r.incomplete.map((i) => i.id + ' (' + i.nodes.map((n) => n.target.join(' ')).join(' | ') + ')'),
                   violations: r.violations.map((v) => ({
                   id: v.id, impact: v.impact, help: v.help,
                   count: v.nodes.length,
                   targets: v.nodes.map((n) => n.target.join(' ')),
                   summary: v.nodes.length ? (v.nodes[0].failureSummary || '') : '',
               })) }))
               .catch((e) => done({ ok: false, error: String(e && e.stack || e) }));",
            vec![],
        )
        .await
        .unwrap_or_else(|e| panic!("running axe-core on {name}: {e}"));
    assert_eq!(
        result["ok"],
        json!(true),
        "axe-core failed on {name}: {result}"
    );
    let violations = result["violations"].as_array().cloned().unwrap_or_default();

    let mut report = String::new();
    let mut serious = Vec::new();
    for v in &violations {
        let id = v["id"].as_str().unwrap_or("?");
        let impact = v["impact"].as_str().unwrap_or("?");
        let help = v["help"].as_str().unwrap_or("");
        let targets: Vec<&str> = v["targets"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let _ = writeln!(report, "{impact}\t{id}\t{help}\t({} nodes)", targets.len());
        for t in &targets {
            let _ = writeln!(report, "\t{t}");
        }
        if let Some(s) = v["summary"].as_str().filter(|s| !s.is_empty()) {
            let _ = writeln!(report, "\t{}", s.replace('\n', "\n\t"));
        }
        if matches!(impact, "serious" | "critical") {
            let first: Vec<&str> = targets.iter().take(3).copied().collect();
            serious.push(format!(
                "[{name}] {impact} {id}: {help} ({} nodes; first: {})",
                targets.len(),
                first.join(" | ")
            ));
        }
    }
    if report.is_empty() {
        report.push_str("no violations\n");
    }
    // For a person reading the report: what axe checked, and what it could not decide alone.
    let ids = |key: &str| -> String {
        result[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    let _ = writeln!(report, "\npassed: {}", ids("passes"));
    let _ = writeln!(
        report,
        "needs review (axe could not decide): {}",
        ids("incomplete")
    );
    let _ = std::fs::write(desk::output_dir().join(format!("a11y-{name}.txt")), report);
    let dark = desk
        .client
        .execute(
            "return matchMedia('(prefers-color-scheme: dark)').matches;",
            vec![],
        )
        .await
        .unwrap_or_default();
    eprintln!(
        "axe on {name} (dark: {dark}): {} violation rules, {} serious or critical",
        violations.len(),
        serious.len()
    );
    serious
}

async fn go(desk: &Desk, screen: &str) {
    desk.click(&format!("#sidebar a[data-screen='{screen}']"))
        .await;
    desk.wait_visible(&format!("#{screen}")).await;
}

/// Waits until `script` (a function body) returns true.
async fn until(desk: &Desk, what: &str, script: &str) {
    let deadline = std::time::Instant::now() + desk::TIMEOUT;
    loop {
        let v = desk.client.execute(script, vec![]).await.unwrap();
        if v == json!(true) {
            return;
        }
        if std::time::Instant::now() > deadline {
            desk.screenshot("failure-a11y").await;
            panic!("{what} did not happen");
        }
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    }
}

/// Picks the first real campaign of `select` once loaded, as a person would.
async fn pick_first_campaign(desk: &Desk, select: &str) {
    until(
        desk,
        &format!("a campaign in {select}"),
        &format!(
            "const s = document.querySelector({select:?});
             const o = s && [...s.options].find(o => o.value.startsWith('cam_'));
             if (!o) return false;
             s.value = o.value; s.dispatchEvent(new Event('change', {{ bubbles: true }}));
             return true;"
        ),
    )
    .await;
}

/// Presses a key the way a person does: through WebDriver's input actions, to the focused element.
async fn press(desk: &Desk, key: Key) {
    let k: char = key.into();
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: k })
        .then(KeyAction::Up { value: k });
    desk.client
        .perform_actions(keys)
        .await
        .unwrap_or_else(|e| panic!("pressing a key: {e}"));
}

/// Describes the focused element and whether a person can see that it has focus: an outline of
/// at least 2px, or (table rows, whose outline WebKit does not paint) a ring drawn on the cells.
const FOCUS_PROBE: &str = "
    const e = document.activeElement;
    if (!e || e === document.body || e === document.documentElement) return null;
    const id = e.id ? '#' + e.id : '';
    const cls = typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\\s+/).join('.') : '';
    const text = (e.getAttribute('aria-label') || e.textContent || e.value || '').replace(/\\s+/g, ' ').trim().slice(0, 40);
    const what = e.tagName.toLowerCase() + id + cls + (text ? ' \\u201c' + text + '\\u201d' : '');
    const style = getComputedStyle(e);
    let visible = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    if (!visible && e.tagName === 'TR') {
      const td = e.querySelector('td');
      visible = !!td && getComputedStyle(td).boxShadow.split('inset').length > 2;
    }
    const r = e.getBoundingClientRect();
    return { what, visible, focusVisible: e.matches(':focus-visible'), onScreen: r.width > 0 && r.height > 0 };
";

/// Tabs from the top of the page (focus on the body first, as on a fresh page) through every stop (until focus comes round again, leaves the
/// page, or 250 presses). Returns the stops, and a problem line for each stop without a visible
/// focus ring and for any positive tabindex (which breaks the reading order).
async fn tab_through(desk: &Desk, name: &str) -> (Vec<String>, Vec<String>) {
    desk.client
        .execute(
            "const b = document.body; b.tabIndex = -1; b.focus(); b.removeAttribute('tabindex');
             return true;",
            vec![],
        )
        .await
        .unwrap();
    let mut stops: Vec<String> = Vec::new();
    let mut problems = Vec::new();
    let positive = desk
        .client
        .execute(
            "return [...document.querySelectorAll('[tabindex]')].filter((e) => e.tabIndex > 0)
               .map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : ''));",
            vec![],
        )
        .await
        .unwrap();
    for p in positive.as_array().into_iter().flatten() {
        problems.push(format!(
            "[{name}] positive tabindex changes the tab order: {p}"
        ));
    }
    for _ in 0..250 {
        press(desk, Key::Tab).await;
        let probe = desk.client.execute(FOCUS_PROBE, vec![]).await.unwrap();
        if probe.is_null() {
            break;
        }
        let what = probe["what"].as_str().unwrap_or("?").to_owned();
        if stops.first() == Some(&what) {
            break;
        }
        if probe["visible"] != json!(true) || probe["focusVisible"] != json!(true) {
            problems.push(format!("[{name}] no visible focus ring on {what}"));
        }
        if probe["onScreen"] != json!(true) {
            problems.push(format!(
                "[{name}] focus went to something with no size: {what}"
            ));
        }
        stops.push(what);
    }
    let _ = std::fs::write(
        desk::output_dir().join(format!("a11y-{name}-tab-order.txt")),
        stops.join("\n") + "\n",
    );
    (stops, problems)
}

/// Checks one screen: axe, then the Tab walk. "Skip to main content" must be the first stop.
async fn check(desk: &Desk, axe: &str, name: &str, found: &mut Vec<String>) {
    found.extend(audit(desk, axe, name).await);
    let (stops, problems) = tab_through(desk, name).await;
    found.extend(problems);
    match stops.first() {
        Some(first) if first.starts_with("a#skip-link") => {}
        other => found.push(format!(
            "[{name}] the first Tab stop is {other:?}, not \"Skip to main content\""
        )),
    }
}

/// Every screen in one theme. `theme` is a GTK theme name; WebKitGTK follows its dark variant.
async fn walk(axe: &str, scheme: &str, theme: &str) -> Vec<String> {
    // The app inherits this through tauri-driver; one test per binary, so nothing else reads it.
    std::env::set_var("GTK_THEME", theme);
    let desk = Desk::launch(&format!("a11y-{scheme}")).await;
    let dark = desk
        .client
        .execute(
            "return matchMedia('(prefers-color-scheme: dark)').matches;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        dark,
        json!(scheme == "dark"),
        "GTK_THEME={theme} did not give the {scheme} colour scheme"
    );
    let mut found = Vec::new();
    let n = |screen: &str| format!("{scheme}-{screen}");

    desk.wait_visible("#welcome").await;
    check(&desk, axe, &n("welcome"), &mut found).await;

    // "Skip to main content": first stop, visible when focused, and Enter lands in the main area.
    desk.client
        .execute(
            "const b = document.body; b.tabIndex = -1; b.focus(); b.removeAttribute('tabindex');
             return true;",
            vec![],
        )
        .await
        .unwrap();
    press(&desk, Key::Tab).await;
    let skip = desk
        .client
        .execute(
            "const e = document.activeElement; const r = e.getBoundingClientRect();
             return { id: e.id, shown: r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.width > 0 };",
            vec![],
        )
        .await
        .unwrap();
    if skip != json!({ "id": "skip-link", "shown": true }) {
        found.push(format!(
            "[{scheme}] the skip link is not the visible first stop: {skip}"
        ));
    }
    desk.screenshot(&format!("a11y-{scheme}-skip-link")).await;
    press(&desk, Key::Enter).await;
    let landed = desk
        .client
        .execute(
            "return document.activeElement && document.activeElement.id;",
            vec![],
        )
        .await
        .unwrap();
    if landed != json!("main") {
        found.push(format!(
            "[{scheme}] Enter on the skip link moved focus to {landed}, not #main"
        ));
    }

    desk.click("#start-practice").await;
    desk.wait_visible("#practice-badge").await;

    // Today, once its first reading is on screen (chart, table and feed filled).
    go(&desk, "today").await;
    desk.wait_text_for(
        "#today-updated",
        "Today's first reading",
        std::time::Duration::from_secs(90),
        |t| t.starts_with("Updated"),
    )
    .await;
    check(&desk, axe, &n("today"), &mut found).await;

    go(&desk, "send").await;
    pick_first_campaign(&desk, "#campaign").await;
    check(&desk, axe, &n("send"), &mut found).await;
    // The result card, after a coupon went out.
    desk.fill("#email", &format!("ann.{scheme}@example.com"))
        .await;
    desk.click("#send-button").await;
    desk.wait_text("#result-url", "the coupon link", |t| {
        t.starts_with("https://")
    })
    .await;
    check(&desk, axe, &n("send-result"), &mut found).await;
    // Coupon details of that coupon, its link pasted.
    let url = desk.text("#result-url").await;
    go(&desk, "coupon").await;
    desk.fill("#coupon-input", &url).await;
    desk.click("#coupon-look-up").await;
    desk.wait_text("#coupon-state", "the coupon's state", |t| {
        t.starts_with("Valid")
    })
    .await;
    check(&desk, axe, &n("coupon"), &mut found).await;

    go(&desk, "bulk").await;
    check(&desk, axe, &n("bulk"), &mut found).await;
    // The checked list: column mapping, the preview table with a refused row, the send step.
    desk.paste(
        "#list-paste",
        "email,first name,last name\nann@example.com,Ann,Peeters\nnot-an-address,Bob,Jansen\n",
    )
    .await;
    desk.click("#preview-list").await;
    desk.wait_visible("#bulk-mapping").await;
    desk.wait_visible("#bulk-run").await;
    pick_first_campaign(&desk, "#bulk-campaign").await;
    check(&desk, axe, &n("bulk-preview"), &mut found).await;

    go(&desk, "links").await;
    pick_first_campaign(&desk, "#links-campaign").await;
    check(&desk, axe, &n("links"), &mut found).await;
    // A link made (its result, with Print coupon), then three as a job and their sheet's form.
    desk.click("#link-one-button").await;
    desk.wait_visible("#link-paper-save").await;
    desk.fill("#links-amount", "3").await;
    desk.click("#links-many-button").await;
    until(
        &desk,
        "the three links made",
        "const s = document.querySelector('#links-job-state');
         return !!s && s.dataset.state === 'finished';",
    )
    .await;
    desk.click("#links-print-sheet").await;
    desk.wait_visible("#links-sheet-form").await;
    check(&desk, axe, &n("links-paper"), &mut found).await;

    go(&desk, "loyalty").await;
    until(
        &desk,
        "the loyalty members loaded",
        "const c = document.querySelector('#loyalty-count');
         return !!c && / \\d/.test(c.textContent) &&
           !!document.querySelector('#loyalty-members tbody tr[data-member]');",
    )
    .await;
    check(&desk, axe, &n("loyalty"), &mut found).await;
    // One member's panel (details, stamps, rewards, void or delete), opened from the keyboard.
    desk.client
        .execute(
            "document.querySelector('#loyalty-members tbody tr[data-member]').focus(); return true;",
            vec![],
        )
        .await
        .unwrap();
    desk.screenshot(&format!("a11y-{scheme}-focused-row")).await;
    press(&desk, Key::Enter).await;
    until(
        &desk,
        "a member opened with Enter",
        "const f = document.querySelector('#loyalty-member'); return !!f && !f.hidden;",
    )
    .await;
    check(&desk, axe, &n("loyalty-member"), &mut found).await;

    go(&desk, "directories").await;
    until(
        &desk,
        "the directory members loaded",
        "const c = document.querySelector('#directories-count');
         return !!c && Number(c.dataset.total) > 0 &&
           document.querySelector('#directories-loading').hidden &&
           !!document.querySelector('#directories-members tbody tr[data-member]') &&
           !!document.querySelector('#directories-campaigns li') &&
           !!document.querySelector('#directories-categories li');",
    )
    .await;
    check(&desk, axe, &n("directories"), &mut found).await;
    desk.client
        .execute(
            "document.querySelector('#directories-members tbody tr[data-member]').focus(); return true;",
            vec![],
        )
        .await
        .unwrap();
    press(&desk, Key::Enter).await;
    until(
        &desk,
        "a directory member opened with Enter",
        "const f = document.querySelector('#directories-member'); return !!f && !f.hidden;",
    )
    .await;
    desk.click("#directories-bulk-toggle").await;
    check(&desk, axe, &n("directories-member"), &mut found).await;

    go(&desk, "subaccounts").await;
    desk.wait_for("#subaccounts-rows tr[data-sub]").await;
    check(&desk, axe, &n("subaccounts"), &mut found).await;
    desk.client
        .execute(
            "document.querySelector('#subaccounts-rows tr[data-sub]').click(); return true;",
            vec![],
        )
        .await
        .unwrap();
    desk.wait_visible("#subaccounts-details").await;
    desk.click("#subaccounts-edit").await;
    desk.wait_visible("#subaccounts-form").await;
    check(&desk, axe, &n("subaccounts-details"), &mut found).await;

    go(&desk, "history").await;
    desk.wait_text("#history-table", "the sent coupon in the history", |t| {
        t.contains("@example.com")
    })
    .await;
    check(&desk, axe, &n("history"), &mut found).await;

    go(&desk, "settings").await;
    desk.wait_for("#account-list li[data-account-id='practice']")
        .await;
    check(&desk, axe, &n("settings"), &mut found).await;

    desk.close().await;
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "end-to-end: needs tauri-driver and a display; run scripts/test.sh"]
async fn every_screen_passes_axe_core_and_the_keyboard_in_light_and_dark() {
    let axe = axe_source();
    let mut found = walk(&axe, "light", "Adwaita").await;
    found.extend(walk(&axe, "dark", "Adwaita:dark").await);
    assert!(
        found.is_empty(),
        "{} accessibility problems: serious or critical axe-core violations, and keyboard \
         checks (details in a11y-*.txt in the test output folder):\n{}",
        found.len(),
        found.join("\n")
    );
}
