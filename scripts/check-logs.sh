#!/usr/bin/env bash
# Fails when a log file the app wrote during the tests holds a customer's e-mail address or phone
# number (the log formatter masks them: `n…@b…`, `+…56`). The end-to-end tests copy each app's
# log files into target/test-output/app-logs when they close the window.
set -euo pipefail
dir="${1:-target/test-output/app-logs}"
files=$(find "$dir" -type f -name '*.log' 2>/dev/null | wc -l)
if (( files == 0 )); then
  echo "FAILED: no app log files in $dir: the end-to-end tests did not keep them" >&2
  exit 1
fi
email='[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+'
phone='(\+[0-9]{2}|\(0?[0-9]{2,4}\)|\b0[0-9]{2,3}[ ./-])[0-9 ./-]{5,}[0-9]'
# No internet during the tests: the quiet update check at start is a normal day, never an ERROR.
offline=$(grep -rn "\[ERROR\]\[tauri_plugin_updater" "$dir" || true)
if [[ -n "$offline" ]]; then
  echo "FAILED: the update check without internet was logged as an error:" >&2
  echo "$offline" | head -n 5 >&2
  exit 1
fi
found=$(grep -rEn -e "$email" -e "$phone" "$dir" || true)
if [[ -n "$found" ]]; then
  echo "FAILED: customers' data in the app's log files:" >&2
  echo "$found" | head -n 20 >&2
  exit 1
fi
echo "==> $files app log files hold no e-mail address or phone number"
