"""What Compute refuses in a router PATCH that changes its NATs (a NAT is an item of its router's ``nats``).

- drain IPs: only on an existing NAT, only addresses that were its own, never also in ``natIps``;
- one NAT per range: a NAT for ``ALL_SUBNETWORKS_ALL_IP_RANGES`` leaves no room for another NAT of the
  network in its region, and a subnet belongs to one NAT (``RouterNat.sourceSubnetworkIpRangesToNat``,
  Compute REST reference; the message is the one users quote from the API);
- an address is one user's: an address another NAT or a VM uses cannot become a NAT IP;
- dynamic port allocation and endpoint-independent mapping exclude each other (Cloud NAT, "Set up and
  manage network address translation with Cloud NAT"; ``resource_compute_router_nat.go`` at 6.50.0 keeps
  ``enable_endpoint_independent_mapping`` Optional+Computed, so a NAT that had it on keeps sending it);
- NAT rules ("Cloud NAT rules", NAT rules specifications; RouterNatRule in the Compute REST reference): only
  with MANUAL_ONLY and endpoint-independent mapping off, numbers 0..65000 and unique, a ``match`` of
  destination ranges (``inIpRange(destination.ip, '…')`` or ``destination.ip == '…'`` joined by ``||``, the
  forms Google documents) that overlap no other rule's, an address in one rule only and never also in the
  NAT's ``natIps``; drain IPs of a rule only on an existing rule and only addresses it had.

Each is a synchronous 400 of Compute's shape (``errors[].reason``), as GCP answers a PATCH it will not run; the
texts of the rules' messages are ours (no recorded exchange holds them).
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from constructs_lib.facts.nat import ADDRESS_TIER, NAT_RULE_NUMBERS as RULE_NUMBERS, match_destinations

from .names import refuse_auto_only_ips, refuse_compute_name, refuse_nat_ports
from .server import JSON, ApiError

if TYPE_CHECKING:
    from . import LocalGcp

ALL_SUBNETWORKS = "ALL_SUBNETWORKS_ALL_IP_RANGES"
ALL_PRIMARY = "ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES"


def nat_ip_links(nat: JSON) -> list[str]:
    """Every address a NAT uses: its own natIps and drainNatIps, and its rules' active and drain IPs."""
    rules = [rule.get("action", {}) for rule in nat.get("rules", [])]
    return [*nat.get("natIps", []), *nat.get("drainNatIps", []),
            *(link for action in rules for link in action.get("sourceNatActiveIps", []) +
              action.get("sourceNatDrainIps", []))]


def _destinations(match: str, where: str) -> list[ipaddress.IPv4Network]:
    """The ranges of a destination-based ``match`` (Google's two documented forms, ``facts.nat``); a 400 for any
    other expression."""
    try:
        return [ipaddress.IPv4Network(d) for d in match_destinations(match) or [""]]
    except ValueError:
        raise _invalid(f"Invalid value for field '{where}.match': '{match}'. Invalid CEL expression.") from None


def _invalid(message: str) -> ApiError:
    return ApiError(400, message, reason="invalid")


def _relative(link: str) -> str:
    index = link.find("projects/")
    return link[index:] if index >= 0 else link


def check_nats(gcp: LocalGcp, router_key: str, nats: list[JSON]) -> None:
    """Raise GCP's 400 for the first rule the router's new ``nats`` break."""
    router = gcp.store[router_key]
    old = {nat["name"]: nat for nat in router.get("nats", [])}
    for i, nat in enumerate(nats):
        refuse_compute_name(nat.get("name"), f"resource.nats[{i}].name")
        refuse_nat_ports(nat, i)
        refuse_auto_only_ips(nat, i)
        _check_drain(nat, old.get(nat["name"]), i)
        _check_rules(nat, old.get(nat["name"]), i)
        _check_tiers(gcp, nat, i)
        if nat.get("enableDynamicPortAllocation") and nat.get("enableEndpointIndependentMapping"):
            raise _invalid(f"Invalid value for field 'resource.nats[{i}].enableEndpointIndependentMapping': "
                           "'true'. Endpoint Independent Mapping cannot be enabled when Dynamic Port Allocation "
                           "is enabled.")
    _check_neighbours(gcp, router_key, router, nats)


