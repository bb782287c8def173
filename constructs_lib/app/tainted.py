"""Tainted Cloud Run services in a stack's state, and the commands that recover them with deletion protection on.

A first deploy whose revision fails (an image that does not exist, a container
that never listens on $PORT) leaves the service in GCP and in the state, marked
*tainted* by Terraform: the google provider 6.50.0 stores the service's ID
before it waits for the operation (``resourceCloudRunV2ServiceCreate``). The
next plan then wants to replace it, and the replacement's delete is refused
while ``deletion_protection`` is true ("cannot destroy service without setting
deletion_protection=false"). The service itself is fine to keep: untaint it,
fix the image, deploy again, and Terraform updates it in place, with deletion
protection left on.

``recovery_commands`` reads the JSON of ``terraform show -json`` (the state) and
returns those commands; it needs no cdktf and no provider.
"""

from __future__ import annotations

import shlex
from typing import Any, Iterator, Mapping

from ..facts.resources import SERVICE

__all__ = ["tainted_services", "recovery_commands"]


def _resources(module: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield from module.get("resources", [])
    for child in module.get("child_modules", []):
        yield from _resources(child)


def tainted_services(state: Mapping[str, Any]) -> list[str]:
    """The addresses of the tainted Cloud Run services in a ``terraform show -json`` document."""
    root = state.get("values", {}).get("root_module", {})
    return [r["address"] for r in _resources(root) if r.get("type") == SERVICE and r.get("tainted")]


def recovery_commands(state: Mapping[str, Any], *, stack_dir: str, stack: str) -> list[str]:
    """The commands that take each tainted service to a good deploy, deletion protection left on.

    Args:
        state: ``terraform show -json`` of the stack's state.
        stack_dir: the stack's Terraform folder (``cdktf.out/stacks/<stack>``), where ``terraform`` runs.
        stack: the stack name, for the deploy that follows.

    Returns:
        ``terraform untaint`` for each tainted service, then the deploy; nothing when none is tainted.
    """
    tainted = tainted_services(state)
    if not tainted:
        return []
    folder = shlex.quote(stack_dir)
    commands = [f"terraform -chdir={folder} untaint {shlex.quote(address)}" for address in tainted]
    commands.append(f"# fix the image in the file, then deploy again: make deploy STACK={shlex.quote(stack)}")
    return commands
