//! Coupon Desk: a desktop app over the Coupontools API.
//!
//! Rooms: `api` (Tauri-free client), `sandbox` (local Coupontools server, also practice mode),
//! `jobs` (bulk work, journalled), `secrets` / `settings` / `db` / `history` (what the app keeps),
//! `commands` (thin Tauri commands). [`build`] is generic over the runtime so tests run the real
//! setup on Tauri's mock runtime.

pub mod accounts;
/// The Coupontools client (its own crate, `crates/coupontools`).
pub use coupontools as api;
/// The bulk engine, journal, history, database and CSV files (their own crate, Tauri-free).
pub use desk_core::{atomic_file, csv_file, db, history, jobs, kept_words, store_summary, today};
pub mod commands;
pub mod desktop;
pub mod error_kind;
pub mod first_steps;
pub mod i18n;
pub mod licences;
pub mod notices;
pub mod personal_data;
pub mod practice;
pub mod qr;
/// The fake Coupontools server (its own crate) behind practice mode.
pub use coupontools_sandbox as sandbox;
pub mod secrets;
pub mod settings;
pub mod shown_jobs;
pub mod state;
pub mod support_file;
pub mod today_watch;
pub mod tray;
#[cfg(test)]
mod ui_dictionaries;
pub mod updates;
pub mod words;

use std::sync::Arc;

use tauri::{Manager, Runtime, WindowEvent};

use crate::secrets::SecretStore;
use crate::state::AppState;

/// What differs between the installed app and a test run.
#[derive(Debug, Clone)]
pub struct AppOptions {
    /// Keychain service name; tests use their own so they never touch a real installation's entries.
    pub keyring_service: String,
}

impl Default for AppOptions {
    fn default() -> Self {
        Self {
            keyring_service: secrets::SERVICE.into(),
        }
    }
}

/// Everything but the desktop-only plugins: state, the store plugin and the command list.
pub fn build<R: Runtime>(builder: tauri::Builder<R>, options: AppOptions) -> tauri::Builder<R> {
    builder
        .plugin(tauri_plugin_store::Builder::new().build())
        // Used from Rust only (open a single-use URL, pick a list file); the window gets no
        // permission of these plugins.
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_dialog::init())
        // Used from Rust only, through `commands::updates`; the public key and the address of
        // `latest.json` are in tauri.conf.json (`plugins.updater`).
        .plugin(tauri_plugin_updater::Builder::new().build())
        // Used from Rust only (`notices`); the window gets no permission of it either.
        .plugin(tauri_plugin_notification::init())
        .setup(move |app| {
            manage_state(app.handle(), &options);
            tray::build(app.handle());
            today_watch::start_every_account(app.handle());
            commands::about::quiet_check_at_start(app.handle());
            Ok(())
        })
        .on_window_event(|window, event| {
            if let WindowEvent::CloseRequested { api, .. } = event {
                if keeps_running_in_tray(window.app_handle()) {
                    api.prevent_close();
                    let _ = window.hide();
                    log::info!("window closed; Coupon Desk stays in the tray");
                }
            }
        })
        // Made by build.rs from src-tauri/commands.list, the one list of commands.
        .invoke_handler(include!(concat!(env!("OUT_DIR"), "/invoke_handler.rs")))
}

/// Everything the commands reach as state: the app's state, Today's readers and the notices
/// (told when any bulk job ends). The setup calls it; so do the tests on the mock runtime.
pub fn manage_state<R: Runtime>(app: &tauri::AppHandle<R>, options: &AppOptions) {
    let state = init_state(app, options);
    // Nobody else holds the settings yet.
    let prefs = state
        .settings
        .try_lock()
        .map(|s| s.preferences.clone())
        .unwrap_or_default();
    let notifier = notices::Notifier::new(&prefs);
    let desktop = desktop::TauriDesktop::new(app.clone());
    notifier.attach(desktop.clone());
    if let Some(jobs) = &state.jobs {
        jobs.on_end(Arc::new(notifier.clone()));
    }
    let watch = today_watch::TodayWatch::new(notifier.clone(), state.uses_under_way.clone());
    app.manage(state);
    app.manage(desktop);
    app.manage(watch);
    app.manage(notifier);
}

