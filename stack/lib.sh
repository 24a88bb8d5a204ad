# stack/lib.sh — what every engine script uses: layout, logging, the process supervisor
# (launch, pid files, readiness wait). Sourced by stack/stack.sh (root and apt-get: apt.sh).

STACK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd "$STACK_DIR/.." && pwd -P)
CACHE_DIR=${STACK_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/attendance-platform}
STATE_DIR=${STACK_STATE_DIR:-$REPO_ROOT/.stack}
[[ $STATE_DIR == /* ]] || STATE_DIR=$PWD/$STATE_DIR   # absolute: it is matched in command lines
START_TIMEOUT=${STACK_START_TIMEOUT:-30}
STOP_TIMEOUT=${STACK_STOP_TIMEOUT:-15}
LOG_LINES=${STACK_LOG_LINES:-100}
MARKER=.complete   # written last, after a successful build: no marker = not installed
export DEBIAN_FRONTEND=noninteractive

say() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

# Cleanup actions registered while running (e.g. a temporary policy-rc.d).
CLEANUP=()
on_exit() { local c; for c in "${CLEANUP[@]+"${CLEANUP[@]}"}"; do eval "$c" || true; done; }
trap on_exit EXIT

# Exclusive lock on the state directory (fd 9) so concurrent runs don't race.
lock_state() {
  mkdir -p "$STATE_DIR/run"
  have flock || return 0
  exec 9>"$STATE_DIR/run/.lock"
  flock -w 900 9 || die "another stack.sh is running (lock $STATE_DIR/run/.lock)"
}

pid_file() { echo "$STATE_DIR/run/$1.pid"; }
log_file() { echo "$STATE_DIR/logs/$1.log"; }
cmdline_of() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true; }

# Is PID one of our processes for ENGINE? Its command line must mention $STATE_DIR, and the
# engine's own <engine>_is_process decides from argv[0] and the command line.
proc_matches() {
  local engine=$1 cmd argv0
  cmd=$(cmdline_of "$2")
  [[ $cmd == *"$STATE_DIR/"* ]] || return 1
  argv0=${cmd%% *}
  "${engine}_is_process" "${argv0##*/}" "$cmd"
}

# Alive and ours (guards against pid reuse)?
is_our_pid() { [[ $2 =~ ^[0-9]+$ ]] && kill -0 "$2" 2>/dev/null && proc_matches "$1" "$2"; }

# Prints the pid of the running engine (from its pid file); cleans a stale pid file.
running_pid() {
  local pf pid
  pf=$(pid_file "$1")
  [[ -f $pf ]] || return 1
  pid=$(tr -dc '0-9' <"$pf" 2>/dev/null || true)
  if [[ -n $pid ]] && is_our_pid "$1" "$pid"; then echo "$pid"; return 0; fi
  rm -f "$pf"
  return 1
}

# All live processes of ours for ENGINE, found by command line (even without pid file).
orphan_pids() {
  local p pid
  for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    [[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
    proc_matches "$1" "$pid" && echo "$pid"
  done
  return 0
}

# Is something listening? (to refuse a port another program holds, and before a client probe)
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# node_probe ENGINE PORT: stack/probe.mjs with the workspace's drivers (kafkajs, mongodb).
node_probe() {
  local rc=0
  timeout 10 node "$STACK_DIR/probe.mjs" "$@" >/dev/null 2>&1 || rc=$?
  ((rc != 3)) || die "$1: the readiness probe needs the workspace's dependencies: run pnpm install (./platform does) first"
  return "$rc"
}

# launch ENGINE CMD...: start CMD in its own session, output to the engine's log, pid to its pid file.
launch() {
  local engine=$1 log
  shift
  log=$(log_file "$engine")
  [[ -f $log ]] && mv -f "$log" "$log.1"   # keep the previous run's log
  # No job control here, so the background job is not a process-group leader and setsid execs
  # in place: $! is the engine's own pid. fds 8/9 (locks) are closed.
  setsid "$@" </dev/null >>"$log" 2>&1 8>&- 9>&- &
  local pid=$! i=0
  echo "$pid" >"$(pid_file "$engine")"
  # Until setsid (and setpriv, env) have exec'd the engine, the pid is not recognisably ours
  # and running_pid would take it for a stale one: wait for the exec (or the exit), up to 2 s.
  until proc_matches "$engine" "$pid" || ! kill -0 "$pid" 2>/dev/null || ((i++ >= 100)); do sleep 0.02; done
}

show_log_tail() {
  local f
  f=$(log_file "$1")
  [[ -s $f ]] || return 0
  printf '[stack] ---- last 40 lines of %s ----\n' "$f" >&2
  tail -n 40 "$f" >&2 || true
  printf '[stack] ----\n' >&2
}

# wait_ready ENGINE TIMEOUT: poll <engine>_ready (which may create what is missing); fail early
# if the process dies.
wait_ready() {
  local engine=$1 timeout=$2 start=$SECONDS pid
  while :; do
    if ! pid=$(running_pid "$engine"); then
      say "$engine: process exited during startup"
      show_log_tail "$engine"
      return 1
    fi
    "${engine}_ready" create && return 0
    if ((SECONDS - start >= timeout)); then
      say "$engine: not ready after ${timeout}s (pid $pid)"
      show_log_tail "$engine"
      return 1
    fi
    sleep 0.25
  done
}
