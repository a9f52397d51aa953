//! The walls of the house: no import circle inside any crate of the workspace, and the crates
//! that must stay free of the app (the client, the sandbox) carry none of it.
//!
//! A circle (a.rs uses b.rs, which uses … a.rs) means neither file can be read, changed or moved
//! without the other: the layers are then a convention only. This reads every `.rs` file of
//! `src-tauri/src` and `crates/*/src` as text (`use` and paths, outside `#[cfg(test)]` modules),
//! follows `pub use` re-exports to the file that defines a name, and fails naming each circle
//! and the arrows that close it. `cargo test --test house` runs it alone.
//!
//! Circles known today are listed in `KNOWN_CIRCLES` with the issue that removes them: the list
//! may only shrink (a listed circle that is gone fails too, so the list stays true).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Circles that exist on purpose of nobody, waiting for their step of the house (#17): the files
/// of each, sorted. Empty this list, never add to it.
const KNOWN_CIRCLES: &[&[&str]] = &[];

type Module = Vec<String>;

struct Crate {
    name: String,
    /// module path → file
    files: BTreeMap<Module, PathBuf>,
}

fn workspace_crates() -> Vec<Crate> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut crates = vec![read_crate("coupon-desk", &root.join("src-tauri/src"))];
    let mut members: Vec<PathBuf> = fs::read_dir(root.join("crates"))
        .map(|dir| dir.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    members.sort();
    for member in members {
        let name = member
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        crates.push(read_crate(&name, &member.join("src")));
    }
    crates
}

fn read_crate(name: &str, src: &Path) -> Crate {
    let mut files = BTreeMap::new();
    collect(src, src, &mut files);
    Crate {
        name: name.to_owned(),
        files,
    }
}

fn collect(src: &Path, dir: &Path, files: &mut BTreeMap<Module, PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(|e| e.ok()) {
        let path = entry.path();
        if path.is_dir() {
            // src-tauri/src/bin holds separate programs, not modules of the library.
            if path.file_name().is_some_and(|n| n != "bin") {
                collect(src, &path, files);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path.strip_prefix(src).unwrap_or(&path).with_extension("");
            let mut module: Module = relative
                .iter()
                .map(|s| s.to_string_lossy().into_owned())
                .collect();
            if matches!(
                module.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                module.pop();
            }
            // lib.rs and main.rs are both the root of their own target; the library wins.
            if module.is_empty() && path.file_name().is_some_and(|n| n == "main.rs") {
                continue;
            }
            files.insert(module, path);
        }
    }
}

/// The file's code without comments and test modules (a test module may use anything of its
/// parent).
fn code_of(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let text = match text.find("#[cfg(test)]\nmod ") {
        Some(at) => &text[..at],
        None => &text[..],
    };
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path a file names: `crate::a::b::C`, `super::x::Y`, `self::z`, and the members of
/// `{…}` groups, each as the segments after the start word, with that word first.
fn paths_in(code: &str) -> Vec<(bool, Vec<String>)> {
    let mut found = Vec::new();
    let bytes = code.as_bytes();
    for start in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(at) = code[from..].find(start) {
            let begin = from + at;
            from = begin + start.len();
            let before = begin.checked_sub(1).map(|i| bytes[i]);
            if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':') {
                continue;
            }
            let is_pub_use = line_of(code, begin).trim_start().starts_with("pub use ")
                || line_of(code, begin)
                    .trim_start()
                    .starts_with("pub(crate) use ");
            let head: Vec<String> = vec![start.trim_end_matches("::").to_owned()];
            for tail in expand(&code[from..]) {
                let mut path = head.clone();
                path.extend(tail);
                found.push((is_pub_use, path));
            }
        }
    }
    found
}

