"""A stack's state as ``terraform show -json`` prints it, from the raw state ``terraform state pull`` prints.

``show -json`` loads the provider's schemas to print the state (a provider start and the google provider's
schema decoded: about 1.1 s of CPU a call on 2 cores), ``state pull`` only reads the backend (about 0.25 s).
A rehearsal reads a stack's state after most deploys, so it pulls it and writes it in ``show -json``'s shape
here, for the functions the product runs on ``show -json`` (the allowlist, the recovery after a failed
deploy) and the fault campaign's checks. The two are compared on deployed stacks by the rehearsal tests
(``tests/integration/test_rehearsal.py``, ``test_the_state_a_rehearsal_reads_is_terraform_shows``).

The shape (Terraform's ``internal/command/jsonstate``), as far as anything reads it: ``values.outputs`` (name →
sensitive, type, value) and ``values.root_module`` (``resources``, then ``child_modules`` by module address),
each resource instance one entry sorted by address: ``address``, ``mode``, ``type``, ``name``, ``index`` when it
has a key, ``provider_name``, ``schema_version``, ``values`` (the raw attributes), ``depends_on``, ``tainted``
when tainted, ``deposed_key`` for a deposed object. Not written: ``sensitive_values`` (it needs the schema;
nothing reads it).
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["as_shown"]

_PROVIDER = re.compile(r'provider\["([^"]+)"\]')


def _address(resource: dict[str, Any], key: Any) -> str:
    local = f"{resource['type']}.{resource['name']}"
    if resource["mode"] == "data":
        local = "data." + local
    if key is not None:
        local += f"[{json.dumps(key)}]"
    return f"{resource['module']}.{local}" if resource.get("module") else local


def _instances(resource: dict[str, Any]) -> list[dict[str, Any]]:
    provider = _PROVIDER.search(resource.get("provider", ""))
    shown = []
    for instance in resource.get("instances", []):
        key = instance.get("index_key")
        entry: dict[str, Any] = {"address": _address(resource, key), "mode": resource["mode"],
                                 "type": resource["type"], "name": resource["name"]}
        if key is not None:
            entry["index"] = key
        entry.update(provider_name=provider.group(1) if provider else resource.get("provider", ""),
                     schema_version=instance.get("schema_version", 0),
                     values=instance.get("attributes") or {})
        if instance.get("dependencies"):
            entry["depends_on"] = instance["dependencies"]
        if instance.get("status") == "tainted":
            entry["tainted"] = True
        if instance.get("deposed"):
            entry["deposed_key"] = instance["deposed"]
        shown.append(entry)
    return shown


def as_shown(raw: dict[str, Any]) -> dict[str, Any]:
    """The raw state (``terraform state pull``; ``{}`` for none) in the shape of ``terraform show -json``."""
    modules: dict[str, list[dict[str, Any]]] = {}
    for resource in raw.get("resources") or []:
        modules.setdefault(resource.get("module", ""), []).extend(_instances(resource))
    for entries in modules.values():
        entries.sort(key=lambda entry: (entry["address"], entry.get("deposed_key", "")))
    root: dict[str, Any] = {"resources": modules.pop("", [])}
    if modules:
        root["child_modules"] = [{"resources": entries, "address": address}
                                 for address, entries in sorted(modules.items())]
    outputs = {name: {"sensitive": bool(output.get("sensitive")), "type": output.get("type"),
                      "value": output.get("value")} for name, output in (raw.get("outputs") or {}).items()}
    return {"format_version": "1.0", "terraform_version": raw.get("terraform_version", ""),
            "values": {"outputs": outputs, "root_module": root}}
