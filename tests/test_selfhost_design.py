"""The self-hosting app's shape: pure economics, imports pointing one way, the old module gone."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PURE = ["selfhost/planner.py", "selfhost/throughput.py", "selfhost/volumes.py", "selfhost/advisor.py",
        "inference/economics.py"]  # fmt: skip


def imports(path):
    tree = ast.parse((ROOT / path).read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            found.add(("." * node.level) + (node.module or ""))
    return found


def test_the_economics_core_has_no_django_imports():
    for path in PURE:
        names = imports(path)
        assert not any(n.startswith("django") for n in names), path
        # Pure modules import each other, the standard library and inference.economics only.
        assert all(n.startswith((".", "inference.economics")) or n.split(".")[0] in {"math", "dataclasses",
                   "decimal", "functools"} for n in names), (path, names)  # fmt: skip


def test_imports_point_one_way():
    # The apps below selfhost never import it (computeprices, the project package, wires urls and the API).
    for app in ("providers", "inference", "scrapers", "traces"):
        for path in (ROOT / app).rglob("*.py"):
            names = imports(path.relative_to(ROOT))
            assert not any(n.startswith("selfhost") for n in names), path


def test_the_old_breakeven_module_is_gone():
    assert not (ROOT / "inference" / "breakeven.py").exists()
    assert not (ROOT / "inference" / "throughput_estimates.py").exists()
