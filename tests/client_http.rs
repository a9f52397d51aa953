//! The API client against the sandbox over real HTTP: credentials, Coupontools error codes in
//! both failure-status modes, every injected fault, check_unique and the v4 transport.
//!
//! Each test starts its own sandbox, so injected faults and counters never leak between tests.

use std::time::{Duration, Instant};

use coupon_desk::api::{
    ApiError, CampaignFilter, Client, ClientConfig, Credentials, EmailAction, EmailCouponRequest,
    Endpoint, RetryPolicy, SessionSearch,
};
use coupon_desk::sandbox::{
    FailureStatus, Fault, Sandbox, SandboxConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET,
};

/// Short waits so fault tests stay fast; Retry-After (1 s) still fits under max_delay.
const FAST: RetryPolicy = RetryPolicy {
    max_attempts: 4,
    base_delay: Duration::from_millis(20),
    max_delay: Duration::from_secs(5),
};

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox starts")
}

fn client_with(sb: &Sandbox, id: &str, secret: &str) -> Client {
    let mut config = ClientConfig::new(Credentials::new(id, secret), sb.v3_url(), sb.v4_url());
    config.retry = FAST;
    config.timeout = Duration::from_secs(10);
    Client::new(config).expect("valid config")
}

fn client(sb: &Sandbox) -> Client {
    client_with(sb, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
}

async fn active_campaign(client: &Client) -> String {
    let filter = CampaignFilter {
        only_active: true,
        ..CampaignFilter::default()
    };
    let campaigns = client.list_campaigns(&filter).await.expect("campaigns");
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

fn coupontools_code(result: Result<impl std::fmt::Debug, ApiError>) -> (u32, ApiError) {
    match result {
        Err(e @ ApiError::Coupontools { .. }) => (e.code().unwrap_or(0), e),
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
        .list_campaigns(&CampaignFilter::default())
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
        .list_campaigns(&CampaignFilter {
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

    let one = client.campaign_info(&all[0].id).await.unwrap();
    assert_eq!(one, all[0]);
    sb.stop().await;
}

#[tokio::test]
async fn bad_credentials_are_1000_in_both_failure_modes_and_not_retried() {
    let sb = sandbox().await;
    let wrong = client_with(&sb, DEMO_CLIENT_ID, "definitelyNotTheSecret000000000");
    for mode in [FailureStatus::Http200, FailureStatus::Semantic] {
        sb.control().set_failure_status(mode);
        let before = sb.control().request_count("coupon/list");
        let (code, e) = coupontools_code(wrong.list_campaigns(&CampaignFilter::default()).await);
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

        let (code, e) = coupontools_code(
            client
                .send_coupon_email(&email("", "ann@example.com"))
                .await,
        );
        assert_eq!(code, 200, "{mode:?}");
        assert!(
            e.user_message().contains("campaign"),
            "{}",
            e.user_message()
        );

        let (code, e) = coupontools_code(
            client
                .send_coupon_email(&email("cam_12a", "ann@example.com"))
                .await,
        );
        assert_eq!(code, 301, "{mode:?}");
        assert!(e.hint().contains("cam_12345"));

        let (code, _) = coupontools_code(
            client
                .send_coupon_email(&email(&campaign, "not-an-address"))
                .await,
        );
        assert_eq!(code, 305, "{mode:?}");

        let (code, e) = coupontools_code(
            client
                .send_coupon_email(&email("cam_999999999", "ann@example.com"))
                .await,
        );
        assert_eq!(code, 502, "{mode:?}");
        assert_eq!(
            e.user_message(),
            "Coupontools could not find that campaign."
        );

        let (code, e) = coupontools_code(
            client
                .send_coupon_email(&email(&campaign, "gone@bounce.test"))
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
            .send_coupon_email(&email(&campaign, "ann@example.com"))
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
        .send_coupon_email(&email(&campaign, "ann@example.com"))
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
    let first = client.send_coupon_email(&request).await.unwrap();
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

    let again = client.send_coupon_email(&request).await.unwrap();
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
        .search_sessions(&SessionSearch {
            search: "Found@Example.com".into(),
            campaign: Some(campaign.clone()),
        })
        .await
        .unwrap();
    assert!(nothing.is_empty(), "{nothing:?}");

    let sent = client
        .send_coupon_email(&email(&campaign, "Found@Example.com"))
        .await
        .unwrap();
    let now = time::OffsetDateTime::now_utc();
    assert_eq!(sent.outcome, EmailAction::Sent);
    for campaign_filter in [Some(campaign.clone()), None] {
        let found = client
            .search_sessions(&SessionSearch {
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
        .send_coupon_email(&email(&campaign, "found@example.com"))
        .await
        .unwrap();
    let found = client
        .search_sessions(&SessionSearch {
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
            .search_sessions(&SessionSearch {
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
        .send_coupon_email(&email(&campaign, "noaction@example.com"))
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
        match client.send_coupon_email(&email(&campaign, to)).await {
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
        .list_campaigns(&CampaignFilter::default())
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
        .send_coupon_email(&email(&campaign, "outlived@example.com"))
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
        .list_campaigns(&CampaignFilter::default())
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
        .list_campaigns(&CampaignFilter::default())
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
        .send_coupon_email(&email(&campaign, "slow@example.com"))
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(sent.outcome, EmailAction::Sent);
    assert_eq!(sb.control().request_count("send/email"), 2);
    assert_eq!(sb.control().emails_sent_to("slow@example.com"), 1);
    sb.stop().await;
}

#[tokio::test]
async fn rate_limit_beyond_max_attempts_is_rate_limited() {
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
        5,
    );
    match client.list_campaigns(&CampaignFilter::default()).await {
        Err(e @ ApiError::RateLimited { .. }) => assert_eq!(e.kind(), "rate_limited"),
        other => panic!("{other:?}"),
    }
    assert_eq!(sb.control().request_count("coupon/list"), 2);
    sb.stop().await;
}

#[tokio::test]
async fn read_retries_a_dropped_connection() {
    let sb = sandbox().await;
    let client = client(&sb);
    sb.control().inject(Fault::DropConnection, 1);
    let campaigns = client
        .list_campaigns(&CampaignFilter::default())
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
        .send_coupon_email(&email(&campaign, "lost@example.com"))
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
        let result = client.send_coupon_email(&email(&campaign, &to)).await;
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
        match client.list_campaigns(&CampaignFilter::default()).await {
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
        .list_campaigns(&CampaignFilter::default())
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
        let campaigns = client.list_campaigns(&CampaignFilter::default()).await;
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
    match client.list_campaigns(&CampaignFilter::default()).await {
        Err(e @ ApiError::Timeout { sent: true }) => assert_eq!(e.kind(), "timeout"),
        other => panic!("read: {other:?}"),
    }
    let before = sb.control().request_count("send/email");
    let result = client
        .send_coupon_email(&email(&campaign, "late@example.com"))
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
    let result = client
        .send_coupon_email(&email("cam_1", "a@example.com"))
        .await;
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
    let cards = client(&sb).list_loyalty_cards().await.unwrap();
    assert!(!cards.is_empty());
    for card in &cards {
        assert!(
            card.id > 0 && !card.name.is_empty() && !card.kind.is_empty(),
            "{card:?}"
        );
    }

    let wrong = client_with(&sb, DEMO_CLIENT_ID, "wrongSecretValue12345678901234");
    match wrong.list_loyalty_cards().await {
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
    let cards = client(&sb).list_loyalty_cards().await.unwrap();
    assert!(!cards.is_empty());
    assert_eq!(sb.control().request_count("loyalty/loyalty-cards"), 3);
    sb.stop().await;
}

#[tokio::test]
async fn v3_loyalty_users_directory_pages_and_categories_decode() {
    let sb = sandbox().await;
    let client = client(&sb);

    let card = client.list_loyalty_cards().await.unwrap().remove(0);
    let users = client
        .list_loyalty_users_v3(&format!("loy_{}", card.id))
        .await
        .unwrap();
    let v3_card = users.card.as_ref().expect("the card comes with its users");
    assert!(v3_card.id.starts_with("loy_"), "{v3_card:?}");
    assert_eq!(users.amount_of_users as usize, users.users.len());
    assert!(
        users.users.iter().all(|u| u.id.starts_with("lus_")),
        "{users:?}"
    );

    let (code, _) = coupontools_code(client.list_loyalty_users_v3("loy_999999999").await);
    assert_eq!(code, 505);

    let first = client.list_directory_users("dir_7001", 1).await.unwrap();
    assert_eq!(first.users.len(), 100);
    assert!(first.may_have_more());
    assert_eq!(first.page, 1);
    let second = client.list_directory_users("dir_7001", 2).await.unwrap();
    assert_eq!(second.users.len(), 50);
    assert!(!second.may_have_more());
    let newest = first.users[0].last_seen;
    assert!(newest.is_some(), "{:?}", first.users[0]);
    let (code, _) = coupontools_code(client.list_directory_users("dir_999999", 1).await);
    assert_eq!(code, 507);
    let (code, _) = coupontools_code(client.list_directory_users("dir_7x", 1).await);
    assert_eq!(code, 301);

    let categories = client.list_main_categories().await.unwrap();
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
    match client.list_campaigns(&CampaignFilter::default()).await {
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
        client.list_loyalty_cards().await,
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
        match client
            .send_coupon_email(&email("cam_1", "a@example.com"))
            .await
        {
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
            client.list_campaigns(&CampaignFilter::default()).await,
            Err(ApiError::NotTheApi { status: s, .. }) if s == status
        ));
        assert_eq!(
            reached.load(Ordering::SeqCst),
            2,
            "{status} {body:?}: not retried"
        );
    }
}
