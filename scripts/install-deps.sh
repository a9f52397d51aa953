#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks to build and run Coupon Desk.
#   scripts/install-deps.sh          build + run (WebKitGTK, a virtual display for headless machines)
#   scripts/install-deps.sh --test   also the test tools (WebKitWebDriver, tauri-driver, gnome-keyring,
#                                    and axe-core for the accessibility test, in target/test-tools)
# Safe to run again: it installs only what is missing.
set -euo pipefail

want_test_tools=0
[[ "${1:-}" == "--test" ]] && want_test_tools=1

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# rustup installs into ~/.cargo/bin, which a fresh shell may not have on its PATH yet.
export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v cargo >/dev/null 2>&1; then
  echo "Rust is not installed. Install it from https://rustup.rs, then run this again." >&2
  exit 1
fi
rust_minor=$(rustc --version | sed -E 's/^rustc 1\.([0-9]+).*/\1/')
if [[ ! "$rust_minor" =~ ^[0-9]+$ ]] || (( rust_minor < 85 )); then
  echo "Coupon Desk needs Rust 1.85 or newer; this machine has $(rustc --version). Run 'rustup update' (or install Rust from https://rustup.rs rather than the distribution's package)." >&2
  exit 1
fi

if [[ "$(uname -s)" == "Linux" ]] && command -v apt-get >/dev/null 2>&1; then
  # libayatana-appindicator3-1: the tray icon (without it the app runs without one); its -dev
  # package: the Tauri bundler looks the library up with pkg-config and stops without it.
  packages=(build-essential pkg-config libwebkit2gtk-4.1-dev libayatana-appindicator3-1 libayatana-appindicator3-dev dbus dbus-user-session xvfb xauth gnome-keyring)
  if (( want_test_tools )); then
    # poppler-utils and zbar-tools read the PDFs back (pdftoppm, pdftotext, zbarimg).
    packages+=(webkit2gtk-driver dbus-x11 imagemagick poppler-utils zbar-tools)
  fi
  missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if (( ${#missing[@]} )); then
    as_root=()
    if [[ $(id -u) -ne 0 ]]; then
      if ! command -v sudo >/dev/null 2>&1; then
        echo "These system packages are missing: ${missing[*]}. Run this script as root, or install sudo." >&2
        exit 1
      fi
      as_root=(sudo)
    fi
    say "Installing system packages: ${missing[*]}"
    "${as_root[@]}" apt-get update -qq
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  fi
elif [[ "$(uname -s)" == "Linux" ]]; then
  echo "This script knows apt (Debian/Ubuntu). On other Linux systems install WebKitGTK 4.1 (dev), Xvfb and gnome-keyring with your package manager." >&2
fi

if (( want_test_tools )) && ! command -v tauri-driver >/dev/null 2>&1; then
  say "Installing tauri-driver (WebDriver for the app window)"
  cargo install tauri-driver --version "^2" --locked --quiet
fi

# axe-core (the accessibility rules the end-to-end test runs in the app window) is an npm package
# used only by the tests and never shipped: it goes into the git-ignored target/test-tools.
axe_dir="$(cd "$(dirname "$0")/.." && pwd)/target/test-tools"
if (( want_test_tools )) && [[ ! -s "$axe_dir/node_modules/axe-core/axe.min.js" ]]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm is missing; it fetches axe-core for the accessibility test. Install Node.js 18 or newer (with npm) and run this again." >&2
    exit 1
  fi
  say "Installing axe-core (accessibility checks for the tests) into target/test-tools"
  mkdir -p "$axe_dir"
  npm install --prefix "$axe_dir" --no-save --no-audit --no-fund --loglevel=error "axe-core@4"
fi
