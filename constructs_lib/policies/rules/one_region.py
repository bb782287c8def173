"""EGRESS-003: connector, subnet, NAT, router and services are in one region."""

from __future__ import annotations

from typing import Iterator

from ...facts.resources import CONNECTOR, NAT
from ..document import Resource, StackDocument
from ..engine import Result, rule
from ._text import service_label


def _region_pairs(doc: StackDocument) -> Iterator[tuple[Resource, str, str | None, str, str | None]]:
    """(resource, its label, its region, the other's label, the other's region) for each link of the chain."""
    for connector in doc.resources(CONNECTOR):
        subnet = doc.connector_subnet(connector)
        if subnet is not None and subnet.region is not None:
            yield (connector, f'connector "{connector.get("name")}"', doc.region(connector),
                   f'its subnet "{subnet.label}"', subnet.region)
    for path in doc.egress_paths():
        service = path.service
        label = service_label(service)
        if path.mode == "connector" and path.connector is not None:
            yield (service, label, doc.region(service), f'its connector "{path.connector.get("name")}"',
                   doc.region(path.connector))
        elif path.mode == "direct" and path.subnet is not None and path.subnet.region is not None:
            yield service, label, doc.region(service), f'its subnet "{path.subnet.label}"', path.subnet.region
    for nat in doc.resources(NAT):
        router = doc.nat_router(nat)
        if router is not None:
            yield (nat, f'NAT "{nat.get("name")}"', doc.region(nat), f'its router "{router.get("name")}"',
                   doc.region(router))


@rule(
    "EGRESS-003",
    "connector, subnet, NAT, router and services are in one region",
    "put every resource of the chain in the environment's region (a connector serves only services of its "
    "own region, and a NAT only subnets of its router's region)",
)
def one_region(doc: StackDocument) -> Iterator[Result]:
    for resource, label, region, other, other_region in _region_pairs(doc):
        if region == other_region:
            yield Result(resource.path, True, f"{label} and {other} are in {region}")
        else:
            yield Result(resource.path, False, f"{label} is in {region} but {other} is in {other_region}")
