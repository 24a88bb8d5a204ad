# stack/engines/kafka.sh — Apache Kafka 3.9 (KRaft, one combined broker and controller), its jars
# fetched from Maven Central with Maven (cached), configuration in stack/kafka/.
KAFKA_VERSION=3.9.2                 # newest 3.9.x on Maven Central
KAFKA_SCALA=2.13
SLF4J_BINDING_VERSION=1.7.36        # org.slf4j:slf4j-reload4j, matches the slf4j-api 1.7.36 Kafka 3.9 uses
RELOAD4J_VERSION=1.2.25             # same reload4j the official Kafka 3.9 distribution ships
MVN_DEPENDENCY_PLUGIN=3.8.1
KAFKA_PORT=${STACK_KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${STACK_KAFKA_CONTROLLER_PORT:-9093}
KAFKA_HEAP=${STACK_KAFKA_HEAP:-512m}
KAFKA_TIMEOUT=${STACK_KAFKA_TIMEOUT:-60}
KAFKA_HOME=$CACHE_DIR/kafka-$KAFKA_VERSION

kafka_port() { echo "$KAFKA_PORT"; }
kafka_address() { echo "127.0.0.1:$KAFKA_PORT"; }
kafka_is_process() { [[ $1 == java && $2 == *" kafka.Kafka "* ]]; }
# The broker answers the admin API (kafkajs describeCluster, in stack/probe.mjs); the port is
# checked first so no node process competes with the JVM while it starts.
kafka_ready() { port_open "$KAFKA_PORT" && node_probe kafka "$KAFKA_PORT"; }

java_bin() {
  if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then echo "$JAVA_HOME/bin/java"
  elif have java; then command -v java
  else die "java (17+) is required for Kafka (e.g. apt-get install openjdk-17-jre-headless)"; fi
}

# The runtime classpath of Kafka and its CLI tools, copied by Maven's dependency plugin into a
# temporary sibling directory, renamed into place once complete.
kafka_install() {
  [[ -f $KAFKA_HOME/$MARKER ]] && return 0
  have mvn || die "Maven (mvn) is required to fetch Kafka jars"
  java_bin >/dev/null
  say "kafka: fetching Kafka $KAFKA_VERSION jars from Maven Central (first time only)…"
  local tmp n
  tmp=$(mktemp -d "$CACHE_DIR/.kafka-$KAFKA_VERSION.XXXXXX")
  chmod 755 "$tmp"
  sed -e "s/@KAFKA_VERSION@/$KAFKA_VERSION/g" -e "s/@KAFKA_SCALA@/$KAFKA_SCALA/g" \
    -e "s/@SLF4J_BINDING_VERSION@/$SLF4J_BINDING_VERSION/g" -e "s/@RELOAD4J_VERSION@/$RELOAD4J_VERSION/g" \
    -e "s/@MVN_DEPENDENCY_PLUGIN@/$MVN_DEPENDENCY_PLUGIN/g" "$STACK_DIR/kafka/pom.xml" >"$tmp/pom.xml"
  (cd "$tmp" && mvn -B -q -Dstyle.color=never dependency:copy-dependencies -DoutputDirectory=lib -DincludeScope=runtime \
    </dev/null >"$tmp/mvn.log" 2>&1) || { tail -n 30 "$tmp/mvn.log" >&2; die "kafka: Maven could not fetch the jars (log: $tmp/mvn.log)"; }
  [[ -f $tmp/lib/kafka_$KAFKA_SCALA-$KAFKA_VERSION.jar ]] || die "kafka: kafka_$KAFKA_SCALA-$KAFKA_VERSION.jar missing after Maven run"
  n=$(find "$tmp/lib" -name '*.jar' | wc -l)
  printf 'kafka %s\njars %s\nbuilt %s\n' "$KAFKA_VERSION" "$n" "$(date -u +%FT%TZ)" >"$tmp/$MARKER"
  rm -rf "$KAFKA_HOME"
  mv "$tmp" "$KAFKA_HOME"
  say "kafka: $n jars cached in $KAFKA_HOME"
}

kafka_start() {
  local java props=$STATE_DIR/run/kafka/server.properties cid
  java=$(java_bin)
  port_open "$KAFKA_CONTROLLER_PORT" && die "kafka: controller port $KAFKA_CONTROLLER_PORT is already in use (set STACK_KAFKA_CONTROLLER_PORT)"
  mkdir -p "$STATE_DIR/run/kafka" "$STATE_DIR/data/kafka"
  sed -e "s|@KAFKA_DATA_DIR@|$STATE_DIR/data/kafka|g" -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" \
    -e "s|@KAFKA_CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" "$STACK_DIR/kafka/server.properties" >"$props"
  if [[ ! -f $STATE_DIR/data/kafka/meta.properties ]]; then
    cid=$("$java" -cp "$KAFKA_HOME/lib/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)
    [[ -n $cid ]] || die "kafka: could not generate a cluster id"
    say "kafka: formatting storage (cluster id $cid)…"
    "$java" -Dlog4j.configuration="file:$STACK_DIR/kafka/log4j.properties" -cp "$KAFKA_HOME/lib/*" \
      kafka.tools.StorageTool format -t "$cid" -c "$props" >"$STATE_DIR/logs/kafka-format.log" 2>&1 ||
      { cat "$STATE_DIR/logs/kafka-format.log" >&2; die "kafka: storage format failed"; }
  fi
  launch kafka "$java" "-Xms$KAFKA_HEAP" "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    "-Dlog4j.configuration=file:$STACK_DIR/kafka/log4j.properties" "-Dkafka.logs.dir=$STATE_DIR/logs" \
    -cp "$KAFKA_HOME/lib/*" kafka.Kafka "$props"
}
