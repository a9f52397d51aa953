//! Signed updates against a local update server, as tauri-plugin-updater's own tests do it: each
//! test makes a throwaway minisign key pair (the format `tauri signer generate` writes), signs an
//! artifact, and serves `latest.json` and the artifact over HTTP on 127.0.0.1. The app (the real
//! `build()` on Tauri's mock runtime, with the real updater plugin) must find the update, download
//! it with the signature verified, and refuse a tampered artifact or signature with a plain
//! sentence, installing nothing.

#[path = "support/mock_app.rs"]
mod mock_app;
#[path = "support/update_server.rs"]
mod update_server;

use coupon_desk::updates::{self, UpdateError};
use mock_app::MockApp;
use serde_json::json;
use tauri::Manager;
use update_server::{artifact, Keys, Server};

struct TestApp(MockApp);

impl std::ops::Deref for TestApp {
    type Target = MockApp;
    fn deref(&self) -> &MockApp {
        &self.0
    }
}

impl TestApp {
    /// The app with its updater pointed at `endpoint` and trusting `pubkey`.
    fn new(name: &str, endpoint: &str, pubkey: &str) -> Self {
        TestApp(MockApp::new(&format!("updates.{name}"), |config| {
            config.plugins.0.insert(
                "updater".into(),
                json!({
                    "pubkey": pubkey,
                    "endpoints": [endpoint],
                    "dangerousInsecureTransportProtocol": true,
                }),
            );
        }))
    }

    fn check(&self) -> Result<Option<tauri_plugin_updater::Update>, UpdateError> {
        tauri::async_runtime::block_on(updates::check(self.app.handle()))
    }
}

/// What the updater would overwrite on Linux, and the settings: unchanged after a refusal.
fn fingerprint_of_installation() -> (u64, Option<std::time::SystemTime>) {
    let exe = std::env::current_exe().expect("current exe");
    let meta = std::fs::metadata(exe).expect("exe metadata");
    (meta.len(), meta.modified().ok())
}

#[test]
fn a_signed_update_is_found_and_downloaded_with_its_signature_verified() {
    let keys = Keys::new();
    let server = Server::new(&keys, artifact(), "9.9.9");
    let t = TestApp::new("good", &server.latest(), &keys.public_b64());

    let update = t.check().expect("check").expect("an update");
    let offer = updates::UpdateOffer::of(&update);
    assert_eq!(offer.version, "9.9.9");
    assert_eq!(offer.current_version, env!("CARGO_PKG_VERSION"));
    assert_eq!(
        offer.notes.as_deref(),
        Some("Lists are sent faster.\nThe history has a search box.")
    );
    assert_eq!(offer.date.as_deref(), Some("2026-11-29"));

    let verified = tauri::async_runtime::block_on(updates::download(update)).expect("verified");
    assert_eq!(verified.len(), artifact().len());

    // Through the command the window calls.
    let outcome = t.invoke("check_for_update", json!({})).expect("check");
    assert_eq!(outcome["status"], "available");
    assert_eq!(outcome["offer"]["version"], "9.9.9");
    let about = t.invoke("about_info", json!({})).expect("about");
    assert!(
        about["lastUpdateCheck"].as_u64().is_some(),
        "the check is noted: {about}"
    );
}

#[test]
fn a_tampered_artifact_is_refused_with_a_plain_message_and_nothing_is_installed() {
    let keys = Keys::new();
    let mut tampered = artifact();
    tampered[1000] ^= 0x40;
    let server = Server::new(&keys, tampered, "9.9.9");
    let t = TestApp::new("tampered-artifact", &server.latest(), &keys.public_b64());
    let before = fingerprint_of_installation();

    let update = t.check().expect("check").expect("an update is announced");
    let refused = tauri::async_runtime::block_on(updates::download(update))
        .err()
        .expect("a tampered artifact must be refused");
    assert!(matches!(refused, UpdateError::Refused(_)), "{refused:?}");
    assert_plain(&refused.user_message());

    // "Install and restart" in the window: refused, nothing waits, nothing was replaced.
    let error = t.invoke("install_update", json!({})).expect_err("refused");
    assert_eq!(error["kind"], "update_refused", "{error}");
    assert_eq!(
        error["message"],
        "The downloaded update did not pass the safety check, so it was not installed."
    );
    assert_plain(error["hint"].as_str().unwrap_or_default());
    let about = t.invoke("about_info", json!({})).expect("about");
    assert!(about["waitingUpdate"].is_null(), "{about}");
    assert_eq!(fingerprint_of_installation(), before);
}

