"""The chain policies: what must hold for "every request leaves from these IPs" to be true.

Each rule is a small pure function over a synthesized stack (``StackDocument``)
that yields one ``Result`` per resource it applies to, compliant or not; a rule
that applies to nothing is "not applicable". Rules read the constructed
resources as Terraform will get them, never the environment file, so a chain
built by hand or changed through an escape hatch is held to the same rules.

``policy_pack.ChainPolicyPack`` applies them to a stack as a cdktf Aspect and
fails the synth; ``report`` prints their results for review. The rules:

- EGRESS-001: every Cloud Run service has ``vpc_access`` with ``egress = ALL_TRAFFIC``.
- EGRESS-002: the subnet each service egresses through is covered by a NAT in the
  same region and network, with ``MANUAL_ONLY`` and at least one IP.
- EGRESS-003: connector, subnet, NAT, router and services are in one region.
- EGRESS-004: a connector is attached by ``subnet``, never by ``ip_cidr_range``.
- EGRESS-005: no service is public (allUsers / allAuthenticatedUsers) unless the
  environment allowed it.
- EGRESS-006: a NAT translates only subnets of its own stack (``LIST_OF_SUBNETWORKS``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from .synthesized import CONNECTOR, NAT, SERVICE, Resource, StackDocument

__all__ = ["Finding", "RULES", "Result", "Rule", "RuleOutcome", "evaluate", "findings", "rule"]

PUBLIC_MEMBERS = ("allUsers", "allAuthenticatedUsers")
IAM_MEMBER = "google_cloud_run_v2_service_iam_member"
IAM_BINDING = "google_cloud_run_v2_service_iam_binding"
IAM_POLICY = "google_cloud_run_v2_service_iam_policy"


@dataclass(frozen=True)
class Result:
    """One rule applied to one resource.

    Attributes:
        path: the resource's construct path (``example/Chain/Service-api/Resource``).
        compliant: whether the resource satisfies the rule.
        detail: what was found, in words a reviewer can check against the JSON.
    """

    path: str
    compliant: bool
    detail: str


@dataclass(frozen=True)
class Rule:
    """A chain policy: an id, what it guarantees, how to fix a violation, and its check."""

    id: str
    title: str
    fix: str
    check: Callable[[StackDocument], Iterable[Result]]


@dataclass(frozen=True)
class Finding:
    """A violation: the rule, the resource and what to do about it."""

    rule_id: str
    path: str
    detail: str
    fix: str

    @property
    def message(self) -> str:
        """The annotation text (cdktf prefixes the construct path itself)."""
        return f"{self.rule_id}: {self.detail}. Fix: {self.fix}"

    def __str__(self) -> str:
        return f"{self.rule_id} {self.path}: {self.detail}. Fix: {self.fix}"


@dataclass(frozen=True)
class RuleOutcome:
    """Every result of one rule on one stack."""

    rule: Rule
    results: tuple[Result, ...]

    @property
    def status(self) -> str:
        """``pass``, ``FAIL`` or ``n/a`` (the rule applies to nothing in the stack)."""
        if not self.results:
            return "n/a"
        return "pass" if all(r.compliant for r in self.results) else "FAIL"


RULES: list[Rule] = []


def rule(id: str, title: str, fix: str) -> Callable[[Callable[[StackDocument], Iterable[Result]]], Rule]:
    """Register a check function as a rule of the pack."""

    def register(check: Callable[[StackDocument], Iterable[Result]]) -> Rule:
        made = Rule(id=id, title=title, fix=fix, check=check)
        RULES.append(made)
        return made

    return register


def _quoted(value: object) -> str:
    return json.dumps(value) if isinstance(value, str) else "nothing"


def _service_label(service: Resource) -> str:
    return f'service "{service.get("name")}"'


@rule(
    "EGRESS-001",
    "every Cloud Run service sends all its traffic into the VPC (vpc_access with egress = ALL_TRAFFIC)",
    'set template.vpc_access { connector or network_interfaces, egress = "ALL_TRAFFIC" } on the service '
    "(constructs_lib's CloudRunService always does)",
)
def service_egress_all_traffic(doc: StackDocument) -> Iterator[Result]:
    for path in doc.egress_paths():
        service = path.service
        if path.mode == "none":
            yield Result(service.path, False,
                         f"{_service_label(service)} has no template.vpc_access: its requests leave from Google's "
                         "shared IPs, not the chain's")
            continue
        egress = service.get("template", {}).get("vpc_access", {}).get("egress")
        if egress == "ALL_TRAFFIC":
            yield Result(service.path, True, f"{_service_label(service)} has egress = \"ALL_TRAFFIC\" ({path.mode})")
        else:
            given = f"egress = {_quoted(egress)}" if egress else "no egress (the API then uses PRIVATE_RANGES_ONLY)"
            yield Result(service.path, False,
                         f"{_service_label(service)} has {given}: internet traffic skips the NAT and its static IPs")


def _egress_subnets(doc: StackDocument) -> Iterator[tuple[str, str, object]]:
    """(path, label, subnet or a reason it is unknown) for every connector and direct-egress service."""
    for connector in doc.resources(CONNECTOR):
        label = f'connector "{connector.get("name")}"'
        subnet = doc.connector_subnet(connector)
        yield connector.path, label, subnet if subnet is not None else (
            "has no subnet block, so it runs in a hidden subnet that no NAT can select")
    for path in doc.egress_paths():
        label = _service_label(path.service)
        if path.mode == "direct":
            yield path.service.path, label, path.subnet
        elif path.mode == "connector" and path.connector is None:
            connector = path.service.get("template", {}).get("vpc_access", {}).get("connector")
            yield path.service.path, label, (
                f"uses connector {_quoted(connector)}, which is not in this stack, so its subnet and NAT cannot "
                "be checked")


def _nat_problems(doc: StackDocument, nat: Resource, subnet) -> list[str]:
    problems = []
    option = nat.get("nat_ip_allocate_option")
    if option != "MANUAL_ONLY":
        problems.append(f"nat_ip_allocate_option = {_quoted(option)} (Google adds ephemeral IPs that no third "
                        "party has allowlisted)")
    ips = nat.get("nat_ips")
    if isinstance(ips, str):
        problems.append(f"nat_ips is the expression {ips}, whose addresses cannot be counted at synth (give a list)")
    elif not isinstance(ips, list) or not ips:
        problems.append("no nat_ips")
    if doc.region(nat) != subnet.region:
        problems.append(f"region {doc.region(nat)} is not the subnet's {subnet.region}")
    network = doc.nat_network(nat)
    if subnet.network is not None and network != subnet.network:
        problems.append(f"its router is in network {_quoted(network)}, the subnet in {_quoted(subnet.network)}")
    return problems


@rule(
    "EGRESS-002",
    "the subnet each service egresses through is covered by a NAT in its region and network, "
    "with MANUAL_ONLY and at least one static IP",
    'list the subnet in a google_compute_router_nat of the same region and network with '
    'source_subnetwork_ip_ranges_to_nat = "LIST_OF_SUBNETWORKS", nat_ip_allocate_option = "MANUAL_ONLY" '
    "and the static addresses in nat_ips (constructs_lib's RouterNat does)",
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
            ips = len(next(n for n in covering if n.get("name") == good[0]).get("nat_ips"))
            yield Result(path, True, f'{label}: subnet "{subnet.label}" is translated by NAT "{good[0]}" '
                                     f"(MANUAL_ONLY, {ips} IP{'s' if ips != 1 else ''})")
        else:
            said = "; ".join(f'NAT "{name}": {", ".join(found)}' for name, found in problems.items())
            yield Result(path, False, f'{label} egresses through subnet "{subnet.label}", but {said}')


def _region_pairs(doc: StackDocument) -> Iterator[tuple[Resource, str, str | None, str, str | None]]:
    """(resource, its label, its region, the other's label, the other's region) for each link of the chain."""
    for connector in doc.resources(CONNECTOR):
        subnet = doc.connector_subnet(connector)
        if subnet is not None and subnet.region is not None:
            yield (connector, f'connector "{connector.get("name")}"', doc.region(connector),
                   f'its subnet "{subnet.label}"', subnet.region)
    for path in doc.egress_paths():
        service = path.service
        label = _service_label(service)
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
                         f"{label} has ip_cidr_range = {_quoted(connector.get('ip_cidr_range'))} and "
                         f"network = {_quoted(connector.get('network'))} instead of a subnet block: Google "
                         "creates a hidden subnet that Cloud NAT cannot select")
        else:
            yield Result(connector.path, True, f'{label} uses subnet "{doc.name_of(block["name"]) or block["name"]}"')


def _bindings(doc: StackDocument) -> Iterator[tuple[Resource, tuple[str, ...]]]:
    """Every IAM resource on a Cloud Run v2 service, with the members it grants."""
    for member in doc.resources(IAM_MEMBER):
        yield member, (member.get("member", ""),)
    for binding in doc.resources(IAM_BINDING):
        yield binding, tuple(binding.get("members") or ())
    for policy in doc.resources(IAM_POLICY):
        text = policy.get("policy_data", "")
        yield policy, tuple(m for m in PUBLIC_MEMBERS if isinstance(text, str) and m in text)


@rule(
    "EGRESS-005",
    "no service is public (allUsers or allAuthenticatedUsers) unless the environment allows it",
    "remove the binding, or set allow_unauthenticated = true on the service in the environment file "
    "(apply_chain_policies(stack, public_services=[...]) for a stack of your own)",
)
def no_unexpected_public_service(doc: StackDocument) -> Iterator[Result]:
    allowed = set(doc.policy.get("public_services", ()))
    for resource, members in _bindings(doc):
        public = [m for m in members if m in PUBLIC_MEMBERS]
        target = doc.target(resource.get("name"), SERVICE)
        service = (target.get("name") if target is not None else doc.name_of(resource.get("name"))) or "?"
        if not public:
            yield Result(resource.path, True, f'service "{service}": {resource.get("role")} for '
                                              f"{', '.join(members) or 'no public member'}")
        elif service in allowed:
            yield Result(resource.path, True, f'service "{service}" is public ({", ".join(public)}), as the '
                                              "environment allows (allow_unauthenticated = true)")
        else:
            yield Result(resource.path, False, f'service "{service}" is made public ({", ".join(public)}, '
                                               f"{resource.get('role')}) but the environment does not allow it")


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
            yield Result(nat.path, False, f"{label} has source_subnetwork_ip_ranges_to_nat = {_quoted(mode)}: "
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


def evaluate(doc: StackDocument, rules: Iterable[Rule] = RULES) -> list[RuleOutcome]:
    """Apply every rule to a synthesized stack."""
    return [RuleOutcome(r, tuple(r.check(doc))) for r in rules]


def findings(doc: StackDocument, rules: Iterable[Rule] = RULES) -> list[Finding]:
    """Every violation in a synthesized stack, rule by rule."""
    return [
        Finding(outcome.rule.id, result.path, result.detail, outcome.rule.fix)
        for outcome in evaluate(doc, rules)
        for result in outcome.results
        if not result.compliant
    ]
