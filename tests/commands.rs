//! The app's commands on Tauri's mock runtime: the real `build()` setup, the real store plugin
//! (writing under a temp XDG_DATA_HOME), the real keychain (run inside scripts/test.sh's D-Bus
//! session) and a real sandbox over HTTP.

#[path = "support/mock_app.rs"]
mod mock_app;

use std::path::PathBuf;

use mock_app::MockApp;

use coupon_desk::sandbox::{Sandbox, SandboxConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};
use coupon_desk::secrets::{SecretStore, SecretsError};
use serde_json::{json, Value};
use tauri::Manager;

struct TestApp(MockApp);

impl std::ops::Deref for TestApp {
    type Target = MockApp;
    fn deref(&self) -> &MockApp {
        &self.0
    }
}

impl TestApp {
    fn new(name: &str) -> Self {
        TestApp(MockApp::new(name, |_| {}))
    }

    fn ok(&self, cmd: &str, args: Value) -> Value {
        self.invoke(cmd, args)
            .unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }

    fn err(&self, cmd: &str, args: Value) -> Value {
        match self.invoke(cmd, args) {
            Ok(v) => panic!("{cmd} should have failed, got {v}"),
            Err(e) => e,
        }
    }

    /// `$XDG_DATA_HOME/<identifier>/settings.json` on Linux; asked from Tauri so that the test
    /// also finds it on Windows and macOS (ci.yml), which have no XDG folders.
    fn settings_file(&self) -> PathBuf {
        self.app
            .path()
            .app_data_dir()
            .expect("app data folder")
            .join("settings.json")
    }

    fn keychain(&self) -> SecretStore {
        SecretStore::new(&self.service)
    }
}

fn sandbox() -> Sandbox {
    tauri::async_runtime::block_on(Sandbox::start(SandboxConfig::default()))
        .expect("sandbox starts")
}

fn account_input(name: &str, sandbox: &Sandbox, secret: &str) -> Value {
    json!({ "input": {
        "name": name,
        "clientId": DEMO_CLIENT_ID,
        "clientSecret": secret,
        "v3BaseUrl": sandbox.v3_url(),
        "v4BaseUrl": sandbox.v4_url(),
    }})
}

#[test]
fn first_start_has_no_account_and_offers_nothing_but_settings() {
    let t = TestApp::new("first");
    let status = t.ok("app_status", json!({}));
    assert_eq!(status["firstStart"], true);
    assert_eq!(status["activeAccount"], Value::Null);
    assert_eq!(status["keychain"]["available"], true, "{status}");
    let e = t.err("test_connection", json!({}));
    assert_eq!(e["kind"], "no_account");
}

#[test]
fn open_to_print_opens_no_file_the_app_did_not_save_in_this_session() {
    let t = TestApp::new("open-pdf");
    let dir = tempfile::tempdir().expect("dir");
    let planted = dir.path().join("invoice.pdf");
    std::fs::write(&planted, b"%PDF-1.7\n").expect("file");
    for path in [
        planted.display().to_string(),
        "/etc/passwd".into(),
        String::new(),
    ] {
        let e = t.err("open_saved_pdf", json!({ "path": path }));
        assert_eq!(e["kind"], "open", "{path}: {e}");
    }
}

#[test]
fn add_account_keeps_the_secret_in_the_keychain_only_and_test_connection_works() {
    let sb = sandbox();
    let t = TestApp::new("add");
    let view = t.ok(
        "add_account",
        account_input("Bakery", &sb, DEMO_CLIENT_SECRET),
    );
    assert_eq!(view["name"], "Bakery");
    assert_eq!(view["active"], true);
    assert_eq!(view["kind"], "coupontools");
    let id = view["id"].as_str().expect("id").to_owned();
    let hint = view["clientIdHint"].as_str().unwrap();
    assert!(
        hint.ends_with(&DEMO_CLIENT_ID[DEMO_CLIENT_ID.len() - 4..])
            && !hint.contains(DEMO_CLIENT_ID)
    );
    assert!(
        !view.to_string().contains(DEMO_CLIENT_SECRET),
        "the secret came back to the UI: {view}"
    );

    // Secret in the keychain, not in the settings file.
    assert_eq!(
        t.keychain().load(&id).expect("in keychain").expose(),
        DEMO_CLIENT_SECRET
    );
    let on_disk = std::fs::read_to_string(t.settings_file()).expect("settings saved");
    assert!(
        on_disk.contains("Bakery") && !on_disk.contains(DEMO_CLIENT_SECRET),
        "{on_disk}"
    );

    let report = t.ok("test_connection", json!({ "id": id }));
    assert!(report["campaigns"].as_u64().unwrap() >= 3, "{report}");
    assert!(report["activeCampaigns"].as_u64().unwrap() >= 1);

    let status = t.ok("app_status", json!({}));
    assert_eq!(status["firstStart"], false);
    assert_eq!(status["activeAccount"]["id"], id.as_str());
}

