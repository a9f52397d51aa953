//! Single-use link jobs end to end: the real engine and client against the sandbox over HTTP —
//! many links made in chunks (a chunk whose reply is lost is reconciled, never asked for blind),
//! and a list of links removed.

#[path = "support/clients.rs"]
mod clients;
use clients::JobDesk;
use clients::Said;

use std::sync::Arc;
use std::time::{Duration, Instant};

use coupon_desk::api::{CampaignFilter, Client, ClientConfig, Credentials, SingleUseCode};
use coupon_desk::jobs::{
    CreateLinksSpec, JobId, JobManager, JobState, NoProgress, RemoveInput, RowStatus,
};
use coupon_desk::sandbox::{Fault, Sandbox, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};

struct Setup {
    sandbox: Sandbox,
    client: Client,
    campaign: String,
    _dir: tempfile::TempDir,
    jobs: JobManager,
}

impl Setup {
    async fn new() -> Setup {
        let JobDesk {
            sandbox,
            client,
            dir,
            jobs,
        } = JobDesk::new().await;
        let campaign = client
            .campaigns()
            .list(&CampaignFilter {
                only_active: true,
                ..Default::default()
            })
            .await
            .unwrap()[0]
            .id
            .to_string();
        Setup {
            sandbox,
            client,
            campaign,
            _dir: dir,
            jobs,
        }
    }

    fn spec(&self, amount: u32) -> CreateLinksSpec {
        CreateLinksSpec {
            campaign: self.campaign.clone(),
            amount,
            status: "normal".into(),
            automated_codes: None,
        }
    }

    async fn run(&self, job: &JobId) -> coupon_desk::jobs::JobProgress {
        self.jobs
            .run(job, self.client.clone(), Arc::new(NoProgress))
            .unwrap();
        tokio::time::timeout(Duration::from_secs(240), self.jobs.wait_until_settled(job))
            .await
            .expect("the job settles")
            .unwrap()
    }

