//! How fast one account may go, decided from what its replies say. Pure: every input (the time
//! included) is an argument, so each rule is table-tested below; [`crate::limiter`] applies it.
//!
//! Two numbers, each with its own signal:
//! - **window**, the requests in flight at once, set like TCP's congestion window (AIMD, with a
//!   Vegas-style latency signal): doubled per round trip at first ("slow start"), then one more
//!   per round trip while answers stay as fast as the fastest seen; cut when answers take twice
//!   as long (the server is queueing) or the server refuses (429/503).
//! - **pace**, requests a second, set only once the server has refused: a rate limit is a count
//!   per second, which a window cannot hold when one request is faster than the limit's spacing.
//!   Set to 9/10 of what the server accepted over the last seconds, then raised 3 % a second while
//!   it is what holds requests back, so a limit that rises is found again.
//!
//! Why not one gradient limiter (Netflix's `Gradient2`): against a token bucket latency never
//! rises, the server only refuses; and the refusal's `Retry-After` is acted on by pausing the
//! whole account (see [`crate::limiter`]), which a per-request gradient knows nothing of.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use tokio::time::Instant;

use crate::endpoints::Endpoint;

/// Never more requests of one account in flight than this, whatever the replies say.
pub const MAX_WINDOW: f64 = 64.0;
/// Where an account starts: what a careful fixed setting would pick.
pub const START_WINDOW: f64 = 4.0;
/// Answers this much slower than the fastest seen mean the server is queueing our requests.
const SLOW: f64 = 2.0;
/// The window grows only while the latest answers are no slower than this.
const FAST: f64 = 1.5;
/// Cut of the window when answers slow down (gentle: a slow e-mail provider is not a queue).
const LATENCY_CUT: f64 = 0.8;
/// Cut of the window on a refusal.
const REFUSAL_CUT: f64 = 0.5;
/// The pace after a refusal, as a share of what the server accepted.
const PACE_CUT: f64 = 0.9;
/// How fast the pace grows while it holds requests back: this share of itself a second.
const PACE_GROWTH_PER_SECOND: f64 = 0.03;
/// How far back "what the server accepted" looks.
const ACCEPTED_SPAN: Duration = Duration::from_secs(2);
/// The shortest span an accepted rate is measured over (at the very start).
const MIN_SPAN: Duration = Duration::from_millis(250);
/// The fastest answer is the fastest of this many recent ones, so a server that got slower for
/// good becomes the new normal instead of a queue forever.
const BASE_SAMPLES: u32 = 200;
/// The smoothing of the latency signal (share of the newest answer).
const EWMA: f64 = 0.2;
/// Answers needed to measure a rate by.
const MIN_ACCEPTED: usize = 2;
/// Pace a slowest account never goes below (a request every 10 s).
const MIN_PACE: f64 = 0.1;

/// How one request ended, as far as speed is concerned.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Signal {
    /// The server answered (any answer but a refusal), after `latency`.
    Answered { latency: Duration },
    /// 429, or 503 with Retry-After: too fast.
    Refused,
    /// No answer (a connection failure, a timeout): says nothing about speed.
    Lost,
}

/// Whether the control adapts; `Fixed` keeps the window wide open (the job's own workers set
/// the speed) and never paces, but still honours a Retry-After. For comparing in benchmarks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SpeedMode {
    #[default]
    Automatic,
    Fixed,
}

#[derive(Clone, Debug)]
struct Latency {
    base: Duration,
    candidate: Duration,
    samples: u32,
    smooth: f64,
}

#[derive(Clone, Debug)]
pub struct SpeedControl {
    mode: SpeedMode,
    window: f64,
    slow_start: bool,
    pace: Option<f64>,
    /// A request waited for the pace since the pace last grew: the pace is what limits.
    pace_held_back: bool,
    /// Requests that left before this have already been answered for by a cut.
    last_cut: Option<Instant>,
    latency: HashMap<Endpoint, Latency>,
    accepted: VecDeque<Instant>,
    first_start: Option<Instant>,
}

