"""The guard's rules over one saved plan: what a deploy may do to the addresses third parties allowlist.

``check(plan)`` takes the JSON of ``terraform show -json <saved plan>`` and returns every violation, sorted.
The file allows a retirement by naming the address in ``[egress] release_ips`` (it may be deleted, replaced,
forgotten, and leave its NAT without draining) or ``[egress] forget_ips`` (it may be forgotten, the
reservation kept, and leave its NAT without draining); the stack writes both lists as outputs, which is how
the plan carries them. docs/operations.md, "The plan guard", says the same for people; the Rego of
``policy-set/`` says it for HCP Terraform, rule for rule.
"""

from __future__ import annotations

from typing import Any

from ..facts.resources import ADDRESS, CONNECTOR, NAT
from .plan import Known, Nat, changes, known_addresses, lost, nats, output_names, rule_changes, text
from .violation import DELETION_PROTECTED, NAME_TAKEN, NO_ACTIVE_IP, RECREATE, RELEASE, UNDRAINED, Violation

JSON = dict[str, Any]


def _ip(ip: str | None) -> str:
    return f" ({ip})" if ip else ""


def released(plan: JSON, release: set[str], forget: set[str]) -> list[Violation]:
    """``release``: a managed address deleted, replaced or forgotten without the file's leave."""
    found = []
    for change in changes(plan, (ADDRESS,)):
        actions = change["change"]["actions"]
        before = change["change"].get("before") or {}
        if "delete" not in actions and "forget" not in actions:
            continue
        name, ip = before.get("name", ""), before.get("address")
        forgetting = actions == ["forget"]
        if name in release or (forgetting and name in forget):
            continue
        what = ("forgets" if forgetting else "replaces" if "create" in actions else "deletes")
        found.append(Violation(RELEASE, change["address"], name, ip, (
            f"{change['address']} {what} address {name}{_ip(ip)}"
            + (", releasing its IP" if not forgetting else "")
            + ": to retire it, name it in [egress] release_ips (release the IP) or forget_ips (keep it reserved, "
              "out of this stack)")))
    return found


def recreated(plan: JSON, release: set[str]) -> list[Violation]:
    """``recreate``: a managed address created under a name the stack's state held (refreshed away, or deleted
    outside Terraform): it would come back with a new IP."""
    before: dict[str, str | None] = {}
    for v in lost(plan):
        before.setdefault(v.get("name", ""), v.get("address"))
    for change in changes(plan, (ADDRESS,)):
        if change["change"]["actions"] != ["create"]:
            v = change["change"].get("before") or {}
            before.setdefault(v.get("name", ""), v.get("address"))
    found = []
    for change in changes(plan, (ADDRESS,)):
        name = (change["change"].get("after") or {}).get("name")
        if change["change"]["actions"] != ["create"] or name not in before or name in release:
            continue
        ip = before[name]
        found.append(Violation(RECREATE, change["address"], name, ip, (
            f"{change['address']} creates address {name} anew, but it was in this stack's state{_ip(ip)}: a new "
            "address gets a new IP. If it still exists in GCP, import it ([adopt] or terraform import); if it is "
            "gone and a new IP is wanted, name it in [egress] release_ips")))
    return found


def _way_out(known: Known, link: str, *, rule: bool = False) -> str:
    """How the file lets an IP leave undrained: for an address of the stack, drain it or name it; for one put into
    the NAT outside Terraform (no address of the state), adopt it or let it go (the stack never releases it)."""
    if known.knows(link):
        return ("drain it first (its name in [egress] draining_ips, one deploy), or name it in [egress] release_ips "
                "or forget_ips")
    adopt = "[egress] existing_ips, and the rule's ips" if rule else "[egress] existing_ips"
    return (f"it was put there outside Terraform (no address of this stack's state): keep it by adopting it ({adopt}; "
            "it can drain from there), or name it in [egress] forget_ips to take it out now (it stays reserved)")


def left_undrained(plan: JSON, known: Known, allowed: set[str]) -> list[Violation]:
    """``undrained``: an IP that leaves a NAT's nat_ips without going to its drain_nat_ips, unless the file
    releases or forgets its address."""
    found = []
    for nat in nats(plan):
        if nat.before is None:
            continue
        kept = (nat.after.active | nat.after.draining) if nat.after else frozenset()
        holder = (nat.after or nat.before).address
        for link in sorted(nat.before.active - kept):
            name, ip = known.describe(link)
            if name in allowed:
                continue
            found.append(Violation(UNDRAINED, holder, name, ip, _undrained_message(nat, holder, name, ip,
                                                                                   _way_out(known, link))))
    return found


