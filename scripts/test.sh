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
# A throwaway keyring: never the developer's own login keyring, and always unlockable. Its own
# runtime folder, so two keyrings side by side never meet.
keyring='export XDG_RUNTIME_DIR=$(mktemp -d); chmod 700 "$XDG_RUNTIME_DIR"
echo coupon-desk-tests | XDG_DATA_HOME="$(mktemp -d)" gnome-keyring-daemon --unlock --components=secrets >/dev/null'
export keyring
inner=$(cat <<'INNER'
set -euo pipefail
eval "$keyring"
echo "==> Unit, integration, command and keychain tests"
if cargo nextest --version >/dev/null 2>&1; then
  # Each test in its own process, four at a time: most of them wait on a sandbox's replies, a
  # timeout or a killed worker, so two cores carry four (about half the time of `cargo test`,
  # which runs one test binary after another).
  cargo nextest run --workspace --all-targets --test-threads 4 --no-fail-fast 2>&1 | tee "$COUPON_DESK_TEST_OUTPUT/cargo-test.log"
else
  cargo test --workspace --all-targets 2>&1 | tee "$COUPON_DESK_TEST_OUTPUT/cargo-test.log"
fi
INNER
)
dbus-run-session -- xvfb-run -a -s "-screen 0 1400x1000x24" bash -c "$inner"
stage "unit, integration, command and keychain tests done"

# The end-to-end suites in two lanes side by side, each with its own D-Bus session, keyring and
# virtual display: a window test mostly waits (on the window, the sandbox, Today's first reading),
# so two cores carry two of them. The largest suite has a lane of its own. Each suite's output is
# printed whole when it ends.
largest=$(for suite in $E2E_SUITES; do echo "$(grep -c '#\[ignore = "end-to-end' "tests/$suite.rs") $suite"; done | sort -rn | head -n1 | cut -d' ' -f2)
rest=$(for suite in $E2E_SUITES; do [[ "$suite" == "$largest" ]] || echo "$suite"; done | tr '\n' ' ')
# Each suite's program, found once before the lanes start (nothing is compiled: the build above
# made them), and no log of an earlier run left to be mistaken for this one's.
for suite in $E2E_SUITES; do
  rm -f "$out_dir/$suite.log"
  echo "$suite $(bash scripts/test-binary.sh "$suite")"
done >"$out_dir/e2e-programs.txt"
lane=$(cat <<'LANE'
set -uo pipefail
eval "$keyring"
for suite in $LANE_SUITES; do
  started=$(date +%s)
  program=$(sed -n "s/^$suite //p" "$COUPON_DESK_TEST_OUTPUT/e2e-programs.txt")
  "$program" --ignored --test-threads=1 >"$COUPON_DESK_TEST_OUTPUT/$suite.log" 2>&1
  echo "==> End-to-end tests in the real app window: tests/$suite.rs"
  cat "$COUPON_DESK_TEST_OUTPUT/$suite.log"
  echo "==> [$(( $(date +%s) - started )) s] tests/$suite.rs done"
done
LANE
)
echo "==> End-to-end tests in the real app window, two lanes: $largest | $rest"
LANE_SUITES="$largest" dbus-run-session -- xvfb-run -a -n 99 -s "-screen 0 1400x1000x24" bash -c "$lane" &
first_lane=$!
LANE_SUITES="$rest" dbus-run-session -- xvfb-run -a -n 150 -s "-screen 0 1400x1000x24" bash -c "$lane" &
second_lane=$!
wait "$first_lane" || true
wait "$second_lane" || true
stage "end-to-end tests done"

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
