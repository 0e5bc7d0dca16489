"""bin/drill (the production drill .ci/run calls): without the recorded payloads it skips cleanly outside CI
and fails under CI=true, before it starts anything. The drill itself runs in .ci/run, not in the suite."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def drill(tmp_path, ci):
    env = {**os.environ, "DRILL_SHARED_DATA": str(tmp_path / "absent"), "CI": "true" if ci else ""}
    return subprocess.run([str(ROOT / "bin" / "drill")], env=env, capture_output=True, text=True, timeout=60)


def test_drill_skips_cleanly_without_shared_data(tmp_path):
    result = drill(tmp_path, ci=False)
    assert result.returncode == 0
    assert "skipped" in result.stdout and "absent" in result.stdout
    assert "started" not in result.stdout


def test_drill_fails_under_ci_without_shared_data(tmp_path):
    result = drill(tmp_path, ci=True)
    assert result.returncode == 1
    assert "FAIL" in result.stdout
