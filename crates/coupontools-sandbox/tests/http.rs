//! The sandbox seen from outside, over raw HTTP with reqwest (not our client), so these tests
//! check the sandbox against the API reference and nothing else.

use std::time::{Duration, Instant};

use coupontools_sandbox::{
    FailureStatus, Fault, Sandbox, SandboxConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET,
};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

const CAMPAIGN: &str = "cam_104211";
const CAMPAIGN_SLUG: &str = "fc7k2p";

/// reqwest is built without a crypto provider (as in the app): ring, installed once.
fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

async fn sandbox() -> Sandbox {
    sandbox_with(SandboxConfig::default()).await
}

async fn sandbox_with(config: SandboxConfig) -> Sandbox {
    Sandbox::start(config)
        .await
        .expect("the sandbox starts on a free port")
}

fn http() -> Client {
    install_tls_provider();
    Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

fn url(sb: &Sandbox, path: &str) -> String {
    format!("{}/{path}", sb.v3_url())
}

/// A v3 call with the documented headers and a JSON body.
async fn v3(sb: &Sandbox, path: &str, body: Value) -> (StatusCode, Value) {
    let reply = http()
        .post(url(sb, path))
        .header("X-Client-Id", DEMO_CLIENT_ID)
        .header("X-Client-Secret", DEMO_CLIENT_SECRET)
        .json(&body)
        .send()
        .await
        .expect("reply");
    decode(reply).await
}

async fn decode(reply: reqwest::Response) -> (StatusCode, Value) {
    let status = reply.status();
    let text = reply.text().await.expect("body");
    let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text:?}"));
    (status, value)
}

fn is_ok(body: &Value) -> bool {
    body["status"]["status"] == "OK"
}

/// (code, description) of a shape-A failure.
fn failure(body: &Value) -> (u64, String) {
    assert_eq!(body["status"]["status"], "failed", "{body}");
    let errors = &body["status"]["errors"];
    assert_eq!(
        errors["error_message"], "HTTP/1.0 422 Unprocessable entity.",
        "{body}"
    );
    let codes = errors["error_code"].as_array().expect("codes array");
    let texts = errors["error_message_description"]
        .as_array()
        .expect("descriptions array");
    assert_eq!(codes.len(), 1);
    assert_eq!(texts.len(), 1);
    (
        codes[0].as_u64().expect("integer code"),
        texts[0].as_str().expect("text").to_owned(),
    )
}

