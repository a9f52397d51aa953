//! Bulk e-mail jobs end to end: the real job runner and the real client against the sandbox over
//! HTTP, with the journal in a temporary folder.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use coupon_desk::api::{CampaignFilter, Client, ClientConfig, Credentials};
use coupon_desk::jobs::{
    EmailJobSpec, EmailList, JobError, JobId, JobManager, JobProgress, JobRow, JobState,
    ProgressSink, RowStatus,
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
            .list_campaigns(&CampaignFilter {
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

fn client_for(sandbox: &Sandbox, secret: &str) -> Client {
    Client::new(ClientConfig::new(
        Credentials::new(DEMO_CLIENT_ID, secret),
        sandbox.v3_url(),
        sandbox.v4_url(),
    ))
    .unwrap()
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
        let count = ctl.emails_sent_to(&row.email);
        assert!(count <= 1, "{} was e-mailed {count} times", row.email);
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
                    "SELECT count(*) FROM email_job_rows WHERE job_id = ?1 AND status = 'sent'",
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
        .single_use_url
        .as_deref()
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
    // The four lost replies before the start hit four different rows (a retry waits 500 ms);
    // their resend is answered "already sent", which counts as our own send.
    let confirmed = rows
        .iter()
        .filter(|r| {
            r.message
                .as_deref()
                .is_some_and(|m| m.contains("confirmed"))
        })
        .count();
    assert!(
        confirmed >= 4,
        "rows whose reply was lost are confirmed by the resend, got {confirmed}"
    );
    assert!(rows.iter().all(|r| r.single_use_url.is_some()));
    assert!(
        ctl.request_count("send/email") >= 300 + 8,
        "the faults were met and the rows sent again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_without_check_unique_are_never_resent_and_end_unknown() {
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
    // The three lost replies reached the server: their rows are left to the user, not resent.
    assert!(end.unknown >= 3, "{end:?}");
    assert_eq!(
        end.failed, 0,
        "a refused (429) request is sent again, it does not fail the row"
    );
    let unknown: Vec<_> = rows
        .iter()
        .filter(|r| r.status == RowStatus::Unknown)
        .collect();
    assert!(unknown.iter().all(|r| r.message.as_deref()
        == Some("Unknown — the e-mail may have been sent. Check before resending.")));
    let lost_but_sent = unknown
        .iter()
        .filter(|r| ctl.emails_sent_to(&r.email) == 1)
        .count();
    assert_eq!(
        lost_but_sent, 3,
        "exactly the DropAfterHandling rows went out without a reply"
    );
    assert_eq!(ctl.emails_sent().len(), end.sent + lost_but_sent);
    assert_eq!(
        s.history_outcomes(&job)
            .iter()
            .filter(|o| *o == "unknown")
            .count(),
        end.unknown
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
        reason.message.to_lowercase().contains("e-mail")
            || reason.message.to_lowercase().contains("email"),
        "{reason:?}"
    );
    assert!(!reason.hint.is_empty());
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
    s.jobs
        .run(&job, s.client.clone(), Arc::new(Recorder::default()))
        .unwrap();
    wait_for_sends(&ctl, 30).await;
    s.jobs.pause(&job).unwrap();
    let paused = settle(&s, &job).await;
    assert_eq!(paused.state, JobState::Paused);
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
        .all(|r| r.message.as_deref() == Some("Not sent — the job was cancelled.")));
    assert!(s.jobs.unfinished().unwrap().is_empty());
    assert!(matches!(
        s.jobs
            .run(&job, s.client.clone(), Arc::new(Recorder::default())),
        Err(JobError::AlreadyDone { .. })
    ));

    let export = s._dir.path().join("results.csv");
    s.jobs.export_results_csv(&job, &export).unwrap();
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
        rows[3].message.as_deref(),
        Some("Also on row 1 of the file.")
    );
    assert!(
        rows[4].message.as_deref().is_some_and(|m| !m.is_empty()),
        "the bounce says why"
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
    assert!(rows
        .iter()
        .all(|r| r.message.as_deref() == Some("Already had this coupon.")
            && r.single_use_url.is_some()));
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
        assert_eq!(err.kind(), "validation");
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
        assert!(reason.message.contains("HTTP 404"), "{reason:?}");
        assert!(
            reason.hint.contains("API addresses in Settings"),
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
