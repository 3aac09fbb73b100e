#!/usr/bin/env bash
# The per-request floor (PERFORMANCE.md): a trivial authenticated API call and a trivial console
# page, at 1 and 8 clients. Results are JSON lines in bench/results/<database>-floor.jsonl.
#
#   bench/floor.sh sqlite | postgres
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${1:-sqlite}; PORT=${PORT:-8103}
. bench/common.sh
$PY manage.py migrate -v0
SETUP=var/floor-bench-$DB.json
setup bench/floor_setup.py "$SETUP"
serve "$PORT"
OUT=bench/results/$DB-floor.jsonl; : > "$OUT"
RUN="$PY bench/floor.py --base http://127.0.0.1:$PORT --setup $SETUP"
for workload in api_me console_page; do
  for clients in 1 8; do
    $RUN --workload $workload --clients $clients --requests $((clients == 1 ? 400 : 1600)) | tee -a "$OUT"
  done
done
report_rss "$OUT"
