//! What the running app holds: settings in memory (persisted on every change), the keychain door,
//! the practice sandbox, and one API client per account (built once: reading a secret from the
//! keychain takes a noticeable fraction of a second on Linux).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex as StdMutex;

use tokio::sync::Mutex;

use crate::api;
use crate::practice::Practice;
use crate::secrets::{SecretStore, SecretsError};
use crate::settings::{AccountKind, AccountRecord, Settings};

pub struct AppState {
    pub settings: Mutex<Settings>,
    pub secrets: SecretStore,
    pub practice: Practice,
    pub data_dir: PathBuf,
    /// Bulk jobs; `None` when the journal could not be opened (the list screen then says so).
    pub jobs: Option<crate::jobs::JobManager>,
    /// Updates found and waiting (Settings → About).
    pub updates: crate::updates::UpdateState,
    /// Set by "Stop" while a sheet of links is being laid out.
    pub print_stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// The PDFs saved in this session: the only files "Open to print" may open.
    pub saved_pdfs: StdMutex<std::collections::HashSet<PathBuf>>,
    /// Coupons the counter is marking as used right now (Today's reader asks).
    pub uses_under_way: crate::today::UsesUnderWay,
    clients: StdMutex<HashMap<String, CachedClient>>,
    /// Bumped whenever a secret is saved: a client built from an older secret is never reused.
    secret_generation: AtomicU64,
}

/// A client and what it was built from; it is reused only while both are still current, so a
/// lookup racing with "change the secret / URL" cannot bring back the old credentials.
struct CachedClient {
    record: AccountRecord,
    generation: u64,
    client: api::Client,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    #[error(transparent)]
    Secrets(#[from] SecretsError),
    #[error(transparent)]
    Api(#[from] api::ApiError),
    #[error("the practice sandbox could not start: {0}")]
    Practice(std::io::Error),
}

fn db_path_in(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("coupon-desk.sqlite3")
}

impl AppState {
    pub fn new(settings: Settings, secrets: SecretStore, data_dir: PathBuf) -> Self {
        let jobs = match crate::jobs::JobManager::open(db_path_in(&data_dir)) {
            Ok(jobs) => Some(jobs),
            Err(e) => {
                log::error!("bulk job journal: {e:?}");
                None
            }
        };
        Self {
            settings: Mutex::new(settings),
            secrets,
            practice: Practice::default(),
            data_dir,
            jobs,
            updates: crate::updates::UpdateState::default(),
            print_stop: Default::default(),
            saved_pdfs: Default::default(),
            uses_under_way: Default::default(),
            clients: StdMutex::new(HashMap::new()),
            secret_generation: AtomicU64::new(0),
        }
    }

    /// True while a bulk job runs in this process: an update must wait for it.
    pub fn bulk_job_running(&self) -> bool {
        self.jobs.as_ref().is_some_and(|jobs| jobs.any_running())
    }

    pub fn db_path(&self) -> PathBuf {
        db_path_in(&self.data_dir)
    }

    /// The client for an account, built on first use.
    pub async fn client_for(&self, account: &AccountRecord) -> Result<api::Client, ClientError> {
        let generation = self.secret_generation.load(Ordering::SeqCst);
        if let Some(client) = self.cached(account, generation) {
            return Ok(client);
        }
        let config = match account.kind {
            AccountKind::Practice => {
                let urls = self
                    .practice
                    .ensure_running()
                    .await
                    .map_err(ClientError::Practice)?;
                api::ClientConfig::new(
                    api::Credentials {
                        client_id: crate::sandbox::DEMO_CLIENT_ID.into(),
                        client_secret: api::Secret::new(
                            crate::sandbox::DEMO_CLIENT_SECRET.to_owned(),
                        ),
                    },
                    urls.v3,
                    urls.v4,
                )
            }
            AccountKind::Coupontools => {
                let store = self.secrets.clone();
                let id = account.id.clone();
                let secret = tokio::task::spawn_blocking(move || store.load(&id))
                    .await
                    .map_err(|e| SecretsError::Refused {
                        detail: e.to_string(),
                    })??;
                api::ClientConfig::new(
                    api::Credentials {
                        client_id: account.client_id.clone(),
                        client_secret: secret,
                    },
                    account.v3_base_url.clone(),
                    account.v4_base_url.clone(),
                )
            }
        };
        let mut config = config;
        if let Some(timeout) = request_timeout_override() {
            config.timeout = timeout;
        }
        let client = api::Client::new(config)?;
        if let Ok(mut clients) = self.clients.lock() {
            let cached = CachedClient {
                record: account.clone(),
                generation,
                client: client.clone(),
            };
            clients.insert(account.id.clone(), cached);
        }
        Ok(client)
    }

    fn cached(&self, account: &AccountRecord, generation: u64) -> Option<api::Client> {
        let clients = self.clients.lock().ok()?;
        clients
            .get(&account.id)
            .filter(|c| c.generation == generation && c.record == *account)
            .map(|c| c.client.clone())
    }

    /// Call after saving a secret: every client built before is stale.
    pub fn secret_changed(&self) {
        self.secret_generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Frees the client of a removed account.
    pub fn forget_client(&self, id: &str) {
        if let Ok(mut clients) = self.clients.lock() {
            clients.remove(id);
        }
    }
}

/// `COUPON_DESK_REQUEST_TIMEOUT_SECS` (1–300): how long a request may take before its reply
/// counts as lost, for a slow line or for tests. A lost write is settled only once its request
/// can no longer be running (this timeout plus a grace, from when it left), so the tests that
/// cut replies on purpose set it low to stay quick.
fn request_timeout_override() -> Option<std::time::Duration> {
    std::env::var("COUPON_DESK_REQUEST_TIMEOUT_SECS")
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|s| (1..=300).contains(s))
        .map(std::time::Duration::from_secs)
}
