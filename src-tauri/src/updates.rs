//! Signed updates through tauri-plugin-updater: `latest.json` names the new version, its notes,
//! and per system the installer's address and minisign signature; the download is only ever
//! installed after its signature checked out against the public key in tauri.conf.json.
//!
//! The window never talks to the plugin: `commands::about` calls these functions, so a bulk job
//! that is running can hold an update back (see [`UpdateState`]).

use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use tauri::{AppHandle, Runtime};
use tauri_plugin_updater::{Error as UpdaterError, Update, UpdaterExt};

use crate::error_kind::ErrorKind;
use crate::i18n::{t, tf};

/// A quiet check at start happens at most this often.
pub const CHECK_INTERVAL: Duration = Duration::from_secs(24 * 60 * 60);
/// A shop's connection may be slow, but a check must not hang for minutes.
const CHECK_TIMEOUT: Duration = Duration::from_secs(30);
/// For a whole installer (≈ 10 MB) on a slow line.
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UpdateError {
    /// No answer: offline, DNS, TLS, a timeout or a server error.
    #[error("update server not reached: {0}")]
    Offline(String),
    /// The download does not match its signature, or the signature is not from our key.
    #[error("update refused: {0}")]
    Refused(String),
    /// `latest.json` is there but unusable, or lists nothing for this system.
    #[error("no usable update for this computer: {0}")]
    NoRelease(String),
    #[error("the update could not be installed: {0}")]
    Install(String),
    #[error("updater: {0}")]
    Other(String),
}

impl From<UpdaterError> for UpdateError {
    fn from(e: UpdaterError) -> Self {
        let detail = e.to_string();
        match e {
            UpdaterError::Reqwest(_) | UpdaterError::Network(_) => UpdateError::Offline(detail),
            UpdaterError::Minisign(_)
            | UpdaterError::Base64(_)
            | UpdaterError::SignatureUtf8(_)
            | UpdaterError::SignedVersionMismatch { .. }
            | UpdaterError::MissingSignedVersion => UpdateError::Refused(detail),
            UpdaterError::ReleaseNotFound
            | UpdaterError::TargetNotFound(_)
            | UpdaterError::TargetsNotFound(_)
            | UpdaterError::Serialization(_)
            | UpdaterError::Semver(_) => UpdateError::NoRelease(detail),
            UpdaterError::AuthenticationFailed
            | UpdaterError::DebInstallFailed
            | UpdaterError::PackageInstallFailed
            | UpdaterError::InvalidUpdaterFormat
            | UpdaterError::BinaryNotFoundInArchive
            | UpdaterError::TempDirNotOnSameMountPoint
            | UpdaterError::TempDirNotFound
            | UpdaterError::Io(_) => UpdateError::Install(detail),
            _ => UpdateError::Other(detail),
        }
    }
}

impl UpdateError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            UpdateError::Offline(_) => ErrorKind::UpdateOffline,
            UpdateError::Refused(_) => ErrorKind::UpdateRefused,
            UpdateError::NoRelease(_) => ErrorKind::UpdateUnavailable,
            UpdateError::Install(_) => ErrorKind::UpdateInstall,
            UpdateError::Other(_) => ErrorKind::UpdateFailed,
        }
    }

    pub fn user_message(&self) -> String {
        t(match self {
            UpdateError::Offline(_) => "update.error.offline",
            UpdateError::Refused(_) => "update.error.refused",
            UpdateError::NoRelease(_) => "update.error.unavailable",
            UpdateError::Install(_) => "update.error.install",
            UpdateError::Other(_) => "update.error.failed",
        })
    }

    pub fn hint(&self) -> String {
        t(match self {
            UpdateError::Offline(_) => "update.error.offlineHint",
            UpdateError::Refused(_) => "update.error.refusedHint",
            UpdateError::NoRelease(_) => "update.error.unavailableHint",
            UpdateError::Install(_) => "update.error.installHint",
            UpdateError::Other(_) => "update.error.failedHint",
        })
    }
}

/// What a check found, for the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateOffer {
    pub version: String,
    pub current_version: String,
    /// "What's new", as written in the release.
    pub notes: Option<String>,
    /// Release date, `YYYY-MM-DD`.
    pub date: Option<String>,
}

impl UpdateOffer {
    pub fn of(update: &Update) -> Self {
        Self {
            version: update.version.clone(),
            current_version: update.current_version.clone(),
            notes: update
                .body
                .as_ref()
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty()),
            date: update
                .date
                .map(|d| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())),
        }
    }
}

/// Asks the update server whether there is a newer version. `Ok(None)`: this is the newest.
pub async fn check<R: Runtime>(app: &AppHandle<R>) -> Result<Option<Update>, UpdateError> {
    crate::api::tls::install_provider();
    #[allow(unused_mut)]
    let mut builder = app.updater_builder().timeout(CHECK_TIMEOUT);
    // Debug builds only: lets the end-to-end tests point the app at a local update server.
    // The signature is still checked against the key built into the app.
    #[cfg(debug_assertions)]
    if let Some(url) = std::env::var("COUPON_DESK_UPDATE_URL")
        .ok()
        .and_then(|u| url::Url::parse(&u).ok())
    {
        builder = builder.endpoints(vec![url])?;
    }
    Ok(builder.build()?.check().await?)
}

/// A download whose signature checked out. Only this can be installed, so an artifact that was
/// tampered with cannot reach the installer by any path.
pub struct VerifiedUpdate {
    update: Update,
    bytes: Vec<u8>,
}

