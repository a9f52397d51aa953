#!/usr/bin/env bash
# Runs every test: unit, sandbox and client over HTTP, command tests, the keychain round trip
# against a real Secret Service, the crash/resume test, and the end-to-end tests in the real app
# window (WebDriver under Xvfb). Fails if the end-to-end tests did not run.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh --test
export PATH="$HOME/.cargo/bin:$PATH"
export RUST_BACKTRACE=1
out_dir="$PWD/target/test-output"
mkdir -p "$out_dir"
export COUPON_DESK_TEST_OUTPUT="$out_dir"

echo "==> Building the app and the tests"
# One build: `cargo test` also builds the app binary the end-to-end tests launch (a separate
# `cargo build` would compile everything twice, the test build having other features).
cargo test --no-run --all-targets

# A private D-Bus session with an unlocked gnome-keyring (the real Secret Service), and a virtual
# display for the app window.
inner=$(cat <<'INNER'
set -euo pipefail
# A throwaway keyring: never the developer's own login keyring, and always unlockable.
keyring_home=$(mktemp -d)
echo coupon-desk-tests | XDG_DATA_HOME="$keyring_home" gnome-keyring-daemon --unlock --components=secrets >/dev/null
echo "==> Unit, integration, command and keychain tests"
cargo test --all-targets 2>&1 | tee "$COUPON_DESK_TEST_OUTPUT/cargo-test.log"
echo "==> End-to-end tests in the real app window"
cargo test --test e2e -- --ignored --test-threads=1 2>&1 | tee "$COUPON_DESK_TEST_OUTPUT/e2e.log"
INNER
)
dbus-run-session -- xvfb-run -a -s "-screen 0 1400x1000x24" bash -c "$inner"

# The end-to-end tests are #[ignore]d for plain `cargo test`; make sure every one of them ran here.
e2e_expected=$(grep -c '#\[ignore = "end-to-end' tests/e2e.rs)
e2e_passed=$(grep -Eo 'test result: ok\. [0-9]+ passed' "$out_dir/e2e.log" | grep -Eo '[0-9]+' | head -n1 || true)
if [[ -z "$e2e_passed" || "$e2e_passed" -ne "$e2e_expected" ]]; then
  echo "FAILED: ${e2e_passed:-0} of $e2e_expected end-to-end tests ran and passed (see $out_dir/e2e.log)" >&2
  exit 1
fi
echo "==> All tests passed, $e2e_passed of them end-to-end in the real window. Screenshots and logs: $out_dir"
