"""What a plan changes in the list a partner allowlists: a pure function over ``terraform show -json PLAN``.

``allowlist_change`` says which IPs the deploy starts using (the partner must allowlist them before it), starts
draining, stops using (they can leave the allowlist after it), releases (gone for good) or forgets, and which the
refresh found changed outside Terraform (an address deleted and reserved again under its name: a new IP; for an
adopted address, the stack's IP outputs are the plan's only record of the IP before). The NAT's IPs are read as
``allowlist.py`` reads them from a state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from ..facts.nat import forgotten_as_kept, nat_ips_after_list_deleted, router_of, routers_deleted
from ..facts.outputs import IP_OUTPUTS
from ..facts.resources import ADDRESS, NAT, NAT_ADDRESS
from .allowlist import address_key, module_resources
from .allowlist_rules import rule_links

__all__ = ["allowlist_change", "retired_addresses"]


@dataclass(frozen=True)
class _Address:
    name: str
    ip: str | None


class _PlanAddresses:
    """Every address a plan knows, by key and by Terraform address: the prior state's, the planned ones."""

    def __init__(self, plan: Mapping[str, Any]) -> None:
        self.by_key: dict[str, _Address] = {}
        self.by_tf: dict[str, _Address] = {}
        prior = plan.get("prior_state", {}).get("values", {}).get("root_module", {})
        planned = plan.get("planned_values", {}).get("root_module", {})
        for module in (planned, prior):  # the prior state's IPs win: they are known
            for r in module_resources(module):
                if r.get("type") == ADDRESS:
                    self._add(r.get("address", ""), r.get("values") or {})

    def _add(self, tf_address: str, values: Mapping[str, Any]) -> None:
        name = values.get("name")
        if not isinstance(name, str):
            return
        found = _Address(name, values.get("address") if isinstance(values.get("address"), str) else None)
        self.by_tf[tf_address] = found
        key = address_key(values.get("self_link")) or address_key(values.get("id"))
        if key:
            self.by_key[key] = found

    def of(self, link: str) -> _Address:
        key = address_key(link)
        if key in self.by_key:
            return self.by_key[key]
        return _Address(str(link).rsplit("/", 1)[-1], None)


def _references(plan: Mapping[str, Any], tf_address: str, attribute: str) -> list[str]:
    """The resources an attribute of a resource refers to in the plan's configuration (``type.name``)."""
    for r in plan.get("configuration", {}).get("root_module", {}).get("resources", []):
        if r.get("address") == tf_address:
            refs = r.get("expressions", {}).get(attribute, {}).get("references", [])
            parts = [ref.split(".") for ref in refs]
            return sorted({".".join(p[:3] if p[0] == "data" else p[:2]) for p in parts if len(p) >= 3})
    return []


def _pool(plan: Mapping[str, Any], known: _PlanAddresses, when: str) -> tuple[dict[str, _Address], set[str]]:
    """(name → address in use or draining, names draining) before or after the plan."""
    used: dict[str, _Address] = {}
    draining: set[str] = set()
    changes = [c for c in plan.get("resource_changes", []) if c.get("mode") == "managed"
               and c.get("type") in (NAT, NAT_ADDRESS)]
    if when == "after":
        # Forgotten (a removed block): out of the stack's hands, still in Google Cloud with its IPs (as the guard
        # reads it). A NAT that stays while its router is deleted is deleted with it: none of its IPs in use.
        changes = _kept_without_router(plan, [forgotten_as_kept(c) for c in changes])
    holders = [c for c in changes if c["type"] == NAT_ADDRESS and c["change"].get(when)] or [
        c for c in changes if c["type"] == NAT and c["change"].get(when)]
    deleted = [c for c in changes if c["type"] == NAT_ADDRESS and c["change"]["actions"] == ["delete"]]
    if when == "after" and deleted and not any(c["type"] == NAT and "delete" in c["change"]["actions"]
                                               for c in changes):
        # The IP list beside a NAT that stays, deleted: the NAT keeps its first IP only (its own list is stale).
        holders = []
        for c in deleted:
            listed = (c["change"].get("before") or {}).get("nat_ips") or []
            for kept in map(known.of, nat_ips_after_list_deleted(listed)):
                used[kept.name] = kept
    for c in holders:
        values, unknown = c["change"].get(when) or {}, c["change"].get(f"{when}_unknown") or {}
        for attribute in ("nat_ips", "drain_nat_ips"):
            if when == "after" and unknown.get(attribute) is True:
                addresses = [known.by_tf.get(ref, _Address(ref.split(".", 1)[-1], None))
                             for ref in _references(plan, c["address"], attribute)]
            else:
                addresses = [known.of(link) for link in values.get(attribute) or []]
            for a in addresses:
                used[a.name] = a
                if attribute == "drain_nat_ips":
                    draining.add(a.name)
    for c in (c for c in changes if c["type"] == NAT and c["change"].get(when)):
        for attribute in ("source_nat_active_ips", "source_nat_drain_ips"):
            links, refs = rule_links(plan, c, when, attribute)
            for a in [*map(known.of, links), *(known.by_tf.get(r, _Address(r.split(".", 1)[-1], None)) for r in refs)]:
                used[a.name] = a
                if attribute == "source_nat_drain_ips":
                    draining.add(a.name)
    return used, draining