def _undrained_message(nat: Nat, holder: str, name: str, ip: str | None, way_out: str) -> str:
    """Why an IP leaves a NAT undrained: its router goes (and the NAT with it), the IP list beside it is deleted (the
    NAT keeps its first IP), or the plan takes it out; and what the file can do."""
    if nat.dropped_with:
        return (f"{holder} deletes or re-creates router {nat.router}, and Google Cloud deletes a router's NATs with "
                f"it, while this plan keeps NAT {nat.name}: address {name}{_ip(ip)} leaves its active IPs without "
                "draining, and the NAT stays gone until a later deploy creates it. Re-create the NAT with its router "
                "(lifecycle.replace_triggered_by, as the stack writes it: synthesize it again), or keep the router")
    if nat.cropped:
        return (f"{holder} is deleted, and the provider's delete of a NAT's IP list leaves NAT {nat.name} with its "
                f"first IP only: address {name}{_ip(ip)} leaves its active IPs without draining. Keep that resource "
                "(a changed construct ID, a taint or a -replace deletes it), or name the address in [egress] "
                "release_ips or forget_ips")
    return f"{holder} takes address {name}{_ip(ip)} out of NAT {nat.name}'s active IPs without draining it: {way_out}"


def left_rule_undrained(plan: JSON, known: Known, allowed: set[str]) -> list[Violation]:
    """``undrained``, for a NAT rule (a partner's IPs): an IP that leaves a rule's active IPs without going to
    that rule's drain IPs, unless the file releases or forgets its address."""
    found = []
    for rule in rule_changes(plan):
        for link in sorted(rule.active_before - rule.kept_after):
            name, ip = known.describe(link)
            if name in allowed:
                continue
            found.append(Violation(UNDRAINED, rule.nat_address, name, ip, (
                f"{rule.nat_address} takes address {name}{_ip(ip)} out of rule {rule.number} ({rule.description}) "
                f"of NAT {rule.nat_name} without draining it: the partner allowlists it; "
                + _way_out(known, link, rule=True))))
    return found


def left_without_ip(plan: JSON) -> list[Violation]:
    """``no-active-ip``: a NAT created or changed so that it has no active IP (MANUAL_ONLY, nat_ips empty)."""
    found = []
    for nat in nats(plan):
        after = nat.after
        if nat.dropped_with or not nat.changed or after is None or not after.manual or after.active or after.unknown:
            continue
        found.append(Violation(NO_ACTIVE_IP, nat.address, nat.name, None, (
            f"{nat.address} leaves NAT {nat.name} with no active IP: nothing would leave the chain. Keep at "
            "least one address of the pool active")))
    return found


# Why a plan replaces a resource when no attribute forces it (``action_reason``), for people.
_REASONS = {"replace_because_tainted": "it is tainted", "replace_by_request": "-replace asks for it",
            "replace_by_triggers": "lifecycle.replace_triggered_by: what it belongs to is re-created"}


def _why(change: JSON) -> str:
    """Why the plan replaces a resource: the attributes that cannot change in place (``replace_paths``), else the
    plan's ``action_reason``."""
    paths = [".".join(str(step) for step in path) for path in change["change"].get("replace_paths") or []
             if isinstance(path, list)]
    if paths:
        return f" ({', '.join(paths)} cannot change in place)"
    reason = _REASONS.get(change.get("action_reason"))
    return f" ({reason})" if reason else ""


def name_taken(plan: JSON) -> list[Violation]:
    """``name-taken``: a resource replaced create-before-destroy (the new one first) under the name of the one it
    replaces, in the same project and region: Google Cloud refuses the second (409 alreadyExists), and the apply
    stops there, after deleting what goes first (a NAT re-created with its router stays deleted). Addresses are
    ``release``'s to refuse."""
    found = []
    for change in changes(plan):
        c = change.get("change") or {}
        before, after = c.get("before"), c.get("after")
        if change.get("type") == ADDRESS or c.get("actions") != ["create", "delete"] \
                or not isinstance(before, dict) or not isinstance(after, dict):
            continue
        name = before.get("name")
        if not isinstance(name, str) or any(after.get(k) != before.get(k) for k in ("name", "project", "region")):
            continue
        found.append(Violation(NAME_TAKEN, change["address"], name, None, (
            f"{change['address']} replaces {change['type']} {name}{_why(change)} by creating the new one first "
            "(create_before_destroy), under the same name: Google Cloud refuses a second one of that name in the "
            "project and region (409 alreadyExists), so the apply would stop there, after deleting what goes first "
            "(a NAT re-created with its router stays deleted). Keep what forces it as deployed (a subnet's range "
            "can only widen in place: a range that contains the current one), or give the chain new names (name; "
            "static_ip_names with today's address names keeps their IPs)")))
    return found


