#!/usr/bin/env bash
# The supervisor's desk's analytics page at 2M orders: a data set of generated customers, products
# and orders (`generate --orders 2000000`, two years of them), a sixth of the last 400 days' orders
# placed by 8 bench CSRs in assisted sessions with as many sessions again that placed nothing
# (bench/desk_analytics_setup.py, which also times the rollup's first fill and a refresh, and the
# figures computed in the process with and without the rollup). Then the page for the last 90 days
# (all stores), 30 days of one store, a custom year, a CSR's own page, a CSV and the figures API,
# at 1 client, and the 90 days at 8 clients. Results are JSON lines in
# bench/results/<database>-desk-analytics.jsonl.
#
#   bench/desk_analytics.sh sqlite | postgres
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${1:-sqlite}; PORT=${PORT:-8104}
. bench/common.sh
if [ -z "${SKIP_GENERATE:-}" ]; then
  if [ "$DB" = postgres ]; then
    psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS concierge_bench" -c "CREATE DATABASE concierge_bench"
  else
    rm -f var/bench.sqlite3 var/bench.sqlite3-wal var/bench.sqlite3-shm
  fi
fi
$PY manage.py migrate -v0
if [ -z "${SKIP_GENERATE:-}" ]; then
  $PY manage.py seed_demo --customers 0 >/dev/null
  $PY manage.py generate --customers "${CUSTOMERS:-100000}" --products "${PRODUCTS:-10000}" \
    --orders "${ORDERS:-2000000}" | tee "bench/results/$DB-desk-analytics-generate.txt"
fi
analyze
SETUP=var/desk-analytics-bench-$DB.json
setup bench/desk_analytics_setup.py "$SETUP"
analyze
serve "$PORT"
OUT=bench/results/$DB-desk-analytics.jsonl; : > "$OUT"
RUN="$PY bench/desk_analytics.py --base http://127.0.0.1:$PORT --setup $SETUP --warmup ${WARMUP:-30} --max-seconds ${MAX_SECONDS:-120}"
for kind in page_90 page_30_store page_year csr_page csv_csrs figures_api; do
  $RUN --workload $kind --clients 1 --requests "${REQUESTS:-200}" | tee -a "$OUT"
done
$RUN --workload page_90 --clients 8 --requests "${REQUESTS_8:-800}" | tee -a "$OUT"
report_rss "$OUT"
