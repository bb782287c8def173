"""The report's NAT sections: the timeouts in force, and the NAT rules (which IPs each partner allowlists)."""

from __future__ import annotations

from typing import Any

from ..facts.capacity import chain_capacity
from ..facts.literal import literal_text
from ..facts.nat import NAT_TIMEOUT_DEFAULTS
from ..facts.resources import NAT
from ..policies.document import Resource, StackDocument
from .allowlist_rules import partner_name
from .markdown import code, table, text

__all__ = ["nat_rules", "nat_timeouts_section", "rule_addresses", "rule_capacity_rows", "rule_drain_ips", "rule_ips",
           "rule_label", "time_wait_note"]


def nat_rules(nat: Resource) -> list[dict[str, Any]]:
    """A NAT's rules as synthesized, by rule number."""
    rules = nat.get("rules") or []
    return sorted((r for r in rules if isinstance(r, dict)), key=lambda r: int(r.get("rule_number") or 0))


def rule_label(rule: dict[str, Any]) -> str:
    """A synthesized rule as the allowlist will name it (``partner_name``): the JSON holds its description escaped
    for Terraform (``$${`` for ``${``, ``terraform_literal``), read here as Terraform reads it."""
    description = rule.get("description")
    return partner_name({**rule, "description": literal_text(description)} if isinstance(description, str) else rule)


def rule_ips(rule: dict[str, Any], key: str = "source_nat_active_ips") -> Any:
    """A rule's active IPs (or, with ``source_nat_drain_ips``, its draining ones) as synthesized."""
    return (rule.get("action") or {}).get(key) if isinstance(rule.get("action"), dict) else None


def rule_drain_ips(rule: dict[str, Any]) -> Any:
    return rule_ips(rule, "source_nat_drain_ips")


def rule_addresses(doc: StackDocument, nat: Resource) -> set[str]:
    """Terraform addresses of the stack's addresses that the NAT's rules use or drain."""
    return {e.address for rule in nat_rules(nat) for ips in (rule_ips(rule), rule_drain_ips(rule))
            for e in doc.addresses_in(ips) if isinstance(e, Resource)}


def nat_timeouts_section(doc: StackDocument) -> list[str]:
    """The timeouts each NAT will have: the value written, or the live NAT's for an adopted NAT that keeps them."""
    nats = doc.resources(NAT)
    if not nats:
        return []
    lines = ["## NAT timeouts", "",
             "Every timeout is written: a NAT left to Google's default TIME_WAIT (120 s before, 30 s after the "
             "rollout of June–September 2026) would differ with the day it was built. A closed TCP connection "
             "keeps its NAT port for `tcp_time_wait_timeout_sec`: count connections opened within it as "
             "concurrent (Capacity).", ""]
    rows = []
    for nat in nats:
        kept = set((nat.get("lifecycle") or {}).get("ignore_changes") or [])
        for key, default in NAT_TIMEOUT_DEFAULTS.items():
            value = nat.get(key)
            shown = f"{value} s" if value is not None else f"{default} s (the provider's default)"
            if key in kept:
                shown = f"the adopted NAT's own value, kept (ignore_changes; {shown} if it were created)"
            rows.append((code(nat.get("name")), code(key), text(shown)))
    return [*lines, *table(("NAT", "timeout", "in force"), rows), ""]


def rule_capacity_rows(doc: StackDocument, nat: Resource, endpoints: int) -> list[tuple[object, ...]]:
    """Capacity rows of a NAT's rules: the same arithmetic as the NAT's, with the rule's addresses as the pool."""
    rows = []
    dynamic = bool(nat.get("enable_dynamic_port_allocation"))
    for rule in nat_rules(nat):
        ips = len(doc.addresses_in(rule_ips(rule)))
        cap = chain_capacity(endpoints=endpoints, ip_count=ips, min_ports_per_vm=nat.get("min_ports_per_vm"),
                             max_ports_per_vm=nat.get("max_ports_per_vm"), dynamic_port_allocation=dynamic)
        rows.append((f"{code(nat.get('name'))} → {text(rule_label(rule))}", cap.endpoints,
                     f"{cap.ports_per_endpoint:,}" + (" (dynamic)" if dynamic else ""), ips, f"{cap.pool_ports:,}",
                     f"{cap.connections_per_destination:,}"))
    return rows


def time_wait_note(nat: Resource) -> list[str]:
    """The Capacity note on TIME_WAIT, with the value the NAT will have (an adopted NAT's own when it keeps it)."""
    key = "tcp_time_wait_timeout_sec"
    if key in ((nat.get("lifecycle") or {}).get("ignore_changes") or []):
        held = ("as long as the adopted NAT's own TIME_WAIT, which this stack keeps (30 s on a gateway made since "
                "Google's 2026 rollout, 120 s before: `gcloud compute routers nats describe` shows it)")
    elif nat.get(key) is not None:
        held = f"{nat.get(key)} s"
    else:
        return []
    return [f"- {code(nat.get('name'))}: a closed connection holds its port {held} ({code(key)}): count the "
            "connections opened within that time as concurrent."]
