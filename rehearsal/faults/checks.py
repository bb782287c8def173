"""The campaign's checks S2–S4, on the local API as it changes and on the state at the end.

- S2 no allowlisted IP lost: no address of the stack is deleted, and none changes its IP (a name made again
  gets a new IP), at any call (``Watch``);
- S3 nothing duplicated or orphaned: every object the deploys made in the local API is in the state, once, and
  there is one alert policy per display name (``orphans_and_duplicates``);
- S4 the NAT always has an active IP: once the stack's NAT has one, it never has none, at any call (``Watch``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from constructs_lib.facts.resources import NAT
from rehearsal.localgcp.compute import relative

if TYPE_CHECKING:
    from rehearsal.localgcp import LocalGcp

# The kinds of object a stack makes, by a segment of their store key.
KINDS = ("/subnetworks/", "/addresses/", "/routers/", "/connectors/", "/services/", "/alertPolicies/")


@dataclass
class Watch:
    """Called by the local API after every call (``FaultTable.watchers``): records S2's and S4's breaches."""

    addresses: set[str]
    router: str
    nat: str
    ips: dict[str, str] = field(default_factory=dict)
    nat_seen_active: bool = False
    breaches: list[str] = field(default_factory=list)

    def __call__(self, gcp: LocalGcp) -> None:
        for key, ip in self.ips.items():
            now = gcp.store.get(key)
            if now is None:
                self._breach(f"S2: address {key} ({ip}) was deleted")
            elif now.get("address") != ip:
                self._breach(f"S2: address {key} changed its IP from {ip} to {now.get('address')}")
        for key in self.addresses:
            if key in gcp.store and key not in self.ips:
                self.ips[key] = gcp.store[key].get("address", "")
        router = gcp.store.get(self.router)
        nats = [n for n in (router or {}).get("nats", []) if n.get("name") == self.nat]
        active = bool(nats and nats[0].get("natIps"))
        if active:
            self.nat_seen_active = True
        elif self.nat_seen_active:
            self._breach(f"S4: NAT {self.nat} on {self.router} had no active IP")

    def _breach(self, text: str) -> None:
        if text not in self.breaches:
            self.breaches.append(text)


def _resources(module: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield from module.get("resources", [])
    for child in module.get("child_modules", []):
        yield from _resources(child)


def _identifiers(resource: Mapping[str, Any]) -> set[str]:
    """The store keys a state resource may stand for: its self link, id or name, made relative."""
    values = resource.get("values") or {}
    found = set()
    for key in ("self_link", "id", "name"):
        value = values.get(key)
        if isinstance(value, str) and value:
            found.add(relative(value) if "://" in value else value)
    return found


def orphans_and_duplicates(gcp: LocalGcp, state: Mapping[str, Any], before: set[str]) -> list[str]:
    """S3: what the deploys made (store keys not in ``before``) that the state holds not exactly once."""
    held: Counter[str] = Counter()
    nats: set[tuple[str, str]] = set()
    for resource in _resources(state.get("values", {}).get("root_module", {})):
        if resource.get("mode") == "managed" and "_iam_" not in resource.get("type", ""):
            held.update(_identifiers(resource))
        if resource.get("type") == NAT:
            nats.add((resource["values"].get("router", ""), resource["values"].get("name", "")))
    problems = []
    for key, value in sorted(gcp.store.items()):
        if key in before or "/operations/" in key or ":" in key or not any(kind in key for kind in KINDS):
            continue
        if key.count("/") != (3 if "/alertPolicies/" in key else 5):
            continue
        count = held.get(key, 0)
        if count != 1:
            problems.append(f"S3: {key} is in the state {count} times" if count else f"S3: {key} is an orphan "
                            "(in Google Cloud, not in the state)")
        for nat in value.get("nats", []) if "/routers/" in key else ():
            if (value["name"], nat["name"]) not in nats:
                problems.append(f"S3: NAT {nat['name']} on {key} is an orphan")
    names = Counter(p.get("displayName") for p in gcp.monitoring.policies().values())
    problems += [f"S3: {n} alert policies are named {name!r}" for name, n in sorted(names.items()) if n > 1]
    return problems
