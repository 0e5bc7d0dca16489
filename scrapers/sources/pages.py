"""Providers' own HTML pricing pages, parsed with BeautifulSoup: `page:<provider>`.

Each parse is a pure function of the HTML. Where each keeps its real prices (traps handled):
- Lambda: tabbed tables (8x/4x/2x/1x) whose price column is PRICE/GPU/HR; the tab gives the GPU count.
  Two rows share a plan name (A100 SXM 80 GB / 40 GB): the VRAM cell tells them apart.
- RunPod: the visible price is a JavaScript placeholder (`$0/s`); the real per-GPU-hour prices are the
  `data-secure-cloud-price` / `data-community-cloud-price` attributes.
- Hyperstack: mixed `$ 0.30 Per Hour`, `$ &nbsp;2.20 per Hour`, `<span>$</span> 0.30`; the reservation
  column ("Starts from $X/hour") has no term, so it is not taken.
- DataCrunch: per-instance prices (`$29.10/h` for 8x B200), obfuscated CSS classes, padded cells; the
  "Dynamic" price changes through the day and is not taken.
- FluidStack: per-GPU prices; `n/a` on-demand cells; the 1-year column is already hourly.
- CoreWeave: a div-based table whose "GPU Component Cost Per Hour" is the GPU alone (CPU and RAM are
  billed on top), with a "Reserve Now" link inside the price cell: stored as a per-GPU price whose
  instance name says "GPU component only", like GCP's GPUs attached to N1 VMs.
"""

import re
from dataclasses import replace
from decimal import Decimal

from bs4 import BeautifulSoup

from providers.models import PricingType
from scrapers import precedence

from ..instances import AMBIGUOUS, place, squash
from .base import GpuRecord, GpuUnit, Parsed, PayloadError, Source, decimal_or_none

PRICE_RE = re.compile(r"\$\s*([0-9][0-9,]*(?:\.[0-9]+)?)")
COUNT_RE = re.compile(r"^(\d+)\s*x$", re.IGNORECASE)


def money(text) -> Decimal | None:
    """The first dollar amount in a cell ("$ \xa02.20 per Hour" -> 2.20), or None ("n/a")."""
    match = PRICE_RE.search((text or "").replace("\xa0", " "))
    return decimal_or_none(match.group(1).replace(",", "")) if match else None


def _text(element):
    return " ".join(element.get_text(" ", strip=True).split()) if element is not None else ""


def _table(soup, required):
    """(headers, rows of cell texts) of the first table whose headers include every `required` word."""
    tables = soup.find_all("table") or [soup]
    for table in tables:
        head = table.find("thead")
        header_cells = (
            head.find_all("th") if head else [th for th in table.find_all("th") if not th.find_parent("tbody")]
        )
        headers = [_text(th).lower() for th in header_cells]
        if all(any(word in h for h in headers) for word in required):
            body = table.find("tbody") or table
            rows = [[_text(c) for c in tr.find_all(["th", "td"])] for tr in body.find_all("tr")]
            return headers, [r for r in rows if r]
    raise PayloadError(f"no pricing table with columns {', '.join(required)}")


def _column(headers, word):
    for i, header in enumerate(headers):
        if word in header:
            return i
    return None


