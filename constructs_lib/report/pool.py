"""The report's "IP pool" and "Capacity" sections: the addresses to allowlist and what the NAT holds."""

from __future__ import annotations

import json

from ..facts.capacity import chain_capacity
from ..facts.gcp import CLOUD_RUN_MAX_INSTANCES
from ..facts.nat import match_destinations
from ..facts.resources import ADDRESS, CONNECTOR, JOB, NAT, WORKER_POOL
from ..facts.workloads import JOB_TASK_COUNT
from ..policies.document import Ref, Resource, StackDocument
from .adoption import source_of
from .markdown import code, table, text
from .nat import nat_rules, rule_addresses, time_wait_note, rule_capacity_rows, rule_drain_ips, rule_ips, rule_label

__all__ = ["address_label", "allowlist_change_section", "capacity_section", "ip_pool_section", "partners_section"]


def address_label(doc: StackDocument, entry: Resource | Ref | str) -> tuple[str, str]:
    """(name, where it comes from) of one entry of nat_ips."""
    if isinstance(entry, Resource):
        return str(entry.get("name")), source_of(doc, entry.address)
    if isinstance(entry, Ref):
        body = doc.doc.get("data", {}).get(entry.type, {}).get(entry.name, {}) if entry.data else {}
        return str(body.get("name", entry.name)), f"existing address (data.{entry.type})" if entry.data else entry.type
    return doc.name_of(entry) or str(entry), "given as a literal self link"


def _address_outputs(doc: StackDocument) -> list[tuple[str, str]]:
    """(output name, description) of every output whose value holds an address's IP."""
    found = []
    for name, output in sorted(doc.outputs.items()):
        text = json.dumps(output.get("value"))
        if f"{ADDRESS}." in text and ".address}" in text:
            found.append((name, output.get("description", "")))
    return found


def ip_pool_section(doc: StackDocument) -> list[str]:
    lines = ["## IP pool", ""]
    nats = doc.resources(NAT)
    if not nats:
        lines += ["No Cloud NAT in this stack.", ""]
    for nat in nats:
        lines += [f"NAT {code(nat.get('name'))} ({text(nat.get('nat_ip_allocate_option'))}):", ""]
        rows = [(*map(text, address_label(doc, e)), "in use") for e in doc.addresses_in(doc.nat_ips(nat))]
        rows += [(*map(text, address_label(doc, e)), "draining (no new connections)")
                 for e in doc.addresses_in(doc.drain_nat_ips(nat))]
        lines += [*table(("address", "source", "state"), rows), ""]
    in_nats = {e.address for nat in nats for ips in (doc.nat_ips(nat), doc.drain_nat_ips(nat))
               for e in doc.addresses_in(ips) if isinstance(e, Resource)}
    in_nats |= {a for nat in nats for a in rule_addresses(doc, nat)}
    standby = [a for a in doc.resources(ADDRESS) if a.address not in in_nats]
    if standby:
        lines += ["Addresses of this stack in no NAT (standby: allowlist them before they join the pool):", "",
                  *table(("address", "source", "state"),
                          [(text(a.get("name")), source_of(doc, a.address), "standby") for a in standby]), ""]
    outputs = _address_outputs(doc)
    if outputs:
        lines.append("The IPs are known only after apply. The addresses to allowlist will be in:")
        lines += [f"- output {code(name)}: {text(description)}" for name, description in outputs]
        lines += ["", f"Read them with {code(f'cdktf output {doc.stack}')} once deployed.", ""]
    return lines


def partners_section(doc: StackDocument) -> list[str]:
    """Each NAT rule: its partner, the destinations it matches and the addresses that partner must allowlist."""
    rows = []
    for nat in doc.resources(NAT):
        for rule in nat_rules(nat):
            destinations = match_destinations(str(rule.get("match", "")))
            shown = ", ".join(code(d) for d in destinations) if destinations is not None else \
                f"{code(rule.get('match'))} (as written)"
            names = ", ".join([*(code(address_label(doc, e)[0]) for e in doc.addresses_in(rule_ips(rule))),
                               *(f"{code(address_label(doc, e)[0])} (draining)"
                                 for e in doc.addresses_in(rule_drain_ips(rule)))])
            rows.append((code(nat.get("name")), str(rule.get("rule_number")), text(rule_label(rule)), shown,
                         names or "none"))
    if not rows:
        return []
    return ["## Partners (NAT rules)", "",
            "Traffic to a partner's destinations leaves from its rule's addresses only; everything else from the "
            "NAT's own (IP pool). **Each partner allowlists the addresses of its own rule** (output "
            "`partner_ips`, `make allowlist`: role `rule`).", "",
            *table(("NAT", "rule", "partner", "destinations", "addresses to allowlist"), rows), ""]


