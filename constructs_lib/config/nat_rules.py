"""``[[nat.rules]]``: a dedicated IP per partner, as Cloud NAT rules.

A rule sends the traffic to a partner's destination ranges out through the rule's own addresses
(``google_compute_router_nat`` ``rules``: ``match`` is written from ``destinations``, ``action.source_nat_active_ips``
from ``ips``); everything else leaves through the NAT's own IPs. A rule's addresses are created or adopted by the
stack (``egress.static_ip_names``/``static_ip_count``, ``existing_ips`` or ``standby_ips``) and are kept out of the
NAT's ``nat_ips``: Google's rules give each destination its own IPs ("Cloud NAT rules"), and an address serves one
rule or the default, never both (``facts.nat``).

Parsing (``parse_nat_rules``) checks each key on its own, and the rules against each other;
``nat_rule_checks`` checks them against the rest of the file: the addresses, endpoint-independent mapping,
and each rule's capacity.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Mapping

from ..facts.nat import NAT_RULE_NUMBER_STEP, NAT_RULE_NUMBERS, NAT_RULES_SOURCE, is_public_range
from ..facts.text import FORMULA_START
from .keys import RFC1035
from .reader import MISSING, Reader

__all__ = ["NatRuleConfig", "parse_nat_rules"]

_RULE_KEYS = ("number", "description", "destinations", "ips")
_IPS_EXPECTED = ("an address name (lowercase letters, digits and hyphens, starting with a letter, at most 63 "
                 "characters)")


@dataclass(frozen=True, kw_only=True)
class NatRuleConfig:
    """One ``[[nat.rules]]`` entry.

    Attributes:
        number: the rule number, 0..65000, unique in the NAT; the rule's place in file order × 100 when left
            out (100, 200, …: room to insert one between two later).
        destinations: the partner's IPv4 ranges (an address alone is a /32), public, in no other rule.
        ips: the addresses this rule's traffic leaves from: names the stack creates or adopts, in no other
            rule and not in the NAT's own ``nat_ips``; those also in ``egress.draining_ips`` drain (the rule's
            ``source_nat_drain_ips``).
        description: written to the rule and shown in REVIEW.md and the allowlist; none when left out.
    """

    number: int
    destinations: tuple[str, ...]
    ips: tuple[str, ...]
    description: str | None = None

    @property
    def label(self) -> str:
        """How the review and the allowlist name the rule: its description, else its number."""
        return self.description or f"rule {self.number}"


def _destinations(r: Reader, where: str, raw: Any) -> dict[str, int]:
    """The valid ranges of a rule's ``destinations``, in order, each with its index in the file's list (problems
    name that index, which the valid ranges alone would not give once one before it is refused)."""
    if not isinstance(raw, list) or not raw:
        r.problem(where, 'a non-empty list of public IPv4 ranges, such as ["203.0.113.0/24"]', raw)
        return {}
    found: dict[str, int] = {}
    for i, item in enumerate(raw):
        try:
            net = ipaddress.IPv4Network(item, strict=True) if isinstance(item, str) else None
        except ValueError:
            net = None
        if net is None:
            r.problem(f"{where}[{i}]", 'an IPv4 range with no host bits set, such as "203.0.113.0/24" (an '
                      'address alone is a /32; destination-based NAT rules take IPv4 only)', item)
        elif not is_public_range(net):
            r.problem(f"{where}[{i}]", "a public IPv4 range (a partner on the internet: private, shared, loopback, "
                      "link-local, multicast and reserved ranges never leave through Cloud NAT, and a range holding "
                      "one, such as 0.0.0.0/0, would send all traffic through the partner's address)", item)
        elif str(net) in found:
            r.problem(f"{where}[{i}]", f"a range not already at {where}[{found[str(net)]}]", item)
        else:
            found[str(net)] = i
    return found


def parse_nat_rules(r: Reader, nat_data: Mapping[str, Any]) -> tuple[NatRuleConfig, ...]:
    """``[[nat.rules]]``, each key checked on its own, and across rules: numbers unique, no destination in two."""
    raw = nat_data.get("rules", [])
    if not isinstance(raw, list):
        r.not_a_table("nat.rules", "an array of tables ([[nat.rules]])", raw)
        return ()
    rules: list[tuple[int, NatRuleConfig, tuple[int, ...]]] = []
    low, high = NAT_RULE_NUMBERS
    for i, item in enumerate(raw):
        where = f"nat.rules[{i}]"
        if not isinstance(item, dict):
            r.not_a_table(where, "a table ([[nat.rules]])", item)
            continue
        r.table(item, where, _RULE_KEYS)
        default = (i + 1) * NAT_RULE_NUMBER_STEP
        number = r.get(item, where, "number", int, default=default, check=lambda v: low <= v <= high,
                       expected=f"an integer from {low} to {high} (RouterNatRule.ruleNumber; 65001 is the NAT's "
                                "default rule)")
        description = r.get(item, where, "description", str, default=None,
                            check=lambda v: bool(v.strip()) and v.isprintable() and not v.startswith(FORMULA_START),
                            expected="a one-line description of the rule (the partner's name, say), not starting "
                                     "with =, +, - or @ (allowlist.csv goes to the partner: a spreadsheet would run "
                                     "it as a formula)")
        destinations = _destinations(r, f"{where}.destinations", item.get("destinations", MISSING))
        ips_raw = item.get("ips", MISSING)
        if not isinstance(ips_raw, list) or not ips_raw:
            r.problem(f"{where}.ips", "a non-empty list of address names the stack creates or adopts", ips_raw)
            ips: tuple[str, ...] = ()
        else:
            ips = r.unique_strings(ips_raw, f"{where}.ips", valid=RFC1035.fullmatch, expected=_IPS_EXPECTED)
        if number is not None and destinations and ips:
            rules.append((i, NatRuleConfig(number=number, destinations=tuple(destinations), ips=ips,
                                           description=description), tuple(destinations.values())))
    _check_across(r, rules, {i for i, item in enumerate(raw) if isinstance(item, dict) and "number" not in item})
    return tuple(rule for _, rule, _ in rules)


def _check_across(r: Reader, rules: list[tuple[int, NatRuleConfig, tuple[int, ...]]], defaulted: set[int]) -> None:
    """Numbers unique; no destination range overlapping one of an earlier rule ("at most one rule matches"). Each
    rule comes with its place in the file and its destinations' indices in the file's list; ``defaulted`` holds the
    places of the rules whose number is left out (their place × 100)."""
    numbers: dict[int, int] = {}
    labels: dict[str, int] = {}
    # The rules named by their number ("rule 200"): a description that is one of these names is a second partner
    # under one key of the partner_ips output, and one of the two partners' addresses would be left out of it.
    by_number = {rule.label: i for i, rule, _ in reversed(rules) if rule.description is None}  # the first wins
    ranges: list[tuple[ipaddress.IPv4Network, int]] = []
    for i, rule, positions in rules:
        if rule.number in numbers:
            j = numbers[rule.number]
            if i in defaulted:
                # The key the problem names was left out: say which number it stands for, and why.
                r.problem(f"nat.rules[{i}].number", f"a number no other rule has: left out, it is {rule.number} (the "
                          f"rule's place × {NAT_RULE_NUMBER_STEP}), which nat.rules[{j}] has; rule numbers are unique "
                          "in a NAT", MISSING)
            else:
                how = f" by default, its place × {NAT_RULE_NUMBER_STEP} with its number left out" \
                    if j in defaulted else ""
                r.problem(f"nat.rules[{i}].number", f"a number no other rule has (nat.rules[{j}] has it{how}; rule "
                          "numbers are unique in a NAT)", rule.number)
        numbers.setdefault(rule.number, i)
        if rule.description is not None and rule.description in labels:
            r.problem(f"nat.rules[{i}].description", f"a description no other rule has (nat.rules["
                      f"{labels[rule.description]}] has it: the review and the allowlist name a partner by it)",
                      rule.description)
        labels.setdefault(rule.description or "", i)
        named = by_number.get(rule.description)  # None for a rule without a description too
        if named is not None:
            r.problem(f"nat.rules[{i}].description", f'a description that is not another rule\'s name (nat.rules['
                      f'{named}], with no description, is named "{rule.description}" by its number: the review '
                      "and the allowlist name a partner by it)", rule.description)
        for j, cidr in zip(positions, rule.destinations):
            net = ipaddress.IPv4Network(cidr)
            clash = next(((other, k) for other, k in ranges if net.overlaps(other)), None)
            if clash is not None:
                r.problem(f"nat.rules[{i}].destinations[{j}]", f"a range no other rule matches (it overlaps "
                          f"{clash[0]} of nat.rules[{clash[1]}]: at most one NAT rule may match a packet, "
                          f"{NAT_RULES_SOURCE})", cidr)
        ranges.extend((ipaddress.IPv4Network(c), i) for c in rule.destinations)