def parse_lambda(html, url="https://lambda.ai/pricing") -> Parsed:
    parsed = Parsed()
    soup = BeautifulSoup(html, "html.parser")
    tabs = {b.get("aria-controls"): _text(b) for b in soup.find_all(attrs={"role": "tab"})}
    panels = soup.find_all(attrs={"role": "tabpanel"}) or [soup]
    found = False
    for panel in panels:
        match = COUNT_RE.match(tabs.get(panel.get("id"), "1x"))
        count = int(match.group(1)) if match else 1
        for row in panel.find_all("tr", attrs={"data-plan": True}):
            found = True
            plan = row["data-plan"].strip()
            cells = {td.get("data-label", "").upper(): _text(td) for td in row.find_all("td")}
            price_label = next((label for label in cells if "PRICE" in label), None)
            price = money(cells.get(price_label))
            vram = cells.get("VRAM/GPU", "").replace(" ", "")
            if price is None:
                parsed.skip(plan, "no price in the row", refused=True)
                continue
            unit = GpuUnit.GPU_HOUR if "/GPU/" in (price_label or "") else GpuUnit.INSTANCE_HOUR
            parsed.records.append(
                GpuRecord(
                    provider="Lambda",
                    gpu=f"{plan} {vram}".strip(),
                    gpu_candidates=(plan,),
                    gpus_per_instance=count,
                    pricing_type=PricingType.ON_DEMAND,
                    price=price,
                    unit=unit,
                    instance_name=f"{count}x {plan} {vram}".strip(),
                    vcpus=int(decimal_or_none(cells.get("VCPUS")) or 0) or None,
                    source_url=url,
                )
            )
    if not found:
        raise PayloadError("no Lambda pricing rows (tr[data-plan])")
    return parsed


def parse_runpod(html, url="https://www.runpod.io/pricing") -> Parsed:
    parsed = Parsed()
    soup = BeautifulSoup(html, "html.parser")
    prices = soup.find_all(attrs={"data-secure-cloud-price": True})
    if not prices:
        raise PayloadError("no data-secure-cloud-price attributes (the real prices) on the RunPod page")
    for element in prices:
        name = _text(element.find_previous(attrs={"data-gradient": "text-secondary"}))
        if not name:
            parsed.skip(element, "price without a GPU name", refused=True)
            continue
        for attr, cloud, pricing_type in (
            ("data-secure-cloud-price", "Secure Cloud", PricingType.ON_DEMAND),
            ("data-community-cloud-price", "Community Cloud", PricingType.COMMUNITY),
        ):
            price = decimal_or_none(element.get(attr))
            if price is None or price == 0:
                parsed.skip(f"{name} {cloud}", "not offered (empty or 0)")
                continue
            parsed.records.append(
                GpuRecord(
                    provider="RunPod",
                    gpu=name,
                    gpus_per_instance=1,
                    pricing_type=pricing_type,
                    price=price,
                    unit=GpuUnit.GPU_HOUR,
                    instance_name=cloud,
                    source_url=url,
                )
            )
    return parsed


def parse_hyperstack(html, url="https://www.hyperstack.cloud/gpu-pricing") -> Parsed:
    parsed = Parsed()
    headers, rows = _table(BeautifulSoup(html, "html.parser"), ["gpu model", "per hour"])
    name_col, price_col, reserve_col = 0, _column(headers, "per hour"), _column(headers, "reservation")
    for row in rows:
        if len(row) <= price_col:
            parsed.skip(row, "short row", refused=True)
            continue
        price = money(row[price_col])
        if price is None:
            parsed.skip(row[name_col], "no on-demand price", refused=True)
            continue
        parsed.records.append(
            GpuRecord(
                provider="Hyperstack",
                gpu=row[name_col],
                gpus_per_instance=1,
                pricing_type=PricingType.ON_DEMAND,
                price=price,
                unit=GpuUnit.GPU_HOUR,
                instance_name=row[name_col],
                source_url=url,
            )
        )
        if reserve_col is not None and len(row) > reserve_col and money(row[reserve_col]) is not None:
            parsed.skip(row[name_col], "reservation 'starts from' price without a term")
    return parsed