def allowlist_change_section(doc: StackDocument) -> list[str]:
    """What the synthesized JSON alone can say of the allowlist: the addresses by name, not their IPs or the change."""
    names = lambda ips: ", ".join(code(address_label(doc, e)[0]) for e in doc.addresses_in(ips))  # noqa: E731
    used = [names(doc.nat_ips(nat)) for nat in doc.resources(NAT) if doc.addresses_in(doc.nat_ips(nat))]
    draining = [names(doc.drain_nat_ips(nat)) for nat in doc.resources(NAT) if doc.addresses_in(doc.drain_nat_ips(nat))]
    lines = ["## Allowlist change", "",
             "This report reads only the synthesized JSON: it knows the addresses by name, not their IPs, and not "
             "what is deployed now. Traffic will leave from " + ("; ".join(used) or "no address") + "."]
    partners = [f"{text(rule_label(rule))}: {names(rule_ips(rule))}" for nat in doc.resources(NAT)
                for rule in nat_rules(nat) if doc.addresses_in(rule_ips(rule))]
    if partners:
        lines.append("Traffic to a partner of a NAT rule leaves from that rule's: " + "; ".join(partners) + ".")
    if draining:
        lines.append("Draining (no new connections, still allowlisted): " + "; ".join(draining) + ".")
    lines += ["", "An address is its name: a name that is new to the stack (a renamed address, a changed `name` "
              "prefix, a higher `static_ip_count`) is a new IP, and a name that leaves the file releases its IP. "
              f"Only a plan shows which: {code(f'make diff STACK={doc.stack}')} prints this section from the plan, "
              "with the IPs that will start being used (the partner must allowlist them before the deploy), those "
              "that will stop (they can be removed after) and those released. "
              f"After a deploy, {code(f'make allowlist STACK={doc.stack}')} writes the list the partner needs "
              "(allowlist.json, allowlist.csv).", ""]
    return lines


# -- capacity -----------------------------------------------------------------


def _endpoints(doc: StackDocument, nat: Resource) -> tuple[int, list[str]]:
    """How many NAT endpoints (connector VMs, Cloud Run instances) use a NAT, and where the figure comes from."""
    count, sources = 0, []
    for connector in doc.resources(CONNECTOR):
        subnet = doc.connector_subnet(connector)
        if subnet is not None and doc.nat_covers(nat, subnet):
            vms = int(connector.get("max_instances") or 0)
            count += vms
            sources.append(f"connector {connector.get('name')}: max_instances {vms}")
    for path in doc.egress_paths():
        if path.mode == "direct" and path.subnet is not None and doc.nat_covers(nat, path.subnet) \
                and path.service.type == JOB:
            # Every task of an execution at once unless parallelism says fewer (Cloud Run, "Set parallelism").
            outer = path.service.get("template", {})
            tasks = int(outer.get("parallelism") or outer.get("task_count") or JOB_TASK_COUNT)
            count += tasks
            what = "parallelism" if outer.get("parallelism") else "task_count (no parallelism)"
            sources.append(f"job {path.service.get('name')} (direct VPC egress): {what} {tasks}")
        elif path.mode == "direct" and path.subnet is not None and doc.nat_covers(nat, path.subnet) \
                and path.service.type == WORKER_POOL:
            instances = int((path.service.get("scaling") or {}).get("manual_instance_count") or 0)
            count += instances
            sources.append(f"worker pool {path.service.get('name')} (direct VPC egress): instances {instances}")
        elif path.mode == "direct" and path.subnet is not None and doc.nat_covers(nat, path.subnet):
            scaling = path.service.get("template", {}).get("scaling") or {}
            instances = int(scaling.get("max_instance_count") or CLOUD_RUN_MAX_INSTANCES)
            count += instances
            default = "" if scaling.get("max_instance_count") else " (Cloud Run's default)"
            sources.append(f"service {path.service.get('name')} (direct VPC egress): max_instance_count "
                           f"{instances}{default}")
    return count, sources


def capacity_section(doc: StackDocument) -> list[str]:
    lines = ["## Capacity", "",
             "Concurrent connections to one destination (IP, port, protocol): each NAT IP offers 64,512 source "
             "ports, each endpoint gets its ports per VM (the NAT's min_ports_per_vm, or its dynamic allocation).", ""]
    rows, notes = [], []
    for nat in doc.resources(NAT):
        endpoints, sources = _endpoints(doc, nat)
        dynamic = bool(nat.get("enable_dynamic_port_allocation"))
        ips = len(doc.nat_ips(nat) or [])
        cap = chain_capacity(endpoints=endpoints, ip_count=ips, min_ports_per_vm=nat.get("min_ports_per_vm"),
                             max_ports_per_vm=nat.get("max_ports_per_vm"), dynamic_port_allocation=dynamic)
        rows.append((code(nat.get('name')), cap.endpoints, f"{cap.ports_per_endpoint:,}"
                     + (" (dynamic)" if dynamic else ""), ips, f"{cap.pool_ports:,}",
                     f"{cap.connections_per_destination:,}"))
        rows += rule_capacity_rows(doc, nat, endpoints)
        notes += [f"- {code(nat.get('name'))} endpoints: " + (text("; ".join(sources)) or "none in this stack")]
        if nat_rules(nat):
            notes += [f"- {code(nat.get('name'))} rules: every endpoint may call every partner, so each rule's "
                      "addresses are counted as a pool of their own for all of the NAT's endpoints."]
        notes += time_wait_note(nat)
    if not rows:
        return [*lines, "No Cloud NAT in this stack.", ""]
    return [*lines, *table(("NAT", "endpoints", "ports per endpoint", "NAT IPs", "pool ports",
                             "connections per destination"), rows), "", *notes, ""]
