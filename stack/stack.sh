#!/usr/bin/env bash
# stack/stack.sh — local infrastructure for the attendance platform, without Docker.
#
# Provisions (once, cached outside the repo) and runs as plain background processes:
#   kafka       Apache Kafka 3.9 (KRaft, single combined broker+controller), jars from Maven Central
#   redis       Redis 7 (Debian package redis-server), config in stack/redis.conf
#   postgres    PostgreSQL (Debian package postgresql, 15 on bookworm), FerretDB's storage;
#               runs as the `postgres` system user, database `ferretdb`, trust auth on 127.0.0.1
#   ferretdb    FerretDB v1 (MongoDB wire protocol on the PostgreSQL backend), built from the Go
#               module proxy; `up ferretdb` also brings up postgres (no-op when it runs)
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
#   STACK_KAFKA_HEAP (512m)   STACK_KAFKA_TIMEOUT (60)   STACK_START_TIMEOUT (30)
#   STACK_STOP_TIMEOUT (15)   STACK_LOG_LINES (100)
set -euo pipefail

# ---------------------------------------------------------------------------
# Versions (pinned so the cache key is stable; bump deliberately)
# ---------------------------------------------------------------------------
KAFKA_VERSION=3.9.2                 # newest 3.9.x on Maven Central
KAFKA_SCALA=2.13
SLF4J_BINDING_VERSION=1.7.36        # org.slf4j:slf4j-reload4j, matches the slf4j-api 1.7.36 Kafka 3.9 uses
RELOAD4J_VERSION=1.2.25             # same reload4j the official Kafka 3.9 distribution ships
MVN_DEPENDENCY_PLUGIN=3.8.1
FERRETDB_MODULE=github.com/FerretDB/FerretDB
FERRETDB_VERSION=v1.24.2            # last FerretDB v1 release on the Go module proxy
FERRETDB_PATCHLEVEL=2               # local source patches (patch_ferretdb_source); part of the cache key

# ---------------------------------------------------------------------------
# Layout
# ---------------------------------------------------------------------------
STACK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd "$STACK_DIR/.." && pwd -P)
CACHE_DIR=${STACK_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/attendance-platform}
STATE_DIR=${STACK_STATE_DIR:-$REPO_ROOT/.stack}
[[ $STATE_DIR == /* ]] || STATE_DIR=$PWD/$STATE_DIR   # absolute: it is matched in command lines

KAFKA_PORT=${STACK_KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${STACK_KAFKA_CONTROLLER_PORT:-9093}
REDIS_PORT=${STACK_REDIS_PORT:-6379}
POSTGRES_PORT=${STACK_POSTGRES_PORT:-5433}
POSTGRES_DB=ferretdb
POSTGRES_USER=postgres   # superuser created by initdb; also the system user that runs the server
# FerretDB's PostgreSQL pool (its default is 50). An update in progress holds two connections
# (its read cursor and the write), so concurrent updates deadlock once they fill the pool;
# headroom below max_connections=200 is left for psql and maintenance.
FERRETDB_PG_POOL=${STACK_FERRETDB_PG_POOL:-150}
FERRETDB_PORT=${STACK_FERRETDB_PORT:-27017}
PROMETHEUS_PORT=${STACK_PROMETHEUS_PORT:-9090}
KAFKA_HEAP=${STACK_KAFKA_HEAP:-512m}
KAFKA_TIMEOUT=${STACK_KAFKA_TIMEOUT:-60}
START_TIMEOUT=${STACK_START_TIMEOUT:-30}
STOP_TIMEOUT=${STACK_STOP_TIMEOUT:-15}
LOG_LINES=${STACK_LOG_LINES:-100}

KAFKA_HOME=$CACHE_DIR/kafka-$KAFKA_VERSION
FERRETDB_HOME=$CACHE_DIR/ferretdb-$FERRETDB_VERSION-p$FERRETDB_PATCHLEVEL
MARKER=.complete   # written last, after a successful build: no marker = not installed

ALL_ENGINES=(kafka redis postgres ferretdb prometheus)   # start order (ferretdb needs postgres)
ENGINES=("${ALL_ENGINES[@]}")
export DEBIAN_FRONTEND=noninteractive

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
say() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

# Cleanup actions registered while running (e.g. a temporary policy-rc.d).
CLEANUP=()
on_exit() {
  local c
  for c in "${CLEANUP[@]+"${CLEANUP[@]}"}"; do eval "$c" || true; done
}
trap on_exit EXIT

# Take an exclusive lock on a file (fd 9) so concurrent runs don't race. Best effort.
lock_state() {
  mkdir -p "$STATE_DIR/run"
  if have flock; then
    exec 9>"$STATE_DIR/run/.lock"
    flock -w 900 9 || die "another stack.sh is running (lock $STATE_DIR/run/.lock)"
  fi
}

port_of() {
  case $1 in
    kafka) echo "$KAFKA_PORT" ;;
    redis) echo "$REDIS_PORT" ;;
    postgres) echo "$POSTGRES_PORT" ;;
    ferretdb) echo "$FERRETDB_PORT" ;;
    prometheus) echo "$PROMETHEUS_PORT" ;;
  esac
}
pid_file() { echo "$STATE_DIR/run/$1.pid"; }
log_file() { echo "$STATE_DIR/logs/$1.log"; }

cmdline_of() {
  local pid=$1
  if [[ -r /proc/$pid/cmdline ]]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true
  else
    ps -p "$pid" -o command= 2>/dev/null || true
  fi
}

# Is PID one of our processes for ENGINE? Its command line must mention $STATE_DIR and
# be the engine itself (argv[0] for the native binaries, the kafka.Kafka main class for Java).
proc_matches() {
  local engine=$1 pid=$2 cmd argv0
  cmd=$(cmdline_of "$pid")
  [[ $cmd == *"$STATE_DIR/"* ]] || return 1
  argv0=${cmd%% *}
  argv0=${argv0##*/}
  case $engine in
    kafka) [[ $argv0 == java && $cmd == *" kafka.Kafka "* ]] ;;
    redis) [[ $argv0 == redis-server ]] ;;
    # The postmaster only (its children retitle themselves "postgres: ..."), not initdb's
    # bootstrap/single-user runs on the same data directory.
    postgres) [[ $argv0 == postgres && $cmd != *" --boot "* && $cmd != *" --single "* ]] ;;
    ferretdb) [[ $argv0 == ferretdb ]] ;;
    prometheus) [[ $argv0 == prometheus ]] ;;
    *) return 1 ;;
  esac
}

