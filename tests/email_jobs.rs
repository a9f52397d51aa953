//! Bulk e-mail jobs end to end: the real job runner and the real client against the sandbox over
//! HTTP, with the journal in a temporary folder.

#[path = "support/clients.rs"]
mod clients;
use clients::job_client;
use clients::Said;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use coupon_desk::api::{CampaignFilter, Client, ClientConfig, Credentials};
use coupon_desk::jobs::{
    EmailJobSpec, EmailList, EndSink, JobEnd, JobError, JobId, JobManager, JobProgress, JobRow,
    JobState, ProgressSink, RowStatus,
};
use coupon_desk::sandbox::{
    Fault, Sandbox, SandboxConfig, SandboxControl, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET,
};

struct Setup {
    sandbox: Sandbox,
    client: Client,
    campaign: String,
    _dir: tempfile::TempDir,
    db_path: PathBuf,
    jobs: JobManager,
}

impl Setup {
    async fn new() -> Setup {
        let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
        let client = client_for(&sandbox, DEMO_CLIENT_SECRET);
        let campaigns = client
            .campaigns()
            .list(&CampaignFilter {
                only_active: true,
                ..Default::default()
            })
            .await
            .unwrap();
        let campaign = campaigns
            .first()
            .expect("the sandbox has active campaigns")
            .id
            .to_string();
        let dir = tempfile::tempdir().unwrap();
        let db_path = dir.path().join("desk.sqlite3");
        let jobs = JobManager::open(db_path.clone()).unwrap();
        Setup {
            sandbox,
            client,
            campaign,
            _dir: dir,
            db_path,
            jobs,
        }
    }

    fn ctl(&self) -> SandboxControl {
        self.sandbox.control()
    }

    fn spec(&self, check_unique: bool, concurrency: u8) -> EmailJobSpec {
        EmailJobSpec {
            campaign: self.campaign.clone(),
            subject: Some("A gift for you".into()),
            check_unique,
            concurrency,
        }
    }

    fn create(&self, list: &EmailList, check_unique: bool, concurrency: u8) -> JobId {
        self.jobs
            .create_email_job(
                "acc_test",
                "Test bakery",
                self.spec(check_unique, concurrency),
                list,
            )
            .unwrap()
    }

    fn all_rows(&self, job: &JobId) -> Vec<JobRow> {
        let page = self.jobs.rows(job, 0, 1_000).unwrap();
        assert!(page.total <= 1_000);
        page.rows
    }

