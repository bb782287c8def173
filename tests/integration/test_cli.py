"""The app as users run it: main.py and the pinned cdktf CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import FIXTURE_ENVIRONMENTS, FIXTURE_EXAMPLE, FIXTURES, ROOT, SHIPPED
from tests.support.processes import child_env, snapshot
from tests.support.synth import synthesize_files

pytestmark = pytest.mark.integration
CAPACITY_FAILS = FIXTURES / "capacity-fails.toml"
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


def run_main(tmp_path: Path, *args: str, cwd: Path = ROOT, **extra: str) -> subprocess.CompletedProcess[str]:
    """``python main.py ARGS`` in ``cwd`` (the repository unless given), whose environments/ it reads."""
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=cwd, env=child_env(**extra),
                          capture_output=True, text=True, timeout=300)



def stacks_with_import_blocks() -> list[Path]:
    """The shipped files whose stacks hold import blocks ([adopt] naming the chain or a workload, or [egress]
    draining_ips: a NAT whose addresses drain), read from each file's text with tomllib, not the app's model:
    cdktf's importFrom would run `terraform version` at synth (constructs_lib/chain/import_blocks.py).

    Raises:
        ValueError: no shipped file has one; an empty parameter list would skip the test below, not fail it.
    """
    import tomllib

    found = []
    for path in SHIPPED:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        adopt = data.get("adopt", {})
        if (adopt.get("chain") or any(adopt.get(kind) for kind in ("services", "jobs", "worker_pools"))
                or data.get("egress", {}).get("draining_ips")):
            found.append(path)
    if not found:
        raise ValueError("no shipped file has [adopt] or [egress] draining_ips: the import-block synth test has "
                         "nothing to run")
    return found


IMPORTING = stacks_with_import_blocks()


@pytest.mark.parametrize("path", IMPORTING, ids=lambda path: path.stem)
def test_a_stack_with_import_blocks_synthesizes_without_running_terraform(tmp_path, path):
    """make synth needs no Terraform: a `terraform` first on PATH that records each call and fails is never run."""
    calls = tmp_path / "calls"
    fake = tmp_path / "bin" / "terraform"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\necho \"$@\" >> {calls}\nexit 127\n")
    fake.chmod(0o755)
    result = run_main(tmp_path, EGRESS_CONFIG=str(path), CDKTF_OUTDIR=str(tmp_path / "out"),
                      PATH=f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    assert result.returncode == 0, result.stderr
    assert not calls.exists(), calls.read_text()
    assert json.loads((tmp_path / "out" / "stacks" / path.stem / "cdk.tf.json").read_text())["import"]


def test_ctrl_c_during_a_synth_ends_it_without_a_traceback(tmp_path):
    """KeyboardInterrupt raised where the synth runs (a Ctrl-C's), deterministically: main.py as run by make."""
    interrupted = ("import runpy, sys, constructs_lib.app as app\n"
                   "def run(*args, **kwargs):\n    raise KeyboardInterrupt\n"
                   "app.run = run\nsys.argv = ['main.py']\nrunpy.run_path('main.py', run_name='__main__')\n")
    result = subprocess.run([sys.executable, "-c", interrupted], cwd=ROOT, capture_output=True, text=True,
                            timeout=300, env=child_env(EGRESS_CONFIG=str(FIXTURE_EXAMPLE),
                                                       CDKTF_OUTDIR=str(tmp_path / "out")))
    assert result.returncode == 130
    assert result.stderr == "error: interrupted (Ctrl-C); a stack may be written in part: synthesize again\n"


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


@pytest.mark.parametrize("args", [["environments/example.toml"], ["--outdir", "x\n\x1b[2J"]], ids=["file", "options"])
def test_arguments_are_refused_not_ignored(tmp_path, args):
    """``python main.py prod.toml`` used to synthesize every file, into cdktf.out, and exit 0: the file is
    EGRESS_CONFIG's. Each argument is named on one line, and nothing is written."""
    out = tmp_path / "out"
    result = run_main(tmp_path, *args, EGRESS_CONFIG=str(FIXTURE_EXAMPLE), CDKTF_OUTDIR=str(out))
    assert result.returncode == 2
    given = " ".join('"' + arg.replace("\n", "\\n").replace("\x1b", "\\x1b") + '"' for arg in args)
    assert result.stderr.splitlines() == [
        "error: main.py: expected no arguments (the file to synthesize is named by EGRESS_CONFIG=path/to/file.toml, "
        f"or make synth ENV=<name>; main.py --help says more), got {given}"]
    assert not out.exists() and result.stdout == ""


def test_help_says_how_a_file_is_named_and_synthesizes_nothing(tmp_path):
    result = run_main(tmp_path, "--help", CDKTF_OUTDIR=str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "EGRESS_CONFIG=path/to/file.toml" in result.stdout and "CDKTF_OUTDIR" in result.stdout
    assert not (tmp_path / "out").exists()


def test_default_synthesizes_every_environment_and_bootstrap_file_into_cdktf_outdir(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(FIXTURE_ENVIRONMENTS, project / "environments")
    result = run_main(tmp_path, cwd=project, CDKTF_OUTDIR=str(tmp_path / "out"), EGRESS_CONFIG="")
    assert result.returncode == 0, result.stderr
    stacks = sorted(p.name for p in (tmp_path / "out" / "stacks").iterdir())
    files = [*FIXTURE_ENVIRONMENTS.glob("*.toml"), *(FIXTURE_ENVIRONMENTS / "bootstrap").glob("*.toml")]
    assert stacks == sorted(p.stem for p in files)


def test_real_cdktf_synth_of_the_example(tmp_path):
    assert CDKTF.exists(), f"{CDKTF} is missing: run through `make test`, which installs the pinned cdktf CLI"
    assert (ROOT / ".venv" / "bin" / "python").exists(), "cdktf.json runs .venv/bin/python: run through `make test`"
    out = tmp_path / "cdktf.out"
    result = subprocess.run([str(CDKTF), "synth", "--output", str(out)], cwd=ROOT, capture_output=True, text=True,
                            env=child_env(EGRESS_CONFIG=str(FIXTURE_EXAMPLE), CI="1"), timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Generated Terraform code for the stacks: example" in result.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(manifest["stacks"]) == ["example"]
    stack = json.loads((out / "stacks" / "example" / "cdk.tf.json").read_text())
    assert stack == synthesize_files([FIXTURE_EXAMPLE], tmp_path / "in-process")["example"].doc


# The capacity failure fixture through main.py: the message, no traceback, nothing written.
def test_capacity_failure_stops_the_synth_without_traceback_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    (out / "stacks" / "old").mkdir(parents=True)
    (out / "stacks" / "old" / "cdk.tf.json").write_text("{}")
    before = snapshot(out)

    result = run_main(tmp_path, EGRESS_CONFIG=str(CAPACITY_FAILS), CDKTF_OUTDIR=str(out))

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "error: 1 problem in the environment configuration:",
        f"  - {CAPACITY_FAILS}: capacity.peak_connections_per_destination: expected at most 640 concurrent "
        "connections to one destination IP:port, what the chain holds: min(10 connector VMs "
        "(connector.max_instances) × 64 ports (min_ports_per_vm), 1 NAT IP × 64,512 ports), got 5,000; smallest "
        "change that holds it: nat.min_ports_per_vm = 512 (holds 5,120)",
    ]
    assert snapshot(out) == before
