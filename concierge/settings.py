"""Concierge settings.

Every deployment-specific value comes from the environment; the defaults give a development
machine that runs on SQLite in ``var/`` with no further setup.
"""

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CONCIERGE_VAR_DIR", BASE_DIR / "var"))


def _env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("DJANGO_DEBUG", False)


def _secret_key() -> str:
    """DJANGO_SECRET_KEY, or a key made once for this machine and kept in var/ (never in git)."""
    if key := os.environ.get("DJANGO_SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        import secrets

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",
    "django_tasks_db",
    "concierge.core",
    "concierge.audit",
    "concierge.stores",
    "concierge.identity",
    "concierge.customers",
    "concierge.catalog",
    "concierge.carts",
    "concierge.checkout",
    "concierge.orders",
    "concierge.payments",
    "concierge.returns",
    "concierge.assist",
    "concierge.presence",
    "concierge.desk",
    "concierge.api",
    "concierge.storefront",
    "concierge.service",
    "concierge.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "concierge.core.middleware.RequestIdMiddleware",
    "concierge.core.errors_middleware.RequestSafetyMiddleware",
    "concierge.api.errors.ApiErrorShapeMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "concierge.assist.middleware.ActingContextMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "concierge.urls"
WSGI_APPLICATION = "concierge.wsgi.application"
ASGI_APPLICATION = "concierge.asgi.application"

# Plain inputs are written directly, every other widget through its template (core/forms_renderer.py).
FORM_RENDERER = "concierge.core.forms_renderer.Renderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "concierge" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "concierge.core.context_processors.acting",
                "concierge.storefront.context_processors.shop",
            ],
            # |when and |money, the one way both faces write a time and an amount.
            "builtins": ["concierge.core.templatetags.display"],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
# SQLite is the embedded default; PostgreSQL is the production database (DATABASE_URL=postgres://…).
# SQLite needs IMMEDIATE transactions and WAL, or concurrent writers fail with "database is locked"
# (docs/adr/0002-sqlite-transaction-mode.md).
# On PostgreSQL each process keeps a pool of connections (Django's psycopg pool): a request borrows
# one and gives it back at its end, so no request pays for a new connection and no idle thread holds
# one. Size it for the threads that run requests at once: granian's --blocking-threads per web
# process (DB_POOL_MAX, default 4), with DB_POOL_MIN kept open; a request waits at most
# DB_POOL_TIMEOUT seconds for a free connection, then fails. DB_POOL_MAX=0 turns the pool off
# (where an external pooler such as PgBouncer stands in front): each thread then keeps its own
# connection for 60 s.
# The statements compiled once per process (concierge/core/prepared.py) are prepared on each
# connection the first time it runs them and planned once there; the ORM's others are bound in the
# client and never prepared. It is on with the pool and off without it (DB_POOL_MAX=0, where a
# pooler stands in front that may not keep a prepared statement: PgBouncer before 1.22, or without
# max_prepared_statements, in transaction mode); DB_PREPARED_STATEMENTS=1 or 0 says otherwise.
_database_url = os.environ.get("DATABASE_URL", "")
_pool_min = int(os.environ.get("DB_POOL_MIN", "1"))
_pool_max = int(os.environ.get("DB_POOL_MAX", "4"))
_pool_timeout = float(os.environ.get("DB_POOL_TIMEOUT", "10"))
_prepared_statements = os.environ.get("DB_PREPARED_STATEMENTS", "1" if _pool_max > 0 else "0") != "0"
# SQLite's settings, whether it is named by SQLITE_PATH or by DATABASE_URL=sqlite:///…
_SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=NORMAL;"
        "PRAGMA busy_timeout=20000;"
        "PRAGMA foreign_keys=ON;"
        # 2 MB of pages per connection (SQLite's default): a web process holds one connection per
        # thread plus the audit linker's, and 8 MB each put it past 150 MB RSS; reads of the 1M-order
        # data set were no slower with 2 MB (docs/performance.md, 2026-12-03).
        "PRAGMA cache_size=-2000;"
    ),
}
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60, conn_health_checks=True)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"]["CONN_MAX_AGE"] = 600
        DATABASES["default"].setdefault("OPTIONS", {}).update(_SQLITE_OPTIONS)
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and _pool_max > 0:
        # The pool needs CONN_MAX_AGE 0: the connection goes back to the pool, not closed.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(_pool_min, _pool_max),
            "max_size": _pool_max,
            "timeout": _pool_timeout,
        }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and _prepared_statements:
        # On its first run: only the server-binding cursors of prepared.py prepare at all.
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 0
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "concierge.sqlite3")),
            # Persistent connections keep SQLite's page cache warm between requests.
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": dict(_SQLITE_OPTIONS),
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# --- Cache --------------------------------------------------------------------------------------
# CACHE_URL=redis://host:6379/0 (or rediss://, unix://) shares one cache between every web process
# and worker: what one process invalidates, all see. Unset, each process has its own in memory,
# which is right for `make run` (one web process, whose threads share it) and wrong for more than
# one web process: there a change made through one would stay unseen by the others until their
# entries expire. CACHE_KEY_PREFIX separates deployments (or test runs) that share one Redis.
def _caches(url: str) -> dict[str, dict[str, Any]]:
    prefix = os.environ.get("CACHE_KEY_PREFIX", "")
    scheme = url.partition("://")[0].lower() if url else ""
    if scheme in {"redis", "rediss", "unix"}:
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": prefix,
                # A Redis that stops answering fails the request in seconds, not never.
                "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
            }
        }
    if scheme in {"", "locmem"}:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "KEY_PREFIX": prefix}}
    raise ImproperlyConfigured(f"CACHE_URL must be redis://, rediss://, unix:// or locmem://, not {scheme}://.")


