#!/usr/bin/env bash
# Runs an Apache Pulsar standalone broker on 127.0.0.1 from jars resolved out of Maven Central.
# No Docker and no tarball: Maven resolves org.apache.pulsar:pulsar-broker (pom.xml beside this file)
# into ~/.m2 once, and the broker is started as PulsarStandaloneStarter with a config written here.
#
#   harness.sh start     start (or reuse) a broker; prints `export PULSAR_...` lines on stdout
#   harness.sh stop      stop it by its pid (SIGTERM, then SIGKILL after a deadline)
#   harness.sh restart   stop then start, keeping its data (topics and messages survive)
#   harness.sh status    exit 0 when its admin API answers
#   harness.sh classpath resolve the jars only
#
# Environment (all optional):
#   PULSAR_NAME         instance name; its state lives in .tmp/pulsar/<name>   (default: default)
#   PULSAR_BROKER_PORT  binary protocol port                                 (default: 6650)
#   PULSAR_WEB_PORT     admin REST port                                      (default: 8080)
#   PULSAR_BK_PORT      first bookie port                                    (default: 3181)
#   PULSAR_HEAP         JVM max heap                                         (default: 768m)
#   PULSAR_AUTH=token   turn on token authentication; the secret key and an admin token are written
#                       to the state dir and the admin token is printed as PULSAR_ADMIN_TOKEN
#   PULSAR_WIPE=1       delete the instance's data before starting
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
name="${PULSAR_NAME:-default}"
state="$root/.tmp/pulsar/$name"
broker_port="${PULSAR_BROKER_PORT:-6650}"
web_port="${PULSAR_WEB_PORT:-8080}"
bk_port="${PULSAR_BK_PORT:-3181}"
heap="${PULSAR_HEAP:-768m}"
cp_file="$root/.tmp/pulsar/classpath.txt"
pid_file="$state/broker.pid"
log_file="$state/broker.log"

log() { echo "pulsar-harness[$name]: $*" >&2; }

