//! Today's poller against the sandbox over HTTP, with the store in a temporary database: an event
//! made at the sandbox (as another desk would) is read within one cycle, a read after that reads
//! only what is new, fifty active campaigns stay within the budget over a simulated hour, and a
//! 429 or a dropped connection ends a cycle without losing an event.

#[path = "support/clients.rs"]
mod clients;

use std::sync::Arc;
use std::time::Duration;

use coupon_desk::history::{NewEntry, Outcome};
use coupon_desk::jobs::JobManager;
use coupon_desk::notices::{DeskEvent, Desktop, Notice, NoticeKind, Notifier};
use coupon_desk::sandbox::{Fault, Sandbox, SandboxConfig};
use coupon_desk::settings::Preferences;
use coupon_desk::today::{store, EventKind, PollBudget, TodayPoller, UsesUnderWay};
use coupon_desk::today_watch::{Reader, TodayWatch};

struct Setup {
    sandbox: Sandbox,
    jobs: JobManager,
    _dir: tempfile::TempDir,
}

async fn setup(config: SandboxConfig) -> Setup {
    let sandbox = Sandbox::start(config).await.expect("sandbox");
    let dir = tempfile::tempdir().expect("temp dir");
    let jobs = JobManager::open(dir.path().join("desk.sqlite3")).expect("journal");
    Setup {
        sandbox,
        jobs,
        _dir: dir,
    }
}

impl Setup {
    fn poller(&self, budget: PollBudget) -> TodayPoller {
        TodayPoller::new(
            clients::client(&self.sandbox),
            self.jobs.clone(),
            "acc_today",
            budget,
        )
    }

    fn stored(&self, kind: EventKind, code: &str) -> bool {
        let code = code.to_owned();
        self.jobs
            .with_database(move |conn| store::feed(conn, "acc_today", 0, 100_000))
            .expect("feed")
            .iter()
            .any(|e| e.kind == kind && e.code == code)
    }
}

/// The poll's requests as the sandbox counted them.
fn list_requests(sb: &Sandbox) -> u32 {
    let c = sb.control();
    c.request_count("coupon/list")
        + c.request_count("campaign/opens")
        + c.request_count("campaign/claims")
        + c.request_count("campaign/validations")
}

