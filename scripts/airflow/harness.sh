#!/usr/bin/env bash
# Runs Apache Airflow 3 (from PyPI) for tests on 127.0.0.1: only its API server, with the test DAGs of
# test/fixtures/airflow/dags, on SQLite or (AIRFLOW_DATABASE_URL) PostgreSQL. No scheduler, triggerer or DAG processor: the DAGs are
# serialized once at start (`airflow dags reserialize`), which is all the REST API needs to list DAG
# versions and to create DAG runs. Runs created through the API stay queued (nothing schedules them);
# the tests check that a run exists, with its conf, exactly once.
#
#   harness.sh start    install the venv if needed, migrate, serialize the DAGs, start the API server;
#                       prints `export AIRFLOW_URL=... AIRFLOW_USERNAME=... AIRFLOW_PASSWORD=...` lines
#   harness.sh stop     stop the API server by its pid (SIGTERM to its process group, SIGKILL after 20 s)
#   harness.sh status   exit 0 when this instance's API server answers
#   harness.sh venv     install the venv only
#
# Metadata database: SQLite by default (nothing else needed), but Airflow's API server on SQLite does
# not survive concurrent writes: under the gatekeeper's concurrent triggers it answered 500 "Database
# error" (a locked database) and then took 45-80 s per request until it was killed. scripts/test.sh
# therefore runs it on the test PostgreSQL server (AIRFLOW_DATABASE_URL, database created here when
# missing), which is what Airflow recommends for anything but a single user.
#
# The venv is .venv-airflow (apart from .venv: Airflow pins many packages), installed from
# requirements.txt beside this file and reinstalled only when that file changes. State (SQLite
# database, logs, password file, JWT secret) lives in .tmp/airflow/<name>.
#
# Authentication is real: Airflow 3's SimpleAuthManager with one user `dagpact` (role admin) whose
# password is generated once per instance; clients get a JWT from `POST /auth/token`.
#
# Environment (all optional):
#   AIRFLOW_NAME           instance name; state in .tmp/airflow/<name>        (default: default)
#   AIRFLOW_PORT           API server port                                   (default: 28080)
#   AIRFLOW_DAGS_DIR       the DAGs folder                        (default: test/fixtures/airflow/dags)
#   AIRFLOW_PYTHON         the Python that creates the venv (3.10 to 3.13)   (default: python3)
#   AIRFLOW_START_TIMEOUT  seconds to wait for the API server                (default: 180)
#   AIRFLOW_DATABASE_URL   SQLAlchemy URL of the metadata database, e.g.
#                          postgresql+psycopg2://postgres@127.0.0.1:55432/dagpact_airflow
#                                                     (default: sqlite in the state dir)
#   AIRFLOW_WIPE=1         delete the instance's database before starting
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
name="${AIRFLOW_NAME:-default}"
state="$root/.tmp/airflow/$name"
port="${AIRFLOW_PORT:-28080}"
dags="${AIRFLOW_DAGS_DIR:-$root/test/fixtures/airflow/dags}"
venv="$root/.venv-airflow"
req="$here/requirements.txt"
pid_file="$state/api-server.pid"
log_file="$state/api-server.log"
user="dagpact"

log() { echo "airflow-harness[$name]: $*" >&2; }

ensure_venv() {
  local stamp="$venv/.requirements.sha256" want
  want="$(sha256sum "$req" | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$venv/bin/airflow" ]]; then return 0; fi
  local py="${AIRFLOW_PYTHON:-python3}" started=$SECONDS
  "$py" -c 'import sys; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 13) else 1)' \
    || { log "$py is $("$py" --version 2>&1); Airflow 3 needs Python 3.10 to 3.13 (set AIRFLOW_PYTHON)"; exit 1; }
  log "installing Apache Airflow into $venv from $req (first run: ~130 packages from PyPI)"
  rm -rf "$venv"
  "$py" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req" >&2
  echo "$want" > "$stamp"
  log "venv ready after $((SECONDS - started))s"
}

# Settings every airflow command of this instance runs with (airflow.cfg is left at its defaults).
airflow_env() {
  export AIRFLOW_HOME="$state/home"
  export AIRFLOW__CORE__LOAD_EXAMPLES=False
  export AIRFLOW__CORE__DAGS_FOLDER="$dags"
  export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="${AIRFLOW_DATABASE_URL:-sqlite:///$state/airflow.db}"
  export AIRFLOW__LOGGING__BASE_LOG_FOLDER="$state/logs"
  export AIRFLOW__CORE__AUTH_MANAGER="airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
  export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="$user:admin"
  export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE="$state/passwords.json"
  export AIRFLOW__API_AUTH__JWT_SECRET="$(cat "$state/jwt.secret")"
  export AIRFLOW__API__SECRET_KEY="$(cat "$state/jwt.secret")"
  export AIRFLOW__API__WORKERS=1
  export AIRFLOW__CORE__UNIT_TEST_MODE=False PYTHONDONTWRITEBYTECODE=1
  # No telemetry calls home from a test machine.
  export SCARF_ANALYTICS=false AIRFLOW__USAGE_DATA_COLLECTION__ENABLED=False
}

