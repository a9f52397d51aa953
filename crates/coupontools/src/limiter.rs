//! One limiter per account: every request of the client (each job's rows, each page read,
//! anything in the background) passes it before it leaves. It holds requests back
//! - while the account is paused by a `Retry-After` (the whole account, not the one request),
//! - beyond the window of requests in flight, and
//! - to the pace, once the server has refused,
//!
//! as [`SpeedControl`] decides from the replies. Waiting is first come, first served (tokio's
//! semaphore and mutex are fair), so two jobs on one account share it by how many rows each has
//! waiting.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::endpoints::Endpoint;
use crate::speed_control::{Signal, SpeedControl, SpeedMode};

/// Pages of one list read at once at most; the limiter decides how many of them really go.
pub const MAX_PAGES_AT_ONCE: usize = 16;

/// A refusal without `Retry-After` pauses the account this long.
pub const DEFAULT_PAUSE: Duration = Duration::from_secs(1);
/// No `Retry-After` pauses the account longer than this (a server asking for an hour is
/// answered by pausing the job, which the person can resume).
pub const MAX_PAUSE: Duration = Duration::from_secs(60);

/// What the window shows about the account's speed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SpeedNow {
    /// Requests allowed in flight at once.
    pub window: usize,
    /// Requests a second, once the server has asked to slow down.
    pub pace: Option<f64>,
    /// Requests the server refused as too fast (429, or 503 with Retry-After), ever.
    pub refused: u64,
    /// Requests sent, ever.
    pub sent: u64,
    pub mode: SpeedMode,
}

pub struct Limiter {
    permits: Arc<Semaphore>,
    /// Held while waiting for a pause's end and the pace, so requests leave in the order they
    /// came and one at a time past the pace.
    gate: tokio::sync::Mutex<Gate>,
    state: Mutex<State>,
    refused: AtomicU64,
    sent: AtomicU64,
}

struct Gate {
    next_start: Option<Instant>,
}

struct State {
    control: SpeedControl,
    /// Permits that exist: available and held. Above the window after a cut, until enough
    /// come back.
    issued: usize,
    in_flight: usize,
    paused_until: Option<Instant>,
}

/// A request's place: hold it while the request is out, then [`Pass::done`].
pub struct Pass<'a> {
    limiter: &'a Limiter,
    permit: Option<OwnedSemaphorePermit>,
    started: Instant,
}

impl Limiter {
    pub fn new(mode: SpeedMode) -> Limiter {
        let control = SpeedControl::new(mode);
        let window = control.window();
        Limiter {
            permits: Arc::new(Semaphore::new(window)),
            gate: tokio::sync::Mutex::new(Gate { next_start: None }),
            state: Mutex::new(State {
                control,
                issued: window,
                in_flight: 0,
                paused_until: None,
            }),
            refused: AtomicU64::new(0),
            sent: AtomicU64::new(0),
        }
    }

    /// Waits until a request may leave.
    pub async fn pass(&self) -> Pass<'_> {
        // The semaphore is never closed, so this cannot fail; if it ever did, the request goes
        // without a permit rather than not at all.
        let permit = Arc::clone(&self.permits).acquire_owned().await.ok();
        let mut gate = self.gate.lock().await;
        let mut waited_for_pace = false;
        loop {
            let now = Instant::now();
            let (paused_until, pace) = {
                let state = self.state();
                (state.paused_until, state.control.pace())
            };
            if let Some(until) = paused_until.filter(|&until| until > now) {
                tokio::time::sleep_until(until).await;
                continue;
            }
            if let (Some(next), Some(_)) = (gate.next_start, pace) {
                if next > now {
                    waited_for_pace = true;
                    tokio::time::sleep_until(next).await;
                    // A pause may have begun meanwhile: look again.
                    continue;
                }
            }
            gate.next_start = pace.map(|p| now + Duration::from_secs_f64(1.0 / p));
            let mut state = self.state();
            state.in_flight += 1;
            state.control.started(now, waited_for_pace);
            self.sent.fetch_add(1, Ordering::Relaxed);
            return Pass {
                limiter: self,
                permit,
                started: now,
            };
        }
    }

    /// Pauses every request of the account until `retry_after` from now has passed.
    fn pause(&self, state: &mut State, retry_after: Option<Duration>) {
        let wait = retry_after.unwrap_or(DEFAULT_PAUSE).min(MAX_PAUSE);
        let until = Instant::now() + wait;
        if state.paused_until.is_none_or(|current| current < until) {
            log::info!(
                "limiter: the server asked to slow down; pausing the account for {} ms",
                wait.as_millis()
            );
            state.paused_until = Some(until);
        }
    }

    pub fn speed_now(&self) -> SpeedNow {
        let state = self.state();
        SpeedNow {
            window: state.control.window(),
            pace: state.control.pace(),
            refused: self.refused.load(Ordering::Relaxed),
            sent: self.sent.load(Ordering::Relaxed),
            mode: state.control.mode(),
        }
    }

    /// When the account's pause ends, if it is paused now.
    pub fn paused_until(&self) -> Option<Instant> {
        self.state()
            .paused_until
            .filter(|&until| until > Instant::now())
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes the permits match the window: new ones at once; fewer by taking back those
    /// nobody holds now, and the others as they come back (see [`Pass::release`]).
    fn resize(&self, state: &mut State) {
        let window = state.control.window();
        if state.issued < window {
            self.permits.add_permits(window - state.issued);
            state.issued = window;
        }
        while state.issued > window {
            match self.permits.try_acquire() {
                Ok(unused) => {
                    unused.forget();
                    state.issued -= 1;
                }
                Err(_) => break,
            }
        }
    }
}