const CAMPAIGN: &str = "cam_104211";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coupon_used_at_another_desk_is_read_in_the_next_cycle_and_only_once() {
    let s = setup(SandboxConfig::default()).await;
    let mut poller = s.poller(PollBudget::new(600));
    poller.poll_once().await.expect("first cycle");
    assert!(poller.campaign_names().iter().any(|(id, _)| id == CAMPAIGN));
    let code = s
        .sandbox
        .control()
        .other_desk_makes_links(CAMPAIGN, 1)
        .pop()
        .expect("a new link");
    assert!(s.sandbox.control().other_desk_validates(&code));

    let new = poller.poll_once().await.expect("second cycle");
    let mine: Vec<_> = new.iter().filter(|e| e.code == code).collect();
    let kinds: Vec<_> = mine.iter().map(|e| e.kind).collect();
    // Uses are read first: the news a desk wants soonest.
    assert_eq!(
        kinds,
        [EventKind::Used, EventKind::Claimed, EventKind::Opened],
        "used, claimed and opened, each once: {new:?}"
    );
    assert!(mine.iter().all(|e| e.campaign == CAMPAIGN));
    assert!(s.stored(EventKind::Used, &code));

    // The next cycle reads the same minutes again (the overlap) and finds nothing new.
    let again = poller.poll_once().await.expect("third cycle");
    assert!(
        again.iter().all(|e| e.code != code),
        "read twice, kept once: {again:?}"
    );
    let now = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    let counts = s
        .jobs
        .with_database(move |conn| store::counts(conn, "acc_today", now - 3_600_000, now + 60_000))
        .expect("counts");
    let ours = counts
        .iter()
        .find(|c| c.campaign == CAMPAIGN)
        .expect("the campaign counted");
    assert!(
        ours.used >= 1 && ours.opened >= 1 && ours.claimed >= 1,
        "{ours:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_reads_only_what_is_new() {
    let s = setup(SandboxConfig::default()).await;
    s.poller(PollBudget::new(600))
        .poll_once()
        .await
        .expect("first run");
    // A new poller over the same database, as after a restart: what is stored is not
    // reported again.
    let mut after_restart = s.poller(PollBudget::new(600));
    let new = after_restart.poll_once().await.expect("after the restart");
    assert!(new.is_empty(), "nothing new since the first run: {new:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_or_a_dropped_connection_ends_the_cycle_and_loses_no_event() {
    let s = setup(SandboxConfig::default()).await;
    let mut poller = s.poller(PollBudget::new(600));
    poller.poll_once().await.expect("first cycle");
    let ctl = s.sandbox.control();
    let code = ctl
        .other_desk_makes_links(CAMPAIGN, 1)
        .pop()
        .expect("a link");
    assert!(ctl.other_desk_validates(&code));
    // The validations list refuses for longer than the client retries, then drops the line.
    ctl.inject_on(
        "campaign/validations",
        Fault::TooManyRequests {
            retry_after_secs: 0,
        },
        coupon_desk::api::MAX_REFUSALS,
    );
    assert!(
        poller.poll_once().await.is_err(),
        "the cycle ends in an error"
    );
    ctl.inject_on("campaign/validations", Fault::DropConnection, 20);
    assert!(poller.poll_once().await.is_err());
    ctl.clear_faults();
    let new = poller.poll_once().await.expect("the line is back");
    assert!(
        new.iter()
            .any(|e| e.code == code && e.kind == EventKind::Used)
            || s.stored(EventKind::Used, &code),
        "the use is read once the server answers again"
    );
    assert!(s.stored(EventKind::Used, &code));
}

/// Fifty active campaigns (and the demo shop's own) polled without pause for a simulated hour
/// (a "minute" of 250 ms): no simulated minute holds more requests than the budget allows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_active_campaigns_stay_within_the_budget_over_a_simulated_hour() {
    const PER_MINUTE: u32 = 60;
    const MINUTE: Duration = Duration::from_millis(250);
    let s = setup(SandboxConfig {
        extra_campaigns: 50,
        ..SandboxConfig::default()
    })
    .await;
    let mut poller = s.poller(PollBudget::with_minute(PER_MINUTE, MINUTE));
    let counts = {
        let sandbox_counts = std::sync::Arc::new(std::sync::Mutex::new(vec![0u32]));
        let sampler = {
            let ctl = s.sandbox.control();
            let sandbox_counts = sandbox_counts.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(MINUTE);
                tick.tick().await;
                loop {
                    tick.tick().await;
                    let total = ctl.request_count("coupon/list")
                        + ctl.request_count("campaign/opens")
                        + ctl.request_count("campaign/claims")
                        + ctl.request_count("campaign/validations");
                    sandbox_counts.lock().unwrap().push(total);
                }
            })
        };
        let polling = async {
            loop {
                poller.poll_once().await.expect("a cycle");
            }
        };
        let _ = tokio::time::timeout(MINUTE * 60, polling).await;
        sampler.abort();
        let counts = sandbox_counts.lock().unwrap().clone();
        counts
    };
    let per_minute: Vec<u32> = counts.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        per_minute.len() >= 55,
        "an hour of minutes sampled: {per_minute:?}"
    );
    // A sample may fall a little late: two neighbouring minutes together stay within two.
    for pair in per_minute.windows(2) {
        assert!(
            pair[0] + pair[1] <= 2 * PER_MINUTE + 1,
            "over the budget: {per_minute:?}"
        );
    }
    let total = list_requests(&s.sandbox);
    assert!(
        total <= PER_MINUTE * 61,
        "{total} requests in a simulated hour"
    );
    // Not idle either: it used most of what it may.
    assert!(
        total >= PER_MINUTE * 50,
        "{total} requests in a simulated hour"
    );
    assert_eq!(
        poller.campaign_names().len(),
        55,
        "50 extra and the shop's 5 active"
    );
}