fn campaign_count(body: &Value) -> usize {
    body["coupon_info"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn json_form_and_empty_bodies_are_all_accepted() {
    let sb = sandbox().await;
    let (status, body) = v3(&sb, "coupon/list", json!({"only_active": true})).await;
    assert_eq!(status, StatusCode::OK);
    assert!(is_ok(&body), "{body}");
    assert_eq!(campaign_count(&body), 5);
    let first = &body["coupon_info"][0];
    for key in ["ID", "code", "name", "title", "status", "url"] {
        assert!(first[key].is_string(), "{key} in {first}");
    }

    let form = http()
        .post(url(&sb, "coupon/list"))
        .header("X-Client-Id", DEMO_CLIENT_ID)
        .header("X-Client-Secret", DEMO_CLIENT_SECRET)
        .form(&[("only_active", "1"), ("tags", "birthday")])
        .send()
        .await
        .expect("reply");
    let (_, body) = decode(form).await;
    assert_eq!(campaign_count(&body), 1, "{body}");

    // A JSON content type and no body at all, as a C# client sends it.
    let empty = http()
        .post(url(&sb, "coupon/list"))
        .header("X-Client-Id", DEMO_CLIENT_ID)
        .header("X-Client-Secret", DEMO_CLIENT_SECRET)
        .header("Content-Type", "application/json")
        .send()
        .await
        .expect("reply");
    let (_, body) = decode(empty).await;
    assert!(is_ok(&body));
    assert_eq!(campaign_count(&body), 6);
    sb.stop().await;
}

#[tokio::test]
async fn credentials_are_accepted_from_both_header_pairs_and_the_body() {
    let sb = sandbox().await;
    let by_v3_headers_odd_case = http()
        .post(url(&sb, "category/main/list"))
        .header("x-CLIENT-id", DEMO_CLIENT_ID)
        .header("X-Client-secret", DEMO_CLIENT_SECRET)
        .send();
    let by_v4_headers = http()
        .post(url(&sb, "category/main/list"))
        .header("x-api-key", DEMO_CLIENT_ID)
        .header("x-api-secret", DEMO_CLIENT_SECRET)
        .send();
    let by_json_body = http()
        .post(url(&sb, "category/main/list"))
        .json(&json!({"client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET}))
        .send();
    let by_form_body = http()
        .post(url(&sb, "category/main/list"))
        .form(&[
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
        ])
        .send();
    for (how, reply) in [
        ("v3 headers", by_v3_headers_odd_case.await),
        ("v4 headers", by_v4_headers.await),
        ("JSON body", by_json_body.await),
        ("form body", by_form_body.await),
    ] {
        let (status, body) = decode(reply.expect("reply")).await;
        assert_eq!(status, StatusCode::OK, "{how}");
        assert!(is_ok(&body), "{how}: {body}");
        assert_eq!(body["main_categories"]["31"], "Coffee & breakfast", "{how}");
    }

    // v4 takes the v3 header pair too (§10).
    let v4 = http()
        .get(format!("{}/loyalty/loyalty-cards", sb.v4_url()))
        .header("X-Client-Id", DEMO_CLIENT_ID)
        .header("X-Client-Secret", DEMO_CLIENT_SECRET)
        .send()
        .await
        .expect("reply");
    assert_eq!(v4.status(), StatusCode::OK);
    sb.stop().await;
}

fn assert_auth_failure(body: &Value) {
    assert_eq!(body["status"]["status"], "failed", "{body}");
    assert_eq!(
        body["status"]["errors"]["error_code"],
        json!(1000),
        "scalar code: {body}"
    );
    assert_eq!(
        body["status"]["errors"]["error_message"],
        "HTTP/1.0 401 Unauthorized. Client ID or Secret not correct."
    );
}

#[tokio::test]
async fn bad_credentials_answer_1000_with_http_200_by_default() {
    let sb = sandbox().await;
    let reply = http()
        .post(url(&sb, "coupon/list"))
        .header("X-Client-Id", DEMO_CLIENT_ID)
        .header("X-Client-Secret", "wrongwrongwrongwrongwrongwrong")
        .send()
        .await
        .expect("reply");
    let (status, body) = decode(reply).await;
    assert_eq!(status, StatusCode::OK);
    assert_auth_failure(&body);

    let no_credentials = http()
        .post(url(&sb, "coupon/list"))
        .send()
        .await
        .expect("reply");
    let (status, body) = decode(no_credentials).await;
    assert_eq!(status, StatusCode::OK);
    assert_auth_failure(&body);
    sb.stop().await;
}

#[tokio::test]
async fn semantic_mode_answers_401_and_422() {
    let sb = sandbox_with(SandboxConfig {
        failure_status: FailureStatus::Semantic,
        ..SandboxConfig::default()
    })
    .await;
    let reply = http()
        .post(url(&sb, "coupon/list"))
        .send()
        .await
        .expect("reply");
    let (status, body) = decode(reply).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_auth_failure(&body);

    let (status, body) = v3(&sb, "coupon/info", json!({"campaign": "cam_1"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(failure(&body), (502, "Campaign ID not found.".to_owned()));

    // Switching back at run time.
    sb.control().set_failure_status(FailureStatus::Http200);
    let (status, body) = v3(&sb, "coupon/info", json!({"campaign": "cam_1"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(failure(&body).0, 502);
    sb.stop().await;
}

#[tokio::test]
async fn coupon_info_and_list_errors() {
    let sb = sandbox().await;
    let (_, body) = v3(&sb, "coupon/info", json!({"campaign": CAMPAIGN})).await;
    assert!(is_ok(&body));
    assert_eq!(body["coupon_info"]["ID"], CAMPAIGN);
    assert_eq!(body["coupon_info"]["code"], CAMPAIGN_SLUG);
    let (_, body) = v3(&sb, "coupon/info", json!({})).await;
    assert_eq!(
        failure(&body),
        (200, "Missing parameter: campaign".to_owned())
    );
    let (_, body) = v3(&sb, "coupon/info", json!({"campaign": "cam_12x"})).await;
    assert_eq!(
        failure(&body),
        (301, "Invalid character in parameter: campaign.".to_owned())
    );
    let (_, body) = v3(&sb, "coupon/list", json!({"folder": "999"})).await;
    assert_eq!(failure(&body).0, 515);
    sb.stop().await;
}

#[tokio::test]
async fn every_send_email_error_code() {
    let sb = sandbox().await;
    let cases = [
        (json!({}), 200, "Missing parameter: campaign".to_owned()),
        (json!({"campaign": CAMPAIGN}), 200, "Missing parameter: email".to_owned()),
        (json!({"campaign": "coupon_1", "email": "a@shop.test"}), 301, "Invalid character in parameter: campaign.".to_owned()),
        (json!({"campaign": "cam_999", "email": "a@shop.test"}), 502, "Campaign ID not found.".to_owned()),
        (json!({"campaign": "dir_999", "email": "a@shop.test"}), 502, "Directory ID not found.".to_owned()),
        (json!({"campaign": CAMPAIGN, "email": "not an address"}), 305, "Email address is not valid".to_owned()),
        (
            json!({"campaign": CAMPAIGN, "email": "gone@bounce.test"}),
            604,
            "Email not sent to 'gone@bounce.test'. Reason: Mailbox unavailable (the address bounced).".to_owned(),
        ),
    ];
    for (request, code, text) in cases {
        let (status, body) = v3(&sb, "send/email", request.clone()).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(failure(&body), (code, text), "{request}");
    }
    assert!(
        sb.control().emails_sent().is_empty(),
        "no failed send is recorded"
    );

    sb.control().set_email_integration(false);
    let (_, body) = v3(
        &sb,
        "send/email",
        json!({"campaign": CAMPAIGN, "email": "a@shop.test"}),
    )
    .await;
    let (code, text) = failure(&body);
    assert_eq!(code, 104);
    assert!(
        text.starts_with("No Email integration has been setup"),
        "{text}"
    );
    assert_eq!(sb.control().emails_sent_to("a@shop.test"), 0);
    sb.stop().await;
}

#[tokio::test]
async fn send_email_success_reply_follows_seed_004() {
    let sb = sandbox().await;
    let (_, body) = v3(
        &sb,
        "send/email",
        json!({"campaign": CAMPAIGN, "email": "Ann@Shop.test", "subject": "For you", "firstname": "Ann"}),
    )
    .await;
    assert!(is_ok(&body), "{body}");
    assert_eq!(body["campaign"], CAMPAIGN);
    assert_eq!(body["subject"], "For you");
    assert_eq!(body["receiver"], "Ann@Shop.test");
    assert_eq!(body["action"], "email_sent");
    let code = body["single_use_code"].as_str().expect("code");
    assert_eq!(code.len(), 21);
    assert!(
        code.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
        "{code}"
    );
    assert_eq!(
        body["single_use_url"],
        format!("https://digicpn.com/p/{CAMPAIGN_SLUG}/{code}")
    );
    let sent = sb.control().emails_sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0].campaign.as_str(), sent[0].email.as_str()),
        (CAMPAIGN, "Ann@Shop.test")
    );
    assert_eq!(sent[0].single_use_code, code);
    sb.stop().await;
}

#[tokio::test]
async fn check_unique_skips_a_repeat_and_sends_are_counted_per_address() {
    let sb = sandbox().await;
    let send = |email: &'static str, unique: Value| {
        let sb = &sb;
        async move {
            v3(
                sb,
                "send/email",
                json!({"campaign": CAMPAIGN, "email": email, "check_unique": unique}),
            )
            .await
            .1
        }
    };
    let first = send("bo@shop.test", json!(false)).await;
    let second = send("BO@shop.test", json!("0")).await;
    assert_eq!(second["action"], "email_sent");
    assert_ne!(
        first["single_use_code"], second["single_use_code"],
        "a fresh code per send"
    );
    assert_eq!(sb.control().emails_sent_to("Bo@Shop.Test"), 2);

    let repeat = send("bo@SHOP.test", json!("true")).await;
    assert!(is_ok(&repeat));
    assert_eq!(repeat["action"], "already_sent");
    assert_eq!(
        repeat["single_use_code"], second["single_use_code"],
        "the latest earlier send"
    );
    assert_eq!(repeat["single_use_url"], second["single_use_url"]);
    assert_eq!(
        sb.control().emails_sent_to("bo@shop.test"),
        2,
        "nothing was sent"
    );

    let new_address = send("cy@shop.test", json!(true)).await;
    assert_eq!(new_address["action"], "email_sent");
    assert_eq!(sb.control().emails_sent_to("cy@shop.test"), 1);
    assert_eq!(sb.control().emails_sent().len(), 3);
    assert_eq!(sb.control().request_count("send/email"), 4);
    sb.stop().await;
}

// ---------------------------------------------------------------------------------------------
// couponsession/search (§10)

/// `YYYY-MM-DD HH:MM:SS` read as UTC.
fn parse_utc(text: &str) -> time::OffsetDateTime {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    time::PrimitiveDateTime::parse(text, &format)
        .unwrap_or_else(|e| panic!("{text:?}: {e}"))
        .assume_utc()
}

fn sessions(body: &Value) -> &Vec<Value> {
    body["data"].as_array().expect("data array")
}

#[tokio::test]
async fn session_search_finds_the_sends_to_an_address_newest_first() {
    let sb = sandbox().await;
    let mut codes = Vec::new();
    for (campaign, to, first) in [
        (CAMPAIGN, "Dee@Shop.test", "Dee"),
        ("cam_104212", "dee@shop.test", ""),
        (CAMPAIGN, "other@shop.test", ""),
        (CAMPAIGN, "DEE@shop.test", ""),
    ] {
        let (_, sent) = v3(
            &sb,
            "send/email",
            json!({"campaign": campaign, "email": to, "firstname": first}),
        )
        .await;
        assert_eq!(sent["action"], "email_sent", "{sent}");
        codes.push(sent["single_use_code"].as_str().unwrap().to_owned());
        // created_date_utc has whole seconds: keep the sends a second apart so "newest first"
        // is visible in the dates too.
        tokio::time::sleep(Duration::from_millis(1050)).await;
    }
    let now = time::OffsetDateTime::now_utc();

    let (status, all) = v3(
        &sb,
        "couponsession/search",
        json!({"search": "dee@SHOP.test"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(is_ok(&all), "{all}");
    assert_eq!(all["amount_of_results"], "3");
    let found: Vec<&str> = sessions(&all)
        .iter()
        .map(|s| s["session"].as_str().unwrap())
        .collect();
    assert_eq!(found, [&codes[3], &codes[1], &codes[0]], "newest first");
    let dates: Vec<time::OffsetDateTime> = sessions(&all)
        .iter()
        .map(|s| parse_utc(s["status"]["created_date_utc"].as_str().unwrap()))
        .collect();
    assert!(dates.windows(2).all(|w| w[0] > w[1]), "{dates:?}");
    assert!(
        (now - dates[0]).abs() < time::Duration::seconds(5),
        "{dates:?} vs {now}"
    );

    let oldest = &sessions(&all)[2];
    assert_eq!(oldest["campaign"], CAMPAIGN);
    assert_eq!(
        oldest["session_url"],
        format!("https://digicpn.com/p/{CAMPAIGN_SLUG}/{}", codes[0])
    );
    assert_eq!(oldest["user_data"]["email"], "Dee@Shop.test");
    assert_eq!(oldest["user_data"]["firstname"], "Dee");
    assert!(oldest["sequenceid"]
        .as_str()
        .unwrap()
        .parse::<u64>()
        .is_ok());
    assert_eq!(oldest["customid"], "");
    assert_eq!(oldest["status"]["open_date_utc"], "");

    let (_, in_campaign) = v3(
        &sb,
        "couponsession/search",
        json!({"search": "dee@shop.test", "campaign": CAMPAIGN}),
    )
    .await;
    assert_eq!(in_campaign["amount_of_results"], "2");
    let found: Vec<&str> = sessions(&in_campaign)
        .iter()
        .map(|s| s["session"].as_str().unwrap())
        .collect();
    assert_eq!(found, [&codes[3], &codes[0]]);

    let (_, none) = v3(
        &sb,
        "couponsession/search",
        json!({"search": "dee@shop.test", "campaign": "cam_104213"}),
    )
    .await;
    assert!(is_ok(&none));
    assert_eq!(none["amount_of_results"], "0");
    assert_eq!(none["data"], json!([]));
    sb.stop().await;
}

#[tokio::test]
async fn session_search_errors() {
    let sb = sandbox().await;
    for (body, code, text) in [
        (json!({}), 200, "Missing parameter: search"),
        (json!({"search": "  "}), 200, "Missing parameter: search"),
        (
            json!({"search": "a@shop.test", "campaign": "abc"}),
            301,
            "Invalid character in parameter: campaign.",
        ),
        (
            json!({"search": "a@shop.test", "campaign": "cam_999999"}),
            502,
            "Campaign ID not found.",
        ),
        (
            json!({"search": "a@shop.test", "campaign": "dir_999999"}),
            502,
            "Directory ID not found.",
        ),
    ] {
        let (status, reply) = v3(&sb, "couponsession/search", body.clone()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(failure(&reply), (code, text.to_owned()), "{body}");
    }
    sb.stop().await;
}

// ---------------------------------------------------------------------------------------------
// slow_handling and atomic_check_unique

/// Two send/email requests for the same address at the same time, with check_unique.
async fn two_sends_at_once(sb: &Sandbox, to: &str) -> [Value; 2] {
    let body = json!({"campaign": CAMPAIGN, "email": to, "check_unique": true});
    let (a, b) = tokio::join!(
        v3(sb, "send/email", body.clone()),
        v3(sb, "send/email", body.clone())
    );
    [a.1, b.1]
}

#[tokio::test]
async fn without_atomic_check_unique_two_racing_sends_both_go_out() {
    let sb = sandbox_with(SandboxConfig {
        slow_handling: Duration::from_millis(400),
        atomic_check_unique: false,
        ..SandboxConfig::default()
    })
    .await;
    let started = Instant::now();
    let replies = two_sends_at_once(&sb, "Race@Shop.test").await;
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(400),
        "handled slowly: {took:?}"
    );
    for reply in &replies {
        assert!(is_ok(reply), "{reply}");
        assert_eq!(reply["action"], "email_sent", "{reply}");
    }
    assert_ne!(replies[0]["single_use_code"], replies[1]["single_use_code"]);
    assert_eq!(sb.control().emails_sent_to("race@shop.test"), 2);
    assert_eq!(sb.control().send_requests_for("RACE@shop.test"), 2);
    assert_eq!(sb.control().max_concurrent_sends_for_one_address(), 2);
    sb.stop().await;
}

#[tokio::test]
async fn with_atomic_check_unique_two_racing_sends_go_out_once() {
    let sb = sandbox().await;
    sb.control().set_slow_handling(Duration::from_millis(400));
    assert_eq!(sb.control().max_concurrent_sends_for_one_address(), 0);
    let replies = two_sends_at_once(&sb, "race@shop.test").await;
    let mut actions: Vec<String> = replies
        .iter()
        .map(|r| r["action"].as_str().unwrap_or("").to_owned())
        .collect();
    actions.sort();
    assert_eq!(actions, ["already_sent", "email_sent"]);
    assert_eq!(
        replies[0]["single_use_code"], replies[1]["single_use_code"],
        "the skipped one names the coupon the other sent"
    );
    assert_eq!(sb.control().emails_sent_to("race@shop.test"), 1);
    assert_eq!(sb.control().send_requests_for("race@shop.test"), 2);
    assert_eq!(sb.control().max_concurrent_sends_for_one_address(), 2);

    // One at a time, for another address: the most at once stays what it was.
    sb.control().set_slow_handling(Duration::ZERO);
    for _ in 0..2 {
        v3(
            &sb,
            "send/email",
            json!({"campaign": CAMPAIGN, "email": "calm@shop.test"}),
        )
        .await;
    }
    assert_eq!(sb.control().send_requests_for("calm@shop.test"), 2);
    assert_eq!(sb.control().max_concurrent_sends_for_one_address(), 2);
    sb.stop().await;
}

#[tokio::test]
async fn a_client_that_gives_up_does_not_stop_a_slow_send() {
    let sb = sandbox().await;
    sb.control().set_slow_handling(Duration::from_millis(600));
    install_tls_provider();
    let impatient = Client::builder()
        .timeout(Duration::from_millis(150))
        .build()
        .unwrap();
    let result = impatient
        .post(url(&sb, "send/email"))
        .header("X-Client-Id", DEMO_CLIENT_ID)
        .header("X-Client-Secret", DEMO_CLIENT_SECRET)
        .json(&json!({"campaign": CAMPAIGN, "email": "patience@shop.test"}))
        .send()
        .await;
    assert!(result.is_err_and(|e| e.is_timeout()));
    assert_eq!(sb.control().emails_sent_to("patience@shop.test"), 0);
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(sb.control().emails_sent_to("patience@shop.test"), 1);
    assert_eq!(sb.control().send_requests_for("patience@shop.test"), 1);
    sb.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Faults

#[tokio::test]
async fn ok_without_action_fault_sends_but_says_nothing_of_it() {
    let sb = sandbox().await;
    sb.control()
        .inject_on("send/email", Fault::OkWithoutAction, 1);
    let (status, body) = v3(
        &sb,
        "send/email",
        json!({"campaign": CAMPAIGN, "email": "quiet@shop.test"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(is_ok(&body), "{body}");
    assert!(body.get("action").is_none(), "{body}");
    assert_eq!(body["receiver"], "quiet@shop.test");
    assert_eq!(
        sb.control().emails_sent_to("quiet@shop.test"),
        1,
        "it took effect"
    );
    assert_eq!(sb.control().send_requests_for("quiet@shop.test"), 1);
    // Used up.
    let (_, body) = v3(
        &sb,
        "send/email",
        json!({"campaign": CAMPAIGN, "email": "quiet@shop.test"}),
    )
    .await;
    assert_eq!(body["action"], "email_sent");
    sb.stop().await;
}

#[tokio::test]
async fn status_as_string_fault_takes_effect_with_a_flat_status() {
    let sb = sandbox().await;
    sb.control()
        .inject_on("send/email", Fault::StatusAsString, 2);
    let (status, body) = v3(
        &sb,
        "send/email",
        json!({"campaign": CAMPAIGN, "email": "flat@shop.test"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "OK", "{body}");
    assert_eq!(body["action"], "email_sent");
    assert_eq!(sb.control().emails_sent_to("flat@shop.test"), 1);

    let (_, body) = v3(
        &sb,
        "send/email",
        json!({"campaign": CAMPAIGN, "email": "flat@bounce.test"}),
    )
    .await;
    assert_eq!(body["status"], "failed", "{body}");
    assert_eq!(body["errors"]["error_code"], json!([604]));
    sb.stop().await;
}

#[tokio::test]
async fn new_switches_and_faults_over_the_control_api() {
    let sb = sandbox().await;
    let base = format!("http://{}/_sandbox", sb.addr());
    let (_, now) = decode(
        http()
            .post(format!("{base}/settings"))
            .json(&json!({"slow_handling_ms": 300, "atomic_check_unique": false}))
            .send()
            .await
            .expect("reply"),
    )
    .await;
    assert_eq!(now["slow_handling_ms"], 300);
    assert_eq!(now["atomic_check_unique"], false);
    let replies = two_sends_at_once(&sb, "ctl@shop.test").await;
    assert!(
        replies.iter().all(|r| r["action"] == "email_sent"),
        "{replies:?}"
    );

    for kind in ["ok_without_action", "status_as_string"] {
        let queued = http()
            .post(format!("{base}/faults"))
            .json(&json!({"fault": {"kind": kind}, "path_suffix": "send/email"}))
            .send()
            .await
            .expect("reply");
        assert_eq!(queued.status(), StatusCode::OK, "{kind}");
    }
    http()
        .post(format!("{base}/settings"))
        .json(&json!({"slow_handling_ms": 0}))
        .send()
        .await
        .expect("reply");
    let (_, first) = v3(
        &sb,
        "send/email",
        json!({"campaign": CAMPAIGN, "email": "ctl@shop.test"}),
    )
    .await;
    assert!(first.get("action").is_none(), "{first}");
    let (_, second) = v3(
        &sb,
        "send/email",
        json!({"campaign": CAMPAIGN, "email": "ctl@shop.test"}),
    )
    .await;
    assert_eq!(second["status"], "OK", "{second}");

    let (_, stats) = decode(
        http()
            .get(format!("{base}/stats?email=CTL%40shop.test"))
            .send()
            .await
            .expect("reply"),
    )
    .await;
    assert_eq!(stats["emails_sent_to"]["count"], 4);
    assert_eq!(stats["emails_sent_to"]["send_requests"], 4);
    assert_eq!(stats["max_concurrent_sends_for_one_address"], 2);
    sb.stop().await;
}

#[tokio::test]
async fn server_error_fault_is_a_503_page_and_has_no_effect() {
    let sb = sandbox().await;
    sb.control().inject(Fault::ServerError(503), 1);
    let reply = http()
        .post(url(&sb, "send/email"))
        .header("X-Client-Id", DEMO_CLIENT_ID)
        .header("X-Client-Secret", DEMO_CLIENT_SECRET)
        .json(&json!({"campaign": CAMPAIGN, "email": "a@shop.test"}))
        .send()
        .await
        .expect("a reply, not a transport error");
    assert_eq!(reply.status(), StatusCode::SERVICE_UNAVAILABLE);
    let text = reply.text().await.expect("body");
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    assert_eq!(sb.control().emails_sent_to("a@shop.test"), 0);
    assert_eq!(sb.control().request_count("send/email"), 1);
    // Used up: the next call is normal.
    let (status, body) = v3(&sb, "coupon/list", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert!(is_ok(&body));
    sb.stop().await;
}

#[tokio::test]
async fn too_many_requests_fault_carries_retry_after() {
    let sb = sandbox().await;
    sb.control().inject(
        Fault::TooManyRequests {
            retry_after_secs: 7,
        },
        2,
    );
    for _ in 0..2 {
        let reply = http()
            .post(url(&sb, "coupon/list"))
            .send()
            .await
            .expect("reply");
        assert_eq!(reply.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            reply
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()),
            Some("7")
        );
    }
    let (status, _) = v3(&sb, "coupon/list", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    sb.stop().await;
}

#[tokio::test]
async fn dropped_connection_is_a_transport_error_and_nothing_is_sent() {
    let sb = sandbox().await;
    sb.control().inject(Fault::DropConnection, 1);
    let result = http()
        .post(url(&sb, "send/email"))
        .header("X-Client-Id", DEMO_CLIENT_ID)
        .header("X-Client-Secret", DEMO_CLIENT_SECRET)
        .json(&json!({"campaign": CAMPAIGN, "email": "drop@shop.test"}))
        .send()
        .await;
    let error = result.expect_err("the client must not see a response");
    assert!(!error.is_status() && !error.is_decode(), "{error:?}");
    assert_eq!(sb.control().emails_sent_to("drop@shop.test"), 0);
    assert_eq!(sb.control().request_count("send/email"), 1);
    sb.stop().await;
}

#[tokio::test]
async fn drop_after_handling_sends_then_cuts_the_reply() {
    let sb = sandbox().await;
    sb.control()
        .inject_on("send/email", Fault::DropAfterHandling, 1);
    let result = http()
        .post(url(&sb, "send/email"))
        .header("X-Client-Id", DEMO_CLIENT_ID)
        .header("X-Client-Secret", DEMO_CLIENT_SECRET)
        .json(&json!({"campaign": CAMPAIGN, "email": "lost@shop.test"}))
        .send()
        .await;
    assert!(result.is_err(), "the reply must be lost: {result:?}");
    assert_eq!(
        sb.control().emails_sent_to("lost@shop.test"),
        1,
        "the e-mail did go out"
    );
    assert_eq!(
        sb.control().request_count("send/email"),
        1,
        "exactly one request reached the sandbox"
    );

    // The reconciliation a client can do: ask again with check_unique.
    let (_, body) = v3(
        &sb,
        "send/email",
        json!({"campaign": CAMPAIGN, "email": "lost@shop.test", "check_unique": true}),
    )
    .await;
    assert_eq!(body["action"], "already_sent");
    assert_eq!(
        body["single_use_code"],
        sb.control().emails_sent()[0].single_use_code.as_str()
    );
    sb.stop().await;
}

#[tokio::test]
async fn non_json_fault_serves_the_given_page() {
    let sb = sandbox().await;
    sb.control().inject(
        Fault::NonJson {
            status: 502,
            body: "<html>Bad gateway</html>".into(),
        },
        1,
    );
    let reply = http()
        .post(url(&sb, "coupon/list"))
        .send()
        .await
        .expect("reply");
    assert_eq!(reply.status(), StatusCode::BAD_GATEWAY);
    assert!(reply.headers()["content-type"]
        .to_str()
        .is_ok_and(|t| t.starts_with("text/html")));
    assert_eq!(
        reply.text().await.expect("body"),
        "<html>Bad gateway</html>"
    );
    sb.stop().await;
}

#[tokio::test]
async fn truncated_fault_cuts_the_real_reply_after_handling() {
    let sb = sandbox().await;
    sb.control().inject_on("send/email", Fault::Truncated, 1);
    let reply = http()
        .post(url(&sb, "send/email"))
        .header("X-Client-Id", DEMO_CLIENT_ID)
        .header("X-Client-Secret", DEMO_CLIENT_SECRET)
        .json(&json!({"campaign": CAMPAIGN, "email": "cut@shop.test"}))
        .send()
        .await
        .expect("a complete HTTP reply");
    assert_eq!(reply.status(), StatusCode::OK);
    let text = reply.text().await.expect("body");
    assert!(text.starts_with('{') && text.len() > 10, "{text:?}");
    let error = serde_json::from_str::<Value>(&text).expect_err("cut JSON");
    assert!(error.is_eof(), "the JSON stops in the middle: {error}");
    assert_eq!(
        sb.control().emails_sent_to("cut@shop.test"),
        1,
        "the request took effect"
    );
    sb.stop().await;
}

#[tokio::test]
async fn empty_fault_is_200_with_no_body() {
    let sb = sandbox().await;
    sb.control().inject(Fault::Empty, 1);
    let reply = http()
        .post(url(&sb, "coupon/list"))
        .send()
        .await
        .expect("reply");
    assert_eq!(reply.status(), StatusCode::OK);
    assert_eq!(reply.text().await.expect("body"), "");
    sb.stop().await;
}

#[tokio::test]
async fn path_bound_faults_leave_other_paths_alone() {
    let sb = sandbox().await;
    sb.control()
        .inject_on("send/email", Fault::ServerError(500), 1);
    let (status, _) = v3(&sb, "coupon/list", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let reply = http()
        .post(url(&sb, "send/email"))
        .send()
        .await
        .expect("reply");
    assert_eq!(reply.status(), StatusCode::INTERNAL_SERVER_ERROR);

    sb.control().inject(Fault::ServerError(500), 3);
    sb.control().clear_faults();
    let (status, _) = v3(&sb, "coupon/list", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    sb.stop().await;
}

#[tokio::test]
async fn latency_delays_requests_without_serialising_them() {
    let sb = sandbox().await;
    sb.control().set_latency(Duration::from_millis(200));
    let client = http();
    let started = Instant::now();
    let calls = (0..10).map(|_| {
        client
            .post(url(&sb, "coupon/list"))
            .header("X-Client-Id", DEMO_CLIENT_ID)
            .header("X-Client-Secret", DEMO_CLIENT_SECRET)
            .send()
    });
    let replies = futures_util::future::join_all(calls).await;
    let elapsed = started.elapsed();
    for reply in replies {
        assert_eq!(reply.expect("reply").status(), StatusCode::OK);
    }
    assert!(
        elapsed >= Duration::from_millis(200),
        "latency applied: {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_millis(1500),
        "requests ran in parallel: {elapsed:?}"
    );
    assert_eq!(sb.control().request_count("coupon/list"), 10);
    sb.stop().await;
}

#[tokio::test]
async fn v4_loyalty_cards_need_keys() {
    let sb = sandbox().await;
    let cards_url = format!("{}/loyalty/loyalty-cards", sb.v4_url());
    let reply = http().get(&cards_url).send().await.expect("reply");
    let (status, body) = decode(reply).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body["message"].is_string(), "{body}");

    let reply = http()
        .get(&cards_url)
        .header("x-api-key", DEMO_CLIENT_ID)
        .header("x-api-secret", "nope")
        .send()
        .await
        .expect("reply");
    assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);

    let reply = http()
        .get(&cards_url)
        .header("x-api-key", DEMO_CLIENT_ID)
        .header("x-api-secret", DEMO_CLIENT_SECRET)
        .send()
        .await
        .expect("reply");
    let (status, body) = decode(reply).await;
    assert_eq!(status, StatusCode::OK);
    let cards = body.as_array().expect("a bare array, no envelope");
    assert_eq!(cards.len(), 5);
    assert!(cards[0]["id"].is_u64());
    for key in ["code", "name", "domain", "type"] {
        assert!(cards[0][key].is_string(), "{key}");
    }

    let unknown = http()
        .get(format!("{}/loyalty/nothing-here", sb.v4_url()))
        .header("x-api-key", DEMO_CLIENT_ID)
        .header("x-api-secret", DEMO_CLIENT_SECRET)
        .send()
        .await
        .expect("reply");
    let (status, body) = decode(unknown).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["message"].is_string());
    sb.stop().await;
}

#[tokio::test]
async fn unknown_v3_path_is_404_with_a_failure_envelope() {
    let sb = sandbox().await;
    let (status, body) = v3(&sb, "coupon/explode", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["status"]["status"], "failed");
    // Reads answer GET too (§1); writes do not.
    let reply = http()
        .get(url(&sb, "send/email"))
        .send()
        .await
        .expect("reply");
    assert_eq!(reply.status(), StatusCode::METHOD_NOT_ALLOWED);
    sb.stop().await;
}

#[tokio::test]
async fn directory_users_come_in_pages_newest_first() {
    let sb = sandbox().await;
    let page = |n: u32| {
        let sb = &sb;
        async move {
            v3(
                sb,
                "directoryusers/list",
                json!({"directory": "dir_7001", "page": n}),
            )
            .await
            .1
        }
    };
    let first = page(1).await;
    assert!(is_ok(&first), "{first}");
    assert_eq!(first["directory"], "dir_7001");
    assert_eq!(first["page"], "1");
    assert_eq!(first["amount_of_users"], "150");
    let users = first["users"].as_array().expect("users");
    assert_eq!(users.len(), 100);
    assert_eq!(users[0]["ID"], "reg_560150");
    assert!(users[0]["last_seen"]
        .as_str()
        .is_some_and(|s| s.ends_with(" UTC")));
    assert!(users[0]["amount_of_logins"].is_string());

    let second = page(2).await;
    assert_eq!(second["users"].as_array().map(Vec::len), Some(50));
    assert_eq!(second["users"][49]["ID"], "reg_560001");
    assert_eq!(page(3).await["users"].as_array().map(Vec::len), Some(0));

    let (_, body) = v3(&sb, "directoryusers/list", json!({"directory": "dir_x"})).await;
    assert_eq!(
        failure(&body),
        (301, "Invalid character in parameter: directory.".to_owned())
    );
    let (_, body) = v3(&sb, "directoryusers/list", json!({"directory": "dir_1"})).await;
    assert_eq!(failure(&body), (507, "Directory ID not found.".to_owned()));
    sb.stop().await;
}

#[tokio::test]
async fn page_size_is_configurable() {
    let sb = sandbox_with(SandboxConfig {
        page_size: 40,
        ..SandboxConfig::default()
    })
    .await;
    let (_, body) = v3(
        &sb,
        "directoryusers/list",
        json!({"directory": "dir_7001", "page": "4"}),
    )
    .await;
    assert_eq!(body["users"].as_array().map(Vec::len), Some(30));
    sb.stop().await;
}

#[tokio::test]
async fn loyalty_users_follow_seed_000() {
    let sb = sandbox().await;
    let (_, body) = v3(
        &sb,
        "loyaltyusers/list",
        json!({"loyaltycard": "loy_48213"}),
    )
    .await;
    assert!(is_ok(&body), "{body}");
    assert_eq!(body["loyaltycard"][0]["ID"], "loy_48213");
    assert_eq!(body["amount_of_users"], "5");
    assert_eq!(body["users"].as_array().map(Vec::len), Some(5));
    assert!(body["users"][0]["ID"]
        .as_str()
        .is_some_and(|id| id.starts_with("lus_")));
    let (_, body) = v3(&sb, "loyaltyusers/list", json!({"loyaltycard": "loy_1"})).await;
    assert_eq!(failure(&body).0, 505);
    sb.stop().await;
}

#[tokio::test]
async fn malformed_json_body_is_refused_with_300() {
    let sb = sandbox().await;
    let reply = http()
        .post(url(&sb, "coupon/list"))
        .header("X-Client-Id", DEMO_CLIENT_ID)
        .header("X-Client-Secret", DEMO_CLIENT_SECRET)
        .header("Content-Type", "application/json")
        .body("{\"only_active\": tru")
        .send()
        .await
        .expect("reply");
    let (_, body) = decode(reply).await;
    assert_eq!(failure(&body).0, 300);
    sb.stop().await;
}

#[tokio::test]
async fn control_api_over_http() {
    let sb = sandbox().await;
    let base = format!("http://{}/_sandbox", sb.addr());
    let queued = http()
        .post(format!("{base}/faults"))
        .json(&json!({"fault": {"kind": "server_error", "status": 502}, "times": 1, "path_suffix": "coupon/list"}))
        .send()
        .await
        .expect("reply");
    assert_eq!(queued.status(), StatusCode::OK);
    let reply = http()
        .post(url(&sb, "coupon/list"))
        .send()
        .await
        .expect("reply");
    assert_eq!(reply.status(), StatusCode::BAD_GATEWAY);

    let bad = http()
        .post(format!("{base}/faults"))
        .json(&json!({"fault": {"kind": "meteor"}}))
        .send()
        .await
        .expect("reply");
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let settings = http()
        .post(format!("{base}/settings"))
        .json(&json!({"failure_status": "semantic", "email_integration": false}))
        .send()
        .await
        .expect("reply");
    let (_, now) = decode(settings).await;
    assert_eq!(
        now,
        json!({"latency_ms": 0, "failure_status": "semantic", "email_integration": false,
               "slow_handling_ms": 0, "atomic_check_unique": true, "third_level_categories": true,
               "rate_limit_per_second": 0, "workers": 0})
    );
    let (status, body) = v3(
        &sb,
        "send/email",
        json!({"campaign": CAMPAIGN, "email": "a@shop.test"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(failure(&body).0, 104);

    http()
        .post(format!("{base}/settings"))
        .json(&json!({"email_integration": true}))
        .send()
        .await
        .expect("reply");
    v3(
        &sb,
        "send/email",
        json!({"campaign": CAMPAIGN, "email": "A@shop.test"}),
    )
    .await;
    let stats = http()
        .get(format!("{base}/stats?email=a%40SHOP.test"))
        .send()
        .await
        .expect("reply");
    let (_, stats) = decode(stats).await;
    assert_eq!(stats["emails_sent_total"], 1);
    assert_eq!(stats["emails_sent"][0]["email"], "A@shop.test");
    assert_eq!(stats["emails_sent_to"]["count"], 1);
    assert_eq!(stats["requests"]["/v3/send/email"], 2);
    assert_eq!(stats["requests"]["/v3/coupon/list"], 1);
    assert!(
        stats["requests"].get("/_sandbox/stats").is_none(),
        "control calls are not counted"
    );
    sb.stop().await;
}

#[tokio::test]
async fn stop_and_drop_free_the_port() {
    let sb = sandbox().await;
    let addr = sb.addr();
    let (status, _) = v3(&sb, "coupon/list", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    sb.stop().await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "nothing listens after stop"
    );

    let sb = sandbox().await;
    let addr = sb.addr();
    drop(sb);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "nothing listens after drop"
    );
}

#[tokio::test]
async fn only_loopback_addresses_are_allowed() {
    let outside = "0.0.0.0:0".parse().expect("addr");
    let error = Sandbox::start_at(outside, SandboxConfig::default())
        .await
        .expect_err("refused");
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
}

// ---------------------------------------------------------------------------------------------
// Single-use links and session reads

/// A GET with the documented headers and optional query.
async fn v3_get(sb: &Sandbox, path_and_query: &str) -> (StatusCode, Value) {
    let reply = http()
        .get(url(sb, path_and_query))
        .header("X-Client-Id", DEMO_CLIENT_ID)
        .header("X-Client-Secret", DEMO_CLIENT_SECRET)
        .send()
        .await
        .expect("reply");
    decode(reply).await
}

#[tokio::test]
async fn single_use_replies_as_the_docs_print_them() {
    let sb = sandbox().await;
    let (_, one) = v3(
        &sb,
        "singleuse/create",
        json!({"campaign": CAMPAIGN, "firstname": "Ann", "email": "ann@shop.test", "customid": "crm-7", "customvalcode": "BAR-1"}),
    )
    .await;
    assert!(is_ok(&one), "{one}");
    let code = one["single_use_code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 21);
    assert!(code
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    assert_eq!(
        one["single_use_url"],
        format!("https://digicpn.com/p/{CAMPAIGN_SLUG}/{code}")
    );
    assert_eq!(one["widget_validation_code"], &code[..6]);
    assert_eq!(one["custom_validation_code"], "BAR-1");
    assert_eq!(one["customid"], "crm-7");

    let (_, many) = v3(
        &sb,
        "multiplesingleuse/create",
        json!({"campaign": CAMPAIGN, "amount": "3"}),
    )
    .await;
    assert!(is_ok(&many), "{many}");
    assert_eq!(many["campaign"], CAMPAIGN);
    assert_eq!(
        many["action"], " multiple_single_use_codes_created",
        "leading space kept"
    );
    let rows = many["data"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    for row in rows {
        assert!(row["sequence_id"].is_u64(), "an integer: {row}");
        assert!(row.get("sequenceid").is_none());
        for key in [
            "single_use_code",
            "single_use_url",
            "widget_validation_code",
            "custom_validation_code",
        ] {
            assert!(row[key].is_string(), "{key}: {row}");
        }
    }
    let (_, default_amount) = v3(
        &sb,
        "multiplesingleuse/create",
        json!({"campaign": CAMPAIGN}),
    )
    .await;
    assert_eq!(default_amount["data"].as_array().unwrap().len(), 10);

    // couponsession/data: numbers as strings, "" for dates that did not happen (§4, §5.3).
    let (_, data) = v3(&sb, "couponsession/data", json!({"couponsession": code})).await;
    assert!(is_ok(&data), "{data}");
    assert_eq!(data["action"], "retrieve_all_session_data");
    assert_eq!(data["campaign"], CAMPAIGN);
    assert_eq!(data["session"], code);
    assert!(
        data["sequenceid"].as_str().unwrap().parse::<u64>().is_ok(),
        "a numeric string"
    );
    let status = &data["data"]["status"];
    for (key, value) in status.as_object().unwrap() {
        assert!(value.is_string(), "{key} is a string: {value}");
    }
    assert_eq!(status["open_date_utc"], "");
    assert_eq!(status["opened"], "0");
    assert_eq!(status["locked"], "0");
    assert_eq!(status["own_validation_code"], "BAR-1");
    parse_utc(status["created_date_utc"].as_str().unwrap());
    assert_eq!(data["user_data"]["firstname"], "Ann");
    let (_, short) = v3(
        &sb,
        "couponsession/data",
        json!({"couponsession": &code[..6]}),
    )
    .await;
    assert_eq!(short["session"], code);

    // campaign/data: every session, oldest first, with a count as a string.
    let (_, list) = v3(&sb, "campaign/data", json!({"campaign": CAMPAIGN})).await;
    assert_eq!(list["amount_of_results"], "14");
    let listed = list["data"].as_array().unwrap();
    assert_eq!(listed[0]["session"], code);
    assert!(listed[1]["sequenceid"].is_string());
    let (_, none) = v3(&sb, "campaign/data", json!({"campaign": "cam_104212"})).await;
    assert_eq!(none["amount_of_results"], "0");
    assert_eq!(none["data"], json!([]));

    // Remove, then it is gone.
    let (_, removed) = v3(
        &sb,
        "singleuse/remove",
        json!({"campaign": CAMPAIGN, "couponsession": code}),
    )
    .await;
    assert!(is_ok(&removed), "{removed}");
    assert_eq!(removed["action"], "single_use_code_removed");
    let (_, again) = v3(
        &sb,
        "singleuse/remove",
        json!({"campaign": CAMPAIGN, "couponsession": code}),
    )
    .await;
    assert_eq!(failure(&again), (505, "Couponsession not found.".into()));
    let (_, gone) = v3(&sb, "couponsession/data", json!({"couponsession": code})).await;
    assert_eq!(failure(&gone).0, 505);
    assert_eq!(sb.control().sessions_in_campaign(CAMPAIGN), 13);
    sb.stop().await;
}

#[tokio::test]
async fn single_use_and_session_errors() {
    let sb = sandbox().await;
    let code_of = |body: Value| failure(&body).0;
    for (path, body, code) in [
        ("singleuse/create", json!({}), 200),
        ("singleuse/create", json!({"campaign": "dir_7002"}), 301),
        ("singleuse/create", json!({"campaign": "cam_1"}), 502),
        (
            "singleuse/create",
            json!({"campaign": CAMPAIGN, "email": "ann@"}),
            305,
        ),
        (
            "singleuse/create",
            json!({"campaign": CAMPAIGN, "duplicate_check": "maybe"}),
            302,
        ),
        ("multiplesingleuse/create", json!({"amount": "5"}), 200),
        (
            "multiplesingleuse/create",
            json!({"campaign": CAMPAIGN, "amount": "100001"}),
            302,
        ),
        (
            "multiplesingleuse/create",
            json!({"campaign": CAMPAIGN, "amount": "0"}),
            302,
        ),
        (
            "multiplesingleuse/create",
            json!({"campaign": CAMPAIGN, "amount": "1e3"}),
            302,
        ),
        (
            "multiplesingleuse/create",
            json!({"campaign": CAMPAIGN, "status": "used"}),
            302,
        ),
        (
            "multiplesingleuse/create",
            json!({"campaign": CAMPAIGN, "automated_codes": true, "code_length": 9, "code_type": "numeric"}),
            302,
        ),
        (
            "multiplesingleuse/create",
            json!({"campaign": CAMPAIGN, "automated_codes": true, "code_length": "ten", "code_type": "numeric"}),
            303,
        ),
        (
            "multiplesingleuse/create",
            json!({"campaign": CAMPAIGN, "automated_codes": true, "code_prefix": "a b", "code_length": 10, "code_type": "numeric"}),
            303,
        ),
        (
            "multiplesingleuse/create",
            json!({"campaign": CAMPAIGN, "automated_codes": true, "code_length": 10, "code_type": "hex"}),
            302,
        ),
        ("singleuse/remove", json!({"couponsession": "a"}), 200),
        ("singleuse/remove", json!({"campaign": CAMPAIGN}), 200),
        (
            "singleuse/remove",
            json!({"campaign": CAMPAIGN, "couponsession": "aaaaaaaaaaaaaaaaaaaaa"}),
            505,
        ),
        ("couponsession/data", json!({}), 200),
        (
            "couponsession/data",
            json!({"couponsession": "zzzzzz"}),
            505,
        ),
        ("campaign/data", json!({}), 200),
        ("campaign/data", json!({"campaign": "cam_x"}), 301),
        ("campaign/data", json!({"campaign": "cam_1"}), 502),
        (
            "campaign/data",
            json!({"campaign": CAMPAIGN, "start_date": "01/02/2025"}),
            303,
        ),
        (
            "campaign/data",
            json!({"campaign": CAMPAIGN, "end_date": "2025-13-01"}),
            303,
        ),
        (
            "campaign/data",
            json!({"campaign": CAMPAIGN, "page": "0"}),
            302,
        ),
    ] {
        let (_, reply) = v3(&sb, path, body.clone()).await;
        assert_eq!(code_of(reply), code, "{path} {body}");
    }
    let (_, amount) = v3(
        &sb,
        "multiplesingleuse/create",
        json!({"campaign": CAMPAIGN, "amount": "100001"}),
    )
    .await;
    assert_eq!(failure(&amount).1, "Invalid value in parameter: amount.");
    assert_eq!(sb.control().sessions_in_campaign(CAMPAIGN), 0);
    // Every date form the docs and clients use is accepted.
    for (start, end) in [
        ("2020-01-01 00:00", "2999-12-31 23:59"),
        ("2020-01-01 00-00", "2999-12-31 23-59"),
        ("2020-01-01", "2999-12-31"),
    ] {
        let (_, ok) = v3(
            &sb,
            "campaign/data",
            json!({"campaign": CAMPAIGN, "start_date": start, "end_date": end, "page": 2}),
        )
        .await;
        assert!(is_ok(&ok), "{start} {end}: {ok}");
    }
    sb.stop().await;
}

#[tokio::test]
async fn reads_answer_get_and_writes_refuse_it() {
    let sb = sandbox().await;
    let (status, list) = v3_get(&sb, "coupon/list").await;
    assert_eq!(status, StatusCode::OK);
    assert!(is_ok(&list) && campaign_count(&list) >= 2, "{list}");
    let (_, info) = v3_get(&sb, &format!("coupon/info?campaign={CAMPAIGN}")).await;
    assert_eq!(info["coupon_info"]["ID"], CAMPAIGN);

    let (_, made) = v3(&sb, "singleuse/create", json!({"campaign": CAMPAIGN})).await;
    let code = made["single_use_code"].as_str().unwrap().to_owned();
    let (status, data) = v3_get(&sb, &format!("couponsession/data?couponsession={code}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(data["session"], code);
    let (_, listed) = v3_get(&sb, &format!("campaign/data?campaign={CAMPAIGN}&page=1")).await;
    assert_eq!(listed["amount_of_results"], "1");
    let (_, searched) = v3_get(&sb, "couponsession/search?search=nobody%40shop.test").await;
    assert_eq!(searched["amount_of_results"], "0");
    // A GET without credentials is refused like a POST without them.
    let reply = http()
        .get(url(&sb, "coupon/list"))
        .send()
        .await
        .expect("reply");
    let (_, body) = decode(reply).await;
    assert_auth_failure(&body);

    for write in [
        "singleuse/create",
        "multiplesingleuse/create",
        "singleuse/remove",
        "send/email",
    ] {
        let reply = http()
            .get(url(
                &sb,
                &format!("{write}?campaign={CAMPAIGN}&couponsession={code}&email=a%40b.test"),
            ))
            .header("X-Client-Id", DEMO_CLIENT_ID)
            .header("X-Client-Secret", DEMO_CLIENT_SECRET)
            .send()
            .await
            .expect("reply");
        assert_eq!(reply.status(), StatusCode::METHOD_NOT_ALLOWED, "{write}");
        let (_, body) = decode(reply).await;
        assert_eq!(body["status"]["status"], "failed");
    }
    assert!(sb.control().session_exists(&code), "nothing was removed");
    assert_eq!(
        sb.control().sessions_in_campaign(CAMPAIGN),
        1,
        "nothing was made"
    );
    let reply = http()
        .delete(url(&sb, "coupon/list"))
        .header("X-Client-Id", DEMO_CLIENT_ID)
        .header("X-Client-Secret", DEMO_CLIENT_SECRET)
        .send()
        .await
        .expect("reply");
    assert_eq!(reply.status(), StatusCode::METHOD_NOT_ALLOWED);
    sb.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Loyalty members over v4 and v3: raw shapes

mod loyalty {
    use super::*;

    /// A v4 call with the documented headers; `body` None sends none.
    async fn v4(
        sb: &Sandbox,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = http()
            .request(method, format!("{}/{path}", sb.v4_url()))
            .header("x-api-key", DEMO_CLIENT_ID)
            .header("x-api-secret", DEMO_CLIENT_SECRET);
        if let Some(body) = body {
            request = request.json(&body);
        }
        decode(request.send().await.expect("reply")).await
    }

    use reqwest::Method;

    #[tokio::test]
    async fn loyalty_v4_member_list_has_the_section_10_shape() {
        let sb = sandbox().await;
        let (status, body) = v4(
            &sb,
            Method::GET,
            "loyalty/loyalty-cards/48216/stats?pagination[page]=2&pagination[per_page]=3",
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            body["pagination"],
            json!({"page": 2, "per_page": 3, "total": 10_000})
        );
        let data = body["data"].as_array().expect("data list");
        assert_eq!(data.len(), 3);
        let member = &data[0];
        assert_eq!(member["email"], "member00004@example.com");
        assert!(member["id"].is_u64() && member["stamps"].is_u64());
        assert!(member["voided"].is_boolean() && member["rewards"].is_array());
        for key in [
            "first_name",
            "last_name",
            "address",
            "zip",
            "city",
            "phone",
            "custom_1",
            "custom_8",
            "created_at",
        ] {
            assert!(member[key].is_string(), "{key}: {member}");
        }
        // Default and capped page sizes; bracket names URL-encoded work too.
        let (_, body) = v4(&sb, Method::GET, "loyalty/loyalty-cards/48216/stats", None).await;
        assert_eq!(body["pagination"]["per_page"], 50);
        let (_, body) = v4(
            &sb,
            Method::GET,
            "loyalty/loyalty-cards/48216/stats?pagination%5Bper_page%5D=1000&filter%5Bsearch%5D=Member0000",
            None,
        )
        .await;
        assert_eq!(body["pagination"]["per_page"], 100);
        assert_eq!(body["pagination"]["total"], 9, "member00001 … member00009");
        let (status, body) = v4(
            &sb,
            Method::GET,
            "loyalty/loyalty-cards/48216/stats?pagination[page]=zero",
            None,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body["message"].is_string());
        let (status, body) = v4(&sb, Method::GET, "loyalty/loyalty-cards/1/stats", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(body["message"].is_string());
        sb.stop().await;
    }

    #[tokio::test]
    async fn loyalty_v4_writes_and_their_refusals() {
        let sb = sandbox().await;
        let (status, made) = v4(
            &sb,
            Method::POST,
            "loyalty/loyalty-cards/48213/stats",
            Some(json!({"first_name": "Raw", "email": "raw@example.com", "custom_2": 42})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(made["custom_2"], "42", "numbers are kept as text");
        let id = made["id"].as_u64().unwrap();
        let member = format!("loyalty/loyalty-cards/48213/stats/{id}");

        // Same path: `amount` = add stamps, else update.
        let (status, body) = v4(&sb, Method::POST, &member, Some(json!({"amount": 8}))).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["stamps"], 8);
        let reward = body["rewards"][0].clone();
        assert_eq!(reward["used"], false);
        assert!(reward["id"].is_u64() && reward["name"].is_string());
        let (_, body) = v4(&sb, Method::POST, &member, Some(json!({"city": "Gent"}))).await;
        assert_eq!(
            (body["city"].as_str(), body["stamps"].as_u64()),
            (Some("Gent"), Some(8))
        );
        for bad in [
            json!({"amount": 0}),
            json!({"email": "nope"}),
            json!({"zip": "1234567890123"}),
        ] {
            let (status, body) = v4(&sb, Method::POST, &member, Some(bad.clone())).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
            assert!(body["message"].is_string());
        }

        let rewards = format!("{member}/rewards");
        let (status, body) = v4(
            &sb,
            Method::PUT,
            &rewards,
            Some(json!({"reward_ids": [reward["id"]]})),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["rewards"][0]["used"], true);
        let (status, _) = v4(
            &sb,
            Method::PUT,
            &rewards,
            Some(json!({"reward_ids": [reward["id"]]})),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "used twice");
        let (status, _) = v4(&sb, Method::PUT, &rewards, Some(json!({"reward_ids": [1]}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "unknown reward");

        let (status, body) = v4(&sb, Method::PUT, &format!("{member}/void"), None).await;
        assert_eq!(
            (status, body["voided"].as_bool()),
            (StatusCode::OK, Some(true))
        );
        let (status, body) = v4(&sb, Method::DELETE, &member, None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["deleted"], true);
        let (status, _) = v4(&sb, Method::GET, &member, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // Copy, bulk, push.
        let (status, copy) = v4(
            &sb,
            Method::POST,
            "loyalty/loyalty-cards/48213/copy",
            Some(json!({"name": "n".repeat(51)})),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{copy}");
        let (status, copy) = v4(
            &sb,
            Method::POST,
            "loyalty/loyalty-cards/48213/copy",
            Some(json!({"name": "Copy"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(
            (copy["name"].as_str(), copy["type"].as_str()),
            (Some("Copy"), Some("stamp"))
        );

        let (status, body) = v4(
            &sb,
            Method::POST,
            "loyalty/loyalty-cards/48214/stats/bulk",
            Some(json!({"users": [{"first_name": "A"}, {"email": "bad"}, "not an object"]})),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["data"].as_array().map(Vec::len), Some(1));
        assert_eq!(body["errors"][0]["index"], 1);
        assert_eq!(body["errors"][1]["index"], 2);
        let (status, _) = v4(
            &sb,
            Method::POST,
            "loyalty/loyalty-cards/48214/stats/bulk",
            Some(json!([{}])),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a bare array is not the §10 body"
        );
        let (status, _) = v4(
            &sb,
            Method::GET,
            "loyalty/loyalty-cards/48214/stats/bulk",
            None,
        )
        .await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);

        let push = "loyalty/loyalty-cards/48213/push-notifications";
        let (status, body) = v4(
            &sb,
            Method::POST,
            push,
            Some(json!({"message": "Hi", "recipient_stat_ids": [910001]})),
        )
        .await;
        assert_eq!(
            (status, body["recipients"].as_u64()),
            (StatusCode::OK, Some(1))
        );
        let (status, _) = v4(&sb, Method::POST, push, Some(json!({"message": ""}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, _) = v4(
            &sb,
            Method::POST,
            push,
            Some(json!({"message": "Hi", "recipient_stat_ids": [1]})),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let pushes = sb.control().pushes_sent();
        assert_eq!(pushes.len(), 1);
        assert_eq!(
            (pushes[0].card_id, pushes[0].recipients.clone()),
            (48213, vec![910001])
        );
        sb.stop().await;
    }

    #[tokio::test]
    async fn loyalty_lost_reply_on_add_stamps_adds_them() {
        let sb = sandbox().await;
        sb.control()
            .inject_on("stats/910002", Fault::DropAfterHandling, 1);
        let sent = http()
            .post(format!(
                "{}/loyalty/loyalty-cards/48213/stats/910002",
                sb.v4_url()
            ))
            .header("x-api-key", DEMO_CLIENT_ID)
            .header("x-api-secret", DEMO_CLIENT_SECRET)
            .json(&json!({"amount": 2}))
            .send()
            .await;
        let lost = match sent {
            Err(_) => true,
            Ok(reply) => reply.bytes().await.is_err(),
        };
        assert!(lost, "the reply is cut");
        assert_eq!(
            sb.control().loyalty_member(48213, 910002).unwrap().stamps,
            9
        );
        sb.stop().await;
    }

    #[tokio::test]
    async fn loyalty_v3_calls_share_the_members() {
        let sb = sandbox().await;
        let (_, body) = v3(&sb, "loyalty/list", json!({})).await;
        assert!(is_ok(&body), "{body}");
        let cards = body["loyaltycards"].as_array().unwrap();
        assert_eq!(cards.len(), 5);
        assert_eq!(cards[0]["ID"], "loy_48213");
        assert_eq!(cards[0]["amount_of_stamps"], "8");
        let (_, body) = v3(&sb, "loyalty/info", json!({"loyaltycard": "loy_48217"})).await;
        assert_eq!(body["loyaltycard"]["name"], "Tasting club");
        let (_, body) = v3(&sb, "loyalty/info", json!({"loyaltycard": "loy_9"})).await;
        assert_eq!(failure(&body).0, 507);

        let (_, body) = v3(
            &sb,
            "loyaltyusers/update",
            json!({"loyaltycard": "loy_48213", "user": "lus_910003", "stamps": "8", "voided": "1"}),
        )
        .await;
        assert!(is_ok(&body), "{body}");
        assert_eq!(body["user"]["stamps"], "8");
        assert_eq!(body["user"]["voided"], "1");
        let snapshot = sb.control().loyalty_member(48213, 910003).unwrap();
        assert_eq!(
            (snapshot.stamps, snapshot.voided, snapshot.rewards_total),
            (8, true, 1)
        );
        // v4 hides the voided member; v3 lists it, marked.
        assert_eq!(sb.control().loyalty_member_count(48213, false), 4);
        let (_, body) = v3(
            &sb,
            "loyaltyusers/list",
            json!({"loyaltycard": "loy_48213"}),
        )
        .await;
        let olivia = body["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["ID"] == "lus_910003")
            .expect("listed")
            .clone();
        assert_eq!(olivia["voided"], "1");
        let (_, body) = v3(
            &sb,
            "loyaltyusers/update",
            json!({"loyaltycard": "loy_48213", "user": "910003"}),
        )
        .await;
        assert_eq!(failure(&body).0, 301);
        let (_, body) = v3(
            &sb,
            "loyaltyusers/update",
            json!({"loyaltycard": "loy_48213"}),
        )
        .await;
        assert_eq!(failure(&body).0, 200);

        let (_, body) = v3(
            &sb,
            "loyalty/pushnotification/single",
            json!({"loyaltycard": "loy_48213", "user": "lus_910001", "message": "Hi Emma"}),
        )
        .await;
        assert_eq!(body["action"], "pushnotification_sent");
        assert_eq!(body["amount_of_recipients"], "1");
        let (_, body) = v3(
            &sb,
            "loyalty/pushnotification/all",
            json!({"loyaltycard": "loy_48213", "message": "Hi all"}),
        )
        .await;
        assert_eq!(body["amount_of_recipients"], "4", "not the voided one");
        let (_, body) = v3(
            &sb,
            "loyalty/pushnotification/all",
            json!({"loyaltycard": "loy_48213"}),
        )
        .await;
        assert_eq!(failure(&body).0, 200);
        let vias: Vec<&str> = sb.control().pushes_sent().iter().map(|p| p.via).collect();
        assert_eq!(vias, vec!["v3 single", "v3 all"]);
        sb.stop().await;
    }

    #[tokio::test]
    async fn loyalty_v4_refused_switch_answers_401_on_v4_only() {
        let sb = sandbox().await;
        sb.control().set_v4_refused(true);
        let (status, body) = v4(&sb, Method::GET, "loyalty/loyalty-cards", None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(body["message"].is_string());
        let (_, body) = v3(
            &sb,
            "loyaltyusers/list",
            json!({"loyaltycard": "loy_48213"}),
        )
        .await;
        assert!(is_ok(&body));
        sb.control().set_v4_refused(false);
        let (status, _) = v4(&sb, Method::GET, "loyalty/loyalty-cards", None).await;
        assert_eq!(status, StatusCode::OK);
        sb.stop().await;
    }
}

// ---------------------------------------------------------------------------------------------
// Sessions at the counter: couponsession/update|updatemultiple, campaign usage lists, pushes
// and the seeded "Lunch deal" campaign (§5.3, §7, §10).

mod counter {
    use super::*;
    use time::OffsetDateTime;

    const LUNCH: &str = "cam_104250";

    async fn fresh_session(sb: &Sandbox) -> String {
        let (_, made) = v3(sb, "singleuse/create", json!({"campaign": CAMPAIGN})).await;
        made["single_use_code"].as_str().expect("a code").to_owned()
    }

    #[tokio::test]
    async fn update_walks_the_life_cycle_and_refuses_validating_twice() {
        let sb = sandbox().await;
        let code = fresh_session(&sb).await;
        let (_, claimed) = v3(
            &sb,
            "couponsession/update",
            json!({"couponsession": code, "operation": "claimed"}),
        )
        .await;
        assert!(is_ok(&claimed), "{claimed}");
        assert_eq!(claimed["session"], code);
        assert_eq!(claimed["data"]["status"]["claimed"], "1");
        assert_eq!(claimed["data"]["status"]["validated"], "0");

        // The 6-character short code, form-encoded, with a comma as decimal separator.
        let reply = http()
            .post(url(&sb, "couponsession/update"))
            .header("X-Client-Id", DEMO_CLIENT_ID)
            .header("X-Client-Secret", DEMO_CLIENT_SECRET)
            .form(&[
                ("couponsession", &code[..6]),
                ("operation", "validated"),
                ("validation_value", "7,5"),
            ])
            .send()
            .await
            .expect("reply");
        let (_, validated) = decode(reply).await;
        assert!(is_ok(&validated), "{validated}");
        let status = &validated["data"]["status"];
        assert_eq!(status["validated"], "1");
        assert_eq!(status["validation_value"], "7.50");
        assert_ne!(status["validation_date_utc"], "");

        let (_, again) = v3(
            &sb,
            "couponsession/update",
            json!({"couponsession": code, "validate": "true"}),
        )
        .await;
        assert_eq!(
            failure(&again),
            (306, "Couponsession already validated.".into())
        );
        let state = sb.control().session_state(&code).expect("the session");
        assert_eq!(state.times_validated, 1);
        assert_eq!(state.validation_value.as_deref(), Some("7.50"));
        assert!(state.claimed_at.is_some() && state.validated_at.is_some());

        // The older guess `validate=true` works on a fresh session.
        let other = fresh_session(&sb).await;
        let (_, old_style) = v3(
            &sb,
            "couponsession/update",
            json!({"couponsession": other, "validate": true}),
        )
        .await;
        assert_eq!(old_style["data"]["status"]["validated"], "1", "{old_style}");

        // A write: GET is refused.
        let reply = http()
            .get(url(
                &sb,
                &format!("couponsession/update?couponsession={code}&void=true"),
            ))
            .header("X-Client-Id", DEMO_CLIENT_ID)
            .header("X-Client-Secret", DEMO_CLIENT_SECRET)
            .send()
            .await
            .expect("reply");
        assert_eq!(reply.status(), StatusCode::METHOD_NOT_ALLOWED);
        sb.stop().await;
    }

    #[tokio::test]
    async fn voided_expired_locked_and_unknown_sessions_are_refused() {
        let sb = sandbox().await;
        let code = fresh_session(&sb).await;
        let update = |body: Value| {
            let sb = &sb;
            async move { v3(sb, "couponsession/update", body).await.1 }
        };
        let voided = update(json!({"couponsession": code, "void": "true"})).await;
        assert_eq!(voided["data"]["status"]["voided"], "1", "{voided}");
        assert_ne!(voided["data"]["status"]["voided_date_utc"], "");
        let refused = update(json!({"couponsession": code, "operation": "validated"})).await;
        assert_eq!(failure(&refused), (307, "Couponsession is voided.".into()));
        let unvoided = update(json!({"couponsession": code, "void": "false"})).await;
        assert_eq!(unvoided["data"]["status"]["voided"], "0");
        assert_ne!(unvoided["data"]["status"]["unvoided_date_utc"], "");

        assert!(sb.control().set_session_expiration(
            &code,
            Some(OffsetDateTime::now_utc() - time::Duration::hours(1))
        ));
        let refused = update(json!({"couponsession": code, "operation": "validated"})).await;
        assert_eq!(
            failure(&refused),
            (308, "Couponsession has expired.".into())
        );
        assert!(sb.control().set_session_expiration(&code, None));
        assert!(sb.control().set_session_locked(&code, true));
        let refused = update(json!({"couponsession": code, "operation": "claimed"})).await;
        assert_eq!(failure(&refused), (309, "Couponsession is locked.".into()));
        let state = sb.control().session_state(&code).unwrap();
        assert!(state.validated_at.is_none() && state.claimed_at.is_none());

        let unknown =
            update(json!({"couponsession": "zzzzzzzzzzzzzzzzzzzzz", "operation": "claimed"})).await;
        assert_eq!(failure(&unknown), (505, "Couponsession not found.".into()));
        let missing = update(json!({"operation": "claimed"})).await;
        assert_eq!(failure(&missing).0, 200);
        let nothing = update(json!({"couponsession": code})).await;
        assert_eq!(
            failure(&nothing),
            (200, "Missing parameter: operation".into())
        );
        let bad = update(json!({"couponsession": code, "operation": "eaten"})).await;
        assert_eq!(failure(&bad).0, 302);
        let bad_money = update(
            json!({"couponsession": code, "operation": "validated", "validation_value": "1.234"}),
        )
        .await;
        assert_eq!(failure(&bad_money).0, 303);

        // A seeded Lunch deal session past its 30 days, never validated, is expired.
        let (_, oldest) = v3(&sb, "campaign/data", json!({"campaign": LUNCH, "page": 1})).await;
        let expired = oldest["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["status"]["validated"] == "0" && row["status"]["voided"] == "0")
            .expect("an old unvalidated session")["session"]
            .as_str()
            .unwrap()
            .to_owned();
        let refused = update(json!({"couponsession": expired, "operation": "validated"})).await;
        assert_eq!(failure(&refused).0, 308, "{refused}");
        sb.stop().await;
    }

    #[tokio::test]
    async fn update_multiple_answers_one_row_per_code() {
        let sb = sandbox().await;
        let a = fresh_session(&sb).await;
        let b = fresh_session(&sb).await;
        v3(
            &sb,
            "couponsession/update",
            json!({"couponsession": b, "void": true}),
        )
        .await;
        let (_, reply) = v3(
            &sb,
            "couponsession/updatemultiple",
            json!({"couponsessions": [a, &b[..6], "nosuch"], "operation": "validated", "validation_value": "3"}),
        )
        .await;
        assert!(is_ok(&reply), "{reply}");
        assert_eq!(reply["amount_of_results"], "1");
        let rows = reply["data"].as_array().unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0]["couponsession"], a.as_str());
        assert_eq!(rows[0]["status"], "OK");
        assert_eq!(rows[0]["session"]["status"]["validation_value"], "3.00");
        assert_eq!(rows[1]["status"], "failed");
        assert_eq!(rows[1]["error_code"], 307);
        assert_eq!(rows[2]["error_code"], 505);
        assert_eq!(sb.control().session_state(&a).unwrap().times_validated, 1);

        let (_, missing) = v3(
            &sb,
            "couponsession/updatemultiple",
            json!({"operation": "validated"}),
        )
        .await;
        assert_eq!(failure(&missing).0, 200);
        let many: Vec<String> = vec![a.clone(); 101];
        let (_, too_many) = v3(
            &sb,
            "couponsession/updatemultiple",
            json!({"couponsessions": many, "void": true}),
        )
        .await;
        assert_eq!(failure(&too_many).0, 302);
        sb.stop().await;
    }

    #[tokio::test]
    async fn drop_after_handling_on_update_validates_once() {
        let sb = sandbox().await;
        let code = fresh_session(&sb).await;
        sb.control()
            .inject_on("couponsession/update", Fault::DropAfterHandling, 1);
        let sent = http()
            .post(url(&sb, "couponsession/update"))
            .header("X-Client-Id", DEMO_CLIENT_ID)
            .header("X-Client-Secret", DEMO_CLIENT_SECRET)
            .json(&json!({"couponsession": code, "operation": "validated"}))
            .send()
            .await;
        let lost = match sent {
            Err(_) => true,
            Ok(reply) => reply.text().await.is_err(),
        };
        assert!(lost, "the reply is cut");
        let state = sb.control().session_state(&code).unwrap();
        assert_eq!(state.times_validated, 1);
        assert!(state.validated_at.is_some());
        sb.stop().await;
    }

    /// Every page of a list until an empty one; (rows, amount_of_results of page 1).
    async fn all_pages(sb: &Sandbox, path: &str, extra: Value) -> (Vec<Value>, u64) {
        let mut rows = Vec::new();
        let mut total = None;
        for page in 1.. {
            let mut body = json!({"campaign": LUNCH, "page": page});
            for (k, v) in extra.as_object().unwrap() {
                body[k] = v.clone();
            }
            let (_, reply) = v3(sb, path, body).await;
            assert!(is_ok(&reply), "{reply}");
            total.get_or_insert_with(|| {
                reply["amount_of_results"]
                    .as_str()
                    .unwrap()
                    .parse::<u64>()
                    .unwrap()
            });
            let data = reply["data"].as_array().unwrap().clone();
            if data.is_empty() {
                break;
            }
            assert!(data.len() <= 250, "page size");
            rows.extend(data);
        }
        (rows, total.unwrap())
    }

    #[tokio::test]
    async fn lunch_deal_lists_page_to_the_end_and_match_the_counts() {
        let sb = sandbox_with(SandboxConfig {
            page_size: 250,
            ..SandboxConfig::default()
        })
        .await;
        let counts = sb.control().campaign_counts(LUNCH);
        assert_eq!(counts.sessions, 3000);
        assert!(counts.opened > counts.claimed && counts.claimed > counts.validated);
        assert!(counts.validated > 500, "{counts:?}");
        for (path, flag, date, expected) in [
            ("campaign/data", None, "created_date_utc", counts.sessions),
            (
                "campaign/opens",
                Some("opened"),
                "open_date_utc",
                counts.opened,
            ),
            (
                "campaign/claims",
                Some("claimed"),
                "claim_date_utc",
                counts.claimed,
            ),
            (
                "campaign/validations",
                Some("validated"),
                "validation_date_utc",
                counts.validated,
            ),
        ] {
            let (rows, total) = all_pages(&sb, path, json!({})).await;
            assert_eq!((rows.len(), total as usize), (expected, expected), "{path}");
            if let Some(flag) = flag {
                assert!(rows.iter().all(|r| r["status"][flag] == "1"), "{path}");
            }
            let dates: Vec<&str> = rows
                .iter()
                .map(|r| r["status"][date].as_str().unwrap())
                .collect();
            assert!(
                dates.windows(2).all(|w| w[0] <= w[1]),
                "{path} in date order"
            );
        }

        // The dates apply to the list's own date: validations of the last 7 days.
        let since = (OffsetDateTime::now_utc() - time::Duration::days(7))
            .format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute]"
            ))
            .unwrap();
        let (recent, total) =
            all_pages(&sb, "campaign/validations", json!({"start_date": since})).await;
        assert_eq!(recent.len() as u64, total);
        assert!(!recent.is_empty() && recent.len() < counts.validated);
        assert!(recent
            .iter()
            .all(|r| r["status"]["validation_date_utc"].as_str().unwrap() >= since.as_str()));
        sb.stop().await;
    }

    #[tokio::test]
    async fn search_finds_lunch_guests_within_and_across_campaigns() {
        let sb = sandbox().await;
        v3(
            &sb,
            "singleuse/create",
            json!({"campaign": CAMPAIGN, "email": "guest0042@lunch.test"}),
        )
        .await;
        let (_, across) = v3(
            &sb,
            "couponsession/search",
            json!({"search": "GUEST0042@lunch.test"}),
        )
        .await;
        assert_eq!(across["amount_of_results"], "2", "{across}");
        let (_, within) = v3(
            &sb,
            "couponsession/search",
            json!({"search": "guest0042@lunch.test", "campaign": LUNCH}),
        )
        .await;
        assert_eq!(within["amount_of_results"], "1");
        assert_eq!(within["data"][0]["campaign"], LUNCH);
        let (_, by_code) = v3(
            &sb,
            "couponsession/search",
            json!({"search": "LD-00045", "campaign": LUNCH}),
        )
        .await;
        assert_eq!(
            by_code["data"][0]["user_data"]["email"],
            "guest0045@lunch.test"
        );
        sb.stop().await;
    }

    #[tokio::test]
    async fn coupon_pushes_are_recorded_and_usage_stats_counted() {
        let sb = sandbox().await;
        let code = fresh_session(&sb).await;
        let (_, one) = v3(
            &sb,
            "coupon/pushnotification/single",
            json!({"campaign": CAMPAIGN, "couponsession": &code[..6], "message": "Your coffee is waiting"}),
        )
        .await;
        assert!(is_ok(&one), "{one}");
        let (_, wrong) = v3(
            &sb,
            "coupon/pushnotification/single",
            json!({"campaign": LUNCH, "couponsession": code, "message": "Hi"}),
        )
        .await;
        assert_eq!(failure(&wrong), (505, "Couponsession not found.".into()));
        let (_, all) = v3(
            &sb,
            "coupon/pushnotification/all",
            json!({"campaign": LUNCH, "message": "Soup of the day: tomato"}),
        )
        .await;
        assert!(is_ok(&all), "{all}");
        let reached: usize = all["amount_of_recipients"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let pushes = sb.control().pushes_to_sessions();
        assert_eq!(pushes.len(), 2);
        assert_eq!(pushes[0].sessions, std::slice::from_ref(&code));
        assert_eq!(pushes[0].message, "Your coffee is waiting");
        assert_eq!((pushes[1].via, pushes[1].sessions.len()), ("all", reached));
        assert!(reached > 0);

        let (_, info) = v3(
            &sb,
            "coupon/info",
            json!({"campaign": LUNCH, "show_usage_stats": true}),
        )
        .await;
        let stats = &info["coupon_info"]["usage_stats"];
        let counts = sb.control().campaign_counts(LUNCH);
        assert_eq!(stats["amount_of_sessions"], counts.sessions.to_string());
        assert_eq!(stats["amount_of_validations"], counts.validated.to_string());
        assert_eq!(stats["amount_of_custom_codes"], "600");
        let (_, plain) = v3(&sb, "coupon/info", json!({"campaign": LUNCH})).await;
        assert!(plain["coupon_info"].get("usage_stats").is_none());
        sb.stop().await;
    }
}

/// The rate-limited mode: beyond N requests a second per account, 429 with Retry-After and
/// nothing handled; an account's own bucket; after the wait, answered again.
#[tokio::test]
async fn the_rate_limited_mode_answers_429_with_retry_after_beyond_the_rate() {
    let sb = sandbox_with(SandboxConfig {
        rate_limit_per_second: 5,
        ..SandboxConfig::default()
    })
    .await;
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..8 {
        let reply = http()
            .post(url(&sb, "coupon/list"))
            .header("X-Client-Id", DEMO_CLIENT_ID)
            .header("X-Client-Secret", DEMO_CLIENT_SECRET)
            .json(&json!({}))
            .send()
            .await
            .expect("reply");
        if reply.status() == StatusCode::TOO_MANY_REQUESTS {
            retry_after = reply
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
        }
        statuses.push(reply.status());
    }
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert!(
        (5..=6).contains(&ok),
        "a second's worth went through: {statuses:?}"
    );
    assert_eq!(retry_after, Some(1), "{statuses:?}");
    let control = sb.control();
    assert_eq!(control.rate_limited_count(), (8 - ok) as u64);
    // Another account (other keys) draws on its own bucket: refused for its keys, not limited.
    let other = http()
        .post(url(&sb, "coupon/list"))
        .header("X-Client-Id", "someone-else")
        .header("X-Client-Secret", "nope")
        .json(&json!({}))
        .send()
        .await
        .expect("reply");
    assert_eq!(other.status(), StatusCode::OK, "a 1000 refusal, not a 429");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, body) = v3(&sb, "coupon/list", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert!(is_ok(&body), "{body}");
    // Switched off through the control API: no limit.
    let settings = http()
        .post(format!("http://{}/_sandbox/settings", sb.addr()))
        .json(&json!({"rate_limit_per_second": 0}))
        .send()
        .await
        .expect("settings")
        .json::<Value>()
        .await
        .expect("json");
    assert_eq!(settings["rate_limit_per_second"], 0);
    for _ in 0..20 {
        assert_eq!(v3(&sb, "coupon/list", json!({})).await.0, StatusCode::OK);
    }
}

/// A fixed number of workers: requests beyond them wait, so the answers come later.
#[tokio::test]
async fn with_one_worker_requests_queue_and_answers_slow_down() {
    let sb = sandbox_with(SandboxConfig {
        latency: Duration::from_millis(150),
        workers: 1,
        ..SandboxConfig::default()
    })
    .await;
    let started = Instant::now();
    let replies =
        futures_util::future::join_all((0..4).map(|_| v3(&sb, "coupon/list", json!({})))).await;
    let elapsed = started.elapsed();
    assert!(replies
        .iter()
        .all(|(s, b)| *s == StatusCode::OK && is_ok(b)));
    assert!(
        elapsed >= Duration::from_millis(600),
        "four requests, one worker, 150 ms each: {elapsed:?}"
    );
    sb.control().set_rate_limit(0, 0);
    let started = Instant::now();
    futures_util::future::join_all((0..4).map(|_| v3(&sb, "coupon/list", json!({})))).await;
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "any number of workers: side by side ({:?})",
        started.elapsed()
    );
}
