"""The addresses of Cloud NAT rules in Terraform's JSON: a state's (who allowlists them) and a plan's.

A NAT rule's addresses are in the NAT's own ``rules[].action[].source_nat_active_ips``
(``google_compute_router_nat``), never in its ``nat_ips``: each is allowlisted by that rule's partner alone.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from ..facts.resources import NAT

__all__ = ["partner_name", "rule_links", "rule_partners"]


def partner_name(rule: Mapping[str, Any]) -> str:
    """A rule as the allowlist and the review name its partner: its description as Terraform holds it (a state's,
    a plan's), else ``rule N``."""
    return str(rule.get("description") or f"rule {rule.get('rule_number')}")


def rule_partners(resources: Iterable[Mapping[str, Any]]) -> dict[str, tuple[str, bool]]:
    """Address link → (partner, draining), for every IP of every NAT rule of a state's managed NATs."""
    found: dict[str, tuple[str, bool]] = {}
    for r in resources:
        if r.get("mode") != "managed" or r.get("type") != NAT:
            continue
        for rule in (r.get("values") or {}).get("rules") or []:
            for action in rule.get("action") or []:
                for attribute, draining in (("source_nat_active_ips", False), ("source_nat_drain_ips", True)):
                    for link in (action or {}).get(attribute) or []:
                        found[link] = (partner_name(rule), draining)
    return found


def rule_links(plan: Mapping[str, Any], change: Mapping[str, Any], when: str,
               attribute: str = "source_nat_active_ips") -> tuple[list[str], list[str]]:
    """(links, Terraform addresses) of a NAT change's rules' active IPs (or ``source_nat_drain_ips``) ``before``
    or ``after`` the plan.

    An address created by the same apply has no link yet: the rule's expression in the plan's configuration
    names it instead (``google_compute_address.<name>``).
    """
    links: list[str] = []
    refs: list[str] = []
    for i, rule in enumerate((change["change"].get(when) or {}).get("rules") or []):
        for j, action in enumerate(rule.get("action") or []):
            listed = (action or {}).get(attribute)
            if isinstance(listed, list) and all(isinstance(link, str) for link in listed):
                links += listed
            elif when == "after":
                refs += _references(plan, change["address"], i, j, attribute)
    return links, refs


def _references(plan: Mapping[str, Any], tf_address: str, i: int, j: int, attribute: str) -> list[str]:
    """The resources ``rules[i].action[j].<attribute>`` of a NAT refers to in the plan's configuration."""
    for r in plan.get("configuration", {}).get("root_module", {}).get("resources", []):
        if r.get("address") == tf_address:
            rules = r.get("expressions", {}).get("rules") or []
            actions = (rules[i].get("action") or []) if i < len(rules) else []
            refs = actions[j].get(attribute, {}).get("references", []) if j < len(actions) else []
            return sorted({".".join(p.split(".")[:2]) for p in refs if p.count(".") >= 2})
    return []
