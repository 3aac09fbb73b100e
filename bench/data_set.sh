# Sourced by the bench scripts: point Django at the benchmark data set of bench/run.sh for "$DB"
# (sqlite or postgres), with DEBUG off and quiet logs, and define $PY.
PY=.venv/bin/python
export DJANGO_SECRET_KEY=bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz CONCIERGE_LOG_LEVEL=WARNING
if [ "$DB" = postgres ]; then
  export DATABASE_URL=postgres://postgres@127.0.0.1:5432/concierge_bench
else
  unset DATABASE_URL
  export SQLITE_PATH=$PWD/var/bench.sqlite3
fi
