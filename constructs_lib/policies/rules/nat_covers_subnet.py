"""EGRESS-002: the subnet each service egresses through is covered by a NAT in the same region and
network, with ``MANUAL_ONLY`` and at least one IP."""

from __future__ import annotations

from typing import Iterator

from ...facts.resources import CONNECTOR
from ..document import Resource, StackDocument
from ..engine import Result, rule
from ._text import quoted, service_label


def _egress_subnets(doc: StackDocument) -> Iterator[tuple[str, str, object]]:
    """(path, label, subnet or a reason it is unknown) for every connector and direct-egress service or job."""
    for connector in doc.resources(CONNECTOR):
        label = f'connector "{connector.get("name")}"'
        subnet = doc.connector_subnet(connector)
        yield connector.path, label, subnet if subnet is not None else (
            "has no subnet block, so it runs in a hidden subnet that no NAT can select")
    for path in doc.egress_paths():
        label = service_label(path.service)
        if path.mode == "direct":
            yield path.service.path, label, path.subnet
        elif path.mode == "connector" and path.connector is None:
            connector = (doc.vpc_access(path.service) or {}).get("connector")
            yield path.service.path, label, (
                f"uses connector {quoted(connector)}, which is not in this stack, so its subnet and NAT cannot "
                "be checked")


def _nat_problems(doc: StackDocument, nat: Resource, subnet) -> list[str]:
    problems = []
    option = nat.get("nat_ip_allocate_option")
    if option != "MANUAL_ONLY":
        problems.append(f"nat_ip_allocate_option = {quoted(option)} (Google adds ephemeral IPs that no third "
                        "party has allowlisted)")
    ips = doc.nat_ips(nat)
    if isinstance(ips, str):
        problems.append(f"nat_ips is the expression {ips}, whose addresses cannot be counted at synth (give a list)")
    elif not isinstance(ips, list) or not ips:
        problems.append("no nat_ips")
    if doc.region(nat) != subnet.region:
        problems.append(f"region {doc.region(nat)} is not the subnet's {subnet.region}")
    network = doc.nat_network(nat)
    if subnet.network is not None and network != subnet.network:
        problems.append(f"its router is in network {quoted(network)}, the subnet in {quoted(subnet.network)}")
    return problems


@rule(
    "EGRESS-002",
    "the subnet each service egresses through is covered by a NAT in its region and network, "
    "with MANUAL_ONLY and at least one static IP",
    'list the subnet in a google_compute_router_nat of the same region and network with '
    'source_subnetwork_ip_ranges_to_nat = "LIST_OF_SUBNETWORKS", nat_ip_allocate_option = "MANUAL_ONLY" '
    "and the static addresses in nat_ips, its own or a google_compute_router_nat_address's (constructs_lib's "
    "RouterNat does)",
)
def subnet_covered_by_manual_nat(doc: StackDocument) -> Iterator[Result]:
    for path, label, subnet in _egress_subnets(doc):
        if isinstance(subnet, str) or subnet is None:
            yield Result(path, False, f"{label} {subnet or 'egresses through a subnet the JSON does not name'}")
            continue
        covering = doc.nats_covering(subnet)
        if not covering:
            yield Result(path, False, f'{label} egresses through subnet "{subnet.label}", which no NAT in '
                                      "this stack translates: its traffic would not leave from the static IPs")
            continue
        problems = {nat.get("name"): _nat_problems(doc, nat, subnet) for nat in covering}
        good = [name for name, found in problems.items() if not found]
        if good:
            ips = len(doc.nat_ips(next(n for n in covering if n.get("name") == good[0])))
            yield Result(path, True, f'{label}: subnet "{subnet.label}" is translated by NAT "{good[0]}" '
                                     f"(MANUAL_ONLY, {ips} IP{'s' if ips != 1 else ''})")
        else:
            said = "; ".join(f'NAT "{name}": {", ".join(found)}' for name, found in problems.items())
            yield Result(path, False, f'{label} egresses through subnet "{subnet.label}", but {said}')