CACHES = _caches(os.environ.get("CACHE_URL", ""))
# With a cache every process shares, a request reads its session from the cache, not the database
# (written through to both). Never with a per-process cache: a sign-out in one process would leave
# the session cached in another.
# Both engines read the session row through a query compiled once per process (core/session_db.py).
SESSION_ENGINE = "concierge.core.session_db"
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    SESSION_ENGINE = "concierge.core.session_cached_db"

# The supervisor's desk: how often an open queue page looks again for new rows (seconds).
DESK_QUEUE_REFRESH_SECONDS = int(os.environ.get("DESK_QUEUE_REFRESH_SECONDS", "15"))

# --- Audit --------------------------------------------------------------------------------------
# Events are linked into the chain after their commit by a thread of each process, so a request
# runs no statement for the chain (docs/adr/0001-audit-chain.md); off, each request links after its
# own commit. The worker's beat links whatever a process left pending.
CONCIERGE_AUDIT_LINK_IN_BACKGROUND = _env_bool("CONCIERGE_AUDIT_LINK_IN_BACKGROUND", True)
# How long the linker thread, once woken, lets further commits gather before its pass (milliseconds):
# a pass costs about as much for one event as for ten, and busy processes link ten at a time.
CONCIERGE_AUDIT_LINK_GATHER_MS = int(os.environ.get("CONCIERGE_AUDIT_LINK_GATHER_MS", "25"))
# audit_verify fails when an event has waited longer than this to be linked (linking has stopped).
CONCIERGE_AUDIT_PENDING_SECONDS = int(os.environ.get("CONCIERGE_AUDIT_PENDING_SECONDS", "60"))

