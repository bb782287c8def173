"""The app as users run it: main.py and the pinned cdktf CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import child_env, snapshot

ROOT = Path(__file__).resolve().parents[1]
CDKTF = ROOT / "node_modules" / ".bin" / "cdktf"

BAD = """
project = "My_Project"
region  = "asia-northeast3"
[network]
subnet_cidr = "10.124.0.0/24"
[connector]
min_instances = 5
max_instances = 4
"""


def run_main(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "main.py"], cwd=ROOT, env=child_env(**extra), capture_output=True,
                          text=True, timeout=300)



def test_bad_file_lists_every_problem_without_traceback_and_writes_nothing(tmp_path):
    bad = tmp_path / "staging.toml"
    bad.write_text(BAD)
    out = tmp_path / "out"
    (out / "stacks" / "old").mkdir(parents=True)
    (out / "stacks" / "old" / "cdk.tf.json").write_text("{}")
    before = snapshot(out)

    result = run_main(tmp_path, EGRESS_CONFIG=str(bad), CDKTF_OUTDIR=str(out))

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line.strip() for line in result.stderr.splitlines()]
    assert lines[0] == "error: 4 problems in the environment configuration:"
    assert [line.split(": ")[1] for line in lines[1:]] == [
        "project", "state.bucket", "network.subnet_cidr", "connector.max_instances"]
    assert all(line.startswith(f"- {bad}: ") for line in lines[1:])
    assert snapshot(out) == before


def test_missing_egress_config_file_is_reported(tmp_path):
    result = run_main(tmp_path, EGRESS_CONFIG=str(tmp_path / "nope.toml"), CDKTF_OUTDIR=str(tmp_path / "out"))
    assert result.returncode == 1
    assert "EGRESS_CONFIG: expected the path of an existing .toml file" in result.stderr
    assert not (tmp_path / "out").exists()


def test_default_synthesizes_every_environment_and_bootstrap_file_into_cdktf_outdir(tmp_path):
    result = run_main(tmp_path, CDKTF_OUTDIR=str(tmp_path / "out"), EGRESS_CONFIG="")
    assert result.returncode == 0, result.stderr
    stacks = sorted(p.name for p in (tmp_path / "out" / "stacks").iterdir())
    files = [*(ROOT / "environments").glob("*.toml"), *(ROOT / "environments" / "bootstrap").glob("*.toml")]
    assert stacks == sorted(p.stem for p in files)


def test_real_cdktf_synth_of_the_example(tmp_path):
    assert CDKTF.exists(), f"{CDKTF} is missing: run through `make test`, which installs the pinned cdktf CLI"
    assert (ROOT / ".venv" / "bin" / "python").exists(), "cdktf.json runs .venv/bin/python: run through `make test`"
    out = tmp_path / "cdktf.out"
    result = subprocess.run([str(CDKTF), "synth", "--output", str(out)], cwd=ROOT, capture_output=True, text=True,
                            env=child_env(EGRESS_CONFIG="environments/example.toml", CI="1"), timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Generated Terraform code for the stacks: example" in result.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(manifest["stacks"]) == ["example"]
    stack = json.loads((out / "stacks" / "example" / "cdk.tf.json").read_text())
    golden = json.loads((ROOT / "tests" / "golden" / "example.tf.json").read_text())
    assert stack == golden
