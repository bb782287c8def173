"""The review report: one Markdown file per synthesized stack, read from the synthesized JSON only.

``make report`` (after ``cdktf synth``) writes ``REVIEW.md`` next to each
stack's ``cdk.tf.json``: every resource with the settings that matter, the IP
pool and the output that will hold the addresses to allowlist, the capacity
figures, the chain policy results and a Mermaid diagram of the chain. It reads
what Terraform will get, never the environment file, so the review shows
overrides and hand-built chains as they really are.

Usage: ``python -m constructs_lib.report [OUTDIR]`` (``cdktf.out`` by default).
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from ..facts.capacity import DEFAULT_MAX_PORTS_DYNAMIC, DEFAULT_MIN_PORTS, DEFAULT_MIN_PORTS_DYNAMIC, chain_capacity
from ..policies import evaluate
from ..facts.gcp import CLOUD_RUN_MAX_INSTANCES, CONNECTOR_MACHINE_TYPE
from ..facts.resources import ADDRESS, ALERT_POLICY, API, BUCKET, CONNECTOR, IAM_BINDING, IAM_MEMBER, NAT, ROUTER, SERVICE, SUBNET
from ..policies.document import Ref, Resource, StackDocument

__all__ = ["REPORT_NAME", "main", "render", "write_reports"]

REPORT_NAME = "REVIEW.md"


# Every string the report prints from the JSON (names, ranges, images, settings, descriptions) may hold anything
# a user or a hand-written override put there: it is escaped, so that it shows as text and never as Markdown,
# HTML or Mermaid (a "\n## Policy results" in a state prefix must not make a section of its own).
# Markdown characters that start inline markup, and "_" unless inside a word (where it never emphasises).
_MARKDOWN = re.compile(r"[\\`*\[\]<>&~#!]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def _visible(text: str) -> str:
    """Line breaks and other control characters as ``\\uXXXX``: a value stays on its line."""
    return "".join(f"\\u{ord(ch):04x}" if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch
                   for ch in text)


def _text(value: object) -> str:
    """A string from the JSON as Markdown text that shows exactly that string."""
    return _MARKDOWN.sub(lambda m: "\\" + m.group(0), _visible(str(value)))


def _code(value: object) -> str:
    """A string from the JSON as a Markdown code span, whatever backticks it holds."""
    text = _visible(str(value))
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _cell(value: object) -> str:
    """Markdown made safe for a table cell: a "|" ends no cell (GFM reads "\\|" as "|", in code spans too)."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "—"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


# -- resources ----------------------------------------------------------------


def _subnet_settings(doc: StackDocument, r: Resource) -> list[str]:
    logs = r.get("log_config")
    flow = (f"flow logs {logs.get('aggregation_interval', 'INTERVAL_5_SEC')}, sampling "
            f"{logs.get('flow_sampling', 0.5)}") if isinstance(logs, dict) else "flow logs off"
    return [f"range {r.get('ip_cidr_range')}", f"network {doc.network_name(r.get('network'))}",
            f"private_ip_google_access {_show(r.get('private_ip_google_access', False))}", flow]


def _connector_settings(doc: StackDocument, r: Resource) -> list[str]:
    subnet = doc.connector_subnet(r)
    where = f"subnet {subnet.label}" if subnet is not None else f"ip_cidr_range {r.get('ip_cidr_range')} (hidden subnet)"
    return [where, f"machine_type {r.get('machine_type', CONNECTOR_MACHINE_TYPE)}",
            f"instances {r.get('min_instances', '—')}..{r.get('max_instances', '—')}"]


def _router_settings(doc: StackDocument, r: Resource) -> list[str]:
    return [f"network {doc.network_name(r.get('network'))}"]


def _address_settings(doc: StackDocument, r: Resource) -> list[str]:
    settings = [f"{r.get('address_type', 'EXTERNAL')}", f"tier {r.get('network_tier', 'PREMIUM')}"]
    if r.get("lifecycle", {}).get("prevent_destroy"):
        settings.append("prevent_destroy")
    return settings


