//! Benchmark of Today's reader (prints tables; run by `scripts/bench.sh`).
//!
//! 1. Requests a minute it costs the account with 1, 10 and 50 active campaigns, at the app's
//!    budget (60 a minute) and pace (a reading every 20 s after the last one ended). The clock is
//!    sped up 60 times (a "minute" of one second, 20 s between readings become 333 ms), so ten
//!    minutes take ten seconds; the requests are counted at the sandbox.
//! 2. The delay from a coupon used at the sandbox (as another desk would) to Today: when the
//!    event is stored (the screen reads the store every 5 s while it is shown) and when the
//!    reading that stored it ends (the window is told at once and the notification shown), in
//!    real time with 10 active campaigns.
//!
//! `cargo run --release --example today-bench -- [--minutes 10] [--uses 4]`

use std::process::ExitCode;
use std::time::{Duration, Instant};

use coupon_desk::api::{Client, ClientConfig, Credentials};
use coupon_desk::jobs::JobManager;
use coupon_desk::sandbox::{Sandbox, SandboxConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};
use coupon_desk::today::poller::READ_ORDER;
use coupon_desk::today::{store, EventKind, PollBudget, TodayPoller, DEFAULT_PER_MINUTE};
use coupon_desk::today_watch::INTERVAL;

const ACCOUNT: &str = "acc_bench";
const SPEED_UP: u32 = 60;

struct Options {
    minutes: u32,
    uses: u32,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        minutes: 10,
        uses: 4,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = || -> Result<u32, String> {
            args.next()
                .and_then(|v| v.parse().ok())
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("{arg} needs a whole number above 0"))
        };
        match arg.as_str() {
            "--minutes" => options.minutes = number()?,
            "--uses" => options.uses = number()?,
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(options)
}

/// A sandbox whose account has exactly `active` active campaigns (the demo shop has five).
async fn sandbox_with(active: usize) -> Result<Sandbox, String> {
    Sandbox::start(SandboxConfig {
        shop_active_campaigns: Some(active.min(5)),
        extra_campaigns: active.saturating_sub(5),
        ..SandboxConfig::default()
    })
    .await
    .map_err(|e| format!("sandbox: {e}"))
}

fn client_of(sandbox: &Sandbox) -> Result<Client, String> {
    Client::new(ClientConfig::new(
        Credentials::new(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
        sandbox.v3_url(),
        sandbox.v4_url(),
    ))
    .map_err(|e| format!("client: {e}"))
}

/// The reader's requests, as the sandbox counted them.
fn reads(sandbox: &Sandbox) -> u32 {
    let c = sandbox.control();
    READ_PATHS.iter().map(|path| c.request_count(path)).sum()
}

const READ_PATHS: [&str; 4] = [
    "coupon/list",
    "campaign/opens",
    "campaign/claims",
    "campaign/validations",
];

struct Cost {
    active: usize,
    per_minute: Vec<u32>,
    readings: u32,
    /// Between two readings' ends, in real (not simulated) time.
    every: Option<Duration>,
}

/// Polls as the app does, on a clock `SPEED_UP` times faster, for `minutes` simulated minutes.
async fn cost(active: usize, minutes: u32) -> Result<Cost, String> {
    let sandbox = sandbox_with(active).await?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let jobs = JobManager::open(dir.path().join("desk.sqlite3")).map_err(|e| e.to_string())?;
    let minute = Duration::from_secs(60) / SPEED_UP;
    let mut poller = TodayPoller::new(
        client_of(&sandbox)?,
        jobs,
        ACCOUNT,
        PollBudget::with_minute(DEFAULT_PER_MINUTE, minute),
    );
    let interval = INTERVAL / SPEED_UP;
    // Counted at the sandbox once a (simulated) minute, beside the polling.
    let samples = std::sync::Arc::new(std::sync::Mutex::new(vec![reads(&sandbox)]));
    let sampler = {
        let (ctl_sandbox, samples) = (sandbox.control(), samples.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(minute);
            tick.tick().await;
            loop {
                tick.tick().await;
                let total: u32 = READ_PATHS
                    .iter()
                    .map(|path| ctl_sandbox.request_count(path))
                    .sum();
                samples
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(total);
            }
        })
    };
    let mut ended_at = Vec::new();
    let polling = async {
        loop {
            poller.poll_once().await?;
            ended_at.push(Instant::now());
            tokio::time::sleep(interval).await;
        }
    };
    let ended: Result<Result<(), coupon_desk::today::PollError>, _> =
        tokio::time::timeout(minute * minutes, polling).await;
    if let Ok(Err(e)) = ended {
        return Err(format!("a reading failed: {e}"));
    }
    sampler.abort();
    let samples = samples.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let mut per_minute: Vec<u32> = samples.windows(2).map(|w| w[1] - w[0]).collect();
    per_minute.truncate(minutes as usize);
    if active != poller.campaign_names().len() {
        return Err(format!(
            "{active} active campaigns asked, {} read",
            poller.campaign_names().len()
        ));
    }
    // From one reading's end to the next, after the first (which catches up on the day).
    let gaps: Vec<Duration> = ended_at.windows(2).map(|w| w[1] - w[0]).collect();
    let every =
        (!gaps.is_empty()).then(|| gaps.iter().sum::<Duration>() * SPEED_UP / gaps.len() as u32);
    Ok(Cost {
        active,
        per_minute,
        readings: ended_at.len() as u32,
        every,
    })
}

struct Delay {
    stored: Duration,
    told: Duration,
}

