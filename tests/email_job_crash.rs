//! The crash test: a bulk run of 1 000 rows is killed hard (SIGKILL) partway, a new process
//! resumes it, and nobody is e-mailed twice.
//!
//! The "app" is this test binary run again as a child process: the parent starts the sandbox and
//! keeps it (so its counts survive the kill), the child runs the job with the journal in a temp
//! folder. See `crash_worker`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use coupon_desk::api::{CampaignFilter, Client, ClientConfig, Credentials};
use coupon_desk::jobs::{EmailJobSpec, EmailList, JobManager, JobState, NoProgress};
use coupon_desk::sandbox::{Sandbox, SandboxConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};

const ROWS: usize = 1_000;
const KILL_AFTER_SENDS: usize = 300;

const MODE: &str = "COUPON_DESK_CRASH_WORKER";
const V3: &str = "COUPON_DESK_CRASH_V3";
const V4: &str = "COUPON_DESK_CRASH_V4";
const DB: &str = "COUPON_DESK_CRASH_DB";
const CAMPAIGN: &str = "COUPON_DESK_CRASH_CAMPAIGN";
const CHECK_UNIQUE: &str = "COUPON_DESK_CRASH_CHECK_UNIQUE";
const EXPORT: &str = "COUPON_DESK_CRASH_EXPORT";

fn address(i: usize) -> String {
    format!("crash{i:04}@example.com")
}

fn client(v3: String, v4: String) -> Client {
    Client::new(ClientConfig::new(
        Credentials::new(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
        v3,
        v4,
    ))
    .unwrap()
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is set by the parent test"))
}

/// The child's side. When `COUPON_DESK_CRASH_WORKER` is not set (a normal `cargo test` run) this
/// returns at once and checks nothing: it only acts inside the child processes that the two
/// crash tests below start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_worker() {
    let Ok(mode) = std::env::var(MODE) else {
        return;
    };
    let client = client(env(V3), env(V4));
    let jobs = JobManager::open(PathBuf::from(env(DB))).unwrap();
    match mode.as_str() {
        "start" => {
            let mut text = String::from("email\n");
            for i in 1..=ROWS {
                text.push_str(&address(i));
                text.push('\n');
            }
            let list = EmailList::parse(&text, None).unwrap();
            let spec = EmailJobSpec {
                campaign: env(CAMPAIGN),
                subject: None,
                check_unique: env(CHECK_UNIQUE) == "1",
                concurrency: 8,
            };
            let job = jobs
                .create_email_job("acc_crash", "Crash shop", spec, &list)
                .unwrap();
            jobs.run(&job, client, Arc::new(NoProgress)).unwrap();
            // The parent kills this process long before the job can end.
            jobs.wait_until_settled(&job).await.unwrap();
        }
        "resume" => {
            let waiting = jobs.unfinished().unwrap();
            assert_eq!(
                waiting.len(),
                1,
                "the interrupted job is offered for resuming"
            );
            assert_eq!(
                waiting[0].state,
                JobState::Running,
                "interrupted, not paused"
            );
            assert!(waiting[0].done < ROWS);
            let job = waiting[0].job_id.clone();
            jobs.run(&job, client, Arc::new(NoProgress)).unwrap();
            let end = jobs.wait_until_settled(&job).await.unwrap();
            assert_eq!(end.state, JobState::Finished, "{end:?}");
            jobs.export_results_csv(&job, Path::new(&env(EXPORT)))
                .unwrap();
        }
        other => panic!("unknown worker mode {other}"),
    }
}

struct Child {
    command: Command,
}

impl Child {
    fn new(
        mode: &str,
        sandbox: &Sandbox,
        db: &Path,
        campaign: &str,
        check_unique: bool,
        export: &Path,
    ) -> Child {
        let mut command = Command::new(std::env::current_exe().unwrap());
        command
            .args(["--exact", "crash_worker", "--nocapture", "--test-threads=1"])
            .env(MODE, mode)
            .env(V3, sandbox.v3_url())
            .env(V4, sandbox.v4_url())
            .env(DB, db)
            .env(CAMPAIGN, campaign)
            .env(CHECK_UNIQUE, if check_unique { "1" } else { "0" })
            .env(EXPORT, export);
        Child { command }
    }
}

