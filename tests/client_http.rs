//! The API client against the sandbox over real HTTP: credentials, Coupontools error codes in
//! both failure-status modes, every injected fault, check_unique and the v4 transport.
//!
//! Each test starts its own sandbox, so injected faults and counters never leak between tests.

#[path = "support/clients.rs"]
mod clients;
use clients::{client, client_with, sandbox, FAST};

use std::time::{Duration, Instant};

use coupon_desk::api::{
    ApiError, AutomatedCodes, CampaignFilter, CampaignSessionsQuery, Client, ClientConfig,
    CodeType, Credentials, EmailAction, EmailCouponRequest, Endpoint, ManySingleUseRequest,
    RetryPolicy, SessionSearch, SingleUseCode, SingleUseRequest,
};
use coupon_desk::sandbox::{
    FailureStatus, Fault, Sandbox, SandboxConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET,
};
use coupon_desk::words::Worded;

async fn active_campaign(client: &Client) -> String {
    let filter = CampaignFilter {
        only_active: true,
        ..CampaignFilter::default()
    };
    let campaigns = client.campaigns().list(&filter).await.expect("campaigns");
    campaigns
        .into_iter()
        .next()
        .expect("a seeded active campaign")
        .id
}

fn email(campaign: &str, to: &str) -> EmailCouponRequest {
    EmailCouponRequest {
        campaign: campaign.into(),
        email: to.into(),
        ..EmailCouponRequest::default()
    }
}

