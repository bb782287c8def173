"""No normal command deletes local state: the bootstrap stack's state file survives synth, report and scan.

The cdktf CLI deletes the folder of every stack it did not synthesize this
time, so state inside ``cdktf.out/stacks/<stack>/`` was lost to ``make synth``
(which synthesizes one environment). The tests run the real make targets in a
copy of the project (the installed tools linked in, nothing downloaded) and
compare the state file's bytes after each.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from constructs_lib.app import run
from tests.support.environments import environment
from tests.support.processes import child_env
from tests.support.project import project_copy
from rehearsal.tomlfile import dumps as to_toml

pytestmark = pytest.mark.integration

STATE = b'{"version": 4, "serial": 42, "lineage": "kept", "resources": []}\n'


def make(folder: Path, *args: str) -> None:
    binary = shutil.which("make")
    if binary is None:
        pytest.fail("make is not on PATH")
    result = subprocess.run([binary, "-s", *args], cwd=folder, env=child_env(CI="1"), capture_output=True, text=True,
                            stdin=subprocess.DEVNULL, timeout=600)
    assert result.returncode == 0, f"make {' '.join(args)} failed:\n{result.stdout}{result.stderr}"


def backend_state_file(folder: Path, stack: str) -> Path:
    """The local state file a synthesized stack names, resolved from the stack's folder where Terraform runs."""
    stack_folder = folder / "cdktf.out" / "stacks" / stack
    path = json.loads((stack_folder / "cdk.tf.json").read_text())["terraform"]["backend"]["local"]["path"]
    return (stack_folder / path).resolve()


def test_make_synth_report_and_scan_leave_the_bootstrap_state_byte_identical(tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    project_copy(folder)
    # Where the synthesized bootstrap stack tells Terraform to keep its state (main.py's own path, in-process).
    bootstrap = folder / "environments" / "bootstrap" / "state-bucket.toml"
    assert run(str(bootstrap), stderr=io.StringIO(), outdir=str(folder / "cdktf.out")) == 0
    state = backend_state_file(folder, "state-bucket")
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_bytes(STATE)
    for command in (("synth",), ("synth", "ENV=direct"), ("report", "ENV=example"), ("scan",)):
        make(folder, *command)
        assert state.read_bytes() == STATE, f"make {' '.join(command)} changed or removed {state}"
    assert not state.is_relative_to((folder / "cdktf.out").resolve())


def test_a_local_backend_environment_keeps_its_state_beside_its_file(tmp_path):
    envs = tmp_path / "environments"
    envs.mkdir()
    source = envs / "trial.toml"
    source.write_text(to_toml(environment(state={"backend": "local"})), encoding="utf-8")
    out = tmp_path / "out"
    assert run(str(source), stderr=io.StringIO(), outdir=str(out)) == 0
    stack_folder = out / "stacks" / "trial"
    path = json.loads((stack_folder / "cdk.tf.json").read_text())["terraform"]["backend"]["local"]["path"]
    assert (stack_folder / path).resolve() == (envs / "trial.tfstate").resolve()
