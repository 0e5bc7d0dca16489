"""Source precedence: which source's price an offering publishes when several report it the same day.

Highest first: the provider's own API or page; a first-party catalogue (a marketplace's own API for what
it sells, e.g. OpenRouter's API for OpenRouter); third-party aggregators (LiteLLM's map, SkyPilot's
catalogues). Curated rows (computeprices.curated.CURATED_RANK) are checked by a person and rank above all.

When two sources disagree on one offering and day by more than DISAGREEMENT, the lower-ranked figure goes
to the review queue with both figures and is not published.
"""

from decimal import Decimal

PROVIDER_OWN = 3
FIRST_PARTY_CATALOGUE = 2
AGGREGATOR = 1

DISAGREEMENT = Decimal("0.20")

LABELS = {
    PROVIDER_OWN: "the provider's own API or page",
    FIRST_PARTY_CATALOGUE: "a first-party catalogue",
    AGGREGATOR: "a third-party aggregator",
}


def disagree(value, reference) -> bool:
    """More than 20% apart, measured from the higher-ranked figure."""
    if value is None or reference is None or reference <= 0:
        return False
    return abs(Decimal(value) - Decimal(reference)) > DISAGREEMENT * Decimal(reference)


def rank_of(observation) -> int:
    """An observation's rank; a curated row outranks every scraped one."""
    from computeprices.curated import CURATED_RANK

    return CURATED_RANK if observation.is_curated else observation.rank
