//! When to try a call again, as a pure function so every case can be table-tested.
//!
//! Reads are safe to repeat. Writes (send an e-mail, add stamps) are repeated only when the
//! request certainly had no effect; otherwise the caller reports the outcome as unknown so a
//! person checks before anything is sent twice.

use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first one included.
    pub max_attempts: u32,
    /// Backoff before the second attempt; it doubles for each attempt after that.
    pub base_delay: Duration,
    /// No wait is ever longer, whatever the backoff or the server's Retry-After says.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(400),
            max_delay: Duration::from_secs(15),
        }
    }
}

impl RetryPolicy {
    /// One attempt, never a retry: for callers that reconcile on their own.
    pub fn never() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }
}

/// What one attempt came to, as far as retrying cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// No connection was made, so nothing was sent.
    ConnectFailed,
    /// Sent, and no complete reply came in time.
    TimedOut,
    /// Sent, and the connection broke before a complete reply arrived.
    ReplyLost,
    /// A reply came with this status and no usable API body.
    Status {
        status: u16,
        retry_after: Option<Duration>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryDecision {
    RetryAfter(Duration),
    GiveUp,
}

/// Decides after `attempts_made` attempts (the failed one included) whether to go again.
///
/// `jitter` must lie in [0, 1); it is an input so the function stays pure (the transport passes a
/// random number). Values outside are clamped.
pub fn decide(
    policy: &RetryPolicy,
    attempts_made: u32,
    outcome: &AttemptOutcome,
    idempotent: bool,
    jitter: f64,
) -> RetryDecision {
    if attempts_made >= policy.max_attempts {
        return RetryDecision::GiveUp;
    }
    let retryable = match *outcome {
        // Nothing left the machine: repeating cannot double anything.
        AttemptOutcome::ConnectFailed => true,
        // A 429 is a refusal before any work was done, so even a write may go again.
        AttemptOutcome::Status { status: 429, .. } => true,
        AttemptOutcome::TimedOut | AttemptOutcome::ReplyLost => idempotent,
        AttemptOutcome::Status { status, .. } => idempotent && (500..=599).contains(&status),
    };
    if !retryable {
        return RetryDecision::GiveUp;
    }
    if let AttemptOutcome::Status {
        retry_after: Some(wait),
        ..
    } = *outcome
    {
        return RetryDecision::RetryAfter(wait.min(policy.max_delay));
    }
    RetryDecision::RetryAfter(backoff(policy, attempts_made, jitter))
}

/// "Equal jitter": half of the exponential step is fixed, half is random, so parallel jobs spread
/// out while every wait still grows.
fn backoff(policy: &RetryPolicy, attempts_made: u32, jitter: f64) -> Duration {
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let doublings = attempts_made.saturating_sub(1).min(30);
    let step = policy
        .base_delay
        .saturating_mul(1u32 << doublings)
        .min(policy.max_delay);
    let half = step / 2;
    half + half.mul_f64(jitter)
}

/// Reads a Retry-After header value given in seconds. The HTTP-date form is not used by anything
/// we talk to, so it yields None and the normal backoff applies.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use AttemptOutcome::*;
    use RetryDecision::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(400),
            max_delay: Duration::from_secs(10),
        }
    }

    fn status(status: u16) -> AttemptOutcome {
        Status {
            status,
            retry_after: None,
        }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn decision_table() {
        let ra = |secs| Status {
            status: 429,
            retry_after: Some(Duration::from_secs(secs)),
        };
        // (attempts made, outcome, idempotent, jitter, expected)
        let cases: Vec<(u32, AttemptOutcome, bool, f64, RetryDecision)> = vec![
            // Reads retry on every transient failure, with backoff 200..400, 400..800, 800..1600 ms.
            (1, ConnectFailed, true, 0.0, RetryAfter(ms(200))),
            (1, TimedOut, true, 0.0, RetryAfter(ms(200))),
            (1, ReplyLost, true, 0.5, RetryAfter(ms(300))),
            (2, status(500), true, 0.0, RetryAfter(ms(400))),
            (2, status(502), true, 0.5, RetryAfter(ms(600))),
            (3, status(503), true, 0.0, RetryAfter(ms(800))),
            (3, status(599), true, 0.0, RetryAfter(ms(800))),
            (1, status(429), true, 0.0, RetryAfter(ms(200))),
            // Retry-After is honoured exactly (no jitter) and capped by max_delay.
            (1, ra(1), true, 0.9, RetryAfter(Duration::from_secs(1))),
            (1, ra(3600), true, 0.0, RetryAfter(Duration::from_secs(10))),
            // Reads do not retry what a retry cannot fix.
            (1, status(400), true, 0.0, GiveUp),
            (1, status(401), true, 0.0, GiveUp),
            (1, status(404), true, 0.0, GiveUp),
            (1, status(200), true, 0.0, GiveUp),
            // The attempt budget is a hard stop, for reads and writes alike.
            (4, ConnectFailed, true, 0.0, GiveUp),
            (4, status(503), true, 0.0, GiveUp),
            (4, ra(1), false, 0.0, GiveUp),
            (9, TimedOut, true, 0.0, GiveUp),
            // Writes: only when the request certainly had no effect.
            (1, ConnectFailed, false, 0.0, RetryAfter(ms(200))),
            (3, ConnectFailed, false, 0.0, RetryAfter(ms(800))),
            (1, ra(2), false, 0.0, RetryAfter(Duration::from_secs(2))),
            (1, status(429), false, 0.0, RetryAfter(ms(200))),
            (1, TimedOut, false, 0.0, GiveUp),
            (1, ReplyLost, false, 0.0, GiveUp),
            (1, status(500), false, 0.0, GiveUp),
            (1, status(503), false, 0.0, GiveUp),
            (1, status(422), false, 0.0, GiveUp),
        ];
        for (i, (attempts, outcome, idempotent, jitter, expected)) in cases.into_iter().enumerate()
        {
            let got = decide(&policy(), attempts, &outcome, idempotent, jitter);
            assert_eq!(
                got, expected,
                "case {i}: attempts {attempts}, {outcome:?}, idempotent {idempotent}, jitter {jitter}"
            );
        }
    }

    #[test]
    fn backoff_stays_within_jitter_bounds_and_the_cap() {
        let p = policy();
        for attempts in 1..p.max_attempts {
            let step = p
                .base_delay
                .saturating_mul(1 << (attempts - 1))
                .min(p.max_delay);
            for jitter in [
                0.0,
                0.1,
                0.5,
                0.999_999,
                1.0,
                -3.0,
                7.0,
                f64::NAN,
                f64::INFINITY,
            ] {
                let RetryAfter(wait) = decide(&p, attempts, &ReplyLost, true, jitter) else {
                    panic!("a read must retry a lost reply");
                };
                assert!(
                    wait >= step / 2 && wait <= step,
                    "attempt {attempts} jitter {jitter}: {wait:?}"
                );
            }
        }
        let long = RetryPolicy {
            max_attempts: 40,
            ..p
        };
        let RetryAfter(wait) = decide(&long, 35, &ConnectFailed, true, 0.999) else {
            panic!("attempts are left, so a read must retry");
        };
        assert!(wait <= p.max_delay && wait >= p.max_delay / 2, "{wait:?}");
    }

    #[test]
    fn never_policy_gives_up_at_once() {
        assert_eq!(
            decide(&RetryPolicy::never(), 1, &ConnectFailed, true, 0.0),
            GiveUp
        );
    }

    #[test]
    fn retry_after_parses_seconds_only() {
        assert_eq!(parse_retry_after("1"), Some(Duration::from_secs(1)));
        assert_eq!(parse_retry_after(" 120 "), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after("0"), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-5"), None);
        assert_eq!(parse_retry_after("1.5"), None);
        assert_eq!(parse_retry_after(""), None);
    }
}
