# Production image: gunicorn serves the site (static files via whitenoise); the same image runs the
# Celery worker and beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

# Only what the site runs: settings, the apps (with their curated data), templates and static files.
# Never `COPY . .`: .env, .git and local databases must not reach the image (see .dockerignore too).
# A new app folder goes on this line; tests/test_deploy_files.py fails until it does.
COPY manage.py ./
COPY computeprices/ computeprices/
COPY providers/ providers/
COPY inference/ inference/
COPY scrapers/ scrapers/
COPY traces/ traces/
COPY selfhost/ selfhost/
COPY alerts/ alerts/
COPY templates/ templates/
COPY static/ static/
# collectstatic needs settings to import: a build-time key that is never used at run time.
RUN SECRET_KEY=collectstatic-only DEBUG=0 python manage.py collectstatic --noinput

RUN useradd --create-home app
USER app
EXPOSE 8000
CMD ["gunicorn", "computeprices.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
