//! Desktop notifications: a bulk job that finished or paused by itself while the window was not
//! in front, a coupon used at another desk, a campaign whose claims today reached the user's
//! number. Each is switched in Settings; each is written to the log (the trail support and the
//! tests read: kind, screen and coupon code, never a customer's data). A click on one opens its
//! screen, for its account (the notification carries where it leads).

use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Serialize};

use crate::i18n::{t, tf};
use crate::jobs::{EndSink, JobEnd, JobState};
use crate::settings::Preferences;
use crate::today::{ClaimsReached, TodayEvent};

/// Where a notice (or the tray's menu) takes the window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Open {
    pub screen: String,
    /// The coupon to put at the counter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The account it is about: the window switches to it first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

impl Open {
    pub fn screen(screen: &str) -> Open {
        Open {
            screen: screen.to_owned(),
            code: None,
            account: None,
        }
    }

    fn of_account(self, account_id: &str) -> Open {
        Open {
            account: Some(account_id.to_owned()),
            ..self
        }
    }
}

/// What the window hears without asking (a Tauri channel it opened at start).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum DeskEvent {
    /// Show this screen (a clicked notice, the tray's menu).
    Open(Open),
    /// Today's reader stored new events for this account.
    TodayChanged { account: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    JobEnded,
    UsedElsewhere,
    ClaimsReached,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub kind: NoticeKind,
    pub title: String,
    pub body: String,
    pub open: Open,
}

/// The desktop around the window: the app implements it over Tauri; tests record.
pub trait Desktop: Send + Sync {
    /// True when the main window is shown and has the keyboard.
    fn window_in_front(&self) -> bool;
    fn show(&self, notice: &Notice);
    /// Brings the window forward (when `forward`) and tells it.
    fn tell_window(&self, event: DeskEvent, forward: bool);
    /// Shows the window and gives it the keyboard.
    fn bring_forward(&self);
    /// Today's used count of an account for the tray; `None`: the account is gone.
    fn used_today(&self, account_id: &str, account_name: &str, used: Option<u32>);
}

/// The switches of Settings that decide what is told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Switches {
    pub jobs: bool,
    pub used_elsewhere: bool,
    pub claims_threshold: u32,
    /// Closing the window keeps the app in the tray (read when the window closes, so it must
    /// not wait for the settings' lock).
    pub keep_in_tray: bool,
}

impl From<&Preferences> for Switches {
    fn from(prefs: &Preferences) -> Switches {
        Switches {
            jobs: prefs.notify_jobs,
            used_elsewhere: prefs.notify_other_desk,
            claims_threshold: prefs.claims_threshold,
            keep_in_tray: prefs.keep_in_tray == Some(true),
        }
    }
}

/// Cheap to clone; all clones share the desktop and the switches.
#[derive(Clone)]
pub struct Notifier {
    inner: Arc<Inner>,
}

struct Inner {
    desktop: OnceLock<Arc<dyn Desktop>>,
    switches: Mutex<Switches>,
}

impl Notifier {
    pub fn new(prefs: &Preferences) -> Notifier {
        Notifier {
            inner: Arc::new(Inner {
                desktop: OnceLock::new(),
                switches: Mutex::new(Switches::from(prefs)),
            }),
        }
    }

    /// Once, at setup; before it (and in tests without a desktop) notices are only logged.
    pub fn attach(&self, desktop: Arc<dyn Desktop>) {
        let _ = self.inner.desktop.set(desktop);
    }

    pub fn desktop(&self) -> Option<&Arc<dyn Desktop>> {
        self.inner.desktop.get()
    }

    /// After Settings changed.
    pub fn set_switches(&self, prefs: &Preferences) {
        *lock(&self.inner.switches) = Switches::from(prefs);
    }

    pub fn switches(&self) -> Switches {
        *lock(&self.inner.switches)
    }

