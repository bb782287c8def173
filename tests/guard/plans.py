"""Small plan JSONs, shaped as ``terraform show -json`` writes them, for the guard's unit tests."""

from __future__ import annotations

from typing import Any

from constructs_lib.facts.resources import ADDRESS, CONNECTOR, NAT, NAT_ADDRESS, ROUTER, SUBNET

LINK = "https://www.googleapis.com/compute/v1/projects/p/regions/r/addresses/"
A, B, C = (f"{ADDRESS}.Chain_Addresses_Address-{n}_0000000{i}" for i, n in enumerate(("ip-a", "ip-b", "ip-c")))
NAT_ADDR = f"{NAT}.Chain_RouterNat_Nat_00000000"
NAT_IPS_ADDR = f"{NAT_ADDRESS}.Chain_RouterNat_NatAddress_00000000"
ROUTER_ADDR = f"{ROUTER}.Chain_RouterNat_Router_00000000"
SUBNET_ADDR = f"{SUBNET}.Chain_Subnet_00000000"
CONNECTOR_ADDR = f"{CONNECTOR}.Chain_Connector_00000000"
EDGE_ROUTER = {"name": "edge-router", "project": "p", "region": "r", "network": "a"}


def address(name: str, ip: str | None = None) -> dict[str, Any]:
    return {"name": name, "address": ip or f"203.0.113.{ord(name[-1]) - 96}", "self_link": LINK + name,
            "project": "p", "region": "r"}


def change(addr: str, rtype: str, actions: list[str], before: Any = None, after: Any = None,
           after_unknown: Any = None) -> dict[str, Any]:
    return {"address": addr, "mode": "managed", "type": rtype, "name": addr.split(".", 1)[1],
            "change": {"actions": actions, "before": before, "after": after, "after_unknown": after_unknown or {}}}


def nat(nat_ips: list[str], drain: list[str] | None = None, *, option: str = "MANUAL_ONLY") -> dict[str, Any]:
    return {"name": "edge-nat", "router": "edge-router", "project": "p", "region": "r",
            "nat_ip_allocate_option": option, "nat_ips": [LINK + n for n in nat_ips],
            "drain_nat_ips": [LINK + n for n in drain or []]}


def nat_address(nat_ips: list[str], drain: list[str] | None = None) -> dict[str, Any]:
    return {"router_nat": "edge-nat", "router": "edge-router", "project": "p", "region": "r",
            "nat_ips": [LINK + n for n in nat_ips], "drain_nat_ips": [LINK + n for n in drain or []]}


def plan(*changes: dict[str, Any], state: list[dict[str, Any]] = (), drift: list[dict[str, Any]] = (),
         release: list[str] = (), forget: list[str] = ()) -> dict[str, Any]:
    outputs = {}
    if release:
        outputs["release_ips"] = {"sensitive": False, "value": list(release)}
    if forget:
        outputs["forget_ips"] = {"sensitive": False, "value": list(forget)}
    return {"format_version": "1.2", "resource_changes": list(changes), "resource_drift": list(drift),
            "planned_values": {"outputs": outputs, "root_module": {}},
            "prior_state": {"values": {"root_module": {"resources": [
                {"address": f"{ADDRESS}.{s['name']}", "mode": "managed", "type": ADDRESS, "name": s["name"],
                 "values": s} for s in state]}}}}


def nat_with_rules(rules: dict[int, tuple[list[str], list[str]]],
                   nat_ips: tuple[str, ...] = ("ip-c",)) -> dict[str, Any]:
    """A NAT (its own IP: ip-c) whose ``rules`` give each rule number its (active, draining) addresses."""
    return {**nat(list(nat_ips)), "rules": [
        {"rule_number": n, "description": f"partner-{n}", "match": "inIpRange(destination.ip, '198.51.100.0/24')",
         "action": [{"source_nat_active_ips": [LINK + a for a in active],
                     "source_nat_drain_ips": [LINK + d for d in drain]}]}
        for n, (active, drain) in rules.items()]}


def subnet(network: str = "a", cidr: str = "10.0.0.0/28", **other: str) -> dict[str, str]:
    return {"name": "edge-subnet", "project": "p", "region": "r", "network": network, "ip_cidr_range": cidr, **other}


def replaced(before: dict[str, str], after: dict[str, str], *, actions: tuple[str, ...] = ("create", "delete"),
             paths: list[list[Any]] | None = None, reason: str | None = None) -> dict[str, Any]:
    """The subnet replaced: create-before-destroy by default, with the plan's replace_paths and action_reason."""
    c = change(SUBNET_ADDR, SUBNET, list(actions), before=before, after=after)
    if paths is not None:
        c["change"]["replace_paths"] = paths
    if reason is not None:
        c["action_reason"] = reason
    return c
