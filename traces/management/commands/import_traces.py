"""`manage.py import_traces PATH [--dataset NAME]`: import a CSV or JSON file of trace rows.

`manage.py import_traces --example` stores the example data set shipped in traces/data (idempotent).
"""

from django.core.management.base import BaseCommand, CommandError

from traces.importer import TraceImportError, import_traces_file, load_example_dataset


class Command(BaseCommand):
    help = "Import a CSV or JSON file of measured trace rows as a dataset (refused whole if any row is bad)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?")
        parser.add_argument(
            "--example", action="store_true", help="Store the example data set shipped with the project."
        )
        parser.add_argument("--dataset", default="", help="Dataset name (default: the file name).")
        parser.add_argument("--description", default="")
        parser.add_argument(
            "--replace", action="store_true", help="Replace a dataset of the same name that holds other rows."
        )

    def handle(self, path, dataset, description, replace, example, **options):
        if example == bool(path):
            raise CommandError("Give a PATH to import, or --example (not both).")
        try:
            if example:
                result = load_example_dataset()
            else:
                result = import_traces_file(path, name=dataset, description=description, replace=replace)
        except FileNotFoundError:
            raise CommandError(f"No such file: {path}") from None
        except TraceImportError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"Refused {path}: {len(exc.problems)} problem(s), nothing stored.") from None
        ds = result.dataset
        if result.created:
            self.stdout.write(self.style.SUCCESS(f'Imported {ds.row_count} rows as "{ds}" ({ds.get_absolute_url()}).'))
        else:
            self.stdout.write(f'Already stored as "{ds}" ({ds.get_absolute_url()}); nothing added.')
        if result.unmatched_providers:
            self.stdout.write("Providers not in the catalogue: " + ", ".join(result.unmatched_providers))
        if result.unmatched_models:
            self.stdout.write("Models not in the catalogue: " + ", ".join(result.unmatched_models))