    /// Shows a notice and logs it.
    pub fn tell(&self, notice: Notice) {
        log::info!(
            "notice shown: kind={} open={} code={}",
            serde_json::to_value(notice.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            notice.open.screen,
            notice.open.code.as_deref().unwrap_or("-"),
        );
        if let Some(desktop) = self.desktop() {
            desktop.show(&notice);
        }
    }

    /// What a reading brought: the tray's count, the window, and the notices.
    pub fn today_read(&self, reading: &Reading<'_>) {
        let Some(desktop) = self.desktop() else {
            return;
        };
        desktop.used_today(
            reading.account_id,
            reading.account_name,
            Some(reading.used_today),
        );
        if reading.new_events > 0 {
            desktop.tell_window(
                DeskEvent::TodayChanged {
                    account: reading.account_id.to_owned(),
                },
                false,
            );
        }
        let switches = self.switches();
        if switches.used_elsewhere {
            if let Some(notice) = used_elsewhere_notice(reading) {
                self.tell(notice);
            }
        }
        for reached in reading.claims_reached {
            let campaign = reading.name_of(&reached.campaign);
            self.tell(Notice {
                kind: NoticeKind::ClaimsReached,
                title: for_account(
                    reading.account_name,
                    tf("notice.claims.title", &[("campaign", &campaign)]),
                ),
                body: tf(
                    "notice.claims.body",
                    &[
                        ("campaign", &campaign),
                        ("n", &reached.claimed),
                        ("threshold", &switches.claims_threshold),
                    ],
                ),
                open: Open::screen("today").of_account(reading.account_id),
            });
        }
    }
}

/// A notice's title names its account: readers and jobs run for every account, not only the one
/// the window shows.
fn for_account(account_name: &str, title: String) -> String {
    format!("{account_name} · {title}")
}

/// What one of Today's readings brought.
pub struct Reading<'a> {
    pub account_id: &'a str,
    pub account_name: &'a str,
    pub new_events: usize,
    pub used_today: u32,
    /// Uses this desk did not make, since the reader started (catching up is not news).
    pub used_elsewhere: &'a [TodayEvent],
    pub claims_reached: &'a [ClaimsReached],
    /// The active campaigns: ID and name.
    pub campaigns: &'a [(String, String)],
}

impl Reading<'_> {
    fn name_of(&self, campaign: &str) -> String {
        self.campaigns
            .iter()
            .find(|(id, _)| id == campaign)
            .map_or_else(|| campaign.to_owned(), |(_, name)| name.clone())
    }
}

fn used_elsewhere_notice(reading: &Reading<'_>) -> Option<Notice> {
    let latest = reading.used_elsewhere.last()?;
    let open = Open {
        code: Some(latest.code.clone()),
        ..Open::screen("redeem").of_account(reading.account_id)
    };
    let campaign = reading.name_of(&latest.campaign);
    let n = reading.used_elsewhere.len();
    // Several in one reading are one notice that counts them.
    Some(if n == 1 {
        Notice {
            kind: NoticeKind::UsedElsewhere,
            title: for_account(reading.account_name, t("notice.usedElsewhere.title")),
            body: tf(
                "notice.usedElsewhere.body",
                &[("code", &latest.code), ("campaign", &campaign)],
            ),
            open,
        }
    } else {
        Notice {
            kind: NoticeKind::UsedElsewhere,
            title: for_account(
                reading.account_name,
                tf("notice.usedElsewhere.manyTitle", &[("n", &n)]),
            ),
            body: tf(
                "notice.usedElsewhere.manyBody",
                &[("n", &n), ("code", &latest.code), ("campaign", &campaign)],
            ),
            open,
        }
    })
}

/// The screen that shows a job of this kind.
pub fn screen_of_job(kind: &str) -> &'static str {
    match kind {
        "email" => "bulk",
        "single_use_create" | "single_use_remove" => "links",
        "loyalty_import" => "loyalty",
        "directory_payment" => "directories",
        "redeem_many" => "redeem",
        _ => "history",
    }
}

