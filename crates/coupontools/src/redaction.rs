//! Values that must never appear in a log line (API secrets, a subaccount's keys): registered
//! the moment they are read, and masked in every text the app logs.

use std::sync::{OnceLock, RwLock};

fn known_secrets() -> &'static RwLock<Vec<String>> {
    static KNOWN: OnceLock<RwLock<Vec<String>>> = OnceLock::new();
    KNOWN.get_or_init(|| RwLock::new(Vec::new()))
}

/// Registers a value that must never appear in a log line.
pub fn remember_for_redaction(secret: &str) {
    // Very short values would blank out ordinary words; real API secrets are ~30 characters.
    if secret.len() < 8 {
        return;
    }
    if let Ok(mut known) = known_secrets().write() {
        if !known.iter().any(|s| s == secret) {
            known.push(secret.to_owned());
        }
    }
}

/// Replaces every secret seen by this process with a mask.
pub fn redact(text: &str) -> String {
    let Ok(known) = known_secrets().read() else {
        return text.to_owned();
    };
    let mut out = text.to_owned();
    for secret in known.iter() {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), "[redacted]");
        }
    }
    out
}
