#!/usr/bin/env bash
# Runs the chaos tests with N seeds per kind (default 20): tests/chaos.rs (every bulk kind:
# random faults on the writes and the look-ups, a kill and a resume, another desk at work) and
# tests/commands.rs's chaos_single_writes (the single writes through the real commands, in a
# private Secret Service session). Each run prints its seed; replay one with
#   COUPON_DESK_CHAOS_SEED=<seed> cargo test --test chaos <kind> -- --nocapture
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20}"
export PATH="$HOME/.cargo/bin:$PATH"
export COUPON_DESK_CHAOS_RUNS="$runs"
bash scripts/install-deps.sh --test >/dev/null
inner=$(cat <<'INNER'
set -euo pipefail
keyring_home=$(mktemp -d)
echo coupon-desk-tests | XDG_DATA_HOME="$keyring_home" gnome-keyring-daemon --unlock --components=secrets >/dev/null
cargo test --test chaos -- --nocapture
cargo test --test commands chaos_single_writes -- --nocapture
INNER
)
dbus-run-session -- bash -c "$inner" 2>&1 | grep -E '^(chaos|test |test result)|panicked|seed'
