"""Query-string fields the per-token figures share (the pages' forms build on computeprices.tables.QueryForm)."""

from django import forms

from .queries import DEFAULT_BLEND, MAX_BLEND_PART, parse_blend


class BlendField(forms.Field):
    """?blend=input:output (3:1 when absent); a bad value is refused and the page uses 3:1."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "blend")
        super().__init__(**kwargs)

    def to_python(self, value):
        blend, error = parse_blend((value or "").strip())
        if error:
            raise forms.ValidationError(
                f"write it as input:output with whole numbers up to {MAX_BLEND_PART}, e.g. 3:1; showing {DEFAULT_BLEND}"
            )
        return blend
