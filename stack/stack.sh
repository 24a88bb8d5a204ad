#!/usr/bin/env bash
# stack/stack.sh — local infrastructure for the attendance platform, without Docker.
#
# Provisions (once, cached outside the repo) and runs as plain background processes, one script
# per engine in stack/engines/ (shared supervisor bits in stack/lib.sh):
#   kafka       Apache Kafka 3.9 (KRaft, single combined broker+controller), jars from Maven Central
#   redis       Redis 7 (Debian package redis-server), config in stack/redis.conf
#   postgres    PostgreSQL (Debian package postgresql, 15 on bookworm), FerretDB's storage;
#               runs as the `postgres` system user, database `ferretdb`, trust auth on 127.0.0.1
#   ferretdb    FerretDB v1 (MongoDB wire protocol on the PostgreSQL backend), built from the Go
#               module proxy with stack/ferretdb/*.patch; `up ferretdb` also brings up postgres
#   prometheus  Prometheus (Debian package), config in stack/prometheus/prometheus.yml
#
# Usage: stack/stack.sh <command>
#   install        fetch/build everything that is missing, start nothing
#   up [ENGINE…]   install what is missing, start what is not running, wait until ready
#   down [ENGINE…] stop everything, or just the named engines (SIGTERM, then SIGKILL after a grace period)
#   status         one line per engine; exit 0 if all are running, 3 otherwise
#   reset          down, then delete all data (the download/build cache is kept)
#   env            print `export ...` lines for the services (eval "$(stack/stack.sh env)")
#   logs NAME [-f] print the last lines of an engine's log (-f: follow)
#
# Environment:
#   STACK_CACHE_DIR   cache for built/fetched artifacts
#                     (default: ${XDG_CACHE_HOME:-$HOME/.cache}/attendance-platform)
#   STACK_STATE_DIR   runtime state: data/, logs/, run/ (default: <repo>/.stack)
#   STACK_KAFKA_PORT (9092) STACK_KAFKA_CONTROLLER_PORT (9093) STACK_REDIS_PORT (6379)
#   STACK_POSTGRES_PORT (5433, not 5432: keeps clear of the package's own cluster)
#   STACK_FERRETDB_PORT (27017) STACK_PROMETHEUS_PORT (9090)
#   STACK_POSTGRES_BIN_DIR  PostgreSQL server binaries (default: newest /usr/lib/postgresql/*/bin,
#                     or the one matching the data directory's PG_VERSION)
#   STACK_FERRETDB_PG_POOL (150)  FerretDB's PostgreSQL connection pool (max_connections is 200)
#   STACK_FERRETDB_INSERT_BATCH (1000)  documents per INSERT statement of an insertMany
#   STACK_KAFKA_HEAP (512m)   STACK_KAFKA_TIMEOUT (60)   STACK_START_TIMEOUT (30)
#   STACK_STOP_TIMEOUT (15)   STACK_LOG_LINES (100)
set -euo pipefail
STACK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=stack/lib.sh
source "$STACK_DIR/lib.sh"
# shellcheck source=stack/apt.sh
source "$STACK_DIR/apt.sh"
ALL_ENGINES=(kafka redis postgres ferretdb prometheus)   # start order (ferretdb needs postgres)
for e in "${ALL_ENGINES[@]}"; do
  # shellcheck source=/dev/null
  source "$STACK_DIR/engines/$e.sh"
done
ENGINES=("${ALL_ENGINES[@]}")

cmd_install() {
  mkdir -p "$CACHE_DIR"
  if have flock; then
    exec 8>"$CACHE_DIR/.lock"
    flock -w 1800 8 || die "timed out waiting for another install (lock $CACHE_DIR/.lock)"
    local d   # we hold the install lock: leftovers of interrupted builds can go
    for d in "$CACHE_DIR"/.kafka-*.* "$CACHE_DIR"/.ferretdb-*.*; do
      [[ -d $d ]] && { chmod -R u+w "$d" 2>/dev/null || true; rm -rf "$d"; }
    done
  fi
  # Kafka's Maven fetch is network-bound and FerretDB's build CPU-bound: overlap them.
  local kafka_job=""
  [[ -f $KAFKA_HOME/$MARKER ]] || { (kafka_install) & kafka_job=$!; }
  install_system_packages
  ferretdb_install
  [[ -z $kafka_job ]] || wait "$kafka_job" || die "kafka: installation failed (see above)"
  exec 8>&-
}

print_table() {
  local e
  printf '%-11s %-44s %-8s %s\n' ENGINE ADDRESS PID LOG
  for e in "${ENGINES[@]}"; do
    printf '%-11s %-44s %-8s %s\n' "$e" "$("${e}_address")" "$(running_pid "$e" || echo -)" "$(log_file "$e")"
  done
}