def deletion_protected(plan: JSON) -> list[Violation]:
    """``deletion-protected``: a delete (or replace) of a resource whose ``deletion_protection`` is on in the state.
    The provider checks the state's value in its delete, during the apply, after what goes first was applied (a
    renamed service is created beside the old one, which stays)."""
    found = []
    for change in changes(plan):
        c = change.get("change") or {}
        before = c.get("before")
        if "delete" not in (c.get("actions") or []) or not isinstance(before, dict) \
                or before.get("deletion_protection") is not True:
            continue
        name = text(before.get("name"))
        found.append(Violation(DELETION_PROTECTED, change["address"], name, None, (
            f"{change['address']} deletes {change['type']} {name}{_why(change)} while its deletion_protection is on: "
            "the provider refuses that delete during the apply, after applying what goes first (a renamed service "
            "is created beside the old one). "
            + ("A deploy that failed after creating it left it tainted: keep it (terraform untaint, printed below), "
               "fix what failed, then deploy" if change.get("action_reason") == "replace_because_tainted" else
               "Deleting takes two deploys: deletion_protection = false on it in the file, deployed, then the change "
               "(docs/operations.md, \"Deleting a service\")"))))
    return found


def check(plan: JSON) -> list[Violation]:
    """Every violation of a saved plan (``terraform show -json``), sorted by rule, address and name.

    Args:
        plan: the JSON of ``terraform show -json <saved plan>``: nothing else is read.

    Returns:
        An empty list when the deploy may go ahead.
    """
    release = set(output_names(plan, "release_ips"))
    forget = set(output_names(plan, "forget_ips"))
    known = known_addresses(plan)
    found = [*released(plan, release, forget), *recreated(plan, release),
             *left_undrained(plan, known, release | forget), *left_rule_undrained(plan, known, release | forget),
             *left_without_ip(plan), *name_taken(plan), *deletion_protected(plan)]
    return sorted(found, key=lambda v: (v.rule, v.address, v.name))


def _put_in_outside(plan: JSON, known: Known) -> set[str]:
    """The names of the IPs a NAT or one of its rules held before the plan that are no address of the stack."""
    links = [link for nat in nats(plan) if nat.before for link in nat.before.active | nat.before.draining]
    links += [link for rule in rule_changes(plan) for link in rule.active_before]
    return {known.describe(link)[0] for link in links if not known.knows(link)}


def recreated_egress(plan: JSON, known: Known | None = None) -> list[str]:
    """A NAT or a connector the plan deletes and creates again (a new name, router or network, fewer connector
    instances, a taint, a -replace): egress stops for the time between, whatever IPs the new NAT gets. The policy
    set's advisory ``egress_gap`` says the same (its ``notes``)."""
    recreated = [change for change in changes(plan, (NAT, CONNECTOR))
                 if isinstance(change["change"].get("before"), dict)
                 and "delete" in change["change"]["actions"] and "create" in change["change"]["actions"]]
    if not recreated:
        return []
    known = known or known_addresses(plan)
    ips = {nat.address: nat.before.active for nat in nats(plan) if nat.before is not None} \
        if any(change["type"] == NAT for change in recreated) else {}
    said = []
    for change in recreated:
        before, after = change["change"]["before"], change["change"].get("after")
        name = before.get("name")
        new_name = after.get("name") if isinstance(after, dict) else None
        what = text(name) + (f" as {new_name}" if isinstance(new_name, str) and new_name != name else "") + _why(change)
        if change["type"] == CONNECTOR:
            said.append(f"{change['address']} re-creates connector {what}: from its delete until the new one is ready, "
                        "the workloads on it reach nothing outside the VPC; deploy it when that gap is acceptable")
            continue
        described = sorted((known.describe(link) for link in ips.get(change["address"], ())),
                           key=lambda d: (d[0], d[1] or ""))
        held = ", ".join(f"{n}{_ip(ip)}" for n, ip in described)
        said.append(f"{change['address']} re-creates NAT {what}: from its delete until the new NAT is up, nothing "
                    f"leaves the chain and every open connection through it is cut ({held or 'no IP'}); deploy it when "
                    "that gap is acceptable")
    return said


def notices(plan: JSON) -> list[str]:
    """What the guard says beside its verdict: a NAT or connector re-created (egress stops in between), then the
    reminders of release_ips/forget_ips (``retire_reminders``)."""
    return recreated_egress(plan) + retire_reminders(plan)


def retire_reminders(plan: JSON) -> list[str]:
    """The names of release_ips/forget_ips that this deploy acts on (to be removed from the file once applied), and
    the names that match no address of this stack. The policy set's advisory ``retire_reminders`` says the same (its
    ``reminders``)."""
    names = {key: output_names(plan, key) for key in ("release_ips", "forget_ips")}
    if not any(names.values()):
        return []
    known = known_addresses(plan)
    outside = _put_in_outside(plan, known)
    said = []
    for key, listed in names.items():
        for name in listed:
            if name in outside:
                said.append(f"[egress] {key} names {name}, an address put into a NAT outside Terraform: this deploy "
                            "takes it out of the NAT and it stays reserved (the stack never held it); once applied, "
                            "remove it from the file")
            elif name in known.all_names:
                said.append(f"[egress] {key} names {name}: once this deploy is applied, remove it from the file "
                            "(the key is for one deploy)")
            else:
                said.append(f"[egress] {key} names {name}, which is no address of this stack (not in its state): "
                            "nothing to do; remove it from the file")
    return said