#[test]
fn wrong_secret_gives_the_plain_words_of_code_1000() {
    let sb = sandbox();
    let t = TestApp::new("wrong");
    let view = t.ok(
        "add_account",
        account_input("Florist", &sb, "WrongSecret0000000000000000000"),
    );
    let e = t.err("test_connection", json!({ "id": view["id"] }));
    assert_eq!(e["kind"], "auth", "{e}");
    assert_eq!(e["code"], 1000);
    let text = format!("{} {}", e["message"], e["hint"]);
    assert!(
        text.contains("client ID") || text.contains("secret"),
        "{text}"
    );
    assert!(!text.contains("HTTP/1.0"), "raw server text leaked: {text}");

    // Replacing the secret fixes it: the cached client must be rebuilt.
    t.ok(
        "update_account",
        json!({ "id": view["id"], "input": { "clientSecret": DEMO_CLIENT_SECRET } }),
    );
    t.ok("test_connection", json!({ "id": view["id"] }));
}

#[test]
fn bad_input_is_refused_with_the_field_named_and_nothing_saved() {
    let sb = sandbox();
    let t = TestApp::new("bad");
    let mut input = account_input("", &sb, DEMO_CLIENT_SECRET);
    let e = t.err("add_account", input.clone());
    assert_eq!(
        (e["kind"].as_str(), e["field"].as_str()),
        (Some("validation"), Some("name"))
    );
    input["input"]["name"] = json!("Shop");
    input["input"]["v3BaseUrl"] = json!("not a url");
    let e = t.err("add_account", input.clone());
    assert_eq!(e["field"], "v3BaseUrl", "{e}");
    input["input"]["v3BaseUrl"] = json!(sb.v3_url());
    input["input"]["clientSecret"] = json!("   ");
    assert_eq!(t.err("add_account", input)["field"], "clientSecret");
    assert_eq!(t.ok("list_accounts", json!({})), json!([]));

    let e = t.err(
        "set_preferences",
        json!({ "prefs": { "language": "en", "bulkConcurrency": 40 } }),
    );
    assert_eq!(e["field"], "concurrency");
    for (bad, field) in [
        (json!({ "todayPerMinute": 5 }), "todayPerMinute"),
        (json!({ "todayPerMinute": 601 }), "todayPerMinute"),
        (json!({ "claimsThreshold": 1_000_001 }), "claimsThreshold"),
    ] {
        let mut prefs = json!({ "language": "en", "bulkConcurrency": 4 });
        prefs
            .as_object_mut()
            .unwrap()
            .extend(bad.as_object().unwrap().clone());
        let e = t.err("set_preferences", json!({ "prefs": prefs }));
        assert_eq!(e["field"], field, "{e}");
        assert!(e["hint"].as_str().is_some_and(|h| !h.is_empty()), "{e}");
    }
    let e = t.err(
        "set_preferences",
        json!({ "prefs": { "language": "en", "bulkConcurrency": 4, "startScreen": "nowhere" } }),
    );
    assert_eq!(
        (e["kind"].as_str(), e["field"].as_str()),
        (Some("validation"), Some("startScreen")),
        "{e}"
    );
    let prefs = t.ok(
        "set_preferences",
        json!({ "prefs": { "language": "nl", "bulkConcurrency": 8, "claimsThreshold": 25 } }),
    );
    assert_eq!(
        prefs,
        json!({
            "language": "nl", "bulkConcurrency": 8, "checkUpdates": true,
            "startScreen": "today", "todayPerMinute": 60, "notifyJobs": true,
            "notifyOtherDesk": true, "claimsThreshold": 25, "keepInTray": null
        })
    );
    assert_eq!(t.ok("get_preferences", json!({})), prefs);
}

#[test]
fn rename_switch_and_remove_accounts_and_the_keychain_entry_goes_too() {
    let sb = sandbox();
    let t = TestApp::new("remove");
    let a = t.ok(
        "add_account",
        account_input("Shop A", &sb, DEMO_CLIENT_SECRET),
    );
    let b = t.ok(
        "add_account",
        account_input("Shop B", &sb, DEMO_CLIENT_SECRET),
    );
    assert_eq!(
        t.err(
            "add_account",
            account_input("shop a", &sb, DEMO_CLIENT_SECRET)
        )["field"],
        "name"
    );

    let renamed = t.ok(
        "update_account",
        json!({ "id": a["id"], "input": { "name": "Shop A (city)" } }),
    );
    assert_eq!(renamed["name"], "Shop A (city)");
    let active = t.ok("set_active_account", json!({ "id": a["id"] }));
    assert_eq!(active["active"], true);

    let a_id = a["id"].as_str().unwrap().to_owned();
    assert!(t.keychain().load(&a_id).is_ok());
    t.ok("remove_account", json!({ "id": a_id }));
    assert!(
        matches!(t.keychain().load(&a_id), Err(SecretsError::Missing)),
        "keychain entry must go"
    );
    let list = t.ok("list_accounts", json!({}));
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], b["id"]);
    assert_eq!(
        list[0]["active"], true,
        "the remaining account becomes active"
    );
    assert_eq!(
        t.err("remove_account", json!({ "id": a_id }))["kind"],
        "not_found"
    );
    t.ok("remove_account", json!({ "id": b["id"] }));
}

