#!/usr/bin/env bash
# The Warehouse's Returns search on the benchmark data set of bench/run.sh with
# `generate --orders 2000000` and then `generate --returns 100000`: each kind of search term
# (RMA, order number, surname prefix + Awaiting Receipt, email prefix, status + a week of dates) at
# 1 client, the surname search at 8 clients, and the same searches' SQL timed on the database alone
# (bench/returns_setup.py). Results are JSON lines in bench/results/<database>-returns.jsonl.
#
#   bench/returns.sh sqlite | postgres
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${1:-sqlite}; PORT=${PORT:-8103}
. bench/common.sh
$PY manage.py migrate -v0
if [ -z "${SKIP_GENERATE:-}" ]; then
  $PY manage.py generate --returns "${RETURNS:-100000}"
fi
analyze returns_return
SETUP=var/returns-bench-$DB.json
setup bench/returns_setup.py "$SETUP"
serve "$PORT"
OUT=bench/results/$DB-returns.jsonl; : > "$OUT"
RUN="$PY bench/returns.py --base http://127.0.0.1:$PORT --setup $SETUP"
for kind in rma order_number name_status email status_dates; do
  $RUN --workload $kind --clients 1 --requests 300 | tee -a "$OUT"
done
$RUN --workload name_status --clients 8 --requests 1600 | tee -a "$OUT"
report_rss "$OUT"
