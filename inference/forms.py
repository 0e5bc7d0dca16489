"""The query-string options of the per-token pages, as QueryForms (see computeprices.tables).

Every page accepts ?blend= (3:1 when absent) and ?format=csv; /models/ and /api/v1/models also filter
and sort. A value that does not clean is dropped and listed in `.notices`, never an error.
"""

from decimal import Decimal, InvalidOperation

from django import forms

from computeprices.numbers import BoundedDecimalField
from computeprices.tables import QueryField, QueryForm

from .columns import SORTS
from .queries import DEFAULT_BLEND, MAX_BLEND_PART, parse_blend
from .speed import DEFAULT_SPEED_SORT, MAX_MIN_TPS, SPEED_SORTS

MAX_CONTEXT_FILTER = 2**31 - 1  # the column's range: a larger number would overflow the query, not filter


class BlendField(QueryField):
    """?blend=input:output (3:1 when absent); a bad value is refused and the page uses 3:1."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "blend")
        super().__init__(**kwargs)

    def to_python(self, value):
        blend, error = parse_blend((value or "").strip())
        if error:
            raise forms.ValidationError(
                f"write it as input:output with whole numbers up to {MAX_BLEND_PART}, e.g. 3:1; showing {DEFAULT_BLEND}"
            )
        return blend


class PageOptionsForm(QueryForm):
    """What every per-token page accepts: the blend ratio and the output format (from QueryForm)."""

    blend = BlendField()

    @property
    def chosen_blend(self):
        """The blend asked for, or 3:1 where it was absent or refused."""
        return self.option("blend", DEFAULT_BLEND)


class MinTpsField(QueryField):
    """?min_tps=: output tokens per second per request, above 0 and at most MAX_MIN_TPS ("50.0" cleans to 50)."""

    def to_python(self, value):
        raw = str(value or "").strip()
        if not raw:
            return None
        try:
            number = Decimal(raw)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or number <= 0 or number > MAX_MIN_TPS:
            raise forms.ValidationError(
                f"give output tokens per second per request as a number above 0 and at most {MAX_MIN_TPS}, e.g. 50"
            )
        return number.quantize(Decimal(1)) if number == number.to_integral_value() else number


class SpeedSortField(QueryField):
    """?speed_sort=: one of SPEED_SORTS exactly; speed when absent or refused."""

    def to_python(self, value):
        if not value:
            return None
        if value not in SPEED_SORTS:
            raise forms.ValidationError(f"use one of {', '.join(SPEED_SORTS)}; sorted by {DEFAULT_SPEED_SORT}")
        return value


class ModelPageForm(PageOptionsForm):
    """/models/<slug>/: the blend and format, and the speed table's own options (told beside that table)."""

    SPEED_FIELDS = ("min_tps", "speed_sort")

    min_tps = MinTpsField(label="min_tps")
    speed_sort = SpeedSortField(label="speed_sort")

    @property
    def notices(self):
        return self.notices_for(exclude=self.SPEED_FIELDS)

    @property
    def speed_notices(self):
        return self.notices_for(only=self.SPEED_FIELDS)


class ModelListFilterForm(PageOptionsForm):
    """/models/ and /api/v1/models: creator and modality from the catalogue (case-insensitive), sizes, sort."""

    creator = forms.CharField(required=False)
    open = forms.ChoiceField(required=False, choices=[("", "all"), ("1", "open weights only")])
    # Bounded on the text before any arithmetic (computeprices.numbers): "1e-999999999" is refused, not expanded.
    min_context = BoundedDecimalField(required=False, minimum=0, maximum=MAX_CONTEXT_FILTER, integer=True)
    min_params = BoundedDecimalField(required=False, minimum=0, maximum=9_999_999, places=3)
    max_params = BoundedDecimalField(required=False, minimum=0, maximum=9_999_999, places=3)
    modality = forms.CharField(required=False)
    sort = forms.ChoiceField(required=False, choices=[(f"{d}{k}", k) for k in SORTS for d in ("", "-")])

    def __init__(self, data, creators, modalities):
        self.creators = {c.lower(): c for c in creators}
        self.modalities = {m.lower(): m for m in modalities}
        super().__init__(data)

    def clean_creator(self):
        value = self.cleaned_data["creator"].strip()
        if value and value.lower() not in self.creators:
            raise forms.ValidationError("no model has that creator.")
        return self.creators.get(value.lower(), "")

    def clean_modality(self):
        value = self.cleaned_data["modality"].strip()
        if value and value.lower() not in self.modalities:
            raise forms.ValidationError("no model has that modality.")
        return self.modalities.get(value.lower(), "")

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("min_params"), cleaned.get("max_params")
        if low is not None and high is not None and high < low:
            self.add_error("max_params", f"it is below min_params={low}.")
        return cleaned
