"""``[egress] release_ips`` and ``forget_ips`` in the stack: what the plan guard reads, and the ``removed`` blocks.

Both lists become outputs of the stack, written only while the file names addresses (so a stack without them
synthesizes as before): the plan JSON carries them (``planned_values.outputs``), and the guard, here or in
HCP Terraform's policy check, reads them from the plan alone. An output, unlike a variable, cannot be set from a
workspace: the leave to release an IP is in the reviewed file or nowhere.

Each ``forget_ips`` address gets Terraform's ``removed`` block (Terraform ≥ 1.7) with ``lifecycle { destroy =
false }``: the address leaves the state, the reservation and its IP stay in GCP for another stack or a person.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._provider.cdk import TerraformOutput, TerraformStack
from .._provider.logical_id import logical_id
from ..facts.resources import ADDRESS

if TYPE_CHECKING:
    from ..chain.egress_chain import EgressChain
    from ..config import EnvironmentConfig


def forgotten_address(chain: EgressChain, name: str) -> str:
    """The Terraform address ``Chain/Addresses/Address-<name>`` had while the file created it."""
    depth = len(TerraformStack.of(chain).node.path.split("/"))
    below = chain.addresses.node.path.split("/")[depth:]
    return f"{ADDRESS}.{logical_id([*below, f'Address-{name}'])}"


def retire(stack: TerraformStack, chain: EgressChain, config: EnvironmentConfig) -> None:
    """The outputs ``release_ips``/``forget_ips`` and a ``removed`` block per forgotten address."""
    if config.release_ips:
        TerraformOutput(stack, "release_ips", value=list(config.release_ips),
                        description="Addresses this deploy may release ([egress] release_ips, read by the plan "
                                    "guard): remove the key once applied.")
    if config.forget_ips:
        TerraformOutput(stack, "forget_ips", value=list(config.forget_ips),
                        description="Addresses this deploy forgets, kept reserved in GCP ([egress] forget_ips, read "
                                    "by the plan guard): remove the key once applied.")
        stack.add_override("removed", [{"from": forgotten_address(chain, name), "lifecycle": {"destroy": False}}
                                       for name in config.forget_ips])