def _nat_settings(doc: StackDocument, r: Resource) -> list[str]:
    router = doc.nat_router(r)
    settings = [f"router {router.get('name') if router is not None else _show(r.get('router'))}",
                f"{r.get('nat_ip_allocate_option')}", f"{len(r.get('nat_ips') or [])} IP(s)"]
    if r.get("drain_nat_ips"):
        settings.append(f"{len(r.get('drain_nat_ips'))} draining")
    mode = r.get("source_subnetwork_ip_ranges_to_nat")
    if mode == "LIST_OF_SUBNETWORKS":
        settings.append("subnets " + ", ".join(
            f"{s.label} ({'/'.join(ranges)})" for s, ranges in doc.nat_subnets(r)))
    else:
        settings.append(str(mode))
    dynamic = bool(r.get("enable_dynamic_port_allocation"))
    settings.append(f"min_ports_per_vm {r.get('min_ports_per_vm', DEFAULT_MIN_PORTS_DYNAMIC if dynamic else DEFAULT_MIN_PORTS)}")
    if dynamic:
        settings.append(f"dynamic ports up to {r.get('max_ports_per_vm', DEFAULT_MAX_PORTS_DYNAMIC)}")
    logs = r.get("log_config")
    settings.append(f"logs {logs.get('filter')}" if isinstance(logs, dict) and logs.get("enable") else "logs off")
    return settings


def _service_settings(doc: StackDocument, r: Resource) -> list[str]:
    template = r.get("template", {})
    access = template.get("vpc_access") or {}
    if access.get("network_interfaces"):
        interfaces = access["network_interfaces"]
        first = interfaces[0] if isinstance(interfaces, list) else interfaces
        via = f"direct VPC egress, subnet {doc.subnet(first.get('subnetwork') or first.get('network')).label}"
    elif access.get("connector"):
        connector = doc.target(access["connector"], CONNECTOR)
        via = f"connector {connector.get('name') if connector is not None else access['connector']}"
    else:
        via = "no vpc_access"
    scaling = template.get("scaling") or {}
    instances = (f"instances {scaling.get('min_instance_count', 0)}.."
                 f"{scaling.get('max_instance_count', CLOUD_RUN_MAX_INSTANCES)}")
    images = ", ".join(c.get("image", "?") for c in template.get("containers") or [])
    return [f"egress {access.get('egress', '— (PRIVATE_RANGES_ONLY)')}", via, f"ingress {r.get('ingress', '—')}",
            f"deletion_protection {_show(r.get('deletion_protection', True))}",
            instances + ("" if scaling else " (API defaults)"), f"image {images}"]


def _iam_settings(doc: StackDocument, r: Resource) -> list[str]:
    target = doc.target(r.get("name"), SERVICE)
    service = target.get("name") if target is not None else r.get("name")
    members = r.get("members") or [r.get("member")]
    return [f"service {service}", f"{r.get('role')}", "members " + ", ".join(str(m) for m in members)]


def _api_settings(doc: StackDocument, r: Resource) -> list[str]:
    return [f"disable_on_destroy {_show(r.get('disable_on_destroy', True))}"]


def _bucket_settings(doc: StackDocument, r: Resource) -> list[str]:
    rules = []
    for lifecycle_rule in r.get("lifecycle_rule") or []:
        condition = lifecycle_rule.get("condition", {})
        rules.append(f"{lifecycle_rule.get('action', {}).get('type')} when " + ", ".join(
            f"{k} {_show(v)}" for k, v in sorted(condition.items())))
    settings = [f"versioning {_show(r.get('versioning', {}).get('enabled', False))}",
                f"uniform_bucket_level_access {_show(r.get('uniform_bucket_level_access', False))}",
                f"public_access_prevention {r.get('public_access_prevention', 'inherited')}",
                f"force_destroy {_show(r.get('force_destroy', False))}", *rules]
    if r.get("lifecycle", {}).get("prevent_destroy"):
        settings.append("prevent_destroy")
    return settings