#[test]
fn practice_mode_is_an_account_that_works_without_the_internet() {
    let t = TestApp::new("practice");
    let view = t.ok("start_practice_mode", json!({}));
    assert_eq!(view["kind"], "practice");
    assert_eq!(view["active"], true);
    let report = t.ok("test_connection", json!({}));
    assert!(report["campaigns"].as_u64().unwrap() >= 3);
    // Starting it again neither duplicates the account nor restarts anything.
    t.ok("start_practice_mode", json!({}));
    let list = t.ok("list_accounts", json!({}));
    assert_eq!(
        list.as_array()
            .unwrap()
            .iter()
            .filter(|a| a["kind"] == "practice")
            .count(),
        1
    );
    drop(t);
}

#[test]
fn changing_an_accounts_address_takes_effect_at_once() {
    let (first, second) = (sandbox(), sandbox());
    let t = TestApp::new("move");
    let view = t.ok(
        "add_account",
        account_input("Moving shop", &first, DEMO_CLIENT_SECRET),
    );
    t.ok("test_connection", json!({ "id": view["id"] }));
    assert_eq!(first.control().request_count("coupon/list"), 1);

    t.ok(
        "update_account",
        json!({ "id": view["id"], "input": { "v3BaseUrl": second.v3_url(), "v4BaseUrl": second.v4_url() } }),
    );
    t.ok("test_connection", json!({ "id": view["id"] }));
    assert_eq!(
        second.control().request_count("coupon/list"),
        1,
        "the new address is used"
    );
    assert_eq!(
        first.control().request_count("coupon/list"),
        1,
        "the old client is not reused"
    );
}