impl Pass<'_> {
    /// The request of `endpoint` ended with `signal`; `retry_after` is the server's, for a
    /// refusal.
    pub fn done(mut self, endpoint: Endpoint, signal: Signal, retry_after: Option<Duration>) {
        let limiter = self.limiter;
        let mut state = limiter.state();
        let in_flight = state.in_flight;
        state
            .control
            .observe(endpoint, self.started, in_flight, signal, Instant::now());
        if signal == Signal::Refused {
            limiter.refused.fetch_add(1, Ordering::Relaxed);
            limiter.pause(&mut state, retry_after);
        }
        limiter.resize(&mut state);
        self.release(&mut state);
    }

    fn release(&mut self, state: &mut State) {
        let Some(permit) = self.permit.take() else {
            return;
        };
        state.in_flight = state.in_flight.saturating_sub(1);
        if state.issued > state.control.window() {
            state.issued -= 1;
            permit.forget();
        }
    }
}

impl Drop for Pass<'_> {
    /// A request dropped before it ended (its caller went away) says nothing about speed.
    fn drop(&mut self) {
        if self.permit.is_some() {
            let limiter = self.limiter;
            let mut state = limiter.state();
            self.release(&mut state);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const E: Endpoint = Endpoint::SendEmail;

    #[tokio::test(start_paused = true)]
    async fn a_refusal_pauses_every_request_until_retry_after() {
        let limiter = Arc::new(Limiter::new(SpeedMode::Automatic));
        let first = limiter.pass().await;
        let refused_at = Instant::now();
        first.done(E, Signal::Refused, Some(Duration::from_secs(2)));
        assert!(limiter.paused_until().is_some());
        let mut left = Vec::new();
        for _ in 0..3 {
            let pass = limiter.pass().await;
            left.push(Instant::now());
            pass.done(
                E,
                Signal::Answered {
                    latency: Duration::from_millis(1),
                },
                None,
            );
        }
        for at in left {
            assert!(
                at >= refused_at + Duration::from_secs(2),
                "{:?}",
                at - refused_at
            );
        }
        assert_eq!(limiter.speed_now().refused, 1);
        assert_eq!(limiter.speed_now().sent, 4);
    }

    #[tokio::test(start_paused = true)]
    async fn requests_beyond_the_window_wait_for_one_to_come_back() {
        let limiter = Arc::new(Limiter::new(SpeedMode::Automatic));
        let mut out = Vec::new();
        for _ in 0..4 {
            out.push(limiter.pass().await);
        }
        let fifth = {
            let limiter = Arc::clone(&limiter);
            tokio::spawn(async move {
                let _pass = limiter.pass().await;
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!fifth.is_finished(), "the window is 4");
        drop(out.pop());
        fifth.await.expect("the fifth left once one came back");
    }

    #[tokio::test(start_paused = true)]
    async fn a_shrunk_window_retires_permits_as_they_come_back() {
        let limiter = Limiter::new(SpeedMode::Automatic);
        let mut out = Vec::new();
        for _ in 0..4 {
            out.push(limiter.pass().await);
        }
        // A refusal with 4 out: the window halves to 2.
        out.pop()
            .expect("a pass")
            .done(E, Signal::Refused, Some(Duration::from_secs(1)));
        assert_eq!(limiter.speed_now().window, 2);
        out.clear();
        assert_eq!(limiter.permits.available_permits(), 2);
        assert_eq!(limiter.state().issued, 2);
    }

    #[tokio::test(start_paused = true)]
    async fn the_pace_spaces_departures() {
        let limiter = Limiter::new(SpeedMode::Automatic);
        // Twenty answers in the first 100 ms, then a refusal: 20 over a 250 ms span is 80 a
        // second, the pace 72.
        for _ in 0..20 {
            let pass = limiter.pass().await;
            tokio::time::advance(Duration::from_millis(5)).await;
            pass.done(
                E,
                Signal::Answered {
                    latency: Duration::from_millis(5),
                },
                None,
            );
        }
        limiter
            .pass()
            .await
            .done(E, Signal::Refused, Some(Duration::from_secs(1)));
        let pace = limiter.speed_now().pace.expect("a pace");
        assert!((pace - 72.0).abs() < 1.0, "{pace}");
        let start = Instant::now();
        for _ in 0..10 {
            let pass = limiter.pass().await;
            pass.done(
                E,
                Signal::Answered {
                    latency: Duration::from_millis(1),
                },
                None,
            );
        }
        let took = Instant::now() - start;
        // The pause (1 s), then nine gaps of 1/72 s (and a little more as the pace grows).
        let least = Duration::from_secs(1) + Duration::from_secs_f64(8.5 / 73.0);
        assert!(took >= least, "{took:?}");
    }
}
