#!/usr/bin/env bash
# Runs an Apache Pulsar standalone broker on 127.0.0.1 from jars resolved out of Maven Central.
# No Docker and no tarball: Maven resolves org.apache.pulsar:pulsar-broker (pom.xml beside this file)
# into ~/.m2 once, and the broker is started as PulsarStandaloneStarter with a config written here.
#
#   harness.sh start     start (or reuse) a broker; prints `export PULSAR_...` lines on stdout
#   harness.sh stop      stop it by its pid (SIGTERM, then SIGKILL after a deadline)
#   harness.sh restart   stop then start, keeping its data (topics and messages survive); fails unless a
#                        new pid answers
#   harness.sh status    exit 0 when its admin API answers (stderr warns when the answering broker is
#                        not this instance's)
#   harness.sh classpath resolve the jars only
#
# Ownership: the instance's broker is the process named in .tmp/pulsar/<name>/broker.pid, alive and a
# PulsarStandaloneStarter running this instance's standalone.conf. `start` reuses that broker (waiting
# for it if it is still starting). If the broker or admin port already answers and the pid file does
# not name such a process — an orphan from another checkout or an earlier run, or any other program —
# `start` refuses and names the port and the pid holding it (ss/lsof), instead of reporting a broker
# it did not start. While waiting for readiness it checks that the JVM it launched is alive and fails
# at once with the log's last 30 lines if it died (RocksDB lock held, bad config, port in use).
#
# Environment (all optional):
#   PULSAR_NAME         instance name; its state lives in .tmp/pulsar/<name>   (default: default)
#   PULSAR_BROKER_PORT  binary protocol port                                 (default: 6650)
#   PULSAR_WEB_PORT     admin REST port                                      (default: 8080)
#   PULSAR_BK_PORT      first bookie port                                    (default: 3181)
#   PULSAR_HEAP         JVM max heap                                         (default: 768m)
#   PULSAR_DIRECT_MEMORY JVM max direct memory: netty's buffers, the broker's entry cache, the bookie's
#                       caches                                               (default: 512m)
#   PULSAR_AUTH=token   turn on token authentication; the secret key and an admin token are written
#                       to the state dir and the admin token is printed as PULSAR_ADMIN_TOKEN
#   PULSAR_WIPE=1       delete the instance's data before starting
#   PULSAR_EXTRA_CONF   extra broker settings, `key=value` lines separated by newlines or `;`, appended
#                       to the generated standalone.conf (a later line wins over a generated one), e.g.
#                       PULSAR_EXTRA_CONF='acknowledgmentAtBatchIndexLevelEnabled=true'
#   PULSAR_START_TIMEOUT seconds to wait for the admin API                  (default: 240)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
name="${PULSAR_NAME:-default}"
state="$root/.tmp/pulsar/$name"
broker_port="${PULSAR_BROKER_PORT:-6650}"
web_port="${PULSAR_WEB_PORT:-8080}"
bk_port="${PULSAR_BK_PORT:-3181}"
heap="${PULSAR_HEAP:-768m}"
direct_memory="${PULSAR_DIRECT_MEMORY:-512m}"
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

# True when pid is alive and is this instance's broker (not a recycled pid or another instance's JVM).
is_our_broker() {
  local pid="$1" args
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r "/proc/$pid/cmdline" ]]; then args="$(tr '\0' ' ' < "/proc/$pid/cmdline")"; else args="$(ps -o args= -p "$pid" 2>/dev/null || true)"; fi
  [[ "$args" == *PulsarStandaloneStarter* && "$args" == *"$state/standalone.conf"* ]]
}

running_pid() {
  [[ -f "$pid_file" ]] || return 1
  local pid; pid="$(cat "$pid_file")"
  is_our_broker "$pid" && echo "$pid"
}

