//! The licences of the crates Coupon Desk is built from, as `build.rs` read them from
//! `cargo metadata` for this build's target: shown in Settings → About, and checked against
//! `src-tauri/licence-allow-list.txt` by a unit test (CI runs it on every system).

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

const LICENCES_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/licences.json"));

/// Coupon Desk's own licence (Cargo.toml `license`, the LICENSE file).
pub const APP_LICENCE: &str = env!("CARGO_PKG_LICENSE");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dependency {
    pub name: String,
    pub version: String,
    /// SPDX expression from the crate's Cargo.toml; `None` when it only ships a licence file.
    pub licence: Option<String>,
    pub repository: Option<String>,
}

/// Every bundled crate, sorted by name and version.
pub fn bundled() -> &'static [Dependency] {
    static LIST: OnceLock<Vec<Dependency>> = OnceLock::new();
    LIST.get_or_init(|| {
        serde_json::from_str(LICENCES_JSON).unwrap_or_else(|e| {
            log::error!("licences.json from build.rs is unreadable: {e}");
            Vec::new()
        })
    })
}

/// True when an SPDX expression is satisfied by the allowed licence ids: `A OR B` needs one of
/// them, `A AND B` both, `A WITH exception` needs `A` (an exception only grants more). The old
/// Cargo spelling `A/B` means `A OR B`.
pub fn expression_allowed(expression: &str, allowed: &[&str]) -> bool {
    let spaced = expression
        .replace('(', " ( ")
        .replace(')', " ) ")
        .replace('/', " OR ");
    let tokens: Vec<&str> = spaced.split_whitespace().collect();
    let mut parser = Parser {
        tokens: &tokens,
        at: 0,
        allowed,
    };
    let ok = parser.or_expr();
    ok == Some(true) && parser.at == tokens.len()
}

struct Parser<'a> {
    tokens: &'a [&'a str],
    at: usize,
    allowed: &'a [&'a str],
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&'a str> {
        self.tokens.get(self.at).copied()
    }

    fn or_expr(&mut self) -> Option<bool> {
        let mut value = self.and_expr()?;
        while self.peek().is_some_and(|t| t.eq_ignore_ascii_case("OR")) {
            self.at += 1;
            let right = self.and_expr()?;
            value = value || right;
        }
        Some(value)
    }

    fn and_expr(&mut self) -> Option<bool> {
        let mut value = self.term()?;
        while self.peek().is_some_and(|t| t.eq_ignore_ascii_case("AND")) {
            self.at += 1;
            let right = self.term()?;
            value = value && right;
        }
        Some(value)
    }

    fn term(&mut self) -> Option<bool> {
        let token = self.peek()?;
        self.at += 1;
        let value = if token == "(" {
            let inner = self.or_expr()?;
            if self.peek() != Some(")") {
                return None;
            }
            self.at += 1;
            inner
        } else if token == ")" || ["OR", "AND", "WITH"].contains(&token) {
            return None;
        } else {
            self.allowed.contains(&token)
        };
        if self.peek().is_some_and(|t| t.eq_ignore_ascii_case("WITH")) {
            self.at += 2;
        }
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALLOW_LIST: &str = include_str!("../licence-allow-list.txt");

    /// SPDX ids (one per line) and `crate = licence` lines for crates that declare no SPDX
    /// expression and whose licence file was read by a person.
    fn allow_list() -> (Vec<&'static str>, Vec<(&'static str, &'static str)>) {
        let mut ids = Vec::new();
        let mut reviewed = Vec::new();
        for line in ALLOW_LIST.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            match line.split_once('=') {
                Some((name, licence)) => reviewed.push((name.trim(), licence.trim())),
                None => ids.push(line),
            }
        }
        (ids, reviewed)
    }

    #[test]
    fn every_bundled_crate_has_an_allowed_licence() {
        let (ids, reviewed) = allow_list();
        let list = bundled();
        assert!(
            list.len() > 100,
            "build.rs found only {} crates: is cargo metadata working?",
            list.len()
        );
        let offending: Vec<String> = list
            .iter()
            .filter(|dep| match &dep.licence {
                Some(expr) => !expression_allowed(expr, &ids),
                None => !reviewed.iter().any(|(name, _)| *name == dep.name),
            })
            .map(|dep| {
                format!(
                    "{} {}: {}",
                    dep.name,
                    dep.version,
                    dep.licence
                        .as_deref()
                        .unwrap_or("no SPDX licence (licence file only)")
                )
            })
            .collect();
        assert!(
            offending.is_empty(),
            "these crates have a licence that is not on src-tauri/licence-allow-list.txt; \
             review them and add the licence there, or drop the crate:\n  {}",
            offending.join("\n  ")
        );
    }

    #[test]
    fn the_list_names_the_app_s_direct_dependencies_and_not_its_test_tools() {
        let names: Vec<&str> = bundled().iter().map(|d| d.name.as_str()).collect();
        for direct in ["tauri", "reqwest", "rusqlite", "tauri-plugin-updater"] {
            assert!(names.contains(&direct), "{direct} missing");
        }
        for dev_only in ["fantoccini", "minisign"] {
            assert!(!names.contains(&dev_only), "{dev_only} is a test tool");
        }
        assert!(
            !names.contains(&"coupon-desk"),
            "the app itself is not a dependency"
        );
    }

    #[test]
    fn spdx_expressions() {
        let ok = ["MIT", "Apache-2.0", "ISC"];
        assert!(expression_allowed("MIT", &ok));
        assert!(expression_allowed("MIT OR Apache-2.0", &ok));
        assert!(expression_allowed("GPL-3.0 OR MIT", &ok));
        assert!(expression_allowed("MIT/Apache-2.0", &ok));
        assert!(expression_allowed("Apache-2.0 WITH LLVM-exception", &ok));
        assert!(expression_allowed("(MIT OR Apache-2.0) AND ISC", &ok));
        assert!(!expression_allowed(
            "(MIT OR Apache-2.0) AND Unicode-3.0",
            &ok
        ));
        assert!(!expression_allowed("GPL-3.0", &ok));
        assert!(!expression_allowed("MIT AND GPL-3.0", &ok));
        assert!(!expression_allowed("", &ok));
        assert!(!expression_allowed("MIT OR", &ok));
        assert!(!expression_allowed("(MIT", &ok));
    }
}
