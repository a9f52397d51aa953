//! Payment status for many directory members as a job of the bulk engine, end to end against
//! the sandbox over HTTP: ticked IDs and a pasted list (IDs and e-mail addresses) become rows,
//! unknown and repeated members settle at once, and a member whose reply is lost is re-read and
//! found set, never sent a second time.

use std::sync::Arc;
use std::time::Duration;

use coupon_desk::api::{Client, ClientConfig, Credentials, PaymentStatus, PaymentUpdate};
use coupon_desk::commands::directories::{parse_pasted_members, payment_rows};
use coupon_desk::jobs::{JobManager, JobState, NoProgress, PaymentJobSpec, RowStatus};
use coupon_desk::sandbox::{Fault, Sandbox, SandboxConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_selection_and_a_pasted_list_are_set_and_a_lost_reply_is_reconciled() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let mut config = ClientConfig::new(
        Credentials::new(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
        sandbox.v3_url(),
        sandbox.v4_url(),
    );
    // A lost reply is looked up once this plus the engine's grace has passed.
    config.timeout = Duration::from_secs(4);
    let client = Client::new(config).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let jobs = JobManager::open(dir.path().join("desk.sqlite3")).unwrap();

    let members = client
        .directories()
        .all_users("dir_7001", 4, |_, _, _| true)
        .await
        .unwrap();
    let by_email = |i: usize| members[i].email.clone();
    let selection = vec![members[0].id.clone(), members[1].id.clone()];
    let pasted = parse_pasted_members(&format!(
        "e-mail\n{}\n{}\nreg_1\n{}\nnobody@example.com\n",
        by_email(2).to_uppercase(),
        members[3].id,
        members[0].id,
    ))
    .unwrap();
    let rows = payment_rows(&selection, &pasted, &members);
    assert_eq!(rows.len(), 7);

    let spec = PaymentJobSpec {
        directory: "dir_7001".into(),
        directory_name: "Corner Bakery members".into(),
        update: PaymentUpdate {
            status: PaymentStatus::Paid,
            confirmation_id: "batch-11".into(),
            confirmation_account: "Bank transfer".into(),
        },
    };
    let ctl = sandbox.control();
    // The first update is carried out but its reply is cut.
    ctl.inject_on("directoryusers/update", Fault::DropAfterHandling, 1);
    let job = jobs
        .create_payment_job("acc", "Shop", &spec, 2, rows)
        .unwrap();
    jobs.run(&job, client.clone(), Arc::new(NoProgress))
        .unwrap();
    let end = tokio::time::timeout(Duration::from_secs(120), jobs.wait_until_settled(&job))
        .await
        .expect("the job settles")
        .unwrap();
    assert_eq!(end.state, JobState::Finished, "{end:?}");
    assert_eq!(
        (end.sent, end.skipped, end.failed, end.unknown),
        (4, 1, 2, 0),
        "{end:?}"
    );
    for member in &members[..4] {
        let now = ctl
            .directory_member_payment("dir_7001", &member.id)
            .unwrap();
        assert_eq!(
            (now.status.as_str(), now.confirmation_id.as_str()),
            ("paid", "batch-11"),
            "{}",
            member.id
        );
    }
    assert_eq!(
        ctl.request_count("directoryusers/update"),
        4,
        "four members, four updates: the lost reply was looked up, not resent"
    );
    let page = jobs.rows(&job, 0, 100).unwrap();
    let statuses: Vec<RowStatus> = page.rows.iter().map(|r| r.status).collect();
    assert!(statuses.contains(&RowStatus::Skipped) && statuses.contains(&RowStatus::Failed));
    sandbox.stop().await;
}
