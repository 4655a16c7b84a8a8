#!/usr/bin/env bash
# Makes sure Debian's `chromium` package is installed: the console's browser tests (test/e2e/console.test.ts)
# and bench/console-quarantine.ts drive it headless through playwright-core (no browser download).
# Prints `export DAGPACT_CHROMIUM=/usr/bin/chromium`.
set -euo pipefail
log() { echo "chromium: $*" >&2; }
bin="${DAGPACT_CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$bin" ]]; then
  log "installing Debian's chromium package"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
  [[ -x "$bin" ]] || { log "chromium installed but $bin is missing"; exit 1; }
fi
log "$("$bin" --version 2>/dev/null || echo "$bin")"
echo "export DAGPACT_CHROMIUM=$bin"
