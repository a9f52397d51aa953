//! Benchmark of the account's limiter (prints tables; run by `scripts/bench.sh`): the same work
//! at every fixed concurrency and at Automatic, against a sandbox with 100 ms per request that
//! limits the account as a busy Coupontools would: no limit but 16 server workers; a token bucket
//! of 5, 20 or 50 requests a second (429 with Retry-After beyond); and 50 a second that drops to
//! 10 halfway through.
//!
//! The work: 1 000 e-mails as one bulk job; every page of a 10 000-member directory; every page
//! of a 20 000-session campaign; and two jobs of 1 000 e-mails at once on one account under 20
//! a second against one job of 2 000.
//!
//! "Fixed n" is the job (or the page reader) at n at once with a limiter that never narrows (it
//! still pauses the account for a Retry-After); "Automatic" is what the app does: at most 16,
//! the limiter finds the speed. Each run has a sandbox of its own; the e-mail runs under a rate
//! limit run side by side, the others one after the other (side by side they would share this
//! computer's two cores).
//!
//! `cargo run --release --example speed-bench -- [--rows 1000] [--only emails,pages,two-jobs]
//! [--automatic-only]` (the last to try a change of the limiter against the fixed figures of an
//! earlier run: the fixed settings do not adapt, so they do not change with it)

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use coupon_desk::api::{
    CampaignFilter, CampaignSessionsQuery, Client, ClientConfig, Credentials, SessionList,
    SpeedMode,
};
use coupon_desk::jobs::{EmailJobSpec, EmailList, JobManager, JobProgress, JobState, NoProgress};
use coupon_desk::sandbox::{
    Sandbox, SandboxConfig, SandboxControl, BIG_CAMPAIGN, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET,
};

const LATENCY: Duration = Duration::from_millis(100);
const MEMBERS: u32 = 10_000;
const SESSIONS: usize = 20_000;
/// The targets: Automatic within 90 % of the best fixed setting's throughput, at most
/// 5 % of its requests answered 429, no failed row.
const SHARE_OF_BEST: f64 = 0.90;
const MOST_REFUSED: f64 = 0.05;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Limit {
    Workers16,
    PerSecond(u32),
    Drop50To10,
}

impl Limit {
    fn name(self) -> String {
        match self {
            Limit::Workers16 => "no limit, 16 workers".into(),
            Limit::PerSecond(n) => format!("{n} a second"),
            Limit::Drop50To10 => "50 → 10 a second".into(),
        }
    }