/// Closing the window keeps the app in the tray: chosen in Settings, and a tray to stay in.
fn keeps_running_in_tray<R: Runtime>(app: &tauri::AppHandle<R>) -> bool {
    let chosen = app
        .try_state::<notices::Notifier>()
        .is_some_and(|n| n.switches().keep_in_tray);
    chosen && tray::exists(app)
}

/// Builds the app's state. Never fails: Tauri panics on a failed setup, and a shop assistant
/// should get a window that explains a problem rather than an app that does not open.
pub fn init_state<R: Runtime>(app: &tauri::AppHandle<R>, options: &AppOptions) -> AppState {
    let data_dir = app.path().app_data_dir().unwrap_or_else(|e| {
        log::error!("no app data folder ({e}); using the temp folder");
        std::env::temp_dir().join("com.coupondesk.desk")
    });
    let settings = settings::load(app).unwrap_or_else(|e| {
        log::error!("settings: {e}");
        settings::Settings::default()
    });
    AppState::new(
        settings,
        SecretStore::new(options.keyring_service.clone()),
        data_dir,
    )
}

fn log_plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    use tauri_plugin_log::{Target, TargetKind};
    tauri_plugin_log::Builder::new()
        .level(log::LevelFilter::Info)
        .level_for("coupon_desk", log::LevelFilter::Debug)
        // The updater plugin calls a failed check an ERROR, and with no internet at start that
        // is a normal day: Coupon Desk logs every check's outcome itself (at INFO for the quiet
        // one at start, at WARN for one the user asked for).
        .level_for("tauri_plugin_updater", log::LevelFilter::Off)
        .targets([
            Target::new(TargetKind::Stdout),
            Target::new(TargetKind::LogDir { file_name: None }),
        ])
        .max_file_size(2_000_000)
        .rotation_strategy(tauri_plugin_log::RotationStrategy::KeepSome(5))
        .format(|out, message, record| {
            out.finish(format_args!(
                "[{}][{}] {}",
                record.level(),
                record.target(),
                log_text(&message.to_string())
            ))
        })
        .build()
}

/// What a log line may hold of `message`: every line passes through here, so a secret or a
/// customer's e-mail address or phone number that reached a message by accident (an API
/// refusal naming the address, a reply excerpt) never reaches the file.
pub fn log_text(message: &str) -> String {
    personal_data::mask(&secrets::redact(message))
}