# Is PID alive and one of our processes for ENGINE (guards against pid reuse)?
is_our_pid() {
  local engine=$1 pid=$2
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  proc_matches "$engine" "$pid"
}

# Prints the pid of the running engine (from its pid file); cleans a stale pid file.
running_pid() {
  local engine=$1 pf pid
  pf=$(pid_file "$engine")
  [[ -f $pf ]] || return 1
  pid=$(tr -dc '0-9' <"$pf" 2>/dev/null || true)
  if [[ -n $pid ]] && is_our_pid "$engine" "$pid"; then
    echo "$pid"
    return 0
  fi
  rm -f "$pf"
  return 1
}

# All live processes of ours for ENGINE, found by command line (even without pid file).
orphan_pids() {
  local engine=$1 p pid
  for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    [[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
    proc_matches "$engine" "$pid" && echo "$pid"
  done
  return 0
}

port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

http_ok() {
  local url=$1
  if have curl; then
    curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null
  else
    # host:port/path from http://host:port/path
    local rest=${url#http://} hostport path
    hostport=${rest%%/*}
    path=/${rest#*/}
    # shellcheck disable=SC2016  # expanded by the inner bash
    timeout 3 bash -c '
      exec 3<>"/dev/tcp/${1%:*}/${1##*:}" || exit 1
      printf "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" "$2" "$1" >&3
      head -n1 <&3 | grep -q " 200 "' _ "$hostport" "$path" 2>/dev/null
  fi
}

# Real MongoDB-protocol ping (OP_MSG {ping: 1, $db: "admin"}) using only node's net module.
mongo_ping() {
  have node || return 0   # no node: the port check has to do
  # shellcheck disable=SC2016  # JavaScript, not shell
  timeout 5 node -e '
    const net = require("net");
    const i32 = (n) => { const b = Buffer.alloc(4); b.writeInt32LE(n); return b; };
    const body = Buffer.concat([
      Buffer.from([0x10]), Buffer.from("ping\0"), i32(1),
      Buffer.from([0x02]), Buffer.from("$db\0"), i32(6), Buffer.from("admin\0"),
      Buffer.from([0x00]),
    ]);
    const doc = Buffer.concat([i32(body.length + 4), body]);
    const payload = Buffer.concat([i32(0), Buffer.from([0x00]), doc]);
    const msg = Buffer.concat([i32(16 + payload.length), i32(1), i32(0), i32(2013), payload]);
    const sock = net.connect(+process.argv[1], "127.0.0.1", () => sock.write(msg));
    let buf = Buffer.alloc(0);
    sock.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 4 && buf.length >= buf.readInt32LE(0)) {
        const i = buf.indexOf(Buffer.from([0x01, 0x6f, 0x6b, 0x00])); // double "ok"
        process.exit(i >= 0 && buf.readDoubleLE(i + 4) === 1 ? 0 : 1);
      }
    });
    sock.on("error", () => process.exit(1));
    setTimeout(() => process.exit(1), 4000);
  ' "$1" >/dev/null 2>&1
}

# ---------------------------------------------------------------------------
# PostgreSQL helpers
# ---------------------------------------------------------------------------
PG_DATA=$STATE_DIR/data/postgres
PG_SOCKET_DIR=$STATE_DIR/run/postgres

# Directory with the server binaries (postgres, initdb, pg_isready, psql). Debian keeps them
# in /usr/lib/postgresql/<major>/bin; an existing data directory pins its major version.
PG_BIN=""
pg_bin_dir() {
  if [[ -n $PG_BIN ]]; then echo "$PG_BIN"; return 0; fi
  local d ver=""
  if [[ -n ${STACK_POSTGRES_BIN_DIR:-} ]]; then
    PG_BIN=$STACK_POSTGRES_BIN_DIR
  else
    [[ -r $PG_DATA/PG_VERSION ]] && ver=$(tr -dc '0-9.' <"$PG_DATA/PG_VERSION" 2>/dev/null || true)
    if [[ -n $ver && -x /usr/lib/postgresql/$ver/bin/postgres ]]; then
      PG_BIN=/usr/lib/postgresql/$ver/bin
    else
      for d in $(compgen -G '/usr/lib/postgresql/*/bin' | sort -V); do
        [[ -x $d/postgres && -x $d/initdb ]] && PG_BIN=$d
      done
      if [[ -z $PG_BIN ]] && have postgres && have initdb; then   # non-Debian layouts
        PG_BIN=$(dirname "$(command -v postgres)")
      fi
    fi
  fi
  [[ -n $PG_BIN && -x $PG_BIN/postgres ]] || return 1
  echo "$PG_BIN"
}

# The client tools of the same version when present, else whatever is on PATH.
pg_tool() {
  local bin
  if bin=$(pg_bin_dir) && [[ -x $bin/$1 ]]; then echo "$bin/$1"; else command -v "$1"; fi
}

