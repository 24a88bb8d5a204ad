# stack/apt.sh — the Debian packages the stack needs, installed with apt-get (as root or with
# passwordless sudo) when one of their commands is missing. Sourced by stack/stack.sh after lib.sh.

# Debian packages the stack installs with apt-get when a command is missing: one line per
# package, "package: the commands it provides" (checked with `command -v`; postgresql's
# binaries are not on PATH, postgres_installed checks them).
DEBIAN_PACKAGES=(
  "redis-server: redis-server redis-cli"
  "postgresql: postgres_installed"
  "prometheus: prometheus"
  "curl: curl"
  "patch: patch"
  "chromium: chromium"
)

as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif have sudo && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    die "root (or passwordless sudo) is needed to run: $*"
  fi
}

# apt-get install PKGS, keeping the packages' own services from running (they would take our
# ports: redis on 6379, prometheus on 9090, postgresql's cluster 15/main on 5432): a temporary
# policy-rc.d forbids starts, and what started anyway (systemd, a new cluster) is stopped.
apt_install() {
  have apt-get || die "apt-get not found; install $* manually"
  local before after pid c p clusters_before signal
  before=" $(pgrep -d ' ' -x 'redis-server|prometheus|postgres' 2>/dev/null || true) "
  clusters_before=" $( (compgen -G '/etc/postgresql/*/*' || true) | tr '\n' ' ') "
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    as_root sh -c 'printf "#!/bin/sh\n# temporary, created by attendance-platform stack.sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
    CLEANUP+=("as_root rm -f /usr/sbin/policy-rc.d")
  fi
  local apt=(as_root env DEBIAN_FRONTEND=noninteractive apt-get)
  if ! "${apt[@]}" install -y -q --no-install-recommends "$@" </dev/null >>"$CACHE_DIR/.apt.log" 2>&1; then
    say "apt-get install failed; refreshing package lists (apt-get update) and retrying…"
    "${apt[@]}" update -q </dev/null >>"$CACHE_DIR/.apt.log" 2>&1 || true
    "${apt[@]}" install -y -q --no-install-recommends "$@" </dev/null >>"$CACHE_DIR/.apt.log" 2>&1 ||
      { tail -n 30 "$CACHE_DIR/.apt.log" >&2; die "apt-get install $* failed (full log: $CACHE_DIR/.apt.log)"; }
  fi
  if [[ -d /run/systemd/system ]] && have systemctl; then
    for p in "$@"; do
      case $p in redis-server | prometheus | postgresql) as_root systemctl disable --now "$p" >/dev/null 2>&1 || true ;; esac
    done
  fi
  for c in $(compgen -G '/etc/postgresql/*/*' || true); do   # clusters the install created
    [[ -f $c/start.conf && $clusters_before != *" $c "* ]] || continue
    p=${c#/etc/postgresql/}
    have pg_ctlcluster && as_root pg_ctlcluster "${p%%/*}" "${p#*/}" stop -m fast >/dev/null 2>&1 || true
    as_root sh -c "echo manual > '$c/start.conf'" || true
  done
  after=$(pgrep -x 'redis-server|prometheus|postgres' 2>/dev/null || true)
  for pid in $after; do
    [[ $before == *" $pid "* || -z $(cmdline_of "$pid") || $(cmdline_of "$pid") == *"$STATE_DIR/"* ]] && continue
    signal=TERM
    if [[ $(ps -o comm= -p "$pid" 2>/dev/null) == postgres ]]; then   # the postmaster only; SIGINT = fast shutdown
      [[ $(ps -o comm= -p "$(ps -o ppid= -p "$pid" | tr -dc '0-9')" 2>/dev/null) == postgres ]] && continue
      signal=INT
    fi
    say "stopping service started by the package install: pid $pid ($(cmdline_of "$pid"))"
    as_root kill "-$signal" "$pid" 2>/dev/null || true
  done
}

# missing_packages: the packages of DEBIAN_PACKAGES one of whose commands is missing.
missing_packages() {
  local entry cmd
  for entry in "${DEBIAN_PACKAGES[@]}"; do
    for cmd in ${entry#*:}; do
      if ! have "$cmd" && ! { declare -F "$cmd" >/dev/null && "$cmd"; }; then echo "${entry%%:*}"; break; fi
    done
  done
}

# The missing packages, in one apt-get run.
install_system_packages() {
  local missing
  missing=$(missing_packages)
  [[ -n $missing ]] || return 0
  say "$(echo $missing): installing Debian package(s) with apt-get…"
  # shellcheck disable=SC2086  # one word per package
  apt_install $missing
  PG_BIN=""
  missing=$(missing_packages)
  [[ -z $missing ]] || die "still missing after apt-get install: $(echo $missing)"
}
