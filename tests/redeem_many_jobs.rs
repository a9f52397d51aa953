//! "Mark many as used" end to end below the window: the stack is checked with the command's own
//! look-up, the checked lines become a `redeem_many` job, and the real engine and client run it
//! against the sandbox over HTTP — with a lost reply on a batch that is reconciled by reading
//! the coupons again, never by validating twice.

#[path = "support/clients.rs"]
mod clients;
use clients::JobDesk;
use clients::Said;

use std::sync::Arc;
use std::time::Duration;

use coupon_desk::api::{
    AutomatedCodes, Client, CodeType, ManySingleUseRequest, SessionUpdate, SingleUseLink,
    SingleUseStatus,
};
use coupon_desk::commands::redeem_many::{check_stack, job_row, stack_lines, StackLine};
use coupon_desk::jobs::{JobId, JobManager, JobProgress, JobState, NoProgress, RowStatus};
use coupon_desk::sandbox::{Fault, Sandbox};

const CAMPAIGN: &str = "cam_104250";

struct Setup {
    sandbox: Sandbox,
    client: Client,
    dir: tempfile::TempDir,
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
        Setup {
            sandbox,
            client,
            dir,
            jobs,
        }
    }

    /// Fresh coupons of the Lunch deal, each with an own validation code `RM-…`.
    async fn fresh(&self, amount: u32) -> Vec<SingleUseLink> {
        self.client
            .single_use()
            .create_many(&ManySingleUseRequest {
                campaign: CAMPAIGN.into(),
                amount,
                status: SingleUseStatus::Normal,
                automated_codes: Some(AutomatedCodes {
                    prefix: "RM-".into(),
                    length: 10,
                    code_type: CodeType::Numeric,
                }),
            })
            .await
            .unwrap()
    }

    async fn check(&self, text: &str) -> Vec<StackLine> {
        check_stack(&self.client, stack_lines(text).unwrap())
            .await
            .unwrap()
    }

    fn job(&self, lines: &[StackLine]) -> JobId {
        let rows = lines.iter().map(|l| job_row(l).unwrap()).collect();
        self.jobs
            .create_redeem_many_job("acc", "Shop", rows)
            .unwrap()
    }

    async fn run(&self, job: &JobId) -> JobProgress {
        self.jobs
            .run(job, self.client.clone(), Arc::new(NoProgress))
            .unwrap();
        tokio::time::timeout(Duration::from_secs(120), self.jobs.wait_until_settled(job))
            .await
            .expect("the job settles")
            .unwrap()
    }

    fn times_validated(&self, code: &str) -> u32 {
        self.sandbox
            .control()
            .session_state(code)
            .expect("the coupon exists")
            .times_validated
    }
}

