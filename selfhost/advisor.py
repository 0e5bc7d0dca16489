"""The route advisor: which way to buy inference for one workload, from the plan's numbers. Pure Python.

Routes: managed API, open-weight serverless, dedicated endpoint, self-hosted on rented GPUs, owned
hardware. Each gets a monthly cost where the catalogue can price it and the reasons it is or is not
eligible (data residency, latency targets, burstiness); the cheapest eligible route is recommended,
with operations weighed: a self-hosting saving under OPS_MARGIN of the cheapest per-token route does not
pay for running the stack.

Hook for measured API speeds (issue #17): `advise(..., api_speeds=...)` takes {offering label: output
tokens/s per user}; with None (the default) per-token routes are marked "speed at your target: unknown".
"""

from dataclasses import dataclass
from decimal import Decimal

MANAGED, SERVERLESS, DEDICATED, SELF_HOSTED, OWNED = (
    "managed_api",
    "open_weight_serverless",
    "dedicated_endpoint",
    "self_hosted_rented",
    "owned_hardware",
)
LABELS = {
    MANAGED: "Managed API",
    SERVERLESS: "Open-weight serverless",
    DEDICATED: "Dedicated endpoint",
    SELF_HOSTED: "Self-hosted on rented GPUs",
    OWNED: "Owned hardware",
}
RESIDENCIES = ("any", "region", "own_account")
OPS_MARGIN = Decimal("0.2")
STEADY_PEAK_TO_AVERAGE = Decimal("1.5")
OWNED_MIN_GPUS = 8


@dataclass(frozen=True)
class Situation:
    tokens_per_day: Decimal
    open_weights: bool
    residency: str = "any"
    peak_to_average: Decimal | None = None
    utilization: Decimal | None = None
    p95_ttft_ms: Decimal | None = None
    tokens_per_second_per_user: Decimal | None = None
    api_monthly: Decimal | None = None  # the model's cheapest per-token offering at this volume
    api_offering: str = ""
    dedicated_monthly: Decimal | None = None
    self_host_monthly: Decimal | None = None
    self_host_gpus: int | None = None
    self_host_problem: str = ""  # why there is no self-hosting figure (no plan, target unreachable ...)


def _speed_note(s: Situation, api_speeds):
    if not s.tokens_per_second_per_user and not s.p95_ttft_ms:
        return True, ""
    if api_speeds is None:
        return True, "Speed at your target: unknown (no measured endpoint speeds yet); test the provider."
    target = s.tokens_per_second_per_user or 0
    fast = {name: v for name, v in api_speeds.items() if v >= target}
    if not fast:
        fastest = max(api_speeds, key=api_speeds.get, default=None)
        return False, f"No measured endpoint reaches {target:g} tokens/s per user" + (
            f"; the fastest, {fastest}, is measured at {api_speeds[fastest]:,.0f}." if fastest else "."
        )
    name = max(fast, key=fast.get)
    return True, f"{name} measured at {fast[name]:,.0f} tokens/s per user."


