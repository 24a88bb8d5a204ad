# stack/engines/prometheus.sh — Prometheus from Debian's package, scrape configuration and alert
# rules in stack/prometheus/.
PROMETHEUS_PORT=${STACK_PROMETHEUS_PORT:-9090}

prometheus_port() { echo "$PROMETHEUS_PORT"; }
prometheus_address() { echo "http://127.0.0.1:$PROMETHEUS_PORT"; }
prometheus_is_process() { [[ $1 == prometheus ]]; }
prometheus_ready() { curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$PROMETHEUS_PORT/-/ready" 2>/dev/null; }

prometheus_start() {
  mkdir -p "$STATE_DIR/data/prometheus"
  launch prometheus "$(command -v prometheus)" \
    "--config.file=$STACK_DIR/prometheus/prometheus.yml" \
    "--storage.tsdb.path=$STATE_DIR/data/prometheus" \
    --storage.tsdb.retention.time=2d \
    "--web.listen-address=127.0.0.1:$PROMETHEUS_PORT" \
    --web.enable-lifecycle
}