_SETTINGS: dict[str, Callable[[StackDocument, Resource], list[str]]] = {
    SUBNET: _subnet_settings,
    CONNECTOR: _connector_settings,
    ROUTER: _router_settings,
    ADDRESS: _address_settings,
    NAT: _nat_settings,
    SERVICE: _service_settings,
    IAM_MEMBER: _iam_settings,
    IAM_BINDING: _iam_settings,
    API: _api_settings,
    BUCKET: _bucket_settings,
}


def _display_name(r: Resource) -> str:
    return str(r.get("name") or r.get("service") or r.name)


def _resources_section(doc: StackDocument) -> list[str]:
    rows = []
    for r in doc.all_resources():
        settings = _SETTINGS.get(r.type, lambda d, x: [])(doc, r)
        rows.append((_code(r.type), _text(_display_name(r)), _text(_show(doc.region(r))) if r.type
                     != API and r.type != BUCKET
                     else _text(_show(r.get("location"))),
                     _text(_show(doc.project(r))), _text("; ".join(settings)), _code(r.path)))
    return ["## Resources", "", f"{len(rows)} resources.", "",
            *_table(("type", "name", "region", "project", "settings that matter", "construct"), rows), ""]


# -- IP pool ------------------------------------------------------------------


def _address_label(doc: StackDocument, entry: Resource | Ref | str) -> tuple[str, str]:
    """(name, where it comes from) of one entry of nat_ips."""
    if isinstance(entry, Resource):
        return str(entry.get("name")), "reserved by this stack"
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


def _ip_pool_section(doc: StackDocument) -> list[str]:
    lines = ["## IP pool", ""]
    nats = doc.resources(NAT)
    if not nats:
        lines += ["No Cloud NAT in this stack.", ""]
    for nat in nats:
        lines += [f"NAT {_code(nat.get('name'))} ({_text(nat.get('nat_ip_allocate_option'))}):", ""]
        rows = [(*map(_text, _address_label(doc, e)), "in use") for e in doc.addresses_in(nat.get("nat_ips"))]
        rows += [(*map(_text, _address_label(doc, e)), "draining (no new connections)")
                 for e in doc.addresses_in(nat.get("drain_nat_ips"))]
        lines += [*_table(("address", "source", "state"), rows), ""]
    in_nats = {e.address for nat in nats for key in ("nat_ips", "drain_nat_ips")
               for e in doc.addresses_in(nat.get(key)) if isinstance(e, Resource)}
    standby = [a for a in doc.resources(ADDRESS) if a.address not in in_nats]
    if standby:
        lines += ["Reserved by this stack but in no NAT (standby: allowlist them before they join the pool):", "",
                  *_table(("address", "source", "state"),
                          [(_text(a.get("name")), "reserved by this stack", "standby") for a in standby]), ""]
    outputs = _address_outputs(doc)
    if outputs:
        lines.append("The IPs are known only after apply. The addresses to allowlist will be in:")
        lines += [f"- output {_code(name)}: {_text(description)}" for name, description in outputs]
        lines += ["", f"Read them with {_code(f'cdktf output {doc.stack}')} once deployed.", ""]
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
        if path.mode == "direct" and path.subnet is not None and doc.nat_covers(nat, path.subnet):
            scaling = path.service.get("template", {}).get("scaling") or {}
            instances = int(scaling.get("max_instance_count") or CLOUD_RUN_MAX_INSTANCES)
            count += instances
            default = "" if scaling.get("max_instance_count") else " (Cloud Run's default)"
            sources.append(f"service {path.service.get('name')} (direct VPC egress): max_instance_count "
                           f"{instances}{default}")
    return count, sources


