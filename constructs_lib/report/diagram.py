"""The report's Mermaid diagram of the chain: services → connector or subnet → NAT → addresses (a NAT rule's
labelled with its partner)."""

from __future__ import annotations

from ..facts.resources import CONNECTOR, JOB, NAT, WORKER_POOL
from ..policies.document import StackDocument
from .markdown import visible
from .nat import nat_rules, rule_drain_ips, rule_ips, rule_label
from .pool import address_label

__all__ = ["diagram_section"]


def _mermaid(part: object) -> str:
    """Text inside a quoted Mermaid label, with Mermaid's entity codes for what it would read ("#" first).

    "%" too: Mermaid takes a "%%{...}%%" anywhere in a diagram, quotes or not, as a directive.
    """
    text = visible(str(part))
    for ch, code in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("`", "#96;"), ("&", "#amp;"),
                     ("|", "#124;"), ("%", "#37;")):
        text = text.replace(ch, code)
    return text


def _label(*parts: object) -> str:
    return '"' + "<br/>".join(_mermaid(p) for p in parts if p) + '"'


def diagram_section(doc: StackDocument) -> list[str]:
    ids: dict[str, str] = {}
    nodes: list[str] = []
    edges: list[str] = []

    def node(key: str, prefix: str, label: str, shape: str = "[{}]") -> str:
        if key not in ids:
            ids[key] = f"{prefix}{len(ids)}"
            nodes.append(f"  {ids[key]}{shape.format(label)}")
        return ids[key]

    def subnet_node(subnet) -> str:
        cidr = subnet.resource.get("ip_cidr_range") if subnet.resource is not None else None
        return node(f"subnet:{subnet.label}:{subnet.region}", "subnet", _label("subnet " + subnet.label, cidr))

    for path in doc.egress_paths():
        kind = {JOB: "Cloud Run job ", WORKER_POOL: "Cloud Run worker pool "}.get(path.service.type, "Cloud Run ")
        service = node(path.service.address, "svc", _label(kind + str(path.service.get("name"))))
        egress = doc.vpc_access(path.service) or {}
        arrow = f'-->|"egress {_mermaid(egress.get("egress", "PRIVATE_RANGES_ONLY"))}"|'
        if path.mode == "connector" and path.connector is not None:
            edges.append(f"  {service} {arrow} {node(path.connector.address, 'conn', _label('connector ' + str(path.connector.get('name'))))}")
        elif path.mode == "connector":
            edges.append(f"  {service} {arrow} {node('ext:' + path.service.address, 'ext', _label('connector outside this stack'))}")
        elif path.mode == "direct" and path.subnet is not None:
            edges.append(f'  {service} -->|"direct VPC egress, {_mermaid(egress.get("egress", "PRIVATE_RANGES_ONLY"))}"| '
                         f"{subnet_node(path.subnet)}")
    for connector in doc.resources(CONNECTOR):
        conn = node(connector.address, "conn", _label("connector " + str(connector.get("name"))))
        subnet = doc.connector_subnet(connector)
        target = subnet_node(subnet) if subnet is not None else node(
            "hidden:" + connector.address, "hidden", _label("hidden subnet " + str(connector.get("ip_cidr_range"))))
        edges.append(f"  {conn} --> {target}")
    internet = None
    for nat in doc.resources(NAT):
        nat_id = node(nat.address, "nat", _label("Cloud NAT " + str(nat.get("name")), nat.get("nat_ip_allocate_option")))
        for subnet, _ in doc.nat_subnets(nat):
            edges.append(f"  {subnet_node(subnet)} --> {nat_id}")
        internet = internet or node("internet", "internet", '"internet"', "(({}))")
        partners = [(e, f'-->|"{_mermaid(rule_label(rule))}"|') for rule in nat_rules(nat)
                    for e in doc.addresses_in(rule_ips(rule))]
        partners += [(e, f'-.->|"{_mermaid(rule_label(rule))}, draining"|') for rule in nat_rules(nat)
                     for e in doc.addresses_in(rule_drain_ips(rule))]
        for entry, style in [(e, "-->") for e in doc.addresses_in(doc.nat_ips(nat))] + [
                (e, '-.->|"draining"|') for e in doc.addresses_in(doc.drain_nat_ips(nat))] + partners:
            name, _ = address_label(doc, entry)
            ip = node("ip:" + name, "ip", _label("IP " + name))
            edges.append(f"  {nat_id} {style} {ip}")
            edges.append(f"  {ip} --> {internet}")
    unique_edges = list(dict.fromkeys(edges))
    return ["## Diagram", "", "```mermaid", "flowchart LR", *nodes, *unique_edges, "```", ""]