fn line_of(code: &str, at: usize) -> &str {
    let start = code[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = code[at..].find('\n').map_or(code.len(), |i| at + i);
    &code[start..end]
}

/// `a::b::{c, d::e}` → [a,b,c], [a,b,d,e]; stops at the first character that ends a path.
fn expand(text: &str) -> Vec<Vec<String>> {
    let mut segments = Vec::new();
    let mut rest = text;
    loop {
        let word: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !word.is_empty() {
            segments.push(word.clone());
            rest = &rest[word.len()..];
            if let Some(more) = rest.strip_prefix("::") {
                rest = more;
                continue;
            }
            return vec![segments];
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut end = group.len();
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = i;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let mut all = Vec::new();
            for member in split_top(&group[..end]) {
                for tail in expand(member.trim()) {
                    let mut path = segments.clone();
                    path.extend(tail);
                    all.push(path);
                }
            }
            return all;
        }
        return vec![segments];
    }
}

fn split_top(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// Where a path starts, as a module path: `crate` → root, `super` → the parent of the module,
/// `self` → the module.
fn absolute(module: &Module, path: &[String]) -> Module {
    let mut at: Module = match path.first().map(String::as_str) {
        Some("crate") => Vec::new(),
        Some("super") => module[..module.len().saturating_sub(1)].to_vec(),
        _ => module.clone(),
    };
    let mut rest = &path[1..];
    while rest.first().is_some_and(|s| s == "super") {
        at.pop();
        rest = &rest[1..];
    }
    at.extend(rest.iter().cloned());
    at
}

struct Graph<'a> {
    krate: &'a Crate,
    /// (module, name) → the absolute path a `pub use` gives it
    reexports: BTreeMap<(Module, String), Module>,
    /// module → modules it re-exports whole (`pub use x::*`)
    globs: BTreeMap<Module, Vec<Module>>,
}

impl<'a> Graph<'a> {
    fn new(krate: &'a Crate) -> Graph<'a> {
        let mut reexports = BTreeMap::new();
        let mut globs: BTreeMap<Module, Vec<Module>> = BTreeMap::new();
        for (module, file) in &krate.files {
            let code = code_of(file);
            for line in code.lines() {
                let line = line.trim_start();
                let Some(rest) = line
                    .strip_prefix("pub use ")
                    .or_else(|| line.strip_prefix("pub(crate) use "))
                else {
                    continue;
                };
                let rest = rest.trim_end_matches(';');
                let (start, rest) = match rest.split_once("::") {
                    Some((s @ ("crate" | "super" | "self"), r)) => (s.to_owned(), r),
                    _ => ("self".to_owned(), rest),
                };
                for tail in expand(rest) {
                    let mut path = vec![start.clone()];
                    path.extend(tail);
                    let target = absolute(module, &path);
                    match target.last().map(String::as_str) {
                        Some("*") | None => {}
                        Some(name) => {
                            reexports.insert((module.clone(), name.to_owned()), target.clone());
                        }
                    }
                }
                if rest.ends_with("::*") {
                    let mut path = vec![start.clone()];
                    path.extend(rest.trim_end_matches("::*").split("::").map(str::to_owned));
                    globs
                        .entry(module.clone())
                        .or_default()
                        .push(absolute(module, &path));
                }
            }
        }
        Graph {
            krate,
            reexports,
            globs,
        }
    }

    /// The file that defines what an absolute path names: its longest prefix that is a module
    /// file, followed through re-exports.
    fn file_of(&self, path: &Module, depth: usize) -> Option<Module> {
        let mut n = path.len();
        while n > 0 && !self.krate.files.contains_key(&path[..n]) {
            n -= 1;
        }
        if n == 0 && !self.krate.files.contains_key(&Vec::new()) {
            return None;
        }
        let module = path[..n].to_vec();
        let Some(name) = path.get(n) else {
            return Some(module);
        };
        if depth < 8 {
            if let Some(target) = self.reexports.get(&(module.clone(), name.clone())) {
                let mut next = target.clone();
                next.extend(path[n + 1..].iter().cloned());
                if next != *path {
                    return self.file_of(&next, depth + 1).or(Some(module));
                }
            }
            for glob in self.globs.get(&module).into_iter().flatten() {
                if let Some(file) = self.krate.files.get(glob) {
                    if defines(file, name) {
                        return Some(glob.clone());
                    }
                }
            }
        }
        Some(module)
    }

    /// file → files it takes names from, with those names.
    fn arrows(&self) -> BTreeMap<Module, BTreeMap<Module, BTreeSet<String>>> {
        let mut arrows: BTreeMap<Module, BTreeMap<Module, BTreeSet<String>>> = BTreeMap::new();
        for (module, file) in &self.krate.files {
            let code = code_of(file);
            for (is_pub_use, path) in paths_in(&code) {
                // A re-export passes a name through; who uses it is followed to its file.
                if is_pub_use {
                    continue;
                }
                let target_path = absolute(module, &path);
                let Some(target) = self.file_of(&target_path, 0) else {
                    continue;
                };
                // The crate root declares and wires every module (and names the crates it
                // re-exports); what others take from it is not counted.
                if target == *module || target.is_empty() {
                    continue;
                }
                arrows
                    .entry(module.clone())
                    .or_default()
                    .entry(target)
                    .or_default()
                    .insert(path.join("::"));
            }
        }
        arrows
    }
}

fn defines(file: &Path, name: &str) -> bool {
    let code = code_of(file);
    [
        "struct", "enum", "fn", "trait", "type", "const", "static", "mod",
    ]
    .iter()
    .any(|kw| {
        code.match_indices(&format!("{kw} {name}")).any(|(at, m)| {
            code[at + m.len()..]
                .chars()
                .next()
                .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'))
        })
    })
}

/// Strongly connected groups of more than one file (Tarjan).
fn circles(arrows: &BTreeMap<Module, BTreeMap<Module, BTreeSet<String>>>) -> Vec<Vec<Module>> {
    struct Walk<'g> {
        arrows: &'g BTreeMap<Module, BTreeMap<Module, BTreeSet<String>>>,
        index: BTreeMap<Module, usize>,
        low: BTreeMap<Module, usize>,
        stack: Vec<Module>,
        on_stack: BTreeSet<Module>,
        next: usize,
        found: Vec<Vec<Module>>,
    }
    impl Walk<'_> {
        fn visit(&mut self, v: &Module) {
            self.index.insert(v.clone(), self.next);
            self.low.insert(v.clone(), self.next);
            self.next += 1;
            self.stack.push(v.clone());
            self.on_stack.insert(v.clone());
            let targets: Vec<Module> = self
                .arrows
                .get(v)
                .map(|t| t.keys().cloned().collect())
                .unwrap_or_default();
            for w in targets {
                if !self.index.contains_key(&w) {
                    self.visit(&w);
                    let low = self.low[v].min(self.low[&w]);
                    self.low.insert(v.clone(), low);
                } else if self.on_stack.contains(&w) {
                    let low = self.low[v].min(self.index[&w]);
                    self.low.insert(v.clone(), low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut group = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(&w);
                    let done = w == *v;
                    group.push(w);
                    if done {
                        break;
                    }
                }
                if group.len() > 1 {
                    group.sort();
                    self.found.push(group);
                }
            }
        }
    }
    let mut walk = Walk {
        arrows,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        found: Vec::new(),
    };
    let nodes: Vec<Module> = arrows.keys().cloned().collect();
    for v in nodes {
        if !walk.index.contains_key(&v) {
            walk.visit(&v);
        }
    }
    walk.found
}

fn file_name(krate: &Crate, module: &Module) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    krate.files.get(module).map_or_else(
        || module.join("::"),
        |f| f.strip_prefix(root).unwrap_or(f).display().to_string(),
    )
}

