//! The process's TLS crypto provider. reqwest is built without one (its default would compile
//! aws-lc, a C library of its own), so ring, which the updater plugin uses too, is installed
//! before the first client is built.

use std::sync::Once;

/// Installs ring as the process-wide rustls provider. Cheap and safe to call many times; a
/// provider installed earlier by someone else is kept.
pub fn install_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            // Fails only if another thread installed one meanwhile, which is just as good.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
    });
}
