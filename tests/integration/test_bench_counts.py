"""`make bench`'s counts: a run count that is not a whole number from 1 is argparse's usage error naming the value
(and BENCH_RUNS), never a traceback after measuring nothing."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support.paths import ROOT

pytestmark = pytest.mark.integration

SCRIPTS = {"synth_bench.py": ["--runs"], "adopt_scale.py": ["--services", "--runs"], "profile_synth.py": ["--runs"]}


@pytest.mark.parametrize("script, option", [(s, o) for s, options in SCRIPTS.items() for o in options])
@pytest.mark.parametrize("value", ["0", "-1", "abc", "2.5"])
def test_a_count_that_is_not_a_whole_number_from_one_is_a_usage_error(script, option, value):
    result = subprocess.run([sys.executable, str(ROOT / "bench" / script), option, value], capture_output=True,
                            text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    hint = " (BENCH_RUNS=N for make bench)" if script == "synth_bench.py" else ""
    assert result.stderr.splitlines()[-1] == (f"{script}: error: argument {option}: expected a whole number from 1"
                                              f"{hint}, got '{value}'")
    assert result.stdout == ""


def test_make_bench_with_no_runs_says_so(tmp_path):
    # BENCH_RUNS=0 measured nothing and ended in "no median for empty data".
    result = subprocess.run(["make", "--no-print-directory", "bench", "BENCH_RUNS=0"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert ("synth_bench.py: error: argument --runs: expected a whole number from 1 (BENCH_RUNS=N for make bench), "
            "got '0'") in result.stderr.splitlines()
