//! Benchmark of the bulk e-mail runner: e-mails N rows through the real `JobManager` against an
//! in-process sandbox with a fixed latency per call, at each concurrency asked for, and prints
//! wall time against the ideal (rows × latency ÷ concurrency).
//!
//! Last, it creates one job of 100 000 rows and prints the time to write its journal and the
//! peak memory.
//!
//! `cargo run --release --example coupon-desk-bench -- [--rows 1000] [--latency-ms 100] [--concurrency 1,8] [--create-rows 100000]`

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use coupon_desk::api::{CampaignFilter, Client, ClientConfig, Credentials};
use coupon_desk::jobs::{EmailJobSpec, EmailList, JobManager, JobState, NoProgress};
use coupon_desk::sandbox::{Sandbox, SandboxConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};

/// The target for concurrency 8: at most 15 % over the ideal.
const TARGET_RATIO: f64 = 1.15;

struct Options {
    rows: usize,
    latency: Duration,
    concurrency: Vec<u8>,
    create_rows: usize,
    link_amount: u32,
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        rows: 1_000,
        latency: Duration::from_millis(100),
        concurrency: vec![1, 8],
        create_rows: 100_000,
        link_amount: 100_000,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--rows" => {
                options.rows = value()?
                    .parse()
                    .map_err(|_| "--rows takes a number".to_string())?
            }
            "--latency-ms" => {
                let ms: u64 = value()?
                    .parse()
                    .map_err(|_| "--latency-ms takes a number".to_string())?;
                options.latency = Duration::from_millis(ms);
            }
            "--concurrency" => {
                options.concurrency = value()?
                    .split(',')
                    .map(|c| c.trim().parse::<u8>().ok().filter(|c| (1..=16).contains(c)))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| {
                        "--concurrency takes numbers from 1 to 16, e.g. 1,8".to_string()
                    })?;
            }
            "--create-rows" => {
                options.create_rows = value()?
                    .parse()
                    .map_err(|_| "--create-rows takes a number".to_string())?
            }
            "--links" => {
                options.link_amount = value()?
                    .parse()
                    .ok()
                    .filter(|n| (1..=100_000).contains(n))
                    .ok_or_else(|| "--links takes a number from 1 to 100000".to_string())?
            }
            "--help" | "-h" => {
                return Err(
                    "usage: coupon-desk-bench [--rows N] [--latency-ms N] [--concurrency 1,8] [--create-rows 100000] [--links 100000]"
                        .to_string(),
                )
            }
            other => return Err(format!("unknown flag {other} (try --help)")),
        }
    }
    if options.rows == 0 {
        return Err("--rows must be at least 1".to_string());
    }
    Ok(options)
}

/// Creating one job of `rows` rows: the time to write its journal (one transaction) and the
/// process's peak memory after it.
fn bench_create(rows: usize, folder: &std::path::Path) -> Result<String, String> {
    let mut text = String::with_capacity(rows * 40);
    text.push_str("email,first name\n");
    for i in 1..=rows {
        text.push_str(&format!("create{i:06}@example.com,Guest {i}\n"));
    }
    let list = EmailList::parse(&text, None).map_err(|e| e.to_string())?;
    drop(text);
    let jobs =
        JobManager::open(folder.join("bench-create.sqlite3")).map_err(|e| format!("{e:?}"))?;
    let spec = EmailJobSpec {
        campaign: "cam_100101".into(),
        subject: None,
        check_unique: true,
        concurrency: 4,
    };
    let started = Instant::now();
    let job = jobs
        .create_email_job("bench", "Benchmark", spec, &list)
        .map_err(|e| format!("{e:?}"))?;
    let wrote = started.elapsed();
    let stored = jobs
        .rows(&job, rows.saturating_sub(1), 1)
        .map_err(|e| format!("{e:?}"))?;
    if stored.total != rows {
        return Err(format!(
            "the journal holds {} rows, not {rows}",
            stored.total
        ));
    }
    Ok(format!(
        "create one job of {rows} rows: journal written in {:.2} s (one transaction); peak memory of this process {}",
        wrote.as_secs_f64(),
        peak_rss().map_or_else(|| "unknown".to_string(), |kb| format!("{:.1} MB", kb as f64 / 1024.0)),
    ))
}