impl SpeedControl {
    pub fn new(mode: SpeedMode) -> SpeedControl {
        SpeedControl {
            mode,
            window: match mode {
                SpeedMode::Automatic => START_WINDOW,
                SpeedMode::Fixed => MAX_WINDOW,
            },
            slow_start: true,
            pace: None,
            pace_held_back: false,
            last_cut: None,
            latency: HashMap::new(),
            accepted: VecDeque::new(),
            first_start: None,
        }
    }

    /// Requests allowed in flight now.
    pub fn window(&self) -> usize {
        self.window.floor().clamp(1.0, MAX_WINDOW) as usize
    }

    /// Requests a second allowed now, if the server has asked us to slow down.
    pub fn pace(&self) -> Option<f64> {
        self.pace
    }

    pub fn mode(&self) -> SpeedMode {
        self.mode
    }

    /// A request is about to leave at `now`.
    pub fn started(&mut self, now: Instant, waited_for_pace: bool) {
        self.first_start.get_or_insert(now);
        self.pace_held_back |= waited_for_pace;
    }

    /// A request of `endpoint` that left at `started` ended with `signal` at `now`, while
    /// `in_flight` requests (itself included) were out.
    pub fn observe(
        &mut self,
        endpoint: Endpoint,
        started: Instant,
        in_flight: usize,
        signal: Signal,
        now: Instant,
    ) {
        if self.mode == SpeedMode::Fixed {
            return;
        }
        // One cut per round trip: the requests already out when it was made saw the old speed.
        let new_round = self.last_cut.is_none_or(|cut| started >= cut);
        match signal {
            Signal::Lost => {}
            Signal::Refused => {
                if new_round {
                    // Too few answers lately to measure a rate by: the pause and the window's
                    // cut do the slowing down.
                    if let Some(accepted) = self.accepted_rate(now) {
                        let pace = self.pace.map_or(accepted, |p| p.min(accepted));
                        self.pace = Some((pace * PACE_CUT).max(MIN_PACE));
                        self.pace_held_back = false;
                    }
                    self.window = (self.window.min(in_flight as f64) * REFUSAL_CUT).max(1.0);
                    self.slow_start = false;
                    self.last_cut = Some(now);
                }
            }
            Signal::Answered { latency } => {
                self.accepted.push_back(started);
                self.forget_accepted_before(now);
                let (ratio, smooth_ratio) = self.latency_ratio(endpoint, latency);
                if smooth_ratio >= SLOW && ratio >= SLOW {
                    if new_round {
                        self.window = (self.window * LATENCY_CUT).max(1.0);
                        self.slow_start = false;
                        self.last_cut = Some(now);
                    }
                } else if ratio <= FAST && in_flight as f64 * 2.0 >= self.window {
                    // Grown only while used: a window nobody fills says nothing about the server.
                    self.window += if self.slow_start {
                        1.0
                    } else {
                        1.0 / self.window
                    };
                    self.window = self.window.min(MAX_WINDOW);
                }
                if let Some(pace) = self.pace {
                    if self.pace_held_back {
                        // Per answer, so that it comes to PACE_GROWTH_PER_SECOND of itself a second.
                        self.pace = Some(pace + PACE_GROWTH_PER_SECOND);
                        self.pace_held_back = false;
                    } else if let Some(base) = self.latency.get(&endpoint).map(|l| l.base) {
                        // A pace the window could never reach holds nothing back any more.
                        let window_rate = self.window / base.as_secs_f64().max(0.001);
                        if pace > 2.0 * window_rate {
                            self.pace = None;
                        }
                    }
                }
            }
        }
    }

    /// Answers a second the server accepted lately (the window's span, or since the first
    /// request when that is shorter).
    fn accepted_rate(&mut self, now: Instant) -> Option<f64> {
        self.forget_accepted_before(now);
        if self.accepted.len() < MIN_ACCEPTED {
            return None;
        }
        let since_first = self
            .first_start
            .map_or(MIN_SPAN, |first| now.saturating_duration_since(first));
        let span = since_first.clamp(MIN_SPAN, ACCEPTED_SPAN);
        Some(self.accepted.len() as f64 / span.as_secs_f64())
    }

