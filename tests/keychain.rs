//! The keychain round trip against the real OS keychain (Secret Service on Linux: run inside a
//! D-Bus session with an unlocked gnome-keyring, as scripts/test.sh does). Reading through a
//! fresh entry proves the secret really left this process: keyring's in-memory mock would lose it.

use coupon_desk::api::Secret;
use coupon_desk::secrets::{SecretStore, SecretsError};

#[test]
fn secret_round_trips_through_the_real_keychain_and_is_deleted() {
    let service = format!("com.coupondesk.test.keychain.{}", std::process::id());
    let account = "acc_keychain_roundtrip";
    let store = SecretStore::new(&service);
    store
        .probe()
        .expect("a keychain must answer (run inside scripts/test.sh's D-Bus session)");

    store
        .save(
            account,
            &Secret::new("s3cret-Value-0123456789abcdef".to_owned()),
        )
        .expect("save");

    // A different store object builds a new keyring entry: nothing is shared in memory.
    let fresh = SecretStore::new(&service);
    assert_eq!(
        fresh.load(account).expect("read back").expose(),
        "s3cret-Value-0123456789abcdef"
    );

    // Replacing keeps one entry with the new value.
    store
        .save(
            account,
            &Secret::new("second-Value-0123456789abcdef".to_owned()),
        )
        .expect("replace");
    assert_eq!(
        SecretStore::new(&service).load(account).unwrap().expose(),
        "second-Value-0123456789abcdef"
    );

    fresh.delete(account).expect("delete");
    assert!(matches!(
        SecretStore::new(&service).load(account),
        Err(SecretsError::Missing)
    ));
    // Deleting what is already gone is not an error (removing an account twice, a crash between).
    store.delete(account).expect("delete again");
}
