"""Where self-hosting wins: every daily-volume range, not only the first crossing. Pure Python.

With whole replicas the self-hosting cost is a staircase (n replicas x F a month, n = ceil(c x k / u) for
volume factor k) and the API bill a line (a x k). Inside the n-th step, k in ((n-1)u/c, nu/c], self-hosting
is cheaper for k > nF/a. Each step has a winning part exactly when a > cF/u (API cost per unit of work
above the replica's cost at full use); a losing part remains while n < N* = (u/c) / (u/c - F/a), so from
step ceil(N*) on self-hosting stays cheaper.
"""

import math
from dataclasses import dataclass
from decimal import Decimal

import inference.economics as economics
from inference.economics import D

MAX_RANGES = 40  # steps listed one by one; past that the answer says "alternating up to ..."


@dataclass(frozen=True)
class Ranges:
    winning: list  # [(from tokens/day, to tokens/day or None for "and above")], self-hosting strictly cheaper
    stays_cheaper_from: Decimal | None  # from this volume on, self-hosting is cheaper at every volume
    first_crossing: Decimal | None
    reason: str = ""

    def as_dict(self):
        return {
            "self_host_cheaper": [[_int(a), _int(b) if b is not None else None] for a, b in self.winning],
            "stays_cheaper_from": _int(self.stays_cheaper_from),
            "first_crossing": _int(self.first_crossing),
            "reason": self.reason or None,
        }


def _int(value):
    return int(D(value).to_integral_value()) if value is not None else None


def winning_ranges(w: economics.Workload) -> Ranges:
    volume = w.tokens_per_day
    monthly = economics.monthly_from_daily(
        economics.api_daily_cost(
            w.input_tokens_per_day,
            w.output_tokens_per_day,
            w.api_input_price,
            w.api_output_price,
            w.cached_input_price,
            w.cache_hit_rate,
            w.batch_share,
            w.batch_discount,
        )
    )
    if volume <= 0 or monthly <= 0:
        return Ranges([], None, None, "No API bill to compare at this volume and price.")
    busy = economics.busy_fraction(
        w.input_tokens_per_day, w.output_tokens_per_day, w.prefill_tokens_per_second, w.decode_tokens_per_second
    )
    f = economics.replica_monthly_cost(w.gpus_per_replica, w.gpu_hourly_price)
    a, c, u = monthly, busy, D(w.utilization)
    step = u / c  # volume factor one replica serves
    win_from = f / a  # per replica: the API bill for k reaches nF at k = n x F / a
    if win_from >= step:
        return Ranges(
            [],
            None,
            None,
            "The API is cheaper at every volume at this utilization: each replica costs more than the API bill "
            "for the tokens it can serve.",
        )
    n_star = step / (step - win_from)
    n_stay = max(1, math.ceil(n_star))  # first step with no losing part
    if n_star == int(n_star):
        n_stay = int(n_star)  # at n*, the losing part shrinks to one point (a tie)
    winning = []
    for n in range(1, min(n_stay, MAX_RANGES) + 1):
        start = max((n - 1) * step, n * win_from)
        end = n * step
        if n == n_stay:
            winning.append((start * volume, None))
            break
        if winning and winning[-1][1] == start * volume:
            winning[-1] = (winning[-1][0], end * volume)
        else:
            winning.append((start * volume, end * volume))
    stays = (n_stay - 1) * step * volume if n_stay > 1 else win_from * volume
    reason = ""
    if n_stay > MAX_RANGES:
        winning.append((stays, None))
        reason = (
            f"Self-hosting and the API alternate up to {stays:,.0f} tokens/day; the first {MAX_RANGES} ranges "
            "are listed, then the one from which self-hosting stays cheaper."
        )
    return Ranges(winning, stays, win_from * volume, reason)
