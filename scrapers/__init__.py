"""Scrapers: every night each price source is fetched, parsed, checked and published only if it makes sense.

    python manage.py scrape --list
    python manage.py scrape SOURCE [--from-file PATH] [--date YYYY-MM-DD] [--dry-run] [--json]
    python manage.py scrape --all
    python manage.py benchmark_ingest [--source S --file PATH]     # rows/s, writes nothing

sources/ (fetch + pure parse) -> normalize.py (units, bounds) -> ingest.py (names, validation, upsert,
ScrapeRun) ; http.py is the only way out to the network ; tasks.py is the Celery side (one task per
source, a nightly chord, statistics refreshed once) ; the nightly schedule is migration 0002.
"""