fn states(lines: &[StackLine]) -> Vec<&str> {
    lines.iter().map(|l| l.state.as_str()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stack_is_checked_then_its_valid_coupons_are_marked_once_and_the_rest_skipped() {
    let s = Setup::new().await;
    let links = s.fresh(4).await;
    // One is used already at the counter; one is typed twice (once by its short code).
    s.client
        .sessions()
        .update(&SessionUpdate::validate(links[3].code.as_str(), None))
        .await
        .unwrap();
    let stack = format!(
        "{}\n{}\n{}\n{}\n{}\nzzzzzzzzzzzzzzzzzzzz9\n",
        links[0].url,                                     // a link
        links[1].widget_validation_code,                  // a short code
        links[2].custom_validation_code.clone().unwrap(), // the shop's own code
        links[3].code,                                    // used already
        links[0].code,                                    // again
    );
    let checked = s.check(&stack).await;
    assert_eq!(
        states(&checked),
        ["valid", "valid", "valid", "used", "duplicate", "not_found"],
        "{checked:?}"
    );
    assert_eq!(checked[1].code.as_deref(), Some(links[1].code.as_str()));
    assert!(checked[3].when.is_some(), "the time it was used");

    let job = s.job(&checked);
    let end = s.run(&job).await;
    assert_eq!(end.state, JobState::Finished, "{end:?}");
    assert_eq!(
        (end.sent, end.skipped, end.failed, end.unknown),
        (3, 3, 0, 0)
    );
    for link in &links {
        assert_eq!(s.times_validated(link.code.as_str()), 1, "{}", link.code);
    }
    assert_eq!(
        s.sandbox
            .control()
            .request_count("couponsession/updatemultiple"),
        1,
        "three coupons, one batch"
    );
    let rows = s.jobs.rows(&job, 0, 10).unwrap().rows;
    assert_eq!(rows[0].message.said().as_deref(), Some("Marked as used."));
    assert!(rows[0].field("validatedAt").is_some());
    assert_eq!(rows[3].status, RowStatus::Skipped);
    assert!(rows[3]
        .message
        .said()
        .as_deref()
        .unwrap()
        .starts_with("Already used on "));
    assert!(rows[5]
        .message
        .said()
        .as_deref()
        .unwrap()
        .starts_with("Not found"));

    let export = s.dir.path().join("used.csv");
    s.jobs
        .export_results_csv(&job, &export, &clients::english)
        .unwrap();
    let text = std::fs::read_to_string(&export).unwrap();
    assert!(
        text.starts_with("\u{feff}row,scanned,code,campaign,status,validated_at,message"),
        "{text}"
    );
    assert_eq!(text.matches(",used,").count(), 3, "{text}");
    assert_eq!(text.lines().count(), 7, "a header and one line per code");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_whose_reply_is_lost_is_read_again_and_never_validated_twice() {
    let s = Setup::new().await;
    let ctl = s.sandbox.control();
    let links = s.fresh(3).await;
    let stack: Vec<String> = links.iter().map(|l| l.code.to_string()).collect();
    let checked = s.check(&stack.join("\n")).await;
    assert_eq!(states(&checked), ["valid"; 3]);
    // The coupons are validated, but the answer never arrives.
    ctl.inject_on("couponsession/updatemultiple", Fault::DropAfterHandling, 1);
    let job = s.job(&checked);
    let end = s.run(&job).await;
    assert_eq!(
        (end.state, end.sent, end.unknown),
        (JobState::Finished, 3, 0)
    );
    assert_eq!(
        ctl.request_count("couponsession/updatemultiple"),
        1,
        "the lost batch was read again, not sent again"
    );
    assert!(ctl.request_count("couponsession/data") >= 3 + 3);
    for link in &links {
        assert_eq!(s.times_validated(link.code.as_str()), 1);
    }
    let rows = s.jobs.rows(&job, 0, 10).unwrap().rows;
    assert!(rows.iter().all(|r| r
        .message
        .said()
        .as_deref()
        .is_some_and(|m| m.contains("the answer was lost"))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_that_never_arrived_is_sent_once_more_after_the_re_read() {
    let s = Setup::new().await;
    let ctl = s.sandbox.control();
    let links = s.fresh(2).await;
    let stack: Vec<String> = links.iter().map(|l| l.code.to_string()).collect();
    let checked = s.check(&stack.join("\n")).await;
    // Cut before it is handled: nothing was validated, so after the look-up it goes again.
    ctl.inject_on("couponsession/updatemultiple", Fault::DropConnection, 1);
    let job = s.job(&checked);
    let end = s.run(&job).await;
    assert_eq!((end.state, end.sent), (JobState::Finished, 2), "{end:?}");
    assert_eq!(ctl.request_count("couponsession/updatemultiple"), 3);
    for link in &links {
        assert_eq!(s.times_validated(link.code.as_str()), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coupon_used_or_voided_between_the_check_and_the_confirm_is_not_marked() {
    let s = Setup::new().await;
    let links = s.fresh(3).await;
    let stack: Vec<String> = links.iter().map(|l| l.code.to_string()).collect();
    let checked = s.check(&stack.join("\n")).await;
    assert_eq!(states(&checked), ["valid"; 3]);
    // Meanwhile a colleague uses one and voids another.
    let sessions = s.client.sessions();
    sessions
        .update(&SessionUpdate::validate(links[0].code.as_str(), None))
        .await
        .unwrap();
    sessions
        .update(&SessionUpdate {
            code: links[1].code.to_string(),
            void: Some(true),
            ..SessionUpdate::default()
        })
        .await
        .unwrap();
    let job = s.job(&checked);
    let end = s.run(&job).await;
    assert_eq!((end.sent, end.skipped), (1, 2), "{end:?}");
    let rows = s.jobs.rows(&job, 0, 10).unwrap().rows;
    assert!(
        rows[0]
            .message
            .said()
            .as_deref()
            .unwrap()
            .starts_with("Already used on 20"),
        "{rows:?}"
    );
    assert!(rows[1]
        .message
        .said()
        .as_deref()
        .unwrap()
        .starts_with("Voided"));
    assert_eq!(s.times_validated(links[0].code.as_str()), 1);
    assert_eq!(s.times_validated(links[1].code.as_str()), 0);
    assert_eq!(s.times_validated(links[2].code.as_str()), 1);
}