/// The loyalty member panel's commands against a real sandbox: every change is re-read and
/// shown, a lost reply on "add stamps" is settled by a re-read (never a second stamp), and a
/// delete needs the member's name typed.
#[test]
fn loyalty_member_panel_commands_change_the_member_and_show_what_the_server_has() {
    let t = TestApp::new("loyalty");
    let sb = sandbox();
    t.ok(
        "add_account",
        account_input("Coffee bar", &sb, DEMO_CLIENT_SECRET),
    );
    let ctl = sb.control();
    let (card, lucas) = ("48213", "910002");

    let overview = t.ok("loyalty_cards", json!({}));
    assert_eq!(overview["v3Only"], false);
    assert!(overview["cards"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["id"] == card));

    let before = t.ok("loyalty_member", json!({ "card": card, "member": lucas }));
    assert_eq!(before["stamps"], 7);

    // Fields are checked in Rust, with the field named.
    let bad = t.err(
        "update_loyalty_member",
        json!({ "card": card, "member": lucas, "fields": { "email": "lucas@" } }),
    );
    assert_eq!(
        (bad["kind"].as_str(), bad["field"].as_str()),
        (Some("validation"), Some("email"))
    );
    let saved = t.ok(
        "update_loyalty_member",
        json!({ "card": card, "member": lucas, "fields": { "city": "Gent" } }),
    );
    assert_eq!(saved["city"], "Gent");

    // Two stamps; the reply of the next call is lost, and the re-read shows they arrived once.
    let added = t.ok(
        "add_loyalty_stamps",
        json!({ "card": card, "member": lucas, "amount": 2, "before": 7, "note": "birthday" }),
    );
    assert_eq!(added["member"]["stamps"], 9);
    assert_eq!(added["confirmedAfterInterruption"], false);
    ctl.inject_on(
        "POST stats/910002",
        coupon_desk::sandbox::Fault::DropAfterHandling,
        1,
    );
    let confirmed = t.ok(
        "add_loyalty_stamps",
        json!({ "card": card, "member": lucas, "amount": 1, "before": 9 }),
    );
    assert_eq!(confirmed["confirmedAfterInterruption"], true, "{confirmed}");
    assert_eq!(confirmed["member"]["stamps"], 10);
    assert_eq!(
        ctl.loyalty_member(48213, 910002).unwrap().stamps,
        10,
        "one stamp, not two"
    );
    let zero = t.err(
        "add_loyalty_stamps",
        json!({ "card": card, "member": lucas, "amount": 0, "before": 10 }),
    );
    assert_eq!(zero["field"], "amount");

    // 8 stamps per reward: one reward is available now; using it marks it used.
    let rewards = confirmed["member"]["rewards"].as_array().unwrap().clone();
    let open: Vec<u64> = rewards
        .iter()
        .filter(|r| r["used"] == false)
        .map(|r| r["id"].as_u64().unwrap())
        .collect();
    assert_eq!(open.len(), 1, "{rewards:?}");
    let used = t.ok(
        "use_loyalty_rewards",
        json!({ "card": card, "member": lucas, "rewardIds": open }),
    );
    assert!(used["rewards"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["used"] == true));

    let voided = t.ok(
        "void_loyalty_member",
        json!({ "card": card, "member": lucas }),
    );
    assert_eq!(voided["voided"], true);
    assert!(ctl.loyalty_member(48213, 910002).unwrap().voided);

    let wrong = t.err(
        "delete_loyalty_member",
        json!({ "card": card, "member": lucas, "typedName": "Lucas" }),
    );
    assert_eq!(wrong["field"], "deleteName");
    assert!(
        ctl.loyalty_member(48213, 910002).is_some(),
        "not deleted on a wrong name"
    );
    t.ok(
        "delete_loyalty_member",
        json!({ "card": card, "member": lucas, "typedName": "lucas janssens" }),
    );
    assert!(ctl.loyalty_member(48213, 910002).is_none());

    let made = t.ok(
        "create_loyalty_member",
        json!({ "card": card, "fields": { "firstName": "Nina", "email": "nina@example.com" } }),
    );
    assert_eq!(made["email"], "nina@example.com");
    let pushed = t.ok(
        "push_loyalty_message",
        json!({ "card": card, "message": "Double stamps today!", "members": [made["id"]] }),
    );
    assert_eq!(pushed["recipients"], 1);
    let empty = t.err(
        "push_loyalty_message",
        json!({ "card": card, "message": "  " }),
    );
    assert_eq!(empty["field"], "message");

    // The history has every change.
    let history = t.ok("list_history", json!({ "filter": { "text": "" } }));
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for action in [
        "loyalty_member_update",
        "loyalty_add_stamps",
        "loyalty_use_rewards",
        "loyalty_void",
        "loyalty_delete",
        "loyalty_member_create",
        "loyalty_push",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }

    // Keys the v4 API refuses: the v3 operations take over, the others say so.
    ctl.set_v4_refused(true);
    let v3 = t.ok("loyalty_cards", json!({}));
    assert_eq!(v3["v3Only"], true, "{v3}");
    let emma = "lus_910001";
    let stamped = t.ok(
        "add_loyalty_stamps",
        json!({ "card": "loy_48213", "member": emma, "amount": 1, "before": 3 }),
    );
    assert_eq!(stamped["member"]["stamps"], 4);
    let not_here = t.err(
        "create_loyalty_member",
        json!({ "card": "loy_48213", "fields": { "firstName": "X" } }),
    );
    assert_eq!(not_here["kind"], "not_available");
}

/// Issue #16, case 2: stamps added at another till count. The panel showed 3; another till
/// added 2; "add 1" ends at 6 on v4 and on the v3 fallback (which sets the count) alike, and
/// says the card had changed. After a lost reply, a difference that is not exactly this
/// request's (another till stamped meanwhile) is Unknown with the card's total, not "arrived".
#[test]
fn stamps_from_another_till_are_kept_and_a_lost_reply_is_told_only_by_its_own_difference() {
    let t = TestApp::new("stamps-two-tills");
    let sb = sandbox();
    t.ok(
        "add_account",
        account_input("Two tills", &sb, DEMO_CLIENT_SECRET),
    );
    let ctl = sb.control();
    let (card, emma) = (48213u64, 910001u64);
    let shown = ctl.loyalty_member(card, emma).unwrap().stamps;

    assert!(ctl.add_loyalty_stamps(card, emma, 2), "the other till");
    let added = t.ok(
        "add_loyalty_stamps",
        json!({ "card": "48213", "member": "910001", "amount": 1, "before": shown }),
    );
    assert_eq!(added["member"]["stamps"], shown + 3, "{added}");
    assert_eq!(added["changedSinceShown"], shown + 2);

    // v3 sets an absolute count: it is built on a fresh read, not on what the panel showed.
    ctl.set_v4_refused(true);
    let shown_v3 = ctl.loyalty_member(card, emma).unwrap().stamps;
    assert!(ctl.add_loyalty_stamps(card, emma, 2), "the other till");
    let v3 = t.ok(
        "add_loyalty_stamps",
        json!({ "card": "loy_48213", "member": "lus_910001", "amount": 1, "before": shown_v3 }),
    );
    assert_eq!(v3["member"]["stamps"], shown_v3 + 3, "{v3}");
    assert_eq!(
        ctl.loyalty_member(card, emma).unwrap().stamps,
        shown_v3 + 3,
        "the other till's stamps were not overwritten"
    );
    ctl.set_v4_refused(false);

    // Our reply is lost after the server added our stamp; while we wait, the other till adds
    // one. The card moved by 2, not by our 1: nobody can tell, so it is Unknown.
    let start = ctl.loyalty_member(card, emma).unwrap().stamps;
    ctl.inject_on(
        "POST stats/910001",
        coupon_desk::sandbox::Fault::DropAfterHandling,
        1,
    );
    let other = {
        let ctl = ctl.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(500));
            ctl.add_loyalty_stamps(card, emma, 1)
        })
    };
    let unknown = t.err(
        "add_loyalty_stamps",
        json!({ "card": "48213", "member": "910001", "amount": 1, "before": start }),
    );
    assert!(other.join().unwrap());
    assert_eq!(unknown["kind"], "outcome_unknown", "{unknown}");
    assert!(
        unknown["message"]
            .as_str()
            .unwrap()
            .contains(&(start + 2).to_string()),
        "says the card's total: {unknown}"
    );
    assert_eq!(ctl.loyalty_member(card, emma).unwrap().stamps, start + 2);
}

