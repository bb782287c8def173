"""EGRESS-006: a NAT translates only subnets of its own stack (``LIST_OF_SUBNETWORKS``)."""

from __future__ import annotations

from typing import Iterator

from ...facts.resources import NAT
from ..document import StackDocument
from ..engine import Result, rule
from ._text import quoted


@rule(
    "EGRESS-006",
    "a NAT translates only subnets of its own stack (LIST_OF_SUBNETWORKS), so no other workload shares "
    "the allowlisted IPs",
    'use source_subnetwork_ip_ranges_to_nat = "LIST_OF_SUBNETWORKS" and list only the chain\'s subnets',
)
def nat_only_chain_subnets(doc: StackDocument) -> Iterator[Result]:
    for nat in doc.resources(NAT):
        label = f'NAT "{nat.get("name")}"'
        mode = nat.get("source_subnetwork_ip_ranges_to_nat")
        if mode != "LIST_OF_SUBNETWORKS":
            yield Result(nat.path, False, f"{label} has source_subnetwork_ip_ranges_to_nat = {quoted(mode)}: "
                                          "every subnet of the network leaves from the allowlisted IPs")
            continue
        listed = doc.nat_subnets(nat)
        foreign = [subnet.label for subnet, _ in listed if subnet.resource is None]
        if foreign or not listed:
            yield Result(nat.path, False, f"{label} translates subnets that this stack does not create: "
                                          f"{', '.join(foreign) or 'none listed'}")
        else:
            names = ", ".join(f'"{subnet.label}"' for subnet, _ in listed)
            yield Result(nat.path, True, f"{label} translates only {names}")