pub fn run() {
    api::tls::install_provider();
    let builder = tauri::Builder::default()
        // Must be first: a second launch hands over to the running window and exits.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            // Also the way back to a window hidden in the tray: start Coupon Desk again.
            if let Some(desktop) = app
                .try_state::<notices::Notifier>()
                .and_then(|n| n.desktop().cloned())
            {
                desktop.bring_forward();
            }
        }))
        .plugin(log_plugin())
        .plugin(tauri_plugin_window_state::Builder::default().build());
    if let Err(e) = build(builder, AppOptions::default()).run(tauri::generate_context!()) {
        eprintln!("Coupon Desk could not start: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod log_text_tests {
    use crate::api::ApiError;

    /// Every error that can carry a customer's data, as the log would print it.
    #[test]
    fn errors_that_name_customers_reach_the_log_masked() {
        let lines = [
            ApiError::Coupontools {
                code: 604,
                description: "Email not sent to 'nobody@bounce.test'".into(),
            }
            .to_string(),
            ApiError::NotTheApi {
                status: 502,
                excerpt: r#"{"receiver":"ann@shop.test","phone":"+32 470 12 34 56"}"#.into(),
            }
            .to_string(),
            ApiError::V4 {
                status: 422,
                message: "The phone 0470/12.34.56 of bob@shop.test is taken".into(),
            }
            .to_string(),
            ApiError::Decode {
                status: 200,
                path: "users[0].email".into(),
                detail: "invalid type: carl@shop.test".into(),
            }
            .to_string(),
            ApiError::ReplyLost {
                detail: "error sending request for url (https://api.test/v4/loyalty/loyalty-cards/1/stats?filter%5Bsearch%5D=ann%40shop.test): connection closed".into(),
            }
            .to_string(),
            ApiError::ReplyLost {
                detail: "error sending request for url (https://api.test/v4/stats?filter%5Bsearch%5D=%2B32%20470%2012%2034%2056)".into(),
            }
            .to_string(),
        ];
        for line in lines {
            let logged = super::log_text(&line);
            for personal in ["bounce.test", "ann@", "shop.test", "470 12 34", "12.34.56"] {
                assert!(!logged.contains(personal), "{personal} in {logged:?}");
            }
        }
    }
}

#[cfg(test)]
mod command_list_tests {
    use std::collections::BTreeSet;

    /// The commands of src-tauri/commands.list, the one list build.rs makes the handler and
    /// the permissions from.
    fn listed_commands() -> Vec<String> {
        include_str!("../commands.list")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| l.rsplit("::").next())
            .map(str::to_owned)
            .collect()
    }

    /// The window is granted the app's permission set made from the list, and nothing else (no
    /// plugin permission: the store, dialog and opener plugins are used from Rust only); every
    /// `#[tauri::command]` of `commands/` is on the list once.
    #[test]
    fn the_window_is_granted_exactly_the_listed_commands() {
        let capability: serde_json::Value =
            serde_json::from_str(include_str!("../capabilities/default.json")).expect("JSON");
        assert_eq!(capability["permissions"], serde_json::json!(["default"]));
        let listed = listed_commands();
        let unique: BTreeSet<&String> = listed.iter().collect();
        assert_eq!(unique.len(), listed.len(), "a command is listed twice");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri/src/commands");
        let mut defined = BTreeSet::new();
        for entry in std::fs::read_dir(&dir).expect("commands/") {
            let text = std::fs::read_to_string(entry.expect("entry").path()).unwrap_or_default();
            for part in text.split("#[tauri::command]").skip(1) {
                let name = part
                    .split("fn ")
                    .nth(1)
                    .and_then(|rest| rest.split(['(', '<']).next())
                    .unwrap_or_default();
                defined.insert(name.trim().to_owned());
            }
        }
        let unique: BTreeSet<String> = listed.into_iter().collect();
        assert!(unique.len() >= 20, "{unique:?}");
        assert_eq!(
            defined, unique,
            "#[tauri::command]s vs src-tauri/commands.list"
        );
    }

    /// The window reaches Rust only through `call` of `ui/js/api.js` (its named wrappers, or a
    /// screen's `api.call('command', …)`): every command called anywhere under `ui/js` is one the
    /// app has (a typo would only show as "command not found" in the window).
    #[test]
    fn the_window_calls_only_commands_the_app_has() {
        let listed = listed_commands();
        let mut scripts = String::new();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/js");
        for dir in [root.clone(), root.join("screens")] {
            for entry in std::fs::read_dir(&dir)
                .expect("ui/js")
                .filter_map(Result::ok)
            {
                if entry.path().extension().is_some_and(|e| e == "js") {
                    scripts += &std::fs::read_to_string(entry.path()).unwrap_or_default();
                }
            }
        }
        let called: BTreeSet<String> = scripts
            .split("call('")
            .skip(1)
            .filter_map(|rest| rest.split('\'').next())
            .map(str::to_owned)
            .collect();
        assert!(called.len() >= 40, "{called:?}");
        for command in &called {
            assert!(
                listed.contains(command),
                "ui/js calls {command:?}, which src-tauri/commands.list does not hold"
            );
        }
    }
}
