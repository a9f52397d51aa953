#!/usr/bin/env bash
# Builds and starts Coupon Desk. With no account set up it opens on the welcome screen, which
# offers practice mode. On a machine without a display (a server, CI) it runs on a virtual one.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --bin coupon-desk
app=target/debug/coupon-desk

run() {
  if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" && "$(uname -s)" == "Linux" ]]; then
    echo "No display found: starting on a virtual display (xvfb); the window is not visible on this machine."
    xvfb-run -a "$@"
  else
    "$@"
  fi
}

if [[ "$(uname -s)" == "Linux" && -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]]; then
  # No desktop session (e.g. over SSH): give the app a private keychain for this run only.
  echo "No desktop session found: using a temporary keychain; accounts' secrets last until the app closes."
  export -f run
  exec dbus-run-session -- bash -c 'echo coupon-desk | XDG_DATA_HOME="$(mktemp -d)" gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; run "$0"' "$app"
fi
run "$app"
