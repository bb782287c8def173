"""How the chain names the addresses it reserves when the file gives a count rather than names.

``name = "cloud-run"`` with ``static_ip_count = 1`` reserves ``cloud-run-origin-ip``; with a count of N,
``cloud-run-origin-ip-1`` … ``-N``. The name is part of the address's Terraform address (``Address-<name>``), so
changing ``name`` or moving the count across 1 renames, and so releases, an allowlisted IP. The config builds
the names from here, and the review report reads them back out of the JSON with ``derived_address``.
"""

from __future__ import annotations

import re

__all__ = ["ADDRESS_STEM", "NAT_SUFFIX", "RFC1035", "counted_address_names", "derived_address"]

# An RFC 1035 label: GCP resource names, address names, and file stems usable as stack names (so the names of
# the stacks a manifest lists, and of their folders).
RFC1035 = re.compile(r"^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$")

ADDRESS_STEM = "-origin-ip"  # {name}-origin-ip, {name}-origin-ip-<n>
NAT_SUFFIX = "-nat"  # the NAT is {name}-nat: how the report finds the file's `name` in the JSON


def counted_address_names(name: str, count: int) -> tuple[str, ...]:
    """The addresses ``static_ip_count = count`` reserves: ``{name}-origin-ip`` for one, ``-1`` … ``-N`` for more."""
    if count == 1:
        return (f"{name}{ADDRESS_STEM}",)
    return tuple(f"{name}{ADDRESS_STEM}-{i}" for i in range(1, count + 1))


def derived_address(address: str, name: str) -> int | None:
    """Whether an address name is one a count gives under ``name``: 0 for ``{name}-origin-ip`` (a count of 1),
    ``n`` for ``{name}-origin-ip-<n>``, None for any other (a name from a list)."""
    match = re.fullmatch(re.escape(f"{name}{ADDRESS_STEM}") + r"(?:-([1-9][0-9]*))?", address)
    if match is None:
        return None
    return int(match.group(1)) if match.group(1) else 0
