"""Price against model size: the least-squares line through the cheapest price of open-weight dense models.

`least_squares()` is the pure fit (Decimal in, Decimal out, no Django). `price_size_analysis()` is what
the /analysis/ page reads: the points and the fit, kept in Django's cache. The nightly scrape job calls
`refresh_price_size_fit()` after the prices change; a cache miss (expired entry, a blend ratio nobody
asked for yet, a night the job did not run) recomputes from the database.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from computeprices.dataversion import cache_call, cache_namespace

from .queries import DEFAULT_BLEND, ONE_CLICK_BLENDS, Blend, cheapest_current_prices

MIN_FIT_POINTS = 3
# Long enough to survive until the next nightly refresh, short enough that a dead job is noticed
# as a recompute rather than a page frozen on old numbers.
CACHE_SECONDS = 36 * 60 * 60
CACHE_KEY_VERSION = 1
CACHED_BLENDS = (DEFAULT_BLEND, *ONE_CLICK_BLENDS)


class NotEnoughData(ValueError):
    """The points cannot determine a line; the message says why, in words a reader can be shown."""


@dataclass(frozen=True)
class LineFit:
    """price = intercept + slope x params, in USD per 1M tokens and billions of parameters."""

    intercept: Decimal
    slope: Decimal  # USD per 1M tokens per 1B parameters
    r_squared: Decimal | None  # None when every price is the same (nothing to explain)
    n: int

    @property
    def slope_per_10b(self) -> Decimal:
        return self.slope * 10

    def predict(self, params_b: Decimal) -> Decimal:
        return self.intercept + self.slope * params_b

    def implied_params_b(self, price: Decimal) -> Decimal | None:
        """The dense parameter count the line prices at `price`; None when the line cannot say."""
        if self.slope <= 0:
            return None
        params = (price - self.intercept) / self.slope
        return params if params > 0 else None


def least_squares(points) -> LineFit:
    """Ordinary least squares through (x, y) Decimal pairs. Raises NotEnoughData with the reason."""
    # Sorted so the result does not depend on row order (Decimal sums round at 28 digits).
    points = sorted((Decimal(x), Decimal(y)) for x, y in points)
    n = len(points)
    if n < MIN_FIT_POINTS:
        raise NotEnoughData(
            f"A line needs at least {MIN_FIT_POINTS} models with a current price and a parameter count; "
            f"there {'is' if n == 1 else 'are'} {n}."
        )
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    if sxx == 0:
        raise NotEnoughData("Every model has the same parameter count, so price cannot be fitted against size.")
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in points)
    slope = sxy / sxx
    intercept = mean_y - slope * mean_x
    ss_tot = sum((y - mean_y) ** 2 for _, y in points)
    ss_res = sum((y - (intercept + slope * x)) ** 2 for x, y in points)
    r_squared = None if ss_tot == 0 else 1 - ss_res / ss_tot
    return LineFit(intercept=intercept, slope=slope, r_squared=r_squared, n=n)


@dataclass(frozen=True)
class ModelPoint:
    """One model on the chart: plain values only, so the whole analysis can live in the cache."""

    name: str
    slug: str
    creator: str
    kind: str  # "dense", "moe" or "proprietary"
    total_params_b: Decimal | None
    active_params_b: Decimal | None
    price: Decimal  # cheapest current blended USD per 1M tokens
    provider_name: str


@dataclass
class PriceSizeAnalysis:
    blend: Blend
    computed_at: datetime
    dense: list = field(default_factory=list)
    moe: list = field(default_factory=list)
    proprietary: list = field(default_factory=list)
    fit: LineFit | None = None
    no_fit_reason: str = ""


def _kind(model):
    if not model.open_weights:
        return "proprietary"
    return "moe" if model.is_moe else "dense"


def compute_price_size_analysis(blend: Blend = DEFAULT_BLEND) -> PriceSizeAnalysis:
    """Read the cheapest current price of every model (one query: queries.cheapest_current_prices) and fit the
    dense open-weight ones."""
    analysis = PriceSizeAnalysis(blend=blend, computed_at=datetime.now(UTC))
    for model, price, offering in cheapest_current_prices(blend):
        kind = _kind(model)
        if kind != "proprietary" and model.total_params_b is None:
            continue  # an open-weight model without a published size cannot be placed
        point = ModelPoint(
            name=model.name,
            slug=model.slug,
            creator=model.creator,
            kind=kind,
            total_params_b=model.total_params_b,
            active_params_b=model.active_params_b if model.active_params_b is not None else model.total_params_b,
            price=price,
            provider_name=offering.provider.name,
        )
        getattr(analysis, kind).append(point)
    try:
        analysis.fit = least_squares((p.total_params_b, p.price) for p in analysis.dense)
    except NotEnoughData as exc:
        analysis.no_fit_reason = str(exc)
    return analysis


def _cache_key(blend: Blend) -> str:
    # Under the database and data version: another database's fit, or one from before a publish, never matches.
    return (
        f"{cache_namespace()}:inference:price-size-analysis:v{CACHE_KEY_VERSION}"
        f":{blend.input_parts}:{blend.output_parts}"
    )


def refresh_price_size_fit() -> PriceSizeAnalysis:
    """Recompute the analysis for the default blend and its one-click alternatives; store each in the cache.

    Called by the nightly scrape job once the new prices are in. Returns the default blend's analysis.
    """
    results = {}
    for blend in CACHED_BLENDS:
        results[blend] = compute_price_size_analysis(blend)
        cache_call("set", _cache_key(blend), results[blend], CACHE_SECONDS)
    return results[DEFAULT_BLEND]


def price_size_analysis(blend: Blend = DEFAULT_BLEND) -> PriceSizeAnalysis:
    """The cached analysis for this blend, recomputed (and cached) on a miss.

    Only the blends the page links to are cached: any other ratio a reader types is computed for that
    request (one query), so made-up ratios cannot fill the cache.
    """
    if blend not in CACHED_BLENDS:
        return compute_price_size_analysis(blend)
    analysis = cache_call("get", _cache_key(blend))
    if analysis is None:
        analysis = compute_price_size_analysis(blend)
        cache_call("set", _cache_key(blend), analysis, CACHE_SECONDS)
    return analysis