fn count_rows(db: &Path, status: &str) -> usize {
    let conn = coupon_desk::db::open(db).unwrap();
    let n: i64 = conn
        .query_row(
            "SELECT count(*) FROM email_job_rows WHERE status = ?1",
            [status],
            |r| r.get(0),
        )
        .unwrap();
    n as usize
}

/// Runs the job in a child, SIGKILLs it after `KILL_AFTER_SENDS` sends, resumes it in a second
/// child. Returns the export's records (row, email, status, url, message) and the number of
/// rows that were in flight at the kill.
async fn crash_and_resume(check_unique: bool) -> (Sandbox, Vec<Vec<String>>, usize) {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let ctl = sandbox.control();
    // Slow enough that the kill lands mid-run with requests on their way.
    ctl.set_latency(Duration::from_millis(20));
    let campaigns = client(sandbox.v3_url(), sandbox.v4_url())
        .list_campaigns(&CampaignFilter {
            only_active: true,
            ..Default::default()
        })
        .await
        .unwrap();
    let campaign = campaigns[0].id.to_string();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.sqlite3");
    let export = dir.path().join("results.csv");

    let mut first = Child::new("start", &sandbox, &db, &campaign, check_unique, &export)
        .command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while ctl.emails_sent().len() < KILL_AFTER_SENDS {
        assert!(
            first.try_wait().unwrap().is_none(),
            "the first run ended before it was killed"
        );
        assert!(
            Instant::now() < deadline,
            "the first run never reached {KILL_AFTER_SENDS} sends"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    first.kill().unwrap(); // SIGKILL on Unix: no clean-up, no last words
    first.wait().unwrap();
    let sent_at_kill = ctl.emails_sent().len();
    assert!(
        sent_at_kill < ROWS,
        "killed partway, after {sent_at_kill} sends"
    );
    let in_flight = count_rows(&db, "in_flight");
    eprintln!("killed after {sent_at_kill} sends with {in_flight} rows in flight");

    let mut second = Child::new("resume", &sandbox, &db, &campaign, check_unique, &export).command;
    // The sandbox lives on this runtime: wait for the child off it so the sandbox keeps serving.
    let output = tokio::task::spawn_blocking(move || second.output())
        .await
        .unwrap()
        .unwrap();
    assert!(
        output.status.success(),
        "the resumed run failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );

    let text = std::fs::read_to_string(&export).unwrap();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let records: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    (sandbox, records, in_flight)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_run_with_check_unique_resumes_and_emails_everyone_exactly_once() {
    let (sandbox, records, _in_flight) = crash_and_resume(true).await;
    let ctl = sandbox.control();
    for i in 1..=ROWS {
        assert_eq!(
            ctl.emails_sent_to(&address(i)),
            1,
            "{} e-mailed once",
            address(i)
        );
    }
    assert_eq!(ctl.emails_sent().len(), ROWS);
    assert_eq!(records.len(), ROWS, "the export has every row");
    for (i, record) in records.iter().enumerate() {
        assert_eq!(record[0], (i + 1).to_string());
        assert_eq!(record[1], address(i + 1));
        assert_eq!(record[2], "sent", "row {}: {record:?}", i + 1);
        assert!(
            record[3].starts_with("https://"),
            "row {} has its single-use URL",
            i + 1
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_run_without_check_unique_leaves_in_flight_rows_unknown_and_sends_nothing_twice()
{
    let (sandbox, records, in_flight) = crash_and_resume(false).await;
    let ctl = sandbox.control();
    assert_eq!(records.len(), ROWS);
    let mut unknown = 0;
    for record in &records {
        let count = ctl.emails_sent_to(&record[1]);
        match record[2].as_str() {
            "sent" => assert_eq!(count, 1, "{record:?}"),
            "unknown" => {
                assert!(count <= 1, "{record:?}");
                assert_eq!(
                    record[4],
                    "Unknown — the e-mail may have been sent. Check before resending."
                );
                unknown += 1;
            }
            other => panic!("unexpected status {other} in {record:?}"),
        }
    }
    assert_eq!(
        unknown, in_flight,
        "exactly the rows on their way at the kill are left to the user"
    );
    for i in 1..=ROWS {
        assert!(ctl.emails_sent_to(&address(i)) <= 1);
    }
}
