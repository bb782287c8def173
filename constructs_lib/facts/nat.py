"""Cloud NAT facts beyond its ports: the timeouts every NAT of the product sets, NAT rules, and its Cloud Router.

Each figure is written once, with its source and the date it was read.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Iterable, Mapping, Sequence

from .resources import ROUTER

__all__ = [
    "NAT_TIMEOUT_DEFAULTS", "NAT_TIMEOUT_KEYS", "NAT_TIMEOUTS_SOURCE", "NAT_RULE_NUMBERS", "NAT_DEFAULT_RULE_NUMBER",
    "NAT_RULE_NUMBER_STEP", "NAT_RULES_SOURCE", "ADDRESS_TIER", "MAX_ROUTERS_PER_NETWORK_REGION", "ROUTERS_SOURCE",
    "destination_match", "forgotten_as_kept", "is_public_range", "match_destinations", "nat_ips_after_list_deleted",
    "router_of", "routers_deleted",
]

# -- Cloud Router ------------------------------------------------------------------------------------------------
# Every chain has a Cloud Router of its own (created, or adopted with [adopt] chain), in its network and region.
# "Regardless of quota, each network is limited to five Cloud Routers per region" (Cloud Router, "Quotas and
# limits", read 2026-12-04): a system limit, not raised on request.
ROUTERS_SOURCE = "Cloud Router, \"Quotas and limits\": five per network and region, whatever the quota"
MAX_ROUTERS_PER_NETWORK_REGION = 5

# A NAT is a part of its router (the provider's google_compute_router_nat reads and patches the router's `nats`), and
# Google Cloud deletes a router's NATs with it: a plan that deletes or replaces a router while its NAT stays (a
# no-op or an update) leaves no NAT after the apply. The stack re-creates the NAT with its router
# (replace_triggered_by); another configuration's plan, or an older synth's, may not. The local API deletes a
# router's NATs the same way; tests/integration/test_guard.py (guard:moved-network) replaces a router with
# provider 6.50.0.
def router_of(values: Mapping[str, Any]) -> tuple[Any, Any, Any]:
    """(project, region, router) of a NAT's values, or of its IP list's (both name their router)."""
    return values.get("project"), values.get("region"), values.get("router")


def routers_deleted(resource_changes: Iterable[Mapping[str, Any]]) -> dict[tuple[Any, Any, Any], list[str]]:
    """(project, region, name) of each router a plan's ``resource_changes`` delete (or replace) → the addresses of
    the resources that do."""
    gone: dict[tuple[Any, Any, Any], list[str]] = {}
    for change in resource_changes:
        before = change.get("change", {}).get("before")
        if (change.get("mode") == "managed" and change.get("type") == ROUTER and isinstance(before, dict)
                and "delete" in change["change"].get("actions", [])):
            gone.setdefault((before.get("project"), before.get("region"), before.get("name")), []).append(
                change.get("address", ""))
    return gone


# A forget (a removed block, Terraform 1.7 and later) takes a resource out of the state and leaves it in Google
# Cloud as it is: a NAT, or the IP list beside it, forgotten keeps its IPs in use after the apply.
def forgotten_as_kept(change: Mapping[str, Any]) -> Mapping[str, Any]:
    """A plan's resource change as Google Cloud has it after the apply: a forget's ``after`` is its ``before`` (all
    known); any other change as it is."""
    c = change["change"]
    if c.get("actions") != ["forget"]:
        return change
    return {**change, "change": {**c, "after": c.get("before"), "after_unknown": {}}}


# -- the NAT's IP list beside it ---------------------------------------------------------------------------------
# The provider's delete of a google_compute_router_nat_address (a NAT's nat_ips and drain_nat_ips, managed beside
# it) leaves the NAT its first IP only, as a MANUAL_ONLY NAT needs one: tests/integration/test_guard.py
# (guard:nat-ips-deleted) applies such a delete with provider 6.50.0 and reads the NAT. A replace deletes too.
def nat_ips_after_list_deleted(nat_ips: Sequence[object]) -> list[str]:
    """The IPs a NAT keeps once the IP list beside it is deleted: the first of ``nat_ips`` (links), if any."""
    return [ip for ip in nat_ips if isinstance(ip, str)][:1]


# -- timeouts ----------------------------------------------------------------------------------------------------
# Every NAT the product creates sets all five explicitly. Google changed Cloud NAT's default TCP TIME_WAIT timeout
# from 120 s to 30 s for NEW gateways (announced in the Cloud NAT release notes of March 31, 2026,
# https://cloud.google.com/nat/docs/release-notes#March_31_2026, read 2026-12-02: from June 30 to September 29, 2026
# a new gateway got 120 s or 30 s depending on the region's rollout, 30 s from September 30; existing gateways keep
# 120 s). A NAT that leaves the value to the API therefore differs with the day it was built. The product pins the
# value every NAT it created so far has: google provider 6.50.0 sends its schema Default of 120 s when the key is
# left out (services/compute/resource_compute_router_nat.go:425-431), so pinning 120 changes no deployed NAT; set
# nat.tcp_time_wait_timeout_sec = 30 for Google's new default. The other four are the API's defaults, unchanged
# (the same file, 302-311, 418-437 and 450-455; "Tune NAT configuration", NAT timeouts).
NAT_TIMEOUTS_SOURCE = "Cloud NAT release notes, March 31, 2026 (TIME_WAIT 120 s → 30 s for new gateways)"
NAT_TIMEOUT_DEFAULTS: dict[str, int] = {
    "udp_idle_timeout_sec": 30,
    "icmp_idle_timeout_sec": 30,
    "tcp_established_idle_timeout_sec": 1200,
    "tcp_transitory_idle_timeout_sec": 30,
    "tcp_time_wait_timeout_sec": 120,
}
NAT_TIMEOUT_KEYS = tuple(NAT_TIMEOUT_DEFAULTS)

# -- NAT rules ---------------------------------------------------------------------------------------------------
# "Cloud NAT rules" (https://cloud.google.com/nat/docs/nat-rules-overview, "NAT rules specifications", read
# 2026-12-02) and RouterNatRule in the Compute REST reference: a rule number is 0..65000 and unique in its NAT;
# the default rule (the NAT's own nat_ips) is number 65001 and matches 0.0.0.0/0; rules need MANUAL_ONLY; the
# destination ranges of two rules may not overlap (at most one rule matches a packet); destination-based rules
# take IPv4 only; endpoint-independent mapping must be off ("Set up and manage Cloud NAT rules"). Google's
# example gives each rule its own IPs and recommends using them for no other destination. The provider validates
# the number the same way (resource_compute_router_nat.go:537-542, IntBetween(0, 65000)).
NAT_RULES_SOURCE = "Cloud NAT, \"Cloud NAT rules\" (NAT rules specifications)"
NAT_RULE_NUMBERS = (0, 65000)
NAT_DEFAULT_RULE_NUMBER = 65001
# Rules without a number are numbered in file order, 100, 200, …: room to insert one between two later.
NAT_RULE_NUMBER_STEP = 100
# The network tier of every address the stack creates (google_compute_address.network_tier, also the API's
# default). The same specifications: "All IP addresses configured in a given rule must belong to the same tier.
# You can't use Premium and Standard tier IP addresses in the same rule (including the default rule)": the NAT's
# own IPs (active and draining) are one tier, and so is each rule's; an adopted address may be of either tier.
ADDRESS_TIER = "PREMIUM"


def is_public_range(net: ipaddress.IPv4Network) -> bool:
    """A destination a NAT rule can translate toward: an IPv4 range of the public internet.

    Private (RFC 1918), shared (RFC 6598), loopback, link-local, multicast, reserved and documentation
    ranges never leave through Cloud NAT to a partner; ``is_global`` is Python's reading of IANA's
    special-purpose registry. The documentation ranges (TEST-NET-1..3) are accepted: examples use them.
    """
    if any(net.subnet_of(d) for d in _DOCUMENTATION):
        return True
    # Python reads a network's is_global from its first and last address only: 0.0.0.0/0, 128.0.0.0/1 and
    # 8.0.0.0/5 were "global" while holding private or reserved space. A range is public when it overlaps none.
    return net.is_global and not any(net.overlaps(n) for n in _NOT_PUBLIC)


# IANA's IPv4 special-purpose registry, the blocks that are not globally reachable (RFC 6890 and its updates;
# the documentation ranges apart, above): this network, private use, shared address space, loopback,
# link-local, IETF protocol assignments, benchmarking, multicast, reserved and limited broadcast.
_NOT_PUBLIC = tuple(ipaddress.IPv4Network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
    "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4"))
_DOCUMENTATION = tuple(ipaddress.IPv4Network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"))


def destination_match(destinations: Sequence[str]) -> str:
    """The CEL ``match`` of a destination-based rule, in Google's own form.

    ``inIpRange(destination.ip, '203.0.113.0/24') || inIpRange(destination.ip, '198.51.100.7/32')``: the form
    of the provider's description (resource_compute_router_nat.go:521-535) and of "Cloud NAT rules", "Example
    expressions". A single address is written as a /32 range, so that every destination reads the same.
    """
    return " || ".join(f"inIpRange(destination.ip, '{ipaddress.IPv4Network(d)}')" for d in destinations)


_TERM = re.compile(r"^\s*(?:inIpRange\(destination\.ip,\s*'([^']+)'\)|destination\.ip\s*==\s*'([^']+)')\s*$")


def match_destinations(match: str) -> list[str] | None:
    """The destination ranges of a ``match`` in one of Google's two documented forms, ``||``-joined; None for any
    other expression (a hand-written rule the report then shows as written)."""
    found = []
    for term in match.split("||"):
        parsed = _TERM.match(term)
        if parsed is None:
            return None
        found.append(parsed.group(1) or parsed.group(2))
    return found
