#!/usr/bin/env bash
# The Users and Accounts search (Customers → Users / Accounts) at a million customers: the first
# page and a page deep in the list sorted by each of the six Users columns both ways, a last name,
# email or telephone # prefix sorted by each column both ways, the Accounts tab by each of its four
# columns; at 1 client, and a few of them at 8; and the same searches' SQL timed on the database
# alone (bench/customer_search_setup.py, which also keeps each query's plans in the setup JSON).
# Results are JSON lines in bench/results/<database>-directory-1m.jsonl (or OUT), each with the commit
# and the load average before and after its run.
#
#   bench/customer_search.sh sqlite | postgres
#
# The data: `generate --customers N` (customers with a sign-in, an address and the Find customer
# terms; GENERATED, default 1,000,000), grown to CUSTOMERS (default 1,000,000) and given ACCOUNTS
# accounts (default 100,000) by bench/customer_search_data.py in SQL. SKIP_GENERATE=1 measures again
# on the data set as it is. BENCH_PGDB / BENCH_SQLITE name another database than bench/run.sh's;
# ONLY="workload …" runs just those rows.
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${1:-sqlite}; PORT=${PORT:-8104}; CUSTOMERS=${CUSTOMERS:-1000000}
. bench/common.sh
PGDB=${BENCH_PGDB:-concierge_bench}
if [ "$DB" = postgres ]; then
  export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$PGDB
elif [ -n "${BENCH_SQLITE:-}" ]; then
  export SQLITE_PATH=$BENCH_SQLITE
fi
analyze() {
  if [ "$DB" = postgres ]; then
    psql -h 127.0.0.1 -U postgres -d "$PGDB" -qc "VACUUM ANALYZE ${1:-}"
  else
    $PY manage.py shell -c "from django.db import connection; connection.cursor().execute('ANALYZE ${1:-}')"
  fi
}
$PY manage.py migrate -v0
if [ -z "${SKIP_GENERATE:-}" ]; then
  $PY manage.py seed_demo --customers 0 >/dev/null
  $PY manage.py generate --customers "${GENERATED:-1000000}"
  CUSTOMERS=$CUSTOMERS $PY manage.py shell --no-imports -c "$(cat bench/customer_search_data.py)"
fi
analyze
SETUP=var/customer-search-bench-$DB.json
if [ -z "${SKIP_SETUP:-}" ] || [ ! -s "$SETUP" ]; then setup bench/customer_search_setup.py "$SETUP"; fi
serve "$PORT"
OUT=${OUT:-bench/results/$DB-directory-1m.jsonl}; [ -n "${ONLY:-}" ] || : > "$OUT"
export BENCH_COMMIT=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- concierge || echo "+changes")
RUN="$PY bench/customer_search.py --base http://127.0.0.1:$PORT --setup $SETUP"
row() {  # row WORKLOAD CLIENTS REQUESTS
  if [ -z "${ONLY:-}" ] || [[ " $ONLY " == *" $1 "* ]]; then
    $RUN --workload "$1" --clients "$2" --requests "$3" | tee -a "$OUT"
  fi
}
for column in shared_id billing_address email first_name last_name phone; do
  for order in asc desc; do
    row "${column}_${order}_first" 1 "${REQUESTS:-300}"
    row "${column}_${order}_later" 1 "${REQUESTS:-300}"
    for term in last_name email phone; do
      row "${term}_by_${column}_${order}" 1 "${REQUESTS:-300}"
    done
  done
done
for column in shared_id business_name business_number billing_address; do
  for order in asc desc; do
    row "accounts_${column}_${order}_first" 1 "${REQUESTS:-300}"
    row "accounts_${column}_${order}_later" 1 "${REQUESTS:-300}"
  done
done
for workload in last_name_asc_later last_name_by_last_name_asc last_name_by_shared_id_asc email_by_email_asc \
  phone_by_phone_asc accounts_business_name_asc_later; do
  row "$workload" 8 1600
done
report_rss "$OUT"
