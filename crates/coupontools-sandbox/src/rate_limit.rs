//! The rate-limited mode (off unless set): what a busy Coupontools does to a client that goes too
//! fast. A token bucket of `per_second` requests a second per account (its client ID; a burst of
//! one second's worth), answered 429 with `Retry-After` beyond it, before any handling; and a
//! fixed number of `workers`, so that requests beyond them queue and their answers slow down.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

#[derive(Default)]
pub(crate) struct RateLimits {
    buckets: Mutex<HashMap<String, Bucket>>,
    workers: Mutex<Option<(u32, Arc<Semaphore>)>>,
    refused: AtomicU64,
    /// Every request that met a limit, in arrival order (only while one is set).
    arrivals: Mutex<Vec<Arrival>>,
}

/// A request that arrived while the account was rate-limited: when, and the `Retry-After` it
/// was answered with if it was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arrival {
    pub at: Instant,
    pub retry_after: Option<Duration>,
}

/// The arrivals kept at most (a long practice session must not grow without end).
const MAX_ARRIVALS: usize = 100_000;

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimits {
    /// Takes a token of `account`'s bucket, or says how long until there is one (`per_second`
    /// 0: no limit).
    pub(crate) fn admit(
        &self,
        account: &str,
        per_second: u32,
        now: Instant,
    ) -> Result<(), Duration> {
        if per_second == 0 {
            return Ok(());
        }
        let rate = f64::from(per_second);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let bucket = buckets.entry(account.to_owned()).or_insert(Bucket {
            tokens: rate,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(rate);
        bucket.at = now;
        let verdict = if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            self.refused.fetch_add(1, Ordering::Relaxed);
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / rate))
        };
        drop(buckets);
        let mut arrivals = self.arrivals.lock().unwrap_or_else(|e| e.into_inner());
        if arrivals.len() < MAX_ARRIVALS {
            arrivals.push(Arrival {
                at: now,
                retry_after: verdict
                    .err()
                    .map(|wait| Duration::from_secs(retry_after_secs(wait))),
            });
        }
        verdict
    }

    /// The requests that met a limit so far, in arrival order.
    pub(crate) fn arrivals(&self) -> Vec<Arrival> {
        self.arrivals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// A worker for one request, waited for when all `workers` are busy (0: as many as come).
    /// A changed number applies to the requests that arrive from then on.
    pub(crate) async fn worker(&self, workers: u32) -> Option<OwnedSemaphorePermit> {
        if workers == 0 {
            return None;
        }
        let pool = {
            let mut current = self.workers.lock().unwrap_or_else(|e| e.into_inner());
            match &*current {
                Some((n, pool)) if *n == workers => Arc::clone(pool),
                _ => {
                    let pool = Arc::new(Semaphore::new(workers as usize));
                    *current = Some((workers, Arc::clone(&pool)));
                    pool
                }
            }
        };
        pool.acquire_owned().await.ok()
    }

    /// Requests answered 429 by the bucket so far.
    pub(crate) fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }
}

/// `Retry-After` in whole seconds, never 0 (a client would retry at once).
pub(crate) fn retry_after_secs(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_lets_a_seconds_worth_through_then_refills_at_the_rate() {
        let limits = RateLimits::default();
        let start = Instant::now();
        let through = (0..8)
            .filter(|_| limits.admit("acc", 5, start).is_ok())
            .count();
        assert_eq!(through, 5, "a burst of one second's worth");
        let wait = limits.admit("acc", 5, start).unwrap_err();
        assert!(wait <= Duration::from_millis(200), "{wait:?}");
        assert_eq!(retry_after_secs(wait), 1);
        // 400 ms later: two more tokens.
        let later = start + Duration::from_millis(400);
        assert!(limits.admit("acc", 5, later).is_ok());
        assert!(limits.admit("acc", 5, later).is_ok());
        assert!(limits.admit("acc", 5, later).is_err());
        // Another account has its own bucket; no limit lets everything through.
        assert!(limits.admit("other", 5, start).is_ok());
        assert!((0..100).all(|_| limits.admit("acc", 0, start).is_ok()));
        assert_eq!(limits.refused(), 5);
    }

    #[test]
    fn retry_after_is_whole_seconds_and_never_zero() {
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(10)), 1);
        assert_eq!(retry_after_secs(Duration::from_secs(2)), 2);
        assert_eq!(retry_after_secs(Duration::from_millis(2100)), 3);
    }

    #[tokio::test]
    async fn workers_beyond_the_number_wait_for_one() {
        let limits = Arc::new(RateLimits::default());
        let first = limits.worker(1).await.expect("a worker");
        let waiting = {
            let limits = Arc::clone(&limits);
            tokio::spawn(async move { limits.worker(1).await.is_some() })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            !waiting.is_finished(),
            "the second request waits for the one worker"
        );
        drop(first);
        assert!(waiting.await.expect("joined"));
        assert!(limits.worker(0).await.is_none(), "0: no pool, nobody waits");
    }
}
