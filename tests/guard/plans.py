"""Small plan JSONs, shaped as ``terraform show -json`` writes them, for the guard's unit tests."""

from __future__ import annotations

import random
from typing import Any

from constructs_lib.facts.resources import ADDRESS, CONNECTOR, NAT, NAT_ADDRESS, ROUTER, SERVICE, SUBNET

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


# --- random plans, for holding the policy set's Rego to the Python guard (tests/guard/test_policy_set.py) ---------

NAMES = ("ip-a", "ip-b", "ip-c")
ACTIONS = (["delete"], ["create", "delete"], ["delete", "create"], ["forget"], ["create"], ["no-op"], ["update"])


def random_plan(r: random.Random) -> dict[str, Any]:
    """A plan of the guard's resource types in any combination of actions, sides and values a plan can hold: two
    resources for one NAT or IP list (a changed construct ID), routers, subnets and services replaced, the refresh's
    drift, the configuration's references, release_ips and forget_ips."""
    def some() -> list[str]:
        return [n for n in NAMES if r.random() < 0.5]

    def sides(action: list[str], make: Any) -> tuple[Any, Any]:
        return (None if action == ["create"] else make()), (None if action in (["delete"], ["forget"]) else make())

    changes = []
    for addr, name in zip((A, B, C), NAMES):
        if r.random() < 0.4:
            action = r.choice(ACTIONS)
            before, after = sides(action, lambda: address(name) if r.random() < 0.5 else {"name": name})
            changes.append(change(addr, ADDRESS, action, before=address(name) if before else None, after=after))
    for addr in r.sample([NAT_ADDR, NAT_ADDR + "1"], r.randint(0, 2)):
        option = r.choice(["MANUAL_ONLY", "MANUAL_ONLY", "AUTO_ONLY"])
        with_rules = r.random() < 0.2
        action = r.choice(ACTIONS)
        before, after = sides(action, lambda: nat_with_rules({100: (some() or ["ip-a"], [])}, tuple(some()))
                              if with_rules else nat(some(), some(), option=option))
        changes.append(change(addr, NAT, action, before=before, after=after,
                              after_unknown={"nat_ips": True} if r.random() < 0.2 else None))
    for addr in r.sample([NAT_IPS_ADDR, NAT_IPS_ADDR + "1"], r.randint(0, 2)):
        action = r.choice(ACTIONS)
        changes.append(change(addr, NAT_ADDRESS, action, *sides(action, lambda: nat_address(some(), some()))))
    if r.random() < 0.4:
        action, router = r.choice(ACTIONS), r.choice([EDGE_ROUTER, {**EDGE_ROUTER, "name": "x"}])
        changes.append(change(ROUTER_ADDR, ROUTER, action, *sides(action, lambda: router)))
    if r.random() < 0.3:
        changes.append(replaced(subnet(), subnet(r.choice(["a", "b"]), name=r.choice(["edge-subnet", "x"])),
                                actions=tuple(r.choice(ACTIONS)),
                                paths=r.choice([None, [["network"]], [["ip_cidr_range"], ["network", 0]]]),
                                reason=r.choice([None, "replace_because_tainted", "replace_by_triggers", "other"])))
    if r.random() < 0.3:
        action = r.choice(ACTIONS)
        connector = change(CONNECTOR_ADDR, CONNECTOR, action, *sides(action, lambda: {
            "name": r.choice(["edge-connector", "other-connector", None]), "max_instances": r.choice([5, 10])}))
        if r.random() < 0.5:
            connector["change"]["replace_paths"] = [["max_instances"]]
        changes.append(connector)
    if r.random() < 0.3:
        action, protected = r.choice(ACTIONS), r.choice([True, False, None])
        service = change(f"{SERVICE}.s", SERVICE, action,
                         *sides(action, lambda: {"name": "s", "deletion_protection": protected}))
        if r.random() < 0.3:
            service["action_reason"] = "replace_because_tainted"
        changes.append(service)
    r.shuffle(changes)
    drift = [change(a, ADDRESS, ["delete"], before=address(n)) for a, n in zip((A, B), NAMES) if r.random() < 0.2]
    made = plan(*changes, state=[address(n) for n in some()], drift=drift, release=some(), forget=some())
    if r.random() < 0.3:  # the configuration's references, read where nat_ips is unknown
        def refs(suffix: str = ".self_link") -> dict[str, list[str]]:
            return {"references": [f"{ADDRESS}.{n}{suffix}" for n in some()]}

        made["configuration"] = {"root_module": {"resources": [{"address": a, "expressions": {
            "nat_ips": {"references": refs()["references"] + refs("")["references"]}, "drain_nat_ips": refs(""),
            "rules": [{"rule_number": {"constant_value": 100}, "action": [{"source_nat_active_ips": refs()}]}]}}
            for a in (NAT_ADDR, NAT_ADDR + "1", NAT_IPS_ADDR, NAT_IPS_ADDR + "1")]}}
    return made