/// Real time: a coupon is used at the sandbox at a moment within the app's 20 s pause, and the
/// reader polls as the app does.
async fn delays(active: usize, uses: u32) -> Result<Vec<Delay>, String> {
    let sandbox = sandbox_with(active).await?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let jobs = JobManager::open(dir.path().join("desk.sqlite3")).map_err(|e| e.to_string())?;
    let mut poller = TodayPoller::new(
        client_of(&sandbox)?,
        jobs.clone(),
        ACCOUNT,
        PollBudget::new(DEFAULT_PER_MINUTE),
    );
    // Caught up first, as a desk that has been open a while.
    poller.poll_once().await.map_err(|e| e.to_string())?;
    let ctl = sandbox.control();
    let campaign = ctl
        .active_campaigns()
        .into_iter()
        .next()
        .ok_or("no active campaign")?;
    let mut found = Vec::new();
    for n in 0..uses {
        // Spread over the pause: early, middle, late.
        let into_pause = INTERVAL.mul_f64(f64::from(n % 4) / 4.0 + 0.1);
        tokio::time::sleep(into_pause).await;
        let code = ctl
            .customer_opens(&campaign)
            .ok_or("the sandbox made no coupon")?;
        if !(ctl.customer_claims(&code) && ctl.customer_uses(&code)) {
            return Err("the coupon could not be claimed and used".into());
        }
        let used_at = Instant::now();
        let remaining = INTERVAL.saturating_sub(into_pause);
        let mut stored = None;
        let watch_store = async {
            loop {
                let code = code.clone();
                let there = jobs
                    .with_database(move |conn| store::feed(conn, ACCOUNT, 0, 10_000))
                    .map(|feed| {
                        feed.iter()
                            .any(|e| e.kind == EventKind::Used && e.code == code)
                    })
                    .unwrap_or(false);
                if there {
                    return used_at.elapsed();
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        // As the app's reader: uses first, told when that pass ends, then claims and opens.
        let reading = async {
            tokio::time::sleep(remaining).await;
            loop {
                poller
                    .read_campaigns_if_stale()
                    .await
                    .map_err(|e| e.to_string())?;
                let mut told = None;
                for kind in READ_ORDER {
                    let mut new = Vec::new();
                    poller
                        .read_kind(kind, &mut new)
                        .await
                        .map_err(|e| e.to_string())?;
                    if new
                        .iter()
                        .any(|e| e.kind == EventKind::Used && e.code == code)
                    {
                        told = Some(used_at.elapsed());
                    }
                }
                if let Some(told) = told {
                    return Ok::<Duration, String>(told);
                }
                tokio::time::sleep(INTERVAL).await;
            }
        };
        tokio::pin!(watch_store);
        tokio::pin!(reading);
        let told = loop {
            tokio::select! {
                at = &mut watch_store, if stored.is_none() => stored = Some(at),
                told = &mut reading => break told?,
            }
        };
        found.push(Delay {
            stored: stored.unwrap_or(told),
            told,
        });
        println!(
            "  use {}: stored after {:.1} s, told after {:.1} s",
            n + 1,
            found[found.len() - 1].stored.as_secs_f64(),
            told.as_secs_f64()
        );
    }
    Ok(found)
}

async fn run(options: Options) -> Result<(), String> {
    println!(
        "Today's reader: the requests a minute it costs (budget {DEFAULT_PER_MINUTE} a minute, a reading every {} s after the last; {} simulated minutes at {SPEED_UP}× speed)",
        INTERVAL.as_secs(),
        options.minutes
    );
    println!(
        "{:>17} | {:>12} | {:>12} | {:>12} | {:>22}",
        "active campaigns", "a minute avg", "busiest", "readings", "a full reading every"
    );
    for active in [1, 10, 50] {
        let cost = cost(active, options.minutes).await?;
        let total: u32 = cost.per_minute.iter().sum();
        let avg = f64::from(total) / cost.per_minute.len().max(1) as f64;
        let busiest = cost.per_minute.iter().max().copied().unwrap_or(0);
        let every = cost.every.map_or_else(
            || "(one reading)".to_owned(),
            |d| format!("{:.0} s", d.as_secs_f64()),
        );
        println!(
            "{:>17} | {:>12.1} | {:>12} | {:>12} | {:>22}",
            cost.active, avg, busiest, cost.readings, every
        );
        if busiest > DEFAULT_PER_MINUTE + 1 {
            return Err(format!(
                "{busiest} requests in one minute: over the budget of {DEFAULT_PER_MINUTE}"
            ));
        }
    }
    println!();
    println!(
        "From a coupon used at the sandbox to Today (10 active campaigns, real time, {} uses):",
        options.uses
    );
    let found = delays(10, options.uses).await?;
    let stat = |pick: fn(&Delay) -> Duration| {
        let secs: Vec<f64> = found.iter().map(|d| pick(d).as_secs_f64()).collect();
        let mean = secs.iter().sum::<f64>() / secs.len().max(1) as f64;
        let max = secs.iter().copied().fold(0.0, f64::max);
        (mean, max)
    };
    let (stored_mean, stored_max) = stat(|d| d.stored);
    let (told_mean, told_max) = stat(|d| d.told);
    println!("{:>40} | {:>8} | {:>8}", "", "mean", "longest");
    println!(
        "{:>40} | {:>6.1} s | {:>6.1} s",
        "stored (the screen shows it ≤ 5 s later)", stored_mean, stored_max
    );
    println!(
        "{:>40} | {:>6.1} s | {:>6.1} s",
        "told (window, tray, notification)", told_mean, told_max
    );
    Ok(())
}

fn main() -> ExitCode {
    let options = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("no runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("today-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