impl VerifiedUpdate {
    pub fn offer(&self) -> UpdateOffer {
        UpdateOffer::of(&self.update)
    }

    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Hands the verified installer to the system (Windows: the installer takes over and the app
    /// exits; Linux and macOS: the files are replaced and the app must restart).
    pub fn install(self) -> Result<(), UpdateError> {
        self.update.install(&self.bytes).map_err(UpdateError::from)
    }
}

/// Downloads the update and checks its signature; nothing is written to disk here.
pub async fn download(update: Update) -> Result<VerifiedUpdate, UpdateError> {
    let mut update = update;
    update.timeout = Some(DOWNLOAD_TIMEOUT);
    let bytes = update.download(|_, _| {}, || {}).await.map_err(|e| {
        log::warn!("update download refused or failed: {e}");
        UpdateError::from(e)
    })?;
    log::info!(
        "update {} downloaded ({} bytes), signature verified",
        update.version,
        bytes.len()
    );
    Ok(VerifiedUpdate { update, bytes })
}

/// What the running app knows about updates: the last offer found, a verified download that
/// waits for the bulk jobs to finish, and whether the quiet check at start has answered.
pub struct UpdateState {
    offer: Mutex<Option<UpdateOffer>>,
    waiting: Mutex<Option<UpdateOffer>>,
    quiet_check: tokio::sync::watch::Sender<bool>,
    installing: std::sync::atomic::AtomicBool,
}

/// Held while one "Install and restart" downloads and installs; a second click meanwhile is
/// told to wait instead of downloading and installing a second time.
pub struct InstallGuard<'a>(&'a std::sync::atomic::AtomicBool);

impl Drop for InstallGuard<'_> {
    fn drop(&mut self) {
        self.0.store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Default for UpdateState {
    fn default() -> Self {
        Self {
            offer: Mutex::new(None),
            waiting: Mutex::new(None),
            quiet_check: tokio::sync::watch::Sender::new(false),
            installing: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

impl UpdateState {
    pub fn quiet_check_done(&self) -> tokio::sync::watch::Receiver<bool> {
        self.quiet_check.subscribe()
    }

    pub fn finish_quiet_check(&self) {
        self.quiet_check.send_replace(true);
    }

    pub fn set_offer(&self, offer: Option<UpdateOffer>) {
        *lock(&self.offer) = offer;
    }

    pub fn offer(&self) -> Option<UpdateOffer> {
        lock(&self.offer).clone()
    }

    pub fn set_waiting(&self, offer: Option<UpdateOffer>) {
        *lock(&self.waiting) = offer;
    }

    pub fn waiting(&self) -> Option<UpdateOffer> {
        lock(&self.waiting).clone()
    }

    /// None while another install is under way.
    pub fn begin_install(&self) -> Option<InstallGuard<'_>> {
        use std::sync::atomic::Ordering;
        self.installing
            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .ok()
            .map(|_| InstallGuard(&self.installing))
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// True when the quiet check at start should run: switched on, and not checked in the last day
/// (a clock set backwards counts as "not checked").
pub fn quiet_check_due(enabled: bool, last_check: Option<u64>, now: u64) -> bool {
    if !enabled {
        return false;
    }
    match last_check {
        None => true,
        Some(last) if last > now => true,
        Some(last) => now - last >= CHECK_INTERVAL.as_secs(),
    }
}

/// "Version 1.2.0 is ready" for the window's banner.
pub fn offer_sentence(offer: &UpdateOffer) -> String {
    tf("update.available", &[("version", &offer.version)])
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_second_install_waits_while_the_first_runs() {
        let state = UpdateState::default();
        let first = state.begin_install();
        assert!(first.is_some());
        assert!(state.begin_install().is_none(), "two installs at once");
        drop(first);
        assert!(
            state.begin_install().is_some(),
            "free again once the first ended"
        );
    }

    use super::*;

    #[test]
    fn the_quiet_check_runs_at_most_once_a_day_and_only_when_switched_on() {
        let day = CHECK_INTERVAL.as_secs();
        let now = 10 * day;
        assert!(quiet_check_due(true, None, now));
        assert!(!quiet_check_due(false, None, now));
        assert!(!quiet_check_due(true, Some(now - day + 60), now));
        assert!(quiet_check_due(true, Some(now - day), now));
        assert!(
            quiet_check_due(true, Some(now + day), now),
            "clock moved back"
        );
    }

    #[test]
    fn signature_problems_are_refusals_and_network_problems_are_offline() {
        let refused = UpdateError::from(UpdaterError::SignedVersionMismatch {
            signed: "1.0.0".into(),
            announced: "2.0.0".into(),
        });
        assert_eq!(refused.kind(), ErrorKind::UpdateRefused);
        let offline = UpdateError::from(UpdaterError::Network("503".into()));
        assert_eq!(offline.kind(), ErrorKind::UpdateOffline);
        let nothing = UpdateError::from(UpdaterError::TargetsNotFound(vec!["linux-x86_64".into()]));
        assert_eq!(nothing.kind(), ErrorKind::UpdateUnavailable);
        for e in [refused, offline, nothing] {
            assert!(!e.user_message().is_empty() && !e.hint().is_empty());
            assert!(
                !e.user_message().contains("minisign"),
                "a sentence for a person"
            );
        }
    }
}
