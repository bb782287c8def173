"""cdktf's logical ID of a construct path, for an address that is no longer in the stack, and the bare reference
of one that is.

A ``removed`` block names a resource that the configuration no longer declares, so there is no construct to ask
``TerraformStack.get_logical_id``. This is cdktf 0.21.0's ``makeUniqueId`` (``lib/private/unique.js``), which
``allocateLogicalId`` applies to the path below the stack; tests/stacks/test_retired.py holds it to the real one.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

_HIDDEN = "Default"  # left out of the path entirely
_HIDDEN_FROM_HUMAN = "Resource"  # in the hash, not in the readable part
_MAX_HUMAN = 240
_MAX_ID = 255


def _allowed(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "", s)


def logical_id(components: list[str]) -> str:
    """The Terraform resource name cdktf gives the construct at ``components`` (the IDs below the stack)."""
    components = [c for c in components if c != _HIDDEN]
    if not components:
        raise ValueError("a logical ID needs at least one path component")
    if len(components) == 1 and len(_allowed(components[0])) <= _MAX_ID:
        return _allowed(components[0])
    digest = hashlib.md5("/".join(components).encode()).hexdigest()[:8].upper()
    human: list[str] = []
    for c in components:  # removeDupes: a component the previous one ends with is skipped
        if not human or not human[-1].endswith(c):
            human.append(c)
    readable = "_".join(_allowed(c) for c in human if c != _HIDDEN_FROM_HUMAN)[:_MAX_HUMAN]
    return f"{readable}_{digest}"


def reference(resource: Any, attribute: str) -> str:
    """``<type>.<logical ID>.<attribute>`` of a resource of the stack, the bare reference Terraform wants where it
    takes no ``${…}``: ``lifecycle.replace_triggered_by``, where cdktf writes an attribute's token as ``${…}`` and
    Terraform refuses it ("Invalid character")."""
    return f"{resource.terraform_resource_type}.{resource.friendly_unique_id}.{attribute}"
