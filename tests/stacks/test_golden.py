"""Whole-stack golden files for the shipped files: environments/example.toml and examples/.

Refresh after an intended change with ``make golden`` (UPDATE_GOLDEN=1),
then review the diff of tests/golden/ like any other change: every changed
line is a change to what Terraform will do. A run with UPDATE_GOLDEN=1 always
fails (it compares nothing); ``make golden`` then runs the tests again without it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from constructs_lib.app import build_app
from constructs_lib.config import load_environment
from tests.support.paths import shipped

ROOT = Path(__file__).resolve().parents[2]
# GOLDEN_DIR points a run at a copy (tests/integration/test_golden_refresh.py runs the refresh on one, never on tests/golden/).
GOLDEN = Path(os.environ.get("GOLDEN_DIR") or ROOT / "tests" / "golden")


@pytest.mark.parametrize("stack", ["example", "shared-vpc", "direct", "adopt-existing-ip", "drain-ip",
                                   "migrate-to-direct", "partners"])
def test_stack_matches_golden_file(stack, tmp_path):
    cfg = load_environment(shipped(stack))
    build_app([cfg], outdir=str(tmp_path)).synth()
    actual = (tmp_path / "stacks" / stack / "cdk.tf.json").read_text()
    golden = GOLDEN / f"{stack}.tf.json"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        # A refresh is never a passing run: the test fails whether or not the file changed.
        changed = not golden.is_file() or golden.read_text() != actual
        golden.write_text(actual)
        pytest.fail(f"UPDATE_GOLDEN=1 rewrote {golden} ({'changed' if changed else 'unchanged'}): review the diff of "
                    "tests/golden/, then run the tests without UPDATE_GOLDEN")
    assert golden.is_file(), f"{golden} is missing: run `make golden`"
    assert json.loads(actual) == json.loads(golden.read_text()), f"{stack} differs from {golden}: review, then `make golden`"
