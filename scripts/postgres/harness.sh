#!/usr/bin/env bash
# Runs a PostgreSQL server for tests on 127.0.0.1 from Debian's `postgresql` package, installing the
# package when it is missing. Its cluster lives in .tmp/postgres (owned by the `postgres` user), or,
# when the checkout is in a directory the `postgres` user cannot enter (a `mktemp -d` one, mode 700), in
# /var/tmp/dagpact-postgres/<hash of the checkout's path>.
#
#   harness.sh start   install if needed, init the cluster once, start it; prints `export TEST_DATABASE_URL=...`
#   harness.sh stop    stop it
#   harness.sh status  exit 0 when it accepts connections
#
# Environment: PG_PORT (default 55432, away from a system cluster on 5432).
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
port="${PG_PORT:-55432}"
log() { echo "postgres-harness: $*" >&2; }

# The server runs as `postgres` (when this script runs as root), so its directory must be one that user
# can reach. Decided once the package (and so the user) is there.
set_state() {
  state="$root/.tmp/postgres"
  if [[ "$(id -u)" == "0" ]] && id postgres >/dev/null 2>&1 && ! (cd / && runuser -u postgres -- test -x "$root"); then
    state="/var/tmp/dagpact-postgres/$(printf '%s' "$root" | sha256sum | cut -c1-12)"
  fi
  data="$state/data"
  logf="$state/server.log"
}

find_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [[ -x "$d/pg_ctl" ]] && { echo "$d"; return 0; }
  done
  return 1
}

ensure_installed() {
  if find_bindir >/dev/null; then return 0; fi
  log "installing Debian's postgresql package"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  # The package starts a system cluster on 5432; this harness runs its own, so that one is not needed.
  find_bindir >/dev/null || { log "postgresql installed but pg_ctl not found"; exit 1; }
}

as_pg() {
  # From /: the postgres user may not be allowed into the current directory.
  if [[ "$(id -u)" == "0" ]]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

url() { echo "postgres://postgres@127.0.0.1:$port/postgres"; }

start() {
  ensure_installed
  set_state
  local bin; bin="$(find_bindir)"
  mkdir -p "$state"
  if [[ "$(id -u)" == "0" ]]; then chown postgres "$state"; fi
  [[ "$state" == "$root/.tmp/postgres" ]] || log "the postgres user cannot enter $root; the cluster lives in $state"
  if [[ ! -f "$data/PG_VERSION" ]]; then
    log "initialising a cluster in $data"
    as_pg "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if as_pg "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then log "already running on :$port"; echo "export TEST_DATABASE_URL=$(url)"; return 0; fi
  # Small and fast for tests: nothing here must survive a crash of the test machine.
  as_pg "$bin/pg_ctl" -D "$data" -l "$logf" -w -t 60 start -o "-h 127.0.0.1 -p $port -k /tmp -c max_connections=300 -c shared_buffers=128MB -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >&2
  log "ready on 127.0.0.1:$port"
  echo "export TEST_DATABASE_URL=$(url)"
}

stop() {
  local bin; bin="$(find_bindir)" || return 0
  set_state
  [[ -f "$data/postmaster.pid" ]] || { log "not running"; return 0; }
  as_pg "$bin/pg_ctl" -D "$data" -m fast -w stop >&2 || true
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) bin="$(find_bindir)" && as_pg "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