def _check_drain(nat: JSON, before: JSON | None, i: int) -> None:
    drained = nat.get("drainNatIps", [])
    if drained and before is None:
        raise _invalid(f"Invalid value for field 'resource.nats[{i}].drainNatIps': drain IPs are not "
                       f"allowed on a new NAT '{nat['name']}'.")
    previous = set((before or {}).get("natIps", [])) | set((before or {}).get("drainNatIps", []))
    for link in drained:
        if link not in previous:
            raise _invalid(f"Invalid value for field 'resource.nats[{i}].drainNatIps': '{link}'. The IP "
                           "must be one of the NAT's current IPs before it can be drained.")
        if link in nat.get("natIps", []):
            raise _invalid(f"Invalid value for field 'resource.nats[{i}].drainNatIps': '{link}' is also in natIps.")


def _check_tiers(gcp: LocalGcp, nat: JSON, i: int) -> None:
    """One network tier among the IPs of each rule, the default rule (natIps, drainNatIps) included: Cloud NAT's
    "NAT rules specifications" (facts/nat.py, ADDRESS_TIER). The message is this API's, not a recorded one."""
    held = [(f"resource.nats[{i}].natIps", [*nat.get("natIps", []), *nat.get("drainNatIps", [])])]
    held += [(f"resource.nats[{i}].rules[{j}].action.sourceNatActiveIps",
              [*rule.get("action", {}).get("sourceNatActiveIps", []),
               *rule.get("action", {}).get("sourceNatDrainIps", [])]) for j, rule in enumerate(nat.get("rules", []))]
    for where, links in held:
        tiers = sorted({gcp.store.get(_relative(link), {}).get("networkTier", ADDRESS_TIER) for link in links})
        if len(tiers) > 1:
            raise _invalid(f"Invalid value for field '{where}': IPs of the {' and '.join(tiers)} network tiers in "
                           "one rule. All IP addresses of a rule, the default rule included, must belong to the "
                           "same network tier.")


def _check_rules(nat: JSON, before: JSON | None, i: int) -> None:
    rules = nat.get("rules", [])
    if not rules:
        return
    if nat.get("natIpAllocateOption") != "MANUAL_ONLY":
        raise _invalid(f"Invalid value for field 'resource.nats[{i}].rules': NAT rules are only supported with "
                       "natIpAllocateOption MANUAL_ONLY.")
    if nat.get("enableEndpointIndependentMapping"):
        raise _invalid(f"Invalid value for field 'resource.nats[{i}].rules': NAT rules are not supported when "
                       "Endpoint Independent Mapping is enabled.")
    numbers: set[int] = set()
    ranges: list[ipaddress.IPv4Network] = []
    used = {link: "natIps" for link in nat.get("natIps", [])}
    old_rules = {r.get("ruleNumber"): r for r in (before or {}).get("rules", [])}
    for j, rule in enumerate(rules):
        where = f"resource.nats[{i}].rules[{j}]"
        number = rule.get("ruleNumber")
        if not isinstance(number, int) or not RULE_NUMBERS[0] <= number <= RULE_NUMBERS[1] or number in numbers:
            raise _invalid(f"Invalid value for field '{where}.ruleNumber': '{number}'. Rule numbers must be unique "
                           f"and between {RULE_NUMBERS[0]} and {RULE_NUMBERS[1]}.")
        numbers.add(number)
        for net in _destinations(str(rule.get("match", "")), where):
            if any(net.overlaps(other) for other in ranges):
                raise _invalid(f"Invalid value for field '{where}.match': destination range {net} overlaps the "
                               "match of another rule of the NAT.")
            ranges.append(net)
        action = rule.get("action", {})
        if not action.get("sourceNatActiveIps"):
            raise _invalid(f"Invalid value for field '{where}.action.sourceNatActiveIps': a rule of a public NAT "
                           "needs at least one IP.")
        for link in action.get("sourceNatActiveIps", []):
            if link in used:
                raise _invalid(f"Invalid value for field '{where}.action.sourceNatActiveIps': '{link}' is already "
                               f"used by {used[link]} of the NAT.")
            used[link] = f"rule {number}"
        had = old_rules.get(number, {}).get("action", {})
        for link in action.get("sourceNatDrainIps", []):
            if link not in had.get("sourceNatActiveIps", []) + had.get("sourceNatDrainIps", []):
                raise _invalid(f"Invalid value for field '{where}.action.sourceNatDrainIps': '{link}'. The IP must "
                               "be one of the rule's current IPs before it can be drained.")