/// Single-use links: one job of `amount` links against an in-process sandbox without latency,
/// so the time is the app's own work (decoding, journal, history) plus the sandbox's; then the
/// CSV export of every link.
async fn bench_links(amount: u32, folder: &std::path::Path) -> Result<Vec<String>, String> {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .map_err(|e| format!("sandbox: {e}"))?;
    let client = Client::new(ClientConfig::new(
        Credentials::new(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
        sandbox.v3_url(),
        sandbox.v4_url(),
    ))
    .map_err(|e| format!("client: {e}"))?;
    let campaign = client
        .campaigns()
        .list(&CampaignFilter::default())
        .await
        .map_err(|e| format!("campaigns: {e}"))?
        .first()
        .ok_or("the sandbox has no campaign")?
        .id
        .to_string();
    // One call of the whole amount: server, transfer and decoding of the biggest reply there is.
    let started = Instant::now();
    let links = client
        .single_use()
        .create_many(&coupon_desk::api::ManySingleUseRequest {
            campaign: campaign.clone(),
            amount,
            status: coupon_desk::api::SingleUseStatus::Normal,
            automated_codes: None,
        })
        .await
        .map_err(|e| format!("{e:?}"))?;
    let one_call = started.elapsed();
    drop(links);
    let jobs =
        JobManager::open(folder.join("bench-links.sqlite3")).map_err(|e| format!("{e:?}"))?;
    let spec = coupon_desk::jobs::CreateLinksSpec {
        campaign,
        amount,
        status: "normal".into(),
        automated_codes: None,
    };
    let started = Instant::now();
    let job = jobs
        .create_links_job("bench", "Benchmark", &spec)
        .map_err(|e| format!("{e:?}"))?;
    jobs.run(&job, client, Arc::new(NoProgress))
        .map_err(|e| format!("{e:?}"))?;
    let end = jobs
        .wait_until_settled(&job)
        .await
        .map_err(|e| format!("{e:?}"))?;
    let whole_job = started.elapsed();
    if end.items != amount as usize {
        return Err(format!("the job made {} links, not {amount}", end.items));
    }
    let csv = folder.join("links.csv");
    let started = Instant::now();
    jobs.export_results_csv(&job, &csv, &coupon_desk::words::say)
        .map_err(|e| format!("{e:?}"))?;
    let export = started.elapsed();
    sandbox.stop().await;
    Ok(vec![
        format!(
            "single-use links: one call of {amount} (sandbox, transfer, decoding) {:.2} s",
            one_call.as_secs_f64()
        ),
        format!(
            "single-use links: a job of {amount} in {} chunks, decoded, journalled and in the history: {:.2} s (target for decoding + journal ≤ 2 s)",
            end.total,
            whole_job.as_secs_f64()
        ),
        format!(
            "single-use links: CSV export of {amount} links {:.2} s (target ≤ 1 s)",
            export.as_secs_f64()
        ),
    ])
}

/// VmHWM of this process in kB (Linux); None elsewhere.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

struct Figures {
    concurrency: u8,
    wall: Duration,
    ideal: Duration,
    sent: usize,
}

async fn bench_one(
    options: &Options,
    concurrency: u8,
    folder: &std::path::Path,
) -> Result<Figures, String> {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .map_err(|e| format!("sandbox: {e}"))?;
    sandbox.control().set_latency(options.latency);
    let client = Client::new(ClientConfig::new(
        Credentials::new(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
        sandbox.v3_url(),
        sandbox.v4_url(),
    ))
    .map_err(|e| format!("client: {e}"))?;
    let campaigns = client
        .campaigns()
        .list(&CampaignFilter {
            only_active: true,
            ..Default::default()
        })
        .await
        .map_err(|e| format!("campaigns: {e}"))?;
    let campaign = campaigns
        .first()
        .ok_or("the sandbox has no active campaign")?
        .id
        .to_string();

    let mut text = String::from("email,first name\n");
    for i in 1..=options.rows {
        text.push_str(&format!("bench{i:06}@example.com,Guest {i}\n"));
    }
    let list = EmailList::parse(&text, None).map_err(|e| e.to_string())?;
    let jobs = JobManager::open(folder.join(format!("bench-{concurrency}.sqlite3")))
        .map_err(|e| format!("{e:?}"))?;
    let spec = EmailJobSpec {
        campaign,
        subject: None,
        check_unique: true,
        concurrency,
    };
    let job = jobs
        .create_email_job("bench", "Benchmark", spec, &list)
        .map_err(|e| format!("{e:?}"))?;

    let started = Instant::now();
    jobs.run(&job, client, Arc::new(NoProgress))
        .map_err(|e| format!("{e:?}"))?;
    let end = jobs
        .wait_until_settled(&job)
        .await
        .map_err(|e| format!("{e:?}"))?;
    let wall = started.elapsed();
    sandbox.stop().await;
    if end.state != JobState::Finished || end.sent != options.rows {
        return Err(format!("the job did not send every row: {end:?}"));
    }
    let ideal = options
        .latency
        .mul_f64(options.rows as f64 / f64::from(concurrency));
    Ok(Figures {
        concurrency,
        wall,
        ideal,
        sent: end.sent,
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let folder: PathBuf = std::env::temp_dir().join(format!(
        "coupon-desk-bench-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    if let Err(e) = std::fs::create_dir_all(&folder) {
        eprintln!("could not create {}: {e}", folder.display());
        return ExitCode::FAILURE;
    }
    println!(
        "bulk e-mail benchmark: {} rows, {} ms latency per call, check_unique on, journal in {}",
        options.rows,
        options.latency.as_millis(),
        folder.display()
    );
    println!(
        "{:>6} {:>11} {:>10} {:>10} {:>7}  target",
        "rows", "concurrency", "wall (s)", "ideal (s)", "ratio"
    );
    let mut failed = false;
    for &concurrency in &options.concurrency {
        match bench_one(&options, concurrency, &folder).await {
            Ok(f) => {
                let ratio = f.wall.as_secs_f64() / f.ideal.as_secs_f64();
                let target = if f.concurrency == 8 {
                    if ratio <= TARGET_RATIO {
                        format!("≤ {TARGET_RATIO}× met")
                    } else {
                        format!("≤ {TARGET_RATIO}× MISSED")
                    }
                } else {
                    "-".to_string()
                };
                println!(
                    "{:>6} {:>11} {:>10.2} {:>10.2} {:>7.3}  {target}",
                    f.sent,
                    f.concurrency,
                    f.wall.as_secs_f64(),
                    f.ideal.as_secs_f64(),
                    ratio
                );
            }
            Err(message) => {
                eprintln!("concurrency {concurrency}: {message}");
                failed = true;
            }
        }
    }
    match bench_links(options.link_amount, &folder).await {
        Ok(lines) => {
            for line in lines {
                println!("{line}");
            }
        }
        Err(message) => {
            eprintln!("making {} single-use links: {message}", options.link_amount);
            failed = true;
        }
    }
    match bench_create(options.create_rows, &folder) {
        Ok(line) => println!("{line}"),
        Err(message) => {
            eprintln!("creating a {}-row job: {message}", options.create_rows);
            failed = true;
        }
    }
    let _ = std::fs::remove_dir_all(&folder);
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
