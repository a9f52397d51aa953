//! Directories, categories and subaccounts: the client against the sandbox over real HTTP.
//! Every operation and its errors, paging a 2 500-member directory several pages at a time,
//! `main_categories` as an object (and `{}`), subaccount create errors 200/303/304/305, and
//! single-use SSO links.

#[path = "support/clients.rs"]
mod clients;
use clients::{client, client_with, sandbox};

use std::time::Duration;

use coupon_desk::api::{ApiError, PaymentStatus, PaymentUpdate, SubaccountFields};
use coupon_desk::sandbox::{Fault, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};
use coupon_desk::words::Worded;

fn code_of<T: std::fmt::Debug>(result: Result<T, ApiError>) -> u32 {
    match result {
        Err(e @ ApiError::Coupontools { .. }) => e.code().unwrap_or(0),
        other => panic!("expected a Coupontools refusal, got {other:?}"),
    }
}

fn field_of<T: std::fmt::Debug>(result: Result<T, ApiError>) -> &'static str {
    match result {
        Err(ApiError::Invalid(problem)) => problem.field,
        other => panic!("expected a refusal before sending, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Directories

#[tokio::test]
async fn directories_list_info_and_campaigns() {
    let sb = sandbox().await;
    let api = client(&sb);
    let dirs = api.directories();
    let all = dirs.list().await.unwrap();
    assert!(all.len() >= 3, "{all:?}");
    let club = all.iter().find(|d| d.id == "dir_7003").expect("the club");
    assert_eq!(club.amount_of_users, Some(2500));
    assert!(club.url.starts_with("https://"), "{club:?}");

    let info = dirs.info("DIR_7002").await.unwrap();
    assert_eq!(info.name, "Staff & friends");
    assert_eq!(code_of(dirs.info("dir_424242").await), 507);
    assert_eq!(field_of(dirs.info("7002").await), "directory");

    let campaigns = dirs.campaigns("dir_7001").await.unwrap();
    assert_eq!(
        campaigns.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        ["cam_104211", "cam_104212", "cam_104214"]
    );
    assert!(campaigns.iter().all(|c| !c.name.is_empty()));
    assert_eq!(code_of(dirs.campaigns("dir_1").await), 507);
    sb.stop().await;
}

#[tokio::test]
async fn all_2500_members_arrive_several_pages_at_a_time() {
    let sb = sandbox().await;
    // With latency, pages asked for together overlap: the run takes far less than 25 × 80 ms.
    sb.control().set_latency(Duration::from_millis(80));
    let api = client(&sb);
    let mut calls = 0;
    let mut last_seen_count = 0;
    let started = std::time::Instant::now();
    let users = api
        .directories()
        .all_users("dir_7003", 4, |page, so_far, total| {
            calls += 1;
            assert_eq!(total, Some(2500));
            assert!(so_far >= last_seen_count + page.len().min(1));
            last_seen_count = so_far;
            true
        })
        .await
        .unwrap();
    let took = started.elapsed();
    assert_eq!(users.len(), 2500);
    assert_eq!(
        Some(users.len()),
        sb.control().directory_member_count("dir_7003")
    );
    assert_eq!(calls, 25);
    assert_eq!(sb.control().request_count("directoryusers/list"), 25);
    let ids: std::collections::HashSet<_> = users.iter().map(|u| u.id.clone()).collect();
    assert_eq!(ids.len(), 2500, "no member twice");
    assert_eq!(users[0].id, "reg_592500", "newest first");
    assert_eq!(users[2499].id, "reg_590001");
    // One page, then 24 four at a time: about 7 latencies; one at a time would take 25. The
    // bound leaves room for a busy machine (the benchmark measures it closely).
    assert!(took < Duration::from_millis(80 * 19), "{took:?}");

    // Stopping between pages keeps what has arrived.
    let partial = api
        .directories()
        .all_users("dir_7003", 2, |_, so_far, _| so_far < 300)
        .await
        .unwrap();
    assert_eq!(partial.len(), 300);
    sb.stop().await;
}

#[tokio::test]
async fn paging_goes_on_when_the_count_only_covers_one_page() {
    let sb = sandbox().await;
    let id = sb.control().add_directory("Probe", 730).unwrap();
    let api = client(&sb);
    // The count is page-sized: the client must find the end by a short page, not by the count.
    sb.control().set_directory_count_per_page(true);
    let users = api
        .directories()
        .all_users(&id, 3, |_, _, total| {
            assert!(total.is_some_and(|t| t <= 100));
            true
        })
        .await
        .unwrap();
    assert_eq!(users.len(), 730);
    sb.control().set_directory_count_per_page(false);
    let exact = sb.control().add_directory("Exact", 300).unwrap();
    let before = sb.control().request_count("directoryusers/list");
    let users = api
        .directories()
        .all_users(&exact, 4, |_, _, _| true)
        .await
        .unwrap();
    assert_eq!(users.len(), 300);
    // Three full pages and no probing past them: the count said 300.
    assert_eq!(
        sb.control().request_count("directoryusers/list") - before,
        3
    );
    let empty = sb.control().add_directory("Empty", 0).unwrap();
    assert!(api
        .directories()
        .all_users(&empty, 4, |_, _, _| true)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        code_of(
            api.directories()
                .all_users("dir_1", 4, |_, _, _| true)
                .await
        ),
        507
    );
    sb.stop().await;
}

#[tokio::test]
async fn payment_status_is_set_and_read_back() {
    let sb = sandbox().await;
    let api = client(&sb);
    let dirs = api.directories();
    let paid = PaymentUpdate {
        status: PaymentStatus::Paid,
        confirmation_id: "pi_777".into(),
        confirmation_account: "Stripe".into(),
    };
    let shown = dirs
        .update_payment("dir_7003", "reg_590010", &paid)
        .await
        .unwrap()
        .expect("the reply shows the member");
    assert_eq!(shown.payment_status, "paid");
    let snapshot = sb
        .control()
        .directory_member_payment("dir_7003", "reg_590010")
        .unwrap();
    assert_eq!(
        (snapshot.status.as_str(), snapshot.confirmation_id.as_str()),
        ("paid", "pi_777")
    );
    let reread = dirs
        .find_user("dir_7003", "reg_590010")
        .await
        .unwrap()
        .expect("found on its page");
    assert!(paid.is_shown_by(&reread), "{reread:?}");
    assert_eq!(dirs.find_user("dir_7003", "reg_1").await.unwrap(), None);

    let none = PaymentUpdate {
        status: PaymentStatus::None,
        confirmation_id: String::new(),
        confirmation_account: String::new(),
    };
    dirs.update_payment("dir_7003", "reg_590010", &none)
        .await
        .unwrap();
    assert_eq!(
        sb.control()
            .directory_member_payment("dir_7003", "reg_590010")
            .unwrap()
            .status,
        ""
    );
    assert_eq!(
        code_of(dirs.update_payment("dir_7003", "reg_123", &paid).await),
        508
    );
    assert_eq!(
        code_of(dirs.update_payment("dir_9", "reg_590010", &paid).await),
        507
    );
    assert_eq!(
        field_of(dirs.update_payment("dir_7003", "590010", &paid).await),
        "user"
    );
    let too_long = PaymentUpdate {
        confirmation_id: "x".repeat(101),
        ..paid.clone()
    };
    assert_eq!(
        field_of(
            dirs.update_payment("dir_7003", "reg_590010", &too_long)
                .await
        ),
        "confirmationId"
    );
    let before = sb.control().request_count("directoryusers/update");
    assert_eq!(before, 4, "refusals before sending never reach the server");
    sb.stop().await;
}

#[tokio::test]
async fn a_lost_payment_reply_is_unknown_not_resent() {
    let sb = sandbox().await;
    let api = client(&sb);
    sb.control()
        .inject_on("directoryusers/update", Fault::DropAfterHandling, 1);
    let paid = PaymentUpdate {
        status: PaymentStatus::Paid,
        confirmation_id: String::new(),
        confirmation_account: String::new(),
    };
    let result = api
        .directories()
        .update_payment("dir_7001", "reg_560003", &paid)
        .await;
    assert!(
        matches!(result, Err(ApiError::OutcomeUnknown { .. })),
        "{result:?}"
    );
    assert_eq!(sb.control().request_count("directoryusers/update"), 1);
    // It did take effect: the re-read says so.
    let member = api
        .directories()
        .find_user("dir_7001", "reg_560003")
        .await
        .unwrap()
        .unwrap();
    assert!(paid.is_shown_by(&member));
    sb.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Categories

#[tokio::test]
async fn categories_and_third_level_categories() {
    let sb = sandbox().await;
    let api = client(&sb);
    let all = api.categories().list().await.unwrap();
    assert!(all
        .iter()
        .any(|c| c.id == "cat_31" && c.name == "Coffee & breakfast"));
    let main = api.categories().main().await.unwrap();
    assert_eq!(
        main.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        ["31", "32", "33"],
        "an object id → name, in the server's order"
    );
    sb.control().set_third_level_categories(false);
    assert!(api.categories().main().await.unwrap().is_empty());
    // The raw reply really is an object, not an array.
    let raw: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/category/main/list", sb.v3_url()))
        .header("X-Client-Id", DEMO_CLIENT_ID)
        .header("X-Client-Secret", DEMO_CLIENT_SECRET)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(raw["main_categories"], serde_json::json!({}));
    // The same switch for a sandbox run as its own process.
    let settings: serde_json::Value = reqwest::Client::new()
        .post(format!("http://{}/_sandbox/settings", sb.addr()))
        .json(&serde_json::json!({"third_level_categories": true}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(settings["third_level_categories"], true);
    assert_eq!(api.categories().main().await.unwrap().len(), 3);
    sb.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Subaccounts

fn new_sub(email: &str) -> SubaccountFields {
    SubaccountFields {
        email: Some(email.into()),
        first_name: Some("Els".into()),
        last_name: Some("Maes".into()),
        company_name: Some("Corner Bakery Leuven".into()),
        country: Some("be".into()),
        status: Some("trial".into()),
        expiry_date: Some("2027-03-31".into()),
        ..SubaccountFields::default()
    }
}

#[tokio::test]
async fn subaccounts_list_info_create_update() {
    let sb = sandbox().await;
    let api = client(&sb);
    let subs = api.subaccounts();
    let all = subs.list().await.unwrap();
    assert_eq!(all.len(), 3);
    assert!(all
        .iter()
        .all(|s| s.id.starts_with("sub_") && s.has_api_keys()));

    let info = subs.info("sub_1536").await.unwrap();
    assert_eq!(info.company_name, "Corner Bakery Gent");
    assert_eq!(info.expiry_date, "2027-12-31");
    assert_eq!(info.campaigns.len(), 2);
    assert_eq!(info.has_campaigns, Some(2));
    assert_eq!(info.access.get("dashboard"), Some(&true));
    assert_eq!(subs.info("1536").await.unwrap().id, "sub_1536");
    assert_eq!(code_of(subs.info("sub_999").await), 510);

    let made = subs
        .create(&new_sub("leuven@cornerbakery.test"))
        .await
        .unwrap();
    assert_eq!(made.id, "sub_1601");
    assert_eq!(made.country, "BE");
    assert_eq!(sb.control().subaccount_count(), 4);

    let changed = subs
        .update(
            &made.id,
            &SubaccountFields {
                status: Some("customer".into()),
                expiry_date: Some("2028-01-31".into()),
                ..SubaccountFields::default()
            },
        )
        .await
        .unwrap()
        .expect("the reply shows it");
    assert_eq!(
        (changed.status.as_str(), changed.expiry_date.as_str()),
        ("customer", "2028-01-31")
    );
    assert_eq!(changed.email, "leuven@cornerbakery.test", "unchanged");
    assert_eq!(
        code_of(
            subs.update(
                &made.id,
                &SubaccountFields {
                    email: Some("GENT@cornerbakery.test".into()),
                    ..SubaccountFields::default()
                }
            )
            .await
        ),
        304
    );
    assert_eq!(
        code_of(subs.update("sub_4242", &SubaccountFields::default()).await),
        510
    );
    sb.stop().await;
}

#[tokio::test]
async fn subaccount_create_errors_200_303_304_305() {
    let sb = sandbox().await;
    let api = client(&sb);
    let subs = api.subaccounts();
    // The client's own checks catch them before sending…
    assert_eq!(
        field_of(subs.create(&SubaccountFields::default()).await),
        "email"
    );
    let bad_date = SubaccountFields {
        expiry_date: Some("31/03/2027".into()),
        ..new_sub("a@b.test")
    };
    assert_eq!(field_of(subs.create(&bad_date).await), "expiryDate");
    assert_eq!(
        field_of(subs.create(&new_sub("not an address")).await),
        "email"
    );
    let bad_country = SubaccountFields {
        country: Some("BEL".into()),
        ..new_sub("a@b.test")
    };
    assert_eq!(field_of(subs.create(&bad_country).await), "country");
    let bad_status = SubaccountFields {
        status: Some("gold".into()),
        ..new_sub("a@b.test")
    };
    assert_eq!(field_of(subs.create(&bad_status).await), "status");
    assert_eq!(sb.control().request_count("subaccount/create"), 0);

    // …and the server's codes, sent raw, come back in plain words.
    let raw = |body: serde_json::Value| {
        let url = format!("{}/subaccount/create", sb.v4_url());
        async move {
            reqwest::Client::new()
                .post(url)
                .header("X-Client-Id", DEMO_CLIENT_ID)
                .header("X-Client-Secret", DEMO_CLIENT_SECRET)
                .json(&body)
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    for (body, code) in [
        (serde_json::json!({"first_name": "X"}), 200),
        (
            serde_json::json!({"email": "x@y.test", "expiry_date": "31-12-2027"}),
            303,
        ),
        (serde_json::json!({"email": "gent@cornerbakery.test"}), 304),
        (serde_json::json!({"email": "nobody"}), 305),
    ] {
        let reply = raw(body.clone()).await;
        assert_eq!(
            reply["status"]["errors"]["error_code"][0], code,
            "{body} → {reply}"
        );
    }
    assert_eq!(
        code_of(subs.create(&new_sub("GENT@cornerbakery.test")).await),
        304
    );
    let err = subs
        .create(&new_sub("gent@cornerbakery.test"))
        .await
        .unwrap_err();
    assert!(
        err.user_message().contains("already exists"),
        "{}",
        err.user_message()
    );
    sb.stop().await;
}

#[tokio::test]
async fn reset_link_and_single_use_sso() {
    let sb = sandbox().await;
    let api = client(&sb);
    let subs = api.subaccounts();
    let reset = subs.reset_url("sub_1537").await.unwrap();
    assert!(reset.starts_with("https://"), "{reset}");
    assert_eq!(code_of(subs.reset_url("sub_1").await), 510);

    let login = subs.sso("sub_1537").await.unwrap();
    assert_eq!(login.id, "sub_1537");
    let http = reqwest::Client::new();
    let first = http.get(&login.url).send().await.unwrap();
    assert_eq!(first.status(), 200);
    assert!(first.text().await.unwrap().contains("sub_1537"));
    let again = http.get(&login.url).send().await.unwrap();
    assert_eq!(again.status(), 403, "a token works once");
    // A new login is a new token.
    let second = subs.sso("sub_1537").await.unwrap();
    assert_ne!(second.url, login.url);
    assert_eq!(http.get(&second.url).send().await.unwrap().status(), 200);
    assert_eq!(code_of(subs.sso("sub_77").await), 510);
    assert_eq!(field_of(subs.sso("dir_1").await), "subaccount");

    // A lost SSO reply is not asked again: the token may have been made.
    sb.control()
        .inject_on("subaccount/sso", Fault::DropAfterHandling, 1);
    let lost = subs.sso("sub_1537").await;
    assert!(
        matches!(lost, Err(ApiError::OutcomeUnknown { .. })),
        "{lost:?}"
    );
    assert_eq!(sb.control().request_count("subaccount/sso"), 4);
    sb.stop().await;
}

#[tokio::test]
async fn a_subaccounts_own_keys_work_but_cannot_manage_subaccounts() {
    let sb = sandbox().await;
    let api = client(&sb);
    let sub = api.subaccounts().info("sub_1538").await.unwrap();
    let key = sb.control().subaccount_api_key("sub_1538").unwrap();
    // The keys only come out through the control API here; the app never shows them.
    let secret = format!("sbxSub{:06}Kq2Lm9Pz4Rt6Vw8Y", 1538);
    assert!(sub.has_api_keys());
    let as_sub = client_with(&sb, &key, &secret);
    assert!(!as_sub.directories().list().await.unwrap().is_empty());
    assert_eq!(code_of(as_sub.subaccounts().list().await), 102);
    let stranger = client_with(&sb, "123456789012", "not-the-secret-at-all");
    assert_eq!(code_of(stranger.directories().list().await), 1000);
    sb.stop().await;
}