    fn apply(self, control: &SandboxControl) {
        match self {
            Limit::Workers16 => control.set_rate_limit(0, 16),
            Limit::PerSecond(n) => control.set_rate_limit(n, 0),
            Limit::Drop50To10 => control.set_rate_limit(50, 0),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Setting {
    Fixed(u8),
    Automatic,
}

impl Setting {
    const ALL: [Setting; 6] = [
        Setting::Fixed(1),
        Setting::Fixed(2),
        Setting::Fixed(4),
        Setting::Fixed(8),
        Setting::Fixed(16),
        Setting::Automatic,
    ];

    fn name(self) -> String {
        match self {
            Setting::Fixed(n) => format!("fixed {n}"),
            Setting::Automatic => "Automatic".into(),
        }
    }

    fn at_once(self) -> u8 {
        match self {
            Setting::Fixed(n) => n,
            Setting::Automatic => coupon_desk::jobs::MAX_CONCURRENCY,
        }
    }

    fn mode(self) -> SpeedMode {
        match self {
            Setting::Fixed(_) => SpeedMode::Fixed,
            Setting::Automatic => SpeedMode::Automatic,
        }
    }
}

#[derive(Clone, Debug)]
struct Outcome {
    took: Duration,
    /// Units of work (rows or pages) done.
    units: usize,
    requests: u64,
    refused: u64,
    failed: usize,
    note: String,
}

impl Outcome {
    fn per_second(&self) -> f64 {
        self.units as f64 / self.took.as_secs_f64().max(0.001)
    }

    fn refused_share(&self) -> f64 {
        self.refused as f64 / (self.requests.max(1)) as f64
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Work {
    Emails(usize),
    DirectoryPages,
    CampaignPages,
}

async fn start_sandbox(work: Work) -> Result<Sandbox, String> {
    let sandbox = Sandbox::start(SandboxConfig {
        latency: LATENCY,
        big_campaign_sessions: if work == Work::CampaignPages {
            SESSIONS
        } else {
            0
        },
        ..SandboxConfig::default()
    })
    .await
    .map_err(|e| format!("sandbox: {e}"))?;
    Ok(sandbox)
}

fn client_of(sandbox: &Sandbox, mode: SpeedMode) -> Result<Client, String> {
    let mut config = ClientConfig::new(
        Credentials::new(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
        sandbox.v3_url(),
        sandbox.v4_url(),
    );
    config.speed = mode;
    Client::new(config).map_err(|e| format!("client: {e}"))
}

fn addresses(rows: usize, tag: &str) -> Result<EmailList, String> {
    let mut text = String::from("email\n");
    for i in 0..rows {
        text.push_str(&format!("{tag}{i:05}@example.com\n"));
    }
    EmailList::parse(&text, None).map_err(|e| e.to_string())
}

/// The sandbox's first active campaign (asked before any limit is set).
async fn active_campaign(client: &Client) -> Result<String, String> {
    let campaigns = client
        .campaigns()
        .list(&CampaignFilter {
            only_active: true,
            ..Default::default()
        })
        .await
        .map_err(|e| format!("campaigns: {e}"))?;
    Ok(campaigns
        .first()
        .ok_or("the sandbox has no active campaign")?
        .id
        .to_string())
}

fn email_job(
    jobs: &JobManager,
    campaign: &str,
    rows: usize,
    tag: &str,
    at_once: u8,
) -> Result<coupon_desk::jobs::JobId, String> {
    let spec = EmailJobSpec {
        campaign: campaign.into(),
        subject: None,
        check_unique: true,
        concurrency: at_once,
    };
    jobs.create_email_job("bench", "Benchmark", spec, &addresses(rows, tag)?)
        .map_err(|e| format!("{e:?}"))
}

/// Runs the job to its end; a job that pauses (the server kept refusing) is resumed, as a
/// person would, and the pause noted.
async fn run_to_end(
    jobs: &JobManager,
    job: &coupon_desk::jobs::JobId,
    client: &Client,
) -> Result<(JobProgress, usize), String> {
    let mut pauses = 0;
    loop {
        jobs.run(job, client.clone(), Arc::new(NoProgress))
            .map_err(|e| format!("{e:?}"))?;
        let end = jobs
            .wait_until_settled(job)
            .await
            .map_err(|e| format!("{e:?}"))?;
        if end.state != JobState::Paused || pauses >= 20 {
            return Ok((end, pauses));
        }
        pauses += 1;
    }
}

async fn one(work: Work, limit: Limit, setting: Setting, folder: &Path) -> Result<Outcome, String> {
    let sandbox = start_sandbox(work).await?;
    let control = sandbox.control();
    let client = client_of(&sandbox, setting.mode())?;
    let directory = if work == Work::DirectoryPages {
        control.add_directory("Benchmark", MEMBERS)
    } else {
        None
    };
    let campaign = active_campaign(&client).await?;
    let before = client.speed_now();
    limit.apply(&control);
    let started = Instant::now();
    let dropper = (limit == Limit::Drop50To10).then(|| {
        let control = control.clone();
        let client = client.clone();
        let half = match work {
            Work::Emails(rows) => rows as u64 / 2,
            Work::DirectoryPages => 50,
            Work::CampaignPages => 100,
        };
        tokio::spawn(async move {
            // Halfway through the work, as the server counts it.
            while client.speed_now().sent - client.speed_now().refused < half + before.sent {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            control.set_rate_limit(10, 0);
        })
    });
    let (units, failed, note) = match work {
        Work::Emails(rows) => {
            let name = format!("{}-{}.sqlite3", limit.name(), setting.name()).replace(' ', "_");
            let jobs = JobManager::open(folder.join(name)).map_err(|e| format!("{e:?}"))?;
            let job = email_job(&jobs, &campaign, rows, "speed", setting.at_once())?;
            let (end, pauses) = run_to_end(&jobs, &job, &client).await?;
            let note = match (pauses, end.state) {
                (0, JobState::Finished) => String::new(),
                (0, state) => format!("ended {state:?}"),
                (n, state) => format!("paused {n}× and resumed, ended {state:?}"),
            };
            (end.sent, end.failed + end.unknown, note)
        }
        Work::DirectoryPages => {
            let directory = directory.ok_or("no directory")?;
            let users = client
                .directories()
                .all_users(&directory, usize::from(setting.at_once()), |_, _, _| true)
                .await
                .map_err(|e| format!("directory: {e:?}"))?;
            if users.len() != MEMBERS as usize {
                return Err(format!("{} members, not {MEMBERS}", users.len()));
            }
            (MEMBERS.div_ceil(100) as usize, 0, String::new())
        }
        Work::CampaignPages => {
            let query = CampaignSessionsQuery {
                campaign: BIG_CAMPAIGN.into(),
                ..CampaignSessionsQuery::default()
            };
            let mut pages = 0;
            let (sessions, _) = client
                .campaigns()
                .all_sessions(
                    SessionList::All,
                    &query,
                    usize::from(setting.at_once()),
                    |read, _, _| {
                        pages = read;
                        true
                    },
                )
                .await
                .map_err(|e| format!("campaign: {e:?}"))?;
            if sessions.len() != SESSIONS {
                return Err(format!("{} sessions, not {SESSIONS}", sessions.len()));
            }
            (pages as usize, 0, String::new())
        }
    };
    let took = started.elapsed();
    if let Some(dropper) = dropper {
        dropper.abort();
    }
    let speed = client.speed_now();
    sandbox.stop().await;
    Ok(Outcome {
        took,
        units,
        requests: speed.sent - before.sent,
        refused: speed.refused - before.refused,
        failed,
        note,
    })
}

/// Every setting of one case: side by side when rate-limited, else one after the other.
async fn case(
    work: Work,
    limit: Limit,
    settings: &[Setting],
    folder: &Path,
) -> Result<Vec<(Setting, Outcome)>, String> {
    let mut out = Vec::new();
    // Side by side only where the server's limit, not this computer, sets the pace: a page of
    // the 20 000-session campaign costs the sandbox a sort, and six at once share two cores.
    let one_by_one = limit == Limit::Workers16 || !matches!(work, Work::Emails(_));
    if one_by_one {
        for &setting in settings {
            out.push((setting, one(work, limit, setting, folder).await?));
        }
    } else {
        let runs: Vec<_> = settings
            .iter()
            .map(|&setting| {
                let folder = folder.to_owned();
                tokio::spawn(async move { one(work, limit, setting, &folder).await })
            })
            .collect();
        for (&setting, run) in settings.iter().zip(runs) {
            out.push((setting, run.await.map_err(|e| format!("{e}"))??));
        }
    }
    Ok(out)
}

/// Prints the table of one case and says whether Automatic met the targets.
fn report(work: Work, limit: Limit, results: &[(Setting, Outcome)]) -> bool {
    let unit = match work {
        Work::Emails(_) => "rows/s",
        _ => "pages/s",
    };
    println!();
    println!("{:?} — {}:", work, limit.name());
    println!(
        "  {:<10} {:>9} {:>9} {:>9} {:>8} {:>7}",
        "setting", "wall (s)", unit, "requests", "429 %", "failed"
    );
    for (setting, o) in results {
        println!(
            "  {:<10} {:>9.2} {:>9.2} {:>9} {:>7.1}% {:>7}  {}",
            setting.name(),
            o.took.as_secs_f64(),
            o.per_second(),
            o.requests,
            o.refused_share() * 100.0,
            o.failed,
            o.note
        );
    }
    let best = results
        .iter()
        .filter(|(s, _)| *s != Setting::Automatic)
        .map(|(_, o)| o.per_second())
        .fold(0.0, f64::max);
    let Some((_, auto)) = results.iter().find(|(s, _)| *s == Setting::Automatic) else {
        return false;
    };
    if best == 0.0 {
        println!(
            "  Automatic alone: {:.1} % answered 429, {} failed (no fixed setting to compare with)",
            auto.refused_share() * 100.0,
            auto.failed
        );
        return auto.refused_share() <= MOST_REFUSED && auto.failed == 0;
    }
    let share = auto.per_second() / best.max(0.001);
    let ok = share >= SHARE_OF_BEST && auto.refused_share() <= MOST_REFUSED && auto.failed == 0;
    println!(
        "  Automatic: {:.0} % of the best fixed setting's throughput, {:.1} % answered 429, {} failed — {}",
        share * 100.0,
        auto.refused_share() * 100.0,
        auto.failed,
        if ok { "within the targets" } else { "MISSES the targets" }
    );
    ok
}

/// Two jobs of `rows` at once on one account (one client, one limiter) against one job of
/// twice as many, under 20 a second.
async fn two_jobs(rows: usize, folder: &Path) -> Result<bool, String> {
    let alone = async {
        let sandbox = start_sandbox(Work::Emails(rows * 2)).await?;
        sandbox.control().set_rate_limit(20, 0);
        let client = client_of(&sandbox, SpeedMode::Automatic)?;
        let campaign = active_campaign(&client).await?;
        let jobs = JobManager::open(folder.join("alone.sqlite3")).map_err(|e| format!("{e:?}"))?;
        let job = email_job(
            &jobs,
            &campaign,
            rows * 2,
            "alone",
            coupon_desk::jobs::MAX_CONCURRENCY,
        )?;
        let started = Instant::now();
        let (end, _) = run_to_end(&jobs, &job, &client).await?;
        let took = started.elapsed();
        sandbox.stop().await;
        Ok::<_, String>((took, end.sent))
    };
    let together = async {
        let sandbox = start_sandbox(Work::Emails(rows * 2)).await?;
        sandbox.control().set_rate_limit(20, 0);
        let client = client_of(&sandbox, SpeedMode::Automatic)?;
        let campaign = active_campaign(&client).await?;
        let jobs = JobManager::open(folder.join("two.sqlite3")).map_err(|e| format!("{e:?}"))?;
        let first = email_job(
            &jobs,
            &campaign,
            rows,
            "first",
            coupon_desk::jobs::MAX_CONCURRENCY,
        )?;
        let second = email_job(
            &jobs,
            &campaign,
            rows,
            "second",
            coupon_desk::jobs::MAX_CONCURRENCY,
        )?;
        let started = Instant::now();
        let timed = |job: coupon_desk::jobs::JobId| {
            let (jobs, client) = (jobs.clone(), client.clone());
            async move {
                let (end, _) = run_to_end(&jobs, &job, &client).await?;
                Ok::<_, String>((started.elapsed(), end.sent, end.failed + end.unknown))
            }
        };
        let (a, b) = tokio::join!(timed(first), timed(second));
        let (a, b) = (a?, b?);
        let refused = client.speed_now().refused;
        sandbox.stop().await;
        Ok::<_, String>((a, b, refused))
    };
    let (alone, together) = tokio::join!(alone, together);
    let ((alone_took, alone_sent), (a, b, refused)) = (alone?, together?);
    let both = a.0.max(b.0);
    let together_ratio = both.as_secs_f64() / alone_took.as_secs_f64();
    let unfair = a.0.max(b.0).as_secs_f64() / a.0.min(b.0).as_secs_f64();
    println!();
    println!("Two jobs of {rows} e-mails at once on one account, 20 a second:");
    println!(
        "  one job of {}: {:.1} s ({alone_sent} sent)",
        rows * 2,
        alone_took.as_secs_f64()
    );
    println!(
        "  two jobs: the first done after {:.1} s ({} sent, {} failed), the second after {:.1} s ({} sent, {} failed); {refused} answered 429",
        a.0.as_secs_f64(), a.1, a.2, b.0.as_secs_f64(), b.1, b.2
    );
    let ok = together_ratio <= 1.10 && unfair <= 1.25 && a.2 + b.2 == 0;
    println!(
        "  together {:.2} × the one job's time (target ≤ 1.10); the later finished {:.2} × the earlier (target ≤ 1.25) — {}",
        together_ratio,
        unfair,
        if ok { "within the targets" } else { "MISSES the targets" }
    );
    Ok(ok)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let mut rows = 1_000;
    let mut only: Option<String> = None;
    let mut settings = Setting::ALL.to_vec();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--automatic-only" {
            settings = vec![Setting::Automatic];
            continue;
        }
        match (flag.as_str(), args.next()) {
            ("--rows", Some(n)) => match n.parse() {
                Ok(n) if n > 0 => rows = n,
                _ => {
                    eprintln!("--rows takes a number above 0");
                    return ExitCode::FAILURE;
                }
            },
            ("--only", Some(what)) => only = Some(what),
            _ => {
                eprintln!(
                    "usage: speed-bench [--rows 1000] [--only emails,pages,two-jobs] [--automatic-only]"
                );
                return ExitCode::FAILURE;
            }
        }
    }
    let wanted = |part: &str| {
        only.as_deref()
            .is_none_or(|o| o.split(',').any(|p| p == part))
    };
    let folder = match tempfile::tempdir() {
        Ok(folder) => folder,
        Err(e) => {
            eprintln!("no temporary folder: {e}");
            return ExitCode::FAILURE;
        }
    };
    let limits = [
        Limit::Workers16,
        Limit::PerSecond(5),
        Limit::PerSecond(20),
        Limit::PerSecond(50),
        Limit::Drop50To10,
    ];
    let mut works = Vec::new();
    if wanted("emails") {
        works.push(Work::Emails(rows));
    }
    if wanted("pages") {
        works.push(Work::DirectoryPages);
        works.push(Work::CampaignPages);
    }
    println!(
        "Speed of one account: {} ms a request; fixed n at once against Automatic (at most 16).",
        LATENCY.as_millis()
    );
    let mut all_ok = true;
    for work in works {
        for limit in limits {
            match case(work, limit, &settings, folder.path()).await {
                Ok(results) => all_ok &= report(work, limit, &results),
                Err(e) => {
                    println!("{work:?} — {}: {e}", limit.name());
                    all_ok = false;
                }
            }
        }
    }
    if wanted("two-jobs") {
        match two_jobs(rows, folder.path()).await {
            Ok(ok) => all_ok &= ok,
            Err(e) => {
                println!("two jobs: {e}");
                all_ok = false;
            }
        }
    }
    if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
