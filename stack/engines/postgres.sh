# stack/engines/postgres.sh — PostgreSQL from Debian's postgresql (15 on bookworm), FerretDB's
# storage: data in data/postgres (initdb once), TCP on 127.0.0.1 only, trust auth, database
# `ferretdb`, durable commits. Runs as the `postgres` system user when we are root.
POSTGRES_PORT=${STACK_POSTGRES_PORT:-5433}   # not 5432: keeps clear of the package's own cluster
POSTGRES_DB=ferretdb
POSTGRES_USER=postgres   # superuser created by initdb; also the system user that runs the server
PG_DATA=$STATE_DIR/data/postgres
PG_SOCKET_DIR=$STATE_DIR/run/postgres

postgres_port() { echo "$POSTGRES_PORT"; }
postgres_address() { echo "postgres://$POSTGRES_USER@127.0.0.1:$POSTGRES_PORT/$POSTGRES_DB"; }
# The postmaster only (its children retitle themselves), not initdb's bootstrap runs.
postgres_is_process() { [[ $1 == postgres && $2 != *" --boot "* && $2 != *" --single "* ]]; }
postgres_stop_signal() { echo INT; }   # "fast": SIGTERM would wait for FerretDB's pool to leave

# Server binaries: STACK_POSTGRES_BIN_DIR, the version of an existing data directory, or the
# newest /usr/lib/postgresql/*/bin.
PG_BIN=""
pg_bin_dir() {
  if [[ -z $PG_BIN ]]; then
    local ver d
    ver=$(tr -dc '0-9.' <"$PG_DATA/PG_VERSION" 2>/dev/null || true)
    if [[ -n ${STACK_POSTGRES_BIN_DIR:-} ]]; then PG_BIN=$STACK_POSTGRES_BIN_DIR
    elif [[ -n $ver && -x /usr/lib/postgresql/$ver/bin/postgres ]]; then PG_BIN=/usr/lib/postgresql/$ver/bin
    else for d in $(compgen -G '/usr/lib/postgresql/*/bin' | sort -V); do [[ -x $d/initdb ]] && PG_BIN=$d; done; fi
  fi
  [[ -n $PG_BIN && -x $PG_BIN/postgres ]] && echo "$PG_BIN"
}
postgres_installed() { local b; b=$(pg_bin_dir) && [[ -x $b/initdb && -x $b/pg_isready && -x $b/psql ]]; }

# Prefix that runs a command as the owner of the data directory: as root, setpriv (util-linux)
# execs in place, so the launched pid stays the postmaster's, with a clean environment;
# cwd / because ours may not be readable by postgres.
PG_AS=(env -C /)
[[ $(id -u) -ne 0 ]] || PG_AS=(setpriv --reuid=postgres --regid=postgres --init-groups --reset-env env -C /)

pg_psql() {
  env -u PGHOST -u PGPORT -u PGUSER -u PGDATABASE -u PGSERVICE -u PGOPTIONS PGCONNECT_TIMEOUT=3 \
    "$(pg_bin_dir)/psql" -X -q -t -A -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$POSTGRES_PORT" -U "$POSTGRES_USER" -d postgres "$@"
}

# Accepting connections (pg_isready) and FerretDB's database exists; `create` creates it.
postgres_ready() {
  "$(pg_bin_dir)/pg_isready" -q -h 127.0.0.1 -p "$POSTGRES_PORT" -U "$POSTGRES_USER" -d postgres -t 3 2>/dev/null || return 1
  local exists="SELECT 1 FROM pg_database WHERE datname = '$POSTGRES_DB'"
  [[ $(pg_psql -c "$exists" 2>/dev/null) == 1 ]] && return 0
  [[ ${1:-} == create ]] || return 1
  say "postgres: creating database $POSTGRES_DB"
  pg_psql -c "CREATE DATABASE $POSTGRES_DB" >/dev/null 2>&1 || [[ $(pg_psql -c "$exists" 2>/dev/null) == 1 ]]
}

postgres_start() {
  local bin tmp sockdir=$PG_SOCKET_DIR
  bin=$(pg_bin_dir) || die "postgres: server binaries not found (apt-get install postgresql)"
  mkdir -p "$STATE_DIR/data" "$PG_SOCKET_DIR"
  if [[ $(id -u) -eq 0 ]]; then
    id -u postgres >/dev/null 2>&1 || die "postgres: the 'postgres' system user is missing (reinstall the postgresql package)"
    chown postgres:postgres "$PG_SOCKET_DIR"
    "${PG_AS[@]}" test -x "$STATE_DIR/data" -a -w "$PG_SOCKET_DIR" ||
      die "postgres: user postgres cannot reach $STATE_DIR (a parent directory is not searchable by others; set STACK_STATE_DIR)"
  fi
  chmod 755 "$PG_SOCKET_DIR"
  if [[ ! -f $PG_DATA/PG_VERSION ]]; then   # initdb into a temporary sibling, renamed when complete
    tmp=$STATE_DIR/data/.postgres-initdb
    rm -rf "$tmp" "$PG_DATA"
    mkdir -p "$tmp"
    [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$tmp"
    chmod 700 "$tmp"
    say "postgres: initializing $PG_DATA ($("$bin/postgres" --version 2>/dev/null))…"
    "${PG_AS[@]}" "$bin/initdb" -D "$tmp" --auth=trust "--username=$POSTGRES_USER" --encoding=UTF8 --locale=C \
      </dev/null >"$STATE_DIR/logs/postgres-initdb.log" 2>&1 ||
      { cat "$STATE_DIR/logs/postgres-initdb.log" >&2; die "postgres: initdb failed"; }
    mv "$tmp" "$PG_DATA"
  fi
  ((${#sockdir} + 20 > 107)) && sockdir=""   # the socket path must fit in sun_path; TCP is all we use
  launch postgres "${PG_AS[@]}" "$bin/postgres" -D "$PG_DATA" -p "$POSTGRES_PORT" \
    -c listen_addresses=127.0.0.1 -k "$sockdir" \
    -c shared_buffers=256MB -c max_connections=200 -c fsync=on -c synchronous_commit=on
}