    fn codes(&self, job: &JobId) -> Vec<String> {
        let mut codes = Vec::new();
        loop {
            let page = self.jobs.rows(job, codes.len(), 1_000).unwrap();
            if page.rows.is_empty() {
                return codes;
            }
            codes.extend(
                page.rows
                    .iter()
                    .map(|r| r.field("code").unwrap().to_owned()),
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunk_whose_reply_is_lost_is_reconciled_and_no_extra_link_is_made() {
    let s = Setup::new().await;
    let ctl = s.sandbox.control();
    let before = ctl.sessions_in_campaign(&s.campaign);
    // The first chunk is made but its reply is cut.
    ctl.inject_on("multiplesingleuse/create", Fault::DropAfterHandling, 1);
    let job = s
        .jobs
        .create_links_job("acc", "Shop", &s.spec(12_000))
        .unwrap();
    let end = s.run(&job).await;
    assert_eq!(end.state, JobState::Finished, "{end:?}");
    assert_eq!(end.items, 12_000);
    assert_eq!(
        ctl.sessions_in_campaign(&s.campaign) - before,
        12_000,
        "the sandbox made exactly what was asked for"
    );
    let codes = s.codes(&job);
    assert_eq!(codes.len(), 12_000);
    let unique: std::collections::HashSet<_> = codes.iter().collect();
    assert_eq!(unique.len(), 12_000, "every link once in the results");
    assert!(codes.iter().all(|c| ctl.session_exists(c)));
    assert_eq!(
        ctl.request_count("multiplesingleuse/create"),
        3,
        "the lost chunk was looked up, not asked for again"
    );
    assert!(ctl.request_count("campaign/data") >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunk_that_never_reached_the_server_is_asked_for_once_more() {
    let s = Setup::new().await;
    let ctl = s.sandbox.control();
    let before = ctl.sessions_in_campaign(&s.campaign);
    ctl.inject_on("multiplesingleuse/create", Fault::ServerError(503), 1);
    let job = s
        .jobs
        .create_links_job("acc", "Shop", &s.spec(300))
        .unwrap();
    let end = s.run(&job).await;
    assert_eq!((end.state, end.items), (JobState::Finished, 300), "{end:?}");
    assert_eq!(ctl.sessions_in_campaign(&s.campaign) - before, 300);
    assert_eq!(ctl.request_count("multiplesingleuse/create"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_thousand_links_are_one_job_of_twenty_chunks() {
    let s = Setup::new().await;
    let ctl = s.sandbox.control();
    let started = Instant::now();
    let job = s
        .jobs
        .create_links_job("acc", "Shop", &s.spec(100_000))
        .unwrap();
    let end = s.run(&job).await;
    let took = started.elapsed();
    assert_eq!(
        (end.state, end.items, end.total),
        (JobState::Finished, 100_000, 20)
    );
    assert_eq!(ctl.request_count("multiplesingleuse/create"), 20);
    let page = s.jobs.rows(&job, 99_999, 5).unwrap();
    assert_eq!((page.total, page.rows.len()), (100_000, 1));
    println!(
        "100 000 links made, journalled and in the history in {:.1} s (debug build)",
        took.as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_a_list_confirms_a_removal_whose_reply_was_lost_and_says_what_was_gone() {
    let s = Setup::new().await;
    let ctl = s.sandbox.control();
    let made = s.jobs.create_links_job("acc", "Shop", &s.spec(6)).unwrap();
    s.run(&made).await;
    let codes = s.codes(&made);
    // The second is removed already, by someone else; the first one's removal loses its reply.
    s.client
        .single_use()
        .remove(&s.campaign, &SingleUseCode::new(codes[1].clone()))
        .await
        .unwrap();
    ctl.inject_on("singleuse/remove", Fault::DropAfterHandling, 1);
    let links = codes
        .iter()
        .map(|code| RemoveInput {
            code: code.clone(),
            campaign: s.campaign.clone(),
        })
        .collect();
    let job = s.jobs.create_removal_job("acc", "Shop", links, 1).unwrap();
    let end = s.run(&job).await;
    assert_eq!((end.sent, end.failed, end.unknown), (5, 1, 0), "{end:?}");
    let rows = s.jobs.rows(&job, 0, 10).unwrap().rows;
    assert_eq!(rows[1].status, RowStatus::Failed, "{rows:?}");
    assert!(rows[1]
        .message
        .said()
        .as_deref()
        .unwrap()
        .contains("already removed"));
    assert_eq!(
        rows[0].message.said().as_deref(),
        Some("Removed (confirmed after an interruption)."),
        "{rows:?}"
    );
    assert!(codes.iter().all(|c| !ctl.session_exists(c)));
    let export = s._dir.path().join("removed.csv");
    s.jobs
        .export_results_csv(&job, &export, &clients::english)
        .unwrap();
    let text = std::fs::read_to_string(&export).unwrap();
    assert!(
        text.starts_with("\u{feff}row,code,campaign,status,message"),
        "{text}"
    );
    assert_eq!(text.matches(",removed,").count(), 5, "{text}");
}

/// Issue #16, cases 1 and 7: a server that counts `amount_of_results` per page and lists
/// sessions without their link or creation time (as two public clients saw `campaign/data`).
/// 12 000 links in chunks of 5 000, the second chunk's reply lost after the server made it:
/// the look-up reads every page (to the empty one), tells the chunk's own 5 000 from the first
/// chunk's by this desk's journal and the server's clock, reads their links — exactly 12 000
/// links exist and every exported row has its link.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_chunk_is_settled_under_per_page_counts_and_lists_without_links() {
    let s = Setup::new().await;
    let ctl = s.sandbox.control();
    ctl.set_count_per_page(true);
    ctl.set_lean_session_rows(true);
    let before = ctl.sessions_in_campaign(&s.campaign);
    ctl.inject_on("multiplesingleuse/create", Fault::Pass, 1);
    ctl.inject_on("multiplesingleuse/create", Fault::DropAfterHandling, 1);
    let job = s
        .jobs
        .create_links_job("acc", "Shop", &s.spec(12_000))
        .unwrap();
    let end = s.run(&job).await;
    assert_eq!(
        (end.state, end.items),
        (JobState::Finished, 12_000),
        "{end:?}"
    );
    assert_eq!(
        ctl.sessions_in_campaign(&s.campaign) - before,
        12_000,
        "no chunk was made twice"
    );
    assert_eq!(ctl.request_count("multiplesingleuse/create"), 3);
    let mut rows = Vec::new();
    loop {
        let page = s.jobs.rows(&job, rows.len(), 1_000).unwrap();
        if page.rows.is_empty() {
            break;
        }
        rows.extend(page.rows);
    }
    assert_eq!(rows.len(), 12_000);
    assert!(
        rows.iter()
            .all(|r| r.field("url").is_some_and(|u| u.starts_with("https://"))),
        "every link has its address"
    );
    let unique: std::collections::HashSet<_> = rows.iter().map(|r| r.field("code")).collect();
    assert_eq!(unique.len(), 12_000);
}

/// Issue #16, case 1: a flyer's 5 000 links made by one job, then a second job of 5 000 for
/// another flyer whose first request never reached the server. The second job does not take
/// the first job's links for its own: it makes its own 5 000, and the two flyers share no code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_job_never_takes_the_first_jobs_links_for_its_own() {
    let s = Setup::new().await;
    let ctl = s.sandbox.control();
    let before = ctl.sessions_in_campaign(&s.campaign);
    let first = s
        .jobs
        .create_links_job("acc", "Shop", &s.spec(5_000))
        .unwrap();
    assert_eq!(s.run(&first).await.items, 5_000);
    ctl.inject_on("multiplesingleuse/create", Fault::DropConnection, 1);
    let second = s
        .jobs
        .create_links_job("acc", "Shop", &s.spec(5_000))
        .unwrap();
    let end = s.run(&second).await;
    assert_eq!(
        (end.state, end.items),
        (JobState::Finished, 5_000),
        "{end:?}"
    );
    let a: std::collections::HashSet<_> = s.codes(&first).into_iter().collect();
    let b: std::collections::HashSet<_> = s.codes(&second).into_iter().collect();
    assert_eq!((a.len(), b.len()), (5_000, 5_000));
    assert!(a.is_disjoint(&b), "the flyers share no code");
    assert_eq!(ctl.sessions_in_campaign(&s.campaign) - before, 10_000);
}

/// Issue #16, case 1: another desk makes links in the same campaign while this job's chunk is
/// in doubt. Which links are this job's cannot be told: the chunk is Unknown with the counts,
/// the job stops, and nothing more is made.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_another_desk_makes_meanwhile_make_the_chunk_unknown_and_stop_the_job() {
    let s = Setup::new().await;
    let ctl = s.sandbox.control();
    let before = ctl.sessions_in_campaign(&s.campaign);
    ctl.inject_on("multiplesingleuse/create", Fault::DropAfterHandling, 1);
    let other_desk = {
        let mut config = ClientConfig::new(
            Credentials::new(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
            s.sandbox.v3_url(),
            s.sandbox.v4_url(),
        );
        config.timeout = Duration::from_secs(5);
        Client::new(config).unwrap()
    };
    let campaign = s.campaign.clone();
    let meanwhile = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        other_desk
            .single_use()
            .create_many(&coupon_desk::api::ManySingleUseRequest {
                campaign,
                amount: 3,
                status: coupon_desk::api::SingleUseStatus::Normal,
                automated_codes: None,
            })
            .await
            .map(|links| links.len())
    });
    let job = s
        .jobs
        .create_links_job("acc", "Shop", &s.spec(300))
        .unwrap();
    let end = s.run(&job).await;
    assert_eq!(meanwhile.await.unwrap().unwrap(), 3);
    assert_eq!(
        (end.state, end.unknown, end.items),
        (JobState::Paused, 1, 0),
        "{end:?}"
    );
    assert_eq!(
        ctl.sessions_in_campaign(&s.campaign) - before,
        303,
        "the job made nothing more"
    );
    // This job's one request and the other desk's.
    assert_eq!(ctl.request_count("multiplesingleuse/create"), 2);
}
