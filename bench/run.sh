#!/usr/bin/env bash
# Build a benchmark data set, serve it with granian (DEBUG off), and measure keyword search and
# add-to-cart at 1 and 8 clients. Results are JSON lines in bench/results/<database>.jsonl.
#
#   bench/run.sh sqlite   [customers] [products]
#   bench/run.sh postgres [customers] [products]      (needs PostgreSQL on 127.0.0.1:5432)
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${1:-sqlite}; CUSTOMERS=${2:-1000000}; PRODUCTS=${3:-100000}; PORT=${PORT:-8100}
. bench/common.sh
# SKIP_GENERATE=1 measures again on the data set of the last run (after migrating it).
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
  $PY manage.py generate --customers "$CUSTOMERS" --products "$PRODUCTS" | tee "bench/results/$DB-generate.txt"
fi
analyze
SKUS=$($PY manage.py shell --no-imports -c "from concierge.catalog.models import Sku; print(','.join(str(i) for i in Sku.objects.filter(code__startswith='GEN-').values_list('id', flat=True)[:400]))")
serve "$PORT"
OUT=bench/results/$DB.jsonl; : > "$OUT"
for workload in search add_to_cart; do
  for clients in 1 8; do
    $PY bench/load.py --base "http://127.0.0.1:$PORT" --workload $workload --clients $clients --requests $((clients == 1 ? 400 : 1600)) --skus "$SKUS" | tee -a "$OUT"
  done
done
report_rss "$OUT"
