//! A local update server for the update tests (tests/updates.rs, tests/e2e_about.rs), as
//! tauri-plugin-updater's own tests do it: a throwaway minisign key pair (the format
//! `tauri signer generate` writes), a signed artifact, and `latest.json` over HTTP on 127.0.0.1.
#![allow(dead_code)] // each suite uses some of it

use std::collections::HashMap;
use std::io::Cursor;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use base64::Engine;
use serde_json::json;

pub fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// A key pair as the Tauri CLI makes it: the public key goes into tauri.conf.json, base64 of the
/// minisign text.
pub struct Keys {
    pk: minisign::PublicKey,
    sk: minisign::SecretKey,
}

impl Keys {
    pub fn new() -> Self {
        let minisign::KeyPair { pk, sk } =
            minisign::KeyPair::generate_unencrypted_keypair().expect("key pair");
        Self { pk, sk }
    }

    pub fn public_b64(&self) -> String {
        b64(&self.pk.to_box().expect("public key box").to_string())
    }

    /// A `.sig` file's content as the bundler writes it (with the version in the trusted comment).
    pub fn sign(&self, data: &[u8], version: &str) -> String {
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
pub type Files = Arc<Mutex<HashMap<String, Vec<u8>>>>;

pub struct UpdateServer {
    addr: SocketAddr,
}

impl UpdateServer {
    /// Serves on a thread of its own with its own runtime, so it works from plain and from async
    /// tests alike; it lives until the test process ends.
    pub fn start_shared(files: Files) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        listener.set_nonblocking(true).expect("non-blocking");
        let addr = listener.local_addr().expect("address");
        let app = Router::new().route("/{name}", get(serve)).with_state(files);
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                let _ = axum::serve(listener, app).await;
            });
        });
        Self { addr }
    }

    pub fn url(&self, name: &str) -> String {
        format!("http://{}/{name}", self.addr)
    }
}

async fn serve(State(files): State<Files>, Path(name): Path<String>) -> (StatusCode, Vec<u8>) {
    let found = files.lock().ok().and_then(|mut f| {
        // Every answer is counted under "hits:<name>", so a test can tell whether the app asked.
        let key = format!("hits:{name}");
        let hits = f.get(&key).map(|h| h.len()).unwrap_or(0);
        f.insert(key, vec![0; hits + 1]);
        f.get(&name).cloned()
    });
    match found {
        Some(bytes) => (StatusCode::OK, bytes),
        None => (StatusCode::NOT_FOUND, Vec::new()),
    }
}

/// `latest.json` announcing `version`, with the artifact's address and signature for this system.
pub fn latest_json(version: &str, artifact_url: &str, signature: &str) -> Vec<u8> {
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
pub fn artifact() -> Vec<u8> {
    (0..64 * 1024u32).map(|i| (i * 7 % 251) as u8).collect()
}

/// The local update server of one test: `latest.json` and the artifact.
pub struct Server {
    inner: UpdateServer,
    files: Files,
}

impl Server {
    pub fn new(keys: &Keys, served: Vec<u8>, version: &str) -> Self {
        Self::with_signed_version(keys, served, version, version)
    }

    /// `announced` goes into latest.json, `signed` into the signature's trusted comment.
    pub fn with_signed_version(
        keys: &Keys,
        served: Vec<u8>,
        announced: &str,
        signed: &str,
    ) -> Self {
        let signature = keys.sign(&artifact(), signed);
        // Reserve the address first: latest.json must name it.
        let files: Files = Arc::new(Mutex::new(HashMap::new()));
        let inner = UpdateServer::start_shared(files.clone());
        let json = latest_json(announced, &inner.url("coupon-desk.deb"), &signature);
        let mut map = files.lock().expect("files");
        map.insert("coupon-desk.deb".to_string(), served);
        map.insert("latest.json".to_string(), json);
        drop(map);
        Self { inner, files }
    }

    pub fn latest(&self) -> String {
        self.inner.url("latest.json")
    }
}

impl Server {
    /// Replaces what the server answers for `name` (a later version, a tampered file...).
    pub fn put(&self, name: &str, bytes: Vec<u8>) {
        self.files
            .lock()
            .expect("files")
            .insert(name.to_string(), bytes);
    }

    pub fn url(&self, name: &str) -> String {
        self.inner.url(name)
    }

    /// How often the app asked for `name`.
    pub fn hits(&self, name: &str) -> usize {
        self.files
            .lock()
            .expect("files")
            .get(&format!("hits:{name}"))
            .map(|h| h.len())
            .unwrap_or(0)
    }
}
