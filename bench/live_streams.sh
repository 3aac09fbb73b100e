#!/usr/bin/env bash
# 500 open live pages: granian serving concierge.asgi (the event streams in its event loop), a
# client holding STREAMS event streams open and making WRITES writes; the server's memory and the
# write-to-page latency (p50/p95). On SQLite one worker (its live events stay in the process); on
# PostgreSQL two (LISTEN/NOTIFY carries each event to the worker holding the stream). Results are
# JSON lines in bench/results/<database>-live-streams.jsonl.
#
#   bench/live_streams.sh sqlite | postgres
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${1:-sqlite}; PORT=${PORT:-8106}
. bench/common.sh
# Its own database, like the sightings bench: the viewers it writes stay out of the shared data set.
if [ "$DB" = postgres ]; then
  psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE concierge_live_bench" 2>/dev/null || true
  export DATABASE_URL=postgres://postgres@127.0.0.1:5432/concierge_live_bench
  WORKERS=2
else
  export SQLITE_PATH=$PWD/var/bench-live.sqlite3
  WORKERS=1
fi
$PY manage.py migrate -v0
$PY manage.py collectstatic --no-input -v0
.venv/bin/granian --interface asgi --host 127.0.0.1 --port "$PORT" --workers "$WORKERS" --log-level warning \
  concierge.asgi:application &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.5; done
sleep 1
OUT=bench/results/$DB-live-streams.jsonl
BASE=http://127.0.0.1:$PORT SERVER_PIDS="$(ps -o pid= --ppid "$SERVER" | tr '\n' ' ')" \
  STREAMS=${STREAMS:-500} TOPICS=${TOPICS:-50} WRITES=${WRITES:-300} \
  $PY manage.py shell --no-imports -c "$(cat bench/live_streams.py)" | tail -1 | tee -a "$OUT"
