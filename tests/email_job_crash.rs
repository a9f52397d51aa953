//! The crash tests: a bulk run of 1 000 rows is killed hard (SIGKILL) partway, a new process
//! resumes it, and nobody is e-mailed twice; and a randomized run of many small jobs, each with
//! a random mix of faults and a kill at a random point, after which the sandbox's counts and the
//! job's rows must agree.
//!
//! The "app" is this test binary run again as a child process: the parent starts the sandbox and
//! keeps it (so its counts survive the kill), the child runs the job with the journal in a temp
//! folder. See `crash_worker`.

#[path = "support/clients.rs"]
mod clients;
use clients::job_client;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use coupon_desk::api::{CampaignFilter, Client};
use coupon_desk::jobs::{EmailJobSpec, EmailList, JobManager, JobState, NoProgress};
use coupon_desk::sandbox::{Fault, Sandbox, SandboxConfig, DEMO_CLIENT_SECRET};
use rand::Rng;

const ROWS: usize = 1_000;
const KILL_AFTER_SENDS: usize = 300;

const MODE: &str = "COUPON_DESK_CRASH_WORKER";
const V3: &str = "COUPON_DESK_CRASH_V3";
const V4: &str = "COUPON_DESK_CRASH_V4";
const DB: &str = "COUPON_DESK_CRASH_DB";
const CAMPAIGN: &str = "COUPON_DESK_CRASH_CAMPAIGN";
const CHECK_UNIQUE: &str = "COUPON_DESK_CRASH_CHECK_UNIQUE";
const EXPORT: &str = "COUPON_DESK_CRASH_EXPORT";
const ROW_COUNT: &str = "COUPON_DESK_CRASH_ROWS";
const CONCURRENCY: &str = "COUPON_DESK_CRASH_CONCURRENCY";

/// Short, so a row in doubt is looked up about three seconds after its request left.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(1);

fn address(i: usize) -> String {
    format!("crash{i:04}@example.com")
}

