"""`manage.py benchmark_ingest [--source S] [--file PATH] [--repeat N] [--scale K]`: ingest rate in rows per second.

Runs inside a transaction that is rolled back, so the database is left as it was. A throwaway provider
and GPU/model aliases are created for every name in the payload so that every row is matched and
written; the number is parse + normalize + validate + save, as the nightly run does it. On PostgreSQL each
timed run ends with `SET CONSTRAINTS ALL IMMEDIATE`: the deferred foreign-key checks a real run pays at
commit, which the rollback would otherwise skip.

`--json` prints rows_per_second (the first run, which inserts every row) and copy_rows_per_second: the same
rows COPYed into a bare staging table in the same transaction (PostgreSQL only), and their ratio.

`--scale K` (JSON-object payloads such as LiteLLM's) repeats every entry K times under distinct keys (`key~2`,
`key~3`...), each copy a model of its own: a K-times larger payload that the parser, the name resolution and
every check handle in full, to see the rate once fixed per-run costs are spread over more rows.
"""

import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from inference.models import LanguageModel, ModelAlias
from providers.models import Gpu, GpuAlias, Provider, normalize_alias
from scrapers import staging
from scrapers.ingest import KINDS, run_source
from scrapers.models import ProviderAlias
from scrapers.sources import get_source

SHARED = Path(__file__).resolve().parents[4] / "shared" / "data"
# The recorded payload that writes the most rows (1,779 priced chat models; GCP's CSV has more lines
# but they collapse to ~80 offerings).
DEFAULT_SOURCE = "litellm"
DEFAULT_FILE = SHARED / "inference" / "litellm_prices_2026-02-14.json"


class Rollback(Exception):
    pass


def scaled(payload, k):
    """A JSON-object payload with every entry repeated k times under distinct keys (`key`, `key~2`, ...)."""
    data = json.loads(payload)
    if not isinstance(data, dict):
        raise CommandError("--scale needs a payload that is one JSON object (LiteLLM's price map)")
    return json.dumps(
        {(key if i == 1 else f"{key}~{i}"): entry for i in range(1, k + 1) for key, entry in data.items()}
    )


class Command(BaseCommand):
    help = "Measure the ingest rate (rows/s) on a recorded payload; writes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--source", default=DEFAULT_SOURCE)
        parser.add_argument("--file", default=str(DEFAULT_FILE))
        parser.add_argument("--repeat", type=int, default=3, help="timed runs on the same day (1st inserts)")
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")
        parser.add_argument("--scale", type=int, default=1, help="repeat a JSON-object payload's entries K times")

    def handle(self, *args, **options):
        source = get_source(options["source"])
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"{path} not found")
        if connection.vendor != "postgresql":
            self.stderr.write(f"warning: measuring on {connection.vendor}, not PostgreSQL (no COPY figure)")
        payload = source.read_file(path)
        if options["scale"] > 1:
            payload = scaled(payload, options["scale"])
        runs = []
        copy_rate = None
        try:
            with transaction.atomic():
                self._match_everything(source, payload)
                for i in range(options["repeat"]):
                    start = time.perf_counter()
                    run = run_source(source, payload=payload)
                    checked = time.perf_counter()
                    if connection.vendor == "postgresql":
                        with connection.cursor() as cursor:  # the deferred FK checks of the commit, now
                            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                    elapsed = time.perf_counter() - start
                    rows = run.rows_published + run.rows_flagged
                    runs.append(
                        {
                            "label": "first run (inserts)" if i == 0 else "rerun (unchanged)",
                            "rows": rows,
                            "seconds": round(elapsed, 4),
                            "deferred_checks_seconds": round(elapsed - (checked - start), 4),
                            "rows_per_second": round(rows / elapsed),
                            "payload_rows": run.rows_seen,
                            "new": run.rows_new,
                            "unchanged": run.rows_unchanged,
                            "flagged": run.rows_flagged,
                            "refused": run.rows_refused,
                            "status": run.status,
                        }
                    )
                if staging.is_available():
                    copy_rate = self._copy_rate(source)
                raise Rollback
        except Rollback:
            pass
        first = runs[0] if runs else {}
        result = {
            "source": source.name,
            "file": path.name,
            "scale": options["scale"],
            "database": connection.vendor,
            "rows": first.get("rows"),
            "rows_per_second": first.get("rows_per_second"),
            "copy_rows_per_second": copy_rate,
            "ratio_to_copy": round(first["rows_per_second"] / copy_rate, 4) if copy_rate and first else None,
            "runs": runs,
        }
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2))
            return
        for r in runs:
            self.stdout.write(
                f"{source.name} {r['label']}: {r['rows']} rows written/checked in {r['seconds']:.3f}s = "
                f"{r['rows_per_second']:,} rows/s; {r['payload_rows']} payload rows "
                f"(new {r['new']}, unchanged {r['unchanged']}, flagged {r['flagged']}, refused {r['refused']}, "
                f"status {r['status']}) on {connection.vendor}"
            )
        if copy_rate:
            self.stdout.write(
                f"COPY of the same rows into a bare staging table: {copy_rate:,} rows/s; "
                f"ingest = {result['ratio_to_copy']}x COPY"
            )

    def _copy_rate(self, source):
        """Rows/s of COPYing the rows the first run wrote (every column the ingest writes) into a bare
        temporary table: the floor the ingest is compared with. Best of 3."""
        kind = KINDS[source.kind]
        model = kind.observation_model
        columns = ["offering_id", "observed_on", "source", *kind.update_fields, "is_curated"]
        rows = list(model.objects.filter(source=source.name).order_by().values_list(*columns))
        if not rows:
            return None
        best = None
        for _ in range(3):
            start = time.perf_counter()
            staging.stage(model, columns, rows, name="benchmark_copy")
            elapsed = time.perf_counter() - start
            best = elapsed if best is None else min(best, elapsed)
        return round(len(rows) / best)

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