def _capacity_section(doc: StackDocument) -> list[str]:
    lines = ["## Capacity", "",
             "Concurrent connections to one destination (IP, port, protocol): each NAT IP offers 64,512 source "
             "ports, each endpoint gets its ports per VM (constructs_lib.facts.capacity).", ""]
    rows, notes = [], []
    for nat in doc.resources(NAT):
        endpoints, sources = _endpoints(doc, nat)
        dynamic = bool(nat.get("enable_dynamic_port_allocation"))
        ips = len(nat.get("nat_ips") or [])
        cap = chain_capacity(endpoints=endpoints, ip_count=ips, min_ports_per_vm=nat.get("min_ports_per_vm"),
                             max_ports_per_vm=nat.get("max_ports_per_vm"), dynamic_port_allocation=dynamic)
        rows.append((_code(nat.get('name')), cap.endpoints, f"{cap.ports_per_endpoint:,}"
                     + (" (dynamic)" if dynamic else ""), ips, f"{cap.pool_ports:,}",
                     f"{cap.connections_per_destination:,}"))
        notes += [f"- {_code(nat.get('name'))} endpoints: " + (_text("; ".join(sources)) or "none in this stack")]
    if not rows:
        return [*lines, "No Cloud NAT in this stack.", ""]
    return [*lines, *_table(("NAT", "endpoints", "ports per endpoint", "NAT IPs", "pool ports",
                             "connections per destination"), rows), "", *notes, ""]


# -- alerts -------------------------------------------------------------------

_COMPARISONS = {"COMPARISON_GT": ">", "COMPARISON_GE": "≥", "COMPARISON_LT": "<", "COMPARISON_LE": "≤",
                "COMPARISON_EQ": "=", "COMPARISON_NE": "≠"}


def _alerts_section(doc: StackDocument) -> list[str]:
    """The alert policies ([alerts]): what each watches, when it fires, whom it notifies."""
    rows = []
    for r in doc.resources(ALERT_POLICY):
        for condition in r.get("conditions") or []:
            threshold = condition.get("condition_threshold") or {}
            aggregation = (threshold.get("aggregations") or [{}])[0]
            fires = (f"{aggregation.get('per_series_aligner', '—')} over {aggregation.get('alignment_period', '—')}"
                     + (f", {aggregation['cross_series_reducer']}" if aggregation.get("cross_series_reducer") else "")
                     + f" {_COMPARISONS.get(threshold.get('comparison'), threshold.get('comparison'))} "
                     f"{_show(threshold.get('threshold_value', 0))} for {threshold.get('duration', '0s')}")
            rows.append((_text(r.get("display_name")), _text(_show(doc.project(r))),
                         _code(threshold.get("filter", "—")), _text(fires),
                         "<br>".join(_text(c) for c in r.get("notification_channels") or []) or "nobody",
                         _code(r.path)))
    return ["## Alerts", "",
            "Cloud Monitoring alert policies on the chain (`[alerts]`): port exhaustion shows in no Cloud Run log, "
            "only in these metrics. Each policy's documentation quotes the capacity figures above and names the "
            "keys that fix what it reports.", "",
            *_table(("policy", "project", "filter", "fires when", "notifies", "construct"), rows), ""]


# -- policies -----------------------------------------------------------------


def _policy_section(doc: StackDocument) -> list[str]:
    rows = []
    for outcome in evaluate(doc):
        details = "<br>".join(("✔ " if r.compliant else "✘ ") + _text(r.detail) for r in outcome.results)
        rows.append((outcome.rule.id, outcome.status, outcome.rule.title, details or "nothing to check"))
    return ["## Policy results", "", *_table(("rule", "result", "guarantee", "details"), rows), ""]


# -- diagram ------------------------------------------------------------------


