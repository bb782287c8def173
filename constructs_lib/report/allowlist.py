"""The list a partner allowlists, and what a plan changes in it: pure functions over Terraform's JSON.

``allowlist_entries`` reads a stack's state (``terraform show -json`` in its
folder): every static IP of the stack with its address name, its role and
where it lives. ``allowlist_change`` reads a saved plan (``terraform show
-json PLAN``) and says which IPs the deploy starts using (the partner must
allowlist them before it), stops using (they can leave the allowlist after
it) and releases (gone for good).

The NAT's IPs are in ``google_compute_router_nat_address``'s ``nat_ips`` (in
use) and ``drain_nat_ips`` (draining); a stack of the earlier shape, or a
hand-built one, has them on ``google_compute_router_nat`` itself. When both
exist the NatAddress is the truth: the NAT's own lists are Computed and lag
one apply behind it. Adopted addresses (``existing_ips``) are ``data``
resources; created ones ``google_compute_address`` resources.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from ..facts.resources import ADDRESS, NAT, NAT_ADDRESS
from ..facts.text import FORMULA_START
from .allowlist_rules import rule_links, rule_partners
from .output_file import write_output

__all__ = ["ALLOWLIST_FILES", "AllowlistEntry", "allowlist_change", "allowlist_csv", "allowlist_entries", "csv_cell",
           "allowlist_json", "retired_addresses", "write_allowlist"]

ROLES = ("active", "adopted", "rule", "draining", "standby")
FIELDS = ("ip", "name", "role", "stack", "project", "region", "partner")
# What write_allowlist writes into a stack's folder (make allowlist) or the rehearsal's (make rehearse).
ALLOWLIST_FILES = ("allowlist.json", "allowlist.csv")


@dataclass(frozen=True)
class AllowlistEntry:
    """One static IP of a stack.

    Attributes:
        ip: the IPv4 address.
        name: the address resource's name in GCP.
        role: ``active`` (in the NAT's nat_ips, reserved by this stack), ``adopted`` (in nat_ips, reserved
            outside the stack: ``existing_ips``), ``draining`` (in drain_nat_ips: no new connections),
            ``standby`` (reserved by the stack, in no NAT yet: allowlist it before it joins the pool),
            ``rule`` (in a NAT rule's ``source_nat_active_ips``: only the rule's partner sees it).
        stack, project, region: where it lives.
        partner: for an address of a NAT rule (role ``rule``, or ``draining`` out of the rule), the rule's
            description (else ``rule N``): the partner that allowlists it; empty for the NAT's own addresses.
    """

    ip: str
    name: str
    role: str
    stack: str
    project: str
    region: str
    partner: str = ""


def _key(link: Any) -> str | None:
    """``projects/P/regions/R/addresses/N`` from a self link, a relative name or an id."""
    if not isinstance(link, str) or "/addresses/" not in link:
        return None
    index = link.find("projects/")
    return link[index:] if index >= 0 else None


def _resources(module: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield from module.get("resources", [])
    for child in module.get("child_modules", []):
        yield from _resources(child)


def _nat_lists(resources: Iterable[Mapping[str, Any]]) -> tuple[set[str], set[str]]:
    """(in use, draining) address keys, the NatAddress's lists before the NAT's own."""
    holders = [r for r in resources if r.get("mode") == "managed" and r.get("type") in (NAT_ADDRESS, NAT)]
    by_nat: dict[tuple[str, str], Mapping[str, Any]] = {}
    for r in sorted(holders, key=lambda r: r["type"] == NAT_ADDRESS):  # NatAddress last: it wins
        values = r.get("values") or {}
        nat = values.get("router_nat") if r["type"] == NAT_ADDRESS else values.get("name")
        by_nat[(str(values.get("router")).rsplit("/", 1)[-1], str(nat).rsplit("/", 1)[-1])] = values
    active = {k for v in by_nat.values() for k in map(_key, v.get("nat_ips") or []) if k}
    draining = {k for v in by_nat.values() for k in map(_key, v.get("drain_nat_ips") or []) if k}
    return active, draining


def allowlist_entries(state: Mapping[str, Any], *, stack: str) -> list[AllowlistEntry]:
    """Every static IP of a stack's state, sorted by role then name.

    Args:
        state: ``terraform show -json`` of the stack's state (``values.root_module``).
        stack: the stack's name, written into each entry.
    """
    resources = list(_resources(state.get("values", {}).get("root_module", {})))
    active, draining = _nat_lists(resources)
    partners = {_key(link): partner for link, partner in rule_partners(resources).items()}
    entries = []
    for r in resources:
        if r.get("type") != ADDRESS:
            continue
        values = r.get("values") or {}
        key = _key(values.get("self_link")) or _key(values.get("id"))
        adopted = r.get("mode") == "data"
        partner, rule_draining = partners.get(key, ("", False))
        if key in draining or rule_draining:
            role = "draining"
        elif partner:
            role = "rule"
        elif key in active:
            role = "adopted" if adopted else "active"
        elif adopted:
            continue  # read by the stack, used by no NAT of it
        else:
            role = "standby"
        region = str(values.get("region") or "").rsplit("/", 1)[-1]
        entries.append(AllowlistEntry(ip=str(values.get("address") or ""), name=str(values.get("name")), role=role,
                                      stack=stack, project=str(values.get("project") or ""), region=region,
                                      partner=partner))
    return sorted(entries, key=lambda e: (ROLES.index(e.role), e.name))


def allowlist_json(entries: list[AllowlistEntry]) -> str:
    return json.dumps([asdict(e) for e in entries], indent=2) + "\n"


def csv_cell(value: str) -> str:
    """``value`` as a CSV cell no spreadsheet runs: a leading formula character (``FORMULA_START``) is kept behind a
    ``'``, which spreadsheets show as text. Validation refuses such a rule description; this guards what a state
    holds once refreshed (a description edited in the console). ``allowlist.json`` keeps every value as it is."""
    return f"'{value}" if value.startswith(FORMULA_START) else value


def allowlist_csv(entries: list[AllowlistEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    writer.writerows([csv_cell(str(getattr(e, f))) for f in FIELDS] for e in entries)
    return out.getvalue()


def write_allowlist(entries: list[AllowlistEntry], folder: Path) -> list[Path]:
    """``allowlist.json`` and ``allowlist.csv`` in ``folder``; returns their paths.

    Raises:
        OutputFileError: one of them is not a regular file (``output_file.write_output``).
    """
    written = []
    for name, body in zip(ALLOWLIST_FILES, (allowlist_json(entries), allowlist_csv(entries))):
        path = folder / name
        write_output(path, body)
        written.append(path)
    return written


# -- a plan's change of the allowlist ---------------------------------------------------------------------


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
            for r in _resources(module):
                if r.get("type") == ADDRESS:
                    self._add(r.get("address", ""), r.get("values") or {})

    def _add(self, tf_address: str, values: Mapping[str, Any]) -> None:
        name = values.get("name")
        if not isinstance(name, str):
            return
        found = _Address(name, values.get("address") if isinstance(values.get("address"), str) else None)
        self.by_tf[tf_address] = found
        key = _key(values.get("self_link")) or _key(values.get("id"))
        if key:
            self.by_key[key] = found

    def of(self, link: str) -> _Address:
        key = _key(link)
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
    holders = [c for c in changes if c["type"] == NAT_ADDRESS and c["change"].get(when)] or [
        c for c in changes if c["type"] == NAT and c["change"].get(when)]
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


def _shown(a: _Address) -> str:
    return f"`{a.ip}` ({a.name})" if a.ip else f"{a.name} (IP known after apply)"


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


def retired_addresses(plan: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """The names of the addresses a plan releases and of those it forgets (``allowlist_change`` lists them)."""
    released, forgotten = _retired(plan)
    return [a.name for a in released], [a.name for a in forgotten]


def allowlist_change(plan: Mapping[str, Any]) -> list[str]:
    """The Markdown lines of the "Allowlist change" section for a plan (``terraform show -json PLAN``).

    Lists the IPs this deploy starts using (the partner must allowlist them before the deploy), the ones
    it starts draining, the ones it stops using (they can leave the allowlist after the deploy) and the
    addresses it releases (deleted: the IP is gone for good) or forgets (left reserved, out of the state).
    """
    known = _PlanAddresses(plan)
    before, drained_before = _pool(plan, known, "before")
    after, drained_after = _pool(plan, known, "after")
    start = [after[n] for n in sorted(set(after) - set(before))]
    stop = [before[n] for n in sorted(set(before) - set(after))]
    drain = [after[n] for n in sorted(drained_after - drained_before) if n in before]
    released, forgotten = _retired(plan)
    lines = ["## Allowlist change", ""]
    if not (start or stop or drain or released or forgotten):
        return [*lines, "No IP starts or stops being used, and no address is released.", ""]
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
                  *[f"- {_shown(a)}" for a in stop], ""]
    if released:
        lines += ["Addresses this deploy releases (the IP is gone for good):", "",
                  *[f"- {_shown(a)}" for a in released], ""]
    if forgotten:
        lines += ["Addresses this deploy forgets (still reserved in GCP, no longer in this stack):", "",
                  *[f"- {_shown(a)}" for a in forgotten], ""]
    return lines