/// The desktop as the notices see it, recorded.
#[derive(Default)]
struct Recorded(std::sync::Mutex<Vec<Notice>>);

impl Desktop for Recorded {
    fn window_in_front(&self) -> bool {
        false
    }
    fn show(&self, notice: &Notice) {
        self.0.lock().unwrap().push(notice.clone());
    }
    fn tell_window(&self, _event: DeskEvent, _forward: bool) {}
    fn bring_forward(&self) {}
    fn used_today(&self, _account_id: &str, _account_name: &str, _used: Option<u32>) {}
}

/// The app's reader (`today_watch`) with its notices: a coupon used at another desk after the
/// reader started is told once, with its code; one used before the start (caught up on) and one
/// this desk used (its history says so) or is marking at the counter (no answer yet) are not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reader_tells_a_use_from_another_desk_once_and_not_the_desks_own_or_older_ones() {
    let s = setup(SandboxConfig::default()).await;
    let ctl = s.sandbox.control();
    let mut codes = ctl.other_desk_makes_links(CAMPAIGN, 4);
    let (older, ours, at_the_counter, elsewhere) = (
        codes.pop().expect("a link"),
        codes.pop().expect("a link"),
        codes.pop().expect("a link"),
        codes.pop().expect("a link"),
    );
    assert!(ctl.other_desk_validates(&older));
    // The lists give their times to the second: the start is clearly after this use.
    tokio::time::sleep(Duration::from_millis(1_500)).await;

    let desktop = Arc::new(Recorded::default());
    let notifier = Notifier::new(&Preferences::default());
    notifier.attach(desktop.clone());
    let under_way = UsesUnderWay::default();
    let watch = TodayWatch::new(notifier, under_way.clone());
    let reader = Reader {
        account_id: "acc_today".into(),
        account_name: "Corner shop".into(),
        per_minute: 600,
    };
    watch.ensure(reader, &clients::client(&s.sandbox), &s.jobs);
    let read_once = |watch: &TodayWatch| watch.status("acc_today").updated_at_ms;
    wait_until(|| read_once(&watch).is_some(), "a first reading").await;
    assert!(
        desktop.0.lock().unwrap().is_empty(),
        "catching up is not news"
    );

    // This desk marks one used (its history line) and is marking another (its answer not in yet,
    // so no history line), another desk the third.
    let _held = under_way.hold("acc_today", &at_the_counter);
    assert!(ctl.other_desk_validates(&at_the_counter));
    s.jobs
        .record_history(&NewEntry {
            account_id: "acc_today",
            account: "Corner shop",
            action: "redeem_validate",
            campaign: Some(CAMPAIGN),
            target: Some(&ours),
            outcome: Outcome::Ok,
            detail: None,
            job_id: None,
        })
        .expect("history");
    assert!(ctl.other_desk_validates(&ours));
    assert!(ctl.other_desk_validates(&elsewhere));
    watch.wake("acc_today");
    wait_until(|| !desktop.0.lock().unwrap().is_empty(), "a notice").await;
    let before = read_once(&watch);
    watch.wake("acc_today");
    wait_until(|| read_once(&watch) != before, "another reading").await;

    let shown = desktop.0.lock().unwrap().clone();
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert_eq!(shown[0].kind, NoticeKind::UsedElsewhere);
    assert_eq!(shown[0].open.code.as_deref(), Some(elsewhere.as_str()));
    assert_eq!(shown[0].open.account.as_deref(), Some("acc_today"));
    assert!(shown[0].body.contains(&elsewhere), "{:?}", shown[0]);
    // One coupon told, not "2 coupons": the one at the counter is this desk's.
    assert!(
        shown[0]
            .title
            .ends_with(&coupon_desk::i18n::t("notice.usedElsewhere.title")),
        "{:?}",
        shown[0]
    );
}

async fn wait_until(done: impl Fn() -> bool, what: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "no {what} within a minute"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
