#!/usr/bin/env bash
# Assisted shopping on the benchmark data set of bench/run.sh (1M customers): Find customer,
# cart lock + unlock pairs, and an agent's add to a locked cart, at 1 and 8 clients.
# Results are JSON lines in bench/results/<database>-assist.jsonl.
#
#   bench/assist.sh sqlite | postgres        (WORKLOADS="assisted_add" measures only those, appending)
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${1:-sqlite}; PORT=${PORT:-8101}
. bench/data_set.sh
$PY manage.py migrate -v0   # also fills the Find customer index of customers generated before it
$PY manage.py index_customers --missing
[ "$DB" = postgres ] && psql -h 127.0.0.1 -U postgres -d concierge_bench -qc "VACUUM ANALYZE customers_customersearchterm"
[ "$DB" = sqlite ] && $PY manage.py shell -c "from django.db import connection; connection.cursor().execute('ANALYZE')"
$PY manage.py collectstatic --no-input -v0
SETUP=var/assist-bench-$DB.json
$PY manage.py shell --no-imports -c "$(cat bench/assist_setup.py)" > "$SETUP"
.venv/bin/granian --interface wsgi --host 127.0.0.1 --port "$PORT" --workers 2 --blocking-threads 4 --log-level warning concierge.wsgi:application &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.5; done
OUT=bench/results/$DB-assist.jsonl; [ -z "${WORKLOADS:-}" ] && : > "$OUT"
for workload in ${WORKLOADS:-find_customer lock assisted_add}; do
  for clients in 1 8; do
    $PY bench/assist.py --base "http://127.0.0.1:$PORT" --setup "$SETUP" --workload $workload --clients $clients --requests $((clients == 1 ? 400 : 1600)) | tee -a "$OUT"
  done
done
RSS=$(ps -o rss= --ppid $SERVER | sort -n | tail -1)
echo "{\"max_worker_rss_mb\": $((RSS / 1024))}" | tee -a "$OUT"