# Command prefix that runs a command as the owner of the data directory, in PG_AS.
# PostgreSQL refuses to run as root, so as root that is the `postgres` system user: setpriv
# execs in place (the pid stays the postmaster's) with a clean environment; runuser (fallback)
# forks. cwd / because the caller's cwd (e.g. /root) may not be readable by postgres.
PG_AS=()
pg_as_prefix() {
  if [[ $(id -u) -ne 0 ]]; then
    PG_AS=(env -C /)
  elif have setpriv; then
    PG_AS=(setpriv --reuid=postgres --regid=postgres --init-groups --reset-env env -C /)
  else
    PG_AS=(runuser -u postgres -- env -C /)
  fi
}
pg_as_owner() {
  pg_as_prefix
  "${PG_AS[@]}" "$@"
}

# psql as the superuser over TCP; extra args follow (e.g. -c SQL). No ~/.psqlrc, no PG* env.
pg_psql() {
  env -u PGHOST -u PGPORT -u PGUSER -u PGDATABASE -u PGSERVICE -u PGOPTIONS PGCONNECT_TIMEOUT=3 \
    "$(pg_tool psql)" -X -q -t -A -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$POSTGRES_PORT" -U "$POSTGRES_USER" "$@"
}

# postgres_ready [create]: accepting connections and the database FerretDB uses exists
# (with `create`: create it when missing; idempotent).
postgres_ready() {
  local tool exists
  tool=$(pg_tool pg_isready) || return 1
  "$tool" -q -h 127.0.0.1 -p "$POSTGRES_PORT" -U "$POSTGRES_USER" -d postgres -t 3 2>/dev/null || return 1
  exists=$(pg_psql -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$POSTGRES_DB'" 2>/dev/null) || return 1
  [[ $exists == 1 ]] && return 0
  [[ ${1:-} == create ]] || return 1
  say "postgres: creating database $POSTGRES_DB"
  pg_psql -d postgres -c "CREATE DATABASE $POSTGRES_DB" >/dev/null 2>&1 ||
    [[ $(pg_psql -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$POSTGRES_DB'" 2>/dev/null) == 1 ]]
}

# Is the engine ready to serve real requests? (is_ready ENGINE [create]: may create what is missing)
is_ready() {
  local engine=$1 port
  port=$(port_of "$engine")
  case $engine in
    kafka)
      port_open "$port" && grep -q "Kafka Server started" "$(log_file kafka)" 2>/dev/null ;;
    redis)
      [[ $(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null) == PONG ]] ;;
    postgres)
      postgres_ready "${2:-}" ;;
    ferretdb)
      port_open "$port" && mongo_ping "$port" ;;
    prometheus)
      http_ok "http://127.0.0.1:$port/-/ready" ;;
  esac
}

address_of() {
  local engine=$1 port
  port=$(port_of "$engine")
  case $engine in
    kafka) echo "127.0.0.1:$port" ;;
    redis) echo "redis://127.0.0.1:$port" ;;
    postgres) echo "postgres://$POSTGRES_USER@127.0.0.1:$port/$POSTGRES_DB" ;;
    ferretdb) echo "mongodb://127.0.0.1:$port" ;;
    prometheus) echo "http://127.0.0.1:$port" ;;
  esac
}

show_log_tail() {
  local engine=$1 f
  f=$(log_file "$engine")
  if [[ -s $f ]]; then
    printf '[stack] ---- last 40 lines of %s ----\n' "$f" >&2
    tail -n 40 "$f" >&2 || true
    printf '[stack] ----\n' >&2
  fi
}

# ---------------------------------------------------------------------------
# Installation (cached)
# ---------------------------------------------------------------------------
as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif have sudo && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    die "root (or passwordless sudo) is needed to run: $*"
  fi
}

# apt-get install PKGS, making sure the packages' own services don't keep running
# (they would take our ports: redis-server's postinst starts redis on 6379,
# prometheus' postinst starts prometheus on 9090, postgresql's creates the cluster
# 15/main and starts it on 5432, when an init system allows it).
apt_install() {
  have apt-get || die "apt-get not found; install $* manually"
  local before after pid ppid created_policy=0 p c clusters_before
  before=" $(pgrep -d ' ' -x 'redis-server|prometheus|postgres' 2>/dev/null || true) "
  clusters_before=" $( (compgen -G '/etc/postgresql/*/*' || true) | tr '\n' ' ') "

  # Forbid service starts during the install, like Docker images do (only if no policy exists).
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    as_root sh -c 'printf "#!/bin/sh\n# temporary, created by attendance-platform stack.sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
    created_policy=1
    CLEANUP+=("as_root rm -f /usr/sbin/policy-rc.d")
  fi

  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" </dev/null >>"$CACHE_DIR/.apt.log" 2>&1; then
    say "apt-get install failed; refreshing package lists (apt-get update) and retrying…"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null >>"$CACHE_DIR/.apt.log" 2>&1 || true
    if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" </dev/null >>"$CACHE_DIR/.apt.log" 2>&1; then
      tail -n 30 "$CACHE_DIR/.apt.log" >&2 || true
      die "apt-get install $* failed (full log: $CACHE_DIR/.apt.log)"
    fi
  fi

  if ((created_policy)); then
    as_root rm -f /usr/sbin/policy-rc.d
  fi

  # If a service got started anyway (systemd ignoring policy-rc.d, …), stop and disable it.
  if [[ -d /run/systemd/system ]] && have systemctl; then
    for p in "$@"; do
      case $p in
        redis-server | prometheus | postgresql)
          as_root systemctl stop "$p" >/dev/null 2>&1 || true
          as_root systemctl disable "$p" >/dev/null 2>&1 || true ;;
      esac
    done
  fi
  # Clusters the install created (postgresql-common makes <version>/main): stop them if they
  # run and keep them from starting with the init system (start.conf "manual").
  for c in $(compgen -G '/etc/postgresql/*/*' || true); do
    [[ -f $c/start.conf && $clusters_before != *" $c "* ]] || continue
    p=${c#/etc/postgresql/}
    if have pg_ctlcluster && as_root pg_ctlcluster "${p%%/*}" "${p#*/}" status >/dev/null 2>&1; then
      say "stopping the PostgreSQL cluster $p started by the package install"
      as_root pg_ctlcluster "${p%%/*}" "${p#*/}" stop -m fast >/dev/null 2>&1 || true
    fi
    as_root sh -c "echo manual > '$c/start.conf'" || true
  done
  after=$(pgrep -x 'redis-server|prometheus|postgres' 2>/dev/null || true)
  for pid in $after; do
    [[ $before == *" $pid "* ]] && continue
    [[ -n $(cmdline_of "$pid") ]] || continue   # exited meanwhile (e.g. the cluster stopped above)
    [[ $(cmdline_of "$pid") == *"$STATE_DIR/"* ]] && continue
    # PostgreSQL: only its postmaster (the children follow it); SIGINT = fast shutdown.
    if [[ $(ps -o comm= -p "$pid" 2>/dev/null) == postgres ]]; then
      ppid=$(ps -o ppid= -p "$pid" 2>/dev/null | tr -dc '0-9')
      [[ -n $ppid && $(ps -o comm= -p "$ppid" 2>/dev/null) == postgres ]] && continue
      say "stopping service started by the package install: pid $pid ($(cmdline_of "$pid"))"
      as_root kill -INT "$pid" 2>/dev/null || true
      continue
    fi
    say "stopping service started by the package install: pid $pid ($(cmdline_of "$pid"))"
    as_root kill "$pid" 2>/dev/null || true
  done
}