#[test]
fn a_subaccount_added_as_an_account_keeps_its_keys_in_the_keychain_only_and_connects() {
    let t = TestApp::new("subaccount");
    let sb = sandbox();
    let main = t.ok(
        "add_account",
        account_input("Head office", &sb, DEMO_CLIENT_SECRET),
    );

    // The window never receives a subaccount's keys.
    let list = t.ok("list_subaccounts", json!({}));
    let key = sb.control().subaccount_api_key("sub_1537").unwrap();
    assert!(!list.to_string().contains(&key), "{list}");
    let details = t.ok("subaccount_details", json!({ "subaccount": "sub_1537" }));
    assert_eq!(details["hasApiKeys"], true);
    assert!(!details.to_string().contains(&key), "{details}");

    // Coupontools' refusals come back beside their field.
    let taken = t.err(
        "create_subaccount",
        json!({ "input": { "email": "gent@cornerbakery.test" } }),
    );
    assert_eq!(
        (taken["field"].as_str(), taken["code"].as_u64()),
        (Some("email"), Some(304)),
        "{taken}"
    );
    let bad_date = t.err(
        "create_subaccount",
        json!({ "input": { "email": "new@cornerbakery.test", "expiryDate": "2027-13-01" } }),
    );
    assert_eq!(bad_date["field"], "expiryDate", "{bad_date}");

    // A lost update reply: the subaccount is read back and shows the change.
    sb.control().inject_on(
        "subaccount/update",
        coupon_desk::sandbox::Fault::DropAfterHandling,
        1,
    );
    let changed = t.ok(
        "update_subaccount",
        json!({ "subaccount": "sub_1537", "input": { "expiryDate": "2028-02-29" } }),
    );
    assert_eq!(changed["expiryDate"], "2028-02-29");
    assert_eq!(sb.control().request_count("subaccount/update"), 1);
    let added = t.ok(
        "add_subaccount_as_account",
        json!({ "subaccount": "sub_1537" }),
    );
    assert_eq!(added["name"], "Corner Bakery Brugge (subaccount)");
    assert_eq!(added["active"], false, "the main account stays active");
    assert!(!added.to_string().contains(&key));
    let id = added["id"].as_str().unwrap().to_owned();
    // The secret is in the keychain, and nowhere in the settings file.
    let secret = t
        .keychain()
        .load(&id)
        .expect("the secret is in the keychain");
    let settings = std::fs::read_to_string(t.settings_file()).unwrap();
    assert!(!settings.contains(secret.expose()));
    // The stored keys work: the sandbox knows them as the subaccount's.
    let report = t.ok("test_connection", json!({ "id": id }));
    assert!(report["campaigns"].as_u64().unwrap() > 0, "{report}");
    // Once is enough.
    let again = t.err(
        "add_subaccount_as_account",
        json!({ "subaccount": "sub_1537" }),
    );
    assert_eq!(again["kind"], "validation");
    let status = t.ok("app_status", json!({}));
    assert_eq!(status["activeAccount"]["id"], main["id"]);
}

