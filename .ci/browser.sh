#!/usr/bin/env bash
# Makes headless Chromium and its WebDriver available, for the console's browser tests
# (tests/console/test_browser.py). Idempotent: installs Debian's chromium and chromium-driver only
# when they are missing (needs root and apt).
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
if ((${#missing[@]})); then
    echo "browser: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "browser: $(chromium --version 2>/dev/null | head -1)"
