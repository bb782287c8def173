"""The report's "Resources" section: every resource with the settings that matter."""

from __future__ import annotations

from typing import Any, Callable, Mapping

from ..facts.capacity import DEFAULT_MAX_PORTS_DYNAMIC, DEFAULT_MIN_PORTS, DEFAULT_MIN_PORTS_DYNAMIC
from ..facts.gcp import CLOUD_RUN_MAX_INSTANCES, CONNECTOR_MACHINE_TYPE
from ..facts.workloads import JOB_MAX_RETRIES, JOB_TASK_COUNT, JOB_TASK_TIMEOUT_SEC
from ..facts.resources import (
    ADDRESS, API, BUCKET, CONNECTOR, IAM_BINDING, IAM_MEMBER, JOB, NAT, NAT_ADDRESS, ROUTER, SECRET_IAM_MEMBER,
    SERVICE, SUBNET, WORKER_POOL,
)
from ..policies.document import Resource, StackDocument
from .markdown import code, show, table, text

__all__ = ["resources_section"]


def _subnet_settings(doc: StackDocument, r: Resource) -> list[str]:
    logs = r.get("log_config")
    flow = (f"flow logs {logs.get('aggregation_interval', 'INTERVAL_5_SEC')}, sampling "
            f"{logs.get('flow_sampling', 0.5)}") if isinstance(logs, dict) else "flow logs off"
    return [f"range {r.get('ip_cidr_range')}", f"network {doc.network_name(r.get('network'))}",
            f"private_ip_google_access {show(r.get('private_ip_google_access', False))}", flow]


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


def _nat_address_settings(doc: StackDocument, r: Resource) -> list[str]:
    settings = [f"the IPs of NAT {_display_name(doc, r)[:-len(' (nat_ips)')]}", f"{len(r.get('nat_ips') or [])} IP(s)"]
    if r.get("drain_nat_ips"):
        settings.append(f"{len(r.get('drain_nat_ips'))} draining")
    return settings


def _nat_settings(doc: StackDocument, r: Resource) -> list[str]:
    router = doc.nat_router(r)
    settings = [f"router {router.get('name') if router is not None else show(r.get('router'))}",
                f"{r.get('nat_ip_allocate_option')}", f"{len(doc.nat_ips(r) or [])} IP(s)"]
    if doc.drain_nat_ips(r):
        settings.append(f"{len(doc.drain_nat_ips(r))} draining")
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


def _via(doc: StackDocument, access: Mapping[str, Any]) -> str:
    """How a workload's traffic enters the VPC, from its ``vpc_access``."""
    if access.get("network_interfaces"):
        interfaces = access["network_interfaces"]
        first = interfaces[0] if isinstance(interfaces, list) else interfaces
        via = f"direct VPC egress, subnet {doc.subnet(first.get('subnetwork') or first.get('network')).label}"
    elif access.get("connector"):
        connector = doc.target(access["connector"], CONNECTOR)
        via = f"connector {connector.get('name') if connector is not None else access['connector']}"
    else:
        via = "no vpc_access"
    return via


def _service_settings(doc: StackDocument, r: Resource) -> list[str]:
    template = r.get("template", {})
    access = template.get("vpc_access") or {}
    via = _via(doc, access)
    scaling = template.get("scaling") or {}
    instances = (f"instances {scaling.get('min_instance_count', 0)}.."
                 f"{scaling.get('max_instance_count', CLOUD_RUN_MAX_INSTANCES)}")
    images = ", ".join(c.get("image", "?") for c in template.get("containers") or [])
    return [f"egress {access.get('egress', '— (PRIVATE_RANGES_ONLY)')}", via, f"ingress {r.get('ingress', '—')}",
            f"deletion_protection {show(r.get('deletion_protection', True))}",
            instances + ("" if scaling else " (API defaults)"), f"image {images}"]


def _job_settings(doc: StackDocument, r: Resource) -> list[str]:
    """A job's egress, its tasks (parallelism: what the NAT must hold at once), retries and timeout."""
    outer = r.get("template", {})
    template = outer.get("template", {})
    access = doc.vpc_access(r) or {}
    tasks = outer.get("task_count", JOB_TASK_COUNT)
    at_once = outer.get("parallelism") or f"{tasks} (every task; no parallelism)"
    images = ", ".join(c.get("image", "?") for c in template.get("containers") or [])
    return [f"egress {access.get('egress', '— (PRIVATE_RANGES_ONLY)')}", _via(doc, access),
            f"tasks {tasks}", f"at once {at_once}", f"max_retries {template.get('max_retries', JOB_MAX_RETRIES)}",
            f"task timeout {template.get('timeout', f'{JOB_TASK_TIMEOUT_SEC}s (API default)')}",
            f"deletion_protection {show(r.get('deletion_protection', True))}", f"image {images}"]


