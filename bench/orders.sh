#!/usr/bin/env bash
# The order console on the benchmark data set of bench/run.sh with `generate --orders 2000000`:
# order search (status + billing last name prefix) under each sort in both directions at 1 client,
# the target's workload (sorted by total, descending) at 8 clients, the order view of a 5-line
# order, and order lock + unlock pairs. Results are JSON lines in bench/results/<database>-orders.jsonl.
#
#   bench/orders.sh sqlite | postgres
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${1:-sqlite}; PORT=${PORT:-8102}
. bench/data_set.sh
$PY manage.py migrate -v0
[ "$DB" = postgres ] && psql -h 127.0.0.1 -U postgres -d concierge_bench -qc "VACUUM ANALYZE orders_order"
[ "$DB" = sqlite ] && $PY manage.py shell -c "from django.db import connection; connection.cursor().execute('ANALYZE orders_order')"
$PY manage.py collectstatic --no-input -v0
SETUP=var/orders-bench-$DB.json
$PY manage.py shell --no-imports -c "$(cat bench/orders_setup.py)" > "$SETUP"
.venv/bin/granian --interface wsgi --host 127.0.0.1 --port "$PORT" --workers 2 --blocking-threads 4 --log-level warning concierge.wsgi:application &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.5; done
OUT=bench/results/$DB-orders.jsonl; : > "$OUT"
RUN="$PY bench/orders.py --base http://127.0.0.1:$PORT --setup $SETUP"
for sort in number store customer placed total status; do
  for direction in asc desc; do
    $RUN --workload order_search --sort $sort --direction $direction --clients 1 --requests 300 | tee -a "$OUT"
  done
done
$RUN --workload order_search --sort total --direction desc --clients 8 --requests 1600 | tee -a "$OUT"
for workload in order_detail order_lock; do
  for clients in 1 8; do
    $RUN --workload $workload --clients $clients --requests $((clients == 1 ? 400 : 1600)) | tee -a "$OUT"
  done
done
RSS=$(ps -o rss= --ppid $SERVER | sort -n | tail -1)
echo "{\"max_worker_rss_mb\": $((RSS / 1024))}" | tee -a "$OUT"
