"""python manage.py send_price_alerts [--dry-run]: mail every price alert whose price crossed its threshold."""

from django.core.management.base import BaseCommand

from alerts.sending import send_price_alerts


class Command(BaseCommand):
    help = "Mail each active price alert whose price has fallen below its threshold since the last check."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what would be sent; send and change nothing.")

    def handle(self, *args, dry_run=False, **options):
        run = send_price_alerts(dry_run=dry_run)
        for pk, subject in run.sent:
            self.stdout.write(f"{'would send' if dry_run else 'sent'} #{pk}: {subject}")
        for pk, error in run.failed:
            self.stderr.write(f"failed #{pk}: {error}")
        self.stdout.write(run.summary())
