# stack/engines/ferretdb.sh — FerretDB v1 (MongoDB wire protocol on the PostgreSQL backend), built
# from the Go module proxy with the fixes in stack/ferretdb/*.patch (cached); needs postgres.
FERRETDB_MODULE=github.com/FerretDB/FerretDB
FERRETDB_VERSION=v1.24.2   # last FerretDB v1 release on the Go module proxy
FERRETDB_PATCHLEVEL=2      # bump when stack/ferretdb/*.patch change: part of the cache key
FERRETDB_PORT=${STACK_FERRETDB_PORT:-27017}
# Documents per INSERT statement (and PostgreSQL transaction) of one insertMany (FerretDB's default
# is 100): the consumer inserts a batch's records with one insertMany, so 1,000 cuts its commits
# tenfold (bench:consumer 14,500 -> 16,100 records/s). A statement that meets a duplicate _id is
# retried document by document, as with any size.
FERRETDB_INSERT_BATCH=${STACK_FERRETDB_INSERT_BATCH:-1000}
# FerretDB's PostgreSQL pool (its default is 50). An update in progress holds two connections
# (its read cursor and the write), so concurrent updates deadlock once they fill the pool;
# headroom below max_connections=200 is left for psql and maintenance.
FERRETDB_PG_POOL=${STACK_FERRETDB_PG_POOL:-150}
FERRETDB_HOME=$CACHE_DIR/ferretdb-$FERRETDB_VERSION-p$FERRETDB_PATCHLEVEL

ferretdb_port() { echo "$FERRETDB_PORT"; }
ferretdb_address() { echo "mongodb://127.0.0.1:$FERRETDB_PORT"; }
ferretdb_is_process() { [[ $1 == ferretdb ]]; }
# The mongodb driver's ping (stack/probe.mjs).
ferretdb_ready() { port_open "$FERRETDB_PORT" && node_probe ferretdb "$FERRETDB_PORT"; }

# Each patch must apply cleanly, exactly once: a dry run first, so a source that already has
# it, or differs from the one it was made for, stops the build instead of half-patching it.
ferretdb_patch() {
  local src=$1 p
  for p in "$STACK_DIR"/ferretdb/*.patch; do
    patch -d "$src" -p1 --dry-run --forward --silent <"$p" >/dev/null ||
      die "ferretdb: ${p##*/} does not apply to the $FERRETDB_VERSION source"
    patch -d "$src" -p1 --forward --silent <"$p" >/dev/null
  done
}

ferretdb_install() {
  [[ -x $FERRETDB_HOME/ferretdb && -f $FERRETDB_HOME/$MARKER ]] && return 0
  have go || die "Go is required to build FerretDB (https://go.dev/dl/)"
  have patch || die "patch is required to build FerretDB (apt-get install patch)"
  say "ferretdb: building $FERRETDB_VERSION (patchlevel $FERRETDB_PATCHLEVEL) from the Go module proxy (first time only, ~1-2 min)…"
  local tmp dir
  tmp=$(mktemp -d "$CACHE_DIR/.ferretdb-$FERRETDB_VERSION.XXXXXX")
  chmod 755 "$tmp"
  # Outside any Go module, so the download is not tied to a go.mod.
  dir=$(cd "$tmp" && GOWORK=off go mod download -json "$FERRETDB_MODULE@$FERRETDB_VERSION" </dev/null 2>"$tmp/download.log" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' | head -n1)
  [[ -n $dir && -d $dir ]] || { cat "$tmp/download.log" >&2; die "ferretdb: go mod download $FERRETDB_MODULE@$FERRETDB_VERSION failed"; }
  cp -R "$dir" "$tmp/src"   # the module cache is read-only
  chmod -R u+w "$tmp/src"
  # Normally generated from `git describe`; without it the binary panics at start.
  printf '%s\n' "$FERRETDB_VERSION" >"$tmp/src/build/version/version.txt"
  printf '%s\n' "attendance-platform-stack" >"$tmp/src/build/version/package.txt"
  ferretdb_patch "$tmp/src"
  # Same flags as FerretDB's production.Dockerfile: no build tags, static, trimmed paths.
  (cd "$tmp/src" && CGO_ENABLED=0 GOWORK=off GOFLAGS=-buildvcs=false go build -trimpath -o "$tmp/ferretdb" ./cmd/ferretdb \
    </dev/null >"$tmp/build.log" 2>&1) || { tail -n 30 "$tmp/build.log" >&2; die "ferretdb: go build failed (log: $tmp/build.log)"; }
  "$tmp/ferretdb" --version >/dev/null 2>&1 || die "ferretdb: the built binary does not run"
  rm -rf "$tmp/src"
  printf 'ferretdb %s\npatchlevel %s\nbuilt %s\n' "$FERRETDB_VERSION" "$FERRETDB_PATCHLEVEL" "$(date -u +%FT%TZ)" >"$tmp/$MARKER"
  rm -rf "$FERRETDB_HOME"
  mv "$tmp" "$FERRETDB_HOME"
  say "ferretdb: binary cached at $FERRETDB_HOME/ferretdb"
}

# Started once postgres accepts connections and its database exists. pool_max_conn_idle_time:
# FerretDB replaces any value with 1m, so idle backends are closed after a minute.
ferretdb_start() {
  running_pid postgres >/dev/null || die "ferretdb: postgres is not running (start it: stack.sh up postgres)"
  postgres_ready create 2>/dev/null || wait_ready postgres "$START_TIMEOUT" || die "ferretdb: not started, postgres did not become ready"
  mkdir -p "$STATE_DIR/data/ferretdb-state"
  launch ferretdb "$FERRETDB_HOME/ferretdb" --handler=postgresql \
    "--postgresql-url=postgres://$POSTGRES_USER@127.0.0.1:$POSTGRES_PORT/$POSTGRES_DB?pool_max_conns=$FERRETDB_PG_POOL&pool_max_conn_idle_time=1m" \
    "--state-dir=$STATE_DIR/data/ferretdb-state" "--listen-addr=127.0.0.1:$FERRETDB_PORT" \
    --debug-addr=- --telemetry=disable --log-level=warn \
    "--test-batch-size=$FERRETDB_INSERT_BATCH"
}