cmd_up() {
  lock_state
  cmd_install
  mkdir -p "$STATE_DIR/data" "$STATE_DIR/logs" "$STATE_DIR/run"
  local e t failed=()
  for e in "${ENGINES[@]}"; do
    running_pid "$e" >/dev/null && continue
    # Something else on our port? Refuse instead of silently talking to a stranger.
    port_open "$("${e}_port")" && die "$e: port $("${e}_port") on 127.0.0.1 is already in use by another process" \
      "(not started by this stack). Stop it or set STACK_${e^^}_PORT."
    say "$e: starting…"
    "${e}_start"
  done
  for e in "${ENGINES[@]}"; do   # also the ones found running, maybe still starting
    t=$START_TIMEOUT
    [[ $e == kafka ]] && t=$KAFKA_TIMEOUT
    "${e}_ready" create 2>/dev/null || wait_ready "$e" "$t" || failed+=("$e")
  done
  if ((${#failed[@]})); then
    print_table >&2
    die "failed to start: ${failed[*]} (stack left partially up; run '$0 down' to stop it)"
  fi
  say "all engines ready"
  print_table
}

cmd_down() {
  lock_state
  local e pid pids=() alive deadline=$((SECONDS + STOP_TIMEOUT))
  for e in "${ENGINES[@]}"; do
    for pid in $(running_pid "$e" || true) $(orphan_pids "$e"); do   # also ours that lost its pid file
      [[ " ${pids[*]-} " == *" $pid "* ]] && continue
      pids+=("$pid")
      kill "-$(declare -F "${e}_stop_signal" >/dev/null && "${e}_stop_signal" || echo TERM)" "$pid" 2>/dev/null || true
    done
  done
  ((${#pids[@]})) && say "stopping pids ${pids[*]} (up to ${STOP_TIMEOUT}s)…"
  while ((${#pids[@]})); do
    alive=()
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive+=("$pid"); done
    ((${#alive[@]})) || break
    if ((SECONDS >= deadline)); then
      say "still alive after ${STOP_TIMEOUT}s, sending SIGKILL to ${alive[*]}"
      kill -KILL "${alive[@]}" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.25
  done
  local left=()
  for e in "${ENGINES[@]}"; do
    rm -f "$(pid_file "$e")"
    for pid in $(orphan_pids "$e"); do left+=("$pid"); done
  done
  ((${#left[@]} == 0)) || die "processes still alive after down: ${left[*]}"
  say "stopped: ${ENGINES[*]}"
}

cmd_status() {
  local e pid state all=0
  for e in "${ENGINES[@]}"; do
    if pid=$(running_pid "$e"); then
      if "${e}_ready"; then state=running; else state=starting; all=3; fi
    else
      pid=- state=stopped all=3
    fi
    printf '%-11s %-9s %-44s pid %s\n' "$e" "$state" "$("${e}_address")" "$pid"
  done
  return "$all"
}

cmd_reset() {
  cmd_down
  say "deleting data in $STATE_DIR/data (cache in $CACHE_DIR is kept)"
  rm -rf "$STATE_DIR/data" "$STATE_DIR/run/kafka" "$PG_SOCKET_DIR"
}

cmd_env() {
  cat <<EOF
export KAFKA_BROKERS=$(kafka_address)
export REDIS_URL=$(redis_address)
export POSTGRES_URL=$(postgres_address)
export MONGO_URL=$(ferretdb_address)/attendance
export PROMETHEUS_URL=$(prometheus_address)
EOF
}

cmd_logs() {
  local f
  [[ -n ${1:-} && " ${ENGINES[*]} " == *" $1 "* ]] || die "usage: $0 logs {${ENGINES[*]}} [-f]"
  f=$(log_file "$1")
  [[ -f $f ]] || die "no log yet: $f"
  [[ ${2:-} == -f ]] && exec tail -n "$LOG_LINES" -F "$f"
  tail -n "$LOG_LINES" "$f"
}

# select_engines [NAME...]: limit up/down to the named engines (tests stop one engine to
# simulate an outage), kept in start order. `up ferretdb` brings up postgres too (a no-op when
# it runs); `down ferretdb` stops only ferretdb.
select_engines() {
  local up=$1 e
  shift
  (($# == 0)) && return 0
  for e in "$@"; do
    [[ " ${ALL_ENGINES[*]} " == *" $e "* ]] || die "unknown engine '$e' (one of: ${ALL_ENGINES[*]})"
  done
  [[ $up == up && " $* " == *" ferretdb "* ]] && set -- postgres "$@"
  ENGINES=()
  for e in "${ALL_ENGINES[@]}"; do [[ " $* " == *" $e "* ]] && ENGINES+=("$e"); done
  return 0
}

cmd=${1:-}
[[ $# -gt 0 ]] && shift
case $cmd in
  up) select_engines up "$@"; cmd_up ;;
  down) select_engines down "$@"; cmd_down ;;
  status) cmd_status ;;
  reset) cmd_reset ;;
  env) cmd_env ;;
  logs) cmd_logs "$@" ;;
  install) cmd_install ;;
  -h | --help | help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
