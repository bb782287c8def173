"""The deploy path when the network is missing: `cdktf diff` and `cdktf deploy` fail fast.

The pinned cdktf CLI runs the project's Terraform (``.venv/bin/terraform``,
first on PATH) on an already synthesized stack, with no GCP credentials and a
provider registry that cannot be reached: Terraform's CLI configuration sends
registry.terraform.io's provider API to a closed local port, so the test
behaves the same on a machine with network. The timeout only guards against
a hang. The way that works offline, `make diff MIRROR=1` (the provider from the
project's own mirror), is tested in test_make_names_the_stack.py.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import FIXTURE_EXAMPLE, ROOT
from tests.support.real_terraform import terraform_binary, terraform_env, unreachable_registry
from tests.support.synth import synthesize_files

pytestmark = pytest.mark.integration

CDKTF = ROOT / "node_modules" / ".bin" / "cdktf"
HANG_GUARD = 120  # seconds; a run takes a few
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.parametrize("command", ["diff", "deploy"])
def test_cdktf_without_registry_or_credentials_fails_with_terraforms_message(command, tmp_path):
    assert CDKTF.exists(), f"{CDKTF} is missing: run through `make test`, which installs the pinned cdktf CLI"
    out = tmp_path / "cdktf.out"
    (stack,) = synthesize_files([FIXTURE_EXAMPLE], out)
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "cdktf.json", project)
    node = shutil.which("node")
    assert node, "node must be on PATH"
    path = ":".join([str(Path(sys.executable).parent), str(Path(node).parent), "/usr/bin", "/bin"])
    assert shutil.which("terraform", path=path) == str(terraform_binary())
    env = terraform_env(tmp_path / "home", PATH=path, CI="1", DISABLE_VERSION_CHECK="1",
                        JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20")
    env["TF_CLI_CONFIG_FILE"] = str(unreachable_registry(tmp_path / "home"))

    result = subprocess.run([str(CDKTF), command, stack, "--skip-synth", "--output", str(out), "--no-color"],
                            cwd=project, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                            timeout=HANG_GUARD)

    output = ANSI.sub("", result.stdout + result.stderr)
    assert result.returncode != 0
    assert "Error: Failed to query available provider packages" in output
    assert "hashicorp/google" in output
