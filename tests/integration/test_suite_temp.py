"""The suite cleans up after itself: the jsii kernel's temp folders (cdktf's ``Testing.app()`` makes one per app and
never removes it) stay in a folder of the session's own, removed when the session ends (tests/conftest.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support.paths import ROOT
from tests.support.processes import child_env

pytestmark = pytest.mark.integration
# Imports cdktf at its top, so the jsii kernel starts while tests are collected, before any fixture runs.
KERNEL_AT_COLLECTION = ROOT / "tests" / "chain" / "test_alerts.py"
SYNTH_TEST = "test_a_connector_chain_gets_four_policies_named_after_what_they_watch"  # one Testing.app()


def test_a_session_whose_kernel_starts_at_collection_leaves_nothing_in_the_system_temp_folder(tmp_path):
    system_tmp = tmp_path / "tmp"
    system_tmp.mkdir()
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             f"{KERNEL_AT_COLLECTION}::{SYNTH_TEST}"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env=child_env(TMPDIR=str(system_tmp)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    # pytest's own tmp_path folders (pytest-of-<user>, kept for a user to look at, three sessions at most) only.
    assert sorted(p.name for p in system_tmp.iterdir() if not p.name.startswith("pytest-of-")) == []