fn client(v3: String, v4: String) -> Client {
    job_client(v3, v4, DEMO_CLIENT_SECRET, CLIENT_TIMEOUT)
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
    let rows: usize = std::env::var(ROW_COUNT)
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(ROWS);
    let concurrency: u8 = std::env::var(CONCURRENCY)
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(8);
    match mode.as_str() {
        "start" => {
            let mut text = String::from("email\n");
            for i in 1..=rows {
                text.push_str(&address(i));
                text.push('\n');
            }
            let list = EmailList::parse(&text, None).unwrap();
            let spec = EmailJobSpec {
                campaign: env(CAMPAIGN),
                subject: None,
                check_unique: env(CHECK_UNIQUE) == "1",
                concurrency,
            };
            let job = jobs
                .create_email_job("acc_crash", "Crash shop", spec, &list)
                .unwrap();
            std::fs::write(format!("{}.job", env(DB)), job.as_str()).unwrap();
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
            assert!(waiting[0].done < rows);
            let job = waiting[0].job_id.clone();
            jobs.run(&job, client, Arc::new(NoProgress)).unwrap();
            let end = jobs.wait_until_settled(&job).await.unwrap();
            assert_eq!(end.state, JobState::Finished, "{end:?}");
            jobs.export_results_csv(&job, Path::new(&env(EXPORT)), &clients::english)
                .unwrap();
        }
        // The randomized runs: the first run may have ended before its kill, or paused on a fault
        // that looked like an account failure; resume whatever is left, then export.
        "finish" => {
            let job = match jobs.unfinished().unwrap().first() {
                Some(waiting) => {
                    let job = waiting.job_id.clone();
                    jobs.run(&job, client, Arc::new(NoProgress)).unwrap();
                    let end = jobs.wait_until_settled(&job).await.unwrap();
                    assert_ne!(end.state, JobState::Running, "{end:?}");
                    job
                }
                None => std::fs::read_to_string(format!("{}.job", env(DB)))
                    .map(|id| coupon_desk::jobs::JobId::new(id.trim()))
                    .expect("the first run noted its job"),
            };
            jobs.export_results_csv(&job, Path::new(&env(EXPORT)), &clients::english)
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
            .env(EXPORT, export)
            .env_remove(ROW_COUNT)
            .env_remove(CONCURRENCY);
        Child { command }
    }
}

fn count_rows(db: &Path, status: &str) -> usize {
    let conn = coupon_desk::db::open(db).unwrap();
    let n: i64 = conn
        .query_row(
            "SELECT count(*) FROM job_rows WHERE status = ?1",
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
        .campaigns()
        .list(&CampaignFilter {
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
async fn killed_mid_run_without_check_unique_looks_up_the_rows_in_flight_and_emails_everyone_once()
{
    let (sandbox, records, in_flight) = crash_and_resume(false).await;
    let ctl = sandbox.control();
    assert_eq!(records.len(), ROWS);
    let mut confirmed = 0;
    for record in &records {
        assert_eq!(record[2], "sent", "{record:?}");
        assert_eq!(ctl.emails_sent_to(&record[1]), 1, "{record:?}");
        if record[4] == "Sent (confirmed after an interruption)." {
            confirmed += 1;
        }
    }
    // A row in flight at the kill was either handled by the sandbox (found by the look-up) or
    // not (sent once after it); never both, never unknown.
    assert!(
        confirmed <= in_flight,
        "{confirmed} confirmed, {in_flight} in flight"
    );
    eprintln!("{in_flight} rows in flight at the kill, {confirmed} of them found by the look-up");
}

/// One randomized run's faults, drawn from the kinds a real connection produces.
fn random_fault(rng: &mut impl Rng) -> Fault {
    match rng.random_range(0..6) {
        0 => Fault::DropAfterHandling,
        1 => Fault::DropConnection,
        2 => Fault::ServerError(503),
        3 => Fault::TooManyRequests {
            retry_after_secs: 1,
        },
        4 => Fault::NonJson {
            status: 200,
            body: "<html>maintenance</html>".into(),
        },
        _ => Fault::Truncated,
    }
}

const RANDOM_RUNS: usize = 10;
const RANDOM_ROWS: usize = 30;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_faults_and_kills_never_email_twice_and_leave_unknown_only_where_a_send_may_have_happened(
) {
    let mut rng = rand::rng();
    let mut faults_injected = 0;
    let mut kills = 0;
    let mut unknown_rows = 0;
    for run in 1..=RANDOM_RUNS {
        let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
        let ctl = sandbox.control();
        ctl.set_latency(Duration::from_millis(rng.random_range(2..15)));
        let check_unique = rng.random_bool(0.5);
        for _ in 0..rng.random_range(2..8) {
            ctl.inject_on("send/email", random_fault(&mut rng), 1);
            faults_injected += 1;
        }
        let campaign = client(sandbox.v3_url(), sandbox.v4_url())
            .campaigns()
            .list(&CampaignFilter::default())
            .await
            .unwrap()[0]
            .id
            .to_string();
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("desk.sqlite3");
        let export = dir.path().join("results.csv");
        let kill_after = rng.random_range(0..RANDOM_ROWS);
        let child = |mode: &str| {
            let mut c = Child::new(mode, &sandbox, &db, &campaign, check_unique, &export).command;
            c.env(ROW_COUNT, RANDOM_ROWS.to_string())
                .env(CONCURRENCY, "4")
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            c
        };
        let mut first = child("start").spawn().unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if first.try_wait().unwrap().is_some() {
                break;
            }
            // Once the job exists (the kill tests resuming, not creating).
            let created = Path::new(&format!("{}.job", db.display())).exists();
            if created && ctl.emails_sent().len() >= kill_after {
                first.kill().unwrap();
                first.wait().unwrap();
                kills += 1;
                break;
            }
            assert!(
                Instant::now() < deadline,
                "run {run}: the first child hangs"
            );
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        // Faults meet the resumed run too.
        for _ in 0..rng.random_range(0..4) {
            ctl.inject_on("send/email", random_fault(&mut rng), 1);
            faults_injected += 1;
        }
        let mut second = child("finish");
        second.stdout(Stdio::piped()).stderr(Stdio::piped());
        let output = tokio::task::spawn_blocking(move || second.output())
            .await
            .unwrap()
            .unwrap();
        assert!(
            output.status.success(),
            "run {run}: the resumed run failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = std::fs::read_to_string(&export).unwrap();
        let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(records.len(), RANDOM_ROWS, "run {run}");
        for record in &records {
            let (email, status) = (&record[1], &record[2]);
            let sent = ctl.emails_sent_to(email);
            assert!(sent <= 1, "run {run}: {email} e-mailed {sent} times");
            match status {
                "sent" | "skipped" => assert_eq!(sent, 1, "run {run}: {record:?}"),
                "failed" | "not sent" => assert_eq!(sent, 0, "run {run}: {record:?}"),
                "unknown" => {
                    unknown_rows += 1;
                    assert!(
                        ctl.send_requests_for(email) >= 1,
                        "run {run}: unknown although no request for it reached the server: {record:?}"
                    );
                }
                other => panic!("run {run}: status {other} in {record:?}"),
            }
        }
        sandbox.stop().await;
    }
    println!(
        "randomized crash test: {RANDOM_RUNS} runs of {RANDOM_ROWS} rows, {faults_injected} faults injected, {kills} kills, {unknown_rows} rows ended unknown"
    );
}
