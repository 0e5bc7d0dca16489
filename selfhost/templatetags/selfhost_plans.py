"""{% cheapest_self_host_plan model as plan %}: the model page's self-hosting block."""

from django import template

from selfhost.summary import cheapest_plan

register = template.Library()


@register.simple_tag
def cheapest_self_host_plan(model):
    return cheapest_plan(model) if model is not None else None


@register.simple_tag
def throughput_calibration_report():
    from selfhost.reports import calibration_report

    return calibration_report()
