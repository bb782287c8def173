"""``make golden``'s refresh (UPDATE_GOLDEN=1) run as pytest in a child process, on a copy of tests/golden/."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from tests.support.paths import ROOT
from tests.support.processes import child_env

pytestmark = pytest.mark.integration
GOLDEN_TESTS = ROOT / "tests" / "stacks" / "test_golden.py"


def test_a_refresh_with_update_golden_is_never_a_passing_run(tmp_path):
    copy = tmp_path / "golden"
    shutil.copytree(ROOT / "tests" / "golden", copy)
    (copy / "example.tf.json").write_text("{}")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "example",
                             str(GOLDEN_TESTS)], cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env=child_env(UPDATE_GOLDEN="1", GOLDEN_DIR=str(copy)))
    assert result.returncode == 1, result.stdout
    assert "UPDATE_GOLDEN=1 rewrote" in result.stdout
    assert json.loads((copy / "example.tf.json").read_text()) == json.loads(
        (ROOT / "tests" / "golden" / "example.tf.json").read_text())
