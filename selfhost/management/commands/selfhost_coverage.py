"""python manage.py selfhost_coverage: every open-weight model on each planned GPU: its plan or why none."""

from django.core.management.base import BaseCommand
from django.http import QueryDict

from inference.models import LanguageModel
from selfhost.catalogue import PLANNED_GPUS
from selfhost.contract import breakeven_response


class Command(BaseCommand):
    help = (
        "For every open-weight model and each planned GPU: replica, throughput basis, cost per 1M tokens, or why not."
    )

    def handle(self, *args, **options):
        answered = total = 0
        for model in LanguageModel.objects.filter(open_weights=True).order_by("slug"):
            for gpu in PLANNED_GPUS:
                total += 1
                status, body = breakeven_response(QueryDict(f"model={model.slug}&gpu={gpu}"))
                if status == 200:
                    answered += 1
                    i = body["inputs"]
                    line = (
                        f"{i['gpus_per_replica']}x {i['precision']}, {body['throughput']['basis']}, "
                        f"${body['self_host_cost_per_mtok']:.4f}/1M at {i['tokens_per_day'] / 1e6:,.0f}M tokens/day "
                        f"and {i['utilization']:.0%} utilization (whole replicas)"
                    )
                else:
                    field, messages = next(iter(body["errors"].items()))
                    line = f"no answer ({field}): {messages[0]}"
                self.stdout.write(f"{model.slug:<32} {gpu:<14} {line}")
        self.stdout.write(f"\n{answered} of {total} model x GPU pairs answered; the rest say why.")
