"""The one Celery app. Tasks live in each app's tasks.py and stay thin: they call plain functions."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "computeprices.settings")

app = Celery("computeprices")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
