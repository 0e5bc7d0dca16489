"""WSGI entry point (gunicorn computeprices.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "computeprices.settings")
application = get_wsgi_application()