port_open() { # something accepts TCP connections on 127.0.0.1:port
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

port_holder() { # "pid 123 (java)" of the process listening on the port, as far as ss or lsof can tell
  local out=""
  if command -v ss >/dev/null; then
    out="$(ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'users:(([^)]*))' | head -1 | sed -E 's/users:\(\("([^"]*)",pid=([0-9]+).*/pid \2 (\1)/')"
  fi
  if [[ -z "$out" ]] && command -v lsof >/dev/null; then
    out="$(lsof -nP -iTCP:"$1" -sTCP:LISTEN -Fpc 2>/dev/null | awk '/^p/{p=substr($0,2)} /^c/{print "pid " p " (" substr($0,2) ")"; exit}')"
  fi
  echo "${out:-an unknown process (no pid visible to ss/lsof; another user's or another network namespace's?)}"
}

# Fails when the broker or admin port is taken by anything: called only when no broker of ours runs.
refuse_taken_ports() {
  local port what taken=0
  for port in "$broker_port" "$web_port"; do
    if [[ "$port" == "$broker_port" ]]; then what="broker"; else what="admin"; fi
    if port_open "$port"; then
      local holder orphan=""; holder="$(port_holder "$port")"
      if [[ "$holder" =~ ^pid\ ([0-9]+) ]] && is_our_broker "${BASH_REMATCH[1]}"; then orphan=" — an orphaned broker of this very instance (its pid file was lost)"; fi
      log "refusing to start: the $what port $port already answers, held by $holder$orphan, but $pid_file does not name a live broker of this instance (pid file: $(cat "$pid_file" 2>/dev/null || echo none))"
      taken=1
    fi
  done
  if (( taken )); then
    log "stop that process (if it is an orphaned broker of this instance: kill <pid>) or choose other PULSAR_*_PORTs"
    exit 1
  fi
}

log_tail() { # the last 30 lines the broker wrote since this start (the log is appended to across starts)
  if [[ -n "${log_mark:-}" ]] && grep -qxF -- "$log_mark" "$log_file"; then
    awk -v m="$log_mark" '$0 == m { n = NR } { l[NR] = $0 } END { for (i = (NR - 30 > n ? NR - 30 : n + 1); i <= NR; i++) print l[i] }' "$log_file" >&2
  else
    tail -30 "$log_file" >&2
  fi
}

# Waits until the admin API answers, checking that pid (our JVM) stays alive all along.
wait_ready() {
  local pid="$1" started_at=$SECONDS
  local deadline=$((SECONDS + ${PULSAR_START_TIMEOUT:-240}))
  until admin_up; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "broker (pid $pid) exited during start-up; last lines of $log_file:"; log_tail; rm -f "$pid_file"; exit 1
    fi
    if (( SECONDS > deadline )); then log "admin API did not answer in time; see $log_file"; stop; exit 1; fi
    sleep 1
  done
  # The answer must come from our JVM, not from a process that grabbed the port meanwhile.
  if ! kill -0 "$pid" 2>/dev/null; then
    log "the admin port answers but broker pid $pid is gone; last lines of $log_file:"; log_tail; rm -f "$pid_file"; exit 1
  fi
  local holder; holder="$(port_holder "$web_port")"
  if [[ "$holder" =~ ^pid\ ([0-9]+) && "${BASH_REMATCH[1]}" != "$pid" ]]; then
    log "the admin port $web_port is held by $holder, not by the broker this harness started (pid $pid)"; stop; exit 1
  fi
  log "ready after $((SECONDS - started_at))s (pid $pid)"
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
# The bookie reads this file too. BookKeeper's own default frame limit (5,242,880) is below the broker's
# maxMessageSize plus its frame padding, so without this an entry of a message near 5 MB (a full chunk of
# a chunked message, for one) is refused by the bookie and the send times out. Pulsar's bookkeeper.conf
# ships the same value.
nettyMaxFrameSizeBytes=5253120
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
  if [[ -n "${PULSAR_EXTRA_CONF:-}" ]]; then
    local line
    echo "# PULSAR_EXTRA_CONF" >> "$state/standalone.conf"
    while IFS= read -r line; do
      line="${line#"${line%%[![:space:]]*}"}"; line="${line%"${line##*[![:space:]]}"}"
      [[ -z "$line" ]] && continue
      if [[ ! "$line" =~ ^[A-Za-z_][A-Za-z0-9_.]*=.*$ ]]; then log "PULSAR_EXTRA_CONF: not a key=value line: '$line'"; exit 2; fi
      echo "$line" >> "$state/standalone.conf"
    done < <(printf '%s\n' "$PULSAR_EXTRA_CONF" | tr ';' '\n')
  fi
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
  local pid
  if pid="$(running_pid)"; then
    # Our own broker (e.g. left up by DAGPACT_KEEP_SERVICES=1): reuse it, waiting if it is still starting.
    # Its settings are those it was started with (PULSAR_EXTRA_CONF, PULSAR_WIPE apply on the next start).
    if ! admin_up; then log "broker pid $pid of this instance is running; waiting for its admin API"; wait_ready "$pid"; fi
    log "already running (pid $pid)"; print_env; return 0
  fi
  refuse_taken_ports
  if [[ "${PULSAR_WIPE:-}" == "1" ]]; then rm -rf "$state/data"; fi
  write_config
  mkdir -p "$state/data"
  log "starting broker on 127.0.0.1:$broker_port (admin :$web_port), log $log_file"
  log_mark="--- pulsar-harness: start at $(date '+%F %T') ---"
  echo "$log_mark" >> "$log_file"
  # Pulsar's own launcher passes these --add-opens on Java 17; without them netty and the
  # metrics code log warnings or fall back to slower paths.
  setsid java -Xms128m -Xmx"$heap" -XX:MaxDirectMemorySize="$direct_memory" -XX:+UseG1GC \
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
  pid=$!
  echo "$pid" > "$pid_file"
  wait_ready "$pid"
  print_env
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    log "not running"; rm -f "$pid_file"
    local port
    for port in "$broker_port" "$web_port"; do
      if port_open "$port"; then log "note: port $port answers, held by $(port_holder "$port") — not this instance's broker, left alone"; fi
    done
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null; do
    if (( SECONDS > deadline )); then log "did not stop in 30s; killing"; kill -KILL "$pid" 2>/dev/null || true; fi
    sleep 0.5
  done
  rm -f "$pid_file"
  log "stopped"
}

restart() {
  local old new
  old="$(running_pid || true)"
  stop
  start
  new="$(running_pid || true)"
  if [[ -z "$new" || "$new" == "$old" ]] || ! admin_up; then
    log "restart failed: old pid ${old:-none}, new pid ${new:-none}, admin API $(admin_up && echo answers || echo 'does not answer')"; exit 1
  fi
  log "restarted: pid ${old:-none} -> $new"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) restart ;;
  status)
    admin_token="$( [[ -f "$state/admin.token" ]] && cat "$state/admin.token" || true)"
    admin_up || exit 1
    running_pid >/dev/null || log "warning: the admin API answers but $pid_file does not name a live broker of this instance; 'start' will refuse"
    ;;
  classpath) resolve_classpath; echo "$cp_file" ;;
  *) echo "usage: $0 start|stop|restart|status|classpath" >&2; exit 2 ;;
esac
