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
#   AIRFLOW_COMPONENTS     api (default): the API server alone, as described above.
#                          all: a whole Airflow for the dagpact-airflow package's tests: API server
#                          (core + execution API), scheduler with the LocalExecutor (parallelism 2),
#                          DAG processor (re-reading the DAGs folder every few seconds) and triggerer.
#                          Its venv is .venv-airflow-dagpact: a clean venv with requirements.txt, then
#                          the wheel `python -m build` makes of python/dagpact-airflow installed with
#                          pip, as a user would (rebuilt and reinstalled when the package changes).
#                          Needs AIRFLOW_DATABASE_URL (the LocalExecutor does not run on SQLite); use
#                          its own AIRFLOW_NAME, AIRFLOW_PORT and database beside the default instance.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
name="${AIRFLOW_NAME:-default}"
state="$root/.tmp/airflow/$name"
port="${AIRFLOW_PORT:-28080}"
dags="${AIRFLOW_DAGS_DIR:-$root/test/fixtures/airflow/dags}"
components="${AIRFLOW_COMPONENTS:-api}"
venv="$root/.venv-airflow"
req="$here/requirements.txt"
package="$root/python/dagpact-airflow"
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

# The AIRFLOW_COMPONENTS=all venv: requirements.txt + requirements-dagpact.txt in a fresh venv, then
# the package's wheel (built with `python -m build`) installed by pip. The venv is recreated when a
# requirements file changes; the wheel is rebuilt and reinstalled when the package's files change.
ensure_dagpact_venv() {
  local dv="$root/.venv-airflow-dagpact" extra="$here/requirements-dagpact.txt" want_req want_pkg
  want_req="$(cat "$req" "$extra" | sha256sum | cut -d' ' -f1)"
  want_pkg="$(cd "$package" && find pyproject.toml README.md src -type f ! -path '*__pycache__*' ! -path '*.egg-info*' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)"
  if [[ ! -f "$dv/.requirements.sha256" || "$(cat "$dv/.requirements.sha256")" != "$want_req" || ! -x "$dv/bin/airflow" ]]; then
    local py="${AIRFLOW_PYTHON:-python3}" started=$SECONDS
    log "creating $dv: Airflow from $req and $extra, then the dagpact-airflow wheel"
    rm -rf "$dv"
    "$py" -m venv "$dv"
    "$dv/bin/pip" install --quiet --disable-pip-version-check -r "$req" -r "$extra" build==1.6.1 >&2
    echo "$want_req" > "$dv/.requirements.sha256"
    rm -f "$dv/.package.sha256"
    log "venv ready after $((SECONDS - started))s"
  fi
  if [[ ! -f "$dv/.package.sha256" || "$(cat "$dv/.package.sha256")" != "$want_pkg" ]]; then
    local out="$root/.tmp/dagpact-airflow-dist"
    rm -rf "$out" "$package/build"
    "$dv/bin/python" -m build --wheel --outdir "$out" "$package" >"$state/build.log" 2>&1 \
      || { log "python -m build failed:"; tail -30 "$state/build.log" >&2; exit 1; }
    rm -rf "$package/build" "$package"/src/*.egg-info
    local wheel; wheel="$(ls "$out"/dagpact_airflow-*.whl)"
    "$dv/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps "$wheel" >&2
    # The wheel's dependencies must already be satisfied by the pinned set: pip check says so.
    "$dv/bin/pip" check >&2 || { log "pip check failed in $dv"; exit 1; }
    echo "$want_pkg" > "$dv/.package.sha256"
    log "installed $(basename "$wheel") into $dv"
  fi
  venv="$dv"
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
  if [[ "$components" == "all" ]]; then
    export AIRFLOW__CORE__EXECUTOR=LocalExecutor AIRFLOW__CORE__PARALLELISM=2 AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG=2
    export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="http://127.0.0.1:$port/execution/"
    export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION=False
    # New and changed DAG files are seen within seconds (the tests change a DAG's declared contract).
    export AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL=5 AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL=5
    export AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES=1 AIRFLOW__SCHEDULER__PARSING_PROCESSES=1
    export AIRFLOW__TRIGGERER__CAPACITY=50
    export AIRFLOW__DATABASE__SQL_ALCHEMY_POOL_SIZE=3 AIRFLOW__DATABASE__SQL_ALCHEMY_MAX_OVERFLOW=5
  fi
}

# The other processes of AIRFLOW_COMPONENTS=all, each its own process group with a pid file.
COMPONENTS=(scheduler dag-processor triggerer)

component_running() {
  local c="$1" pid
  [[ -f "$state/$c.pid" ]] || return 1
  pid="$(cat "$state/$c.pid")"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && [[ "$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)" == *airflow* ]]
}

start_component() {
  local c="$1"
  if component_running "$c"; then return 0; fi
  echo "--- airflow-harness: start at $(date '+%F %T') ---" >> "$state/$c.log"
  setsid "$venv/bin/airflow" "$c" </dev/null >>"$state/$c.log" 2>&1 &
  echo $! > "$state/$c.pid"
  log "started the $c (pid $!, log $state/$c.log)"
}

stop_component() {
  local c="$1" pid
  if ! component_running "$c"; then rm -f "$state/$c.pid"; return 0; fi
  pid="$(cat "$state/$c.pid")"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null && [[ "$(ps -o stat= -p "$pid" 2>/dev/null)" != Z* ]]; do
    if (( SECONDS > deadline )); then log "$c did not stop in 30s; killing"; kill -KILL -- "-$pid" 2>/dev/null || true; fi
    sleep 0.3
  done
  rm -f "$state/$c.pid"
  log "stopped the $c"
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
  if [[ "$components" == "all" ]]; then
    [[ "${AIRFLOW_DATABASE_URL:-}" == postgresql* ]] || { log "AIRFLOW_COMPONENTS=all needs AIRFLOW_DATABASE_URL (PostgreSQL): the LocalExecutor does not run on SQLite"; exit 1; }
    mkdir -p "$state" "$dags"
    ensure_dagpact_venv
  else
    ensure_venv
  fi
  # A new instance state (no secrets yet) makes its metadata database anew: a database left by another
  # state holds connections and triggers encrypted with that state's Fernet key, which this one cannot read.
  [[ -s "$state/jwt.secret" ]] || export AIRFLOW_WIPE=1
  write_secrets
  local pid
  if pid="$(running_pid)"; then
    log "already running (pid $pid)"
    wait_ready "$pid"
    if [[ "$components" == "all" ]]; then airflow_env; for c in "${COMPONENTS[@]}"; do start_component "$c"; done; fi
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
  local apps=core
  if [[ "$components" == "all" ]]; then apps=all; fi
  setsid "$venv/bin/airflow" api-server --host 127.0.0.1 --port "$port" --workers 1 --apps "$apps" </dev/null >>"$log_file" 2>&1 &
  pid=$!
  echo "$pid" > "$pid_file"
  wait_ready "$pid"
  if [[ "$components" == "all" ]]; then for c in "${COMPONENTS[@]}"; do start_component "$c"; done; fi
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
  local pid c
  for c in "${COMPONENTS[@]}"; do stop_component "$c"; done
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
  venv) if [[ "$components" == "all" ]]; then mkdir -p "$state"; ensure_dagpact_venv; else ensure_venv; fi ;;
  # AIRFLOW_COMPONENTS=all: stop and/or start one component (the tests restart the triggerer, and stop
  # the scheduler and triggerer to hold a message between its asset event and its run).
  restart-component|stop-component|start-component)
    [[ " ${COMPONENTS[*]} " == *" ${2:-} "* ]] || { echo "usage: $0 $1 scheduler|dag-processor|triggerer" >&2; exit 2; }
    [[ "${AIRFLOW_DATABASE_URL:-}" == postgresql* ]] || { log "$1 needs the instance's AIRFLOW_DATABASE_URL"; exit 1; }
    venv="$root/.venv-airflow-dagpact"; write_secrets; airflow_env
    if [[ "$1" != start-component ]]; then stop_component "$2"; fi
    if [[ "$1" != stop-component ]]; then start_component "$2"; fi ;;
  *) echo "usage: $0 start|stop|status|venv|restart-component|stop-component|start-component NAME" >&2; exit 2 ;;
esac
