"""The list a partner allowlists: pure functions over Terraform's JSON (what a plan changes in it:
``plan_allowlist.py``).

``allowlist_entries`` reads a stack's state (``terraform show -json`` in its
folder): every static IP of the stack with its address name, its role and
where it lives.

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
from .allowlist_rules import rule_partners
from .output_file import write_output

__all__ = ["ALLOWLIST_FILES", "AllowlistEntry", "address_key", "allowlist_csv", "allowlist_entries", "allowlist_json",
           "csv_cell", "module_resources", "write_allowlist"]

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


def address_key(link: Any) -> str | None:
    """``projects/P/regions/R/addresses/N`` from a self link, a relative name or an id."""
    if not isinstance(link, str) or "/addresses/" not in link:
        return None
    index = link.find("projects/")
    return link[index:] if index >= 0 else None


def module_resources(module: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield from module.get("resources", [])
    for child in module.get("child_modules", []):
        yield from module_resources(child)


def _nat_lists(resources: Iterable[Mapping[str, Any]]) -> tuple[set[str], set[str]]:
    """(in use, draining) address keys, the NatAddress's lists before the NAT's own."""
    holders = [r for r in resources if r.get("mode") == "managed" and r.get("type") in (NAT_ADDRESS, NAT)]
    by_nat: dict[tuple[str, str], Mapping[str, Any]] = {}
    for r in sorted(holders, key=lambda r: r["type"] == NAT_ADDRESS):  # NatAddress last: it wins
        values = r.get("values") or {}
        nat = values.get("router_nat") if r["type"] == NAT_ADDRESS else values.get("name")
        by_nat[(str(values.get("router")).rsplit("/", 1)[-1], str(nat).rsplit("/", 1)[-1])] = values
    active = {k for v in by_nat.values() for k in map(address_key, v.get("nat_ips") or []) if k}
    draining = {k for v in by_nat.values() for k in map(address_key, v.get("drain_nat_ips") or []) if k}
    return active, draining


def allowlist_entries(state: Mapping[str, Any], *, stack: str) -> list[AllowlistEntry]:
    """Every static IP of a stack's state, sorted by role then name.

    Args:
        state: ``terraform show -json`` of the stack's state (``values.root_module``).
        stack: the stack's name, written into each entry.
    """
    resources = list(module_resources(state.get("values", {}).get("root_module", {})))
    active, draining = _nat_lists(resources)
    partners = {address_key(link): partner for link, partner in rule_partners(resources).items()}
    entries = []
    for r in resources:
        if r.get("type") != ADDRESS:
            continue
        values = r.get("values") or {}
        key = address_key(values.get("self_link")) or address_key(values.get("id"))
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
