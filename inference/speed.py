"""Measured API speed beside price: the speed rows of a model page, the price-speed frontier, its scatter,
and "the cheapest offering at or above N output tokens/s per request".

Speeds are OpenRouter's p50 measurements of its own traffic (EndpointMeasurement): output tokens per
second *per request* and time to first token, over a 30-minute window on the day they were collected.
They are not a guarantee and not a replica's aggregate throughput (the self-hosting profiles are).

cheapest_at_speed() is the function other features call (the breakeven's route advisor); everything
else here serves the model and provider pages. Query counts are in each docstring.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from computeprices.charts import layout as chart_layout
from computeprices.freshness import in_market, today_utc

from .models import EndpointMeasurement
from .queries import DEFAULT_BLEND, summary_offerings

MAX_MIN_TPS = Decimal("10000")  # the ingest's ceiling: nothing is measured faster
SPEED_SORTS = {
    "speed": "fastest p50 first",
    "price": "cheapest blended first",
    "ttft": "quickest first token first",
}
DEFAULT_SPEED_SORT = "speed"
NO_MEASUREMENT = "no measurement"
FRONTIER = "#0b5cad"
OFF_FRONTIER = "#9aa5b1"


@dataclass
class SpeedRow:
    """One offering with its blended price and its latest published measurement (or None)."""

    offering: object
    blended: Decimal | None
    measurement: EndpointMeasurement | None
    on_frontier: bool = False
    today: date | None = None

    @property
    def tokens_per_second(self):
        return self.measurement.tokens_per_second_p50 if self.measurement else None

    @property
    def ttft_ms(self):
        return self.measurement.ttft_ms_p50 if self.measurement else None

    @property
    def measurement_freshness(self):
        return self.measurement.freshness(self.today) if self.measurement else None


@dataclass
class SpeedAnswer:
    """cheapest_at_speed()'s answer: the offering (None when nothing qualifies) and why."""

    min_tokens_per_second: Decimal
    offering: object = None
    usd_per_mtok_blended: Decimal | None = None
    tokens_per_second: Decimal | None = None
    ttft_ms: Decimal | None = None
    measured_on: date | None = None
    measurement_freshness: str | None = None
    source: str = ""
    reason: str = ""
    fastest: object = None  # the fastest measured SpeedRow when none reaches the target

    def __bool__(self):
        return self.offering is not None


def speed_rows(offering_rows, measurements, today=None):
    """SpeedRows from the model page's OfferingRows and {offering id: measurement}; marks the frontier. No queries."""
    today = today or today_utc()
    rows = [SpeedRow(r.offering, r.blended, measurements.get(r.offering.pk), today=today) for r in offering_rows]
    on_frontier = frontier([(row.blended, row.tokens_per_second) for row in rows])
    for index in on_frontier:
        rows[index].on_frontier = True
    return rows


def frontier(points):
    """Indexes of the (price, speed) points no other point beats on both: cheaper-or-equal and faster-or-equal,
    strictly better on one. Points missing either figure are never on it."""
    known = [(i, p, s) for i, (p, s) in enumerate(points) if p is not None and s is not None]
    best = set()
    for i, price, speed in known:
        dominated = any((p <= price and s >= speed) and (p < price or s > speed) for j, p, s in known if j != i)
        if not dominated:
            best.add(i)
    return best


def sort_speed_rows(rows, sort):
    """Rows by speed (fastest first), price (cheapest first) or TTFT (quickest first); unmeasured last."""
    keys = {
        "speed": lambda r: (r.tokens_per_second is None, -(r.tokens_per_second or 0)),
        "price": lambda r: (r.blended is None, r.blended or 0),
        "ttft": lambda r: (r.ttft_ms is None, r.ttft_ms or 0),
    }
    return sorted(rows, key=lambda r: (*keys[sort](r), r.offering.provider.name.lower(), r.offering.pk))


def cheapest_among(rows, min_tokens_per_second):
    """The SpeedAnswer for rows already loaded (current, priced, with measurements). No queries."""
    answer = SpeedAnswer(min_tokens_per_second=min_tokens_per_second)
    measured = [r for r in rows if r.tokens_per_second is not None and r.blended is not None]
    if not measured:
        answer.reason = NO_MEASUREMENT
        return answer
    fast = [r for r in measured if r.tokens_per_second >= min_tokens_per_second]
    if not fast:
        answer.fastest = max(measured, key=lambda r: (r.tokens_per_second, -r.blended))
        answer.reason = (
            f"no offering measured at or above {min_tokens_per_second} tokens/s per request; the fastest is "
            f"{answer.fastest.offering.provider.name} at {answer.fastest.tokens_per_second} tokens/s (p50)"
        )
        return answer
    best = min(fast, key=lambda r: (r.blended, -r.tokens_per_second, r.offering.provider.name.lower()))
    answer.offering = best.offering
    answer.usd_per_mtok_blended = best.blended
    answer.tokens_per_second = best.tokens_per_second
    answer.ttft_ms = best.ttft_ms
    answer.measured_on = best.measurement.measured_on
    answer.measurement_freshness = best.measurement_freshness
    answer.source = best.measurement.source
    return answer


