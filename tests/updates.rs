//! Signed updates against a local update server, as tauri-plugin-updater's own tests do it: each
//! test makes a throwaway minisign key pair (the format `tauri signer generate` writes), signs an
//! artifact, and serves `latest.json` and the artifact over HTTP on 127.0.0.1. The app (the real
//! `build()` on Tauri's mock runtime, with the real updater plugin) must find the update, download
//! it with the signature verified, and refuse a tampered artifact or signature with a plain
//! sentence, installing nothing.

use std::collections::HashMap;
use std::io::Cursor;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use base64::Engine;
use coupon_desk::updates::{self, UpdateError};
use serde_json::{json, Value};
use tauri::test::{get_ipc_response, mock_builder, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindowBuilder};

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// A key pair as the Tauri CLI makes it: the public key goes into tauri.conf.json, base64 of the
/// minisign text.
struct Keys {
    pk: minisign::PublicKey,
    sk: minisign::SecretKey,
}

impl Keys {
    fn new() -> Self {
        let minisign::KeyPair { pk, sk } =
            minisign::KeyPair::generate_unencrypted_keypair().expect("key pair");
        Self { pk, sk }
    }

    fn public_b64(&self) -> String {
        b64(&self.pk.to_box().expect("public key box").to_string())
    }

    /// A `.sig` file's content as the bundler writes it (with the version in the trusted comment).
    fn sign(&self, data: &[u8], version: &str) -> String {
        let trusted = format!("timestamp:1764417600\tfile:coupon-desk.deb\tversion:{version}");
        let signature = minisign::sign(
            Some(&self.pk),
            &self.sk,
            Cursor::new(data),
            Some(&trusted),
            Some("signature from tauri secret key"),
        )
        .expect("signature");
        b64(&signature.to_string())
    }
}

/// Files served by the local update server, by name; filled once the port is known.
type Files = Arc<Mutex<HashMap<String, Vec<u8>>>>;

struct UpdateServer {
    addr: SocketAddr,
    _runtime: tokio::runtime::Runtime,
}

impl UpdateServer {
    fn start_shared(files: Files) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("a free port");
        let addr = listener.local_addr().expect("address");
        let app = Router::new().route("/{name}", get(serve)).with_state(files);
        runtime.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            addr,
            _runtime: runtime,
        }
    }

    fn url(&self, name: &str) -> String {
        format!("http://{}/{name}", self.addr)
    }
}

async fn serve(State(files): State<Files>, Path(name): Path<String>) -> (StatusCode, Vec<u8>) {
    let found = files.lock().ok().and_then(|f| f.get(&name).cloned());
    match found {
        Some(bytes) => (StatusCode::OK, bytes),
        None => (StatusCode::NOT_FOUND, Vec::new()),
    }
}

/// `latest.json` announcing `version`, with the artifact's address and signature for this system.
fn latest_json(version: &str, artifact_url: &str, signature: &str) -> Vec<u8> {
    let target = tauri_plugin_updater::target().expect("a supported system");
    serde_json::to_vec(&json!({
        "version": version,
        "notes": "Lists are sent faster.\nThe history has a search box.",
        "pub_date": "2026-11-29T12:00:00Z",
        "platforms": {
            target: { "url": artifact_url, "signature": signature }
        }
    }))
    .expect("json")
}

/// The artifact: any bytes will do, the updater checks them only against the signature.
fn artifact() -> Vec<u8> {
    (0..64 * 1024u32).map(|i| (i * 7 % 251) as u8).collect()
}

fn data_home() -> &'static PathBuf {
    static HOME: OnceLock<PathBuf> = OnceLock::new();
    HOME.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir").keep();
        std::env::set_var("XDG_DATA_HOME", &dir);
        dir
    })
}

struct TestApp {
    app: tauri::App<tauri::test::MockRuntime>,
    webview: tauri::WebviewWindow<tauri::test::MockRuntime>,
}

impl TestApp {
    /// The app with its updater pointed at `endpoint` and trusting `pubkey`.
    fn new(name: &str, endpoint: &str, pubkey: &str) -> Self {
        data_home();
        let identifier = format!("com.coupondesk.test.updates.{name}.{}", std::process::id());
        let mut context: tauri::Context<tauri::test::MockRuntime> = tauri::generate_context!();
        let config = context.config_mut();
        config.identifier = identifier.clone();
        config.plugins.0.insert(
            "updater".into(),
            json!({
                "pubkey": pubkey,
                "endpoints": [endpoint],
                "dangerousInsecureTransportProtocol": true,
            }),
        );
        let options = coupon_desk::AppOptions {
            keyring_service: format!("{identifier}.keychain"),
        };
        let app = coupon_desk::build(mock_builder(), options.clone())
            .build(context)
            .expect("app builds");
        app.manage(coupon_desk::init_state(app.handle(), &options));
        let webview = WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .expect("window");
        Self { app, webview }
    }

    fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            url: self.webview.url().expect("webview url"),
            body: tauri::ipc::InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        get_ipc_response(&self.webview, request)
            .map(|body| body.deserialize::<Value>().expect("json reply"))
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

/// The local update server of one test: `latest.json` and the artifact.
struct Server {
    inner: UpdateServer,
}

impl Server {
    fn new(keys: &Keys, served: Vec<u8>, version: &str) -> Self {
        Self::with_signed_version(keys, served, version, version)
    }

    /// `announced` goes into latest.json, `signed` into the signature's trusted comment.
    fn with_signed_version(keys: &Keys, served: Vec<u8>, announced: &str, signed: &str) -> Self {
        let signature = keys.sign(&artifact(), signed);
        // Reserve the address first: latest.json must name it.
        let files: Files = Arc::new(Mutex::new(HashMap::new()));
        let inner = UpdateServer::start_shared(files.clone());
        let json = latest_json(announced, &inner.url("coupon-desk.deb"), &signature);
        let mut map = files.lock().expect("files");
        map.insert("coupon-desk.deb".to_string(), served);
        map.insert("latest.json".to_string(), json);
        drop(map);
        Self { inner }
    }

    fn latest(&self) -> String {
        self.inner.url("latest.json")
    }
}