# Secrets are made once per instance and kept, so a restarted server accepts the same credentials.
write_secrets() {
  mkdir -p "$state/home" "$state/logs"
  if [[ ! -s "$state/jwt.secret" ]]; then head -c 32 /dev/urandom | xxd -p -c 64 > "$state/jwt.secret"; fi
  if [[ ! -s "$state/password" ]]; then head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$state/password"; fi
  printf '{"%s": "%s"}\n' "$user" "$(cat "$state/password")" > "$state/passwords.json"
  chmod 600 "$state/jwt.secret" "$state/password" "$state/passwords.json"
}

# Creates the PostgreSQL database when AIRFLOW_DATABASE_URL names one that does not exist (Airflow's
# `db migrate` creates tables, not databases); AIRFLOW_WIPE=1 drops it (or the SQLite file) first.
prepare_database() {
  local url="${AIRFLOW_DATABASE_URL:-}"
  if [[ "$url" != postgresql* ]]; then
    if [[ "${AIRFLOW_WIPE:-}" == "1" ]]; then rm -f "$state/airflow.db"; fi
    return 0
  fi
  "$venv/bin/python" - "$url" "${AIRFLOW_WIPE:-0}" <<'PY' >&2
import sys
from urllib.parse import urlsplit, urlunsplit
import psycopg2
url, wipe = sys.argv[1], sys.argv[2] == "1"
parts = urlsplit(url.replace("postgresql+psycopg2://", "postgresql://", 1))
name = parts.path.lstrip("/")
admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
admin.autocommit = True
cur = admin.cursor()
if wipe:
    cur.execute(f'drop database if exists "{name}" with (force)')
cur.execute("select 1 from pg_database where datname = %s", (name,))
if cur.fetchone() is None:
    cur.execute(f'create database "{name}"')
    print(f"airflow-harness: created database {name}")
PY
}

health() { curl -sf -o /dev/null --max-time 3 "http://127.0.0.1:$port/api/v2/monitor/health"; }

is_our_server() {
  local pid="$1" args
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  # Airflow sets its process title ("airflow api_server -- host:127.0.0.1 port:28080"), which also
  # overwrites /proc/<pid>/environ: the title and the port are what identify the server.
  args="$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null || ps -o args= -p "$pid" 2>/dev/null || true)"
  [[ "$args" == *api[-_]server* && ( "$args" == *"port:$port"* || "$args" == *"--port $port"* ) ]]
}

running_pid() {
  [[ -f "$pid_file" ]] || return 1
  local pid; pid="$(cat "$pid_file")"
  is_our_server "$pid" && echo "$pid"
}

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

print_env() {
  echo "export AIRFLOW_URL=http://127.0.0.1:$port"
  echo "export AIRFLOW_USERNAME=$user"
  echo "export AIRFLOW_PASSWORD=$(cat "$state/password")"
}

start() {
  ensure_venv
  write_secrets
  local pid
  if pid="$(running_pid)"; then
    log "already running (pid $pid)"
    wait_ready "$pid"
    print_env; return 0
  fi
  if port_open "$port"; then log "refusing to start: port $port already answers and $pid_file names no API server of this instance; stop it or set AIRFLOW_PORT"; exit 1; fi
  airflow_env
  local started=$SECONDS
  prepare_database
  "$venv/bin/airflow" db migrate >"$state/migrate.log" 2>&1 || { log "airflow db migrate failed:"; tail -30 "$state/migrate.log" >&2; exit 1; }
  # What the DAG processor would do, once: parse the DAG files and write the serialized DAGs (and a
  # DAG version per change) to the database.
  "$venv/bin/airflow" dags reserialize >"$state/reserialize.log" 2>&1 || { log "airflow dags reserialize failed:"; tail -30 "$state/reserialize.log" >&2; exit 1; }
  log "database migrated and DAGs of $dags serialized in $((SECONDS - started))s; starting the API server on 127.0.0.1:$port, log $log_file"
  echo "--- airflow-harness: start at $(date '+%F %T') ---" >> "$log_file"
  setsid "$venv/bin/airflow" api-server --host 127.0.0.1 --port "$port" --workers 1 --apps core </dev/null >>"$log_file" 2>&1 &
  pid=$!
  echo "$pid" > "$pid_file"
  wait_ready "$pid"
  log "ready after $((SECONDS - started))s (pid $pid)"
  print_env
}

wait_ready() {
  local pid="$1" deadline=$((SECONDS + ${AIRFLOW_START_TIMEOUT:-180}))
  until health; do
    if ! kill -0 "$pid" 2>/dev/null; then log "API server (pid $pid) exited during start-up; last lines of $log_file:"; tail -30 "$log_file" >&2; rm -f "$pid_file"; exit 1; fi
    if (( SECONDS > deadline )); then log "API server did not answer in time; see $log_file"; stop; exit 1; fi
    sleep 0.5
  done
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    log "not running"; rm -f "$pid_file"
    if port_open "$port"; then log "note: port $port answers, but not from this instance's API server: left alone"; fi
    return 0
  fi
  # setsid made the server its process group's leader: the group is the server and its uvicorn worker.
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 20))
  while kill -0 "$pid" 2>/dev/null && [[ "$(ps -o stat= -p "$pid" 2>/dev/null)" != Z* ]]; do
    if (( SECONDS > deadline )); then log "did not stop in 20s; killing"; kill -KILL -- "-$pid" 2>/dev/null || true; fi
    sleep 0.3
  done
  rm -f "$pid_file"
  log "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) health && running_pid >/dev/null ;;
  venv) ensure_venv ;;
  *) echo "usage: $0 start|stop|status|venv" >&2; exit 2 ;;
esac
