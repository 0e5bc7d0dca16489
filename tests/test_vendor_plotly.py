"""vendor_plotly: only the recorded npm tarball is accepted; pages load the bundle only when they draw a chart."""

import io
import tarfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import GpuPriceObservationFactory


def test_a_tarball_that_is_not_the_recorded_one_is_refused(tmp_path):
    fake = tmp_path / "plotly.js-basic-dist-min-4.1.1.tgz"
    with tarfile.open(fake, "w:gz") as archive:
        body = b"/** plotly.js (basic - minified) v4.1.1 */ evil()"
        info = tarfile.TarInfo("package/plotly-basic.min.js")
        info.size = len(body)
        archive.addfile(info, io.BytesIO(body))
    with pytest.raises(CommandError, match="integrity"):
        call_command("vendor_plotly", "--tarball", str(fake))


@pytest.mark.django_db
def test_pages_without_a_chart_do_not_load_plotly(client):
    GpuPriceObservationFactory()
    for path in ("/", "/gpus/", "/models/", "/providers/", "/about/"):
        assert b"plotly" not in client.get(path).content, path