#[test]
fn a_member_set_to_paid_is_read_back_and_the_history_has_it() {
    let t = TestApp::new("directory");
    let sb = sandbox();
    t.ok(
        "add_account",
        account_input("Head office", &sb, DEMO_CLIENT_SECRET),
    );
    let bad = t.err(
        "set_member_payment",
        json!({ "directory": "dir_7001", "user": "reg_560005", "payment": { "status": "refunded" } }),
    );
    assert_eq!(bad["field"], "paymentStatus", "{bad}");
    let set = t.ok(
        "set_member_payment",
        json!({ "directory": "dir_7001", "user": "reg_560005",
                "payment": { "status": "paid", "confirmationId": "pi_42", "confirmationAccount": "Stripe" } }),
    );
    assert_eq!(set["member"]["paymentStatus"], "paid");
    assert_eq!(set["member"]["confirmationId"], "pi_42");
    assert_eq!(set["confirmedAfterLoss"], false);
    // A lost reply: the member is read again, and the change is confirmed, not sent twice.
    sb.control().inject_on(
        "directoryusers/update",
        coupon_desk::sandbox::Fault::DropAfterHandling,
        1,
    );
    let lost = t.ok(
        "set_member_payment",
        json!({ "directory": "dir_7001", "user": "reg_560006", "payment": { "status": "pending" } }),
    );
    assert_eq!(lost["member"]["paymentStatus"], "pending");
    assert_eq!(lost["confirmedAfterLoss"], true);
    assert_eq!(sb.control().request_count("directoryusers/update"), 2);
    let history = t.ok("list_history", json!({ "filter": {} }));
    assert!(
        history.to_string().contains("directory_payment"),
        "{history}"
    );
    let lists = t.ok("category_lists", json!({}));
    assert_eq!(lists["usesThirdLevel"], true);
    sb.control().set_third_level_categories(false);
    let lists = t.ok("category_lists", json!({}));
    assert_eq!(lists["usesThirdLevel"], false);
    assert_eq!(lists["mainCategories"], json!([]));
}

#[test]
fn the_counter_checks_a_stack_and_the_campaign_list_takes_its_filters() {
    let sb = sandbox();
    let t = TestApp::new("counter");
    t.ok(
        "add_account",
        account_input("Counter shop", &sb, DEMO_CLIENT_SECRET),
    );
    // An own validation code of the Lunch deal, an unknown code, the first one again.
    let checked = t.ok(
        "check_redeem_many",
        json!({ "text": "LD-00005\nzzzzzzzzzzzzzzzzzzzz9\r\nLD-00005\n" }),
    );
    let states: Vec<&str> = checked
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["state"].as_str().unwrap())
        .collect();
    assert_eq!(states.len(), 3, "{checked}");
    assert!(
        !["not_found", "unchecked"].contains(&states[0]),
        "{checked}"
    );
    assert_eq!(&states[1..], ["not_found", "duplicate"], "{checked}");
    assert_eq!(checked[0]["campaign"], "cam_104250");
    assert_eq!(checked[0]["code"].as_str().map(str::len), Some(21));
    let empty = t.err("check_redeem_many", json!({ "text": " \n " }));
    assert_eq!(empty["field"], "stack", "{empty}");

    let folder = t.ok(
        "list_campaigns_filtered",
        json!({ "filter": { "onlyActive": false, "folder": "1201" } }),
    );
    let folder = folder.as_array().unwrap();
    assert!(!folder.is_empty());
    assert!(folder
        .iter()
        .all(|c| c["folder"] == "1201" && c["folderName"] == "At the counter"));
    let bad = t.err(
        "list_campaigns_filtered",
        json!({ "filter": { "folder": "12/../x" } }),
    );
    assert_eq!(bad["field"], "folder", "{bad}");
    let rows = t.ok("campaign_usage_rows", json!({ "offset": 0, "limit": 10 }));
    assert!(rows["rows"].is_array(), "{rows}");
    drop(t);
}

/// The history lines of `action` on `target`, newest first.
fn history_of(t: &TestApp, action: &str, target: &str) -> Vec<Value> {
    let history = t.ok("list_history", json!({ "filter": {} }));
    history
        .as_array()
        .expect("history list")
        .iter()
        .filter(|e| e["action"] == action && e["target"] == target)
        .cloned()
        .collect()
}

