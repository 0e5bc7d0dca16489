"""Production settings plus the trivial view at /__bench__/ok, for benchmarking under gunicorn only.

DJANGO_SETTINGS_MODULE=computeprices.settings_bench SECRET_KEY=... gunicorn computeprices.wsgi -w 2
"""

from .settings import *  # noqa: F403

ROOT_URLCONF = "computeprices.bench_urls"
SECURE_SSL_REDIRECT = False  # plain HTTP on loopback
PAGE_CACHE_EXEMPT = [*PAGE_CACHE_EXEMPT, "/__bench__/"]  # noqa: F405  the floor: no page cache