    fn history_outcomes(&self, job: &JobId) -> Vec<String> {
        let conn = coupon_desk::db::open(&self.db_path).unwrap();
        let mut stmt = conn
            .prepare("SELECT outcome FROM history WHERE job_id = ?1 ORDER BY id")
            .unwrap();
        stmt.query_map([job.as_str()], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }
}

/// Replies that take longer than this are lost; a row in doubt is looked up once this plus the
/// engine's grace (2 s) has passed, so the tests stay quick.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(1);

fn client_for(sandbox: &Sandbox, secret: &str) -> Client {
    job_client(sandbox.v3_url(), sandbox.v4_url(), secret, CLIENT_TIMEOUT)
}

fn addresses(n: usize, tag: &str) -> Vec<String> {
    (1..=n)
        .map(|i| format!("{tag}{i:04}@example.com"))
        .collect()
}

fn list_of(addresses: &[String]) -> EmailList {
    let mut text = String::from("email;first name;last name\n");
    for (i, a) in addresses.iter().enumerate() {
        text.push_str(&format!("{a};First{i};Last{i}\n"));
    }
    EmailList::parse(&text, None).unwrap()
}

/// Collects every report, to check what the window would have seen.
#[derive(Default)]
struct Recorder(Mutex<Vec<JobProgress>>);

impl ProgressSink for Recorder {
    fn report(&self, progress: &JobProgress) {
        self.0.lock().unwrap().push(progress.clone());
    }
}

impl Recorder {
    fn all(&self) -> Vec<JobProgress> {
        self.0.lock().unwrap().clone()
    }
}

/// Every run's end, as the app's notifications hear it: kind, state, rows sent.
#[derive(Default)]
struct Ends(Mutex<Vec<(String, JobState, usize)>>);

impl EndSink for Ends {
    fn ended(&self, end: &JobEnd<'_>) {
        self.0
            .lock()
            .unwrap()
            .push((end.kind.to_owned(), end.progress.state, end.progress.sent));
    }
}

async fn wait_for_sends(ctl: &SandboxControl, at_least: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while ctl.emails_sent().len() < at_least {
        assert!(
            Instant::now() < deadline,
            "the sandbox never reached {at_least} sends"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn settle(s: &Setup, job: &JobId) -> JobProgress {
    tokio::time::timeout(Duration::from_secs(120), s.jobs.wait_until_settled(job))
        .await
        .expect("the job settles within two minutes")
        .unwrap()
}

fn assert_accounted(progress: &JobProgress, rows: &[JobRow]) {
    assert_eq!(progress.remaining, 0, "{progress:?}");
    assert_eq!(progress.done(), progress.total);
    assert_eq!(rows.len(), progress.total);
    assert!(
        rows.iter().all(|r| r.status.is_final()),
        "every row has a final status"
    );
}

/// No address e-mailed twice, and every row the journal calls sent was e-mailed exactly once.
fn assert_never_twice(ctl: &SandboxControl, rows: &[JobRow]) {
    for row in rows {
        let count = ctl.emails_sent_to(row.field("email").unwrap());
        assert!(
            count <= 1,
            "{} was e-mailed {count} times",
            row.field("email").unwrap()
        );
        if row.status == RowStatus::Sent {
            assert_eq!(
                count, 1,
                "row {} says sent but the sandbox sent nothing",
                row.row
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_rows_at_concurrency_8_are_all_sent_once_and_reported_after_commit() {
    let s = Setup::new().await;
    s.ctl().set_latency(Duration::from_millis(5));
    let list = list_of(&addresses(200, "bulk"));
    let job = s.create(&list, true, 8);

    // Each report is checked against the journal as another reader sees it: what the window
    // hears must already be on disk.
    let reader = Mutex::new(coupon_desk::db::open(&s.db_path).unwrap());
    let lagging = Arc::new(Mutex::new(Vec::new()));
    let recorder = Arc::new(Recorder::default());
    let sink = {
        let (recorder, lagging, job) = (recorder.clone(), lagging.clone(), job.clone());
        move |p: &JobProgress| {
            let conn = reader.lock().unwrap();
            let on_disk: i64 = conn
                .query_row(
                    "SELECT count(*) FROM job_rows WHERE job_id = ?1 AND status = 'sent'",
                    [job.as_str()],
                    |r| r.get(0),
                )
                .unwrap();
            if (on_disk as usize) < p.sent {
                lagging.lock().unwrap().push((p.sent, on_disk));
            }
            recorder.report(p);
        }
    };
    let started = Instant::now();
    s.jobs.run(&job, s.client.clone(), Arc::new(sink)).unwrap();
    let end = settle(&s, &job).await;
    let elapsed = started.elapsed();

    assert_eq!(end.state, JobState::Finished);
    assert_eq!(
        (end.sent, end.skipped, end.failed, end.unknown),
        (200, 0, 0, 0)
    );
    let rows = s.all_rows(&job);
    assert_accounted(&end, &rows);
    assert_never_twice(&s.ctl(), &rows);
    assert_eq!(s.ctl().emails_sent().len(), 200);
    assert!(rows.iter().all(|r| r
        .field("singleUseUrl")
        .is_some_and(|u| u.starts_with("https://"))));
    assert_eq!(
        s.ctl().request_count("send/email"),
        200,
        "no row was sent twice, not even refused"
    );
    assert_eq!(s.history_outcomes(&job), vec!["ok".to_string(); 200]);

    assert!(
        lagging.lock().unwrap().is_empty(),
        "reported before committed: {:?}",
        lagging.lock().unwrap()
    );
    let reports = recorder.all();
    assert_eq!(reports.first().map(|p| p.state), Some(JobState::Running));
    assert_eq!(reports.last(), Some(&end));
    assert!(
        reports.windows(2).all(|w| w[0].done() <= w[1].done()),
        "progress never goes back"
    );
    let allowed = 3 + (elapsed.as_secs_f64() * 10.0).ceil() as usize;
    assert!(
        reports.len() <= allowed,
        "{} reports in {elapsed:?}: more than ~10 a second",
        reports.len()
    );
    assert!(s.jobs.unfinished().unwrap().is_empty());
    assert!(matches!(
        s.jobs
            .run(&job, s.client.clone(), Arc::new(Recorder::default())),
        Err(JobError::AlreadyDone { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_with_check_unique_end_with_every_row_sent_once() {
    let s = Setup::new().await;
    let ctl = s.ctl();
    ctl.set_latency(Duration::from_millis(10));
    let list = list_of(&addresses(300, "fault"));
    let job = s.create(&list, true, 8);
    // Faults are used up in the order they are injected, by whichever sends come next.
    ctl.inject_on("send/email", Fault::ServerError(503), 4);
    ctl.inject_on("send/email", Fault::DropAfterHandling, 4);
    s.jobs
        .run(&job, s.client.clone(), Arc::new(Recorder::default()))
        .unwrap();
    wait_for_sends(&ctl, 60).await;
    ctl.inject_on("send/email", Fault::DropAfterHandling, 4);
    ctl.inject_on("send/email", Fault::DropConnection, 4);
    ctl.inject_on(
        "send/email",
        Fault::TooManyRequests {
            retry_after_secs: 1,
        },
        3,
    );
    ctl.inject_on("send/email", Fault::ServerError(502), 2);
    let end = settle(&s, &job).await;

    let rows = s.all_rows(&job);
    assert_eq!(end.state, JobState::Finished, "{end:?}");
    assert_accounted(&end, &rows);
    assert_never_twice(&ctl, &rows);
    // With check_unique every doubtful row could be asked again: all of them end up sent.
    assert_eq!(end.sent, 300, "{end:?}");
    assert_eq!(ctl.emails_sent().len(), 300);
    // The lost replies are looked up (couponsession/search) once their request can no longer
    // be running; the sessions they made are found and count as our own sends.
    let confirmed = rows
        .iter()
        .filter(|r| {
            r.message
                .said()
                .as_deref()
                .is_some_and(|m| m.contains("confirmed"))
        })
        .count();
    assert!(
        confirmed >= 4,
        "rows whose reply was lost are confirmed by the look-up, got {confirmed}"
    );
    assert!(rows.iter().all(|r| r.field("singleUseUrl").is_some()));
    assert!(
        ctl.request_count("send/email") >= 300 + 8,
        "the faults were met and the rows sent again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_without_check_unique_are_looked_up_and_never_resent_blind() {
    let s = Setup::new().await;
    let ctl = s.ctl();
    ctl.set_latency(Duration::from_millis(5));
    let list = list_of(&addresses(120, "nocheck"));
    let job = s.create(&list, false, 8);
    ctl.inject_on("send/email", Fault::DropAfterHandling, 3);
    ctl.inject_on("send/email", Fault::ServerError(503), 3);
    ctl.inject_on(
        "send/email",
        Fault::TooManyRequests {
            retry_after_secs: 1,
        },
        2,
    );
    s.jobs
        .run(&job, s.client.clone(), Arc::new(Recorder::default()))
        .unwrap();
    let end = settle(&s, &job).await;

    let rows = s.all_rows(&job);
    assert_eq!(end.state, JobState::Finished);
    assert_accounted(&end, &rows);
    assert_never_twice(&ctl, &rows);
    // The three lost replies reached the server: the look-up finds their sessions, so they are
    // sent (confirmed), not resent; the 503s made nothing, so the look-up finds nothing and they
    // are sent once after it.
    assert_eq!(end.sent, 120, "{end:?}");
    assert_eq!(end.unknown, 0, "{end:?}");
    assert_eq!(end.failed, 0, "a refused (429) request is sent again");
    let confirmed = rows
        .iter()
        .filter(|r| r.message.said().as_deref() == Some("Sent (confirmed after an interruption)."))
        .count();
    assert_eq!(
        confirmed, 3,
        "exactly the DropAfterHandling rows were found by the look-up"
    );
    assert!(rows.iter().all(|r| r.field("singleUseUrl").is_some()));
    assert_eq!(ctl.emails_sent().len(), 120);
    assert!(ctl.request_count("couponsession/search") >= 6);
    assert_eq!(
        s.history_outcomes(&job)
            .iter()
            .filter(|o| *o == "ok")
            .count(),
        120
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_failure_mid_run_pauses_with_the_reason_and_resume_finishes() {
    let s = Setup::new().await;
    let ctl = s.ctl();
    ctl.set_latency(Duration::from_millis(20));
    let list = list_of(&addresses(200, "acct"));
    let job = s.create(&list, true, 4);
    let recorder = Arc::new(Recorder::default());
    s.jobs
        .run(&job, s.client.clone(), recorder.clone())
        .unwrap();
    wait_for_sends(&ctl, 30).await;
    ctl.set_email_integration(false); // Coupontools now answers 104 to every send
    let paused = settle(&s, &job).await;

    assert_eq!(paused.state, JobState::Paused);
    let reason = paused
        .pause_reason
        .clone()
        .expect("the job says why it paused");
    assert!(
        reason.message.said().to_lowercase().contains("e-mail")
            || reason.message.said().to_lowercase().contains("email"),
        "{reason:?}"
    );
    assert!(!reason.hint.said().is_empty());
    assert_eq!(
        paused.failed, 0,
        "rows refused with 104 are not failed, they wait"
    );
    assert!(paused.remaining > 0 && paused.sent < 200);
    assert_eq!(
        recorder.all().last().map(|p| p.state),
        Some(JobState::Paused)
    );
    let waiting = s.jobs.unfinished().unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].pause_reason.as_ref(), Some(&reason));
    assert_eq!(s.jobs.progress(&job).unwrap().pause_reason, Some(reason));

    ctl.set_email_integration(true);
    s.jobs
        .run(&job, s.client.clone(), recorder.clone())
        .unwrap();
    let end = settle(&s, &job).await;
    assert_eq!(end.state, JobState::Finished);
    assert_eq!(end.sent, 200);
    assert_eq!(end.pause_reason, None);
    let rows = s.all_rows(&job);
    assert_accounted(&end, &rows);
    assert_never_twice(&ctl, &rows);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_pause_at_once_and_the_right_ones_resume() {
    let s = Setup::new().await;
    let list = list_of(&addresses(40, "creds"));
    let job = s.create(&list, false, 4);
    let wrong = client_for(&s.sandbox, "wrongSecretWrongSecretWrong123");
    s.jobs
        .run(&job, wrong, Arc::new(Recorder::default()))
        .unwrap();
    let paused = settle(&s, &job).await;
    assert_eq!(paused.state, JobState::Paused);
    assert_eq!(
        (paused.sent, paused.failed, paused.unknown, paused.remaining),
        (0, 0, 0, 40)
    );
    assert!(paused.pause_reason.is_some());
    assert!(s.ctl().emails_sent().is_empty());
    // Without check_unique too: a refused request is not "unknown", it is simply not sent.
    s.jobs
        .run(&job, s.client.clone(), Arc::new(Recorder::default()))
        .unwrap();
    let end = settle(&s, &job).await;
    assert_eq!((end.state, end.sent), (JobState::Finished, 40));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_resume_and_cancel_leave_the_journal_and_the_sandbox_in_agreement() {
    let s = Setup::new().await;
    let ctl = s.ctl();
    ctl.set_latency(Duration::from_millis(15));
    let list = list_of(&addresses(300, "prc"));
    let job = s.create(&list, false, 4);
    let ends = Arc::new(Ends::default());
    s.jobs.on_end(ends.clone());
    s.jobs
        .run(&job, s.client.clone(), Arc::new(Recorder::default()))
        .unwrap();
    wait_for_sends(&ctl, 30).await;
    s.jobs.pause(&job).unwrap();
    let paused = settle(&s, &job).await;
    assert_eq!(paused.state, JobState::Paused);
    assert_eq!(
        *ends.0.lock().unwrap(),
        [("email".to_owned(), JobState::Paused, paused.sent)],
        "each run's end is told once"
    );
    assert_eq!(
        paused.pause_reason, None,
        "a pause by the user has no reason to show"
    );
    assert_eq!(
        (paused.unknown, paused.failed),
        (0, 0),
        "in-flight rows finish before the pause"
    );
    assert_eq!(ctl.emails_sent().len(), paused.sent);
    assert!(paused.sent < 300);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        ctl.emails_sent().len(),
        paused.sent,
        "nothing is sent while paused"
    );
    assert_eq!(s.jobs.unfinished().unwrap().len(), 1);

    s.jobs
        .run(&job, s.client.clone(), Arc::new(Recorder::default()))
        .unwrap();
    assert!(s.jobs.is_running(&job));
    assert!(
        s.jobs.unfinished().unwrap().is_empty(),
        "a job running here is not offered for resuming"
    );
    wait_for_sends(&ctl, paused.sent + 30).await;
    s.jobs.cancel(&job).unwrap();
    let cancelled = settle(&s, &job).await;
    assert_eq!(cancelled.state, JobState::Cancelled);
    assert_eq!(
        ends.0.lock().unwrap().last(),
        Some(&("email".to_owned(), JobState::Cancelled, cancelled.sent))
    );
    assert_eq!(ends.0.lock().unwrap().len(), 2);
    assert!(
        cancelled.remaining > 0,
        "cancelled before the end: {cancelled:?}"
    );
    let rows = s.all_rows(&job);
    assert_never_twice(&ctl, &rows);
    assert_eq!(ctl.emails_sent().len(), cancelled.sent);
    let not_sent: Vec<_> = rows
        .iter()
        .filter(|r| r.status == RowStatus::Pending)
        .collect();
    assert_eq!(not_sent.len(), cancelled.remaining);
    assert!(not_sent
        .iter()
        .all(|r| r.message.said().as_deref() == Some("Not sent — the job was cancelled.")));
    assert!(s.jobs.unfinished().unwrap().is_empty());
    assert!(matches!(
        s.jobs
            .run(&job, s.client.clone(), Arc::new(Recorder::default())),
        Err(JobError::AlreadyDone { .. })
    ));

    let export = s._dir.path().join("results.csv");
    s.jobs
        .export_results_csv(&job, &export, &clients::english)
        .unwrap();
    let text = std::fs::read_to_string(&export).unwrap();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let statuses: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[2].to_string())
        .collect();
    assert_eq!(statuses.len(), 300);
    assert_eq!(
        statuses.iter().filter(|s| *s == "not sent").count(),
        cancelled.remaining
    );
    assert_eq!(
        statuses.iter().filter(|s| *s == "sent").count(),
        cancelled.sent
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_problems_and_bounces_are_never_sent_and_never_stop_the_job() {
    let s = Setup::new().await;
    let ctl = s.ctl();
    let text = "email,first name\n\
                ann@example.com,Ann\n\
                not-an-address,Bad\n\
                ,Nobody\n\
                ANN@example.com,Ann twice\n\
                gone@bounce.test,Gone\n\
                bob@example.com,Bob\n";
    let list = EmailList::parse(text, None).unwrap();
    let job = s.create(&list, true, 2);
    s.jobs
        .run(&job, s.client.clone(), Arc::new(Recorder::default()))
        .unwrap();
    let end = settle(&s, &job).await;
    assert_eq!(end.state, JobState::Finished);
    let rows = s.all_rows(&job);
    let statuses: Vec<_> = rows.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        vec![
            RowStatus::Sent,
            RowStatus::Failed,
            RowStatus::Failed,
            RowStatus::Skipped,
            RowStatus::Failed,
            RowStatus::Sent
        ]
    );
    assert_eq!(
        rows[3].message.said().as_deref(),
        Some("Also on row 1 of the file.")
    );
    // The bounce says why in words (a missing dictionary entry would show its key).
    let bounce = rows[4].message.said().unwrap_or_default();
    assert!(
        bounce.contains(' ') && !bounce.contains("apiError."),
        "the bounce says why: {bounce}"
    );
    assert_eq!(
        ctl.request_count("send/email"),
        3,
        "only the three good addresses went out"
    );
    assert_eq!(ctl.emails_sent_to("ann@example.com"), 1);
    assert_eq!(ctl.emails_sent().len(), 2);
    assert_eq!(
        s.history_outcomes(&job).len(),
        6,
        "every row's outcome is in the history"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_job_to_the_same_addresses_skips_them_with_check_unique() {
    let s = Setup::new().await;
    let list = list_of(&addresses(20, "again"));
    let first = s.create(&list, true, 4);
    s.jobs
        .run(&first, s.client.clone(), Arc::new(Recorder::default()))
        .unwrap();
    assert_eq!(settle(&s, &first).await.sent, 20);
    let second = s.create(&list, true, 4);
    s.jobs
        .run(&second, s.client.clone(), Arc::new(Recorder::default()))
        .unwrap();
    let end = settle(&s, &second).await;
    assert_eq!(
        (end.state, end.sent, end.skipped),
        (JobState::Finished, 0, 20)
    );
    let rows = s.all_rows(&second);
    assert!(rows.iter().all(
        |r| r.message.said().as_deref() == Some("Already had this coupon.")
            && r.field("singleUseUrl").is_some()
    ));
    assert_eq!(s.ctl().emails_sent().len(), 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_refuse_bad_settings_in_plain_words() {
    let s = Setup::new().await;
    let list = list_of(&addresses(3, "bad"));
    for concurrency in [0, 17] {
        let err = s
            .jobs
            .create_email_job("a", "A", s.spec(true, concurrency), &list)
            .unwrap_err();
        assert!(matches!(err, JobError::InvalidConcurrency { .. }));
        assert_eq!(
            coupon_desk::error_kind::ErrorKind::from(&err),
            coupon_desk::error_kind::ErrorKind::Validation
        );
    }
    let mut spec = s.spec(true, 4);
    spec.campaign = "coffee".into();
    let err = s.jobs.create_email_job("a", "A", spec, &list).unwrap_err();
    assert!(matches!(err, JobError::InvalidCampaign { .. }), "{err:?}");
    let only_bad = EmailList::parse("email\nnope\n", None).unwrap();
    assert!(matches!(
        s.jobs
            .create_email_job("a", "A", s.spec(true, 4), &only_bad),
        Err(JobError::NothingToSend)
    ));
    assert!(matches!(
        s.jobs.progress(&JobId::new("job_missing")),
        Err(JobError::NotFound { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_api_address_pauses_with_the_reason_and_marks_no_row_unknown() {
    let s = Setup::new().await;
    // The sandbox answers a path outside its API with a 404 that is not the API.
    let wrong = Client::new(ClientConfig::new(
        Credentials::new(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
        format!("http://{}/wrong", s.sandbox.addr()),
        s.sandbox.v4_url(),
    ))
    .unwrap();
    for check_unique in [false, true] {
        let list = list_of(&addresses(
            25,
            if check_unique { "wrongu" } else { "wrong" },
        ));
        let job = s.create(&list, check_unique, 4);
        let sent_before = s.ctl().emails_sent().len();
        s.jobs
            .run(&job, wrong.clone(), Arc::new(Recorder::default()))
            .unwrap();
        let paused = settle(&s, &job).await;
        assert_eq!(
            paused.state,
            JobState::Paused,
            "check_unique {check_unique}"
        );
        assert_eq!(
            (paused.sent, paused.failed, paused.unknown, paused.remaining),
            (0, 0, 0, 25),
            "nothing was sent, so nothing is unknown (check_unique {check_unique})"
        );
        let reason = paused.pause_reason.clone().expect("the job says why");
        assert!(reason.message.said().contains("HTTP 404"), "{reason:?}");
        assert!(
            reason.hint.said().contains("API addresses in Settings"),
            "{reason:?}"
        );
        let rows = s.all_rows(&job);
        assert!(
            rows.iter()
                .all(|r| r.status == RowStatus::Pending && r.message.is_none()),
            "{rows:?}"
        );
        assert!(s.history_outcomes(&job).is_empty());
        assert_eq!(s.ctl().emails_sent().len(), sent_before);

        // With the right address the same job finishes, every row sent once.
        s.jobs
            .run(&job, s.client.clone(), Arc::new(Recorder::default()))
            .unwrap();
        let end = settle(&s, &job).await;
        assert_eq!((end.state, end.sent), (JobState::Finished, 25));
        assert_never_twice(&s.ctl(), &s.all_rows(&job));
    }
}

// ---- The engine's promises about rows in doubt (one test per defect found in the old engine) ----

fn outcomes_of(s: &Setup, job: &JobId) -> Vec<(String, String)> {
    let conn = coupon_desk::db::open(&s.db_path).unwrap();
    let mut stmt = conn
        .prepare("SELECT target, outcome FROM history WHERE job_id = ?1 ORDER BY id")
        .unwrap();
    stmt.query_map([job.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// 1. Stopping a job while a row's request may have gone out: the row is "unknown", exported and
/// recorded as such — never "not sent".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_while_a_send_is_in_doubt_leaves_it_unknown_not_unsent() {
    let s = Setup::new().await;
    let ctl = s.ctl();
    // Handling outlasts the client's timeout: the first two requests time out, then send.
    ctl.set_slow_handling(CLIENT_TIMEOUT + Duration::from_millis(500));
    let list = list_of(&addresses(6, "doubt"));
    let job = s.create(&list, true, 2);
    s.jobs
        .run(&job, s.client.clone(), Arc::new(Recorder::default()))
        .unwrap();
    // After the timeout, before the look-up (timeout + 2 s grace): the two rows wait in doubt.
    tokio::time::sleep(CLIENT_TIMEOUT + Duration::from_millis(700)).await;
    s.jobs.cancel(&job).unwrap();
    let end = settle(&s, &job).await;
    assert_eq!(end.state, JobState::Cancelled, "{end:?}");
    let rows = s.all_rows(&job);
    let unknown: Vec<_> = rows
        .iter()
        .filter(|r| r.status == RowStatus::Unknown)
        .collect();
    assert_eq!(unknown.len(), 2, "{rows:?}");
    for row in &unknown {
        let email = row.field("email").unwrap();
        assert_eq!(
            ctl.emails_sent_to(email),
            1,
            "the slow send did go out: {email}"
        );
    }
    assert!(rows
        .iter()
        .filter(|r| r.status == RowStatus::Pending)
        .all(|r| r.message.said().as_deref() == Some("Not sent — the job was cancelled.")));
    let history = outcomes_of(&s, &job);
    assert_eq!(history.iter().filter(|(_, o)| o == "unknown").count(), 2);
    let export = s._dir.path().join("cancelled.csv");
    s.jobs
        .export_results_csv(&job, &export, &clients::english)
        .unwrap();
    let text = std::fs::read_to_string(&export).unwrap();
    assert_eq!(text.matches(",unknown,").count(), 2, "{text}");
    assert_eq!(text.matches(",not sent,").count(), 4, "{text}");
}

/// 2. A timed-out request is never followed by a second one while the first may still run, even
/// where check_unique is not atomic on the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_send_is_looked_up_not_resent_while_it_may_still_run() {
    let s = Setup::new().await;
    let ctl = s.ctl();
    ctl.set_slow_handling(CLIENT_TIMEOUT + Duration::from_millis(600));
    ctl.set_atomic_check_unique(false);
    let list = list_of(&addresses(12, "slow"));
    let job = s.create(&list, true, 4);
    s.jobs
        .run(&job, s.client.clone(), Arc::new(Recorder::default()))
        .unwrap();
    let end = settle(&s, &job).await;
    let rows = s.all_rows(&job);
    assert_eq!(
        (end.state, end.sent, end.unknown),
        (JobState::Finished, 12, 0),
        "{end:?}"
    );
    assert_never_twice(&ctl, &rows);
    assert_eq!(ctl.emails_sent().len(), 12);
    assert_eq!(
        ctl.max_concurrent_sends_for_one_address(),
        1,
        "never two requests for one address at once"
    );
    assert!(rows.iter().all(|r| r.field("singleUseUrl").is_some()));
    assert!(rows
        .iter()
        .all(|r| r.message.said().as_deref() == Some("Sent (confirmed after an interruption).")));
}

/// 3. A row whose first request may have delivered is not marked failed by a later refusal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_after_a_lost_reply_does_not_hide_the_first_send() {
    let s = Setup::new().await;
    let ctl = s.ctl();
    let list = list_of(&addresses(1, "refused"));
    let job = s.create(&list, true, 1);
    ctl.inject_on("send/email", Fault::DropAfterHandling, 1);
    // Whatever comes next for the address is refused in Coupontools' words.
    ctl.inject_on(
        "send/email",
        Fault::Refuse {
            code: 604,
            description: "Email not sent. Reason: try later".into(),
        },
        1,
    );
    s.jobs
        .run(&job, s.client.clone(), Arc::new(Recorder::default()))
        .unwrap();
    let end = settle(&s, &job).await;
    let rows = s.all_rows(&job);
    assert_eq!(rows[0].status, RowStatus::Sent, "{rows:?}");
    assert!(rows[0].field("singleUseUrl").is_some());
    assert_eq!(end.failed, 0);
    assert_eq!(ctl.emails_sent().len(), 1);
    assert_eq!(
        ctl.request_count("send/email"),
        1,
        "the look-up made a resend needless"
    );
}

/// 4. An OK reply without `action` is not "already sent": the address is looked up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_whose_reply_lacks_its_action_is_looked_up_not_skipped() {
    let s = Setup::new().await;
    let ctl = s.ctl();
    for (fault, tag) in [
        (Fault::OkWithoutAction, "noaction"),
        (Fault::StatusAsString, "strstatus"),
    ] {
        let list = list_of(&addresses(3, tag));
        let job = s.create(&list, true, 1);
        ctl.inject_on("send/email", fault, 1);
        s.jobs
            .run(&job, s.client.clone(), Arc::new(Recorder::default()))
            .unwrap();
        let end = settle(&s, &job).await;
        assert_eq!(
            (end.sent, end.skipped, end.unknown),
            (3, 0, 0),
            "{tag}: {end:?}"
        );
        let rows = s.all_rows(&job);
        assert_never_twice(&ctl, &rows);
        assert!(rows
            .iter()
            .all(|r| ctl.emails_sent_to(r.field("email").unwrap()) == 1));
    }
}

/// 5. A run of identical refusals is an account problem: the job pauses instead of failing a
/// whole list row by row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_identical_refusals_in_a_row_pause_the_job_with_their_reason() {
    let s = Setup::new().await;
    let bounced: Vec<String> = (1..=40).map(|i| format!("guest{i}@bounce.test")).collect();
    let job = s.create(&list_of(&bounced), true, 1);
    s.jobs
        .run(&job, s.client.clone(), Arc::new(Recorder::default()))
        .unwrap();
    let end = settle(&s, &job).await;
    assert_eq!(end.state, JobState::Paused, "{end:?}");
    assert_eq!(
        end.failed,
        coupon_desk::jobs::SAME_REFUSAL_PAUSE_AFTER,
        "{end:?}"
    );
    assert_eq!(
        end.remaining,
        40 - coupon_desk::jobs::SAME_REFUSAL_PAUSE_AFTER
    );
    let reason = end.pause_reason.expect("a reason");
    assert!(reason.message.said().contains("same reason"), "{reason:?}");
    assert!(
        reason.message.said().contains("bounce"),
        "the refusal's own words: {reason:?}"
    );
    assert!(reason.hint.said().contains("Resume"), "{reason:?}");
}

/// 6. A row status this version does not know is in doubt: shown as unknown, never sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_status_the_journal_does_not_know_is_never_sent() {
    let s = Setup::new().await;
    let list = list_of(&addresses(3, "future"));
    let job = s.create(&list, true, 1);
    {
        let conn = coupon_desk::db::open(&s.db_path).unwrap();
        conn.execute(
            "UPDATE job_rows SET status = 'handed_to_partner' WHERE job_id = ?1 AND row = 2",
            [job.as_str()],
        )
        .unwrap();
    }
    s.jobs
        .run(&job, s.client.clone(), Arc::new(Recorder::default()))
        .unwrap();
    let end = settle(&s, &job).await;
    let rows = s.all_rows(&job);
    assert_eq!(rows[1].status, RowStatus::Unknown, "{rows:?}");
    assert_eq!(s.ctl().emails_sent_to(rows[1].field("email").unwrap()), 0);
    assert_eq!((end.sent, end.unknown), (2, 1), "{end:?}");
}

/// The journal of the previous version (schema step 2: e-mail tables) is carried over with its
/// unfinished job, which then finishes without sending anything twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unfinished_email_job_of_the_previous_version_is_carried_over_and_finishes() {
    let s = Setup::new().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite3");
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        coupon_desk::db::migrate_to(&mut conn, coupon_desk::db::GENERIC_JOURNAL_STEP - 1).unwrap();
        // Written as the previous version's journal did.
        conn.execute_batch(&format!(
            "INSERT INTO email_jobs (id, created_at, account_id, account_name, campaign, subject,
                 check_unique, concurrency, state, total)
             VALUES ('job_old', '2026-11-01T10:00:00Z', 'acc_old', 'Old bakery', '{campaign}',
                 'Hello again', 0, 2, 'running', 5);
             INSERT INTO email_job_rows (job_id, row, email, first_name, last_name, status, attempts,
                 maybe_sent, single_use_code, single_use_url, message, updated_at) VALUES
             ('job_old', 1, 'old1@example.com', 'Ann', NULL, 'sent', 1, 0, 'aaaaaaaaaaaaaaaaaaaa1',
                 'https://digicpn.com/p/x/aaaaaaaaaaaaaaaaaaaa1', NULL, '2026-11-01T10:00:01Z'),
             ('job_old', 2, 'not-an-address', NULL, NULL, 'failed', 0, 0, NULL, NULL,
                 'Not a valid e-mail address — not sent.', '2026-11-01T10:00:00Z'),
             ('job_old', 3, 'old3@example.com', NULL, NULL, 'in_flight', 1, 0, NULL, NULL, NULL,
                 '2026-11-01T10:00:02Z'),
             ('job_old', 4, 'old4@example.com', NULL, NULL, 'pending', 0, 0, NULL, NULL, NULL,
                 '2026-11-01T10:00:00Z'),
             ('job_old', 5, 'old5@example.com', NULL, NULL, 'pending', 0, 0, NULL, NULL, NULL,
                 '2026-11-01T10:00:00Z');",
            campaign = s.campaign
        ))
        .unwrap();
    }
    let jobs = JobManager::open(path.clone()).unwrap();
    let waiting = jobs.unfinished().unwrap();
    assert_eq!(waiting.len(), 1);
    let old = &waiting[0];
    assert_eq!(old.job_id.as_str(), "job_old");
    assert_eq!((old.kind.as_str(), old.total, old.done), ("email", 5, 2));
    assert_eq!(old.label.as_deref(), Some(s.campaign.as_str()));
    assert_eq!(old.spec["subject"], "Hello again");
    assert_eq!(old.spec["checkUnique"], false);
    let rows = jobs.rows(&old.job_id, 0, 10).unwrap().rows;
    assert_eq!(rows[0].field("firstName"), Some("Ann"));
    assert_eq!(
        rows[0].field("singleUseUrl"),
        Some("https://digicpn.com/p/x/aaaaaaaaaaaaaaaaaaaa1")
    );
    assert!(
        rows[2].in_doubt,
        "the row on its way at the old crash is in doubt"
    );
    // The old version kept its messages worded: they read as they were written.
    assert_eq!(
        rows[1].message.said().as_deref(),
        Some("Not a valid e-mail address — not sent.")
    );

    jobs.run(&old.job_id, s.client.clone(), Arc::new(Recorder::default()))
        .unwrap();
    let end = tokio::time::timeout(
        Duration::from_secs(60),
        jobs.wait_until_settled(&old.job_id),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(end.state, JobState::Finished, "{end:?}");
    let ctl = s.ctl();
    assert_eq!(
        ctl.emails_sent_to("old1@example.com"),
        0,
        "sent by the old version, not again"
    );
    for email in ["old3@example.com", "old4@example.com", "old5@example.com"] {
        assert_eq!(ctl.emails_sent_to(email), 1, "{email}");
    }
    assert_eq!((end.sent, end.failed), (4, 1), "{end:?}");
}

/// Long work on the journal (creating a large job) makes a history line wait, not fail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_history_line_written_while_a_large_job_is_created_is_not_lost() {
    let s = Setup::new().await;
    let list = list_of(&addresses(60_000, "big"));
    let creator = s.jobs.clone();
    let spec = s.spec(true, 4);
    let creating = std::thread::spawn(move || {
        creator
            .create_email_job("acc_test", "Test bakery", spec, &list)
            .unwrap()
    });
    std::thread::sleep(Duration::from_millis(50));
    s.jobs
        .record_history(&coupon_desk::history::NewEntry {
            account_id: "acc_test",
            account: "Test bakery",
            action: "test_connection",
            campaign: None,
            target: None,
            outcome: coupon_desk::history::Outcome::Ok,
            detail: None,
            job_id: None,
        })
        .expect("the line waits for the job's transaction instead of failing");
    let job = creating.join().unwrap();
    assert_eq!(s.jobs.rows(&job, 59_999, 1).unwrap().total, 60_000);
    let conn = coupon_desk::db::open(&s.db_path).unwrap();
    let lines: i64 = conn
        .query_row(
            "SELECT count(*) FROM history WHERE action = 'test_connection'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(lines, 1);
}

/// Issue #16, case 6: the computer's clock six minutes fast (the server's six minutes behind).
/// A lost reply is settled by the server's clock, told by its `Date` headers: the session the
/// lost request made is found as ours and the address is e-mailed once. With the computer's
/// clock and a five-minute window it looked older than the request and was sent again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_computer_clock_six_minutes_fast_never_sends_a_lost_reply_twice() {
    for offset_minutes in [-6i64, 6] {
        let s = Setup::new().await;
        let ctl = s.ctl();
        ctl.set_clock_offset(time::Duration::minutes(offset_minutes));
        let list = list_of(&addresses(3, &format!("clock{}", offset_minutes + 10)));
        // Without check_unique: nothing but the look-up stands between a lost reply and a
        // second e-mail.
        let job = s.create(&list, false, 1);
        ctl.inject_on("send/email", Fault::DropAfterHandling, 3);
        s.jobs
            .run(&job, s.client.clone(), Arc::new(Recorder::default()))
            .unwrap();
        let end = settle(&s, &job).await;
        let rows = s.all_rows(&job);
        assert_eq!((end.sent, end.unknown), (3, 0), "{offset_minutes}: {end:?}");
        assert_never_twice(&ctl, &rows);
        assert_eq!(ctl.emails_sent().len(), 3, "offset {offset_minutes} min");
        assert!(rows.iter().all(|r| r.field("singleUseUrl").is_some()));
    }
}

/// Issue #16: an earlier send to the same address by another desk a minute before this job's
/// request is not taken for this job's lost send (without check_unique the address gets the
/// coupon once more, from this job, as asked).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_desks_send_a_minute_earlier_is_not_taken_for_a_lost_one() {
    let s = Setup::new().await;
    let ctl = s.ctl();
    let address = "twice.asked@example.com";
    // Another desk sent it "a minute ago" by the server's clock.
    ctl.set_clock_offset(time::Duration::minutes(-1));
    let other_desk = client_for(&s.sandbox, DEMO_CLIENT_SECRET);
    other_desk
        .email()
        .send(&coupon_desk::api::EmailCouponRequest {
            campaign: s.campaign.clone(),
            email: address.into(),
            ..Default::default()
        })
        .await
        .unwrap();
    ctl.set_clock_offset(time::Duration::ZERO);
    // This job's request never reached the handler (cut before), so only the other desk's
    // session exists when the row is looked up.
    let job = s.create(&list_of(&[address.to_owned()]), false, 1);
    ctl.inject_on("send/email", Fault::DropConnection, 1);
    s.jobs
        .run(&job, s.client.clone(), Arc::new(Recorder::default()))
        .unwrap();
    let end = settle(&s, &job).await;
    let rows = s.all_rows(&job);
    assert_eq!((end.sent, end.unknown), (1, 0), "{end:?}");
    assert_eq!(rows[0].status, RowStatus::Sent);
    assert_eq!(
        ctl.emails_sent_to(address),
        2,
        "the other desk's e-mail and this job's: the earlier one was not claimed"
    );
}

/// The account's limiter against a server that limits it (#19): a job at Automatic under a
/// 10-a-second token bucket gets refused at first (it starts faster than that), and from each
/// refusal on sends nothing until the `Retry-After` has passed; every row ends sent, none twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_a_rate_limit_nothing_leaves_during_a_retry_after_and_no_row_fails() {
    let s = Setup::new().await;
    let ctl = s.ctl();
    ctl.set_latency(Duration::from_millis(20));
    ctl.set_rate_limit(10, 0);
    let list = list_of(&addresses(60, "limited"));
    let job = s.create(&list, true, coupon_desk::jobs::DEFAULT_CONCURRENCY);
    let recorder = Arc::new(Recorder::default());
    s.jobs
        .run(&job, s.client.clone(), recorder.clone())
        .unwrap();
    let end = settle(&s, &job).await;

    let rows = s.all_rows(&job);
    assert_eq!(end.state, JobState::Finished, "{end:?}");
    assert_accounted(&end, &rows);
    assert_never_twice(&ctl, &rows);
    assert_eq!((end.sent, end.failed, end.unknown), (60, 0, 0), "{end:?}");
    assert!(
        ctl.rate_limited_count() > 0,
        "the job met the limit (else this test shows nothing)"
    );
    // A request that left before the refusal reached the client may arrive just after it.
    const IN_TRANSIT: Duration = Duration::from_millis(50);
    let arrivals = ctl.rate_limited_arrivals();
    for refusal in arrivals.iter().filter(|a| a.retry_after.is_some()) {
        let pause_end = refusal.at + refusal.retry_after.unwrap_or_default();
        let during: Vec<_> = arrivals
            .iter()
            .filter(|a| a.at > refusal.at + IN_TRANSIT && a.at < pause_end)
            .map(|a| a.at - refusal.at)
            .collect();
        assert!(
            during.is_empty(),
            "requests arrived {during:?} after a refusal that asked for {:?}",
            refusal.retry_after
        );
    }
    // The panel's figures: the share of the account's limiter, the refusals counted.
    let seen = recorder.0.lock().unwrap();
    let speeds: Vec<_> = seen.iter().filter_map(|p| p.speed).collect();
    assert!(!speeds.is_empty(), "running reports carry the speed");
    assert!(speeds
        .iter()
        .all(|s| s.automatic && (1..=16).contains(&s.at_once)));
    assert!(
        speeds
            .iter()
            .any(|s| s.refused > 0 && s.per_second.is_some()),
        "after a refusal the panel shows it and the pace: {speeds:?}"
    );
}
