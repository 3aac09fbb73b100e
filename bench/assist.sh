#!/usr/bin/env bash
# Assisted shopping on the benchmark data set of bench/run.sh (1M customers): Find customer,
# cart lock + unlock pairs, and an agent's add to a locked cart, at 1 and 8 clients.
# Results are JSON lines in bench/results/<database>-assist.jsonl.
#
#   bench/assist.sh sqlite | postgres        (WORKLOADS="assisted_add" measures only those, appending)
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${1:-sqlite}; PORT=${PORT:-8101}
. bench/common.sh
$PY manage.py migrate -v0   # also fills the Find customer index of customers generated before it
$PY manage.py index_customers --missing
if [ "$DB" = postgres ]; then analyze customers_customersearchterm; else analyze; fi
SETUP=var/assist-bench-$DB.json
setup bench/assist_setup.py "$SETUP"
serve "$PORT"
OUT=bench/results/$DB-assist.jsonl; [ -z "${WORKLOADS:-}" ] && : > "$OUT"
for workload in ${WORKLOADS:-find_customer lock assisted_add}; do
  for clients in 1 8; do
    $PY bench/assist.py --base "http://127.0.0.1:$PORT" --setup "$SETUP" --workload $workload --clients $clients --requests $((clients == 1 ? 400 : 1600)) | tee -a "$OUT"
  done
done
report_rss "$OUT"
