"""The nightly alert check, queued after the scrapers' statistics refresh (scrapers.tasks.scrape_all)."""

from celery import shared_task

from .sending import send_price_alerts


@shared_task(name="alerts.send_price_alerts")
def send_price_alerts_task():
    run = send_price_alerts()
    return {"checked": run.checked, "sent": len(run.sent), "failed": len(run.failed)}
