//! Importing loyalty members as a job of the bulk engine against the sandbox over HTTP: a
//! batch whose reply is lost is settled member by member from the card (members created after
//! the batch left, by the server's clock), never imported twice; a member who existed before
//! hides nothing; phones are found however the server writes them.

use std::sync::Arc;
use std::time::Duration;

use coupon_desk::api::{Client, ClientConfig, Credentials, MemberFields};
use coupon_desk::jobs::{ImportSpec, JobManager, JobState, NoProgress, RowStatus};
use coupon_desk::sandbox::{Fault, Sandbox, SandboxConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};

const CARD: u64 = 48213;

fn member(first: &str, email: Option<&str>, phone: Option<&str>) -> MemberFields {
    MemberFields {
        first_name: Some(first.into()),
        last_name: Some("Import".into()),
        email: email.map(str::to_owned),
        phone: phone.map(str::to_owned),
        ..MemberFields::default()
    }
}

/// Issue #16, case 3: the batch is created, its reply cut. One row's e-mail belonged to a
/// member long before the import; one row has only a phone, which the server stores as digits.
/// Every row ends Added with its own new member, and nobody is created twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_batch_is_settled_by_members_created_since_and_never_imported_twice() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let ctl = sandbox.control();
    ctl.set_phones_as_digits(true);
    let mut config = ClientConfig::new(
        Credentials::new(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
        sandbox.v3_url(),
        sandbox.v4_url(),
    );
    config.timeout = Duration::from_secs(3);
    let client = Client::new(config).unwrap();
    // A member with this address was made a day ago (by the server's clock).
    ctl.set_clock_offset(time::Duration::days(-1));
    let old = client
        .loyalty()
        .create_member(CARD, &member("Old", Some("same@shop.test"), None))
        .await
        .unwrap();
    ctl.set_clock_offset(time::Duration::ZERO);
    let before = ctl.loyalty_member_count(CARD, true);

    let rows = vec![
        (1, member("Ada", Some("ada@shop.test"), None), None),
        (2, member("Same", Some("same@shop.test"), None), None),
        (3, member("Phone", None, Some("0470 12 34 56")), None),
    ];
    let dir = tempfile::tempdir().unwrap();
    let jobs = JobManager::open(dir.path().join("desk.sqlite3")).unwrap();
    let spec = ImportSpec {
        card: CARD,
        card_name: "Coffee card".into(),
    };
    ctl.inject_on("stats/bulk", Fault::DropAfterHandling, 1);
    let job = jobs.create_import_job("acc", "Shop", &spec, rows).unwrap();
    jobs.run(&job, client.clone(), Arc::new(NoProgress)).unwrap();
    let end = tokio::time::timeout(Duration::from_secs(120), jobs.wait_until_settled(&job))
        .await
        .expect("the job settles")
        .unwrap();
    assert_eq!(end.state, JobState::Finished, "{end:?}");
    assert_eq!((end.sent, end.failed, end.unknown), (3, 0, 0), "{end:?}");
    assert_eq!(
        ctl.loyalty_member_count(CARD, true) - before,
        3,
        "each row's member was created once"
    );
    assert_eq!(ctl.request_count("stats/bulk"), 1, "nothing was sent again");
    let page = jobs.rows(&job, 0, 10).unwrap();
    let same = page.rows.iter().find(|r| r.row == 2).unwrap();
    assert_eq!(same.status, RowStatus::Sent);
    assert_ne!(
        same.field("memberId"),
        Some(old.id.to_string().as_str()),
        "the member who existed before is not this row's"
    );
    assert!(page.rows.iter().all(|r| r.field("memberId").is_some()));
}
