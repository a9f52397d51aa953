//! The app on Tauri's mock runtime, for the command and update tests: the real `build()` setup,
//! the real context (capabilities and command permissions, so a command the window is not
//! granted fails here as it would in the app), the real store plugin writing under a temp
//! XDG_DATA_HOME, and the real keychain (inside scripts/test.sh's D-Bus session).
#![allow(dead_code)] // Each test file uses part of it.

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::Value;
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindowBuilder;

/// XDG_DATA_HOME is process-wide: all tests share one temp dir and tell their apps apart by
/// identifier (the store and the database live in `$XDG_DATA_HOME/<identifier>/`).
pub fn data_home() -> &'static PathBuf {
    static HOME: OnceLock<PathBuf> = OnceLock::new();
    HOME.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir").keep();
        // Set once, before any app (and its threads) of this process starts.
        std::env::set_var("XDG_DATA_HOME", &dir);
        // A lost write is settled once its request can no longer run (timeout + grace): a
        // short timeout keeps the tests that cut replies quick.
        std::env::set_var("COUPON_DESK_REQUEST_TIMEOUT_SECS", "2");
        dir
    })
}

pub struct MockApp {
    pub app: tauri::App<MockRuntime>,
    pub webview: tauri::WebviewWindow<MockRuntime>,
    /// The keychain service its secrets are kept under.
    pub service: String,
}

impl MockApp {
    /// The app named `name` (its own identifier, settings and keychain service); `configure`
    /// may change the context's config first (an update server, say).
    pub fn new(name: &str, configure: impl FnOnce(&mut tauri::Config)) -> MockApp {
        data_home();
        let identifier = format!("com.coupondesk.test.{name}.{}", std::process::id());
        let service = format!("{identifier}.keychain");
        let mut context: tauri::Context<MockRuntime> = tauri::generate_context!();
        context.config_mut().identifier = identifier;
        configure(context.config_mut());
        let options = coupon_desk::AppOptions {
            keyring_service: service.clone(),
        };
        let app = coupon_desk::build(mock_builder(), options.clone())
            .build(context)
            .expect("app builds");
        // The mock runtime never fires the Ready event that runs `setup`; do its work directly.
        coupon_desk::manage_state(app.handle(), &options);
        let webview = WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .expect("window");
        MockApp {
            app,
            webview,
            service,
        }
    }

    /// Calls a command as the window does, through IPC: its reply or its error, as JSON.
    pub fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
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
}
