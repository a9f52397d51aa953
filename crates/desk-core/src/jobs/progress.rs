//! What the window hears about a running job, and the door it hears it through.

use serde::Serialize;

use crate::jobs::journal::{Counts, JobId, JobState, PauseReason};

/// Receives progress; the command layer forwards it to the window (a Tauri channel), tests
/// collect it. Called from a background task: keep it quick and never block on the window.
pub trait ProgressSink: Send + Sync {
    fn report(&self, progress: &JobProgress);
}

impl<F> ProgressSink for F
where
    F: Fn(&JobProgress) + Send + Sync,
{
    fn report(&self, progress: &JobProgress) {
        self(progress)
    }
}

/// Told once when a run of any job ends (finished, paused or cancelled), whoever watches it:
/// the app's notifications ("the 5 000 links are done" while the window is behind the till).
pub trait EndSink: Send + Sync {
    fn ended(&self, end: &JobEnd<'_>);
}

/// How a run ended.
#[derive(Debug)]
pub struct JobEnd<'a> {
    /// The kind's name (`email`, `single_use`, …): which screen shows the job.
    pub kind: &'a str,
    pub account_id: &'a str,
    pub account_name: &'a str,
    pub label: Option<&'a str>,
    pub progress: &'a JobProgress,
}

/// For runs nobody watches (a benchmark, a resume before the window is back).
pub struct NoProgress;

impl ProgressSink for NoProgress {
    fn report(&self, _progress: &JobProgress) {}
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobProgress {
    pub job_id: JobId,
    pub state: JobState,
    pub total: usize,
    pub sent: usize,
    pub skipped: usize,
    pub failed: usize,
    pub unknown: usize,
    /// Not sent yet (waiting or on their way).
    pub remaining: usize,
    /// Rows settled per minute since this run started; 0 until there is something to measure.
    pub rate_per_minute: f64,
    pub eta_seconds: Option<u64>,
    /// Worded by the app (`shown_jobs`), in the window's language.
    #[serde(skip)]
    pub pause_reason: Option<PauseReason>,
    /// What the job has made so far, for kinds whose rows make many items (links of chunks).
    pub items: usize,
    /// How fast the account's limiter lets the job go, while it runs.
    pub speed: Option<JobSpeed>,
}

/// The job's share of the account's limiter (see `coupontools::limiter`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobSpeed {
    /// Requests of this job that may be on their way at once: the limiter's window, at most
    /// the job's own number.
    pub at_once: usize,
    /// Requests a second the account keeps to, once the server asked it to slow down.
    pub per_second: Option<f64>,
    /// Requests of the account the server refused as too fast since this run started.
    pub refused: u64,
    /// Requests of the account sent since this run started.
    pub requests: u64,
    /// False when the job goes at its fixed number (benchmarks only).
    pub automatic: bool,
}

impl JobProgress {
    pub fn new(
        job_id: &JobId,
        state: JobState,
        total: usize,
        counts: &Counts,
        reason: Option<PauseReason>,
    ) -> Self {
        JobProgress {
            job_id: job_id.clone(),
            state,
            total,
            sent: counts.sent,
            skipped: counts.skipped,
            failed: counts.failed,
            unknown: counts.unknown,
            remaining: counts.remaining(),
            rate_per_minute: 0.0,
            eta_seconds: if counts.remaining() == 0 {
                Some(0)
            } else {
                None
            },
            pause_reason: reason,
            items: 0,
            speed: None,
        }
    }

    /// Adds the rate and the time left, from `settled` rows in `elapsed_secs` of this run.
    pub(crate) fn with_rate(mut self, settled: usize, elapsed_secs: f64) -> Self {
        // Under half a second the figure jumps about and would only make the window flicker.
        if settled > 0 && elapsed_secs >= 0.5 {
            let per_second = settled as f64 / elapsed_secs;
            self.rate_per_minute = (per_second * 60.0 * 10.0).round() / 10.0;
            self.eta_seconds = Some((self.remaining as f64 / per_second).ceil() as u64);
        }
        self
    }

    pub fn done(&self) -> usize {
        self.sent + self.skipped + self.failed + self.unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_and_time_left_follow_the_settled_rows() {
        let counts = Counts {
            pending: 90,
            sent: 10,
            ..Counts::default()
        };
        let p = JobProgress::new(&JobId::new("job_1"), JobState::Running, 100, &counts, None);
        assert_eq!(
            (p.remaining, p.eta_seconds, p.rate_per_minute),
            (90, None, 0.0)
        );
        let p = p.with_rate(10, 5.0);
        assert_eq!(p.rate_per_minute, 120.0);
        assert_eq!(p.eta_seconds, Some(45));
        // The window's contract (every figure, camelCase, the reason worded) is held by the
        // app's `ShownProgress` test; here: the engine's names and no words of its own.
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["ratePerMinute"], 120.0);
        assert_eq!(json["etaSeconds"], 45);
        assert_eq!(json["state"], "running");
        // The app words the pause reason (`ShownProgress`); the engine's own form has none.
        assert!(json.get("pauseReason").is_none(), "{json}");
    }
}
