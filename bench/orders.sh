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
. bench/common.sh
$PY manage.py migrate -v0
analyze orders_order
SETUP=var/orders-bench-$DB.json
setup bench/orders_setup.py "$SETUP"
serve "$PORT"
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
report_rss "$OUT"
