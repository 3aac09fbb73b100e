#!/usr/bin/env bash
# The Current In-Store Customers page with 5,000 customers in store (and as many who left): the whole
# page, the table the open page fetches every few seconds, a page sorted by name, and the API's rows,
# at 1 client (300 requests) and 8 clients; beside it the page's own SQL timed on the database alone
# (bench/customer_lists_setup.py). Results are JSON lines in bench/results/<database>-customer-lists.jsonl.
#
#   bench/customer_lists.sh sqlite | postgres
#
# IN_STORE sets how many are in store (default 5,000). BENCH_PGDB / BENCH_SQLITE name another
# database than bench/run.sh's (the data it writes is its own store's, so any database will do).
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${1:-sqlite}; PORT=${PORT:-8105}
. bench/common.sh
PGDB=${BENCH_PGDB:-concierge_bench}
if [ "$DB" = postgres ]; then
  export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$PGDB
elif [ -n "${BENCH_SQLITE:-}" ]; then
  export SQLITE_PATH=$BENCH_SQLITE
fi
$PY manage.py migrate -v0
SETUP=var/customer-lists-bench-$DB.json
setup bench/customer_lists_setup.py "$SETUP"
if [ "$DB" = postgres ]; then
  psql -h 127.0.0.1 -U postgres -d "$PGDB" -qc "VACUUM ANALYZE presence_instore"
  psql -h 127.0.0.1 -U postgres -d "$PGDB" -qc "VACUUM ANALYZE customers_customer"
else
  $PY manage.py shell -c "from django.db import connection; connection.cursor().execute('ANALYZE')"
fi
cat "$SETUP"; echo
serve "$PORT"
OUT=bench/results/$DB-customer-lists.jsonl; : > "$OUT"
echo "{\"sql_alone\": $($PY -c "import json,sys; print(json.dumps(json.load(open('$SETUP'))['sql']))")}" | tee -a "$OUT"
export BENCH_COMMIT=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- concierge || echo "+changes")
for workload in in_store_page in_store_table in_store_by_name in_store_api; do
  $PY bench/customer_lists.py --base "http://127.0.0.1:$PORT" --setup "$SETUP" --workload $workload --clients 1 --requests "${REQUESTS:-300}" | tee -a "$OUT"
done
$PY bench/customer_lists.py --base "http://127.0.0.1:$PORT" --setup "$SETUP" --workload in_store_table --clients 8 --requests 1600 | tee -a "$OUT"
report_rss "$OUT"
