"""The parts of a saved plan's JSON (``terraform show -json``) that the guard reads, and nothing else.

Every value comes from the plan itself, so HCP Terraform's OPA policy (``input.plan``) can read the same:
``resource_changes``, ``resource_drift``, ``prior_state`` and the ``release_ips``/``forget_ips`` outputs in
``planned_values`` (the stack writes them only while the file names addresses).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from ..facts.nat import forgotten_as_kept, nat_ips_after_list_deleted, routers_deleted
from ..facts.resources import ADDRESS, NAT, NAT_ADDRESS, ROUTER

JSON = dict[str, Any]


def relative(link: str) -> str:
    """``projects/…`` of a self link (``https://www.googleapis.com/compute/v1/projects/…``) or a relative name."""
    index = link.find("projects/")
    return link[index:] if index >= 0 else link


def last(link: str) -> str:
    """The last segment of a link: an address's name."""
    return link.rstrip("/").rsplit("/", 1)[-1]


def output_names(plan: JSON, output: str) -> tuple[str, ...]:
    """The address names an output of the stack lists (``release_ips``, ``forget_ips``); none when absent."""
    value = ((plan.get("planned_values") or {}).get("outputs") or {}).get(output, {}).get("value")
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _modules(module: JSON | None) -> Iterator[JSON]:
    if not module:
        return
    yield module
    for child in module.get("child_modules") or []:
        yield from _modules(child)


def state_resources(plan: JSON) -> list[JSON]:
    """Every resource of ``prior_state`` (the state as refreshed by this plan), child modules included."""
    root = ((plan.get("prior_state") or {}).get("values") or {}).get("root_module")
    return [r for m in _modules(root) for r in m.get("resources") or []]


def changes(plan: JSON, types: tuple[str, ...] | None = None) -> list[JSON]:
    """The managed resource changes of these types (of every type when None), no-ops included."""
    return [c for c in plan.get("resource_changes") or []
            if c.get("mode") == "managed" and (types is None or c.get("type") in types)]


def lost(plan: JSON) -> list[JSON]:
    """The ``before`` of every managed address that the refresh found gone (``resource_drift``, a delete)."""
    return [c["change"].get("before") or {} for c in plan.get("resource_drift") or []
            if c.get("mode") == "managed" and c.get("type") == ADDRESS and "delete" in c["change"]["actions"]]


@dataclass(frozen=True)
class Known:
    """The addresses a plan knows: by relative self link → (name, IP), and the names of those the stack managed."""

    by_link: dict[str, tuple[str, str | None]]
    managed_names: frozenset[str]
    all_names: frozenset[str]

    def knows(self, link: str) -> bool:
        """Whether a NAT's IP link is an address of the stack's state or plan; one that is not was put into the NAT
        outside Terraform."""
        return relative(link) in self.by_link

    def describe(self, link: str) -> tuple[str, str | None]:
        """(name, IP) of a NAT's IP link; the IP is None when neither state nor plan knows it."""
        return self.by_link.get(relative(link), (last(link), None))


def known_addresses(plan: JSON) -> Known:
    """What the plan knows of the addresses: ``prior_state`` (managed and adopted), the changes' ``before``, and
    the addresses the refresh lost."""
    by_link: dict[str, tuple[str, str | None]] = {}
    managed: set[str] = set()
    every: set[str] = set()
    values = [(r.get("mode"), r.get("values") or {}) for r in state_resources(plan) if r.get("type") == ADDRESS]
    values += [("managed", c["change"].get("before") or {}) for c in changes(plan, (ADDRESS,))]
    values += [("managed", before) for before in lost(plan)]
    for mode, v in values:
        name = v.get("name")
        if not isinstance(name, str):
            continue
        every.add(name)
        if mode == "managed":
            managed.add(name)
        if isinstance(v.get("self_link"), str):  # the first one seen counts (the policy's Rego does the same)
            by_link.setdefault(relative(v["self_link"]), (name, v.get("address")))
    return Known(by_link, frozenset(managed), frozenset(every))


@dataclass(frozen=True)
class NatSide:
    """A NAT's IPs on one side of the plan: ``active`` and ``draining`` (relative links), and whether the active
    list holds values only known after apply (addresses being created)."""

    address: str
    active: frozenset[str]
    draining: frozenset[str]
    unknown: bool
    manual: bool


def _links(values: JSON, key: str) -> frozenset[str]:
    return frozenset(relative(v) for v in values.get(key) or [] if isinstance(v, str))


def _is_unknown(marker: Any) -> bool:
    return marker is True or (isinstance(marker, list) and any(m is True for m in marker))


def _state_links(plan: JSON) -> dict[str, str]:
    """Resource address → self link, in the refreshed state, else as the refresh lost it (same name, same link)."""
    state = {c.get("address"): c["change"].get("before") or {} for c in plan.get("resource_drift") or []
             if "delete" in c["change"]["actions"]}
    state.update({r.get("address"): r.get("values") or {} for r in state_resources(plan)})
    return {a: v["self_link"] for a, v in state.items() if isinstance(v.get("self_link"), str)}


def _referenced(state: dict[str, str], expression: Any) -> frozenset[str]:
    """The self links (relative) of the resources an expression of the configuration refers to."""
    found = set()
    for ref in (expression or {}).get("references") or [] if isinstance(expression, dict) else []:
        parts = ref.split(".")
        link = state.get(".".join(parts[:3] if parts[0] == "data" else parts[:2]))
        if link is not None:
            found.add(relative(link))
    return frozenset(found)


def config_links(plan: JSON, address: str, attribute: str) -> frozenset[str]:
    """The self links, as the state knows them, of the addresses that the configuration's expression
    for ``attribute`` of resource ``address`` refers to (``configuration``'s ``references``).

    A provider built on the plugin SDK plans a whole set as unknown when one element is (a NAT whose nat_ips
    gains an address being created): the addresses it keeps are then read from what the expression names.
    """
    root = (plan.get("configuration") or {}).get("root_module") or {}
    state = _state_links(plan)
    found: frozenset[str] = frozenset()
    for resource in root.get("resources") or []:
        if resource.get("address") == address:
            found |= _referenced(state, (resource.get("expressions") or {}).get(attribute))
    return found


@dataclass(frozen=True)
class RuleChange:
    """One NAT rule (by its number) kept by a plan that updates its NAT: the rule's active IPs before, and the IPs
    it still holds after (active or draining, with those the configuration names when the plan cannot know)."""

    nat_address: str
    nat_name: str
    number: int
    description: str
    active_before: frozenset[str]
    kept_after: frozenset[str]


def text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _rule_links(rule: JSON, key: str) -> frozenset[str]:
    action = (rule.get("action") or [{}])[0] or {}
    return _links(action, key)


def rule_changes(plan: JSON) -> list[RuleChange]:
    """Every NAT rule present on both sides of a plan that keeps its NAT (``google_compute_router_nat.rules``).

    A rule the plan removes, or renumbers, is out of scope: the file says where that partner's traffic goes.
    """
    root = (plan.get("configuration") or {}).get("root_module") or {}
    state = _state_links(plan)
    found = []
    for change in changes(plan, (NAT,)):
        c = change["change"]
        before, after = c.get("before"), c.get("after")
        if c["actions"] == ["forget"] or not isinstance(before, dict) or not isinstance(after, dict):
            continue
        configured: dict[Any, JSON] = {}
        for resource in root.get("resources") or []:
            if resource.get("address") == change["address"]:
                for rule in (resource.get("expressions") or {}).get("rules") or []:
                    configured[(rule.get("rule_number") or {}).get("constant_value")] = rule
        after_rules = {r.get("rule_number"): r for r in after.get("rules") or [] if isinstance(r, dict)}
        for rule in before.get("rules") or []:
            if not isinstance(rule, dict) or rule.get("rule_number") not in after_rules:
                continue
            number = rule["rule_number"]
            config_action = ((configured.get(number) or {}).get("action") or [{}])[0] or {}
            kept = (_rule_links(after_rules[number], "source_nat_active_ips")
                    | _rule_links(after_rules[number], "source_nat_drain_ips")
                    | _referenced(state, config_action.get("source_nat_active_ips"))
                    | _referenced(state, config_action.get("source_nat_drain_ips")))
            found.append(RuleChange(change["address"], text(before.get("name")), number,
                                    text(rule.get("description")),
                                    _rule_links(rule, "source_nat_active_ips"), kept))
    return found


def _joined(*values: Any) -> str:
    return "/".join("null" if v is None else str(v) for v in values)


def nat_key(change: JSON, values: JSON) -> str:
    """Which NAT a holder of NAT IPs belongs to: project/region/router/NAT name."""
    nat = values.get("router_nat") if change["type"] == NAT_ADDRESS else values.get("name")
    return _joined(values.get("project"), values.get("region"), values.get("router"), nat)


@dataclass(frozen=True)
class Nat:
    """One NAT across both sides of the plan: the side before (None if new), after (None if deleted), its name and
    router's, the NAT resource's address, whether the plan changes any of its holders, and whether, while the NAT
    stays, it deletes or replaces its ``google_compute_router_nat_address`` (``cropped``) or its router, whose
    delete takes its NATs (``dropped_with``: the router resource's address)."""

    name: str
    address: str
    before: NatSide | None
    after: NatSide | None
    changed: bool
    cropped: bool = False
    dropped_with: str = ""
    router: str = ""


def nats(plan: JSON) -> list[Nat]:
    """Every NAT the plan touches or keeps. Its IPs are held by the ``google_compute_router_nat`` itself, or by a
    ``google_compute_router_nat_address`` beside it, which then is the one that counts on that side."""
    grouped: dict[str, dict[str, Any]] = {}
    for change in changes(plan, (NAT, NAT_ADDRESS)):
        c = forgotten_as_kept(change)["change"]  # a forget: out of the stack's hands, not out of the NAT
        actions = c["actions"]
        before = c.get("before")
        if "delete" in actions and "create" not in actions:
            after, unknown = None, {}
        else:
            after, unknown = c.get("after"), c.get("after_unknown") or {}
        values = before or after or {}
        entry = grouped.setdefault(nat_key(change, values), {"changed": False})
        entry["changed"] |= actions not in (["no-op"], ["read"])
        if change["type"] == NAT:  # two resources for one NAT (a changed construct ID): as the Rego chooses
            entry.update(nat=max(entry.get("nat", ""), change["address"]), name=values.get("name"),
                         nat_deleted=entry.get("nat_deleted", False) or "delete" in actions)  # deleted or replaced
        elif "delete" in actions and isinstance(before, dict):
            # The IP list beside the NAT deleted (or replaced, which deletes too): the NAT keeps its first IP only.
            kept = nat_ips_after_list_deleted(before.get("nat_ips") or [])
            entry["cropped"] = (change["address"], relative(kept[0]) if kept else None)
        for side, side_values, marks in (("before", before, {}), ("after", after, unknown)):
            if side_values is None:
                continue
            active, draining = (_links(side_values, key) | (config_links(plan, change["address"], key)
                                                            if _is_unknown(marks.get(key)) else frozenset())
                                for key in ("nat_ips", "drain_nat_ips"))
            held = NatSide(change["address"], active, draining, _is_unknown(marks.get("nat_ips")),
                           side_values.get("nat_ip_allocate_option") != "AUTO_ONLY")
            slot = entry.setdefault(side, {})
            if change["type"] not in slot or change["address"] > slot[change["type"]].address:
                slot[change["type"]] = held
    # project/region/router → the resources that delete that router, and with it its NATs
    gone = {_joined(*router): found for router, found in routers_deleted(changes(plan, (ROUTER,))).items()}
    found = []
    for key, entry in sorted(grouped.items()):
        sides = {}
        for side in ("before", "after"):
            slot = entry.get(side) or {}
            held = slot.get(NAT_ADDRESS) or slot.get(NAT)
            if held is not None and NAT_ADDRESS in slot and NAT in slot:
                # nat_ips beside the NAT: its IPs, with the NAT's own allocation option.
                held = NatSide(held.address, held.active, held.draining, held.unknown, slot[NAT].manual)
            sides[side] = held
        holder, first = entry.get("cropped") or ("", None)
        stays = not entry.get("nat_deleted") and sides["before"] is not None
        dropped_with = min(gone.get(key.rsplit("/", 1)[0]) or [""]) if stays else ""
        cropped = first is not None and stays and not dropped_with
        if cropped or dropped_with:  # the IPs the NAT is left with: the first, or none (the NAT is gone)
            sides["after"] = NatSide(dropped_with or holder, frozenset() if dropped_with else frozenset({first}),
                                     frozenset(), False, sides["before"].manual)
        address = entry.get("nat") or (sides["after"] or sides["before"]).address
        found.append(Nat(entry.get("name") or last(key), address, sides["before"], sides["after"], entry["changed"],
                         cropped, dropped_with, key.split("/")[2]))
    return found
