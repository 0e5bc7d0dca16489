"""Every CSV download, over HTTP: no cell a spreadsheet would run, and plain decimals.

Names come from providers and sources, so a provider, GPU, instance, model or creator called
"=HYPERLINK(...)" (or starting with +, -, @, a tab or a carriage return) must come out quoted with a
leading apostrophe in every CSV. Numbers may start with "-"; nothing else may start like a formula.
"""

import csv
import html
import io
import re
from decimal import Decimal, InvalidOperation
from urllib.parse import urljoin

import pytest
from django.urls import reverse

from providers.stats import refresh_gpu_daily_stats
from tests.factories import (
    GpuFactory,
    GpuPriceObservationFactory,
    InferencePriceObservationFactory,
    LanguageModelFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.django_db

PREFIXES = ["=", "+", "-", "@", "\t", "\r"]


def every_csv_url(gpu, provider, other, model):
    """Every CSV endpoint of the site (grep: format=csv / csv_response) with the rows this data gives."""
    compare = reverse("providers:compare", args=[f"{provider.slug}-vs-{other.slug}"])
    return [
        reverse("providers:gpu_list") + "?format=csv",
        gpu.get_absolute_url() + "?format=csv",
        gpu.get_absolute_url() + "?format=csv&table=history",
        reverse("providers:provider_list") + "?format=csv",
        provider.get_absolute_url() + "?format=csv",
        provider.get_absolute_url() + "?format=csv&table=inference",
        compare + "?format=csv",
        compare + "?format=csv&table=exclusive",
        reverse("inference:model_list") + "?format=csv",
        model.get_absolute_url() + "?format=csv",
        reverse("inference:analysis") + "?format=csv",
    ]


def hostile_market(prefix):
    name = f'{prefix}HYPERLINK("http://evil.example";"x")'
    provider = ProviderFactory(name=f"{name} cloud", slug="evil-cloud")
    other = ProviderFactory(name="Plain Cloud", slug="plain-cloud")
    gpu = GpuFactory(name=f"{name} GPU", slug="evil-gpu", architecture=f"{name} arch")
    for p, instance, price in [(provider, f"{name} box", "2.49"), (other, "plain-box", "3.10")]:
        GpuPriceObservationFactory(
            offering__provider=p, offering__gpu=gpu, offering__instance_name=instance, usd_per_gpu_hour=Decimal(price)
        )
    GpuPriceObservationFactory(offering__provider=provider, offering__instance_name=f"{name} only")  # exclusive
    model = LanguageModelFactory(name=f"{name} model", slug="evil-model", creator=f"{name} labs", family=name)
    InferencePriceObservationFactory(
        offering__provider=provider, offering__model=model, offering__quantization=name[:20]
    )
    InferencePriceObservationFactory(offering__provider=other, offering__model=model)
    for n in range(3):  # the analysis fits a line: it needs a few open-weight models with prices
        InferencePriceObservationFactory(
            offering__provider=other,
            offering__model=LanguageModelFactory(
                total_params_b=Decimal(8 * (n + 1)), active_params_b=Decimal(8 * (n + 1))
            ),
        )
    refresh_gpu_daily_stats()  # the history table reads the daily statistics
    return gpu, provider, other, model, name


def linked_csv_urls(client, pages):
    """Every "format=csv" link the pages offer (relative links resolved): new CSVs are found, not listed."""
    found = set()
    for page in pages:
        text = html.unescape(client.get(page).content.decode())
        for href in re.findall(r'href="([^"]*format=csv[^"]*)"', text):
            found.add(urljoin(page, href).split("#")[0])
    return found


def is_number(cell):
    try:
        Decimal(cell)
    except InvalidOperation:
        return False
    return re.fullmatch(r"-?\d+(\.\d+)?", cell) is not None


@pytest.mark.parametrize("prefix", PREFIXES, ids=["eq", "plus", "minus", "at", "tab", "cr"])
def test_no_csv_cell_starts_like_a_formula(client, prefix):
    gpu, provider, other, model, name = hostile_market(prefix)
    quoted_somewhere = 0
    listed = every_csv_url(gpu, provider, other, model)
    pages = sorted({url.split("?")[0] for url in listed})
    linked = linked_csv_urls(client, pages)
    assert len(linked) >= 8  # the pages' own "Download as CSV" links were found
    for url in sorted(set(listed) | linked):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/csv"), url
        rows = list(csv.reader(io.StringIO(response.content.decode(), newline="")))
        assert len(rows) > 1, f"{url}: no rows, so nothing was checked"
        for row in rows[1:]:
            for cell in row:
                assert cell[:1] not in PREFIXES or is_number(cell), f"{url}: {cell!r} would run as a formula"
                quoted_somewhere += cell.startswith("'" + prefix)
    assert quoted_somewhere >= 11  # the hostile names did reach the files, quoted


def test_csv_decimals_are_plain(client):
    """The SQLite bug: prices printed as 2.49000000000000. Plain everywhere: no exponent, no padding."""
    gpu, provider, other, model, _ = hostile_market("=")
    for url in every_csv_url(gpu, provider, other, model):
        text = client.get(url).content.decode()
        assert not re.search(r"\d\.\d*?0{7,}\b", text), f"{url}: long trailing zeros"
        assert not re.search(r"\d[eE][+-]\d", text), f"{url}: an exponent"
    rows = list(csv.reader(io.StringIO(client.get(gpu.get_absolute_url() + "?format=csv").content.decode())))
    assert "2.49" in [cell for row in rows for cell in row]