impl EndSink for Notifier {
    fn ended(&self, end: &JobEnd<'_>) {
        let progress = end.progress;
        let title_key = match progress.state {
            JobState::Finished => "notice.jobFinished.title",
            // Paused for a reason (the account refused, the line is down), not by the user.
            JobState::Paused if progress.pause_reason.is_some() => "notice.jobPaused.title",
            // The user paused or cancelled it: they know.
            JobState::Paused | JobState::Cancelled | JobState::Running => return,
        };
        let in_front = self.desktop().is_some_and(|d| d.window_in_front());
        if !self.switches().jobs || in_front {
            return;
        }
        let what = t(&format!("notice.job.{}", end.kind));
        let done = progress.sent + progress.skipped;
        let body = if progress.state == JobState::Finished {
            tf(
                "notice.jobFinished.body",
                &[
                    ("done", &done),
                    ("total", &progress.total),
                    ("failed", &progress.failed),
                    ("unknown", &progress.unknown),
                ],
            )
        } else {
            tf(
                "notice.jobPaused.body",
                &[("done", &done), ("total", &progress.total)],
            )
        };
        self.tell(Notice {
            kind: NoticeKind::JobEnded,
            title: for_account(end.account_name, tf(title_key, &[("what", &what)])),
            body,
            open: Open::screen(screen_of_job(end.kind)).of_account(end.account_id),
        });
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::words::Words;
    use crate::jobs::{JobId, JobProgress, PauseReason};
    use crate::today::EventKind;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[derive(Default)]
    struct Recorded {
        in_front: AtomicBool,
        shown: Mutex<Vec<Notice>>,
        told: Mutex<Vec<DeskEvent>>,
        used: Mutex<Vec<(String, Option<u32>)>>,
    }

    impl Desktop for Recorded {
        fn window_in_front(&self) -> bool {
            self.in_front.load(Ordering::SeqCst)
        }
        fn show(&self, notice: &Notice) {
            self.shown.lock().unwrap().push(notice.clone());
        }
        fn tell_window(&self, event: DeskEvent, _forward: bool) {
            self.told.lock().unwrap().push(event);
        }
        fn bring_forward(&self) {}
        fn used_today(&self, account_id: &str, _account_name: &str, used: Option<u32>) {
            self.used.lock().unwrap().push((account_id.into(), used));
        }
    }

    fn notifier() -> (Notifier, Arc<Recorded>) {
        let desktop = Arc::new(Recorded::default());
        let notifier = Notifier::new(&Preferences::default());
        notifier.attach(desktop.clone());
        (notifier, desktop)
    }

    fn used(code: &str) -> TodayEvent {
        TodayEvent {
            campaign: "cam_1".into(),
            kind: EventKind::Used,
            code: code.into(),
            at_ms: 0,
        }
    }

    fn reading<'a>(
        new_events: usize,
        elsewhere: &'a [TodayEvent],
        reached: &'a [ClaimsReached],
        campaigns: &'a [(String, String)],
    ) -> Reading<'a> {
        Reading {
            account_id: "acc",
            account_name: "Corner shop",
            new_events,
            used_today: 7,
            used_elsewhere: elsewhere,
            claims_reached: reached,
            campaigns,
        }
    }

    #[test]
    fn a_use_elsewhere_is_told_with_its_code_and_account_and_opens_the_counter() {
        let (notifier, desktop) = notifier();
        let campaigns = [("cam_1".to_owned(), "Free coffee".to_owned())];
        let one = [used("AB12")];
        notifier.today_read(&reading(1, &one, &[], &campaigns));
        let shown = desktop.shown.lock().unwrap().clone();
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].kind, NoticeKind::UsedElsewhere);
        assert!(shown[0].title.starts_with("Corner shop"), "{:?}", shown[0]);
        assert!(shown[0].body.contains("AB12") && shown[0].body.contains("Free coffee"));
        assert_eq!(shown[0].open.code.as_deref(), Some("AB12"));
        assert_eq!(shown[0].open.screen, "redeem");
        assert_eq!(shown[0].open.account.as_deref(), Some("acc"));
        assert_eq!(desktop.used.lock().unwrap()[0], ("acc".into(), Some(7)));
        assert!(matches!(
            desktop.told.lock().unwrap().last(),
            Some(DeskEvent::TodayChanged { account }) if account == "acc"
        ));

        // Many at once: one notice that counts them.
        let many = [used("A1"), used("A2"), used("A3"), used("A4")];
        notifier.today_read(&reading(4, &many, &[], &campaigns));
        let shown = desktop.shown.lock().unwrap().clone();
        assert_eq!(shown.len(), 2);
        assert!(shown[1].title.contains('4'), "{:?}", shown[1]);

        // Switched off in Settings: nothing.
        notifier.set_switches(&Preferences {
            notify_other_desk: false,
            ..Preferences::default()
        });
        notifier.today_read(&reading(1, &one, &[], &campaigns));
        assert_eq!(desktop.shown.lock().unwrap().len(), 2);
    }

    #[test]
    fn a_claims_number_reached_is_told_even_when_the_reading_brought_nothing_new() {
        // The claims were stored by an earlier reading that failed before its end.
        let (notifier, desktop) = notifier();
        notifier.set_switches(&Preferences {
            claims_threshold: 10,
            ..Preferences::default()
        });
        let reached = [ClaimsReached {
            campaign: "cam_1".into(),
            claimed: 12,
        }];
        notifier.today_read(&reading(0, &[], &reached, &[]));
        let shown = desktop.shown.lock().unwrap().clone();
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].kind, NoticeKind::ClaimsReached);
        assert!(shown[0].body.contains("12") && shown[0].body.contains("10"));
        assert_eq!(shown[0].open, Open::screen("today").of_account("acc"));
        assert!(
            desktop.told.lock().unwrap().is_empty(),
            "nothing new for the window"
        );
    }

    #[test]
    fn a_job_that_ends_by_itself_behind_the_window_is_told_and_one_in_front_is_not() {
        let (notifier, desktop) = notifier();
        let id = JobId::new("job_1");
        let mut progress =
            JobProgress::new(&id, JobState::Finished, 5_000, &Default::default(), None);
        progress.sent = 4_990;
        progress.failed = 8;
        progress.unknown = 2;
        let end = JobEnd {
            kind: "single_use_create",
            account_id: "acc",
            account_name: "Corner shop",
            label: None,
            progress: &progress,
        };
        notifier.ended(&end);
        let shown = desktop.shown.lock().unwrap().clone();
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].open, Open::screen("links").of_account("acc"));
        for figure in ["4,990", "5,000", "8", "2"] {
            assert!(shown[0].body.contains(figure), "{figure} in {:?}", shown[0]);
        }
        desktop.in_front.store(true, Ordering::SeqCst);
        notifier.ended(&end);
        assert_eq!(desktop.shown.lock().unwrap().len(), 1);
        desktop.in_front.store(false, Ordering::SeqCst);
        // Cancelled, or paused by the user: they know.
        for (state, reason) in [(JobState::Cancelled, None), (JobState::Paused, None)] {
            let by_user = JobProgress {
                state,
                pause_reason: reason,
                ..progress.clone()
            };
            notifier.ended(&JobEnd {
                progress: &by_user,
                ..end
            });
        }
        assert_eq!(desktop.shown.lock().unwrap().len(), 1);
        // Paused by itself (the account refused): told.
        let paused = JobProgress {
            state: JobState::Paused,
            pause_reason: Some(PauseReason {
                message: Words::new("job.error.unknownKind.message"),
                hint: Words::new("job.error.unknownKind.hint"),
            }),
            ..progress.clone()
        };
        notifier.ended(&JobEnd {
            progress: &paused,
            ..end
        });
        assert_eq!(desktop.shown.lock().unwrap().len(), 2);
    }
}
