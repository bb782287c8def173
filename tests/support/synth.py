"""Synthesizing stacks in-process, and reading resources back from the JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from constructs_lib.config import EnvironmentConfig

# The Terraform resource types of the chain, as the package writes them once; RUN is the tests' short name.
from constructs_lib.facts.resources import ADDRESS, API, CONNECTOR, IAM_MEMBER, NAT, NAT_ADDRESS, ROUTER, SUBNET  # noqa: F401
from constructs_lib.facts.resources import SERVICE as RUN  # noqa: F401


def synth(cfg: EnvironmentConfig) -> dict[str, Any]:
    """Synthesize one EgressStack with cdktf's Testing API and parse the JSON."""
    from constructs_lib._provider.cdk import Testing
    from constructs_lib.stacks.egress_stack import EgressStack

    stack = EgressStack(Testing.app(), cfg.stack, config=cfg)
    return json.loads(Testing.synth(stack))


def resources(doc: dict[str, Any], rtype: str) -> dict[str, dict[str, Any]]:
    """All resources of one type, by their logical name."""
    return doc.get("resource", {}).get(rtype, {})


def only(doc: dict[str, Any], rtype: str) -> dict[str, Any]:
    """The one resource of a type; fails when there are none or several."""
    found = resources(doc, rtype)
    assert len(found) == 1, f"expected one {rtype}, found {sorted(found)}"
    return next(iter(found.values()))


@dataclass(frozen=True)
class SynthesizedStack:
    """One environment file synthesized the way main.py does it.

    Attributes:
        config: the validated environment.
        directory: the stack's folder (``<outdir>/stacks/<stack>``), holding cdk.tf.json.
        doc: the parsed cdk.tf.json.
        resources: ``type.name`` of every resource construct in the stack's tree.
        data_sources: ``type.name`` of every data source construct.
        outputs: the name of every output construct.
    """

    config: EnvironmentConfig
    directory: Path
    doc: dict[str, Any]
    resources: frozenset[str]
    data_sources: frozenset[str]
    outputs: frozenset[str]


def synthesize_files(files: list[Path], outdir: Path) -> dict[str, SynthesizedStack]:
    """Validate ``files`` together, synthesize them into ``outdir`` as main.py does; by stack name."""
    from constructs_lib.app import build_app, load_stacks
    from constructs_lib._provider.cdk import TerraformDataSource, TerraformOutput, TerraformResource

    configs = load_stacks(files)
    app = build_app(configs, outdir=str(outdir))
    app.synth()
    stacks = {}
    for cfg in configs:
        tree = app.node.find_child(cfg.stack).node.find_all()
        directory = outdir / "stacks" / cfg.stack
        stacks[cfg.stack] = SynthesizedStack(
            config=cfg,
            directory=directory,
            doc=json.loads((directory / "cdk.tf.json").read_text()),
            resources=frozenset(f"{c.terraform_resource_type}.{c.friendly_unique_id}" for c in tree
                                if isinstance(c, TerraformResource)),
            data_sources=frozenset(f"{c.terraform_resource_type}.{c.friendly_unique_id}" for c in tree
                                   if isinstance(c, TerraformDataSource)),
            outputs=frozenset(c.friendly_unique_id for c in tree if isinstance(c, TerraformOutput)),
        )
    return stacks