#[test]
fn a_signature_made_with_another_key_is_refused() {
    let ours = Keys::new();
    let theirs = Keys::new();
    let server = Server::new(&theirs, artifact(), "9.9.9");
    let t = TestApp::new("other-key", &server.latest(), &ours.public_b64());
    let before = fingerprint_of_installation();

    let update = t.check().expect("check").expect("an update is announced");
    let refused = tauri::async_runtime::block_on(updates::download(update))
        .err()
        .expect("a foreign signature must be refused");
    assert!(matches!(refused, UpdateError::Refused(_)), "{refused:?}");
    let error = t.invoke("install_update", json!({})).expect_err("refused");
    assert_eq!(error["kind"], "update_refused", "{error}");
    assert_eq!(fingerprint_of_installation(), before);
}

#[test]
fn an_artifact_signed_for_another_version_is_refused() {
    // A tampered latest.json pairing a new version number with an older (genuinely signed) file.
    let keys = Keys::new();
    let server = Server::with_signed_version(&keys, artifact(), "9.9.9", "0.0.9");
    let t = TestApp::new("old-artifact", &server.latest(), &keys.public_b64());
    let update = t.check().expect("check").expect("an update is announced");
    let refused = tauri::async_runtime::block_on(updates::download(update))
        .err()
        .expect("refused");
    assert!(matches!(refused, UpdateError::Refused(_)), "{refused:?}");
}

#[test]
fn no_newer_version_says_so_and_no_server_is_a_plain_sentence() {
    let keys = Keys::new();
    let server = Server::new(&keys, artifact(), "0.0.1");
    let t = TestApp::new("none", &server.latest(), &keys.public_b64());
    assert!(t.check().expect("check").is_none());
    let outcome = t.invoke("check_for_update", json!({})).expect("check");
    assert_eq!(outcome["status"], "upToDate");
    assert_eq!(outcome["currentVersion"], env!("CARGO_PKG_VERSION"));

    // A port nobody listens on: what an offline shop sees.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    let gone = format!("http://{}/latest.json", closed.local_addr().expect("addr"));
    drop(closed);
    let offline = TestApp::new("offline", &gone, &keys.public_b64());
    let error = offline
        .invoke("check_for_update", json!({}))
        .expect_err("offline");
    assert_eq!(error["kind"], "update_offline", "{error}");
    assert_eq!(
        error["message"],
        "Coupon Desk could not reach its update server."
    );
    assert_plain(error["hint"].as_str().unwrap_or_default());
}

