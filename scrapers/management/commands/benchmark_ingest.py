"""`manage.py benchmark_ingest [--source S] [--file PATH] [--repeat N]`: ingest rate in rows per second.

Runs inside a transaction that is rolled back, so the database is left as it was. A throwaway provider
and GPU/model aliases are created for every name in the payload so that every row is matched and
written; the number is parse + normalize + validate + save, as the nightly run does it.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from inference.models import LanguageModel, ModelAlias
from providers.models import Gpu, GpuAlias, Provider, normalize_alias
from scrapers.ingest import run_source
from scrapers.models import ProviderAlias
from scrapers.sources import get_source

SHARED = Path(__file__).resolve().parents[4] / "shared" / "data"
# The recorded payload that writes the most rows (1,779 priced chat models; GCP's CSV has more lines
# but they collapse to ~80 offerings).
DEFAULT_SOURCE = "litellm"
DEFAULT_FILE = SHARED / "inference" / "litellm_prices_2026-02-14.json"


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Measure the ingest rate (rows/s) on a recorded payload; writes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--source", default=DEFAULT_SOURCE)
        parser.add_argument("--file", default=str(DEFAULT_FILE))
        parser.add_argument("--repeat", type=int, default=3, help="timed runs on the same day (1st inserts)")

    def handle(self, *args, **options):
        source = get_source(options["source"])
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"{path} not found")
        if connection.vendor != "postgresql":
            self.stderr.write(f"warning: measuring on {connection.vendor}, not PostgreSQL")
        payload = source.read_file(path)
        try:
            with transaction.atomic():
                self._match_everything(source, payload)
                for i in range(options["repeat"]):
                    start = time.perf_counter()
                    run = run_source(source, payload=payload)
                    elapsed = time.perf_counter() - start
                    rows = run.rows_published + run.rows_flagged
                    label = "first run (inserts)" if i == 0 else "rerun (unchanged)"
                    self.stdout.write(
                        f"{source.name} {label}: {rows} rows written/checked in {elapsed:.3f}s = "
                        f"{rows / elapsed:,.0f} rows/s; {run.rows_seen} payload rows = "
                        f"{run.rows_seen / elapsed:,.0f}/s "
                        f"(new {run.rows_new}, unchanged {run.rows_unchanged}, flagged {run.rows_flagged}, "
                        f"refused {run.rows_refused}, status {run.status}) on {connection.vendor}"
                    )
                raise Rollback
        except Rollback:
            pass

    def _match_everything(self, source, payload):
        parsed = source.parse(payload)
        provider = Provider.objects.create(name="Benchmark", slug="benchmark-ingest", offers=Provider.Offers.BOTH)
        ProviderAlias.objects.bulk_create(
            [ProviderAlias(provider=provider, alias=normalize_alias(n)) for n in {r.provider for r in parsed.records}],
            ignore_conflicts=True,
        )
        if source.kind == "gpu":
            names = {normalize_alias(r.gpu) for r in parsed.records}
            # One GPU per name, as the real catalogue has, so the market check compares like with like.
            gpus = Gpu.objects.bulk_create(
                [
                    Gpu(name=n, slug=f"bench-{i}", vendor="other", vram_gb=1, form_factor="other")
                    for i, n in enumerate(names)
                ]
            )
            GpuAlias.objects.bulk_create(
                [GpuAlias(gpu=g, alias=n) for g, n in zip(gpus, names, strict=True)], ignore_conflicts=True
            )
        else:
            names = {normalize_alias(r.model) for r in parsed.records}
            models = LanguageModel.objects.bulk_create(
                [LanguageModel(name=n, slug=f"bench-{i}", creator="bench") for i, n in enumerate(names)]
            )
            ModelAlias.objects.bulk_create(
                [ModelAlias(model=m, alias=n) for m, n in zip(models, names, strict=True)], ignore_conflicts=True
            )
