// The app's commands are listed here so that tauri-build generates one permission per command
// and the capability file can grant exactly these, nothing else.
const COMMANDS: &[&str] = &[
    "app_status",
    "list_accounts",
    "add_account",
    "update_account",
    "remove_account",
    "set_active_account",
    "test_connection",
    "start_practice_mode",
    "get_preferences",
    "set_preferences",
    "list_campaigns",
    "send_coupon_email",
    "open_url",
    "list_history",
    "export_history",
    "preview_email_list",
    "pick_list_file",
    "save_list_template",
    "start_email_job",
    "pause_job",
    "resume_job",
    "cancel_job",
    "unfinished_jobs",
    "job_rows",
    "export_job_results",
    "create_single_use_link",
    "start_links_job",
    "check_links_to_remove",
    "start_removal_job",
    "save_link_qr",
    "export_links_qr_zip",
    "loyalty_cards",
    "loyalty_members",
    "loyalty_member",
    "create_loyalty_member",
    "update_loyalty_member",
    "add_loyalty_stamps",
    "use_loyalty_rewards",
    "void_loyalty_member",
    "delete_loyalty_member",
    "push_loyalty_message",
    "copy_loyalty_card",
    "preview_member_import",
    "start_member_import",
    "export_loyalty_members",
    "redeem_lookup",
    "redeem_mark_used",
    "redeem_void",
    "export_shift",
];

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    println!("cargo:rerun-if-changed=tauri.conf.json");
    println!("cargo:rerun-if-changed=ui");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("src-tauri/capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri-build failed: check tauri.conf.json, icons/ and src-tauri/capabilities/");
}
