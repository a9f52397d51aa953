// The app's commands are listed here so that tauri-build generates one permission per command
// and the capability file can grant exactly these, nothing else.
const COMMANDS: &[&str] = &[
    "app_status",
    "first_steps",
    "show_first_steps",
    "practice_coupon",
    "list_accounts",
    "add_account",
    "update_account",
    "remove_account",
    "set_active_account",
    "test_connection",
    "start_practice_mode",
    "get_preferences",
    "set_preferences",
    "set_ui_language",
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
    "check_redeem_many",
    "start_redeem_many_job",
    "campaign_details",
    "campaign_usage",
    "cancel_campaign_usage",
    "export_campaign_usage",
    "find_sessions",
    "push_campaign_message",
    "about_info",
    "open_app_folder",
    "dependency_licences",
    "check_for_update",
    "install_update",
    "pending_update",
    "list_directories",
    "directory_details",
    "directory_members",
    "cancel_directory_members",
    "set_member_payment",
    "start_payment_job",
    "export_directory_members",
    "category_lists",
    "list_subaccounts",
    "subaccount_details",
    "create_subaccount",
    "update_subaccount",
    "subaccount_reset_url",
    "subaccount_login",
    "add_subaccount_as_account",
    "list_campaigns_filtered",
    "campaign_usage_rows",
];

fn main() {
    write_licences();
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

/// Writes `$OUT_DIR/licences.json`: name, version, licence and repository of every crate the app
/// is built from on this target, from `cargo tree -e normal` (the real feature resolution, without
/// build tools and test crates, which are not shipped). Settings → About shows it and a unit test
/// checks it against `src-tauri/licence-allow-list.txt`.
fn write_licences() {
    use std::collections::BTreeSet;
    use std::path::PathBuf;

    println!("cargo:rerun-if-changed=Cargo.lock");
    println!("cargo:rerun-if-changed=Cargo.toml");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("licences.json");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir"))
        .join("Cargo.toml");
    let target = std::env::var("TARGET").expect("TARGET");
    let me = std::env::var("CARGO_PKG_NAME").expect("package name");
    let output = std::process::Command::new(cargo)
        .args([
            "tree",
            "--offline",
            "--locked",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .args(["--format", "{p}\t{l}\t{r}", "--target"])
        .arg(&target)
        .arg("--manifest-path")
        .arg(&manifest)
        .output();
    let text = match output {
        Ok(o) if o.status.success() => String::from_utf8(o.stdout).expect("cargo tree output"),
        Ok(o) => panic!("cargo tree failed: {}", String::from_utf8_lossy(&o.stderr)),
        Err(e) => panic!("cargo tree could not run: {e}"),
    };

    let mut crates = BTreeSet::new();
    for line in text.lines() {
        let line = line.trim_end().trim_end_matches(" (*)");
        let mut fields = line.split('\t');
        let package = fields.next().unwrap_or_default();
        let licence = fields.next().unwrap_or_default().trim();
        let repository = fields.next().unwrap_or_default().trim();
        let mut words = package.split_whitespace();
        let (Some(name), Some(version)) = (words.next(), words.next()) else {
            continue;
        };
        if name == me {
            continue;
        }
        crates.insert((
            name.to_owned(),
            version.trim_start_matches('v').to_owned(),
            licence.to_owned(),
            repository.to_owned(),
        ));
    }
    let optional = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    let list: Vec<serde_json::Value> = crates
        .into_iter()
        .map(|(name, version, licence, repository)| {
            serde_json::json!({
                "name": name,
                "version": version,
                "licence": optional(&licence),
                "repository": optional(&repository),
            })
        })
        .collect();
    std::fs::write(&out, serde_json::to_vec(&list).expect("json")).expect("write licences.json");
}
