#!/usr/bin/env bash
# Runs the chaos tests (tests/chaos.rs) with N seeds per kind (default 20): random faults on the
# writes and the look-ups, a kill and a resume, another desk at work, every invariant asserted.
# Each run prints its seed; replay one with
#   COUPON_DESK_CHAOS_SEED=<seed> cargo test --test chaos <kind> -- --nocapture
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20}"
export PATH="$HOME/.cargo/bin:$PATH"
COUPON_DESK_CHAOS_RUNS="$runs" cargo test --test chaos -- --nocapture 2>&1 | grep -E '^(chaos|test |test result)|panicked|seed'
