"""The calibration report the methodology page shows (the same rows `throughput_calibration` prints)."""

import hashlib

from computeprices.dataversion import cache_call

from . import catalogue, throughput

CACHE_SECONDS = 24 * 3600


def calibration_report():
    """{"rows", "summary", "chart"}: leave-one-out estimates of every measured profile, cached by the profiles."""
    measured = catalogue.measured_profiles()
    signature = hashlib.sha256(repr([(m.key, m.value, m.gpus, m.precision) for m in measured]).encode()).hexdigest()
    key = f"selfhost:calibration:{signature[:32]}"
    if _last[0] == key:  # the key is the profiles' content: this process's copy is still right
        return _last[1]
    report = cache_call("get", key)  # a dead cache is a miss, never an error
    if report is None:
        rows = throughput.calibrate(measured)
        report = {"rows": rows, "summary": throughput.summary(rows), "chart": scatter(rows)}
        cache_call("set", key, report, CACHE_SECONDS)
    _last[:] = [key, report]  # with Redis down, /about/ must not refit every profile on every request
    return report


_last = [None, None]  # (key, report) of the newest calibration this process computed or read


def scatter(rows):
    """Estimated against measured (log axes), with the y = x line and the 2x band."""
    if not rows:
        return None
    values = [r["measured"] for r in rows] + [r["estimated"] for r in rows]
    low, high = min(values) / 2, max(values) * 2
    data = []
    for kind, label in (("prefill", "prefill"), ("decode", "decode"), ("total_output", "output incl. prefill")):
        chosen = [r for r in rows if r["kind"] == kind]
        if chosen:
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "name": label,
                    "x": [r["measured"] for r in chosen],
                    "y": [r["estimated"] for r in chosen],
                    "text": [r["profile"] for r in chosen],
                    "hovertemplate": "%{text}<br>measured %{x:,.0f}<br>estimated %{y:,.0f}<extra></extra>",
                }
            )
    for factor, name, dash in ((1, "estimated = measured", "solid"), (2, "2x", "dot"), (0.5, "1/2x", "dot")):
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": name,
                "x": [low, high],
                "y": [low * factor, high * factor],
                "line": {"dash": dash, "width": 1, "color": "#888"},
                "hoverinfo": "skip",
                "showlegend": factor == 1,
            }
        )
    layout = {
        "xaxis": {"type": "log", "title": {"text": "Measured tokens/s (replica)"}},
        "yaxis": {"type": "log", "title": {"text": "Estimated, profile left out"}},
        "margin": {"l": 60, "r": 10, "t": 30, "b": 50},
        "legend": {"orientation": "h", "y": 1.12, "x": 0},
        "template": "none",
    }
    return {"data": data, "layout": layout}
