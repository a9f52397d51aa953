//! Benchmark (prints figures; run by scripts/bench.sh): every page of a 10 000-member directory
//! (100 pages of 100) against the sandbox with 100 ms latency per request, one page at a time
//! and several at a time. The ideal at concurrency c is page 1 alone, then the other 99 pages
//! c at a time: (1 + ⌈99 / c⌉) × 100 ms. The chosen concurrency must stay within 1.2 × that.

use std::time::{Duration, Instant};

use coupon_desk::api::directories::DEFAULT_PAGE_CONCURRENCY;
use coupon_desk::api::{Client, ClientConfig, Credentials};
use coupon_desk::sandbox::{Sandbox, SandboxConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};

const MEMBERS: u32 = 10_000;
const PAGE: u32 = 100;
const LATENCY: Duration = Duration::from_millis(100);

fn ideal(concurrency: u32) -> Duration {
    let pages = MEMBERS.div_ceil(PAGE);
    LATENCY * (1 + (pages - 1).div_ceil(concurrency))
}

async fn time_all_pages(client: &Client, directory: &str, concurrency: usize) -> Duration {
    let started = Instant::now();
    let users = client
        .directories()
        .all_users(directory, concurrency, |_, _, _| true)
        .await
        .expect("every page");
    let took = started.elapsed();
    assert_eq!(users.len(), MEMBERS as usize);
    took
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: prints figures; run scripts/bench.sh"]
async fn all_pages_of_a_10000_member_directory_near_the_ideal() {
    let sb = Sandbox::start(SandboxConfig {
        latency: LATENCY,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox");
    let directory = sb
        .control()
        .add_directory("Benchmark", MEMBERS)
        .expect("a directory");
    let mut config = ClientConfig::new(
        Credentials::new(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
        sb.v3_url(),
        sb.v4_url(),
    );
    config.timeout = Duration::from_secs(30);
    let client = Client::new(config).expect("client");

    println!(
        "Directory of {MEMBERS} members, {PAGE} per page, {} ms latency per request:",
        LATENCY.as_millis()
    );
    let mut chosen = None;
    for concurrency in [1usize, 2, 4, 8] {
        let took = time_all_pages(&client, &directory, concurrency).await;
        let ideal = ideal(concurrency as u32);
        let ratio = took.as_secs_f64() / ideal.as_secs_f64();
        let mark = if concurrency == DEFAULT_PAGE_CONCURRENCY {
            "  ← chosen"
        } else {
            ""
        };
        println!(
            "  {concurrency} at a time: {:>6} ms (ideal {:>6} ms, {ratio:.2} × ideal){mark}",
            took.as_millis(),
            ideal.as_millis()
        );
        if concurrency == DEFAULT_PAGE_CONCURRENCY {
            chosen = Some((took, ideal, ratio));
        }
    }
    let (took, ideal, ratio) = chosen.expect("the chosen concurrency was measured");
    let sequential = self::ideal(1);
    println!(
        "  chosen concurrency {DEFAULT_PAGE_CONCURRENCY}: {:.1} × faster than the one-at-a-time ideal ({} ms)",
        sequential.as_secs_f64() / took.as_secs_f64(),
        sequential.as_millis()
    );
    assert!(
        ratio <= 1.2,
        "all pages took {} ms at concurrency {DEFAULT_PAGE_CONCURRENCY}, more than 1.2 × the ideal {} ms",
        took.as_millis(),
        ideal.as_millis()
    );
    sb.stop().await;
}