def network_routers(gcp: LocalGcp, region: str, network: str | None) -> dict[str, JSON]:
    """Key → router of every router of ``network`` (its self link) in ``region`` (``projects/<p>/regions/<r>``)."""
    prefix = f"{region}/routers/"
    return {key: router for key, router in gcp.store.items()
            if key.startswith(prefix) and key.count("/") == 5 and router.get("network") == network}


def _other_nats(gcp: LocalGcp, router_key: str, router: JSON) -> list[tuple[str, JSON]]:
    """(router self link, NAT) of every other router of the same network and region."""
    routers = network_routers(gcp, router_key.rsplit("/routers/", 1)[0], router.get("network"))
    return [(other["selfLink"], nat) for key, other in routers.items() if key != router_key
            for nat in other.get("nats", [])]


def _check_neighbours(gcp: LocalGcp, router_key: str, router: JSON, nats: list[JSON]) -> None:
    others = _other_nats(gcp, router_key, router)
    old_names = {nat["name"] for nat in router.get("nats", [])}
    new = [nat for nat in nats if nat["name"] not in old_names]
    everyone = others + [(router["selfLink"], nat) for nat in nats]
    if new and any(nat.get("sourceSubnetworkIpRangesToNat") == ALL_SUBNETWORKS
                   for owner, nat in everyone if nat not in new):
        raise _invalid(f"Can not create new Nats since a Nat with option {ALL_SUBNETWORKS} exists.")
    if any(nat.get("sourceSubnetworkIpRangesToNat") == ALL_SUBNETWORKS for nat in new) and len(everyone) > 1:
        raise _invalid(f"Can not create a Nat with option {ALL_SUBNETWORKS} since other Nats exist in this "
                       "network and region.")
    taken_ips = {_relative(link): owner for owner, nat in others for link in nat_ip_links(nat)}
    for i, nat in enumerate(nats):
        neighbours = [other for _, other in others] + nats[:i]  # each pair of the router's own NATs once
        _check_ranges(nat, neighbours)
        for link in nat_ip_links(nat):
            key = _relative(link)
            users = [taken_ips[key]] if key in taken_ips else gcp.store.get(key, {}).get("users", [])
            users = [u for u in users if _relative(u) != router_key]
            if users:
                raise ApiError(400, f"The address resource '{key}' is already being used by '{users[0]}'",
                               reason="resourceInUseByAnotherResource")


def _claims(nat: JSON) -> set[tuple[str, str]]:
    """The IP ranges a NAT serves, as (subnet, range): ``primary``, a secondary range's name or ``secondary`` (every
    secondary range), with subnet ``*`` for ``ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES``."""
    if nat.get("sourceSubnetworkIpRangesToNat") == ALL_PRIMARY:
        return {("*", "primary")}
    found = set()
    for subnet in nat.get("subnetworks", []):
        name, ranges = _relative(subnet["name"]), subnet.get("sourceIpRangesToNat") or []
        if "ALL_IP_RANGES" in ranges:
            found |= {(name, "primary"), (name, "secondary")}
        if "PRIMARY_IP_RANGE" in ranges:
            found.add((name, "primary"))
        if "LIST_OF_SECONDARY_IP_RANGES" in ranges:
            found |= {(name, r) for r in subnet.get("secondaryIpRangeNames", [])}
    return found


def _overlap(a: tuple[str, str], b: tuple[str, str]) -> bool:
    same_subnet = "*" in (a[0], b[0]) or a[0] == b[0]
    if not same_subnet or ("primary" in (a[1], b[1]) and a[1] != b[1]):
        return False
    return a[1] == b[1] or "secondary" in (a[1], b[1])


def _check_ranges(nat: JSON, neighbours: list[JSON]) -> None:
    """A subnet's IP range is served by one NAT of the network and region: "you cannot have two NAT gateways serving
    the same IP ranges on the same subnet" (``RouterNat.subnetworks``, Compute REST reference);
    ``ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES`` serves every subnet's primary range."""
    mine = _claims(nat)
    for other in neighbours:
        for claim in _claims(other):
            clash = next((m for m in sorted(mine) if _overlap(m, claim)), None)
            if clash is None:
                continue
            if "*" in (clash[0], claim[0]):
                raise _invalid(f"The primary IP ranges of the region's subnetworks are already used by nat "
                               f"'{other['name']}' ({ALL_PRIMARY if claim[0] == '*' else 'its subnetworks'}); "
                               f"nat '{nat['name']}' cannot also serve them.")
            raise _invalid(f"Subnetwork '{clash[0]}' is already used by nat '{other['name']}'.")
