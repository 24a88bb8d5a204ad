#!/usr/bin/env bash
# stack/measure-start.sh [ROUNDS] — how long `stack.sh up` takes, cold and warm.
#   cold: a fresh state directory (initdb, Kafka storage format, empty data), caches warm
#         (engines already fetched and built in STACK_CACHE_DIR)
#   warm: the same state directory again after `down`
# Uses its own state directory (<repo>/.stack-measure, deleted afterwards) on the STACK_*_PORT
# ports, which must be free: stop the stack on them first. Prints the seconds of each round
# and writes results/stack-start.json.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
ROUNDS=${1:-2}
export STACK_STATE_DIR=$ROOT/.stack-measure
stack() { bash "$ROOT/stack/stack.sh" "$@" >/dev/null 2>&1; }
timed_up() {
  local start=$EPOCHREALTIME out
  if ! out=$(bash "$ROOT/stack/stack.sh" up 2>&1); then
    printf '%s\nstack.sh up failed; engine logs:\n' "$out" >&2
    tail -n 15 "$STACK_STATE_DIR"/logs/*.log >&2 || true
    stack down || true
    exit 1
  fi
  echo "$EPOCHREALTIME - $start" | bc
}
cold=() warm=()
for ((i = 1; i <= ROUNDS; i++)); do
  stack down || true
  rm -rf "$STACK_STATE_DIR"
  cold+=("$(timed_up)")
  stack down
  warm+=("$(timed_up)")
  stack down
  printf 'round %d: cold %.1f s, warm %.1f s\n' "$i" "${cold[-1]}" "${warm[-1]}"
done
rm -rf "$STACK_STATE_DIR"
mkdir -p "$ROOT/results"
printf '{"at":"%s","caches":"warm","cold_seconds":[%s],"warm_seconds":[%s]}\n' "$(date -u +%FT%TZ)" \
  "$(IFS=,; echo "${cold[*]}")" "$(IFS=,; echo "${warm[*]}")" >"$ROOT/results/stack-start.json"
echo "written $ROOT/results/stack-start.json"
