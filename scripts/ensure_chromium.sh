#!/usr/bin/env bash
# Makes sure a Chromium that Playwright can drive is there, in this order:
# $MASSAUDIT_CHROMIUM, a system Chromium/Chrome, Debian's chromium package (when root with apt),
# and last Playwright's own download (`playwright install chromium`).
set -euo pipefail
python=${1:-python3}

if [ -n "${MASSAUDIT_CHROMIUM:-}" ]; then
  if [ -x "$MASSAUDIT_CHROMIUM" ]; then exit 0; fi
  echo "MASSAUDIT_CHROMIUM=$MASSAUDIT_CHROMIUM is not an executable file; point it at Chromium or unset it" >&2
  exit 3
fi
for name in chromium chromium-browser google-chrome google-chrome-stable chrome; do
  if command -v "$name" >/dev/null 2>&1; then exit 0; fi
done
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium package..." >&2
  if (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; then
    exit 0
  fi
  echo "apt-get could not install chromium; trying Playwright's download" >&2
fi
if "$python" -m playwright install chromium; then exit 0; fi
echo "No Chromium found or installable: install chromium (or Google Chrome), or set MASSAUDIT_CHROMIUM to its path" >&2
exit 3