def _kept_without_router(plan: Mapping[str, Any], changes: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """``changes`` (of NATs and their IP lists) but those of a NAT the plan keeps while it deletes its router: one
    that exists before the plan, none of whose NAT resources it deletes or replaces (the guard's ``Nat.dropped_with``,
    its resources grouped the same way)."""
    gone = routers_deleted(plan.get("resource_changes", []))
    if not gone:
        return changes

    def nat_of(change: Mapping[str, Any]) -> tuple[Any, ...]:
        values = change["change"].get("before") or change["change"].get("after") or {}
        return (*router_of(values), values.get("name") if change["type"] == NAT else values.get("router_nat"))

    existing = {nat_of(c) for c in changes if isinstance(c["change"].get("before"), dict)}
    own = {nat_of(c) for c in changes if c["type"] == NAT and "delete" in c["change"]["actions"]}
    dropped = {nat for nat in existing - own if nat[:3] in gone}
    return [c for c in changes if nat_of(c) not in dropped]


# Why an IP the plan takes out of a NAT has no IP in it: no address of the state holds it.
_PUT_IN_OUTSIDE = "put into the NAT outside Terraform: its IP is not in this stack's state"


def _shown(a: _Address, unknown: str = "IP known after apply") -> str:
    """An address with its IP, else with why the plan does not know it (created by it, by default)."""
    return f"`{a.ip}` ({a.name})" if a.ip else f"{a.name} ({unknown})"


def _retired(plan: Mapping[str, Any]) -> tuple[list[_Address], list[_Address]]:
    """The stack's addresses a plan releases (deleted or replaced: the IP is gone) and forgets (left reserved)."""
    released, forgotten = [], []
    for c in plan.get("resource_changes", []):
        if c.get("type") != ADDRESS or c.get("mode") != "managed":
            continue
        actions, prior = c["change"]["actions"], c["change"].get("before") or {}
        gone = _Address(str(prior.get("name")), prior.get("address"))
        if "delete" in actions:
            released.append(gone)
        elif "forget" in actions:
            forgotten.append(gone)
    return released, forgotten


def _output_ips(plan: Mapping[str, Any], side: str) -> dict[str, str]:
    """Address name → IP in the stack's IP outputs on one side of the plan (``output_changes``): before, the IPs
    the last apply wrote; after, those this plan would write."""
    found: dict[str, str] = {}
    for output in IP_OUTPUTS:
        value = ((plan.get("output_changes") or {}).get(output) or {}).get(side)
        for name, ip in (value.items() if isinstance(value, dict) else ()):
            pairs = ip.items() if isinstance(ip, dict) else ((name, ip),)  # partner_ips: label → name → IP
            found.update((n, i) for n, i in pairs if isinstance(n, str) and isinstance(i, str) and i)
    return found


def _changed_outside(plan: Mapping[str, Any]) -> list[tuple[_Address, str]]:
    """(the address as the refresh found it, its IP before) for each address deleted and reserved again under its
    name outside Terraform: a managed one whose IP the refresh found changed (``resource_drift``, an update of
    ``address``); an adopted one (a data source, which leaves no drift) whose IP in the stack's outputs the plan
    changes."""
    found: dict[str, tuple[_Address, str]] = {}
    for c in plan.get("resource_drift") or []:
        if c.get("type") != ADDRESS or c.get("mode") != "managed" or "delete" in c["change"]["actions"]:
            continue
        before, after = c["change"].get("before") or {}, c["change"].get("after") or {}
        old, new, name = before.get("address"), after.get("address"), after.get("name")
        if all(isinstance(v, str) and v for v in (old, new, name)) and old != new:
            found[name] = (_Address(name, new), old)
    adopted = {(r.get("values") or {}).get("name") for r in module_resources(
        ((plan.get("prior_state") or {}).get("values") or {}).get("root_module") or {})
        if r.get("mode") == "data" and r.get("type") == ADDRESS}
    written, planned = _output_ips(plan, "before"), _output_ips(plan, "after")
    for name in sorted(n for n in adopted if isinstance(n, str)):
        old, new = written.get(name), planned.get(name)
        if old and new and old != new:
            found.setdefault(name, (_Address(name, new), old))
    return [found[name] for name in sorted(found)]


def retired_addresses(plan: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """The names of the addresses a plan releases and of those it forgets (``allowlist_change`` lists them)."""
    released, forgotten = _retired(plan)
    return [a.name for a in released], [a.name for a in forgotten]


def allowlist_change(plan: Mapping[str, Any]) -> list[str]:
    """The Markdown lines of the "Allowlist change" section for a plan (``terraform show -json PLAN``).

    Lists the IPs that changed outside Terraform (an address deleted and reserved again: the partner must
    allowlist the new one now), the IPs this deploy starts using (the partner must allowlist them before the
    deploy), the ones it starts draining, the ones it stops using (they can leave the allowlist after the deploy)
    and the addresses it releases (deleted: the IP is gone for good) or forgets (left reserved, out of the state).
    """
    known = _PlanAddresses(plan)
    before, drained_before = _pool(plan, known, "before")
    after, drained_after = _pool(plan, known, "after")
    start = [after[n] for n in sorted(set(after) - set(before))]
    stop = [before[n] for n in sorted(set(before) - set(after))]
    drain = [after[n] for n in sorted(drained_after - drained_before) if n in before]
    released, forgotten = _retired(plan)
    changed = _changed_outside(plan)
    lines = ["## Allowlist change", ""]
    if not (start or stop or drain or released or forgotten or changed):
        return [*lines, "No IP starts or stops being used, and no address is released.", ""]
    if changed:
        lines += ["IPs that changed outside Terraform: each address was deleted and reserved again under its name, "
                  "so its old IP is gone for good (no deploy brings it back): **the partner must allowlist the new "
                  "IP now**, and may remove the old one:", "",
                  *[f"- {_shown(a)}, was `{old}`" for a, old in changed], ""]
    if start:
        lines += ["IPs this deploy starts using: **the partner must allowlist them before this deploy**:", "",
                  *[f"- {_shown(a)}" for a in start], ""]
        if any(a.ip is None for a in start):
            lines += ["An address created by this deploy goes straight into the NAT: its IP is unknown until "
                      "apply. Create it as a standby address first (`standby_ips`).", ""]
    if drain:
        lines += ["IPs this deploy starts draining (no new connections; keep them allowlisted until removed):", "",
                  *[f"- {_shown(a)}" for a in drain], ""]
    if stop:
        lines += ["IPs this deploy stops using: they can leave the allowlist after it:", "",
                  *[f"- {_shown(a, _PUT_IN_OUTSIDE)}" for a in stop], ""]
    if released:
        lines += ["Addresses this deploy releases (the IP is gone for good):", "",
                  *[f"- {_shown(a)}" for a in released], ""]
    if forgotten:
        lines += ["Addresses this deploy forgets (still reserved in GCP, no longer in this stack):", "",
                  *[f"- {_shown(a)}" for a in forgotten], ""]
    return lines