/// The code of a refusal. A value the client refused before sending reads as 300 (the docs'
/// "incorrect value" class) here; the tests check with the request counts that it was not sent.
fn coupontools_code(result: Result<impl std::fmt::Debug, ApiError>) -> (u32, ApiError) {
    match result {
        Err(e @ ApiError::Coupontools { .. }) => (e.code().unwrap_or(0), e),
        Err(e @ ApiError::Invalid(_)) => (300, e),
        other => panic!("expected a Coupontools refusal, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Credentials and reading

#[tokio::test]
async fn good_credentials_list_and_read_campaigns() {
    let sb = sandbox().await;
    let client = client(&sb);
    let all = client
        .campaigns()
        .list(&CampaignFilter::default())
        .await
        .unwrap();
    assert!(all.len() >= 2, "seeded campaigns: {all:?}");
    for c in &all {
        assert!(
            c.id.starts_with("cam_") && c.id[4..].bytes().all(|b| b.is_ascii_digit()),
            "{c:?}"
        );
        assert!(!c.name.is_empty() && c.code.len() == 6, "{c:?}");
    }
    let active = client
        .campaigns()
        .list(&CampaignFilter {
            only_active: true,
            ..CampaignFilter::default()
        })
        .await
        .unwrap();
    assert!(
        !active.is_empty() && active.len() < all.len(),
        "the seed has an inactive campaign"
    );
    assert!(active.iter().all(|c| c.status == "active"), "{active:?}");

    let one = client.campaigns().info(&all[0].id).await.unwrap();
    assert_eq!(one, all[0]);
    sb.stop().await;
}

#[tokio::test]
async fn the_campaign_list_filters_by_tags_category_and_folder_and_says_what_each_carries() {
    let sb = sandbox().await;
    let client = client(&sb);
    let all = client
        .campaigns()
        .list(&CampaignFilter::default())
        .await
        .unwrap();
    // Every campaign says what the filters take, so the screen offers them from the list.
    assert!(
        all.iter().all(|c| c.category.starts_with("cat_")
            && !c.coupon_category_name.is_empty()
            && !c.folder.is_empty()
            && !c.folder_name.is_empty()
            && !c.tags.is_empty()),
        "{all:?}"
    );
    let lunch = all
        .iter()
        .find(|c| c.id == "cam_104250")
        .expect("Lunch deal");
    let filtered = |filter: CampaignFilter| {
        let client = client.clone();
        async move { client.campaigns().list(&filter).await.unwrap() }
    };
    let by_category = filtered(CampaignFilter {
        category: Some(lunch.category.clone()),
        ..CampaignFilter::default()
    })
    .await;
    assert!(!by_category.is_empty() && by_category.len() < all.len());
    assert!(by_category.iter().all(|c| c.category == lunch.category));
    assert!(by_category.iter().any(|c| c.id == lunch.id));
    let by_folder = filtered(CampaignFilter {
        folder: Some(lunch.folder.clone()),
        ..CampaignFilter::default()
    })
    .await;
    assert!(by_folder.len() < all.len());
    assert!(by_folder.iter().all(|c| c.folder == lunch.folder));
    // Tags: any of them matches, whatever the case.
    let by_tags = filtered(CampaignFilter {
        tags: Some("LUNCH, birthday".into()),
        ..CampaignFilter::default()
    })
    .await;
    assert!(by_tags.len() >= 2, "{by_tags:?}");
    assert!(by_tags
        .iter()
        .all(|c| c.tags.iter().any(|t| t == "lunch" || t == "birthday")));
    let all_three = filtered(CampaignFilter {
        only_active: true,
        tags: Some("lunch".into()),
        category: Some(lunch.category.clone()),
        folder: Some(lunch.folder.clone()),
    })
    .await;
    assert_eq!(
        all_three.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        ["cam_104250"]
    );
    let (code, _) = coupontools_code(
        client
            .campaigns()
            .list(&CampaignFilter {
                folder: Some("999".into()),
                ..CampaignFilter::default()
            })
            .await,
    );
    assert_eq!(code, 515, "an unknown folder");
    sb.stop().await;
}

#[tokio::test]
async fn bad_credentials_are_1000_in_both_failure_modes_and_not_retried() {
    let sb = sandbox().await;
    let wrong = client_with(&sb, DEMO_CLIENT_ID, "definitelyNotTheSecret000000000");
    for mode in [FailureStatus::Http200, FailureStatus::Semantic] {
        sb.control().set_failure_status(mode);
        let before = sb.control().request_count("coupon/list");
        let (code, e) = coupontools_code(wrong.campaigns().list(&CampaignFilter::default()).await);
        assert_eq!(code, 1000, "{mode:?}");
        assert_eq!(e.kind(), "auth");
        assert!(e.is_account_failure());
        assert_eq!(
            e.user_message(),
            "Coupontools did not accept the API client ID or secret."
        );
        assert!(
            !format!("{e} {e:?}").contains("definitelyNotTheSecret"),
            "secret in the error: {e:?}"
        );
        assert_eq!(
            sb.control().request_count("coupon/list") - before,
            1,
            "a refusal is not retried ({mode:?})"
        );
    }
    sb.stop().await;
}

// ---------------------------------------------------------------------------------------------
// send/email errors (seed 004)

#[tokio::test]
async fn send_email_error_codes_in_both_failure_modes() {
    let sb = sandbox().await;
    let client = client(&sb);
    let campaign = active_campaign(&client).await;
    for mode in [FailureStatus::Http200, FailureStatus::Semantic] {
        sb.control().set_failure_status(mode);

        let (code, e) = coupontools_code(client.email().send(&email("", "ann@example.com")).await);
        assert_eq!(code, 200, "{mode:?}");
        assert!(
            e.user_message().contains("campaign"),
            "{}",
            e.user_message()
        );

        let (code, e) = coupontools_code(
            client
                .email()
                .send(&email("cam_12a", "ann@example.com"))
                .await,
        );
        assert_eq!(code, 301, "{mode:?}");
        assert!(e.hint().contains("cam_12345"));

        let (code, _) = coupontools_code(
            client
                .email()
                .send(&email(&campaign, "not-an-address"))
                .await,
        );
        assert_eq!(code, 305, "{mode:?}");

        let (code, e) = coupontools_code(
            client
                .email()
                .send(&email("cam_999999999", "ann@example.com"))
                .await,
        );
        assert_eq!(code, 502, "{mode:?}");
        assert_eq!(
            e.user_message(),
            "Coupontools could not find that campaign."
        );

        let (code, e) = coupontools_code(
            client
                .email()
                .send(&email(&campaign, "gone@bounce.test"))
                .await,
        );
        assert_eq!(code, 604, "{mode:?}");
        assert!(
            e.user_message().contains("gone@bounce.test"),
            "604 keeps the server's reason: {}",
            e.user_message()
        );
        assert!(e.user_message().contains("Reason:"), "{}", e.user_message());
        assert!(!e.is_account_failure());
    }
    assert_eq!(
        sb.control().emails_sent().len(),
        0,
        "no failed request sent anything"
    );
    sb.stop().await;
}

#[tokio::test]
async fn no_email_integration_is_104_and_pauses_bulk_work() {
    let sb = sandbox().await;
    let client = client(&sb);
    let campaign = active_campaign(&client).await;
    sb.control().set_email_integration(false);
    let (code, e) = coupontools_code(
        client
            .email()
            .send(&email(&campaign, "ann@example.com"))
            .await,
    );
    assert_eq!(code, 104);
    assert!(e.is_account_failure());
    assert!(
        e.hint().contains("Integrations → Email marketing"),
        "{}",
        e.hint()
    );
    sb.control().set_email_integration(true);
    let sent = client
        .email()
        .send(&email(&campaign, "ann@example.com"))
        .await
        .unwrap();
    assert_eq!(sent.outcome, EmailAction::Sent);
    sb.stop().await;
}

#[tokio::test]
async fn send_then_check_unique_repeat_is_already_sent_and_sends_once() {
    let sb = sandbox().await;
    let client = client(&sb);
    let campaign = active_campaign(&client).await;
    let request = EmailCouponRequest {
        campaign: campaign.clone(),
        email: "Repeat@Example.com".into(),
        subject: Some("Your coupon".into()),
        first_name: Some("Ann".into()),
        last_name: None,
        check_unique: true,
    };
    let first = client.email().send(&request).await.unwrap();
    assert_eq!(first.outcome, EmailAction::Sent);
    assert_eq!(first.action, "email_sent");
    assert_eq!(first.campaign, campaign);
    assert_eq!(first.single_use_code.as_str().len(), 21, "{first:?}");
    assert!(
        first
            .single_use_url
            .ends_with(first.single_use_code.as_str()),
        "{first:?}"
    );

    let again = client.email().send(&request).await.unwrap();
    assert_eq!(again.outcome, EmailAction::NotSentNow, "{again:?}");
    assert_eq!(
        again.single_use_code, first.single_use_code,
        "the earlier code comes back"
    );
    assert_eq!(again.single_use_url, first.single_use_url);
    assert_eq!(sb.control().emails_sent_to("repeat@example.com"), 1);
    sb.stop().await;
}

#[tokio::test]
async fn search_sessions_finds_what_send_coupon_email_created() {
    let sb = sandbox().await;
    let client = client(&sb);
    let campaign = active_campaign(&client).await;
    let nothing = client
        .sessions()
        .search(&SessionSearch {
            search: "Found@Example.com".into(),
            campaign: Some(campaign.clone()),
        })
        .await
        .unwrap();
    assert!(nothing.is_empty(), "{nothing:?}");

    let sent = client
        .email()
        .send(&email(&campaign, "Found@Example.com"))
        .await
        .unwrap();
    let now = time::OffsetDateTime::now_utc();
    assert_eq!(sent.outcome, EmailAction::Sent);
    for campaign_filter in [Some(campaign.clone()), None] {
        let found = client
            .sessions()
            .search(&SessionSearch {
                search: "found@example.COM".into(),
                campaign: campaign_filter.clone(),
            })
            .await
            .unwrap();
        assert_eq!(found.len(), 1, "{campaign_filter:?}: {found:?}");
        let session = &found[0];
        assert_eq!(session.code, sent.single_use_code);
        assert_eq!(session.url, sent.single_use_url);
        assert_eq!(session.campaign, campaign);
        assert_eq!(session.email.as_deref(), Some("Found@Example.com"));
        let created = session.created_at.expect("created_date_utc");
        let off = (now - created).abs();
        assert!(
            off < time::Duration::seconds(5),
            "created {created}, now {now}"
        );
    }

    // A second send: the newest comes first.
    let second = client
        .email()
        .send(&email(&campaign, "found@example.com"))
        .await
        .unwrap();
    let found = client
        .sessions()
        .search(&SessionSearch {
            search: "found@example.com".into(),
            campaign: Some(campaign.clone()),
        })
        .await
        .unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].code, second.single_use_code);
    assert_eq!(found[1].code, sent.single_use_code);

    let (code, _) = coupontools_code(
        client
            .sessions()
            .search(&SessionSearch {
                search: "found@example.com".into(),
                campaign: Some("cam_999999999".into()),
            })
            .await,
    );
    assert_eq!(code, 502);
    sb.stop().await;
}

#[tokio::test]
async fn a_sent_reply_without_action_is_outcome_unknown_and_sent_once() {
    let sb = sandbox().await;
    let client = client(&sb);
    let campaign = active_campaign(&client).await;
    sb.control()
        .inject_on("send/email", Fault::OkWithoutAction, 1);
    match client
        .email()
        .send(&email(&campaign, "noaction@example.com"))
        .await
    {
        Err(e @ ApiError::OutcomeUnknown { .. }) => {
            let ApiError::OutcomeUnknown { endpoint, .. } = &e else {
                unreachable!()
            };
            assert_eq!(*endpoint, Endpoint::SendEmail);
            assert!(e.hint().contains("before sending it again"), "{}", e.hint());
        }
        other => panic!("never read as sent or already sent: {other:?}"),
    }
    assert_eq!(sb.control().request_count("send/email"), 1, "not repeated");
    assert_eq!(sb.control().emails_sent_to("noaction@example.com"), 1);
    assert_eq!(sb.control().send_requests_for("noaction@example.com"), 1);
    sb.stop().await;
}

#[tokio::test]
async fn a_status_given_as_a_string_is_outcome_unknown_not_a_success_or_refusal() {
    let sb = sandbox().await;
    let client = client(&sb);
    let campaign = active_campaign(&client).await;
    // An OK in the wrong shape, and a refusal in the wrong shape (the address bounces).
    for (to, sent) in [("shape@example.com", 1), ("shape@bounce.test", 0)] {
        let before = sb.control().request_count("send/email");
        sb.control()
            .inject_on("send/email", Fault::StatusAsString, 1);
        match client.email().send(&email(&campaign, to)).await {
            Err(ApiError::OutcomeUnknown {
                endpoint: Endpoint::SendEmail,
                detail,
            }) => assert!(detail.contains("`status`"), "{detail}"),
            other => panic!("{to}: {other:?}"),
        }
        assert_eq!(sb.control().request_count("send/email") - before, 1);
        assert_eq!(sb.control().emails_sent_to(to), sent, "{to}");
    }
    // A read takes the same shape at its word.
    sb.control()
        .inject_on("coupon/list", Fault::StatusAsString, 1);
    assert!(client
        .campaigns()
        .list(&CampaignFilter::default())
        .await
        .is_ok_and(|c| !c.is_empty()));
    sb.stop().await;
}

#[tokio::test]
async fn a_write_outlived_by_the_server_may_have_sent_and_did() {
    let sb = sandbox().await;
    let mut config = ClientConfig::new(
        Credentials::new(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
        sb.v3_url(),
        sb.v4_url(),
    );
    config.retry = FAST;
    config.timeout = Duration::from_millis(300);
    let client = Client::new(config).unwrap();
    let campaign = active_campaign(&client).await;
    sb.control().set_slow_handling(Duration::from_millis(800));
    let started = Instant::now();
    let result = client
        .email()
        .send(&email(&campaign, "outlived@example.com"))
        .await;
    assert!(
        started.elapsed() < Duration::from_millis(800),
        "gave up first"
    );
    match &result {
        Err(ApiError::Timeout { sent: true }) | Err(ApiError::OutcomeUnknown { .. }) => {}
        other => panic!("the outcome must stay open: {other:?}"),
    }
    assert_eq!(sb.control().request_count("send/email"), 1, "not repeated");
    assert_eq!(sb.control().emails_sent_to("outlived@example.com"), 0);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(
        sb.control().emails_sent_to("outlived@example.com"),
        1,
        "the server finished the send after the client gave up"
    );
    sb.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Faults: reads retry, writes only when nothing can have happened

#[tokio::test]
async fn read_retries_after_503_then_succeeds() {
    let sb = sandbox().await;
    let client = client(&sb);
    sb.control().inject(Fault::ServerError(503), 1);
    let campaigns = client
        .campaigns()
        .list(&CampaignFilter::default())
        .await
        .unwrap();
    assert!(!campaigns.is_empty());
    assert_eq!(sb.control().request_count("coupon/list"), 2);
    sb.stop().await;
}

#[tokio::test]
async fn read_honours_retry_after_on_429() {
    let sb = sandbox().await;
    let client = client(&sb);
    sb.control().inject(
        Fault::TooManyRequests {
            retry_after_secs: 1,
        },
        1,
    );
    let started = Instant::now();
    let campaigns = client
        .campaigns()
        .list(&CampaignFilter::default())
        .await
        .unwrap();
    let waited = started.elapsed();
    assert!(!campaigns.is_empty());
    assert!(waited >= Duration::from_secs(1), "waited only {waited:?}");
    assert!(waited < Duration::from_secs(4), "waited {waited:?}");
    assert_eq!(sb.control().request_count("coupon/list"), 2);
    sb.stop().await;
}

#[tokio::test]
async fn write_retries_after_429_because_nothing_was_done() {
    let sb = sandbox().await;
    let client = client(&sb);
    let campaign = active_campaign(&client).await;
    sb.control().inject_on(
        "send/email",
        Fault::TooManyRequests {
            retry_after_secs: 1,
        },
        1,
    );
    let started = Instant::now();
    let sent = client
        .email()
        .send(&email(&campaign, "slow@example.com"))
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(sent.outcome, EmailAction::Sent);
    assert_eq!(sb.control().request_count("send/email"), 2);
    assert_eq!(sb.control().emails_sent_to("slow@example.com"), 1);
    sb.stop().await;
}

/// A refusal is not an attempt (nothing was done, and the account's limiter waited out the
/// pause): a call goes again after each, up to `MAX_REFUSALS`, whatever `max_attempts` says.
#[tokio::test]
async fn refused_beyond_max_refusals_is_rate_limited() {
    let sb = sandbox().await;
    let mut config = ClientConfig::new(
        Credentials::new(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
        sb.v3_url(),
        sb.v4_url(),
    );
    config.retry = RetryPolicy {
        max_attempts: 2,
        ..FAST
    };
    let client = Client::new(config).unwrap();
    sb.control().inject(
        Fault::TooManyRequests {
            retry_after_secs: 0,
        },
        coupon_desk::api::MAX_REFUSALS + 2,
    );
    match client.campaigns().list(&CampaignFilter::default()).await {
        Err(e @ ApiError::RateLimited { .. }) => assert_eq!(e.kind(), "rate_limited"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        sb.control().request_count("coupon/list"),
        coupon_desk::api::MAX_REFUSALS
    );
    assert_eq!(
        client.speed_now().refused,
        u64::from(coupon_desk::api::MAX_REFUSALS)
    );
    sb.stop().await;
}

#[tokio::test]
async fn read_retries_a_dropped_connection() {
    let sb = sandbox().await;
    let client = client(&sb);
    sb.control().inject(Fault::DropConnection, 1);
    let campaigns = client
        .campaigns()
        .list(&CampaignFilter::default())
        .await
        .unwrap();
    assert!(!campaigns.is_empty());
    assert_eq!(sb.control().request_count("coupon/list"), 2);
    sb.stop().await;
}

#[tokio::test]
async fn write_with_lost_reply_is_outcome_unknown_and_sent_exactly_once() {
    let sb = sandbox().await;
    let client = client(&sb);
    let campaign = active_campaign(&client).await;
    sb.control()
        .inject_on("send/email", Fault::DropAfterHandling, 1);
    let result = client
        .email()
        .send(&email(&campaign, "lost@example.com"))
        .await;
    match &result {
        Err(e @ ApiError::OutcomeUnknown { .. }) => {
            assert!(e.outcome_unknown());
            assert_eq!(e.kind(), "outcome_unknown");
            assert!(e.hint().contains("before sending it again"), "{}", e.hint());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        sb.control().request_count("send/email"),
        1,
        "a write is never repeated blindly"
    );
    assert_eq!(
        sb.control().emails_sent_to("lost@example.com"),
        1,
        "the sandbox did send it"
    );
    sb.stop().await;
}

#[tokio::test]
async fn write_is_not_retried_after_5xx_dropped_connection_or_truncated_reply() {
    let sb = sandbox().await;
    let client = client(&sb);
    let campaign = active_campaign(&client).await;
    for (i, fault) in [
        Fault::ServerError(503),
        Fault::DropConnection,
        Fault::Truncated,
    ]
    .into_iter()
    .enumerate()
    {
        let before = sb.control().request_count("send/email");
        sb.control().inject_on("send/email", fault.clone(), 1);
        let to = format!("w{i}@example.com");
        let result = client.email().send(&email(&campaign, &to)).await;
        assert!(
            matches!(result, Err(ApiError::OutcomeUnknown { .. })),
            "{fault:?}: {result:?}"
        );
        assert_eq!(
            sb.control().request_count("send/email") - before,
            1,
            "{fault:?} must not be retried"
        );
    }
    // Truncated lets the request take effect: exactly that one went out.
    assert_eq!(sb.control().emails_sent_to("w2@example.com"), 1);
    assert_eq!(sb.control().emails_sent_to("w0@example.com"), 0);
    sb.stop().await;
}

#[tokio::test]
async fn unreadable_replies_beyond_max_attempts_are_not_the_api() {
    let sb = sandbox().await;
    let client = client(&sb);
    let cases = [
        (
            Fault::NonJson {
                status: 502,
                body: "<html>Bad gateway</html>".into(),
            },
            502,
            "<html>Bad gateway</html>",
        ),
        (Fault::Truncated, 200, "{"),
        (Fault::Empty, 200, ""),
    ];
    for (fault, status, excerpt_start) in cases {
        let before = sb.control().request_count("coupon/list");
        sb.control().inject(fault.clone(), FAST.max_attempts);
        match client.campaigns().list(&CampaignFilter::default()).await {
            Err(e @ ApiError::NotTheApi { .. }) => {
                let ApiError::NotTheApi {
                    status: got,
                    excerpt,
                } = &e
                else {
                    unreachable!()
                };
                assert_eq!(*got, status, "{fault:?}");
                assert!(excerpt.starts_with(excerpt_start), "{fault:?}: {excerpt:?}");
                assert!(excerpt.chars().count() <= 200);
                assert_eq!(e.kind(), "not_the_api");
                assert!(
                    !e.user_message().contains('<'),
                    "no HTML in the words: {}",
                    e.user_message()
                );
            }
            other => panic!("{fault:?}: {other:?}"),
        }
        let attempts = sb.control().request_count("coupon/list") - before;
        assert_eq!(
            attempts, FAST.max_attempts,
            "{fault:?}: a read retries up to the limit"
        );
    }
    // The faults are used up: the next read works again.
    assert!(client
        .campaigns()
        .list(&CampaignFilter::default())
        .await
        .is_ok());
    sb.stop().await;
}

#[tokio::test]
async fn one_truncated_or_empty_reply_on_a_read_is_retried_away() {
    let sb = sandbox().await;
    let client = client(&sb);
    for fault in [Fault::Truncated, Fault::Empty] {
        sb.control().inject(fault.clone(), 1);
        let campaigns = client.campaigns().list(&CampaignFilter::default()).await;
        assert!(campaigns.is_ok_and(|c| !c.is_empty()), "{fault:?}");
    }
    sb.stop().await;
}

#[tokio::test]
async fn slow_server_times_out_read_and_write_differently() {
    let sb = sandbox().await;
    let mut config = ClientConfig::new(
        Credentials::new(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
        sb.v3_url(),
        sb.v4_url(),
    );
    config.retry = RetryPolicy {
        max_attempts: 2,
        ..FAST
    };
    config.timeout = Duration::from_millis(300);
    let client = Client::new(config).unwrap();
    let campaign = active_campaign(&client).await;
    sb.control().set_latency(Duration::from_secs(2));
    match client.campaigns().list(&CampaignFilter::default()).await {
        Err(e @ ApiError::Timeout { sent: true }) => assert_eq!(e.kind(), "timeout"),
        other => panic!("read: {other:?}"),
    }
    let before = sb.control().request_count("send/email");
    let result = client
        .email()
        .send(&email(&campaign, "late@example.com"))
        .await;
    assert!(
        matches!(result, Err(ApiError::OutcomeUnknown { .. })),
        "write: {result:?}"
    );
    assert_eq!(sb.control().request_count("send/email") - before, 1);
    sb.stop().await;
}

#[tokio::test]
async fn nothing_listening_is_a_connect_error_even_for_a_write() {
    // A port that was free a moment ago: connecting is refused, so nothing is ever sent.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut config = ClientConfig::new(
        Credentials::new(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
        format!("{base}/v3"),
        format!("{base}/v4"),
    );
    config.retry = FAST;
    let client = Client::new(config).unwrap();
    let result = client.email().send(&email("cam_1", "a@example.com")).await;
    match result {
        Err(e @ ApiError::Connect { .. }) => {
            assert_eq!(e.kind(), "network");
            assert!(
                !e.outcome_unknown(),
                "nothing was sent, so the outcome is known"
            );
        }
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// The other decoders over HTTP, and v4

#[tokio::test]
async fn v4_lists_loyalty_cards_with_good_keys_and_refuses_bad_ones() {
    let sb = sandbox().await;
    let cards = client(&sb).loyalty().cards().await.unwrap();
    assert!(!cards.is_empty());
    for card in &cards {
        assert!(
            card.id > 0 && !card.name.is_empty() && !card.kind.is_empty(),
            "{card:?}"
        );
    }

    let wrong = client_with(&sb, DEMO_CLIENT_ID, "wrongSecretValue12345678901234");
    match wrong.loyalty().cards().await {
        Err(e @ ApiError::V4 { status: 401, .. }) => {
            assert_eq!(e.kind(), "auth");
            assert!(e.is_account_failure());
            assert_eq!(
                e.user_message(),
                "Coupontools did not accept the API client ID or secret."
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        sb.control().request_count("loyalty/loyalty-cards"),
        2,
        "no retry of a 401"
    );
    sb.stop().await;
}

#[tokio::test]
async fn v4_read_retries_after_503() {
    let sb = sandbox().await;
    sb.control().inject(Fault::ServerError(503), 2);
    let cards = client(&sb).loyalty().cards().await.unwrap();
    assert!(!cards.is_empty());
    assert_eq!(sb.control().request_count("loyalty/loyalty-cards"), 3);
    sb.stop().await;
}

#[tokio::test]
async fn v3_loyalty_users_directory_pages_and_categories_decode() {
    let sb = sandbox().await;
    let client = client(&sb);

    let card = client.loyalty().cards().await.unwrap().remove(0);
    let users = client
        .loyalty()
        .members_v3(&format!("loy_{}", card.id))
        .await
        .unwrap();
    let v3_card = users.card.as_ref().expect("the card comes with its users");
    assert!(v3_card.id.starts_with("loy_"), "{v3_card:?}");
    assert_eq!(users.amount_of_users as usize, users.users.len());
    assert!(
        users.users.iter().all(|u| u.id.starts_with("lus_")),
        "{users:?}"
    );

    let (code, _) = coupontools_code(client.loyalty().members_v3("loy_999999999").await);
    assert_eq!(code, 505);

    let first = client
        .directories()
        .users_page("dir_7001", 1)
        .await
        .unwrap();
    assert_eq!(first.users.len(), 100);
    assert!(first.may_have_more());
    assert_eq!(first.page, 1);
    let second = client
        .directories()
        .users_page("dir_7001", 2)
        .await
        .unwrap();
    assert_eq!(second.users.len(), 50);
    assert!(!second.may_have_more());
    let newest = first.users[0].last_seen;
    assert!(newest.is_some(), "{:?}", first.users[0]);
    let (code, _) = coupontools_code(client.directories().users_page("dir_999999", 1).await);
    assert_eq!(code, 507);
    // A malformed ID is refused here, before a request (the sandbox's 301 is its own test).
    let (code, refusal) = coupontools_code(client.directories().users_page("dir_7x", 1).await);
    assert_eq!(code, 300, "{refusal:?}");
    assert!(matches!(refusal, ApiError::Invalid(_)), "{refusal:?}");

    let categories = client.categories().main().await.unwrap();
    assert!(!categories.is_empty());
    assert!(
        categories
            .iter()
            .all(|c| !c.id.is_empty() && !c.name.is_empty()),
        "{categories:?}"
    );
    sb.stop().await;
}

#[tokio::test]
async fn redirects_are_not_followed_so_the_secret_stays_home() {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    // Where a hostile or misconfigured redirect points: it counts what reaches it.
    let reached = Arc::new(AtomicU32::new(0));
    let counter = reached.clone();
    let elsewhere = axum::Router::new().fallback(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        async { "{}" }
    });
    let elsewhere_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target = format!(
        "http://{}/v3/coupon/list",
        elsewhere_listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(elsewhere_listener, elsewhere).await });

    let redirecting = axum::Router::new().fallback(move || {
        let target = target.clone();
        async move {
            (
                axum::http::StatusCode::TEMPORARY_REDIRECT,
                [(axum::http::header::LOCATION, target)],
                "",
            )
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, redirecting).await });

    let mut config = ClientConfig::new(
        Credentials::new(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
        format!("{base}/v3"),
        format!("{base}/v4"),
    );
    config.retry = FAST;
    let client = Client::new(config).unwrap();
    match client.campaigns().list(&CampaignFilter::default()).await {
        Err(e @ ApiError::NotTheApi { status: 307, .. }) => {
            assert!(
                e.hint().contains("API addresses in Settings"),
                "{}",
                e.hint()
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        client.loyalty().cards().await,
        Err(ApiError::NotTheApi { status: 307, .. })
    ));
    assert_eq!(
        reached.load(Ordering::SeqCst),
        0,
        "the credentials must never follow a redirect"
    );
}

/// A server in front of nothing: every path answers `status` with `body` (a Location too for a
/// 3xx) and counts what reaches it.
async fn answering(
    status: u16,
    body: &'static str,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicU32>) {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    let reached = Arc::new(AtomicU32::new(0));
    let counter = reached.clone();
    let app = axum::Router::new().fallback(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        async move {
            let mut response = axum::response::IntoResponse::into_response(body);
            *response.status_mut() =
                axum::http::StatusCode::from_u16(status).expect("a valid test status");
            if (300..400).contains(&status) {
                response.headers_mut().insert(
                    axum::http::header::LOCATION,
                    axum::http::HeaderValue::from_static("https://example.com/elsewhere"),
                );
            }
            response
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, reached)
}

#[tokio::test]
async fn empty_or_foreign_3xx_and_4xx_replies_to_a_send_are_not_the_api_not_maybe_sent() {
    use std::sync::atomic::Ordering;

    for (status, body) in [
        (404, ""),
        (301, ""),
        (401, ""),
        (302, "   "),
        (404, r#"{"message":"Not Found"}"#),
        (403, "<html>Forbidden</html>"),
    ] {
        let (base, reached) = answering(status, body).await;
        let mut config = ClientConfig::new(
            Credentials::new(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
            format!("{base}/v3"),
            format!("{base}/v4"),
        );
        config.retry = FAST;
        let client = Client::new(config).unwrap();
        match client.email().send(&email("cam_1", "a@example.com")).await {
            Err(e @ ApiError::NotTheApi { .. }) => {
                assert!(
                    matches!(e, ApiError::NotTheApi { status: s, .. } if s == status),
                    "{status} {body:?}: {e:?}"
                );
                assert!(!e.outcome_unknown());
                assert!(
                    e.user_message().contains("Nothing was sent"),
                    "{}",
                    e.user_message()
                );
                assert!(
                    e.hint().contains("API addresses in Settings"),
                    "{}",
                    e.hint()
                );
            }
            other => panic!("{status} {body:?}: {other:?}"),
        }
        assert_eq!(reached.load(Ordering::SeqCst), 1, "{status} {body:?}");
        // A read is refused just as finally: trying again would get the same page.
        assert!(matches!(
            client.campaigns().list(&CampaignFilter::default()).await,
            Err(ApiError::NotTheApi { status: s, .. }) if s == status
        ));
        assert_eq!(
            reached.load(Ordering::SeqCst),
            2,
            "{status} {body:?}: not retried"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Single-use links and session reads

const LINK_CAMPAIGN: &str = "cam_104211";

fn single_use(campaign: &str) -> SingleUseRequest {
    SingleUseRequest {
        campaign: campaign.into(),
        ..SingleUseRequest::default()
    }
}

fn many(campaign: &str, amount: u32) -> ManySingleUseRequest {
    ManySingleUseRequest {
        campaign: campaign.into(),
        amount,
        ..ManySingleUseRequest::default()
    }
}

fn sessions_of(campaign: &str) -> CampaignSessionsQuery {
    CampaignSessionsQuery {
        campaign: campaign.into(),
        ..CampaignSessionsQuery::default()
    }
}

#[tokio::test]
async fn a_single_use_link_with_customer_data_reads_back_through_session_data() {
    let sb = sandbox().await;
    let client = client(&sb);
    let request = SingleUseRequest {
        campaign: LINK_CAMPAIGN.into(),
        first_name: Some("Ann".into()),
        last_name: Some("Lee".into()),
        email: Some("ann@shop.test".into()),
        phone: Some("+32 470 12 34 56".into()),
        custom_id: Some("crm-7".into()),
        custom_validation_code: Some("BAR-0001".into()),
        duplicate_check: false,
    };
    let link = client.single_use().create(&request).await.unwrap();
    assert_eq!(link.code.as_str().len(), 21);
    assert_eq!(
        link.url,
        format!("https://digicpn.com/p/fc7k2p/{}", link.code)
    );
    assert_eq!(link.widget_validation_code, link.code.short_code());
    assert_eq!(link.custom_validation_code.as_deref(), Some("BAR-0001"));
    assert_eq!(link.custom_id.as_deref(), Some("crm-7"));
    assert!(link.sequence_id.is_some());
    assert!(sb.control().session_exists(link.code.as_str()));
    assert_eq!(sb.control().sessions_in_campaign(LINK_CAMPAIGN), 1);

    let data = client.sessions().get(link.code.as_str()).await.unwrap();
    assert_eq!(data.campaign, LINK_CAMPAIGN);
    assert_eq!(data.code, link.code);
    assert_eq!(data.url, link.url);
    assert_eq!(data.sequence_id, link.sequence_id);
    assert_eq!(data.custom_id.as_deref(), Some("crm-7"));
    assert_eq!(data.own_validation_code.as_deref(), Some("BAR-0001"));
    assert_eq!(data.email.as_deref(), Some("ann@shop.test"));
    assert_eq!(data.first_name.as_deref(), Some("Ann"));
    assert_eq!(data.last_name.as_deref(), Some("Lee"));
    assert_eq!(data.phone.as_deref(), Some("+32 470 12 34 56"));
    let created = data.created_at.expect("a creation time");
    assert!(
        (time::OffsetDateTime::now_utc() - created)
            .whole_seconds()
            .abs()
            < 120
    );
    assert_eq!(
        (
            data.opened_at,
            data.claimed_at,
            data.validated_at,
            data.voided_at,
            data.expires_at
        ),
        (None, None, None, None, None),
        "\"\" dates are None"
    );
    assert!(!data.locked);

    // The 6-character short code and the pasted link find it too.
    let by_short = client.sessions().get(link.code.short_code()).await.unwrap();
    assert_eq!(by_short.code, link.code);
    let by_link = client
        .sessions()
        .get(&format!(" {}/ ", link.url))
        .await
        .unwrap();
    assert_eq!(by_link.code, link.code);
    // And couponsession/search finds it by phone and by custom validation code.
    for search in ["+32470123456", "BAR-0001", "ANN@shop.test"] {
        let found = client
            .sessions()
            .search(&SessionSearch {
                search: search.into(),
                campaign: Some(LINK_CAMPAIGN.into()),
            })
            .await
            .unwrap();
        assert_eq!(found.len(), 1, "{search}");
        assert_eq!(found[0].code, link.code);
    }
    sb.stop().await;
}

#[tokio::test]
async fn duplicate_check_returns_the_same_link() {
    let sb = sandbox().await;
    let client = client(&sb);
    let request = SingleUseRequest {
        email: Some("bo@shop.test".into()),
        duplicate_check: true,
        ..single_use(LINK_CAMPAIGN)
    };
    let first = client.single_use().create(&request).await.unwrap();
    let again = client.single_use().create(&request).await.unwrap();
    assert_eq!(again.code, first.code);
    assert_eq!(again.url, first.url);
    let by_id = SingleUseRequest {
        custom_id: Some("crm-9".into()),
        duplicate_check: true,
        ..single_use(LINK_CAMPAIGN)
    };
    let a = client.single_use().create(&by_id).await.unwrap();
    let b = client.single_use().create(&by_id).await.unwrap();
    assert_eq!(a.code, b.code);
    assert_ne!(a.code, first.code);
    // Without duplicate_check a repeat is a new link.
    let plain = SingleUseRequest {
        duplicate_check: false,
        ..request
    };
    let other = client.single_use().create(&plain).await.unwrap();
    assert_ne!(other.code, first.code);
    assert_eq!(sb.control().sessions_in_campaign(LINK_CAMPAIGN), 3);
    sb.stop().await;
}

#[tokio::test]
async fn many_links_read_back_page_by_page() {
    let sb = Sandbox::start(SandboxConfig {
        page_size: 100,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let client = client(&sb);
    let links = client
        .single_use()
        .create_many(&many(LINK_CAMPAIGN, 1200))
        .await
        .unwrap();
    assert_eq!(links.len(), 1200);
    assert_eq!(sb.control().sessions_in_campaign(LINK_CAMPAIGN), 1200);
    // Another campaign's links are not listed.
    client
        .single_use()
        .create_many(&many("cam_104212", 5))
        .await
        .unwrap();

    let page_two = client
        .campaigns()
        .data_page(&sessions_of(LINK_CAMPAIGN), 2)
        .await
        .unwrap();
    assert_eq!(page_two.len(), 100);
    assert_eq!(page_two[0].code, links[100].code, "oldest first");

    let before = sb.control().request_count("campaign/data");
    let all = client
        .campaigns()
        .data(&sessions_of(LINK_CAMPAIGN))
        .await
        .unwrap();
    assert_eq!(all.len(), links.len());
    let made: std::collections::HashSet<_> = links.iter().map(|l| l.code.clone()).collect();
    let read: std::collections::HashSet<_> = all.iter().map(|s| s.code.clone()).collect();
    assert_eq!(made, read);
    assert!(all.windows(2).all(|w| w[0].sequence_id < w[1].sequence_id));
    assert!(all.iter().all(|s| s.campaign == LINK_CAMPAIGN));
    let pages = sb.control().request_count("campaign/data") - before;
    assert!((12..=13).contains(&pages), "{pages} pages");

    // A page size that does not divide the count: the short last page ends it.
    let sb2 = Sandbox::start(SandboxConfig {
        page_size: 7,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let client2 = client_with(&sb2, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET);
    client2
        .single_use()
        .create_many(&many(LINK_CAMPAIGN, 30))
        .await
        .unwrap();
    let all = client2
        .campaigns()
        .data(&sessions_of(LINK_CAMPAIGN))
        .await
        .unwrap();
    assert_eq!(all.len(), 30);
    assert!(client2
        .campaigns()
        .data(&sessions_of("cam_104213"))
        .await
        .unwrap()
        .is_empty());
    sb.stop().await;
    sb2.stop().await;
}

#[tokio::test]
async fn campaign_sessions_between_dates() {
    let sb = sandbox().await;
    let client = client(&sb);
    client
        .single_use()
        .create_many(&many(LINK_CAMPAIGN, 25))
        .await
        .unwrap();
    let now = time::OffsetDateTime::now_utc();
    let minutes = time::Duration::minutes;
    let query = |start: Option<time::OffsetDateTime>, end: Option<time::OffsetDateTime>| {
        CampaignSessionsQuery {
            campaign: LINK_CAMPAIGN.into(),
            start,
            end,
        }
    };
    for (start, end, expected) in [
        (Some(now - minutes(2)), Some(now + minutes(2)), 25),
        // Inclusive ends: this very minute counts at both ends.
        (Some(now), Some(now), 25),
        (Some(now - minutes(2)), None, 25),
        (None, Some(now + minutes(2)), 25),
        (Some(now + minutes(3)), None, 0),
        (None, Some(now - minutes(3)), 0),
        (
            Some(now - time::Duration::days(3)),
            Some(now - time::Duration::days(2)),
            0,
        ),
    ] {
        let found = client.campaigns().data(&query(start, end)).await.unwrap();
        assert_eq!(found.len(), expected, "{start:?} .. {end:?}");
    }
    sb.stop().await;
}

#[tokio::test]
async fn remove_then_not_found_then_remove_again_is_refused() {
    let sb = sandbox().await;
    let client = client(&sb);
    let link = client
        .single_use()
        .create(&SingleUseRequest {
            email: Some("gone@shop.test".into()),
            ..single_use(LINK_CAMPAIGN)
        })
        .await
        .unwrap();
    let keep = client
        .single_use()
        .create(&single_use(LINK_CAMPAIGN))
        .await
        .unwrap();
    client
        .single_use()
        .remove(LINK_CAMPAIGN, &link.code)
        .await
        .unwrap();
    assert!(!sb.control().session_exists(link.code.as_str()));
    assert!(sb.control().session_exists(keep.code.as_str()));
    assert_eq!(sb.control().sessions_in_campaign(LINK_CAMPAIGN), 1);

    let (code, e) = coupontools_code(client.sessions().get(link.code.as_str()).await);
    assert_eq!(code, 505);
    assert!(
        e.user_message().contains("coupon code"),
        "{}",
        e.user_message()
    );
    let (code, _) = coupontools_code(client.single_use().remove(LINK_CAMPAIGN, &link.code).await);
    assert_eq!(code, 505, "already removed");
    // Gone from every read.
    let listed = client
        .campaigns()
        .data(&sessions_of(LINK_CAMPAIGN))
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].code, keep.code);
    let found = client
        .sessions()
        .search(&SessionSearch {
            search: "gone@shop.test".into(),
            campaign: None,
        })
        .await
        .unwrap();
    assert!(found.is_empty());
    // Removing is a write: one request each, never retried.
    assert_eq!(sb.control().request_count("singleuse/remove"), 2);
    sb.stop().await;
}

/// A refusal made before sending: the check's own words, naming the field.
fn local<T: std::fmt::Debug>(result: Result<T, ApiError>) -> String {
    match result {
        Err(e @ ApiError::Invalid(_)) => {
            assert!(e.field().is_some() && e.code().is_none(), "{e:?}");
            e.user_message()
        }
        other => panic!("expected a refusal before sending, got {other:?}"),
    }
}

#[tokio::test]
async fn every_validation_error_of_the_link_calls() {
    let sb = sandbox().await;
    let client = client(&sb);
    // Refused before sending, with the check's own words (nothing sent).
    let words = local(client.single_use().create(&single_use("")).await);
    assert!(words.contains("Choose a campaign"), "{words}");
    local(client.single_use().create(&single_use("dir_7002")).await);
    local(client.single_use().create(&single_use("cam_12x")).await);
    for request in [
        SingleUseRequest {
            email: Some("ann@".into()),
            ..single_use(LINK_CAMPAIGN)
        },
        SingleUseRequest {
            phone: Some("call me".into()),
            ..single_use(LINK_CAMPAIGN)
        },
        SingleUseRequest {
            first_name: Some("Ann\nBcc: x".into()),
            ..single_use(LINK_CAMPAIGN)
        },
        SingleUseRequest {
            custom_validation_code: Some("x".repeat(101)),
            ..single_use(LINK_CAMPAIGN)
        },
    ] {
        local(client.single_use().create(&request).await);
    }
    let words = local(
        client
            .single_use()
            .create_many(&many(LINK_CAMPAIGN, 100_001))
            .await,
    );
    assert!(words.contains("100 000"), "{words}");
    local(
        client
            .single_use()
            .create_many(&many(LINK_CAMPAIGN, 0))
            .await,
    );
    local(client.single_use().create_many(&many("", 10)).await);
    for codes in [
        AutomatedCodes {
            prefix: "BAD PREFIX".into(),
            length: 12,
            code_type: CodeType::Numeric,
        },
        AutomatedCodes {
            prefix: "abcdefghijk".into(),
            length: 12,
            code_type: CodeType::Numeric,
        },
        AutomatedCodes {
            prefix: String::new(),
            length: 9,
            code_type: CodeType::Alphanumeric,
        },
        AutomatedCodes {
            prefix: String::new(),
            length: 26,
            code_type: CodeType::Alphanumeric,
        },
    ] {
        let request = ManySingleUseRequest {
            automated_codes: Some(codes),
            ..many(LINK_CAMPAIGN, 5)
        };
        local(client.single_use().create_many(&request).await);
    }
    let words = local(
        client
            .single_use()
            .remove(LINK_CAMPAIGN, &SingleUseCode::new("abc123"))
            .await,
    );
    assert!(words.contains("6-character short code"), "{words}");
    local(
        client
            .single_use()
            .remove(LINK_CAMPAIGN, &SingleUseCode::new("not a code"))
            .await,
    );
    local(
        client
            .single_use()
            .remove("dir_7002", &SingleUseCode::new("a".repeat(21)))
            .await,
    );
    local(client.sessions().get("").await);
    local(client.sessions().get("abc").await);
    local(client.campaigns().data(&sessions_of("nope")).await);
    let backwards = CampaignSessionsQuery {
        campaign: LINK_CAMPAIGN.into(),
        start: Some(time::OffsetDateTime::now_utc()),
        end: Some(time::OffsetDateTime::now_utc() - time::Duration::days(1)),
    };
    local(client.campaigns().data(&backwards).await);
    for path in [
        "singleuse/create",
        "multiplesingleuse/create",
        "singleuse/remove",
        "couponsession/data",
        "campaign/data",
    ] {
        assert_eq!(
            sb.control().request_count(path),
            0,
            "{path}: nothing was sent"
        );
    }

    // What only Coupontools can know, in both failure modes.
    for mode in [FailureStatus::Http200, FailureStatus::Semantic] {
        sb.control().set_failure_status(mode);
        let unknown = "cam_999";
        assert_eq!(
            coupontools_code(client.single_use().create(&single_use(unknown)).await).0,
            502
        );
        assert_eq!(
            coupontools_code(client.single_use().create_many(&many(unknown, 3)).await).0,
            502
        );
        assert_eq!(
            coupontools_code(
                client
                    .single_use()
                    .remove(unknown, &SingleUseCode::new("a".repeat(21)))
                    .await
            )
            .0,
            502
        );
        assert_eq!(
            coupontools_code(client.campaigns().data(&sessions_of(unknown)).await).0,
            502
        );
        assert_eq!(
            coupontools_code(
                client
                    .single_use()
                    .remove(LINK_CAMPAIGN, &SingleUseCode::new("a".repeat(21)))
                    .await
            )
            .0,
            505
        );
        assert_eq!(
            coupontools_code(client.sessions().get(&"b".repeat(21)).await).0,
            505
        );
        assert_eq!(
            coupontools_code(client.sessions().get("bbbbbb").await).0,
            505
        );
        // The sandbox's e-mail check is stricter than ours: 305 from the server.
        let (code, e) = coupontools_code(
            client
                .single_use()
                .create(&SingleUseRequest {
                    email: Some("jürgen@beispiel.de".into()),
                    ..single_use(LINK_CAMPAIGN)
                })
                .await,
        );
        assert_eq!(code, 305, "{e:?}");
    }
    // Writes refused by the server are not retried.
    assert_eq!(sb.control().request_count("/v3/singleuse/create"), 4);
    assert_eq!(sb.control().sessions_in_campaign(LINK_CAMPAIGN), 0);
    sb.stop().await;
}

#[tokio::test]
async fn a_hundred_thousand_links_in_one_call() {
    let sb = sandbox().await;
    let mut config = ClientConfig::new(
        Credentials::new(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
        sb.v3_url(),
        sb.v4_url(),
    );
    config.retry = FAST;
    config.timeout = Duration::from_secs(120);
    let client = Client::new(config).unwrap();
    let request = ManySingleUseRequest {
        automated_codes: Some(AutomatedCodes {
            prefix: "BIG-".into(),
            length: 10,
            code_type: CodeType::Numeric,
        }),
        ..many(LINK_CAMPAIGN, 100_000)
    };
    let started = Instant::now();
    let links = client.single_use().create_many(&request).await.unwrap();
    let took = started.elapsed();
    eprintln!("100 000 links over HTTP in {took:?}");
    assert_eq!(links.len(), 100_000);
    let codes: std::collections::HashSet<&str> = links.iter().map(|l| l.code.as_str()).collect();
    assert_eq!(codes.len(), 100_000, "every code unique");
    let customs: std::collections::HashSet<&str> = links
        .iter()
        .filter_map(|l| l.custom_validation_code.as_deref())
        .collect();
    assert_eq!(customs.len(), 100_000, "every validation code unique");
    assert!(links.iter().all(|l| l.sequence_id.is_some()));
    assert!(links
        .windows(2)
        .all(|w| w[0].sequence_id < w[1].sequence_id));
    assert_eq!(sb.control().sessions_in_campaign(LINK_CAMPAIGN), 100_000);
    assert_eq!(sb.control().request_count("multiplesingleuse/create"), 1);
    sb.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Loyalty: the `client.loyalty()` handler (v4 §0.5 + §10, and v3 with `_v3`)

mod loyalty {
    use super::*;
    use coupon_desk::api::{MemberChangeV3, MemberFields, MemberQuery, MAX_BULK_MEMBERS};
    use std::collections::HashSet;

    /// Seeded cards: 48213 coffee stamp card (8 per reward), 48214 membership, 48216 the
    /// 10 000-member card, 48217 the card holding a member named with markup.
    const COFFEE: u64 = 48213;
    const MEMBERSHIP: u64 = 48214;
    const BIG: u64 = 48216;
    const ODD_NAMES: u64 = 48217;

    /// The status of a v4 refusal; a value the client refused before sending reads as 422 here
    /// (the tests check with the request counts that it was not sent).
    fn v4_status<T: std::fmt::Debug>(result: Result<T, ApiError>) -> (u16, ApiError) {
        match result {
            Err(e @ ApiError::Invalid(_)) => (422, e),
            Err(e @ ApiError::V4 { .. }) => {
                let ApiError::V4 { status, .. } = &e else {
                    unreachable!()
                };
                (*status, e)
            }
            other => panic!("expected a v4 refusal, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn loyalty_v4_cards_copy_and_member_lifecycle() {
        let sb = sandbox().await;
        let client = client(&sb);
        let api = client.loyalty();

        let cards = api.cards().await.unwrap();
        let kinds: HashSet<&str> = cards.iter().map(|c| c.kind.as_str()).collect();
        assert!(
            kinds.contains("stamp") && kinds.contains("membership"),
            "{kinds:?}"
        );

        // Copy: named, unnamed, too long (refused before sending), unknown card.
        let copy = api.copy_card(COFFEE, Some("Autumn stamps")).await.unwrap();
        assert_eq!(
            (copy.name.as_str(), copy.kind.as_str()),
            ("Autumn stamps", "stamp")
        );
        assert!(copy.id != COFFEE);
        let unnamed = api.copy_card(MEMBERSHIP, None).await.unwrap();
        assert!(unnamed.name.contains("Bakery friends"), "{unnamed:?}");
        let before = sb.control().request_count("/copy");
        let (status, e) = v4_status(api.copy_card(COFFEE, Some(&"x".repeat(51))).await);
        assert_eq!(status, 422);
        assert!(
            e.user_message().contains("too long"),
            "{}",
            e.user_message()
        );
        assert_eq!(sb.control().request_count("/copy"), before, "never sent");
        let (status, e) = v4_status(api.copy_card(1, None).await);
        assert_eq!(status, 404);
        assert_eq!(e.kind(), "coupontools");
        assert!(
            e.user_message().contains("not found"),
            "{}",
            e.user_message()
        );

        // Create, read, update.
        let created = api
            .create_member(
                COFFEE,
                &MemberFields {
                    first_name: Some("Ada".into()),
                    last_name: Some("Lovelace".into()),
                    email: Some("ada@example.com".into()),
                    city: Some("Gent".into()),
                    custom: [Some("VIP".into()), None, None, None, None, None, None, None],
                    ..MemberFields::default()
                },
            )
            .await
            .unwrap();
        assert_eq!((created.stamps, created.voided), (0, false));
        assert_eq!(created.custom[0].as_deref(), Some("VIP"));
        assert!(created.created_at.is_some());
        let read = api.member(COFFEE, created.id).await.unwrap();
        assert_eq!(read, created);
        let updated = api
            .update_member(
                COFFEE,
                created.id,
                &MemberFields {
                    city: Some("Brugge".into()),
                    ..MemberFields::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            (updated.city.as_str(), updated.first_name.as_str()),
            ("Brugge", "Ada")
        );
        let (status, e) = v4_status(
            api.create_member(
                COFFEE,
                &MemberFields {
                    email: Some("not-an-address".into()),
                    ..MemberFields::default()
                },
            )
            .await,
        );
        assert_eq!(status, 422);
        assert!(
            e.user_message().contains("not-an-address"),
            "the server's words: {}",
            e.user_message()
        );

        // Stamps: 8 fill the card and make a reward; 0 is refused locally.
        let stamped = api.add_stamps(COFFEE, created.id, 8).await.unwrap();
        assert_eq!(stamped.stamps, 8);
        assert_eq!(stamped.rewards.len(), 1);
        assert!(!stamped.rewards[0].used);
        let (status, _) = v4_status(api.add_stamps(COFFEE, created.id, 0).await);
        assert_eq!(status, 422);

        // Rewards: used once, then refused; an unknown reward is refused.
        let reward = stamped.rewards[0].id;
        let used = api
            .use_rewards(COFFEE, created.id, &[reward])
            .await
            .unwrap();
        assert!(used.rewards[0].used);
        let (status, e) = v4_status(api.use_rewards(COFFEE, created.id, &[reward]).await);
        assert_eq!(status, 422);
        assert!(
            e.user_message().contains("already used"),
            "{}",
            e.user_message()
        );
        let (status, _) = v4_status(api.use_rewards(COFFEE, created.id, &[42]).await);
        assert_eq!(status, 422);
        let snapshot = sb.control().loyalty_member(COFFEE, created.id).unwrap();
        assert_eq!(
            (snapshot.stamps, snapshot.rewards_used.clone()),
            (8, vec![reward])
        );

        // Void: hidden from lists unless asked for.
        let visible = sb.control().loyalty_member_count(COFFEE, false);
        let voided = api.void_member(COFFEE, created.id).await.unwrap();
        assert!(voided.voided);
        assert_eq!(
            sb.control().loyalty_member_count(COFFEE, false),
            visible - 1
        );
        let page = api.members(COFFEE, &MemberQuery::default()).await.unwrap();
        assert!(page.members.iter().all(|m| m.id != created.id));
        let page = api
            .members(
                COFFEE,
                &MemberQuery {
                    include_voided: true,
                    ..MemberQuery::default()
                },
            )
            .await
            .unwrap();
        assert!(page.members.iter().any(|m| m.id == created.id && m.voided));

        // Delete: gone, 404 after.
        api.delete_member(COFFEE, created.id).await.unwrap();
        assert!(sb.control().loyalty_member(COFFEE, created.id).is_none());
        let (status, e) = v4_status(api.member(COFFEE, created.id).await);
        assert_eq!(status, 404);
        assert!(e.hint().contains("deleted"), "{}", e.hint());
        let (status, _) = v4_status(api.delete_member(COFFEE, created.id).await);
        assert_eq!(status, 404);
        let (status, _) = v4_status(api.members(999_999, &MemberQuery::default()).await);
        assert_eq!(status, 404);

        // Push: to chosen members and to all; an empty message never leaves.
        let receipt = api
            .push_notification(
                COFFEE,
                "Double stamps on Saturday!",
                Some(&[910001, 910003]),
            )
            .await
            .unwrap();
        assert_eq!(receipt.recipients, Some(2));
        let all = api
            .push_notification(COFFEE, "Hello all", None)
            .await
            .unwrap();
        assert_eq!(all.recipients, Some(visible as u64 - 1));
        let (status, _) = v4_status(api.push_notification(COFFEE, "   ", None).await);
        assert_eq!(status, 422);
        let (status, _) = v4_status(api.push_notification(COFFEE, &"m".repeat(501), None).await);
        assert_eq!(status, 422);
        let pushes = sb.control().pushes_sent();
        assert_eq!(pushes.len(), 2, "the refused ones were never sent");
        assert_eq!(pushes[0].recipients, vec![910001, 910003]);
        assert_eq!(pushes[0].message, "Double stamps on Saturday!");
        sb.stop().await;
    }

    #[tokio::test]
    async fn loyalty_members_are_searched_and_paged() {
        let sb = sandbox().await;
        let client = client(&sb);
        let api = client.loyalty();
        let page = api
            .members(
                BIG,
                &MemberQuery {
                    page: 3,
                    per_page: 20,
                    ..MemberQuery::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            (page.page, page.per_page, page.total),
            (3, 20, Some(10_000))
        );
        assert_eq!(page.members.len(), 20);
        assert_eq!(page.members[0].email, "member00041@example.com");
        assert_eq!(page.page_count(), Some(500));

        for needle in ["MEMBER00042@EXAMPLE.COM", "1000042"] {
            let found = api
                .members(
                    BIG,
                    &MemberQuery {
                        search: Some(needle.into()),
                        ..MemberQuery::default()
                    },
                )
                .await
                .unwrap();
            assert_eq!(found.total, Some(1), "{needle}");
            assert_eq!(found.members[0].email, "member00042@example.com");
        }

        // Markup in a name comes back as the very same text.
        let odd = api
            .members(ODD_NAMES, &MemberQuery::default())
            .await
            .unwrap();
        assert!(
            odd.members
                .iter()
                .any(|m| m.first_name == "<img src=x onerror=alert(1)>"),
            "{odd:?}"
        );
        sb.stop().await;
    }

    #[tokio::test]
    async fn loyalty_all_members_pages_through_10000_members_four_at_a_time() {
        let sb = sandbox().await;
        let client = client(&sb);
        let mut progress = Vec::new();
        let started = Instant::now();
        let members = client
            .loyalty()
            .all_members(BIG, None, false, 4, |_, loaded, total| {
                progress.push((loaded, total))
            })
            .await
            .unwrap();
        let took = started.elapsed();
        assert_eq!(members.len(), 10_000);
        let ids: HashSet<u64> = members.iter().map(|m| m.id).collect();
        assert_eq!(ids.len(), 10_000, "no duplicates");
        assert!(
            members.windows(2).all(|w| w[0].id < w[1].id),
            "page order kept"
        );
        assert_eq!(members[0].email, "member00001@example.com");
        assert_eq!(members[9_999].email, "member10000@example.com");
        assert_eq!(progress.len(), 100);
        assert_eq!(progress.last(), Some(&(10_000, Some(10_000))));
        assert!(progress.windows(2).all(|w| w[0].0 < w[1].0));
        // 100 pages and the empty one after them: a total never ends the list.
        assert_eq!(sb.control().request_count("/stats"), 101);
        eprintln!("all_members: 10 000 members in 100 pages, concurrency 4, {took:?}");

        // With a search, only the matches, in one page.
        let some = client
            .loyalty()
            .all_members(BIG, Some("member0999"), false, 4, |_, _, _| {})
            .await
            .unwrap();
        assert_eq!(some.len(), 10, "member09990 … member09999");
        sb.stop().await;
    }

    #[tokio::test]
    async fn loyalty_bulk_import_of_250_goes_in_three_requests_and_names_the_bad_row() {
        let sb = sandbox().await;
        let client = client(&sb);
        let before = sb.control().loyalty_member_count(MEMBERSHIP, true);
        let users: Vec<MemberFields> = (0..250)
            .map(|i| MemberFields {
                first_name: Some(format!("Import {i}")),
                email: Some(if i == 137 {
                    "import137-at-example.com".to_owned()
                } else {
                    format!("import{i}@example.com")
                }),
                ..MemberFields::default()
            })
            .collect();
        let batches = client.loyalty().create_members(MEMBERSHIP, &users).await;
        assert_eq!(MAX_BULK_MEMBERS, 100);
        assert_eq!(
            batches.iter().map(|b| (b.start, b.len)).collect::<Vec<_>>(),
            vec![(0, 100), (100, 100), (200, 50)]
        );
        assert_eq!(sb.control().request_count("stats/bulk"), 3);
        let results: Vec<_> = batches
            .iter()
            .map(|b| b.result.as_ref().expect("each batch answered"))
            .collect();
        assert!(results[0].rejected.is_empty() && results[2].rejected.is_empty());
        assert_eq!(results[1].rejected.len(), 1);
        assert_eq!(results[1].rejected[0].index, 137, "index in the whole list");
        assert!(
            results[1].rejected[0]
                .message
                .contains("import137-at-example.com"),
            "{:?}",
            results[1].rejected
        );
        let created: usize = results.iter().map(|r| r.created.len()).sum();
        assert_eq!(created, 249);
        assert_eq!(
            sb.control().loyalty_member_count(MEMBERSHIP, true),
            before + 249
        );

        // More than 100 in one request is refused before sending.
        let (status, _) = v4_status(
            client
                .loyalty()
                .create_members_batch(MEMBERSHIP, &users[..101])
                .await,
        );
        assert_eq!(status, 422);
        assert_eq!(sb.control().request_count("stats/bulk"), 3);
        sb.stop().await;
    }

    #[tokio::test]
    async fn loyalty_lost_reply_on_add_stamps_is_outcome_unknown_and_counted_once() {
        let sb = sandbox().await;
        let client = client(&sb);
        let api = client.loyalty();
        // Lucas: 7 stamps.
        let before = api.member(COFFEE, 910002).await.unwrap();
        sb.control()
            .inject_on("stats/910002", Fault::DropAfterHandling, 1);
        match api.add_stamps(COFFEE, 910002, 3).await {
            Err(e @ ApiError::OutcomeUnknown { .. }) => {
                assert!(e.outcome_unknown());
                assert!(
                    e.user_message().contains("cannot tell"),
                    "{}",
                    e.user_message()
                );
                assert!(e.hint().contains("before trying again"), "{}", e.hint());
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            sb.control().request_count("stats/910002"),
            2,
            "the read before, the write once: never repeated"
        );
        // Reconcile: a re-read shows the stamps went on, exactly once.
        let after = api.member(COFFEE, 910002).await.unwrap();
        assert_eq!(after.stamps, before.stamps + 3);
        assert_eq!(
            after.rewards.len(),
            before.rewards.len() + 1,
            "7 + 3 passes 8"
        );
        assert_eq!(
            sb.control().loyalty_member(COFFEE, 910002).unwrap().stamps,
            before.stamps + 3
        );
        sb.stop().await;
    }

    #[tokio::test]
    async fn loyalty_v3_list_update_and_push_see_the_v4_members() {
        let sb = sandbox().await;
        let client = client(&sb);
        let api = client.loyalty();
        let cards = api.cards_v3(false).await.unwrap();
        assert!(cards
            .iter()
            .any(|c| c.id == "loy_48213" && c.amount_of_stamps == Some(8)));
        let info = api.card_v3("loy_48214").await.unwrap();
        assert_eq!(info.kind, "membership");
        let (code, _) = coupontools_code(api.card_v3("loy_1").await);
        assert_eq!(code, 507);

        // A member made over v4 is a v3 holder `lus_<id>`, stamps as a number.
        let made = api
            .create_member(
                COFFEE,
                &MemberFields {
                    first_name: Some("Vera".into()),
                    ..MemberFields::default()
                },
            )
            .await
            .unwrap();
        api.add_stamps(COFFEE, made.id, 5).await.unwrap();
        let holders = api.members_v3("loy_48213").await.unwrap();
        let lus = format!("lus_{}", made.id);
        let vera = holders
            .users
            .iter()
            .find(|u| u.id == lus)
            .expect("v4 member listed by v3");
        assert_eq!((vera.first_name.as_str(), vera.stamps), ("Vera", 5));

        // v3 sets the count and voids; v4 sees both.
        let changed = api
            .update_member_v3(
                "loy_48213",
                &lus,
                &MemberChangeV3 {
                    stamps: Some(16),
                    voided: Some(true),
                },
            )
            .await
            .unwrap()
            .expect("the holder comes back");
        assert_eq!((changed.stamps, changed.voided), (16, true));
        let v4 = api.member(COFFEE, made.id).await.unwrap();
        assert_eq!((v4.stamps, v4.voided, v4.rewards.len()), (16, true, 2));
        let snapshot = sb.control().loyalty_member(COFFEE, made.id).unwrap();
        assert!(snapshot.voided);
        api.update_member_v3(
            "loy_48213",
            &lus,
            &MemberChangeV3 {
                voided: Some(false),
                ..MemberChangeV3::default()
            },
        )
        .await
        .unwrap();
        assert!(!api.member(COFFEE, made.id).await.unwrap().voided);
        let (code, _) = coupontools_code(
            api.update_member_v3(
                "loy_48213",
                "lus_1",
                &MemberChangeV3 {
                    stamps: Some(1),
                    ..MemberChangeV3::default()
                },
            )
            .await,
        );
        assert_eq!(code, 505);

        // Pushes over v3, recorded with their recipients.
        let one = api
            .push_member_v3("loy_48213", &lus, "Hi Vera")
            .await
            .unwrap();
        assert_eq!(one.recipients, Some(1));
        let all = api.push_all_v3("loy_48213", "Hi all").await.unwrap();
        assert_eq!(
            all.recipients,
            Some(sb.control().loyalty_member_count(COFFEE, false) as u64)
        );
        let (code, _) = coupontools_code(api.push_all_v3("loy_48213", "").await);
        assert_eq!(code, 300, "refused before sending");
        let pushes = sb.control().pushes_sent();
        assert_eq!(pushes.len(), 2);
        assert_eq!(
            (pushes[0].via, pushes[0].recipients.clone()),
            ("v3 single", vec![made.id])
        );
        assert_eq!(pushes[1].via, "v3 all");
        assert!(pushes[1].recipients.contains(&made.id));
        sb.stop().await;
    }

    #[tokio::test]
    async fn loyalty_v4_refused_while_v3_still_works() {
        let sb = sandbox().await;
        let client = client(&sb);
        let api = client.loyalty();
        sb.control().set_v4_refused(true);
        let (status, e) = v4_status(api.cards().await);
        assert_eq!(status, 401);
        assert!(e.is_account_failure());
        assert_eq!(e.kind(), "auth");
        let (status, _) = v4_status(api.members(COFFEE, &MemberQuery::default()).await);
        assert_eq!(status, 401);
        assert_eq!(
            sb.control().request_count("/v4/loyalty/loyalty-cards"),
            1,
            "no retry of a 401"
        );

        // The v3 fallback still answers, with the same cards and holders.
        let cards = api.cards_v3(true).await.unwrap();
        assert_eq!(cards.len(), 5);
        let holders = api.members_v3("loy_48213").await.unwrap();
        assert_eq!(holders.users.len(), 5);

        sb.control().set_v4_refused(false);
        assert_eq!(api.cards().await.unwrap().len(), 5);
        sb.stop().await;
    }
}

// ---------------------------------------------------------------------------------------------
// At the counter and behind it: `client.sessions()` and `client.campaigns()` (§5.3, §10).

mod counter {
    use super::*;
    use coupon_desk::api::{
        ManySessionsUpdate, Operation, SessionList, SessionUpdate, SessionUpdateOutcome,
    };
    use time::OffsetDateTime;

    const LUNCH: &str = "cam_104250";
    const COFFEE: &str = "cam_104211";

    async fn fresh(client: &Client) -> SingleUseCode {
        client
            .single_use()
            .create(&SingleUseRequest {
                campaign: COFFEE.into(),
                ..SingleUseRequest::default()
            })
            .await
            .expect("a link")
            .code
    }

    fn code_of(result: Result<impl std::fmt::Debug, ApiError>) -> u32 {
        match result {
            Err(e @ ApiError::Coupontools { .. }) => e.code().unwrap_or(0),
            other => panic!("expected a Coupontools refusal, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn validate_with_the_short_code_then_twice_is_refused() {
        let sb = sandbox().await;
        let client = client(&sb);
        let code = fresh(&client).await;
        let session = client
            .sessions()
            .update(&SessionUpdate::validate(code.short_code(), Some("12,5")))
            .await
            .expect("validated");
        assert_eq!(session.code, code);
        assert!(session.validated_at.is_some() && session.claimed_at.is_some());
        let state = sb.control().session_state(code.as_str()).unwrap();
        assert_eq!(state.validation_value.as_deref(), Some("12.50"));

        let again = client
            .sessions()
            .update(&SessionUpdate::validate(code.as_str(), None))
            .await;
        assert_eq!(code_of(again), 306);
        assert_eq!(
            sb.control()
                .session_state(code.as_str())
                .unwrap()
                .times_validated,
            1
        );
        assert_eq!(sb.control().request_count("couponsession/update"), 2);
        sb.stop().await;
    }

    #[tokio::test]
    async fn a_lost_validate_reply_is_unknown_and_a_reread_shows_it_validated_once() {
        let sb = sandbox().await;
        let client = client(&sb);
        let code = fresh(&client).await;
        sb.control()
            .inject_on("couponsession/update", Fault::DropAfterHandling, 1);
        let lost = client
            .sessions()
            .update(&SessionUpdate::validate(code.as_str(), Some("9.50")))
            .await;
        match &lost {
            Err(e) => assert!(e.outcome_unknown(), "{e:?}"),
            Ok(s) => panic!("the reply was cut, yet: {s:?}"),
        }
        assert_eq!(
            sb.control().request_count("couponsession/update"),
            1,
            "a write is never repeated"
        );
        let reread = client.sessions().get(code.as_str()).await.expect("re-read");
        assert!(reread.validated_at.is_some());
        assert_eq!(
            reread,
            client.sessions().get(code.short_code()).await.unwrap()
        );
        let state = sb.control().session_state(code.as_str()).unwrap();
        assert_eq!(state.times_validated, 1);
        assert_eq!(state.validation_value.as_deref(), Some("9.50"));
        sb.stop().await;
    }

    #[tokio::test]
    async fn voided_expired_and_locked_sessions_are_refused_and_unvoid_works() {
        for failure_status in [FailureStatus::Http200, FailureStatus::Semantic] {
            let sb = Sandbox::start(SandboxConfig {
                failure_status,
                ..SandboxConfig::default()
            })
            .await
            .unwrap();
            let client = client(&sb);
            let code = fresh(&client).await;
            let sessions = client.sessions();
            let void = |on: bool| SessionUpdate {
                code: code.to_string(),
                void: Some(on),
                ..SessionUpdate::default()
            };
            let voided = sessions.update(&void(true)).await.unwrap();
            assert!(voided.voided_at.is_some());
            let claim = SessionUpdate {
                code: code.to_string(),
                operation: Some(Operation::Claimed),
                ..SessionUpdate::default()
            };
            assert_eq!(code_of(sessions.update(&claim).await), 307);
            let back = sessions
                .update(&SessionUpdate {
                    void: Some(false),
                    ..claim.clone()
                })
                .await
                .expect("un-voided and claimed in one go");
            // Not voided any more; the void date stays, as the help article's example shows.
            assert!(!back.voided && back.voided_at.is_some() && back.claimed_at.is_some());

            sb.control().set_session_expiration(
                code.as_str(),
                Some(OffsetDateTime::now_utc() - time::Duration::minutes(5)),
            );
            let expired = sessions
                .update(&SessionUpdate::validate(code.as_str(), None))
                .await;
            assert_eq!(code_of(expired), 308);
            sb.control().set_session_expiration(code.as_str(), None);
            sb.control().set_session_locked(code.as_str(), true);
            let locked = sessions
                .update(&SessionUpdate::validate(code.as_str(), None))
                .await;
            assert_eq!(code_of(locked), 309);
            let unknown = sessions
                .update(&SessionUpdate::validate("zzzzzzzzzzzzzzzzzzzzz", None))
                .await;
            assert_eq!(code_of(unknown), 505);
            assert!(sb
                .control()
                .session_state(code.as_str())
                .unwrap()
                .validated_at
                .is_none());

            // Refused before sending: nothing reaches the sandbox.
            let before = sb.control().request_count("couponsession/update");
            for bad in [
                SessionUpdate::validate(code.as_str(), Some("12.345")),
                SessionUpdate::validate("not a code", None),
                SessionUpdate {
                    code: code.to_string(),
                    ..SessionUpdate::default()
                },
            ] {
                match sessions.update(&bad).await {
                    Err(ApiError::Invalid(problem)) => assert!(!problem.message.key.is_empty()),
                    other => panic!("{bad:?}: {other:?}"),
                }
            }
            assert_eq!(sb.control().request_count("couponsession/update"), before);
            sb.stop().await;
        }
    }

    #[tokio::test]
    async fn update_many_reports_each_code() {
        let sb = sandbox().await;
        let client = client(&sb);
        let a = fresh(&client).await;
        let b = fresh(&client).await;
        client
            .sessions()
            .update(&SessionUpdate::validate(b.as_str(), None))
            .await
            .unwrap();
        let results = client
            .sessions()
            .update_many(&ManySessionsUpdate {
                codes: vec![
                    a.short_code().to_owned(),
                    b.to_string(),
                    "zzzzzzzzzzzzzzzzzzzzz".into(),
                ],
                operation: Some(Operation::Validated),
                validation_value: Some("4".into()),
                void: None,
            })
            .await
            .expect("a reply");
        assert_eq!(results.len(), 3);
        assert_eq!(results[0].code, a.short_code());
        match &results[0].outcome {
            SessionUpdateOutcome::Updated { session } => {
                assert_eq!(session.code, a);
                assert!(session.validated_at.is_some());
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            results[1].outcome,
            SessionUpdateOutcome::Refused { code: 306, .. }
        ));
        assert!(matches!(
            results[2].outcome,
            SessionUpdateOutcome::Refused { code: 505, .. }
        ));
        assert_eq!(
            sb.control()
                .session_state(a.as_str())
                .unwrap()
                .validation_value
                .as_deref(),
            Some("4.00")
        );

        sb.control()
            .inject_on("couponsession/updatemultiple", Fault::DropAfterHandling, 1);
        let lost = client
            .sessions()
            .update_many(&ManySessionsUpdate {
                codes: vec![a.to_string()],
                void: Some(true),
                ..ManySessionsUpdate::default()
            })
            .await;
        assert!(lost.unwrap_err().outcome_unknown());
        assert!(sb.control().session_state(a.as_str()).unwrap().voided);
        sb.stop().await;
    }

    #[tokio::test]
    async fn campaign_lists_page_to_the_last_page_and_match_the_counts() {
        let sb = Sandbox::start(SandboxConfig {
            page_size: 250,
            ..SandboxConfig::default()
        })
        .await
        .unwrap();
        let client = client(&sb);
        let counts = sb.control().campaign_counts(LUNCH);
        let query = CampaignSessionsQuery {
            campaign: LUNCH.into(),
            ..CampaignSessionsQuery::default()
        };
        for (list, expected) in [
            (SessionList::All, counts.sessions),
            (SessionList::Opens, counts.opened),
            (SessionList::Claims, counts.claimed),
            (SessionList::Validations, counts.validated),
        ] {
            let rows = client.campaigns().sessions(list, &query).await.unwrap();
            assert_eq!(rows.len(), expected, "{list:?}");
            assert!(rows.iter().all(|r| r.campaign == LUNCH));
            match list {
                SessionList::Opens => assert!(rows.iter().all(|r| r.opened_at.is_some())),
                SessionList::Claims => assert!(rows.iter().all(|r| r.claimed_at.is_some())),
                SessionList::Validations => {
                    assert!(rows.iter().all(|r| r.validated_at.is_some()));
                    assert!(rows
                        .windows(2)
                        .all(|w| w[0].validated_at <= w[1].validated_at));
                }
                SessionList::All => assert_eq!(rows.len(), 3000),
            }
        }
        let pages = (counts.sessions as u32).div_ceil(250);
        let (last, total) = client
            .campaigns()
            .sessions_page(SessionList::All, &query, pages)
            .await
            .unwrap();
        assert_eq!(total, Some(counts.sessions as u64));
        assert_eq!(last.len(), counts.sessions - 250 * (pages as usize - 1));
        let (past, _) = client
            .campaigns()
            .sessions_page(SessionList::All, &query, pages + 1)
            .await
            .unwrap();
        assert!(past.is_empty());

        let week = CampaignSessionsQuery {
            start: Some(OffsetDateTime::now_utc() - time::Duration::days(7)),
            ..query.clone()
        };
        let recent = client
            .campaigns()
            .sessions(SessionList::Validations, &week)
            .await
            .unwrap();
        assert!(!recent.is_empty() && recent.len() < counts.validated);
        assert!(recent
            .iter()
            .all(|r| r.validated_at.unwrap() >= week.start.unwrap() - time::Duration::minutes(1)));
        sb.stop().await;
    }

    #[tokio::test]
    async fn search_within_and_across_campaigns() {
        let sb = sandbox().await;
        let client = client(&sb);
        client
            .single_use()
            .create(&SingleUseRequest {
                campaign: COFFEE.into(),
                email: Some("guest0100@lunch.test".into()),
                ..SingleUseRequest::default()
            })
            .await
            .unwrap();
        let across = client
            .sessions()
            .search(&SessionSearch {
                search: "guest0100@lunch.test".into(),
                campaign: None,
            })
            .await
            .unwrap();
        assert_eq!(across.len(), 2);
        assert_eq!(across[0].campaign, COFFEE, "newest first");
        let within = client
            .sessions()
            .search(&SessionSearch {
                search: "guest0100@lunch.test".into(),
                campaign: Some(LUNCH.into()),
            })
            .await
            .unwrap();
        assert_eq!(within.len(), 1);
        assert_eq!(within[0].campaign, LUNCH);
        let seeded = client
            .sessions()
            .get(within[0].code.as_str())
            .await
            .unwrap();
        assert_eq!(seeded.own_validation_code.as_deref(), Some("LD-00100"));
        sb.stop().await;
    }

    #[tokio::test]
    async fn campaign_filters_usage_and_pushes() {
        let sb = sandbox().await;
        let client = client(&sb);
        let lunch = client
            .campaigns()
            .list(&CampaignFilter {
                only_active: true,
                tags: Some("lunch".into()),
                category: Some("cat_32".into()),
                folder: Some("1201".into()),
            })
            .await
            .unwrap();
        assert_eq!(lunch.len(), 1);
        assert_eq!(
            (lunch[0].id.as_str(), lunch[0].name.as_str()),
            (LUNCH, "Lunch deal")
        );
        let missing = client
            .campaigns()
            .list(&CampaignFilter {
                folder: Some("999".into()),
                ..CampaignFilter::default()
            })
            .await;
        assert_eq!(code_of(missing), 515);

        let info = client.campaigns().info_with_usage(LUNCH).await.unwrap();
        let counts = sb.control().campaign_counts(LUNCH);
        assert_eq!(info.campaign.id, LUNCH);
        assert_eq!(info.usage.sessions, Some(counts.sessions as u64));
        assert_eq!(info.usage.opened, Some(counts.opened as u64));
        assert_eq!(info.usage.claimed, Some(counts.claimed as u64));
        assert_eq!(info.usage.validated, Some(counts.validated as u64));
        assert_eq!(info.usage.custom_codes, Some(600));
        assert!(info.usage.claimed_custom_codes.unwrap() < 600);
        assert_eq!(
            code_of(client.campaigns().info_with_usage("cam_1").await),
            502
        );

        let code = fresh(&client).await;
        client
            .sessions()
            .push(COFFEE, code.short_code(), "Your free coffee is waiting")
            .await
            .unwrap();
        assert_eq!(
            code_of(client.sessions().push(LUNCH, code.as_str(), "Hi").await),
            505
        );
        let receipt = client
            .campaigns()
            .push_all(LUNCH, "Soup of the day: tomato")
            .await
            .unwrap();
        let pushes = sb.control().pushes_to_sessions();
        assert_eq!(pushes.len(), 2);
        assert_eq!(pushes[0].sessions, [code.to_string()]);
        assert_eq!(receipt.recipients, Some(pushes[1].sessions.len() as u64));
        assert!(matches!(
            client.campaigns().push_all(LUNCH, " ").await,
            Err(ApiError::Invalid(_))
        ));

        sb.control()
            .inject_on("coupon/pushnotification/all", Fault::DropAfterHandling, 1);
        let lost = client.campaigns().push_all(LUNCH, "Again").await;
        assert!(lost.unwrap_err().outcome_unknown());
        assert_eq!(
            sb.control().request_count("coupon/pushnotification/all"),
            2,
            "the blank message was never sent, the lost push not repeated"
        );
        assert_eq!(sb.control().pushes_to_sessions().len(), 3);
        sb.stop().await;
    }
}