# --- Identity -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "identity.User"
AUTHENTICATION_BACKENDS = ["concierge.identity.backends.EmailBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "storefront:sign_in"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _env_bool("DJANGO_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_FAILURE_VIEW = "concierge.core.errors_middleware.csrf_failure"  # the styled 403, or the API's shape

# Sign-in throttling: this many failures for one email (or one client address) within the window
# lock further attempts for the rest of the window.
CONCIERGE_SIGN_IN_MAX_FAILURES = int(os.environ.get("CONCIERGE_SIGN_IN_MAX_FAILURES", "5"))
CONCIERGE_SIGN_IN_WINDOW_SECONDS = int(os.environ.get("CONCIERGE_SIGN_IN_WINDOW_SECONDS", "900"))

# Assisted sessions (RELIABILITY.md bar 3): an agent idle this long, or assisting this long in all,
# is back to themself on their next request. Cart leases expire after their own idle time.
CONCIERGE_ASSIST_IDLE_MINUTES = int(os.environ.get("CONCIERGE_ASSIST_IDLE_MINUTES", "15"))
CONCIERGE_ASSIST_MAX_HOURS = int(os.environ.get("CONCIERGE_ASSIST_MAX_HOURS", "8"))
CONCIERGE_CART_LEASE_MINUTES = int(os.environ.get("CONCIERGE_CART_LEASE_MINUTES", "10"))
# A staff member's sign-in lasts this long from signing in, however they work meanwhile.
CONCIERGE_STAFF_SESSION_HOURS = int(os.environ.get("CONCIERGE_STAFF_SESSION_HOURS", "12"))

# A checkout attempt still in flight after this long is taken as abandoned (its process died), and
# the same request may take it over (checkout/idempotency.py).
CONCIERGE_CHECKOUT_ATTEMPT_STALE_SECONDS = int(os.environ.get("CONCIERGE_CHECKOUT_ATTEMPT_STALE_SECONDS", "120"))

# --- Tasks --------------------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# A worker writes a heartbeat every interval; a RUNNING task whose worker has not been heard from
# for the stall timeout is handed back to the queue by the reaper (docs/adr/0004-task-reaper.md).
CONCIERGE_WORKER_HEARTBEAT_SECONDS = float(os.environ.get("CONCIERGE_WORKER_HEARTBEAT_SECONDS", "5"))
CONCIERGE_WORKER_STALL_SECONDS = float(os.environ.get("CONCIERGE_WORKER_STALL_SECONDS", "30"))

# --- In-store devices (concierge/presence, docs/presence.md) -------------------------------------
# The key device secrets are derived from (HMAC of a device's key id and salt); from SECRET_KEY unless set.
PRESENCE_DEVICE_KEY = os.environ.get("PRESENCE_DEVICE_KEY", "")
# A signed batch's timestamp must be within this many seconds of the server's clock.
PRESENCE_SIGNATURE_WINDOW_SECONDS = int(os.environ.get("PRESENCE_SIGNATURE_WINDOW_SECONDS", "300"))
# The MQTT broker the presence_mqtt subscriber reads (unset: no MQTT feed) and its topic prefix.
PRESENCE_MQTT_URL = os.environ.get("PRESENCE_MQTT_URL", "")
PRESENCE_MQTT_TOPIC_PREFIX = os.environ.get("PRESENCE_MQTT_TOPIC_PREFIX", "concierge/presence")

# --- Internationalisation ----------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "concierge" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or _env_bool("CONCIERGE_PLAIN_STATIC", False)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Every line carries the request id (also in the X-Request-ID answer header and on the 500 page), and
# every unexpected error reaches the log through ``django.request``, whatever DEBUG says.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "concierge.core.errors_middleware.RequestIdLogFilter"}},
    "formatters": {
        "request": {"format": "%(asctime)s %(levelname)s %(name)s [request %(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": "request"},
    },
    "loggers": {
        "concierge": {"handlers": ["console"], "level": os.environ.get("CONCIERGE_LOG_LEVEL", "INFO")},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "django_tasks_db": {"handlers": ["console"], "level": "INFO"},
    },
}

# --- Request limits ------------------------------------------------------------------------------
# A body over this size answers 413 (the API's error shape, or the styled page), never 500.
# Email: SMTP when EMAIL_HOST is set (production); otherwise each message is kept in the database
# and shown in the admin's "Sent mail" (core/mail.py).
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Concierge <no-reply@concierge.example>")
# Where the links in emails sent without a request (a session started on the customer's account) point.
CONCIERGE_SITE_URL = os.environ.get("CONCIERGE_SITE_URL", "http://127.0.0.1:8000")
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 10
else:
    EMAIL_BACKEND = "concierge.core.mail.OutboxBackend"

DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("CONCIERGE_MAX_BODY_BYTES", str(1024 * 1024)))
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

NINJA_PAGINATION_PER_PAGE = 50