def _worker_pool_settings(doc: StackDocument, r: Resource) -> list[str]:
    """A worker pool's egress and the instances it runs (what the NAT must hold)."""
    access = doc.vpc_access(r) or {}
    images = ", ".join(c.get("image", "?") for c in r.get("template", {}).get("containers") or [])
    return [f"egress {access.get('egress', '— (PRIVATE_RANGES_ONLY)')}", _via(doc, access),
            f"instances {(r.get('scaling') or {}).get('manual_instance_count', '—')}",
            f"deletion_protection {show(r.get('deletion_protection', True))}", f"image {images}"]


def _secret_access_settings(doc: StackDocument, r: Resource) -> list[str]:
    return [f"secret {r.get('secret_id')}", f"{r.get('role')}", f"member {r.get('member')}"]


def _iam_settings(doc: StackDocument, r: Resource) -> list[str]:
    target = doc.target(r.get("name"), SERVICE)
    service = target.get("name") if target is not None else r.get("name")
    members = r.get("members") or [r.get("member")]
    return [f"service {service}", f"{r.get('role')}", "members " + ", ".join(str(m) for m in members)]


def _api_settings(doc: StackDocument, r: Resource) -> list[str]:
    return [f"disable_on_destroy {show(r.get('disable_on_destroy', True))}"]


def _bucket_settings(doc: StackDocument, r: Resource) -> list[str]:
    rules = []
    for lifecycle_rule in r.get("lifecycle_rule") or []:
        condition = lifecycle_rule.get("condition", {})
        rules.append(f"{lifecycle_rule.get('action', {}).get('type')} when " + ", ".join(
            f"{k} {show(v)}" for k, v in sorted(condition.items())))
    settings = [f"versioning {show(r.get('versioning', {}).get('enabled', False))}",
                f"uniform_bucket_level_access {show(r.get('uniform_bucket_level_access', False))}",
                f"public_access_prevention {r.get('public_access_prevention', 'inherited')}",
                f"force_destroy {show(r.get('force_destroy', False))}", *rules]
    if r.get("lifecycle", {}).get("prevent_destroy"):
        settings.append("prevent_destroy")
    return settings


_SETTINGS: dict[str, Callable[[StackDocument, Resource], list[str]]] = {
    SUBNET: _subnet_settings,
    CONNECTOR: _connector_settings,
    ROUTER: _router_settings,
    ADDRESS: _address_settings,
    NAT: _nat_settings,
    NAT_ADDRESS: _nat_address_settings,
    SERVICE: _service_settings,
    JOB: _job_settings,
    WORKER_POOL: _worker_pool_settings,
    SECRET_IAM_MEMBER: _secret_access_settings,
    IAM_MEMBER: _iam_settings,
    IAM_BINDING: _iam_settings,
    API: _api_settings,
    BUCKET: _bucket_settings,
}


def _display_name(doc: StackDocument, r: Resource) -> str:
    if r.type == NAT_ADDRESS:  # no name of its own: its NAT's, as in its import ID
        nat = doc.target(r.get("router_nat"), NAT)
        return f"{nat.get('name') if nat is not None else doc.name_of(r.get('router_nat')) or r.name} (nat_ips)"
    return str(r.get("name") or r.get("service") or r.get("secret_id") or r.name)


def resources_section(doc: StackDocument) -> list[str]:
    rows = []
    for r in doc.all_resources():
        settings = _SETTINGS.get(r.type, lambda d, x: [])(doc, r)
        rows.append((code(r.type), text(_display_name(doc, r)), text(show(doc.region(r))) if r.type
                     != API and r.type != BUCKET
                     else text(show(r.get("location"))),
                     text(show(doc.project(r))), text("; ".join(settings)), code(r.path)))
    return ["## Resources", "", f"{len(rows)} resources.", "",
            *table(("type", "name", "region", "project", "settings that matter", "construct"), rows), ""]
