"""Settings for the test suite: the real settings with a throwaway key and Celery tasks run eagerly.

DATABASE_URL and REDIS_URL come from the environment as usual (`make test` finds or starts them).
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "x" * 40)

from .settings import *  # noqa: E402,F403

CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
SECURE_SSL_REDIRECT = False
# Close connections after each request: a live-server thread holding one open would block
# dropping the test database at teardown.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# The whole-page cache is off in the suite: tests read response.context, which a cached copy has not.
# tests/test_page_cache.py turns it on (with the `settings` fixture) to test it, ETags and 304s work either way.
PAGE_CACHE_SECONDS = 0
# One process (the live server is a thread of it): even local memory is shared by every reader, so keep
# the data version cached as production does with Redis, and the query counts the same with or without it.
DATA_VERSION_CACHE_SECONDS = 300