#[test]
fn no_import_circle_inside_any_crate() {
    let crates = workspace_crates();
    assert!(
        crates.len() >= 2 && crates.iter().all(|c| c.files.len() > 3),
        "the workspace's crates were not found from {}",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut report = Vec::new();
    let mut seen: BTreeSet<Vec<String>> = BTreeSet::new();
    for krate in &crates {
        let graph = Graph::new(krate);
        let arrows = graph.arrows();
        for circle in circles(&arrows) {
            let names: Vec<String> = circle.iter().map(|m| file_name(krate, m)).collect();
            let mut sorted = names.clone();
            sorted.sort();
            if KNOWN_CIRCLES
                .iter()
                .any(|known| known.iter().map(|s| s.to_string()).collect::<Vec<_>>() == sorted)
            {
                seen.insert(sorted);
                continue;
            }
            let mut text = format!("{}: a circle of {} files:\n", krate.name, circle.len());
            for from in &circle {
                for (to, names) in arrows.get(from).into_iter().flatten() {
                    if circle.contains(to) {
                        text += &format!(
                            "  {} -> {}: {}\n",
                            file_name(krate, from),
                            file_name(krate, to),
                            names.iter().cloned().collect::<Vec<_>>().join(", ")
                        );
                    }
                }
            }
            report.push(text);
        }
    }
    for known in KNOWN_CIRCLES {
        let known: Vec<String> = known.iter().map(|s| s.to_string()).collect();
        if !seen.contains(&known) {
            report.push(format!(
                "this known circle is gone (or changed): take it off KNOWN_CIRCLES: {known:?}\n"
            ));
        }
    }
    assert!(report.is_empty(), "\n{}", report.join("\n"));
}

/// The checker itself finds a circle, through a `{…}` group and a re-export.
#[test]
fn the_checker_sees_a_circle() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let src = dir.path();
    fs::create_dir_all(src.join("b")).expect("folder");
    fs::write(src.join("lib.rs"), "mod a;\nmod b;\npub use b::Thing;\n").expect("lib");
    fs::write(src.join("a.rs"), "use crate::{Thing, c};\npub struct A;\n").expect("a");
    fs::write(src.join("b/mod.rs"), "mod inner;\npub use inner::Thing;\n").expect("b");
    fs::write(
        src.join("b/inner.rs"),
        "pub struct Thing(super::super::a::A);\n",
    )
    .expect("inner");
    let krate = read_crate("demo", src);
    let graph = Graph::new(&krate);
    let found = circles(&graph.arrows());
    let names: Vec<Vec<String>> = found
        .iter()
        .map(|c| c.iter().map(|m| m.join("::")).collect())
        .collect();
    assert_eq!(names, vec![vec!["a".to_owned(), "b::inner".to_owned()]]);
}

