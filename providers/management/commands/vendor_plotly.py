"""Vendor the partial plotly.js bundle the site serves: static/vendor/plotly-basic.min.js.

    python manage.py vendor_plotly                      # npm pack plotly.js-basic-dist-min@VERSION, check, extract
    python manage.py vendor_plotly --tarball FILE.tgz   # the same from a tarball you already have

Our charts draw only `scatter` and `bar` traces (providers/charts.py, inference/price_charts.py,
selfhost/charts.py, traces/charts.py; tests/test_gpu_pages.py checks every figure), so we ship
plotly.js's official "basic" bundle (trace modules bar, pie and scatter plus the core: axes, legends,
shapes, update menus), 1.19 MB instead of the full 4.8 MB bundle. It comes from the npm registry
package `plotly.js-basic-dist-min` (MIT licence, Copyright Plotly, Inc.), at VERSION: the same
plotly.js version the installed `plotly` Python package bundles, so the figures built in Python and the
library drawing them agree (a test checks both versions). The tarball is checked against npm's
recorded sha512 integrity and the extracted file against SHA256 before anything is written.
"""

import base64
import hashlib
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

PACKAGE = "plotly.js-basic-dist-min"
VERSION = "4.1.1"
# `npm view plotly.js-basic-dist-min@4.1.1 dist.integrity`
INTEGRITY = "sha512-1oNF8PeQx2hv/y7tqEVWKD3JGwn/MGEMQ8mL9HUwsaqG9FGy/OU5FHUHvzqbqxN4mnwZGI9abTiE775C4kkjMQ=="
MEMBER = "package/plotly-basic.min.js"
SHA256 = "99784e3abfb07b142a15e521a439e6d9addceadb3f79553fd24c72774f0649ba"
TARGET = Path(settings.BASE_DIR) / "static" / "vendor" / "plotly-basic.min.js"
MAX_BYTES = 1_500_000


def npm_pack(destination: Path) -> Path:
    """Download the package tarball with npm's own client into `destination`."""
    try:
        subprocess.run(
            ["npm", "pack", f"{PACKAGE}@{VERSION}", "--silent"],
            cwd=destination,
            check=True,
            capture_output=True,
            timeout=300,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise CommandError(f"npm pack {PACKAGE}@{VERSION} failed ({exc}); pass --tarball instead") from exc
    return destination / f"{PACKAGE}-{VERSION}.tgz"


def extract(tarball: Path) -> bytes:
    data = tarball.read_bytes()
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if integrity != INTEGRITY:
        raise CommandError(f"{tarball} is not {PACKAGE}@{VERSION}: integrity {integrity} != {INTEGRITY}")
    with tarfile.open(tarball) as archive:
        content = archive.extractfile(MEMBER).read()
    if hashlib.sha256(content).hexdigest() != SHA256:
        raise CommandError(f"{MEMBER} in {tarball} does not have the recorded SHA-256 {SHA256}")
    if f"v{VERSION}" not in content[:200].decode("utf-8", "replace") or len(content) > MAX_BYTES:
        raise CommandError(f"{MEMBER} is not the expected plotly.js v{VERSION} bundle under {MAX_BYTES} bytes")
    return content


class Command(BaseCommand):
    help = f"Vendor {PACKAGE}@{VERSION} (scatter, bar, pie) into static/vendor/plotly-basic.min.js."

    def add_arguments(self, parser):
        parser.add_argument("--tarball", type=Path, help=f"a downloaded {PACKAGE}-{VERSION}.tgz (skips npm)")

    def handle(self, *args, tarball=None, **options):
        with tempfile.TemporaryDirectory() as tmp:
            content = extract(tarball or npm_pack(Path(tmp)))
        TARGET.write_bytes(content)
        self.stdout.write(f"Wrote {TARGET} ({len(content)} bytes) from {PACKAGE}@{VERSION}")
