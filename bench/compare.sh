#!/usr/bin/env bash
# Every workload of PERFORMANCE.md in one run, HTML and API, at 1 and 8 clients, with the raw SQL of
# each search timed in the same run (bench/compare_setup.py). Results are JSON lines in
# bench/results/<database>-compare-<customers>.jsonl; bench/report.py turns them into a table. The
# searches' query plans (median and slowest sample) go to bench/results/<database>-compare-plans-<customers>.txt.
#
#   CUSTOMERS=200000 ORDERS=1000000 bench/compare.sh sqlite | postgres
#
# The data set: seed_demo, then `generate` customers, 20,000 products and the orders (1-5 lines).
# SKIP_GENERATE=1 measures again on the data set as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${1:-sqlite}; PORT=${PORT:-8105}; CUSTOMERS=${CUSTOMERS:-200000}; ORDERS=${ORDERS:-1000000}
. bench/common.sh
if [ -z "${SKIP_GENERATE:-}" ]; then
  if [ "$DB" = postgres ]; then
    psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS concierge_bench WITH (FORCE)" -c "CREATE DATABASE concierge_bench"
  else
    rm -f var/bench.sqlite3 var/bench.sqlite3-wal var/bench.sqlite3-shm
  fi
fi
$PY manage.py migrate -v0
if [ -z "${SKIP_GENERATE:-}" ]; then
  $PY manage.py seed_demo --customers 0 >/dev/null
  $PY manage.py generate --customers "$CUSTOMERS" --products 20000 --orders "$ORDERS" | tee "bench/results/$DB-compare-generate.txt"
fi
analyze
SETUP=var/compare-bench-$DB.json
export PLANS_OUT="bench/results/$DB-compare-plans-$CUSTOMERS.txt"
setup bench/compare_setup.py "$SETUP"
# Statistics that know the sessions, tokens and carts the setup made, as autovacuum would by the time
# a team used them: with its new CSRs beyond the sessions histogram, PostgreSQL merge-joined the whole
# user table into each read of their session (docs/performance.md, 2026-12-02).
analyze
serve "$PORT"
OUT=bench/results/$DB-compare-$CUSTOMERS.jsonl; : > "$OUT"
RUN="$PY bench/compare.py --base http://127.0.0.1:$PORT --setup $SETUP"
for workload in ${WORKLOADS:-api_me console_page find_email_html find_email_in_place find_email_api find_name_html find_name_in_place find_name_api order_search_html order_search_api order_view_html order_view_api csr_add_api shopper_add_api lock_pair}; do
  for clients in 1 8; do
    $RUN --workload "$workload" --clients $clients --requests $((clients == 1 ? 300 : 800)) | tee -a "$OUT"
  done
done
report_rss "$OUT"
