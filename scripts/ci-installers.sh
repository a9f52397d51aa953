#!/usr/bin/env bash
# CI stage after the tests: builds the .deb and .rpm (scripts/package.sh), installs the .deb with
# apt-get (so its declared dependencies are checked), runs the smoke test on the INSTALLED binary
# in its real window (tests/installed_smoke.rs), removes the package and checks that the program
# is gone and the user's data stayed. Prints each step's time and the sizes.
# Needs root or sudo (apt-get), and what scripts/install-deps.sh --test installs.
#   scripts/ci-installers.sh           builds the packages first
#   scripts/ci-installers.sh --built   uses the packages scripts/package.sh already built
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

stage_started=$(date +%s)
stage() {
  local now
  now=$(date +%s)
  echo "==> [$((now - stage_started)) s] $*"
  stage_started=$now
}
as_root=()
if [[ $(id -u) -ne 0 ]]; then as_root=(sudo); fi
out_dir="$PWD/target/test-output"
mkdir -p "$out_dir"
export COUPON_DESK_TEST_OUTPUT="$out_dir"

if [[ "${1:-}" != "--built" ]]; then
  bash scripts/package.sh deb,rpm
  stage "release build, .deb and .rpm"
fi

deb=$(ls -t target/release/bundle/deb/*.deb | head -n1)
rpm=$(ls -t target/release/bundle/rpm/*.rpm | head -n1)
echo "==> What the .deb holds"
dpkg-deb --info "$deb" | grep -E '^ (Package|Version|Architecture|Depends|Section|Installed-Size):'
# Regular files only, full paths (a name may hold a space: "Coupon Desk.desktop").
dpkg-deb --contents "$deb" | grep '^-' | sed -E 's/^([^ ]+ +){5}//; s#^\./##' | tee "$out_dir/deb-contents.txt"
if grep -qE 'coupon-desk-bench|coupontools-sandbox' "$out_dir/deb-contents.txt"; then
  echo "FAILED: the .deb carries the benchmark or the sandbox binary" >&2
  exit 1
fi
grep -q '^usr/bin/coupon-desk$' "$out_dir/deb-contents.txt"
grep -q '^usr/share/doc/coupon-desk/copyright$' "$out_dir/deb-contents.txt"
desktop=$(grep -E '^usr/share/applications/.*\.desktop$' "$out_dir/deb-contents.txt")
dpkg-deb --fsys-tarfile "$deb" | tar -xO "$desktop" | tee "$out_dir/coupon-desk.desktop"
grep -q '^Categories=.*Office' "$out_dir/coupon-desk.desktop"
grep -q '^Comment=.' "$out_dir/coupon-desk.desktop"
grep -qE '^usr/share/icons/hicolor/128x128/apps/coupon-desk\.png$' "$out_dir/deb-contents.txt"
if command -v rpm >/dev/null 2>&1; then rpm -qip "$rpm" | grep -E '^(Name|Version|License|Summary)'; fi

echo "==> Installing $deb"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --reinstall "./$deb"
test -x /usr/bin/coupon-desk
stage ".deb installed"

echo "==> The installed app in its real window: practice mode, one coupon"
smoke=$(bash scripts/test-binary.sh installed_smoke)
export smoke
home_out=$(mktemp)
export COUPON_DESK_APP=/usr/bin/coupon-desk COUPON_DESK_SMOKE_HOME_OUT="$home_out" LANGUAGE=en LC_ALL=C.UTF-8
inner='set -euo pipefail
keyring_home=$(mktemp -d)
echo coupon-desk-tests | XDG_DATA_HOME="$keyring_home" gnome-keyring-daemon --unlock --components=secrets >/dev/null
"$smoke" --ignored --test-threads=1 2>&1 | tee "$COUPON_DESK_TEST_OUTPUT/installed_smoke.log"'
dbus-run-session -- xvfb-run -a -s "-screen 0 1400x1000x24" bash -c "$inner"
if ! grep -q 'test result: ok\. 1 passed' "$out_dir/installed_smoke.log"; then
  echo "FAILED: the smoke test of the installed app did not pass (see $out_dir/installed_smoke.log)" >&2
  exit 1
fi
stage "installed app smoke-tested"

home=$(cat "$home_out")
data="$home/data/com.coupondesk.desk"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq coupon-desk
if [[ -e /usr/bin/coupon-desk ]] || dpkg-query -W -f='${Status}' coupon-desk 2>/dev/null | grep -q "install ok installed"; then
  echo "FAILED: coupon-desk is still installed after apt-get remove" >&2
  exit 1
fi
for kept in settings.json coupon-desk.sqlite3; do
  if [[ ! -s "$data/$kept" ]]; then
    echo "FAILED: the user's $kept is gone after uninstalling ($data)" >&2
    exit 1
  fi
done
echo "==> Uninstalled: /usr/bin/coupon-desk is gone, the user's data stays in $data"
rm -rf "$home" "$home_out"
stage ".deb removed, user data kept"
