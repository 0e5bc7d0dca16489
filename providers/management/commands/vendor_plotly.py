"""Copy plotly.js from the installed plotly package into static/vendor/ (run after upgrading plotly)."""

import shutil
from pathlib import Path

import plotly
from django.conf import settings
from django.core.management.base import BaseCommand

SOURCE = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
TARGET = Path(settings.BASE_DIR) / "static" / "vendor" / "plotly.min.js"


class Command(BaseCommand):
    help = "Copy plotly.min.js (MIT) from the installed plotly package into static/vendor/."

    def handle(self, *args, **options):
        shutil.copyfile(SOURCE, TARGET)
        self.stdout.write(f"Copied {SOURCE} -> {TARGET} ({TARGET.stat().st_size} bytes)")
