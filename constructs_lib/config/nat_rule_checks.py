"""``[[nat.rules]]`` against the rest of the file: each rule's addresses, endpoint-independent mapping, and each
rule's capacity (how it counts: ``_check_rule_capacity``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..facts.capacity import (PORTS_PER_IP, chain_capacity, endpoints_served, ips_to_serve,
                              reserved_ports_per_endpoint)
from .capacity_check import ports_needed
from .nat_rules import NatRuleConfig
from .reader import Reader

if TYPE_CHECKING:
    from .model import EnvironmentConfig

__all__ = ["check_nat_rule_capacity", "check_nat_rules"]


def check_nat_rules(r: Reader, config: EnvironmentConfig) -> None:
    """The rules against the rest of the file: their addresses, endpoint-independent mapping, their capacity."""
    rules = config.nat.rules
    if not rules:
        return
    known = (*config.pool_names, *config.standby_ips)
    used: dict[str, int] = {}
    for i, rule in enumerate(rules):
        for j, name in enumerate(rule.ips):
            where = f"nat.rules[{i}].ips[{j}]"
            if name not in known:
                r.problem(where, f"an address the stack creates or adopts ({', '.join(known)}: "
                          "egress.static_ip_names or static_ip_count, existing_ips, standby_ips)", name)
            elif name in used:
                r.problem(where, f"an address of no other rule (nat.rules[{used[name]}] uses it: a partner's IP "
                          "serves that partner alone)", name)
            used.setdefault(name, i)
        if rule.ips and set(rule.ips) <= set(config.draining_ips):
            r.shown(f"nat.rules[{i}].ips", "at least one address that is not draining (the rule's traffic needs an "
                    "active one: add the new address to the rule before draining the old)",
                    f"every address draining ({', '.join(rule.ips)})")
    if config.nat.endpoint_independent_mapping is True:
        r.problem("nat.endpoint_independent_mapping", "false or nothing with [[nat.rules]] (Cloud NAT rules need "
                  "endpoint-independent mapping off: \"Set up and manage Cloud NAT rules\")", True)
    if not config.active_ip_names:
        r.shown("nat.rules", "at least one address of the pool in none of the rules and not draining (the NAT's "
                "own nat_ips carry every other destination; MANUAL_ONLY needs one)",
                f"every address of the pool in a rule or draining ({', '.join(config.pool_names)})")


def check_nat_rule_capacity(r: Reader, config: EnvironmentConfig) -> None:
    """Each rule's capacity (``_check_rule_capacity``), on rules whose addresses are valid."""
    for i, rule in enumerate(config.nat.rules):
        _check_rule_capacity(r, config, i, rule)


def _check_rule_capacity(r: Reader, config: EnvironmentConfig, i: int, rule: NatRuleConfig) -> None:
    """A rule's addresses give every endpoint its reservation, and hold the peak toward the partner.

    How it counts: any endpoint (connector VM, or Cloud Run instance with Direct VPC egress) may call any
    partner, so every endpoint that holds a reservation on the NAT needs one from each rule's addresses too; the
    peak of ``capacity.peak_connections_per_destination`` is per destination IP:port, so it applies to each
    partner's destinations, with the rule's addresses as the pool.
    """
    nat, active = config.nat, config.rule_active_ips(rule)
    ips = len(active)
    dynamic = bool(nat.dynamic_port_allocation)
    reserved = reserved_ports_per_endpoint(min_ports_per_vm=nat.min_ports_per_vm, dynamic_port_allocation=dynamic)
    reserving = config.reserving_endpoints
    served = endpoints_served(ip_count=ips, reserved_ports=reserved)
    plural, serve = ("es", "serve") if ips != 1 else ("", "serves")
    if served < reserving:
        needed = ips_to_serve(endpoints=reserving, reserved_ports=reserved)
        more = needed - ips if needed is not None else None
        fix = f"{more} more address{'es' if more != 1 else ''} in the rule" if more else "fewer ports per VM"
        r.shown(f"nat.rules[{i}].ips", f"addresses that give every endpoint its reservation toward "
                f"{rule.label}: {reserving} endpoints reserve {reserved:,} ports each, but {ips} address{plural} "
                f"{serve} only {ips} × floor({PORTS_PER_IP:,} / {reserved:,}) = {served}; {fix}",
                f"{ips} active address{plural} ({', '.join(active)})")
        return
    needed = ports_needed(config)
    if needed is None:
        return
    peak, key, shown = needed
    cap = chain_capacity(endpoints=config.nat_endpoints, ip_count=ips, min_ports_per_vm=nat.min_ports_per_vm,
                         max_ports_per_vm=nat.max_ports_per_vm, dynamic_port_allocation=dynamic)
    if cap.connections_per_destination < peak:
        need = -(-peak // PORTS_PER_IP)
        hint = (f"{need - ips} more address{'es' if need - ips != 1 else ''} in the rule" if
                cap.endpoints * cap.ports_per_endpoint >= peak else "more ports per VM ([nat]), then addresses")
        r.shown(f"nat.rules[{i}].ips", f"addresses that hold {key} ({shown}) "
                f"toward {rule.label}: min({cap.endpoints} endpoints × {cap.ports_per_endpoint:,} ports, {ips} "
                f"address{plural} × {PORTS_PER_IP:,} ports) = {cap.connections_per_destination:,}; {hint}",
                f"{ips} active address{plural} ({', '.join(active)})")