def _mermaid(part: object) -> str:
    """Text inside a quoted Mermaid label, with Mermaid's entity codes for what it would read ("#" first).

    "%" too: Mermaid takes a "%%{...}%%" anywhere in a diagram, quotes or not, as a directive.
    """
    text = _visible(str(part))
    for ch, code in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("`", "#96;"), ("&", "#amp;"),
                     ("|", "#124;"), ("%", "#37;")):
        text = text.replace(ch, code)
    return text


def _label(*parts: object) -> str:
    return '"' + "<br/>".join(_mermaid(p) for p in parts if p) + '"'


def _diagram_section(doc: StackDocument) -> list[str]:
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
        service = node(path.service.address, "svc", _label("Cloud Run " + str(path.service.get("name"))))
        egress = path.service.get("template", {}).get("vpc_access", {}) or {}
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
        for entry, style in [(e, "-->") for e in doc.addresses_in(nat.get("nat_ips"))] + [
                (e, '-.->|"draining"|') for e in doc.addresses_in(nat.get("drain_nat_ips"))]:
            name, _ = _address_label(doc, entry)
            ip = node("ip:" + name, "ip", _label("IP " + name))
            edges.append(f"  {nat_id} {style} {ip}")
            edges.append(f"  {ip} --> {internet}")
    unique_edges = list(dict.fromkeys(edges))
    return ["## Diagram", "", "```mermaid", "flowchart LR", *nodes, *unique_edges, "```", ""]


# -- the report ---------------------------------------------------------------


def _backend_line(doc: StackDocument) -> str:
    backend = doc.doc.get("terraform", {}).get("backend", {})
    for kind, settings in backend.items():
        return f"State: {_code(kind)} backend, " + ", ".join(
            f"{_text(k)} {_code(v)}" for k, v in sorted(settings.items())) + "."
    return "State: no backend block (Terraform's default local state)."


def render(doc: StackDocument, *, source: str = "cdk.tf.json") -> str:
    """The Markdown report of one synthesized stack.

    Args:
        doc: the stack's synthesized JSON.
        source: the JSON file's name, as the report mentions it.
    """
    lines = [f"# Review of stack {_code(doc.stack)}", "",
             f"Generated by `make report` from {_code(source)}, the JSON Terraform will get (not from the environment "
             "file).", "", _backend_line(doc), ""]
    lines += _resources_section(doc)
    if not any(doc.resources(rtype) for rtype in (SERVICE, CONNECTOR, SUBNET, NAT)):
        lines += ["No egress chain in this stack (no service, connector, subnet or NAT): no IP pool, capacity, "
                  "chain policies or diagram to show.", ""]
        return "\n".join(lines)
    lines += _ip_pool_section(doc)
    lines += _capacity_section(doc)
    if doc.resources(ALERT_POLICY):
        lines += _alerts_section(doc)
    lines += _policy_section(doc)
    lines += _diagram_section(doc)
    return "\n".join(lines)


def write_reports(outdir: str | Path) -> list[Path]:
    """Write ``REVIEW.md`` next to every stack listed in ``outdir/manifest.json``.

    Returns:
        The reports written, in stack order.

    Raises:
        FileNotFoundError: ``outdir`` holds no synthesized app (no manifest.json).
    """
    outdir = Path(outdir)
    manifest_path = outdir / "manifest.json"
    if not manifest_path.is_file():
        raise FileNotFoundError(f"{manifest_path} does not exist: run `make synth` (cdktf synth) first")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    written = []
    for name, stack in sorted(manifest.get("stacks", {}).items()):
        json_path = outdir / stack["synthesizedStackPath"]
        report = render(StackDocument.from_file(json_path), source=json_path.name)
        target = json_path.parent / REPORT_NAME
        target.write_text(report, encoding="utf-8")
        written.append(target)
    return written


def main(argv: Sequence[str] = ()) -> int:
    """``python -m constructs_lib.report [OUTDIR]``: write the reports, list them, 1 when there is nothing to read."""
    outdir = argv[0] if argv else "cdktf.out"
    try:
        written = write_reports(outdir)
    except FileNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    return 0