def cheapest_at_speed(model, min_tokens_per_second, blend=DEFAULT_BLEND, today=None):
    """The cheapest current (non-batch) offering of `model` whose latest measured p50 output speed per
    request is at least `min_tokens_per_second`, as a SpeedAnswer: the offering, its blended price at
    `blend`, its measured speed and TTFT, the measurement's date and freshness and source. When nothing
    qualifies, `offering` is None and `reason` says why ("no measurement" when no current offering of
    the model was ever measured). One query.
    """
    today = today or today_utc()
    offerings = summary_offerings().filter(model=model).with_latest_measurement()
    rows = []
    for o in offerings.market(today):
        measurement = None
        if o.latest_measured_on is not None:
            measurement = EndpointMeasurement(
                offering=o,
                measured_on=o.latest_measured_on,
                source=o.latest_measurement_source,
                tokens_per_second_p50=o.latest_tps_p50,
                ttft_ms_p50=o.latest_ttft_ms_p50,
                uptime_percent=o.latest_uptime_percent,
            )
        rows.append(SpeedRow(o, blend.price(o.latest_input, o.latest_output), measurement, today=today))
    return cheapest_among(rows, Decimal(min_tokens_per_second))


def scatter_figure(rows, blend):
    """Blended price against p50 speed, one point per measured offering, frontier points joined. Plain plotly dict."""
    measured = [r for r in rows if r.tokens_per_second is not None and r.blended is not None]
    if not measured:
        return None

    def trace(points, name, color, mode="markers"):
        return {
            "type": "scatter",
            "mode": mode,
            "name": name,
            "x": [float(r.tokens_per_second) for r in points],
            "y": [float(r.blended) for r in points],
            "text": [_label(r) for r in points],
            "marker": {"color": color, "size": 10},
            "hovertemplate": "%{text}<br>%{x} tokens/s (p50) · $%{y:.4f} per 1M<extra></extra>",
        }

    best = sorted((r for r in measured if r.on_frontier), key=lambda r: r.tokens_per_second)
    others = [r for r in measured if not r.on_frontier]
    data = []
    if others:
        data.append(trace(others, "beaten on both by another offering", OFF_FRONTIER))
    data.append(trace(best, "frontier: nothing is both cheaper and faster", FRONTIER, "lines+markers"))
    layout = chart_layout(  # the site's one chart layout (computeprices.charts)
        hovermode="closest",
        xaxis={"title": {"text": "output tokens/s per request (p50, measured)"}, "rangemode": "tozero"},
        yaxis={"title": {"text": f"USD per 1M tokens ({blend})"}, "rangemode": "tozero"},
        legend={"y": -0.25},
    )
    return {"data": data, "layout": layout}


def _label(row):
    quant = f" {row.offering.quantization}" if row.offering.quantization else ""
    return f"{row.offering.provider.name}{quant}"


def model_page_context(form, offering_rows, blend, today=None):
    """What the model page's speed include needs, from its options (inference.forms.ModelPageForm) and its
    OfferingRows. One query."""
    today = today or today_utc()
    min_tps, sort = form.option("min_tps"), form.option("speed_sort", DEFAULT_SPEED_SORT)
    measurements = EndpointMeasurement.objects.latest_by_offering([r.offering.pk for r in offering_rows])
    rows = speed_rows(offering_rows, measurements, today)
    current = [r for r in rows if in_market(r.offering, today) and r.offering.serving_kind != "batch"]
    return {
        "speed_rows": sort_speed_rows(rows, sort),
        "speed_sort": sort,
        "speed_sorts": SPEED_SORTS,
        "speed_measured": sum(1 for r in rows if r.measurement is not None),
        "speed_figure": scatter_figure(rows, blend),
        "speed_min_tps": min_tps,
        "speed_answer": cheapest_among(current, min_tps) if min_tps is not None else None,
        "speed_ignored": form.speed_notices,
    }
