"""What an operator's environment makes of the cache and the database connections (README, Production).

Each case reads the settings in a fresh process, as a web process or worker does at its start.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = "redis://127.0.0.1:6379/0"

READ = """
import json
from concierge import settings
print(json.dumps({"caches": settings.CACHES, "database": settings.DATABASES["default"]}))
"""

# The configured cache, used as Django uses it, without the rest of Django.
CACHE = """
import sys
from django.conf import settings
from concierge import settings as concierge
settings.configure(CACHES=concierge.CACHES)
from django.core.cache import cache
if sys.argv[1] == "set":
    cache.set("greeting", "hello from another process", 60)
else:
    print(cache.get("greeting"))
"""


def _run(code: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in {"CACHE_URL", "CACHE_KEY_PREFIX", "DATABASE_URL"}}
    base |= {"DJANGO_SECRET_KEY": "settings-test-key", "PYTHONPATH": str(ROOT)}
    return subprocess.run(  # noqa: S603 - this interpreter, our own code
        [sys.executable, "-c", code, *args], cwd=ROOT, env=base | env, capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip


def _settings(**env: str) -> dict:
    done = _run(READ, **env)
    assert done.returncode == 0, done.stderr
    read: dict = json.loads(done.stdout)
    return read


def test_without_cache_url_each_process_caches_in_its_own_memory():
    assert _settings()["caches"]["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_a_redis_cache_url_gives_every_process_the_same_redis_under_the_prefix():
    cache = _settings(CACHE_URL="redis://cache.internal:6379/2", CACHE_KEY_PREFIX="shop")["caches"]["default"]
    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert (cache["LOCATION"], cache["KEY_PREFIX"]) == ("redis://cache.internal:6379/2", "shop")


def test_a_cache_url_of_another_kind_stops_the_process_naming_the_kinds_it_takes():
    done = _run(READ, CACHE_URL="memcached://127.0.0.1:11211")
    assert done.returncode != 0
    assert "CACHE_URL must be redis://, rediss://, unix:// or locmem://, not memcached://." in done.stderr


def test_what_one_process_caches_in_redis_another_reads():
    env = {"CACHE_URL": REDIS_URL, "CACHE_KEY_PREFIX": f"settings-test-{uuid.uuid4().hex}"}
    stored = _run(CACHE, "set", **env)
    assert stored.returncode == 0, stored.stderr
    read = _run(CACHE, "get", **env)
    assert read.returncode == 0, read.stderr
    assert read.stdout.strip() == "hello from another process"
    # and under another prefix (another deployment on the same Redis) it is not there
    other = _run(CACHE, "get", CACHE_URL=REDIS_URL, CACHE_KEY_PREFIX=f"settings-test-{uuid.uuid4().hex}")
    assert other.stdout.strip() == "None"


@pytest.mark.parametrize(
    ("env", "pool"),
    [
        ({}, {"min_size": 1, "max_size": 4, "timeout": 10.0}),
        (
            {"DB_POOL_MIN": "2", "DB_POOL_MAX": "8", "DB_POOL_TIMEOUT": "3"},
            {"min_size": 2, "max_size": 8, "timeout": 3.0},
        ),
    ],
)
def test_postgresql_connections_come_from_a_pool_sized_by_the_environment(env, pool):
    database = _settings(DATABASE_URL="postgres://app@db.internal:5432/concierge", **env)["database"]
    assert database["OPTIONS"]["pool"] == pool
    assert database["CONN_MAX_AGE"] == 0  # the pool's connections go back to it, not closed


def test_db_pool_max_0_turns_the_pool_off_for_persistent_connections():
    database = _settings(DATABASE_URL="postgres://app@db.internal:5432/concierge", DB_POOL_MAX="0")["database"]
    assert "pool" not in database.get("OPTIONS", {})
    assert database["CONN_MAX_AGE"] == 60


@pytest.mark.parametrize(
    ("env", "threshold"),
    [
        ({}, 0),  # with the pool: prepared on a connection's first run
        ({"DB_POOL_MAX": "0"}, None),  # a pooler in front may not keep them
        ({"DB_POOL_MAX": "0", "DB_PREPARED_STATEMENTS": "1"}, 0),
        ({"DB_PREPARED_STATEMENTS": "0"}, None),
    ],
)
def test_the_compiled_statements_are_prepared_with_the_pool_unless_the_environment_says(env, threshold):
    database = _settings(DATABASE_URL="postgres://app@db.internal:5432/concierge", **env)["database"]
    assert database.get("OPTIONS", {}).get("prepare_threshold") == threshold


def test_a_sqlite_database_url_gets_the_same_transaction_mode_and_wal_as_the_default(tmp_path):
    named = _settings(DATABASE_URL=f"sqlite:///{tmp_path}/shop.sqlite3")["database"]
    default = _settings(SQLITE_PATH=str(tmp_path / "shop.sqlite3"))["database"]
    assert named["NAME"] == default["NAME"]
    assert named["OPTIONS"] == default["OPTIONS"]
    assert named["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "PRAGMA journal_mode=WAL;" in named["OPTIONS"]["init_command"]