#[test]
fn a_saved_change_not_read_back_is_a_success_with_a_note_and_in_the_history() {
    let t = TestApp::new("refresh");
    let sb = sandbox();
    t.ok(
        "add_account",
        account_input("Head office", &sb, DEMO_CLIENT_SECRET),
    );
    let refuse = || coupon_desk::sandbox::Fault::Refuse {
        code: 300,
        description: "Something went wrong".into(),
    };

    // The subaccount is saved; the read after it fails: success, with a note, sent once.
    sb.control().inject_on("v4/subaccount", refuse(), 1);
    let changed = t.ok(
        "update_subaccount",
        json!({ "subaccount": "sub_1537", "input": { "expiryDate": "2029-01-31" } }),
    );
    assert_eq!(changed["refreshFailed"], true, "{changed}");
    assert!(changed["refreshNote"]
        .as_str()
        .is_some_and(|n| !n.is_empty()));
    assert_eq!(changed["id"], "sub_1537");
    assert_eq!(changed["expiryDate"], "2029-01-31");
    assert_eq!(sb.control().request_count("subaccount/update"), 1);
    let lines = history_of(&t, "subaccount_update", "sub_1537");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["outcome"], "ok");
    // Read normally, nothing to note.
    let fresh = t.ok(
        "update_subaccount",
        json!({ "subaccount": "sub_1537", "input": { "expiryDate": "2029-02-28" } }),
    );
    assert_eq!(fresh["refreshFailed"], false, "{fresh}");
    assert_eq!(fresh["refreshNote"], Value::Null);

    // The payment status is saved; the member list after it fails.
    sb.control().inject_on("directoryusers/list", refuse(), 1);
    let set = t.ok(
        "set_member_payment",
        json!({ "directory": "dir_7001", "user": "reg_560007", "payment": { "status": "unpaid" } }),
    );
    assert_eq!(set["refreshFailed"], true, "{set}");
    assert!(set["refreshNote"].as_str().is_some_and(|n| !n.is_empty()));
    assert_eq!(set["confirmedAfterLoss"], false);
    assert_eq!(set["member"]["id"], "reg_560007");
    assert_eq!(set["member"]["paymentStatus"], "unpaid");
    assert_eq!(sb.control().request_count("directoryusers/update"), 1);
    let lines = history_of(&t, "directory_payment", "reg_560007");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["outcome"], "ok");
    assert!(lines[0]["detail"].as_str().is_some_and(|d| !d.is_empty()));
}

#[test]
fn a_create_whose_reply_was_lost_and_that_was_not_made_is_failed_in_the_history() {
    let t = TestApp::new("notmade");
    let sb = sandbox();
    t.ok(
        "add_account",
        account_input("Head office", &sb, DEMO_CLIENT_SECRET),
    );
    // The connection closes before the request is handled: nothing is made.
    sb.control().inject_on(
        "subaccount/create",
        coupon_desk::sandbox::Fault::DropConnection,
        1,
    );
    let e = t.err(
        "create_subaccount",
        json!({ "input": { "email": "notmade@cornerbakery.test" } }),
    );
    assert_ne!(e["kind"], "outcome_unknown", "{e}");
    assert_eq!(sb.control().request_count("subaccount/create"), 1);
    let lines = history_of(&t, "subaccount_create", "notmade@cornerbakery.test");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["outcome"], "failed");
    let list = t.ok("list_subaccounts", json!({}));
    assert!(!list.to_string().contains("notmade@"), "{list}");
}

