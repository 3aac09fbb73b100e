# Sourced by the bench scripts after setting $DB (sqlite or postgres): points Django at the benchmark
# data set of bench/run.sh with DEBUG off and quiet logs, defines $PY, and the steps they share.
PY=.venv/bin/python
mkdir -p bench/results var
export DJANGO_SECRET_KEY=bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz CONCIERGE_LOG_LEVEL=WARNING
if [ "$DB" = postgres ]; then
  export DATABASE_URL=postgres://postgres@127.0.0.1:5432/concierge_bench
else
  unset DATABASE_URL
  export SQLITE_PATH=$PWD/var/bench.sqlite3
fi

# analyze [TABLE]: fresh planner statistics, of one table or of all.
analyze() {
  if [ "$DB" = postgres ]; then
    psql -h 127.0.0.1 -U postgres -d concierge_bench -qc "VACUUM ANALYZE ${1:-}"
  else
    $PY manage.py shell -c "from django.db import connection; connection.cursor().execute('ANALYZE ${1:-}')"
  fi
}

# setup SCRIPT OUT: run a bench setup script inside Django and keep the JSON it prints.
setup() {
  $PY manage.py shell --no-imports -c "$(cat "$1")" > "$2"
}

# serve PORT: collect static files, start granian in the background (stopped when the script
# exits) and wait until it answers.
serve() {
  $PY manage.py collectstatic --no-input -v0
  .venv/bin/granian --interface wsgi --host 127.0.0.1 --port "$1" --workers 2 --blocking-threads 4 --log-level warning concierge.wsgi:application &
  SERVER=$!
  trap 'kill $SERVER 2>/dev/null || true' EXIT
  for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$1/healthz" >/dev/null && break; sleep 0.5; done
}

# report_rss OUT: append the largest server worker's resident memory.
report_rss() {
  local rss
  rss=$(ps -o rss= --ppid "$SERVER" | sort -n | tail -1)
  echo "{\"max_worker_rss_mb\": $((rss / 1024))}" | tee -a "$1"
}
