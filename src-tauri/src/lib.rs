//! Coupon Desk: a desktop app over the Coupontools API.
//!
//! Rooms: `api` (Tauri-free client), `sandbox` (local Coupontools server, also practice mode),
//! `jobs` (bulk work, journalled), `secrets` / `settings` / `db` / `history` (what the app keeps),
//! `commands` (thin Tauri commands). [`build`] is generic over the runtime so tests run the real
//! setup on Tauri's mock runtime.

pub mod accounts;
pub mod api;
pub mod commands;
pub mod db;
pub mod first_steps;
pub mod history;
pub mod i18n;
pub mod jobs;
pub mod licences;
pub mod personal_data;
pub mod practice;
pub mod qr;
pub mod sandbox;
pub mod secrets;
pub mod settings;
pub mod state;
#[cfg(test)]
mod ui_dictionaries;
pub mod updates;

use tauri::{Manager, Runtime};

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
        .setup(move |app| {
            let state = init_state(app.handle(), &options);
            app.manage(state);
            commands::about::quiet_check_at_start(app.handle());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::accounts::app_status,
            commands::first_steps::first_steps,
            commands::first_steps::show_first_steps,
            commands::first_steps::practice_coupon,
            commands::accounts::list_accounts,
            commands::accounts::add_account,
            commands::accounts::update_account,
            commands::accounts::remove_account,
            commands::accounts::set_active_account,
            commands::accounts::test_connection,
            commands::accounts::start_practice_mode,
            commands::preferences::get_preferences,
            commands::preferences::set_preferences,
            commands::preferences::set_ui_language,
            commands::email::list_campaigns,
            commands::email::send_coupon_email,
            commands::email::open_url,
            commands::history::list_history,
            commands::history::export_history,
            commands::bulk::preview_email_list,
            commands::bulk::pick_list_file,
            commands::bulk::save_list_template,
            commands::bulk::start_email_job,
            commands::bulk::pause_job,
            commands::bulk::resume_job,
            commands::bulk::cancel_job,
            commands::bulk::unfinished_jobs,
            commands::bulk::job_rows,
            commands::bulk::export_job_results,
            commands::single_use::create_single_use_link,
            commands::single_use::start_links_job,
            commands::single_use::check_links_to_remove,
            commands::single_use::start_removal_job,
            commands::single_use::save_link_qr,
            commands::single_use::export_links_qr_zip,
            commands::loyalty::loyalty_cards,
            commands::loyalty::loyalty_members,
            commands::loyalty::loyalty_member,
            commands::loyalty::create_loyalty_member,
            commands::loyalty::update_loyalty_member,
            commands::loyalty::add_loyalty_stamps,
            commands::loyalty::use_loyalty_rewards,
            commands::loyalty::void_loyalty_member,
            commands::loyalty::delete_loyalty_member,
            commands::loyalty::push_loyalty_message,
            commands::loyalty::copy_loyalty_card,
            commands::loyalty::preview_member_import,
            commands::loyalty::start_member_import,
            commands::loyalty::export_loyalty_members,
            commands::redeem::redeem_lookup,
            commands::redeem::redeem_mark_used,
            commands::redeem::redeem_void,
            commands::redeem::export_shift,
            commands::redeem_many::check_redeem_many,
            commands::redeem_many::start_redeem_many_job,
            commands::campaigns::campaign_details,
            commands::campaigns::campaign_usage,
            commands::campaigns::cancel_campaign_usage,
            commands::campaigns::export_campaign_usage,
            commands::campaigns::find_sessions,
            commands::campaigns::push_campaign_message,
            commands::about::about_info,
            commands::about::open_app_folder,
            commands::about::dependency_licences,
            commands::about::check_for_update,
            commands::about::install_update,
            commands::about::pending_update,
            commands::directories::list_directories,
            commands::directories::directory_details,
            commands::directories::directory_members,
            commands::directories::cancel_directory_members,
            commands::directories::set_member_payment,
            commands::directories::start_payment_job,
            commands::directories::export_directory_members,
            commands::directories::category_lists,
            commands::subaccounts::list_subaccounts,
            commands::subaccounts::subaccount_details,
            commands::subaccounts::create_subaccount,
            commands::subaccounts::update_subaccount,
            commands::subaccounts::subaccount_reset_url,
            commands::subaccounts::subaccount_login,
            commands::subaccounts::add_subaccount_as_account,
            commands::campaigns::list_campaigns_filtered,
            commands::campaigns::campaign_usage_rows,
        ])
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
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.show();
                let _ = window.set_focus();
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

    /// Quoted words of a text that look like command names (`"snake_case"`).
    fn quoted(text: &str, prefix: &str) -> BTreeSet<String> {
        text.split('"')
            .skip(1)
            .step_by(2)
            .filter_map(|word| word.strip_prefix(prefix))
            .filter(|w| {
                !w.is_empty()
                    && w.bytes()
                        .all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'-')
            })
            .map(|w| w.replace('-', "_"))
            .collect()
    }

    /// The command list exists three times (the handler here, build.rs for the permissions, the
    /// window's capability); Tauri needs each as a literal list, so this test makes them agree.
    #[test]
    fn handler_build_script_and_capability_name_the_same_commands() {
        let lib = include_str!("lib.rs");
        let start = lib.find("generate_handler![").expect("a handler list");
        let end = start + lib[start..].find(']').expect("its end");
        let handler: BTreeSet<String> = lib[start..end]
            .split(',')
            .filter_map(|path| path.trim().rsplit("::").next())
            .filter(|name| !name.is_empty() && !name.contains('['))
            .map(str::to_owned)
            .collect();
        let build_rs = include_str!("../build.rs");
        let listed = &build_rs[build_rs.find("COMMANDS").expect("COMMANDS")..];
        let listed = &listed[..listed.find("];").expect("end of COMMANDS")];
        let build: BTreeSet<String> = quoted(listed, "");
        let capability: BTreeSet<String> =
            quoted(include_str!("../capabilities/default.json"), "allow-");
        assert!(handler.len() >= 20, "{handler:?}");
        assert_eq!(
            handler, build,
            "lib.rs generate_handler! vs build.rs COMMANDS"
        );
        assert_eq!(handler, capability, "lib.rs vs capabilities/default.json");
    }

    /// The window reaches Rust only through `ui/js/api.js`: every command it calls is one the
    /// app has (a typo would only show as "command not found" in the window).
    #[test]
    fn the_window_calls_only_commands_the_app_has() {
        let lib = include_str!("lib.rs");
        let start = lib.find("generate_handler![").expect("a handler list");
        let end = start + lib[start..].find(']').expect("its end");
        let api = include_str!("../../ui/js/api.js");
        let called: BTreeSet<String> = api
            .split("call('")
            .skip(1)
            .filter_map(|rest| rest.split('\'').next())
            .map(str::to_owned)
            .collect();
        assert!(called.len() >= 40, "{called:?}");
        for command in &called {
            assert!(
                lib[start..end].contains(&format!("::{command},")),
                "ui/js/api.js calls {command:?}, which lib.rs does not register"
            );
        }
    }
}