/// The chaos harness for the single writes (see tests/chaos.rs for the bulk kinds): for each
/// seed (printed; `COUPON_DESK_CHAOS_SEED` replays one, `COUPON_DESK_CHAOS_RUNS` sets how many)
/// a fault of a random shape on the write or on its look-up, and another desk at work, through
/// the real commands. The sandbox's record is the truth: an address e-mailed at most once and
/// exactly once when shown sent, never when shown not sent; stamps added exactly once when
/// shown added, not at all when shown not added; a coupon validated at most once, and when
/// shown marked.
#[test]
fn chaos_single_writes() {
    use coupon_desk::sandbox::Fault;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    let seeds: Vec<u64> = match std::env::var("COUPON_DESK_CHAOS_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok())
    {
        Some(seed) => vec![seed],
        None => {
            let runs: u64 = std::env::var("COUPON_DESK_CHAOS_RUNS")
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(2);
            let base: u64 = rand::random();
            (0..runs).map(|i| base.wrapping_add(i * 7919)).collect()
        }
    };
    let fault = |rng: &mut StdRng| match rng.random_range(0..8) {
        0 => Fault::DropConnection,
        1 | 2 => Fault::DropAfterHandling,
        3 => Fault::ServerError(503),
        4 => Fault::Truncated,
        5 => Fault::StatusAsString,
        6 => Fault::Empty,
        _ => Fault::TooManyRequests {
            retry_after_secs: 1,
        },
    };
    for seed in seeds {
        eprintln!("chaos single writes: seed {seed} (replay: COUPON_DESK_CHAOS_SEED={seed} cargo test --test commands chaos_single_writes)");
        let mut rng = StdRng::seed_from_u64(seed);
        let t = TestApp::new(&format!("chaos-{seed}"));
        let sb = sandbox();
        t.ok(
            "add_account",
            account_input("Chaos", &sb, DEMO_CLIENT_SECRET),
        );
        let ctl = sb.control();
        // A fault on the write (mostly) or on the read that settles it.
        let strike = |rng: &mut StdRng, write: &str, read: &str| {
            let f = fault(rng);
            ctl.inject_on(
                if rng.random_bool(0.8) { write } else { read },
                f.clone(),
                1,
            );
            f
        };

        // Send one coupon; another desk e-mails the same campaign meanwhile.
        let address = format!("one{seed}@example.com");
        let f = strike(&mut rng, "send/email", "couponsession/search");
        let sent = t.invoke(
            "send_coupon_email",
            json!({ "input": { "campaign": "cam_104211", "email": address, "checkUnique": rng.random_bool(0.5) } }),
        );
        let count = ctl.emails_sent_to(&address);
        assert!(count <= 1, "seed {seed} {f:?}: e-mailed {count} times");
        match &sent {
            Ok(result) => assert_eq!(
                (count, result["alreadySent"].as_bool()),
                (1, Some(false)),
                "seed {seed} {f:?}: {result}"
            ),
            Err(e) if e["kind"] == "not_sent" => {
                assert_eq!(count, 0, "seed {seed} {f:?}: shown not sent: {e}")
            }
            Err(_) => {}
        }

        // One single-use link for a customer.
        let customer = format!("link{seed}@example.com");
        let f = strike(&mut rng, "singleuse/create", "couponsession/search");
        let link = t.invoke(
            "create_single_use_link",
            json!({ "input": { "campaign": "cam_104211", "email": customer, "duplicateCheck": false } }),
        );
        let links = ctl.sessions_for_email("cam_104211", &customer);
        assert!(links <= 1, "seed {seed} {f:?}: {links} links made");
        match &link {
            Ok(result) => {
                assert_eq!(links, 1, "seed {seed} {f:?}: {result}");
                assert!(result["url"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("https://")));
            }
            Err(e) if e["kind"] == "not_made" => {
                assert_eq!(links, 0, "seed {seed} {f:?}: shown not made: {e}")
            }
            Err(_) => {}
        }

        // Add stamps while another till stamps the same member.
        let (card, member) = (48213u64, 910001u64);
        let start = ctl.loyalty_member(card, member).unwrap().stamps;
        let f = strike(&mut rng, "POST stats/910001", "GET stats/910001");
        let other = rng.random_bool(0.5).then(|| {
            let ctl = ctl.clone();
            let delay = rng.random_range(0..1_500);
            std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(delay));
                ctl.add_loyalty_stamps(card, member, 1)
            })
        });
        let stamped = t.invoke(
            "add_loyalty_stamps",
            json!({ "card": "48213", "member": "910001", "amount": 2, "before": start }),
        );
        let others = other.map_or(0, |h| u32::from(h.join().unwrap()));
        let now = ctl.loyalty_member(card, member).unwrap().stamps;
        match &stamped {
            Ok(result) => assert_eq!(now, start + 2 + others, "seed {seed} {f:?}: {result}"),
            Err(e) if e["kind"] == "not_added" => {
                assert_eq!(
                    now,
                    start + others,
                    "seed {seed} {f:?}: shown not added: {e}"
                )
            }
            Err(_) => assert!(now <= start + 2 + others, "seed {seed} {f:?}"),
        }

        // Mark a fresh coupon as used while another till may use it too.
        let code = ctl.other_desk_makes_links("cam_104250", 1).remove(0);
        let f = strike(&mut rng, "couponsession/update", "couponsession/data");
        let used_elsewhere = rng.random_bool(0.3) && ctl.other_desk_validates(&code);
        let marked = t.invoke("redeem_mark_used", json!({ "code": code, "amount": null }));
        let state = ctl.session_state(&code).unwrap();
        assert!(
            state.times_validated <= 1,
            "seed {seed} {f:?}: validated twice"
        );
        if let Ok(result) = &marked {
            assert_eq!(state.times_validated, 1, "seed {seed} {f:?}: {result}");
            assert!(
                !used_elsewhere,
                "seed {seed} {f:?}: another till's use shown as ours: {result}"
            );
        }
    }
}

#[test]
fn the_windows_midnight_is_taken_when_it_changes_and_a_wrong_one_refused() {
    use coupon_desk::today_watch::TodayWatch;
    let t = TestApp::new("midnight");
    let now = coupon_desk::jobs::now_ms();
    let watch = t.app.state::<TodayWatch>();
    // The day after a spring clock change started 23 hours before the next midnight: told as
    // it is, not as the last midnight plus 24 hours.
    let midnight = now - 23 * 3_600_000 + 60_000;
    t.ok("tell_midnight", json!({ "dayStartMs": midnight }));
    assert_eq!(watch.day_start(), midnight);
    // A midnight still to come, or more than a day and an hour ago, is a wrong clock: refused
    // in words, and the day kept.
    for wrong in [now + 60_000, now - 26 * 3_600_000] {
        let e = t.err("tell_midnight", json!({ "dayStartMs": wrong }));
        assert_eq!(e["kind"], "validation", "{e}");
        assert!(
            e["message"].as_str().is_some_and(|m| m.contains("clock")),
            "{e}"
        );
        assert_eq!(watch.day_start(), midnight);
    }
}
