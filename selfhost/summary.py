"""The model page's "cheapest self-hosting plan" block, from the same contract as /breakeven/."""

from django.http import QueryDict
from django.urls import reverse

from .contract import compute


def cheapest_plan(model):
    """{cost_per_mtok, plan, rates, gpu, offering, utilization, url} for the cheapest planned GPU, or
    {reason, url} when there is none. Constant queries (those of one /breakeven/ answer)."""
    url = f"{reverse('selfhost:breakeven')}?model={model.slug}"
    a = compute(QueryDict(), model=model)
    priced = [(cost, gpu, plan, rates) for gpu, plan, rates, cost in a.candidates if cost is not None]
    if not priced:
        reasons = [str(m) for messages in a.errors.values() for m in messages]
        if not reasons:
            reasons = [plan.reason for _, plan, rates, _ in a.candidates if rates is None][:1]
        return {"reason": reasons[0] if reasons else "No GPU with a price can serve it.", "url": url}
    cost, gpu, plan, rates = min(priced, key=lambda row: row[0])
    return {
        "cost_per_mtok": cost,
        "gpu": gpu,
        "plan": plan,
        "rates": rates,
        "utilization": a.values.get("utilization"),
        "url": url,
    }
