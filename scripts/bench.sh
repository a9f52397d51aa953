#!/usr/bin/env bash
# Benchmarks that print figures (not part of the test suite): the bulk engine and single-use
# links in a release build, a 100 000-link PDF sheet, the account's limiter under rate limits, and the loyalty screen measured inside the real
# app window.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --test
export PATH="$HOME/.cargo/bin:$PATH"
out_dir="$PWD/target/test-output"
mkdir -p "$out_dir"
export COUPON_DESK_TEST_OUTPUT="$out_dir"

echo "==> Bulk engine and single-use links (release build)"
cargo run --release --example coupon-desk-bench

echo "==> Paper: a sheet of 100 000 single-use links as one PDF (target: under 20 s and 60 MB)"
cargo run --release -p paper --example paper-bench -- 100000

echo "==> The account's limiter: 1 000 e-mails, a 10 000-member directory and a 20 000-session campaign, fixed speeds against Automatic under rate limits (about 20 minutes)"
cargo run --release --example speed-bench

echo "==> Today's reader: requests a minute at 1, 10 and 50 active campaigns, and the delay from a use to the screen (about 5 minutes)"
cargo run --release --example today-bench

echo "==> In the app window (the release build of the app)"
cargo build --release --bin coupon-desk
export COUPON_DESK_APP="$PWD/target/release/coupon-desk"
cargo test --test e2e_bench --no-run
inner='keyring_home=$(mktemp -d); echo coupon-desk-bench | XDG_DATA_HOME="$keyring_home" gnome-keyring-daemon --unlock --components=secrets >/dev/null; cargo test --test e2e_bench -- --ignored --test-threads=1 --nocapture'
dbus-run-session -- xvfb-run -a -s "-screen 0 1400x1000x24" bash -c "$inner" 2>&1 | grep -Ev 'portal|Gtk-WARNING|dbus-daemon|pw.conf|^$'
