"""The report's "Addresses a change would rename" section: what in the file renames an IP someone allowlisted.

An address's name is in its Terraform address (``Address-<name>``): a new name is a new resource, so Terraform
releases the old IP and reserves another. A name a count gives (``{name}-origin-ip``, ``-1`` … ``-N``,
``facts.naming``) changes with ``name`` and with the count; a name given in a list changes only with the list.
Read from the JSON alone: the file's ``name`` is the NAT's name without ``-nat``.
"""

from __future__ import annotations

from ..facts.naming import ADDRESS_STEM, NAT_SUFFIX, derived_address
from ..facts.resources import ADDRESS, NAT
from ..policies.document import StackDocument
from .markdown import code, table, text

__all__ = ["renames_section"]


def _chain_name(doc: StackDocument) -> str | None:
    """The file's ``name``, read back from the NAT's name (``{name}-nat``); None for a NAT named otherwise."""
    for nat in doc.resources(NAT):
        name = nat.get("name")
        if isinstance(name, str) and name.endswith(NAT_SUFFIX) and len(name) > len(NAT_SUFFIX):
            return name[: -len(NAT_SUFFIX)]
    return None


def _what_renames(address: str, chain: str | None) -> str:
    position = derived_address(address, chain) if chain is not None else None
    if position is None:
        return ("removing or renaming it in its list (`egress.static_ip_names` or `egress.standby_ips`); a new "
                "`name` or count leaves it as it is")
    if position == 0:
        return (f"a new `name` (now {code(chain)}); raising `egress.static_ip_count` from 1 (the addresses become "
                f"{code(chain + ADDRESS_STEM + '-1')} …): to add IPs and keep this one, list the names in "
                f"`egress.static_ip_names`, this one first")
    return (f"a new `name` (now {code(chain)}); `egress.static_ip_count` set to 1 (one address, "
            f"{code(chain + ADDRESS_STEM)}) or to less than {position}; a list in `egress.static_ip_names` without it")


# prevent_destroy does not hold here: an address that leaves the configuration is destroyed like any other
# resource. The plan guard (make diff/deploy, and the HCP Terraform policy set) is what stops it.
_FATE = ("refused by the plan guard of `make diff`/`make deploy`, unless the file names it in `egress.release_ips` "
         "(released: its IP goes back to Google) or `egress.forget_ips` (kept reserved, out of the stack); "
         "`cdktf deploy` bypasses the guard and would release it")


def renames_section(doc: StackDocument) -> list[str]:
    """Every address this stack reserves, what change in the file would rename it, and what then happens to it."""
    addresses = doc.resources(ADDRESS)
    if not addresses:
        return []
    chain = _chain_name(doc)
    rows = [(text(a.get("name")), code(a.address), _what_renames(str(a.get("name")), chain), _FATE)
            for a in addresses]
    return ["## Addresses a change would rename", "",
            "An address's name is part of its Terraform address: renamed, it is a new resource.", "",
            *table(("address", "Terraform address", "renamed by", "then the old IP is"), rows), ""]
