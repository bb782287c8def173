"""Whole-stack golden files for the environments of environments/.

Refresh after an intended change with ``make golden`` (UPDATE_GOLDEN=1),
then review the diff of tests/golden/ like any other change: every changed
line is a change to what Terraform will do.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from constructs_lib.app import build_app
from constructs_lib.config import load_environment

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"


@pytest.mark.parametrize("stack", ["example", "shared-vpc", "direct", "adopt-existing-ip", "drain-ip",
                                   "migrate-to-direct"])
def test_stack_matches_golden_file(stack, tmp_path):
    cfg = load_environment(ROOT / "environments" / f"{stack}.toml")
    build_app([cfg], outdir=str(tmp_path)).synth()
    actual = (tmp_path / "stacks" / stack / "cdk.tf.json").read_text()
    golden = GOLDEN / f"{stack}.tf.json"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_text(actual)
    assert golden.is_file(), f"{golden} is missing: run `make golden`"
    assert json.loads(actual) == json.loads(golden.read_text()), f"{stack} differs from {golden}: review, then `make golden`"
