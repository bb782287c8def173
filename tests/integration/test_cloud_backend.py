"""``[state] backend = "cloud"`` as Terraform sees it: the synthesized ``cloud`` block read by Terraform's
loader, and decoded by Terraform's ``init``, which gets as far as asking for an API token: the organization
and workspaces were accepted. Validation and the block itself: tests/stacks/test_cloud_backend.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.environments import CLOUD_NAMED, CLOUD_TAGGED, config
from tests.support.real_terraform import Terraform, load_config_dirs, terraform_env, write_config
from tests.support.synth import synth

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def named() -> dict[str, Any]:
    return synth(config(state=CLOUD_NAMED))


@pytest.fixture(scope="module")
def tagged() -> dict[str, Any]:
    return synth(config(state={**CLOUD_TAGGED, "hostname": "tfe.example.com"}))


@pytest.mark.parametrize("variant", ["named", "tagged"])
def test_terraform_loads_the_cloud_stack(variant, request, tmp_path):
    doc = request.getfixturevalue(variant)
    (tmp_path / "cdk.tf.json").write_text(json.dumps(doc, indent=2))

    ((module, diagnostics),) = load_config_dirs([tmp_path]).values()

    assert diagnostics == []
    assert module["Backend"] is None
    assert module["CloudConfig"] is not None
    assert set(module["ManagedResources"]) == {f"{rtype}.{name}" for rtype, found in doc["resource"].items()
                                               for name in found}



def no_network_cli_config(home: Path, hostname: str) -> Path:
    """A CLI configuration that answers Terraform's service discovery for ``hostname`` locally.

    The API it names is a closed port: Terraform never leaves the machine.
    """
    home.mkdir(parents=True, exist_ok=True)
    path = home / "no-network.tfrc"
    path.write_text(f'host "{hostname}" {{\n  services = {{\n    "tfe.v2" = "http://127.0.0.1:9/api/v2/"\n  }}\n}}\n')
    return path



@pytest.mark.parametrize("variant", ["named", "tagged"])
def test_terraform_init_accepts_the_cloud_block_and_asks_only_for_a_token(variant, request, tmp_path):
    cloud = request.getfixturevalue(variant)["terraform"]["cloud"]
    write_config(tmp_path / "work", terraform={"cloud": cloud}, resources={"marker": {"input": variant}})
    env = terraform_env(tmp_path / "home")
    env["TF_CLI_CONFIG_FILE"] = str(no_network_cli_config(tmp_path / "home", cloud["hostname"]))

    result = Terraform(tmp_path / "work", env).run("init", "-input=false", "-no-color")

    # A block Terraform cannot decode (no organization, name and tags together, ...) fails before this.
    assert result.returncode == 1
    assert "Error: Required token could not be found" in result.stderr
    assert f"generate a token for {cloud['hostname']}" in result.stderr
