//! The Today poller's allowance of requests for one account: never more than `per_minute` in
//! any minute, whatever the number of campaigns. A token bucket whose size is a tenth of the
//! allowance and whose rate is the rest, so a full bucket plus a minute of refill stays within it.

use std::time::Duration;

use tokio::time::Instant;

/// The default: 60 a minute. An account with 50 active campaigns (3 lists each, plus the list of
/// campaigns now and then) reads all of them every two and a half minutes within it.
pub const DEFAULT_PER_MINUTE: u32 = 60;
pub const MIN_PER_MINUTE: u32 = 6;
pub const MAX_PER_MINUTE: u32 = 600;

#[derive(Debug)]
pub struct PollBudget {
    size: f64,
    per_second: f64,
    tokens: f64,
    at: Instant,
    spent: u64,
}

impl PollBudget {
    pub fn new(per_minute: u32) -> PollBudget {
        PollBudget::with_minute(per_minute, Duration::from_secs(60))
    }

    /// A budget whose "minute" lasts `minute`: how a test lives through an hour in a minute.
    pub fn with_minute(per_minute: u32, minute: Duration) -> PollBudget {
        let per_minute = f64::from(per_minute.clamp(MIN_PER_MINUTE, MAX_PER_MINUTE));
        let size = (per_minute / 10.0).floor().max(1.0);
        PollBudget {
            size,
            per_second: (per_minute - size) / minute.as_secs_f64().max(0.001),
            tokens: size,
            at: Instant::now(),
            spent: 0,
        }
    }

    /// Waits until one more request is within the allowance, and counts it.
    pub async fn take(&mut self) {
        loop {
            let now = Instant::now();
            self.tokens = (self.tokens
                + now.saturating_duration_since(self.at).as_secs_f64() * self.per_second)
                .min(self.size);
            self.at = now;
            if self.tokens >= 1.0 {
                self.tokens -= 1.0;
                self.spent += 1;
                return;
            }
            let wait = (1.0 - self.tokens) / self.per_second;
            tokio::time::sleep(Duration::from_secs_f64(wait)).await;
        }
    }

    /// Requests taken so far.
    pub fn spent(&self) -> u64 {
        self.spent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn no_minute_holds_more_than_the_allowance() {
        let mut budget = PollBudget::new(60);
        let start = Instant::now();
        let mut taken = Vec::new();
        for _ in 0..300 {
            budget.take().await;
            taken.push(Instant::now() - start);
        }
        // Every window of a minute, from any request on.
        for (i, &from) in taken.iter().enumerate() {
            let within = taken[i..]
                .iter()
                .take_while(|&&t| t < from + Duration::from_secs(60))
                .count();
            assert!(
                within <= 60,
                "{within} requests within a minute from {from:?}"
            );
        }
        assert_eq!(budget.spent(), 300);
        // And it is not stingy: 300 take about five minutes (six at the burst's start).
        let took = *taken.last().unwrap();
        assert!(took <= Duration::from_secs(330), "{took:?}");
    }

    #[test]
    fn the_allowance_is_kept_within_its_bounds() {
        let b = PollBudget::new(1);
        assert_eq!(b.size, 1.0);
        let b = PollBudget::new(10_000);
        assert_eq!(b.size, 60.0);
    }
}
