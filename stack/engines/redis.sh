# stack/engines/redis.sh — Redis 7 from Debian's redis-server, configuration in stack/redis.conf.
REDIS_PORT=${STACK_REDIS_PORT:-6379}

redis_port() { echo "$REDIS_PORT"; }
redis_address() { echo "redis://127.0.0.1:$REDIS_PORT"; }
redis_is_process() { [[ $1 == redis-server ]]; }
redis_ready() { [[ $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]; }

redis_start() {
  mkdir -p "$STATE_DIR/data/redis"
  # --set-proc-title no keeps the full command line visible (for our pid checks).
  launch redis "$(command -v redis-server)" "$STACK_DIR/redis.conf" \
    --dir "$STATE_DIR/data/redis" --port "$REDIS_PORT" --daemonize no \
    --pidfile "$STATE_DIR/run/redis.pid" --logfile "" --set-proc-title no
}