def advise(s: Situation, api_speeds=None) -> dict:
    routes = []
    speed_ok, speed_note = _speed_note(s, api_speeds)
    in_account = s.residency == "own_account"
    region_note = (
        "Check the provider serves your region: the catalogue does not record regions yet."
        if s.residency == "region"
        else ""
    )

    def route(key, monthly, eligible, *why):
        routes.append(
            {
                "route": key,
                "label": LABELS[key],
                "monthly_cost": float(round(monthly, 2)) if monthly is not None else None,
                "eligible": eligible,
                "why": [w for w in why if w],
            }
        )

    if s.open_weights:
        route(MANAGED, None, False, "An open-weight model: per-token hosting is the serverless route.")
        route(
            SERVERLESS,
            s.api_monthly,
            s.api_monthly is not None and not in_account and speed_ok,
            f"Cheapest per-token price: {s.api_offering}." if s.api_offering else "No per-token price listed.",
            "Runs in the provider's account, not yours." if in_account else "",
            region_note,
            speed_note,
        )
    else:
        route(
            MANAGED,
            s.api_monthly,
            s.api_monthly is not None and not in_account and speed_ok,
            f"Cheapest price: {s.api_offering}." if s.api_offering else "No price listed.",
            "Closed weights never run in your own account; ask the vendor about private deployments."
            if in_account
            else "",
            region_note,
            speed_note,
        )
        route(SERVERLESS, None, False, "Closed weights: only the vendor's API serves this model.")
    route(
        DEDICATED,
        s.dedicated_monthly,
        s.dedicated_monthly is not None and not in_account,
        "" if s.dedicated_monthly is not None else "No dedicated-endpoint price listed for this model.",
        "Runs in the platform's account, not yours." if in_account else "",
    )
    if s.open_weights and s.self_host_monthly is not None:
        route(
            SELF_HOSTED,
            s.self_host_monthly,
            True,
            f"Planned at {s.utilization:.0%} utilization"
            + (f" (peak {s.peak_to_average}x the average)." if s.peak_to_average else ".")
            if s.utilization is not None
            else "",
            "Meets your latency targets by planning for them." if s.tokens_per_second_per_user or s.p95_ttft_ms else "",
            "In your own cloud account." if in_account else "",
        )
    else:
        route(SELF_HOSTED, None, False, s.self_host_problem or "Closed weights cannot be self-hosted.")
    steady = s.peak_to_average is not None and s.peak_to_average <= STEADY_PEAK_TO_AVERAGE
    owned_fit = (
        s.open_weights and s.self_host_monthly is not None and steady and (s.self_host_gpus or 0) >= OWNED_MIN_GPUS
    )
    route(
        OWNED,
        None,
        owned_fit,
        "Not priced: the catalogue has no purchase, power or hosting prices.",
        (
            f"Steady demand on {s.self_host_gpus} GPUs: over a 3-4 year life buying usually beats "
            f"renting; compare a quote with ${s.self_host_monthly:,.0f} a month rented."
        )
        if owned_fit
        else "Worth pricing only for steady demand (peak <= 1.5x the average) on 8+ GPUs.",
    )

    priced = [r for r in routes if r["eligible"] and r["monthly_cost"] is not None]
    reasons = []
    if s.self_host_problem and s.open_weights:
        reasons.append(s.self_host_problem)
    if not priced:
        recommended = OWNED if owned_fit else (SELF_HOSTED if in_account and s.open_weights else MANAGED)
        if s.self_host_problem and s.open_weights and not in_account:
            recommended = SERVERLESS  # the per-token route is the one left to test against the target
            reasons.append(
                "No route is known to meet your latency target: self-hosting cannot, and no measured per-token "
                "endpoint does; test the per-token providers against it."
            )
        else:
            reasons.append("No eligible route has a price at these inputs; see each route's reasons.")
    else:
        best = min(priced, key=lambda r: r["monthly_cost"])
        recommended = best["route"]
        per_token = [r for r in priced if r["route"] in (MANAGED, SERVERLESS)]
        if recommended == SELF_HOSTED and per_token:
            cheapest_api = min(per_token, key=lambda r: r["monthly_cost"])
            saving = 1 - Decimal(str(best["monthly_cost"])) / Decimal(str(cheapest_api["monthly_cost"]))
            if saving < OPS_MARGIN:
                recommended = cheapest_api["route"]
                reasons.append(
                    f"Self-hosting saves only {saving:.0%} over {cheapest_api['label']}: not enough to pay for "
                    "on-call, upgrades and capacity planning."
                )
            else:
                reasons.append(f"Self-hosting saves {saving:.0%} over {cheapest_api['label']} at this volume.")
        if recommended == SELF_HOSTED and owned_fit:
            recommended = OWNED
            reasons.append("Demand is steady and large: owning the GPUs is likely cheaper than renting them.")
        if recommended in (MANAGED, SERVERLESS):
            reasons.append(
                f"{LABELS[recommended]} is the cheapest eligible route at {s.tokens_per_day:,.0f} tokens/day."
            )
        if s.peak_to_average and s.peak_to_average >= 5 and recommended in (MANAGED, SERVERLESS):
            reasons.append(
                f"Traffic peaks at {s.peak_to_average}x its average: per-token billing pays nothing for idle hours."
            )
    if in_account:
        reasons.append("Data must stay in your own cloud account: only self-hosting or owned hardware qualify.")
    if speed_note:
        reasons.append(speed_note)
    return {
        "recommended": recommended,
        "label": LABELS[recommended],
        "costs": {r["route"]: r["monthly_cost"] for r in routes},
        "reasons": reasons,
        "routes": routes,
    }
