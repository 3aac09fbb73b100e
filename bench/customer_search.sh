#!/usr/bin/env bash
# The Users search (Customers → Users) at a million customers: the first page and a page deep in
# the list sorted by each of the six columns both ways, and a last name prefix sorted by each, at
# 1 client; the last name sort at 8 clients; and the same searches' SQL timed on the database alone
# (bench/customer_search_setup.py, which also prints each query's plan). Results are JSON lines in
# bench/results/<database>-customer-search.jsonl.
#
#   bench/customer_search.sh sqlite | postgres
#
# The data: `generate --customers N` (customers with a sign-in, an address and the Find customer
# terms), grown to CUSTOMERS (default 1,000,000) by bench/customer_search_data.py in SQL.
# SKIP_GENERATE=1 measures again on the data set as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${1:-sqlite}; PORT=${PORT:-8104}; CUSTOMERS=${CUSTOMERS:-1000000}
. bench/common.sh
$PY manage.py migrate -v0
if [ -z "${SKIP_GENERATE:-}" ]; then
  $PY manage.py seed_demo --customers 0 >/dev/null
  $PY manage.py generate --customers "${GENERATED:-250000}"
  CUSTOMERS=$CUSTOMERS $PY manage.py shell --no-imports -c "$(cat bench/customer_search_data.py)"
fi
analyze
SETUP=var/customer-search-bench-$DB.json
setup bench/customer_search_setup.py "$SETUP"
serve "$PORT"
OUT=bench/results/$DB-customer-search.jsonl; : > "$OUT"
RUN="$PY bench/customer_search.py --base http://127.0.0.1:$PORT --setup $SETUP"
for column in shared_id billing_address email first_name last_name phone; do
  for order in asc desc; do
    for at in first later; do
      $RUN --workload "${column}_${order}_${at}" --clients 1 --requests "${REQUESTS:-300}" | tee -a "$OUT"
    done
  done
  $RUN --workload "name_$column" --clients 1 --requests "${REQUESTS:-300}" | tee -a "$OUT"
done
$RUN --workload last_name_asc_later --clients 8 --requests 1600 | tee -a "$OUT"
report_rss "$OUT"
