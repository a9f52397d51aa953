//! End-to-end, in the real window (practice mode): "Mark many as used" on the Redeem screen — a
//! stack of codes pasted and scanned, checked (each coupon's state shown), confirmed with Enter,
//! then one result per code; the practice sandbox confirms each fresh coupon was used once.

#[path = "support/desk.rs"]
#[allow(dead_code)]
mod desk;
#[path = "support/steps.rs"]
mod steps;

use coupon_desk::api::{CampaignSessionsQuery, SessionData, SessionList, SessionUpdate};
use desk::Desk;
use steps::{practice_client, practice_on};

const LUNCH_DEAL: &str = "cam_104250";

async fn lunch_deal(client: &coupon_desk::api::Client, list: SessionList) -> Vec<SessionData> {
    client
        .campaigns()
        .sessions(
            list,
            &CampaignSessionsQuery {
                campaign: LUNCH_DEAL.into(),
                start: None,
                end: None,
            },
        )
        .await
        .expect("the seeded campaign's sessions")
}

async fn texts(desk: &Desk, css: &str) -> Vec<String> {
    let value = desk
        .client
        .execute(
            "return [...document.querySelectorAll(arguments[0])].map(e => e.textContent.replace(/\\s+/g, ' ').trim());",
            vec![serde_json::json!(css)],
        )
        .await
        .unwrap();
    serde_json::from_value(value).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "end-to-end: needs tauri-driver and a display; run scripts/test.sh"]
async fn a_stack_of_codes_is_checked_confirmed_once_and_each_fresh_coupon_used_once() {
    let desk = Desk::launch("redeem-many").await;
    practice_on(&desk, "redeem").await;
    let practice = practice_client(&desk);
    let now = time::OffsetDateTime::now_utc();
    let all = lunch_deal(&practice, SessionList::All).await;
    let fresh: Vec<&SessionData> = all
        .iter()
        .filter(|s| {
            s.validated_at.is_none()
                && s.voided_at.is_none()
                && !s.locked
                && s.expires_at
                    .is_some_and(|at| at > now + time::Duration::days(1))
        })
        .take(3)
        .collect();
    assert_eq!(fresh.len(), 3, "the seeded campaign has fresh coupons");
    let used = all
        .iter()
        .find(|s| s.validated_at.is_some() && s.voided_at.is_none())
        .expect("a coupon used before");
    let validations_before = lunch_deal(&practice, SessionList::Validations).await.len();

    // The counter's input keeps the focus; the stack has its own field.
    let focused = desk
        .client
        .execute("return document.activeElement.id;", vec![])
        .await
        .unwrap();
    assert_eq!(focused, serde_json::json!("redeem-input"));

    // Pasted: a full code, a short code, a coupon link, one used already; then one scanned (a
    // burst of keys ending in Enter).
    let pasted = format!(
        "{}\n{}\n{}\n{}\n",
        fresh[0].code,
        &fresh[1].code.as_str()[..6],
        fresh[2].url,
        used.code
    );
    desk.paste("#redeem-many-list", &pasted).await;
    desk.find("#redeem-many-list")
        .await
        .send_keys("zzzzzzzzzzzzzzzzzzzz9\u{E007}")
        .await
        .unwrap();
    desk.click("#redeem-many-check").await;
    desk.wait_text("#redeem-many-summary", "3 of 5 can be marked", |t| {
        t.starts_with("3 of 5")
    })
    .await;
    let states = desk
        .client
        .execute(
            "return [...document.querySelectorAll('#redeem-many-items li')].map(li => li.dataset.state);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        states,
        serde_json::json!(["valid", "valid", "valid", "used", "not_found"])
    );
    let lines = texts(&desk, "#redeem-many-items li").await;
    assert!(lines[0].contains("Valid"), "{lines:?}");
    assert!(lines[3].contains("Already used on"), "{lines:?}");
    assert!(lines[4].contains("Not found"), "{lines:?}");
    assert_eq!(
        desk.text("#redeem-many-confirm").await,
        "Mark 3 as used",
        "the confirm says how many"
    );
    desk.screenshot_at("#redeem-many-form", "redeem-many-check")
        .await;

    // Confirmed once, with the keyboard: the confirm button has the focus, Enter presses it.
    desk.client
        .active_element()
        .await
        .unwrap()
        .send_keys("\u{E007}")
        .await
        .unwrap();
    desk.wait_text_for(
        "#redeem-many-job-state",
        "the job finished",
        std::time::Duration::from_secs(60),
        |t| t == "Finished",
    )
    .await;
    desk.wait_text("#redeem-many-job-summary", "the counts", |t| {
        t.starts_with("3 marked as used")
    })
    .await;
    let deadline = std::time::Instant::now() + desk::TIMEOUT;
    let rows = loop {
        let rows = texts(&desk, "#redeem-many-results tbody tr.vrow").await;
        // Placeholders ("Loading…") until the table has fetched the rows.
        if rows.len() == 5
            && rows
                .iter()
                .all(|r| !r.contains("Waiting") && !r.contains("Loading"))
        {
            break rows;
        }
        assert!(std::time::Instant::now() < deadline, "{rows:?}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    for row in &rows[..3] {
        assert!(row.contains("Marked as used"), "{rows:?}");
    }
    assert!(rows[3].contains("Already used on"), "{rows:?}");
    assert!(rows[4].contains("Not found"), "{rows:?}");
    // The shift's list of scans holds the coupons the job marked.
    let codes: Vec<String> = fresh.iter().map(|s| s.code.to_string()).collect();
    desk.wait_text("#redeem-shift", "the marked coupons in the shift", |t| {
        codes.iter().all(|c| t.contains(c.as_str())) && t.matches("Marked as used").count() == 3
    })
    .await;
    // The results in view, the pointer on the heading (a tooltip of a row would cover them).
    desk.client
        .execute(
            "document.querySelector('#redeem-many-job').scrollIntoView({ block: 'start' });",
            vec![],
        )
        .await
        .unwrap();
    desk.click("#redeem-many-job-title").await;
    desk.screenshot("redeem-many").await;

    // The sandbox: each fresh coupon validated, exactly once, and nothing else.
    for session in &fresh {
        let now = practice
            .sessions()
            .get(session.code.as_str())
            .await
            .unwrap();
        assert!(now.validated_at.is_some(), "{} is used", session.code);
        let again = practice
            .sessions()
            .update(&SessionUpdate::validate(session.code.as_str(), None))
            .await;
        assert!(
            matches!(&again, Err(e) if e.code() == Some(306)),
            "a second validation is refused: {again:?}"
        );
    }
    assert_eq!(
        lunch_deal(&practice, SessionList::Validations).await.len(),
        validations_before + 3,
        "three coupons more are used, no other"
    );

    // The results as a file: one line per code.
    desk.click("#redeem-many-export").await;
    let said = desk
        .wait_text(
            "#redeem-many-export-path",
            "where the results were saved",
            |t| t.ends_with(".csv"),
        )
        .await;
    let csv = desk::read(std::path::Path::new(&said[said.find('/').unwrap()..]));
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert!(lines[0].starts_with("row,scanned,code"), "{}", lines[0]);
    assert_eq!(lines.len(), 6, "{csv}");
    assert_eq!(csv.matches(",used,").count(), 3, "{csv}");
    desk.close().await;
}
