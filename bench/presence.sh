#!/usr/bin/env bash
# Device sightings ingested per second over HTTP (granian, 2 workers) and over MQTT (the
# presence_mqtt subscriber on the broker at 127.0.0.1:1883), on a data set of its own: a store with
# four devices and 5,000 consenting customers (bench/presence.py makes them). Results are JSON lines
# in bench/results/<database>-presence.jsonl.
#
#   bench/presence.sh sqlite | postgres
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${1:-sqlite}; PORT=${PORT:-8105}
. bench/common.sh
# Its own database: the sightings it writes stay out of the shared benchmark data set.
if [ "$DB" = postgres ]; then
  psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE concierge_presence_bench" 2>/dev/null || true
  export DATABASE_URL=postgres://postgres@127.0.0.1:5432/concierge_presence_bench
else
  export SQLITE_PATH=$PWD/var/bench-presence.sqlite3
fi
export PRESENCE_MQTT_URL=${PRESENCE_MQTT_URL:-mqtt://127.0.0.1:1883}
export PRESENCE_MQTT_TOPIC_PREFIX=bench-$$/presence
$PY manage.py migrate -v0
serve "$PORT"
$PY manage.py presence_mqtt --client-id "bench-$$" >var/bench-presence-mqtt.log 2>&1 &
MQTT=$!
trap 'kill $SERVER $MQTT 2>/dev/null || true' EXIT
sleep 3
OUT=bench/results/$DB-presence.jsonl; : > "$OUT"
for transport in http mqtt; do
  TRANSPORT=$transport BASE=http://127.0.0.1:$PORT EVENTS=${EVENTS:-50000} \
    $PY manage.py shell --no-imports -c "$(cat bench/presence.py)" | tail -1 | tee -a "$OUT"
done
report_rss "$OUT"
