#!/usr/bin/env bash
# Prints the path of the test program of tests/NAME.rs as `scripts/test.sh` builds it
# (`cargo test --no-run --workspace --all-targets`; nothing is compiled when that build is done).
# Run the end-to-end suites through it, not `cargo test --test NAME`: a build of one test target
# unifies the crates' features differently and compiles Tauri and half the tree a second time.
#   scripts/test-binary.sh e2e     → target/debug/deps/e2e-…
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
name=${1:?usage: scripts/test-binary.sh NAME (a file tests/NAME.rs)}
built=$(CARGO_TERM_COLOR=never cargo test --no-run --workspace --all-targets 2>&1) || { echo "$built" >&2; exit 1; }
binary=$(sed -nE "s#^ *Executable tests/${name}\\.rs \\((.*)\\)\$#\\1#p" <<<"$built" | head -n1)
if [[ -z "$binary" ]]; then
  echo "no test program for tests/$name.rs" >&2
  exit 1
fi
# Relative to here, unless CARGO_TARGET_DIR put it elsewhere.
[[ "$binary" == /* ]] || binary="$PWD/$binary"
echo "$binary"
