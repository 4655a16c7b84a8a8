#!/usr/bin/env bash
# The whole test suite: brings up the real PostgreSQL, the real Pulsar broker and Apache Airflow 3's
# API server and a second whole Airflow 3 with the dagpact-airflow wheel (airflow12) (installing what
# is missing), installs Debian's headless Chromium for the console's browser tests, makes the test-only
# Python venv, builds the project, runs every vitest project, and ends with a plain `N passed, N failed`
# line. Services this script started are stopped at the end unless DAGPACT_KEEP_SERVICES=1. Extra
# arguments go to vitest (e.g. `npm test -- --project unit`).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
mkdir -p .tmp

started=()
airflow12=()
started_airflow12=0
cleanup() {
  if [[ "${DAGPACT_KEEP_SERVICES:-}" != "1" ]]; then
    if [[ "$started_airflow12" == "1" ]]; then env "${airflow12[@]}" bash scripts/airflow/harness.sh stop || true; fi
    for s in "${started[@]}"; do bash "scripts/$s/harness.sh" stop || true; done
  fi
}
trap cleanup EXIT

if [[ ! -d node_modules ]]; then npm ci --no-audit --no-fund; fi

echo "== python venv (test-only tools)"
bash scripts/python/venv.sh

echo "== postgres"
bash scripts/postgres/harness.sh status 2>/dev/null || started+=(postgres)
# A failed start stops the run here (set -e sees the assignment; `eval "$(...)"` alone would not).
pg_env="$(bash scripts/postgres/harness.sh start)"
eval "$pg_env"

echo "== pulsar"
bash scripts/pulsar/harness.sh status 2>/dev/null || started+=(pulsar)
pulsar_env="$(bash scripts/pulsar/harness.sh start)"
eval "$pulsar_env"
export TEST_PULSAR_SERVICE_URL="$PULSAR_SERVICE_URL" TEST_PULSAR_ADMIN_URL="$PULSAR_ADMIN_URL"

echo "== airflow (API server only; its own venv .venv-airflow)"
bash scripts/airflow/harness.sh status 2>/dev/null || started+=(airflow)
# On the test PostgreSQL server (Airflow on SQLite locks up under concurrent triggers; see the harness).
# Only the tests get the connection (TEST_AIRFLOW_*): AIRFLOW_* would configure every dagpact process.
airflow_db="postgresql+psycopg2://${TEST_DATABASE_URL#postgres://}"
airflow_env="$(AIRFLOW_DATABASE_URL="${airflow_db%/*}/dagpact_airflow" bash scripts/airflow/harness.sh start)"
eval "$(sed 's/^export AIRFLOW_/export TEST_AIRFLOW_/' <<<"$airflow_env")"

echo "== chromium (Debian's package, for the console's browser tests)"
chromium_env="$(bash scripts/chromium/ensure.sh)"
eval "$chromium_env"

echo "== airflow12 (scheduler, DAG processor, triggerer too; the dagpact-airflow wheel in its own venv .venv-airflow-dagpact)"
# The dagpact-airflow package's tests (test/integration/airflow-package) need a whole Airflow; it runs
# beside the API-server-only instance, with its own name, port, metadata database and DAGs folder.
airflow12=(AIRFLOW_NAME=airflow12 AIRFLOW_COMPONENTS=all AIRFLOW_PORT=28112 AIRFLOW_DAGS_DIR="$root/.tmp/airflow12-dags"
  AIRFLOW_DATABASE_URL="${airflow_db%/*}/dagpact_airflow12")
env "${airflow12[@]}" bash scripts/airflow/harness.sh status 2>/dev/null || started_airflow12=1
airflow12_env="$(env "${airflow12[@]}" bash scripts/airflow/harness.sh start)"
eval "$(sed 's/^export AIRFLOW_/export TEST_AIRFLOW12_/' <<<"$airflow12_env")"
export TEST_AIRFLOW12_DAGS_DIR="$root/.tmp/airflow12-dags"

echo "== build"
npm run build --silent

echo "== vitest"
report=.tmp/vitest-report.json
rm -f "$report"
set +e
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
status=$?
set -e
node -e '
  const fs = require("fs");
  const file = process.argv[1];
  if (!fs.existsSync(file)) { console.log("0 passed, 1 failed"); process.exit(0); }
  const r = JSON.parse(fs.readFileSync(file, "utf8"));
  // A file that fails to load has no failed test of its own: count it as one failure.
  const brokenFiles = r.testResults.filter((t) => t.status === "failed" && !t.assertionResults.some((a) => a.status === "failed")).length;
  const line = `${r.numPassedTests} passed, ${r.numFailedTests + brokenFiles} failed` + (r.numPendingTests + r.numTodoTests ? `, ${r.numPendingTests + r.numTodoTests} skipped` : "");
  console.log(line);
' "$report"
exit $status
