//! Clients of the sandbox's demo shop for the tests below the window: one place for the retry
//! policy, timeouts and the sandbox they talk to.
#![allow(dead_code)] // Each test file uses part of it.

use std::time::Duration;

use coupon_desk::api::{Client, ClientConfig, Credentials, RetryPolicy};
use coupon_desk::jobs::JobManager;
use coupon_desk::sandbox::{Sandbox, SandboxConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};

/// Short waits so fault tests stay fast; Retry-After (1 s) still fits under max_delay.
pub const FAST: RetryPolicy = RetryPolicy {
    max_attempts: 4,
    base_delay: Duration::from_millis(20),
    max_delay: Duration::from_secs(5),
};

/// A sandbox with the seeded demo shop on a free port.
pub async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox starts")
}

/// A client of the sandbox with these keys, FAST retries and a 10 s timeout.
pub fn client_with(sb: &Sandbox, id: &str, secret: &str) -> Client {
    let mut config = ClientConfig::new(Credentials::new(id, secret), sb.v3_url(), sb.v4_url());
    config.retry = FAST;
    config.timeout = Duration::from_secs(10);
    Client::new(config).expect("valid config")
}

/// The demo shop's client (FAST retries, 10 s timeout).
pub fn client(sb: &Sandbox) -> Client {
    client_with(sb, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
}

/// A client of the demo shop at these addresses with the app's own retry policy and this
/// timeout: a reply slower than it is lost, and a bulk job looks the row up once the timeout
/// and the engine's grace have passed.
pub fn job_client(v3: String, v4: String, secret: &str, timeout: Duration) -> Client {
    let mut config = ClientConfig::new(Credentials::new(DEMO_CLIENT_ID, secret), v3, v4);
    config.timeout = timeout;
    Client::new(config).expect("valid config")
}

/// A desk below the window for the job tests: the sandbox, its demo client (5 s timeout: a lost
/// reply is looked up once this plus the engine's grace has passed) and a job manager over a
/// journal in a temporary folder (kept alive by the returned folder).
pub struct JobDesk {
    pub sandbox: Sandbox,
    pub client: Client,
    pub dir: tempfile::TempDir,
    pub jobs: JobManager,
}

impl JobDesk {
    pub async fn new() -> JobDesk {
        let sandbox = sandbox().await;
        let client = job_client(
            sandbox.v3_url(),
            sandbox.v4_url(),
            DEMO_CLIENT_SECRET,
            Duration::from_secs(5),
        );
        let dir = tempfile::tempdir().expect("a temporary folder");
        let jobs = JobManager::open(dir.path().join("desk.sqlite3")).expect("the journal opens");
        JobDesk {
            sandbox,
            client,
            dir,
            jobs,
        }
    }
}

/// What a job's row or pause says, worded in English as the window would show it (the engine
/// keeps words, not sentences).
pub trait Said {
    type Text;
    fn said(&self) -> Self::Text;
}

impl Said for coupon_desk::api::words::Words {
    type Text = String;
    fn said(&self) -> String {
        coupon_desk::i18n::in_language(coupon_desk::i18n::Lang::En, || {
            coupon_desk::words::say(self)
        })
    }
}

impl Said for Option<coupon_desk::api::words::Words> {
    type Text = Option<String>;
    fn said(&self) -> Option<String> {
        self.as_ref().map(Said::said)
    }
}

/// Words the results export in English.
pub fn english(words: &coupon_desk::api::words::Words) -> String {
    words.said()
}
