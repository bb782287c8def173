"""EGRESS-004: a connector is attached by ``subnet``, never by ``ip_cidr_range``."""

from __future__ import annotations

from typing import Iterator

from ...facts.resources import CONNECTOR
from ..document import StackDocument
from ..engine import Result, rule
from ._text import quoted


@rule(
    "EGRESS-004",
    "a connector is attached to the chain's subnet by subnet { name }, never by ip_cidr_range",
    "give the connector subnet { name, project_id } of the chain's /28 and no ip_cidr_range or network "
    "(constructs_lib's Connector does)",
)
def connector_uses_subnet(doc: StackDocument) -> Iterator[Result]:
    for connector in doc.resources(CONNECTOR):
        label = f'connector "{connector.get("name")}"'
        block = connector.get("subnet")
        if connector.get("ip_cidr_range") or connector.get("network") or not isinstance(block, dict) or not block.get(
                "name"):
            yield Result(connector.path, False,
                         f"{label} has ip_cidr_range = {quoted(connector.get('ip_cidr_range'))} and "
                         f"network = {quoted(connector.get('network'))} instead of a subnet block: Google "
                         "creates a hidden subnet that Cloud NAT cannot select")
        else:
            yield Result(connector.path, True, f'{label} uses subnet "{doc.name_of(block["name"]) or block["name"]}"')