resolve_classpath() {
  mkdir -p "$root/.tmp/pulsar"
  local stamp="$cp_file.pom-sha256" want
  want="$(sha256sum "$here/pom.xml" | cut -d' ' -f1)"
  if [[ -s "$cp_file" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then return 0; fi
  log "resolving pulsar-broker jars from Maven Central (first run downloads ~240 MB into ~/.m2)"
  mvn -B -q -s "$here/maven-settings.xml" -f "$here/pom.xml" \
    dependency:build-classpath -Dmdep.outputFile="$cp_file" >&2
  echo "$want" > "$stamp"
}

admin_up() {
  curl -sf -o /dev/null --max-time 3 "http://127.0.0.1:$web_port/admin/v2/namespaces/public/default" \
    ${admin_token:+-H "Authorization: Bearer $admin_token"}
}

running_pid() {
  [[ -f "$pid_file" ]] || return 1
  local pid; pid="$(cat "$pid_file")"
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

make_token() { # subject, secret-key-file -> HS256 JWT the broker's AuthenticationProviderToken accepts
  local header payload unsigned sig
  header="$(printf '{"alg":"HS256"}' | b64url)"
  payload="$(printf '{"sub":"%s"}' "$1" | b64url)"
  unsigned="$header.$payload"
  sig="$(printf '%s' "$unsigned" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$(xxd -p -c 256 "$2")" -binary | b64url)"
  echo "$unsigned.$sig"
}

write_config() {
  mkdir -p "$state"
  local auth_lines=""
  if [[ "${PULSAR_AUTH:-}" == "token" ]]; then
    [[ -f "$state/secret.key" ]] || head -c 32 /dev/urandom > "$state/secret.key"
    admin_token="$(make_token admin "$state/secret.key")"
    echo "$admin_token" > "$state/admin.token"
    auth_lines="authenticationEnabled=true
authorizationEnabled=true
authenticationProviders=org.apache.pulsar.broker.authentication.AuthenticationProviderToken
tokenSecretKey=file://$state/secret.key
superUserRoles=admin
brokerClientAuthenticationPlugin=org.apache.pulsar.client.impl.auth.AuthenticationToken
brokerClientAuthenticationParameters=token:$admin_token"
  fi
  cat > "$state/standalone.conf" <<CONF
# Written by scripts/pulsar/harness.sh: a small standalone broker for tests on a 2-core machine.
clusterName=standalone
bindAddress=127.0.0.1
advertisedAddress=127.0.0.1
brokerServicePort=$broker_port
webServicePort=$web_port
numIOThreads=2
numHttpServerThreads=4
managedLedgerDefaultEnsembleSize=1
managedLedgerDefaultWriteQuorum=1
managedLedgerDefaultAckQuorum=1
managedLedgerCacheSizeMB=64
dbStorage_writeCacheMaxSizeMb=32
dbStorage_readAheadCacheMaxSizeMb=32
dbStorage_rocksDB_blockCacheSize=16777216
journalMaxSizeMB=256
allowAutoTopicCreation=true
allowAutoTopicCreationType=non-partitioned
brokerDeleteInactiveTopicsEnabled=false
webSocketServiceEnabled=false
functionsWorkerEnabled=false
brokerDeduplicationEnabled=false
isAllowAutoUpdateSchemaEnabled=true
brokerShutdownTimeoutMs=5000
$auth_lines
CONF
  cat > "$state/log4j2.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="warn">
  <Appenders>
    <Console name="out" target="SYSTEM_OUT">
      <PatternLayout pattern="%d{HH:mm:ss.SSS} %-5level [%t] %c{1} - %msg%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <Logger name="org.apache.bookkeeper" level="warn"/>
    <Logger name="org.apache.zookeeper" level="warn"/>
    <Logger name="org.eclipse.jetty" level="warn"/>
    <Root level="info"><AppenderRef ref="out"/></Root>
  </Loggers>
</Configuration>
XML
}

print_env() {
  echo "export PULSAR_SERVICE_URL=pulsar://127.0.0.1:$broker_port"
  echo "export PULSAR_ADMIN_URL=http://127.0.0.1:$web_port"
  if [[ -n "${admin_token:-}" ]]; then echo "export PULSAR_ADMIN_TOKEN=$admin_token"; fi
}

start() {
  resolve_classpath
  admin_token=""
  if [[ "${PULSAR_AUTH:-}" == "token" && -f "$state/admin.token" ]]; then admin_token="$(cat "$state/admin.token")"; fi
  if running_pid >/dev/null && admin_up; then log "already running"; print_env; return 0; fi
  if [[ "${PULSAR_WIPE:-}" == "1" ]]; then rm -rf "$state/data"; fi
  write_config
  mkdir -p "$state/data"
  log "starting broker on 127.0.0.1:$broker_port (admin :$web_port), log $log_file"
  # Pulsar's own launcher passes these --add-opens on Java 17; without them netty and the
  # metrics code log warnings or fall back to slower paths.
  setsid java -Xms128m -Xmx"$heap" -XX:MaxDirectMemorySize=512m -XX:+UseG1GC \
    -Dlog4j.configurationFile="$state/log4j2.xml" -Dpulsar.log.level=info \
    -Dio.netty.tryReflectionSetAccessible=true -Dzookeeper.4lw.commands.whitelist=* \
    --add-opens java.base/java.io=ALL-UNNAMED --add-opens java.base/java.nio=ALL-UNNAMED \
    --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED \
    --add-opens java.base/jdk.internal.loader=ALL-UNNAMED --add-opens java.base/jdk.internal.misc=ALL-UNNAMED \
    --add-opens java.management/sun.management=ALL-UNNAMED \
    --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED \
    -cp "$(cat "$cp_file")" org.apache.pulsar.PulsarStandaloneStarter \
    -c "$state/standalone.conf" -nfw -nss -a 127.0.0.1 \
    --metadata-dir "$state/data/metadata" --bookkeeper-dir "$state/data/bookkeeper" \
    --bookkeeper-port "$bk_port" --stream-storage-port "$((bk_port + 1000))" \
    </dev/null >>"$log_file" 2>&1 &
  echo $! > "$pid_file"
  local deadline=$((SECONDS + ${PULSAR_START_TIMEOUT:-240}))
  until admin_up; do
    if ! running_pid >/dev/null; then log "broker exited during start-up; last lines of $log_file:"; tail -30 "$log_file" >&2; exit 1; fi
    if (( SECONDS > deadline )); then log "admin API did not answer in time; see $log_file"; stop; exit 1; fi
    sleep 1
  done
  log "ready after ${SECONDS}s"
  print_env
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then log "not running"; rm -f "$pid_file"; return 0; fi
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null; do
    if (( SECONDS > deadline )); then log "did not stop in 30s; killing"; kill -KILL "$pid" 2>/dev/null || true; fi
    sleep 0.5
  done
  rm -f "$pid_file"
  log "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status) admin_token="$( [[ -f "$state/admin.token" ]] && cat "$state/admin.token" || true)"; admin_up ;;
  classpath) resolve_classpath; echo "$cp_file" ;;
  *) echo "usage: $0 start|stop|restart|status|classpath" >&2; exit 2 ;;
esac
