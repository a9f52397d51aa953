fn main() {
    write_licences();
    let commands = read_commands();
    write_invoke_handler(&commands);
    let permissions = write_window_permissions(&commands);
    let names: Vec<&'static str> = commands
        .iter()
        .map(|(_, name)| &*Box::leak(name.clone().into_boxed_str()))
        .collect();
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    println!("cargo:rerun-if-changed=tauri.conf.json");
    println!("cargo:rerun-if-changed=ui");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("src-tauri/capabilities/**/*")
            .app_manifest(
                tauri_build::AppManifest::new()
                    .commands(names.leak())
                    .permissions_path_pattern(permissions),
            ),
    )
    .expect("tauri-build failed: check tauri.conf.json, icons/ and src-tauri/capabilities/");
}

/// The commands of `src-tauri/commands.list` as (module, function).
fn read_commands() -> Vec<(String, String)> {
    println!("cargo:rerun-if-changed=src-tauri/commands.list");
    let text = std::fs::read_to_string("src-tauri/commands.list").expect("src-tauri/commands.list");
    let mut commands = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (module, name) = line.split_once("::").unwrap_or_else(|| {
            panic!(
                "src-tauri/commands.list line {}: write module::function",
                n + 1
            )
        });
        let word = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        };
        assert!(
            word(module) && word(name),
            "src-tauri/commands.list line {}: {line:?}",
            n + 1
        );
        commands.push((module.to_owned(), name.to_owned()));
    }
    commands
}

/// `$OUT_DIR/invoke_handler.rs`, included by lib.rs: `tauri::generate_handler![…]` of the list.
fn write_invoke_handler(commands: &[(String, String)]) {
    let paths: Vec<String> = commands
        .iter()
        .map(|(module, name)| format!("    commands::{module}::{name},"))
        .collect();
    let code = format!("tauri::generate_handler![\n{}\n]\n", paths.join("\n"));
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    write_if_changed(&out.join("invoke_handler.rs"), &code);
}

/// The app's default permission set, every listed command (`allow-<command>`, which
/// tauri-build makes for each), written to `$OUT_DIR/app-permissions/`; returns the glob
/// tauri-build reads it with. `capabilities/default.json` grants the main window this set.
fn write_window_permissions(commands: &[(String, String)]) -> &'static str {
    let dir = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"))
        .join("app-permissions");
    std::fs::create_dir_all(&dir).expect("app-permissions folder");
    let allowed: Vec<String> = commands
        .iter()
        .map(|(_, name)| format!("  \"allow-{}\",", name.replace('_', "-")))
        .collect();
    let toml = format!(
        "[default]\ndescription = \"Every command of src-tauri/commands.list: what the main window may call.\"\npermissions = [\n{}\n]\n",
        allowed.join("\n")
    );
    write_if_changed(&dir.join("window.toml"), &toml);
    // tauri-build reads it as a glob: a folder name with glob characters would match nothing
    // and leave the window without a command (no error at build time), so they are escaped.
    let escaped: String = dir
        .display()
        .to_string()
        .chars()
        .map(|c| match c {
            '[' | ']' | '*' | '?' => format!("[{c}]"),
            c => c.to_string(),
        })
        .collect();
    Box::leak(format!("{escaped}/*.toml").into_boxed_str())
}

/// Leaves the file alone when it holds this already (its time would rebuild the crate).
fn write_if_changed(path: &std::path::Path, text: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::write(path, text).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    }
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
        // The app and its own workspace crates (a path in parentheses) are not dependencies.
        if name == me || package.contains('(') {
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
