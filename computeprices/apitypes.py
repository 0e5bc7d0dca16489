"""What every router of the JSON API shares: decimal-string money types, pagination, parameter errors.

Money leaves the API as a plain decimal string in the canonical unit its field names ("2.4900" in
`usd_per_gpu_hour`), never a float and never an exponent, so a client gets exactly the figure the page
shows. A parameter the pages would ignore is refused here with a 422 naming it.
"""

from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, Schema
from ninja.errors import ValidationError
from ninja.pagination import PaginationBase
from pydantic import PlainSerializer, WithJsonSchema

PLACES = Decimal("0.000001")  # the precision prices are stored at; derived figures (medians, blends) round to it


def plain(value: Decimal | None) -> str | None:
    """A Decimal as a plain string, no exponent, rounded to 6 places past that: Decimal("1E-7") -> "0.000000"."""
    if value is None:
        return None
    value = Decimal(value)
    if value.as_tuple().exponent < -6:
        value = value.quantize(PLACES)
    return format(value, "f")


def _decimal(description: str):
    return Annotated[
        Decimal,
        PlainSerializer(plain, return_type=str),
        WithJsonSchema(
            {"type": "string", "format": "decimal", "pattern": r"^-?\d+(\.\d+)?$", "description": description}
        ),
    ]


UsdPerGpuHour = _decimal("USD per GPU-hour, as a decimal string")
UsdPerInstanceHour = _decimal("USD per instance-hour, as a decimal string")
UsdPerMtok = _decimal("USD per 1M tokens, as a decimal string")
Ratio = _decimal("a ratio as a decimal string (0.12 = 12% above; 0.5 = half)")
Number = _decimal("a number as a decimal string")


class ErrorOut(Schema):
    detail: Any = Field(..., description="What went wrong; for a bad parameter, a list naming it in `loc`.")


def refuse(errors: dict[str, list[str]] | list[tuple[str, str]]):
    """Raise a 422 whose `detail` names each refused query parameter, like ninja's own validation."""
    pairs = [(name, m) for name, ms in errors.items() for m in ms] if isinstance(errors, dict) else errors
    raise ValidationError([{"type": "value_error", "loc": ["query", name], "msg": str(msg)} for name, msg in pairs])


def form_errors(form) -> dict[str, list[str]]:
    return {name: [str(m) for m in messages] for name, messages in form.errors.items()}


def check_range(start, end):
    """start <= end, or a 422 naming `end`."""
    if start and end and end < start:
        refuse([("end", f"end {end} is before start {start}.")])


MAX_LIMIT = 1000


class Pagination(PaginationBase):
    """?limit= (1-1000, default 100) and ?offset=; answers {"items": [...], "count": total}."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=MAX_LIMIT, description="Items per page (at most 1000).")
        offset: int = Field(0, ge=0, le=10**9, description="Items to skip.")

    items_attribute = "items"

    def paginate_queryset(self, queryset, pagination: Input, **params):
        rows = list(queryset)  # every list endpoint builds its rows in a fixed number of queries first
        return {"items": rows[pagination.offset : pagination.offset + pagination.limit], "count": len(rows)}


def responses(ok, *, with_404=True, bad=422) -> dict:
    """The documented answers of an operation: `ok`, a refused parameter, a rate limit, an unknown slug."""
    documented = {200: ok, bad: ErrorOut, 429: ErrorOut}
    if with_404:
        documented[404] = ErrorOut
    return documented