# Debian packages: redis-server (Redis 7), postgresql (15 on bookworm) and prometheus,
# in one apt-get run.
install_system_packages() {
  local missing=()
  if ! have redis-server || ! have redis-cli; then missing+=(redis-server); fi
  if ! pg_bin_dir >/dev/null || [[ ! -x $(pg_tool initdb) || ! -x $(pg_tool pg_isready) || ! -x $(pg_tool psql) ]]; then
    missing+=(postgresql)
  fi
  if ! have prometheus; then missing+=(prometheus); fi
  # The office page's browser tests drive Debian's chromium (playwright-core never downloads a browser).
  if ! have chromium; then missing+=(chromium); fi
  ((${#missing[@]})) || return 0
  say "${missing[*]}: installing Debian package(s) with apt-get…"
  apt_install "${missing[@]}"
  have redis-server || die "redis-server still missing after apt-get install"
  PG_BIN=""
  pg_bin_dir >/dev/null || die "postgresql server binaries still missing after apt-get install (/usr/lib/postgresql/*/bin)"
  have prometheus || die "prometheus still missing after apt-get install"
  have chromium || die "chromium still missing after apt-get install"
}

java_bin() {
  if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then
    echo "$JAVA_HOME/bin/java"
  elif have java; then
    command -v java
  else
    die "java (17+) is required for Kafka; install a JDK/JRE (e.g. apt-get install openjdk-17-jre-headless)"
  fi
}

# Builds into a temporary sibling directory and renames it into place once complete,
# so an interrupted build is never half-used.
install_kafka() {
  [[ -f $KAFKA_HOME/$MARKER ]] && return 0
  have mvn || die "Maven (mvn) is required to fetch Kafka jars"
  java_bin >/dev/null
  say "kafka: fetching Kafka $KAFKA_VERSION jars from Maven Central (first time only)…"
  mkdir -p "$CACHE_DIR"
  local tmp
  tmp=$(mktemp -d "$CACHE_DIR/.kafka-$KAFKA_VERSION.XXXXXX")
  chmod 755 "$tmp"
  cat >"$tmp/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by attendance-platform stack/stack.sh: Kafka runtime classpath. -->
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 http://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.attendance-platform</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>$KAFKA_VERSION</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_$KAFKA_SCALA</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <!-- CLI tools (TopicCommand, ConsumerGroupCommand, console producer/consumer, ...). -->
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka-tools</artifactId>
      <version>$KAFKA_VERSION</version>
      <exclusions>
        <exclusion>
          <groupId>org.apache.kafka</groupId>
          <artifactId>connect-runtime</artifactId>
        </exclusion>
      </exclusions>
    </dependency>
    <!-- The kafka POM leaves out the SLF4J binding; this is the one the distribution ships. -->
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-reload4j</artifactId>
      <version>$SLF4J_BINDING_VERSION</version>
    </dependency>
    <dependency>
      <groupId>ch.qos.reload4j</groupId>
      <artifactId>reload4j</artifactId>
      <version>$RELOAD4J_VERSION</version>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>$MVN_DEPENDENCY_PLUGIN</version>
      </plugin>
    </plugins>
  </build>
</project>
EOF
  if ! (cd "$tmp" && mvn -B -q -Dstyle.color=never dependency:copy-dependencies -DoutputDirectory=lib -DincludeScope=runtime \
    </dev/null >"$tmp/mvn.log" 2>&1); then
    tail -n 30 "$tmp/mvn.log" >&2 || true
    die "kafka: Maven could not fetch the jars (log: $tmp/mvn.log)"
  fi
  [[ -f $tmp/lib/kafka_$KAFKA_SCALA-$KAFKA_VERSION.jar ]] || die "kafka: kafka_$KAFKA_SCALA-$KAFKA_VERSION.jar missing after Maven run"
  local n
  n=$(find "$tmp/lib" -name '*.jar' | wc -l)
  printf 'kafka %s\njars %s\nbuilt %s\n' "$KAFKA_VERSION" "$n" "$(date -u +%FT%TZ)" >"$tmp/$MARKER"
  rm -rf "$KAFKA_HOME"
  mv "$tmp" "$KAFKA_HOME"
  say "kafka: $n jars cached in $KAFKA_HOME"
}

# src_edit FILE after|delete LINE [TEXT]: insert TEXT after, or delete, the line that is exactly
# LINE (leading tabs included), which must occur exactly once. Fails (and leaves FILE as is) otherwise.
src_edit() {
  local file=$1 op=$2 line=$3 text=${4:-}
  # Strings via the environment: awk -v would interpret backslash escapes.
  if ! SRC_LINE=$line SRC_TEXT=$text awk -v op="$op" '
    BEGIN { line = ENVIRON["SRC_LINE"]; text = ENVIRON["SRC_TEXT"] }
    $0 == line { n++; if (op == "delete") next; print; print text; next }
    { print }
    END { exit n == 1 ? 0 : 1 }' "$file" >"$file.patched"; then
    rm -f "$file.patched"
    die "ferretdb: ${file##*/} is not the expected $FERRETDB_VERSION source (line not found once: ${line#"${line%%[![:space:]]*}"})"
  fi
  mv "$file.patched" "$file"
}

# Source fixes applied before building FerretDB (bump FERRETDB_PATCHLEVEL when they change).
#  1. handler/msg_update.go: the update command ran `defer closer.Close()` inside its loop over
#     the statements, so every statement's query cursor (one pooled PostgreSQL connection each)
#     stayed open until the whole command ended. With the pool's 50 connections, an update
#     command of 50+ statements (bulkWrite) waited forever for a connection it held itself, and
#     the pool stayed exhausted for every client until FerretDB restarted. Now each statement's
#     cursor is closed as soon as that statement is done.
#  2. backends/postgresql/query.go: equality filters are pushed down as `_jsonb->'f' @> $v`
#     (containment, so that arrays match their elements), which no btree index can serve: every
#     find/update/delete by _id scanned the whole table. `_id` is never an array, so for _id
#     equal to a string, ObjectId or date the filter becomes `_jsonb->'_id' = $v` (the same
#     match), served by the collection's unique _id index. Results are re-checked in FerretDB
#     anyway; other fields and value types are unchanged.
patch_ferretdb_source() {
  local src=$1 t=$'\t'
  src_edit "$src/internal/handler/msg_update.go" delete "$t${t}defer closer.Close()"
  src_edit "$src/internal/handler/msg_update.go" after \
    "$t${t}result, err := common.UpdateDocument(ctx, c, \"update\", iter, &u)" \
    "$t${t}closer.Close() // stack.sh patch: release this statement's connection now"
  # shellcheck disable=SC2016  # Go source, not shell
  src_edit "$src/internal/backends/postgresql/query.go" after \
    "$t"'sql := `%[1]s%[2]s%[3]s @> %[4]s`' \
    "
$t// stack.sh patch: _id is never an array, so equality matches what containment does,
$t// and unlike @> it can use the unique _id index.
${t}if k == \"_id\" && operator == \"->\" {
$t${t}switch v.(type) {
$t${t}case string, types.ObjectID, time.Time:
$t$t${t}filter = fmt.Sprintf(\`%s->'_id' = %s\`, metadata.DefaultColumn, p.Next())
$t$t${t}args = append(args, string(must.NotFail(sjson.MarshalSingleValue(v))))
$t$t${t}return
$t$t}
$t}"
}

install_ferretdb() {
  [[ -x $FERRETDB_HOME/ferretdb && -f $FERRETDB_HOME/$MARKER ]] && return 0
  have go || die "Go is required to build FerretDB (https://go.dev/dl/)"
  say "ferretdb: building $FERRETDB_VERSION (patchlevel $FERRETDB_PATCHLEVEL) from the Go module proxy (first time only, ~1-2 min)…"
  mkdir -p "$CACHE_DIR"
  local tmp json dir
  tmp=$(mktemp -d "$CACHE_DIR/.ferretdb-$FERRETDB_VERSION.XXXXXX")
  chmod 755 "$tmp"
  # Run outside any Go module so the download is not tied to a go.mod.
  if ! json=$(cd "$tmp" && GOWORK=off go mod download -json "$FERRETDB_MODULE@$FERRETDB_VERSION" </dev/null 2>"$tmp/download.log"); then
    cat "$tmp/download.log" >&2
    printf '%s\n' "$json" >&2
    die "ferretdb: go mod download $FERRETDB_MODULE@$FERRETDB_VERSION failed"
  fi
  dir=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' | head -n1)
  [[ -n $dir && -d $dir ]] || die "ferretdb: could not find the module directory in: $json"

  # The module cache is read-only; build in a writable copy.
  cp -R "$dir" "$tmp/src"
  chmod -R u+w "$tmp/src"
  # build/version/version.txt is normally generated from `git describe`; without it the
  # binary panics at start ("Invalid build/version/version.txt file content").
  printf '%s\n' "$FERRETDB_VERSION" >"$tmp/src/build/version/version.txt"
  printf '%s\n' "attendance-platform-stack" >"$tmp/src/build/version/package.txt"
  patch_ferretdb_source "$tmp/src"
  # Same flags as FerretDB's production.Dockerfile: no build tags, static, trimmed paths.
  if ! (cd "$tmp/src" && CGO_ENABLED=0 GOWORK=off GOFLAGS=-buildvcs=false \
    go build -trimpath -o "$tmp/ferretdb" ./cmd/ferretdb </dev/null >"$tmp/build.log" 2>&1); then
    tail -n 30 "$tmp/build.log" >&2 || true
    die "ferretdb: go build failed (log: $tmp/build.log)"
  fi
  "$tmp/ferretdb" --version >"$tmp/version.out" 2>&1 || {
    cat "$tmp/version.out" >&2
    die "ferretdb: the built binary does not run"
  }
  rm -rf "$tmp/src"
  printf 'ferretdb %s\npatchlevel %s\nbuilt %s\n' "$FERRETDB_VERSION" "$FERRETDB_PATCHLEVEL" "$(date -u +%FT%TZ)" >"$tmp/$MARKER"
  rm -rf "$FERRETDB_HOME"
  mv "$tmp" "$FERRETDB_HOME"
  say "ferretdb: binary cached at $FERRETDB_HOME/ferretdb"
}

cmd_install() {
  mkdir -p "$CACHE_DIR"
  local lock_fd_opened=0
  if have flock; then
    exec 8>"$CACHE_DIR/.lock"
    flock -w 1800 8 || die "timed out waiting for another install (lock $CACHE_DIR/.lock)"
    lock_fd_opened=1
  fi
  if ((lock_fd_opened)); then
    # We hold the install lock: leftovers of interrupted builds can go.
    local d
    for d in "$CACHE_DIR"/.kafka-*.* "$CACHE_DIR"/.ferretdb-*.*; do
      [[ -d $d ]] || continue
      chmod -R u+w "$d" 2>/dev/null || true
      rm -rf "$d"
    done
  fi
  # Kafka's Maven fetch is network-bound and FerretDB's build CPU-bound: overlap them.
  local kafka_job=""
  if [[ ! -f $KAFKA_HOME/$MARKER ]]; then
    (install_kafka) &
    kafka_job=$!
  fi
  install_system_packages
  install_ferretdb
  if [[ -n $kafka_job ]]; then
    wait "$kafka_job" || die "kafka: installation failed (see above)"
  fi
  if ((lock_fd_opened)); then exec 8>&-; fi
}

# ---------------------------------------------------------------------------
# Starting
# ---------------------------------------------------------------------------

# launch ENGINE CMD...: start CMD in its own session, detached from this shell,
# stdout+stderr to the engine's log, pid to the pid file.
launch() {
  local engine=$1 log pid
  shift
  log=$(log_file "$engine")
  [[ -f $log ]] && mv -f "$log" "$log.1"   # keep the previous run's log
  # This script runs without job control, so the background job is not a process-group
  # leader and setsid execs in place: $! is the engine's own pid. fds 8/9 (locks) are closed.
  setsid "$@" </dev/null >>"$log" 2>&1 8>&- 9>&- &
  pid=$!
  echo "$pid" >"$(pid_file "$engine")"
}

render_kafka_config() {
  local out=$STATE_DIR/run/kafka/server.properties
  mkdir -p "$STATE_DIR/run/kafka" "$STATE_DIR/data/kafka"
  sed -e "s|@KAFKA_DATA_DIR@|$STATE_DIR/data/kafka|g" \
    -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" \
    -e "s|@KAFKA_CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
    "$STACK_DIR/kafka/server.properties" >"$out"
  echo "$out"
}

start_kafka() {
  local java props cid
  java=$(java_bin)
  props=$(render_kafka_config)
  if [[ ! -f $STATE_DIR/data/kafka/meta.properties ]]; then
    cid=$("$java" -cp "$KAFKA_HOME/lib/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)
    [[ -n $cid ]] || die "kafka: could not generate a cluster id"
    say "kafka: formatting storage (cluster id $cid)…"
    "$java" -Dlog4j.configuration="file:$STACK_DIR/kafka/log4j.properties" -cp "$KAFKA_HOME/lib/*" \
      kafka.tools.StorageTool format -t "$cid" -c "$props" >"$STATE_DIR/logs/kafka-format.log" 2>&1 || {
      cat "$STATE_DIR/logs/kafka-format.log" >&2
      die "kafka: storage format failed"
    }
  fi
  launch kafka "$java" "-Xms$KAFKA_HEAP" "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    "-Dlog4j.configuration=file:$STACK_DIR/kafka/log4j.properties" \
    "-Dkafka.logs.dir=$STATE_DIR/logs" \
    -cp "$KAFKA_HOME/lib/*" kafka.Kafka "$props"
}

start_redis() {
  mkdir -p "$STATE_DIR/data/redis"
  # --set-proc-title no keeps the full command line visible (for pgrep and our pid checks).
  launch redis "$(command -v redis-server)" "$STACK_DIR/redis.conf" \
    --dir "$STATE_DIR/data/redis" --port "$REDIS_PORT" --daemonize no \
    --pidfile "$STATE_DIR/run/redis.pid" --logfile "" --set-proc-title no
}

# PostgreSQL as the `postgres` system user (when we are root): data in data/postgres (initdb
# once), TCP on 127.0.0.1 only, unix socket in run/postgres, durable commits.
start_postgres() {
  local bin launched pid i tmp sockdir
  bin=$(pg_bin_dir) || die "postgres: server binaries not found (apt-get install postgresql)"
  pg_as_prefix
  mkdir -p "$STATE_DIR/data" "$PG_SOCKET_DIR"
  if [[ $(id -u) -eq 0 ]]; then
    id -u postgres >/dev/null 2>&1 || die "postgres: the 'postgres' system user is missing (reinstall the postgresql package)"
    chown postgres:postgres "$PG_SOCKET_DIR"
    "${PG_AS[@]}" test -x "$STATE_DIR/data" -a -w "$PG_SOCKET_DIR" ||
      die "postgres: user postgres cannot reach $STATE_DIR (a parent directory is not searchable by others; set STACK_STATE_DIR)"
  fi
  chmod 755 "$PG_SOCKET_DIR"
  if [[ ! -f $PG_DATA/PG_VERSION ]]; then
    # initdb into a temporary sibling, renamed into place when complete (like the installs).
    tmp=$STATE_DIR/data/.postgres-initdb
    rm -rf "$tmp" "$PG_DATA"
    mkdir -p "$tmp"
    [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$tmp"
    chmod 700 "$tmp"
    say "postgres: initializing $PG_DATA ($("$bin/postgres" --version 2>/dev/null))…"
    if ! "${PG_AS[@]}" "$bin/initdb" -D "$tmp" --auth=trust "--username=$POSTGRES_USER" \
      --encoding=UTF8 --locale=C </dev/null >"$STATE_DIR/logs/postgres-initdb.log" 2>&1; then
      cat "$STATE_DIR/logs/postgres-initdb.log" >&2
      die "postgres: initdb failed (log: $STATE_DIR/logs/postgres-initdb.log)"
    fi
    mv "$tmp" "$PG_DATA"
  fi
  # The socket path must fit in sun_path (107 bytes); if it does not: TCP only (all we use).
  sockdir=$PG_SOCKET_DIR
  ((${#sockdir} + 20 > 107)) && sockdir=""
  launch postgres "${PG_AS[@]}" "$bin/postgres" -D "$PG_DATA" -p "$POSTGRES_PORT" \
    -c listen_addresses=127.0.0.1 -k "$sockdir" \
    -c shared_buffers=256MB -c max_connections=200 -c fsync=on -c synchronous_commit=on
  # With setpriv (or no user switch) the launched pid is the postmaster's. Through a wrapper
  # that forks (runuser), take the postmaster's own pid from postmaster.pid.
  launched=$(tr -dc '0-9' <"$(pid_file postgres)")
  proc_matches postgres "$launched" && return 0
  for ((i = 0; i < 20 * START_TIMEOUT; i++)); do
    pid=$(head -n1 "$PG_DATA/postmaster.pid" 2>/dev/null | tr -dc '0-9' || true)
    if [[ -n $pid ]] && is_our_pid postgres "$pid"; then
      echo "$pid" >"$(pid_file postgres)"
      return 0
    fi
    kill -0 "$launched" 2>/dev/null || return 0   # exited: wait_ready reports it
    sleep 0.05
  done
}

# FerretDB on the PostgreSQL backend (database $POSTGRES_DB). pool_max_conn_idle_time: FerretDB
# replaces any value with 1m, so idle backends are closed after a minute.
start_ferretdb() {
  mkdir -p "$STATE_DIR/data/ferretdb-state"
  launch ferretdb "$FERRETDB_HOME/ferretdb" \
    --handler=postgresql \
    "--postgresql-url=postgres://$POSTGRES_USER@127.0.0.1:$POSTGRES_PORT/$POSTGRES_DB?pool_max_conns=$FERRETDB_PG_POOL&pool_max_conn_idle_time=1m" \
    "--state-dir=$STATE_DIR/data/ferretdb-state" \
    "--listen-addr=127.0.0.1:$FERRETDB_PORT" \
    --debug-addr=- \
    --telemetry=disable \
    --log-level=warn
}

start_prometheus() {
  mkdir -p "$STATE_DIR/data/prometheus"
  launch prometheus "$(command -v prometheus)" \
    "--config.file=$STACK_DIR/prometheus/prometheus.yml" \
    "--storage.tsdb.path=$STATE_DIR/data/prometheus" \
    --storage.tsdb.retention.time=2d \
    "--web.listen-address=127.0.0.1:$PROMETHEUS_PORT" \
    --web.enable-lifecycle
}

# wait_ready ENGINE TIMEOUT: poll readiness; fail early if the process dies.
wait_ready() {
  local engine=$1 timeout=$2 start pid
  start=$SECONDS
  while :; do
    if ! pid=$(running_pid "$engine"); then
      say "$engine: process exited during startup"
      show_log_tail "$engine"
      return 1
    fi
    is_ready "$engine" create && return 0
    if ((SECONDS - start >= timeout)); then
      say "$engine: not ready after ${timeout}s (pid $pid)"
      show_log_tail "$engine"
      return 1
    fi
    sleep 0.5
  done
}

print_table() {
  local e pid
  printf '%-11s %-44s %-8s %s\n' ENGINE ADDRESS PID LOG
  for e in "${ENGINES[@]}"; do
    pid=$(running_pid "$e" || echo -)
    printf '%-11s %-44s %-8s %s\n' "$e" "$(address_of "$e")" "$pid" "$(log_file "$e")"
  done
}

# wait_postgres_for_ferretdb: FerretDB keeps its data in PostgreSQL; start it only once
# postgres accepts connections and its database exists.
wait_postgres_for_ferretdb() {
  if ! running_pid postgres >/dev/null; then
    die "ferretdb: postgres is not running (start it: $0 up postgres)"
  fi
  is_ready postgres create 2>/dev/null && return 0
  wait_ready postgres "$START_TIMEOUT" || die "ferretdb: not started, postgres did not become ready"
}

cmd_up() {
  lock_state
  cmd_install
  mkdir -p "$STATE_DIR/data" "$STATE_DIR/logs" "$STATE_DIR/run"
  local e pid started=() failed=()
  for e in "${ENGINES[@]}"; do
    if pid=$(running_pid "$e"); then
      continue
    fi
    # Something else on our port? Refuse instead of silently talking to a stranger.
    if port_open "$(port_of "$e")"; then
      die "$e: port $(port_of "$e") on 127.0.0.1 is already in use by another process (not started by this stack)." \
        "Stop it or set STACK_$(echo "$e" | tr '[:lower:]' '[:upper:]')_PORT."
    fi
    if [[ $e == kafka ]] && port_open "$KAFKA_CONTROLLER_PORT"; then
      die "kafka: controller port $KAFKA_CONTROLLER_PORT is already in use (set STACK_KAFKA_CONTROLLER_PORT)"
    fi
    [[ $e == ferretdb ]] && wait_postgres_for_ferretdb
    say "$e: starting…"
    "start_$e"
    started+=("$e")
  done
  # Wait for every engine (also ones found running but maybe still starting).
  for e in "${ENGINES[@]}"; do
    local t=$START_TIMEOUT
    [[ $e == kafka ]] && t=$KAFKA_TIMEOUT
    if ! is_ready "$e" create 2>/dev/null; then
      [[ " ${started[*]-} " == *" $e "* ]] || say "$e: running, waiting for readiness…"
      if ! wait_ready "$e" "$t"; then
        failed+=("$e")
        continue
      fi
    fi
  done
  if ((${#failed[@]})); then
    print_table >&2
    die "failed to start: ${failed[*]} (stack left partially up; run '$0 down' to stop it)"
  fi
  say "all engines ready"
  print_table
}

# ---------------------------------------------------------------------------
# Stopping
# ---------------------------------------------------------------------------
cmd_down() {
  lock_state
  local e pid pids=() deadline alive
  for e in "${ENGINES[@]}"; do
    if pid=$(running_pid "$e"); then pids+=("$pid"); fi
    # Also anything of ours that lost its pid file.
    for pid in $(orphan_pids "$e"); do
      [[ " ${pids[*]-} " == *" $pid "* ]] || pids+=("$pid")
    done
  done
  if ((${#pids[@]})); then
    say "stopping pids ${pids[*]} (SIGTERM, postgres SIGINT; up to ${STOP_TIMEOUT}s)…"
    for pid in "${pids[@]}"; do
      # PostgreSQL's SIGTERM ("smart" shutdown) waits for clients such as FerretDB's pool
      # to disconnect; SIGINT ("fast") closes their sessions and shuts down cleanly.
      if proc_matches postgres "$pid"; then
        kill -INT "$pid" 2>/dev/null || true
      else
        kill -TERM "$pid" 2>/dev/null || true
      fi
    done
    deadline=$((SECONDS + STOP_TIMEOUT))
    while :; do
      alive=()
      for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive+=("$pid"); done
      ((${#alive[@]} == 0)) && break
      if ((SECONDS >= deadline)); then
        say "still alive after ${STOP_TIMEOUT}s, sending SIGKILL to ${alive[*]}"
        kill -KILL "${alive[@]}" 2>/dev/null || true
        sleep 0.5
        break
      fi
      sleep 0.25
    done
  fi
  for e in "${ENGINES[@]}"; do rm -f "$(pid_file "$e")"; done
  # Verify.
  local left=()
  for e in "${ENGINES[@]}"; do
    for pid in $(orphan_pids "$e"); do left+=("$pid"); done
  done
  if ((${#left[@]})); then
    die "processes still alive after down: ${left[*]}"
  fi
  say "stopped: ${ENGINES[*]}"
}

cmd_status() {
  local e pid state all=0
  for e in "${ENGINES[@]}"; do
    if pid=$(running_pid "$e"); then
      if is_ready "$e"; then state=running; else state=starting; all=3; fi
    else
      pid=-
      state=stopped
      all=3
    fi
    printf '%-11s %-9s %-44s pid %s\n' "$e" "$state" "$(address_of "$e")" "$pid"
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
export KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
export REDIS_URL=redis://127.0.0.1:$REDIS_PORT
export POSTGRES_URL=postgres://$POSTGRES_USER@127.0.0.1:$POSTGRES_PORT/$POSTGRES_DB
export MONGO_URL=mongodb://127.0.0.1:$FERRETDB_PORT/attendance
export PROMETHEUS_URL=http://127.0.0.1:$PROMETHEUS_PORT
EOF
}

cmd_logs() {
  local engine=${1:-} f
  [[ -n $engine && " ${ENGINES[*]} " == *" $engine "* ]] || die "usage: $0 logs {${ENGINES[*]}} [-f]"
  f=$(log_file "$engine")
  [[ -f $f ]] || die "no log yet: $f"
  if [[ ${2:-} == -f ]]; then
    exec tail -n "$LOG_LINES" -F "$f"
  fi
  tail -n "$LOG_LINES" "$f"
}

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
}

# select_engines [NAME...]: limit up/down to the named engines (tests stop one engine to
# simulate an outage), kept in start order.
select_engines() {
  (($# == 0)) && return 0
  local e
  for e in "$@"; do
    [[ " ${ALL_ENGINES[*]} " == *" $e "* ]] || die "unknown engine '$e' (one of: ${ALL_ENGINES[*]})"
  done
  ENGINES=()
  for e in "${ALL_ENGINES[@]}"; do
    [[ " $* " == *" $e "* ]] && ENGINES+=("$e")
  done
  return 0
}

# `up ferretdb` brings up postgres too (FerretDB's storage; a no-op when it runs).
# `down ferretdb` stops only ferretdb.
add_up_dependencies() {
  if [[ " ${ENGINES[*]} " == *" ferretdb "* && " ${ENGINES[*]} " != *" postgres "* ]]; then
    select_engines postgres "${ENGINES[@]}"
  fi
}

main() {
  local cmd=${1:-}
  [[ $# -gt 0 ]] && shift
  case $cmd in
    up) select_engines "$@"; add_up_dependencies; cmd_up ;;
    down) select_engines "$@"; cmd_down ;;
    status) cmd_status ;;
    reset) cmd_reset ;;
    env) cmd_env ;;
    logs) cmd_logs "$@" ;;
    install) cmd_install ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
