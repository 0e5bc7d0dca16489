"""Settings, all from the environment (see README "Configuration").

Unset DATABASE_URL means a SQLite file in the project folder; unset REDIS_URL means Celery runs tasks
in-process and the cache is local memory. With DEBUG off, SECRET_KEY is required and the security
settings are those `manage.py check --deploy` asks for.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1/0, true/false, yes/no, on/off).")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from None


def envlist(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = envbool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY in the environment (production), or DEBUG=1 for local development."
        )
    SECRET_KEY = "django-insecure-local-development-only-never-use-in-production"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_celery_beat",
    "ninja",
    "computeprices",
    "providers",
    "inference",
    "scrapers",
    "traces",
    "alerts",
    "selfhost",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Whole pages under the data version, gzip, then ETag/Last-Modified/Cache-Control: computeprices/middleware.py
    "computeprices.middleware.PageCacheMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "computeprices.middleware.PageStampMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

# Admin login throttling (django-axes): 5 failures from one IP address, or on one username, lock that
# out for 15 minutes, even with the right password. Behind a proxy, set AXES_IPWARE_PROXY_COUNT.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True

# Content-Security-Policy (django-csp): scripts only from our own static files (chart data travels in
# json_script blocks, which are data, not code); plotly injects <style> elements, hence inline styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

ROOT_URLCONF = "computeprices.urls"
WSGI_APPLICATION = "computeprices.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "computeprices.context_processors.data_freshness",
            ],
        },
    },
]

DATABASES = {
    # An empty DATABASE_URL means unset, like the other variables (`make demo` clears it this way).
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: the pages' queries are short, and compiling them cost more than it saved (EXPLAIN ANALYZE at 100x:
    # 25 to 800 ms of JIT on the price-change feeds' window query, which runs in 200 to 400 ms without it).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # A dead Redis degrades to no cache (computeprices/cache.py); short timeouts so it never holds a request.
    CACHES = {
        "default": {
            "BACKEND": "computeprices.cache.ForgivingRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    # No broker: run tasks in the calling process, so the embedded default needs no Redis.
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True

# Whole-page cache (computeprices/middleware.py): keyed by the data version, so a publish shows at once.
PAGE_CACHE_SECONDS = envint("PAGE_CACHE_SECONDS", 24 * 60 * 60)  # 0 turns the server-side page cache off
PAGE_CACHE_CDN_SECONDS = envint("PAGE_CACHE_CDN_SECONDS", 60)  # s-maxage: how long a CDN may serve a copy
PAGE_CACHE_MAX_BYTES = envint("PAGE_CACHE_MAX_BYTES", 2_000_000)
# Never cached: admin, the live health check, and e-mail alert links (GETs that confirm or unsubscribe).
PAGE_CACHE_EXEMPT = ["/admin/", "/healthz", "/alerts/confirm/", "/alerts/unsubscribe/"]
# The data version row is kept in a shared cache (Redis) so a page hit costs no query; a process-local
# cache would not hear another process's publish (`load_curated` beside runserver), so read it each time.
DATA_VERSION_CACHE_SECONDS = 300 if REDIS_URL else 0

CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task whose worker dies mid-run goes back to the queue (tasks are idempotent: a rerun of a source on
# the same day changes nothing); Redis hands an unacknowledged task out again after this many seconds,
# which must exceed the longest task (bin/drill shortens it to see a killed worker's task come back).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_RESULT_EXPIRES = timedelta(days=1)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Security: secure by default with DEBUG off (passes `check --deploy`); each can be relaxed by env,
# e.g. SECURE_SSL_REDIRECT=0 behind a proxy that already redirects.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
# Container health checks call /healthz over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# The JSON API (computeprices/api.py): requests per client and period ("120/m"), and how long CDNs may keep answers.
API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT") or "120/m"
API_CACHE_SECONDS = envint("API_CACHE_SECONDS", 300)
# Proxies in front of the app that append to X-Forwarded-For; 0 means rate-limit by the connecting address.
NINJA_NUM_PROXIES = envint("API_TRUSTED_PROXIES", 0)

# E-mail (price alerts): SMTP when EMAIL_HOST is set, otherwise printed to the console (the demo).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = envint("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL") or "ComputePrices <alerts@localhost>"
# Absolute links in alert e-mail sent by the nightly run (no request to take the host from).
SITE_URL = os.environ.get("SITE_URL") or "http://127.0.0.1:8000"
ALERTS_SUBSCRIBE_LIMIT = envint("ALERTS_SUBSCRIBE_LIMIT", 5)  # subscribe attempts per client per hour

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Optional (openrouter:endpoints): OpenRouter returns endpoint latency and throughput only to authenticated
# callers; without a key the source still records uptime.
OPENROUTER_API_KEY = os.environ.get("OPENROUTER_API_KEY", "")
