//! End-to-end in the real window, practice mode: a directory's members load completely (as many
//! as the sandbox holds), filter by payment status, one member set to paid and re-read; a
//! subaccount created with a bad expiry date (plain message, nothing sent) then a good one, and
//! added as an account of Coupon Desk.

#[path = "support/desk.rs"]
#[allow(dead_code)]
mod desk;
#[path = "support/steps.rs"]
mod steps;

use coupon_desk::api::PaymentStatus;
use desk::Desk;
use steps::{choose, click_when_there, practice_client, practice_on};

/// Saves the screenshot for the README as well as in the test output.
fn keep_for_docs(shot: &std::path::Path, name: &str) {
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    if std::fs::create_dir_all(&docs).is_ok() {
        let _ = std::fs::copy(shot, docs.join(format!("{name}.png")));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "end-to-end: needs tauri-driver and a display; run scripts/test.sh"]
async fn directory_members_load_completely_filter_and_one_is_set_to_paid() {
    let desk = Desk::launch("directories").await;
    practice_on(&desk, "directories").await;
    choose(&desk, "#directories-directory", "dir_7003").await;

    let practice = practice_client(&desk);
    let everyone = practice
        .directories()
        .all_users("dir_7003", 4, |_, _, _| true)
        .await
        .unwrap();
    assert_eq!(everyone.len(), 2500);
    let all = everyone.len().to_string();
    desk.wait_for(&format!("#directories-count[data-total='{all}']"))
        .await;
    assert_eq!(
        desk.text("#directories-count").await,
        "2,500 of 2,500 members shown; 0 ticked."
    );

    // Filter by payment status: exactly the sandbox's paid members, and only they.
    let paid = everyone
        .iter()
        .filter(|u| PaymentStatus::from_api(&u.payment_status) == Some(PaymentStatus::Paid))
        .count();
    assert!(paid > 0);
    choose(&desk, "#directories-filter", "paid").await;
    desk.wait_for(&format!("#directories-count[data-shown='{paid}']"))
        .await;
    let others = desk
        .client
        .execute(
            "return [...document.querySelectorAll('#directories-members tr[data-member]')].filter(r => r.dataset.payment !== 'paid').length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(others, serde_json::json!(0), "only paid members are shown");

    // One unpaid member set to paid, then read back from Coupontools.
    let member = everyone
        .iter()
        .find(|u| u.payment_status == "unpaid")
        .expect("a seeded unpaid member")
        .clone();
    choose(&desk, "#directories-filter", "unpaid").await;
    desk.fill("#directories-search", &member.id).await;
    desk.wait_for("#directories-count[data-shown='1']").await;
    click_when_there(
        &desk,
        &format!("#directories-members tr[data-member='{}']", member.id),
    )
    .await;
    desk.wait_text("#directories-member-state", "the member's status", |t| {
        t.contains("unpaid")
    })
    .await;
    choose(&desk, "#directories-member-status", "paid").await;
    desk.fill("#directories-member-confirmation-id", "pi_e2e_0001")
        .await;
    desk.fill("#directories-member-confirmation-account", "Stripe")
        .await;
    desk.click("#directories-member-save").await;
    desk.wait_text("#directories-member-result", "the re-read status", |t| {
        t == "Saved. Coupontools now shows: paid."
    })
    .await;
    assert_eq!(
        desk.text("#directories-member-state").await,
        "Payment: paid"
    );
    let reread = practice
        .directories()
        .find_user("dir_7003", &member.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            reread.payment_status.as_str(),
            reread.payment_confirmation_id.as_str(),
            reread.payment_confirmation_account.as_str()
        ),
        ("paid", "pi_e2e_0001", "Stripe")
    );
    // The unpaid filter no longer holds them.
    desk.wait_for("#directories-count[data-shown='0']").await;

    // The categories section, and the members table for the README.
    desk.wait_text("#directories-categories", "the categories", |t| {
        t.contains("Coffee & breakfast (cat_31)")
    })
    .await;
    desk.paste("#directories-search", "").await;
    choose(&desk, "#directories-filter", "all").await;
    desk.wait_for(&format!("#directories-count[data-shown='{all}']"))
        .await;
    click_when_there(
        &desk,
        &format!("#directories-members tr[data-member='{}']", member.id),
    )
    .await;
    let shot = desk.screenshot_at("#directories", "directories").await;
    keep_for_docs(&shot, "directories");

    // The categories are the campaign pickers' filter too.
    let celebrations: Vec<String> = practice
        .campaigns()
        .list(&coupon_desk::api::CampaignFilter {
            only_active: true,
            category: Some("cat_33".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert!(!celebrations.is_empty());
    desk.click("a[data-screen='send']").await;
    choose(&desk, "#campaign-category", "cat_33").await;
    let deadline = std::time::Instant::now() + desk::TIMEOUT;
    loop {
        let listed = desk
            .client
            .execute(
                "return [...document.querySelectorAll('#campaign option')].map(o => o.value).filter(v => v.startsWith('cam_'));",
                vec![],
            )
            .await
            .unwrap();
        if listed == serde_json::json!(celebrations) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the picker shows {listed}, not the category's {celebrations:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    desk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "end-to-end: needs tauri-driver and a display; run scripts/test.sh"]
async fn a_subaccount_with_a_bad_expiry_date_is_refused_plainly_then_created_and_added_as_an_account(
) {
    let desk = Desk::launch("subaccounts").await;
    practice_on(&desk, "subaccounts").await;
    desk.wait_for("#subaccounts-count[data-shown='3']").await;
    let practice = practice_client(&desk);
    assert_eq!(practice.subaccounts().list().await.unwrap().len(), 3);

    desk.fill("#subaccounts-search", "brugge").await;
    desk.wait_for("#subaccounts-count[data-shown='1']").await;
    desk.paste("#subaccounts-search", "").await;

    desk.click("#subaccounts-new").await;
    desk.fill("#sub-email", "leuven@cornerbakery.test").await;
    desk.fill("#sub-first-name", "Els").await;
    desk.fill("#sub-last-name", "Maes").await;
    desk.fill("#sub-company", "Corner Bakery Leuven").await;
    desk.fill("#sub-country", "be").await;
    choose(&desk, "#sub-status", "trial").await;
    desk.fill("#sub-expiry", "31/12/2027").await;
    desk.click("#subaccounts-save").await;
    let message = desk
        .wait_text(
            ".field-error[data-for='sub-expiry']",
            "a plain message beside the expiry date",
            |t| !t.is_empty(),
        )
        .await;
    assert!(
        message.starts_with("“31/12/2027” is not a date written year-month-day.")
            && message.ends_with("Type the expiry date as year-month-day, for example 2026-12-31."),
        "{message}"
    );
    assert_eq!(
        practice.subaccounts().list().await.unwrap().len(),
        3,
        "nothing was sent"
    );

    desk.fill("#sub-expiry", "2027-12-31").await;
    desk.click("#subaccounts-save").await;
    desk.wait_text("#subaccounts-form-result", "the new subaccount", |t| {
        t == "Created: Corner Bakery Leuven (sub_1601)."
    })
    .await;
    let made = practice.subaccounts().info("sub_1601").await.unwrap();
    assert_eq!(
        (
            made.email.as_str(),
            made.expiry_date.as_str(),
            made.country.as_str(),
            made.status.as_str()
        ),
        ("leuven@cornerbakery.test", "2027-12-31", "BE", "trial")
    );
    desk.wait_for("#subaccounts-count[data-shown='4']").await;
    desk.wait_text("#subaccounts-keys", "keys kept hidden", |t| {
        t.contains("stay hidden")
    })
    .await;
    let page = desk
        .client
        .execute("return document.body.innerText;", vec![])
        .await
        .unwrap();
    let key = made.api_key.as_ref().unwrap().expose().to_owned();
    let secret = made.api_secret.as_ref().unwrap().expose().to_owned();
    let page = page.as_str().unwrap_or_default();
    assert!(
        !page.contains(&key) && !page.contains(&secret),
        "the API key and secret are never shown"
    );

    desk.click("#subaccounts-add-account").await;
    desk.wait_text("#subaccounts-action-result", "the account added", |t| {
        t == "Added as the account “Corner Bakery Leuven (subaccount)”. Switch to it in Settings."
    })
    .await;
    let shot = desk.screenshot_at("#subaccounts", "subaccounts").await;
    keep_for_docs(&shot, "subaccounts");

    desk.click("a[data-screen='settings']").await;
    desk.wait_text("#account-list", "the subaccount among the accounts", |t| {
        t.contains("Corner Bakery Leuven (subaccount)")
    })
    .await;
    // The practice shop stays the active account.
    assert_eq!(desk.text("#active-account-name").await, "Practice shop");
    desk.close().await;
}
