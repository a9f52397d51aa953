//! Practice mode: the sandbox runs inside the app on 127.0.0.1 (a random port) and stands in for
//! Coupontools, so a new assistant can try every screen without sending anything real.

use std::time::Duration;

use tokio::sync::Mutex;

use crate::sandbox::{Sandbox, SandboxConfig};

/// A touch of latency so progress bars and "Working…" states look as they will for real.
const PRACTICE_LATENCY: Duration = Duration::from_millis(60);
/// The practice shop's customers a minute (they open, claim and use coupons by themselves, so
/// Today shows a day going on). `COUPON_DESK_PRACTICE_CUSTOMERS` sets another number; the
/// end-to-end tests set 0, so the demo shop changes only as they change it.
const PRACTICE_CUSTOMERS_PER_MINUTE: u32 = 4;

fn practice_customers() -> u32 {
    std::env::var("COUPON_DESK_PRACTICE_CUSTOMERS")
        .ok()
        .and_then(|n| n.trim().parse::<u32>().ok())
        .map_or(PRACTICE_CUSTOMERS_PER_MINUTE, |n| n.min(600))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PracticeUrls {
    pub v3: String,
    pub v4: String,
}

#[derive(Default)]
pub struct Practice {
    running: Mutex<Option<Sandbox>>,
}

impl Practice {
    /// Starts the sandbox on first use; later calls return the same one.
    pub async fn ensure_running(&self) -> std::io::Result<PracticeUrls> {
        let mut running = self.running.lock().await;
        if let Some(sandbox) = running.as_ref() {
            return Ok(PracticeUrls {
                v3: sandbox.v3_url(),
                v4: sandbox.v4_url(),
            });
        }
        let config = SandboxConfig {
            latency: PRACTICE_LATENCY,
            customers_per_minute: practice_customers(),
            ..SandboxConfig::default()
        };
        let sandbox = Sandbox::start(config).await?;
        log::info!("practice sandbox listening on {}", sandbox.addr());
        let urls = PracticeUrls {
            v3: sandbox.v3_url(),
            v4: sandbox.v4_url(),
        };
        *running = Some(sandbox);
        Ok(urls)
    }

    pub async fn stop(&self) {
        if let Some(sandbox) = self.running.lock().await.take() {
            sandbox.stop().await;
        }
    }
}
