"""The shape of the table pages' views holds: each reads in a screen (issue 16, "views stay short").

Column specs, filters and page assembly live beside the views (providers/{columns,forms,listing,pages}.py,
inference/{columns,forms,listing,pages}.py); a view that grows past MAX_LINES is a sign that some of it
belongs there. Measured with ast, so a docstring counts and a blank line at the end does not.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VIEW_MODULES = sorted([*(ROOT / "providers" / "views").glob("*.py"), *(ROOT / "inference").glob("views*.py")])
VIEW_MODULES += sorted((ROOT / "inference" / "views").glob("*.py")) if (ROOT / "inference" / "views").is_dir() else []
MAX_LINES = 30


def long_functions(source, max_lines=MAX_LINES):
    """[(name, lines)] for every function in `source` (top level or nested) longer than max_lines."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines = node.end_lineno - node.lineno + 1
            if lines > max_lines:
                found.append((node.name, lines))
    return found


def test_the_view_modules_are_found():
    names = {p.relative_to(ROOT).as_posix() for p in VIEW_MODULES}
    assert {"providers/views/gpus.py", "providers/views/providers.py", "providers/views/compare.py"} <= names
    assert "inference/views.py" in names or any(n.startswith("inference/views/") for n in names)


@pytest.mark.parametrize("path", VIEW_MODULES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_view_is_longer_than_a_screen(path):
    assert long_functions(path.read_text()) == [], f"{path.relative_to(ROOT)}: move column specs/filters out"


def test_the_check_catches_a_long_view():
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_LINES))
    source = f"def short(request):\n    return 1\n\n\ndef long(request):\n{body}\n    return x0\n"
    assert long_functions(source) == [("long", MAX_LINES + 2)]