def parse_datacrunch(html, url="https://datacrunch.io/products") -> Parsed:
    parsed = Parsed()
    headers, rows = _table(BeautifulSoup(html, "html.parser"), ["instance name", "gpu model", "on demand"])
    name_col, gpu_col, on_demand_col = 0, _column(headers, "gpu model"), _column(headers, "on demand")
    count_col = next((i for i, h in enumerate(headers) if h == "gpu"), None)
    spot_col, dynamic_col = _column(headers, "spot"), _column(headers, "dynamic")
    for row in rows:
        if len(row) < len(headers):
            parsed.skip(row, "short row", refused=True)
            continue
        count = decimal_or_none(row[count_col]) if count_col is not None else None
        if count is None or count < 1 or count != count.to_integral_value():
            parsed.skip(row[name_col], "no whole GPU count", refused=True)
            continue
        for col, pricing_type in ((on_demand_col, PricingType.ON_DEMAND), (spot_col, PricingType.SPOT)):
            price = money(row[col]) if col is not None else None
            if price is None:
                parsed.skip(row[name_col], f"no {pricing_type} price")
                continue
            parsed.records.append(
                GpuRecord(
                    provider="DataCrunch",
                    gpu=row[gpu_col],
                    gpus_per_instance=int(count),
                    pricing_type=pricing_type,
                    price=price,
                    unit=GpuUnit.INSTANCE_HOUR,
                    instance_name=row[name_col],
                    source_url=url,
                )
            )
        if dynamic_col is not None:
            parsed.skip(row[name_col], "dynamic price (changes through the day)")
    return parsed


def parse_fluidstack(html, url="https://www.fluidstack.io/pricing") -> Parsed:
    parsed = Parsed()
    headers, rows = _table(BeautifulSoup(html, "html.parser"), ["model", "on-demand"])
    on_demand_col, year_col = _column(headers, "on-demand"), _column(headers, "1 year")
    for row in rows:
        name = row[0]
        for col, pricing_type in ((on_demand_col, PricingType.ON_DEMAND), (year_col, PricingType.RESERVED_1Y)):
            if col is None or col >= len(row):
                continue
            price = money(row[col])
            if price is None:
                parsed.skip(name, f"{pricing_type} price is {row[col]!r} (not offered)")
                continue
            parsed.records.append(
                GpuRecord(
                    provider="FluidStack",
                    gpu=name,
                    gpus_per_instance=1,
                    pricing_type=pricing_type,
                    price=price,
                    unit=GpuUnit.GPU_HOUR,
                    instance_name=name,
                    source_url=url,
                )
            )
    return parsed


def parse_coreweave(html, url="https://www.coreweave.com/gpu-cloud-pricing") -> Parsed:
    parsed = Parsed()
    soup = BeautifulSoup(html, "html.parser")
    rows = soup.select("div.table-body-row")
    if not rows:
        raise PayloadError("no CoreWeave pricing rows (div.table-body-row)")
    for row in rows:
        name = _text(row.select_one(".table-body-left"))
        columns = row.find_all("div", class_="w-col", recursive=False)
        price = money(_text(columns[-1])) if columns else None
        if not name or price is None:
            parsed.skip(name or row, "row without a GPU name or price", refused=True)
            continue
        parsed.records.append(
            GpuRecord(
                provider="CoreWeave",
                gpu=name,
                gpus_per_instance=1,
                pricing_type=PricingType.ON_DEMAND,
                price=price,
                unit=GpuUnit.GPU_HOUR,
                instance_name=f"{name} (GPU component only, CPU and RAM extra)"[:100],
                source_url=url,
            )
        )
    return parsed


class PageSource(Source):
    kind = "gpu"
    rank = precedence.PROVIDER_OWN

    def __init__(self, provider, url, parser):
        self.name = f"page:{provider}"
        self.url = url
        self._parser = parser

    def parse(self, payload):
        parsed = self._parser(payload, url=self.url)
        # A page's bare "H100"/"H200" is placed by the provider's own naming, or left unmatched (scrapers.instances).
        parsed.records = [
            replace(r, gpu=place(self.name, r.gpu, r.instance_name)) if squash(r.gpu) in AMBIGUOUS else r
            for r in parsed.records
        ]
        return parsed


SOURCES = [
    PageSource("lambda", "https://lambda.ai/pricing", parse_lambda),
    PageSource("runpod", "https://www.runpod.io/pricing", parse_runpod),
    PageSource("hyperstack", "https://www.hyperstack.cloud/gpu-pricing", parse_hyperstack),
    PageSource("datacrunch", "https://datacrunch.io/products", parse_datacrunch),
    PageSource("fluidstack", "https://www.fluidstack.io/pricing", parse_fluidstack),
    PageSource("coreweave", "https://www.coreweave.com/gpu-cloud-pricing", parse_coreweave),
]
