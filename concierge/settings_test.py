"""Settings for the test suite: the same as production but for speed and isolation."""

import os

os.environ.setdefault("CONCIERGE_PLAIN_STATIC", "1")
# Playwright's sync API runs an event loop in the test process; Django's ORM calls there are safe
# because each test uses the database from one thread at a time.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from concierge.settings import *

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; production uses Argon2
DEBUG = False
# Each test's events are linked after its own commit, in its own thread, so a test can read them.
CONCIERGE_AUDIT_LINK_IN_BACKGROUND = False
# Static files come from the apps' folders (no collectstatic before tests).
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Lets transactional tests flush the database; production connections never set this, and
    # then the audit table refuses TRUNCATE (audit migration 0002).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c concierge.audit_maintenance=on"
    # pytest's own process keeps the plain persistent connections it had before the pool (the
    # browser tests' live server included). The processes the tests start (web servers and workers,
    # concierge/testing/servers.py) run the production settings, pool included.
    if DATABASES["default"]["OPTIONS"].pop("pool", None):
        DATABASES["default"]["CONN_MAX_AGE"] = 60
else:
    # A file, not memory: worker processes started by the tests must open the same database.
    # pytest-xdist gives each of its workers its own copy (test_gw0.sqlite3, ...).
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