#[test]
fn about_lists_version_folders_and_the_licences_of_the_bundled_crates() {
    let keys = Keys::new();
    let t = TestApp::new(
        "about",
        "http://127.0.0.1:9/latest.json",
        &keys.public_b64(),
    );
    let about = t.invoke("about_info", json!({})).expect("about");
    assert_eq!(about["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(about["licence"], "MIT");
    assert_eq!(about["checkUpdates"], true);
    assert!(about["dataDir"]
        .as_str()
        .unwrap_or_default()
        .contains("com.coupondesk.test.updates.about"));
    let licences = t
        .invoke("dependency_licences", json!({}))
        .expect("licences");
    let list = licences.as_array().expect("a list");
    assert!(list.len() > 100, "{}", list.len());
    let tauri = list
        .iter()
        .find(|d| d["name"] == "tauri")
        .expect("tauri is listed");
    assert!(tauri["licence"]
        .as_str()
        .unwrap_or_default()
        .contains("MIT"));

    let error = t
        .invoke("open_app_folder", json!({ "which": "../etc" }))
        .expect_err("only our two folders");
    assert_eq!(error["kind"], "validation");
}

/// Words a shop assistant should never have to read.
fn assert_plain(text: &str) {
    assert!(!text.is_empty());
    for jargon in [
        "minisign",
        "base64",
        "signature",
        "reqwest",
        "error sending",
        "`",
    ] {
        assert!(
            !text.to_lowercase().contains(jargon),
            "{jargon:?} in {text:?}"
        );
    }
}

#[test]
fn an_update_waits_while_a_bulk_job_runs_and_is_tried_only_once_the_job_has_stopped() {
    use coupon_desk::api::{CampaignFilter, ClientConfig, Credentials};
    use coupon_desk::jobs::{EmailJobSpec, EmailList, NoProgress};
    use coupon_desk::sandbox::{Sandbox, SandboxConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};
    use std::time::{Duration, Instant};

    let keys = Keys::new();
    let server = Server::new(&keys, artifact(), "9.9.9");
    let t = TestApp::new("waits-for-jobs", &server.latest(), &keys.public_b64());
    let state = t.app.state::<coupon_desk::state::AppState>();
    let jobs = state.jobs.clone().expect("the job journal opens");

    // A list that takes a while: every send answers after a second, one at a time.
    let sandbox =
        tauri::async_runtime::block_on(Sandbox::start(SandboxConfig::default())).expect("sandbox");
    let client = coupon_desk::api::Client::new(ClientConfig::new(
        Credentials::new(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
        sandbox.v3_url(),
        sandbox.v4_url(),
    ))
    .expect("client");
    let campaign = tauri::async_runtime::block_on(client.campaigns().list(&CampaignFilter {
        only_active: true,
        ..Default::default()
    }))
    .expect("campaigns")
    .first()
    .expect("an active campaign")
    .id
    .to_string();
    sandbox.control().set_slow_handling(Duration::from_secs(1));
    let mut text = String::from("email\n");
    for i in 0..30 {
        text.push_str(&format!("waiting{i}@example.com\n"));
    }
    let list = EmailList::parse(&text, None).expect("list");
    let spec = EmailJobSpec {
        campaign,
        subject: None,
        check_unique: false,
        concurrency: 1,
    };
    let job = jobs
        .create_email_job("acc_test", "Test shop", spec, &list)
        .expect("job");
    tauri::async_runtime::block_on(async {
        jobs.run(&job, client.clone(), std::sync::Arc::new(NoProgress))
    })
    .expect("job runs");
    assert!(state.bulk_job_running());
    let before = fingerprint_of_installation();

    // Downloaded and verified, but held back while the list is being sent.
    let outcome = t.invoke("install_update", json!({})).expect("waiting");
    assert_eq!(outcome["status"], "waiting", "{outcome}");
    assert_eq!(outcome["offer"]["version"], "9.9.9");
    let about = t.invoke("about_info", json!({})).expect("about");
    assert_eq!(about["waitingUpdate"]["version"], "9.9.9", "{about}");
    std::thread::sleep(Duration::from_secs(4));
    assert!(
        t.invoke("about_info", json!({})).expect("about")["waitingUpdate"]["version"] == "9.9.9",
        "still waiting while the job runs"
    );

    // Once the job stops, the waiting update is installed. This artifact is no real package, so
    // the installer refuses it; the update stops waiting and nothing was replaced.
    jobs.cancel(&job).expect("cancel");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !t.invoke("about_info", json!({})).expect("about")["waitingUpdate"].is_null() {
        assert!(Instant::now() < deadline, "the update never left the queue");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(!state.bulk_job_running());
    assert_eq!(fingerprint_of_installation(), before);
}
