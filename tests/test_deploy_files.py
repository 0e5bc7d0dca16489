"""Secrets stay out: .env is never committed nor copied into the image, and the image holds only the site."""

import re
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent


def lines(name):
    return [line.strip() for line in (ROOT / name).read_text().splitlines() if line.strip() and line[0] != "#"]


def test_env_files_are_git_ignored():
    assert ".env" in lines(".gitignore")


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_build_context():
    ignored = set(lines(".dockerignore"))
    for pattern in [".env", ".env.*", ".git", ".venv", "*.sqlite3", "__pycache__", ".pytest_cache", ".test-services"]:
        assert pattern in ignored, pattern


def test_dockerfile_copies_only_named_paths():
    dockerfile = (ROOT / "Dockerfile").read_text()
    copies = re.findall(r"^COPY\s+(.+?)\s+\S+$", dockerfile, flags=re.MULTILINE)
    sources = [s for c in copies for s in c.split()]
    assert "." not in sources and "./" not in sources, "COPY . . would bake .env, .git and databases into the image"
    for source in sources:
        assert (ROOT / source).exists(), f"the Dockerfile copies {source}, which does not exist"


def test_every_project_app_and_its_templates_are_in_the_image():
    copied = {s.rstrip("/") for s in re.findall(r"^COPY\s+(\S+)", (ROOT / "Dockerfile").read_text(), re.MULTILINE)}
    for config in apps.get_app_configs():
        path = Path(config.path)
        if path.parent == ROOT:
            assert path.name in copied, f"app {path.name}/ is not copied into the image"
    assert {"templates", "static", "manage.py", "computeprices"} <= copied