/// The walls that are crates hold: the client, the sandbox and the desk's core build without
/// Tauri, WebKit, the keychain or the app in their tree (`cargo tree`, offline, from the lock
/// file); only the core has the database, and no crate below the app has a dictionary.
#[test]
fn the_client_the_sandbox_and_the_core_carry_no_tauri() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    for package in ["coupontools", "coupontools-sandbox", "desk-core"] {
        let out = std::process::Command::new(&cargo)
            .args([
                "tree",
                "--offline",
                "--locked",
                "-e",
                "normal",
                "--prefix",
                "none",
            ])
            .args(["-p", package])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("cargo tree runs");
        assert!(
            out.status.success(),
            "cargo tree -p {package}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let tree = String::from_utf8_lossy(&out.stdout);
        // "name vX.Y.Z (path)": the crate names.
        let names: Vec<&str> = tree
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        assert!(names.len() > 20, "{package}: a tree of {tree}");
        for name in names {
            let database = name == "rusqlite" && package == "desk-core";
            assert!(
                !(name.starts_with("tauri")
                    || name.starts_with("webkit2gtk")
                    || name.starts_with("gtk")
                    || ["keyring", "coupon-desk", "sys-locale"].contains(&name)
                    || (name == "rusqlite" && !database)),
                "{package} depends on {name}"
            );
        }
    }
}
