#!/usr/bin/env bash
# Runs every test: unit, sandbox and client over HTTP, command tests, the keychain round trip
# against a real Secret Service, the crash/resume test, and the end-to-end tests in the real app
# window (WebDriver under Xvfb), and the accessibility check (axe-core) of every screen in that
# window. Fails if any of the end-to-end tests did not run.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each stage says how long it took (CI's budget is tight on a 2-core machine).
stage_started=$(date +%s)
stage() {
  local now
  now=$(date +%s)
  echo "==> [$((now - stage_started)) s] $*"
  stage_started=$now
}
export stage_started

echo "==> Installing what is missing"
bash scripts/install-deps.sh --test
stage "dependencies ready"
export PATH="$HOME/.cargo/bin:$PATH"
export RUST_BACKTRACE=1
out_dir="$PWD/target/test-output"
mkdir -p "$out_dir"
rm -rf "$out_dir/app-logs"
export COUPON_DESK_TEST_OUTPUT="$out_dir"
# axe-core, fetched by install-deps.sh --test, for tests/e2e_a11y.rs.
export COUPON_DESK_AXE_JS="$PWD/target/test-tools/node_modules/axe-core/axe.min.js"

echo "==> Building the app and the tests"
# One build: `cargo test` also builds the app binary the end-to-end tests launch (a separate
# `cargo build` would compile everything twice, the test build having other features).
cargo test --no-run --workspace --all-targets
stage "app and tests built"

# Every end-to-end suite: tests/e2e*.rs except the benchmark (scripts/bench.sh runs that one).
E2E_SUITES=$(cd tests && ls e2e*.rs | sed 's/\.rs$//' | grep -vx e2e_bench | tr '\n' ' ')
export E2E_SUITES

# A private D-Bus session with an unlocked gnome-keyring (the real Secret Service), and a virtual
# display for the app window.
# The app follows the computer's language on first start: the end-to-end tests expect English.
export LANGUAGE=en LC_ALL=C.UTF-8
inner=$(cat <<'INNER'
set -euo pipefail
stage() {
  local now
  now=$(date +%s)
  echo "==> [$((now - stage_started)) s] $*"
  stage_started=$now
}
# A throwaway keyring: never the developer's own login keyring, and always unlockable.
keyring_home=$(mktemp -d)
echo coupon-desk-tests | XDG_DATA_HOME="$keyring_home" gnome-keyring-daemon --unlock --components=secrets >/dev/null
echo "==> Unit, integration, command and keychain tests"
if cargo nextest --version >/dev/null 2>&1; then
  # Each test in its own process, four at a time: most of them wait on a sandbox's replies, a
  # timeout or a killed worker, so two cores carry four (about half the time of `cargo test`,
  # which runs one test binary after another).
  cargo nextest run --workspace --all-targets --test-threads 4 --no-fail-fast 2>&1 | tee "$COUPON_DESK_TEST_OUTPUT/cargo-test.log"
else
  cargo test --workspace --all-targets 2>&1 | tee "$COUPON_DESK_TEST_OUTPUT/cargo-test.log"
fi
stage "unit, integration, command and keychain tests done"
for suite in $E2E_SUITES; do
  echo "==> End-to-end tests in the real app window: tests/$suite.rs"
  cargo test --test "$suite" -- --ignored --test-threads=1 2>&1 | tee "$COUPON_DESK_TEST_OUTPUT/$suite.log"
  stage "tests/$suite.rs done"
done
INNER
)
dbus-run-session -- xvfb-run -a -s "-screen 0 1400x1000x24" bash -c "$inner"
stage_started=$(date +%s)

# The end-to-end tests are #[ignore]d for plain `cargo test`; make sure every one of them ran here.
e2e_total=0
for suite in $E2E_SUITES; do
  expected=$(grep -c '#\[ignore = "end-to-end' "tests/$suite.rs")
  passed=$(grep -Eo 'test result: ok\. [0-9]+ passed' "$out_dir/$suite.log" | grep -Eo '[0-9]+' | head -n1 || true)
  if [[ -z "$passed" || "$passed" -ne "$expected" ]]; then
    echo "FAILED: ${passed:-0} of $expected end-to-end tests in tests/$suite.rs ran and passed (see $out_dir/$suite.log)" >&2
    exit 1
  fi
  e2e_total=$((e2e_total + passed))
done
# No customer's e-mail address or phone number in any log file the app wrote during the tests.
bash scripts/check-logs.sh "$out_dir/app-logs"

echo "==> All tests passed, $e2e_total of them end-to-end in the real window. Screenshots and logs: $out_dir"