    fn forget_accepted_before(&mut self, now: Instant) {
        while let Some(&oldest) = self.accepted.front() {
            if now.saturating_duration_since(oldest) > ACCEPTED_SPAN {
                self.accepted.pop_front();
            } else {
                break;
            }
        }
    }

    /// This answer's latency and the smoothed latency, each against the fastest seen.
    fn latency_ratio(&mut self, endpoint: Endpoint, latency: Duration) -> (f64, f64) {
        let seconds = latency.as_secs_f64().max(0.000_1);
        let entry = self.latency.entry(endpoint).or_insert(Latency {
            base: latency,
            candidate: latency,
            samples: 0,
            smooth: seconds,
        });
        entry.base = entry.base.min(latency);
        entry.candidate = entry.candidate.min(latency);
        entry.samples += 1;
        if entry.samples >= BASE_SAMPLES {
            entry.base = entry.candidate;
            entry.candidate = latency;
            entry.samples = 0;
        }
        entry.smooth = entry.smooth * (1.0 - EWMA) + seconds * EWMA;
        let base = entry.base.as_secs_f64().max(0.000_1);
        (seconds / base, entry.smooth / base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const E: Endpoint = Endpoint::SendEmail;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn answered(n: u64) -> Signal {
        Signal::Answered { latency: ms(n) }
    }

    /// Answers `count` requests of 100 ms, `in_flight` at a time, from `at`.
    fn round_trips(c: &mut SpeedControl, at: &mut Instant, count: usize, in_flight: usize) {
        for _ in 0..count {
            c.started(*at, false);
            *at += ms(100) / in_flight as u32;
            c.observe(E, *at - ms(100), in_flight, answered(100), *at);
        }
    }

    #[test]
    fn slow_start_doubles_per_round_trip_while_the_window_is_full() {
        let mut c = SpeedControl::new(SpeedMode::Automatic);
        let mut at = Instant::now();
        assert_eq!(c.window(), 4);
        round_trips(&mut c, &mut at, 4, 4);
        assert_eq!(c.window(), 8);
        round_trips(&mut c, &mut at, 8, 8);
        assert_eq!(c.window(), 16);
    }

    #[test]
    fn an_unused_window_does_not_grow() {
        let mut c = SpeedControl::new(SpeedMode::Automatic);
        let mut at = Instant::now();
        round_trips(&mut c, &mut at, 50, 1);
        assert_eq!(
            c.window(),
            4,
            "one request at a time says nothing about four"
        );
    }

    #[test]
    fn slower_answers_cut_the_window_once_per_round_trip() {
        let mut c = SpeedControl::new(SpeedMode::Automatic);
        let mut at = Instant::now();
        round_trips(&mut c, &mut at, 4, 4);
        round_trips(&mut c, &mut at, 8, 8);
        assert_eq!(c.window(), 16);
        // The server queues: answers take 250 ms. Smoothing needs a few to believe it.
        let left = at;
        for _ in 0..8 {
            at += ms(30);
            c.observe(E, left, 16, answered(250), at);
        }
        assert_eq!(
            c.window(),
            12,
            "one cut of 0.8 for the requests of one round trip"
        );
        // Requests that left after the cut and are still slow cut again.
        let left = at;
        at += ms(250);
        c.observe(E, left, 12, answered(250), at);
        assert_eq!(c.window(), 10, "12.8 × 0.8");
        // Back to normal speed: it grows by one per round trip (no more doubling).
        let before = c.window;
        for _ in 0..10 {
            c.started(at, false);
            at += ms(10);
            c.observe(E, at - ms(100), 10, answered(100), at);
        }
        assert!(
            (c.window - before - 1.0).abs() < 0.1,
            "{} → {}",
            before,
            c.window
        );
    }

    #[test]
    fn a_refusal_halves_the_window_and_sets_a_pace_below_what_was_accepted() {
        let mut c = SpeedControl::new(SpeedMode::Automatic);
        let mut at = Instant::now();
        // 2 s at 8 in flight, 100 ms each: 80 accepted a second.
        round_trips(&mut c, &mut at, 4, 4);
        round_trips(&mut c, &mut at, 160, 8);
        let window = c.window();
        c.observe(E, at - ms(10), window, Signal::Refused, at);
        assert_eq!(c.window(), window / 2);
        let pace = c.pace().expect("a pace");
        assert!((60.0..=80.0).contains(&pace), "{pace}");
        // Refusals of requests that left before the cut do not cut again.
        c.observe(E, at - ms(5), window, Signal::Refused, at + ms(1));
        assert_eq!(c.window(), window / 2);
        assert_eq!(c.pace(), Some(pace));
        // A refusal of a request that left later does.
        c.observe(E, at + ms(2), window, Signal::Refused, at + ms(50));
        assert!(c.pace().expect("a pace") < pace);
    }

    #[test]
    fn the_first_refusal_measures_over_at_least_a_quarter_second() {
        let mut c = SpeedControl::new(SpeedMode::Automatic);
        let at = Instant::now();
        // Five accepted in the first 50 ms: 20 a second over the shortest span, not 100.
        for i in 0..5 {
            c.started(at + ms(i * 10), false);
            c.observe(E, at + ms(i * 10), 4, answered(1), at + ms(i * 10 + 1));
        }
        c.observe(E, at + ms(50), 4, Signal::Refused, at + ms(51));
        assert_eq!(c.pace(), Some(18.0));
    }

    #[test]
    fn the_pace_grows_only_while_it_holds_requests_back() {
        let mut c = SpeedControl::new(SpeedMode::Automatic);
        let mut at = Instant::now();
        round_trips(&mut c, &mut at, 20, 1);
        c.observe(E, at, 1, Signal::Refused, at + ms(1));
        let pace = c.pace().expect("a pace");
        at += ms(1000);
        for _ in 0..10 {
            c.started(at, false);
            at += ms(200);
            c.observe(E, at - ms(100), 1, answered(100), at);
        }
        assert_eq!(c.pace(), Some(pace), "nobody waited for the pace");
        for _ in 0..10 {
            c.started(at, true);
            at += ms(200);
            c.observe(E, at - ms(100), 1, answered(100), at);
        }
        assert!((c.pace().expect("a pace") - pace - 0.3).abs() < 1e-9);
    }

    #[test]
    fn a_refusal_before_any_answer_sets_no_pace() {
        let mut c = SpeedControl::new(SpeedMode::Automatic);
        let at = Instant::now();
        c.started(at, false);
        c.observe(E, at, 4, Signal::Refused, at + ms(5));
        assert_eq!((c.window(), c.pace()), (2, None));
    }

    #[test]
    fn a_lost_reply_changes_nothing_and_fixed_mode_never_adapts() {
        let mut c = SpeedControl::new(SpeedMode::Automatic);
        let at = Instant::now();
        c.observe(E, at, 4, Signal::Lost, at + ms(100));
        assert_eq!((c.window(), c.pace()), (4, None));
        let mut fixed = SpeedControl::new(SpeedMode::Fixed);
        fixed.observe(E, at, 64, Signal::Refused, at + ms(1));
        assert_eq!((fixed.window(), fixed.pace()), (64, None));
    }

    #[test]
    fn the_window_stays_between_one_and_the_maximum() {
        let mut c = SpeedControl::new(SpeedMode::Automatic);
        let mut at = Instant::now();
        for _ in 0..10 {
            at += ms(10);
            c.observe(E, at, 1, Signal::Refused, at + ms(1));
        }
        assert_eq!(c.window(), 1);
        let mut open = SpeedControl::new(SpeedMode::Automatic);
        round_trips(&mut open, &mut at, 2000, 64);
        assert_eq!(open.window(), 64);
    }
}
