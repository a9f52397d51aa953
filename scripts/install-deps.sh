#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks to build and run Coupon Desk.
#   scripts/install-deps.sh          build + run (WebKitGTK, a virtual display for headless machines)
#   scripts/install-deps.sh --test   also the test tools (WebKitWebDriver, tauri-driver, gnome-keyring)
# Safe to run again: it installs only what is missing.
set -euo pipefail

want_test_tools=0
[[ "${1:-}" == "--test" ]] && want_test_tools=1

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if ! command -v cargo >/dev/null 2>&1; then
  echo "Rust is not installed. Install it from https://rustup.rs (then open a new terminal) and run this again." >&2
  exit 1
fi

if [[ "$(uname -s)" == "Linux" ]] && command -v apt-get >/dev/null 2>&1; then
  packages=(build-essential pkg-config libwebkit2gtk-4.1-dev dbus dbus-user-session xvfb xauth gnome-keyring)
  if (( want_test_tools )); then
    packages+=(webkit2gtk-driver dbus-x11)
  fi
  missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if (( ${#missing[@]} )); then
    sudo=""
    if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
    say "Installing system packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
elif [[ "$(uname -s)" == "Linux" ]]; then
  echo "This script knows apt (Debian/Ubuntu). On other Linux systems install WebKitGTK 4.1 (dev), Xvfb and gnome-keyring with your package manager." >&2
fi

if (( want_test_tools )) && ! command -v tauri-driver >/dev/null 2>&1; then
  say "Installing tauri-driver (WebDriver for the app window)"
  cargo install tauri-driver --version "^2" --locked --quiet
fi
