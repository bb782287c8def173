"""Reading a synthesized stack back: the Terraform JSON that cdktf writes.

The chain policies and the review report work on this JSON rather than on the
environment file or the construct objects, so they see exactly what Terraform
will get, escape-hatch overrides included. In it a reference to another
resource is a string such as ``"${google_compute_subnetwork.Chain_Subnet_A622ED08.self_link}"``;
``StackDocument`` follows those references and, where a value is a literal
(a name, a self link or an id), reads the name out of it.

Nothing here imports cdktf or the provider: a synthesized file can be read
without loading either.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Mapping

from ..facts.resources import ADDRESS, CONNECTOR, JOB, NAT, NAT_ADDRESS, ROUTER, SUBNET, WORKLOADS
from .blocks import EgressPath, Ref, Resource, SubnetRef

__all__ = ["EgressPath", "Ref", "Resource", "StackDocument", "SubnetRef"]

_REF = re.compile(r"^\$\{(data\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)\}$")
_PATH_PART = re.compile(r"(?:^|/)(projects|regions|locations|subnetworks|networks)/([^/]+)")


def _last_segment(value: str) -> str:
    return value.rstrip("/").rsplit("/", 1)[-1]


def _path_parts(value: str) -> dict[str, str]:
    return {kind: part for kind, part in _PATH_PART.findall(value)}


class StackDocument:
    """The synthesized JSON of one stack, with the look-ups the policies and the report need."""

    def __init__(self, doc: Mapping[str, Any], *, stack: str | None = None) -> None:
        """Args:
            doc: the parsed ``cdk.tf.json`` (or ``TerraformStack.to_terraform()``).
            stack: the stack name; read from the document's metadata when None.
        """
        self.doc = doc
        self.stack = stack or doc.get("//", {}).get("metadata", {}).get("stackName", "")

    @classmethod
    def from_file(cls, path: str | Path) -> "StackDocument":
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    # -- resources ---------------------------------------------------------

    def resources(self, rtype: str) -> list[Resource]:
        """Every resource of one type, in logical-id order."""
        found = self.doc.get("resource", {}).get(rtype, {})
        return [Resource(rtype, name, body) for name, body in sorted(found.items())]

    def all_resources(self) -> list[Resource]:
        """Every resource, by type then logical id."""
        return [r for rtype in sorted(self.doc.get("resource", {})) for r in self.resources(rtype)]

    def data_sources(self, rtype: str) -> list[Resource]:
        found = self.doc.get("data", {}).get(rtype, {})
        return [Resource(rtype, name, body) for name, body in sorted(found.items())]

    @property
    def outputs(self) -> Mapping[str, Any]:
        return self.doc.get("output", {})

    @property
    def policy(self) -> Mapping[str, Any]:
        """What the stack's author recorded for the chain policies (``//.egress_policy``)."""
        return self.doc.get("//", {}).get("egress_policy", {})

    # -- references --------------------------------------------------------

    @staticmethod
    def ref(value: Any) -> Ref | None:
        """The reference a value is, when the whole value is one."""
        if not isinstance(value, str):
            return None
        match = _REF.match(value)
        if not match:
            return None
        data, rtype, name, attr = match.groups()
        return Ref(rtype, name, attr, data=bool(data))

    def target(self, value: Any, rtype: str | None = None) -> Resource | None:
        """The stack's resource (not data source) a value refers to, optionally only of ``rtype``."""
        ref = self.ref(value)
        if ref is None or ref.data or (rtype is not None and ref.type != rtype):
            return None
        body = self.doc.get("resource", {}).get(ref.type, {}).get(ref.name)
        return None if body is None else Resource(ref.type, ref.name, body)

    def name_of(self, value: Any) -> str | None:
        """The name a value designates: the referred resource's ``name``, or the last part of a
        literal name, self link or id. None for anything else (an expression, a data source)."""
        if not isinstance(value, str) or not value:
            return None
        ref = self.ref(value)
        if ref is not None:
            target = self.target(value)
            name = target.get("name") if target is not None else None
            return name if isinstance(name, str) and not name.startswith("${") else None
        if "${" in value:
            return None
        return _last_segment(value)

    def addresses_in(self, value: Any) -> list[Resource | Ref | str]:
        """The entries of a list of addresses (``nat_ips``): the stack's address, a data-source
        reference, or a literal self link."""
        if not isinstance(value, list):
            return []
        entries: list[Resource | Ref | str] = []
        for item in value:
            target = self.target(item, ADDRESS)
            ref = self.ref(item)
            entries.append(target if target is not None else ref if ref is not None else item)
        return entries

    # -- provider defaults -------------------------------------------------

    def _provider(self, resource: Resource) -> Mapping[str, Any]:
        providers = self.doc.get("provider", {}).get("google", [])
        if isinstance(providers, dict):
            providers = [providers]
        wanted = resource.get("provider")
        alias = wanted.split(".", 1)[1] if isinstance(wanted, str) and "." in wanted else None
        for provider in providers:
            if provider.get("alias") == alias:
                return provider
        return {}

    def region(self, resource: Resource) -> str | None:
        """The resource's region (``region``, or ``location`` for Cloud Run), else the provider's."""
        value = resource.get("region") or resource.get("location") or self._provider(resource).get("region")
        return value if isinstance(value, str) else None

    def project(self, resource: Resource) -> str | None:
        """The resource's project, else the provider's."""
        value = resource.get("project") or self._provider(resource).get("project")
        return value if isinstance(value, str) else None

    def network_name(self, value: Any) -> str | None:
        """A network's name from a reference to a ``google_compute_network`` or a literal name/self link."""
        return self.name_of(value)

    # -- the chain ---------------------------------------------------------

    def subnet(self, value: Any, *, region: str | None = None, project: str | None = None) -> SubnetRef:
        """The subnet a value designates (a reference to a stack subnet, or a literal name,
        self link or id). ``region``/``project`` are the referring resource's, used for a bare name."""
        target = self.target(value, SUBNET)
        if target is not None:
            return SubnetRef(
                name=target.get("name"),
                resource=target,
                region=self.region(target),
                network=self.network_name(target.get("network")),
                project=self.project(target),
            )
        name = self.name_of(value)
        parts = _path_parts(value) if isinstance(value, str) and "${" not in value else {}
        own = next((s for s in self.resources(SUBNET) if s.get("name") == name), None) if name else None
        region = parts.get("regions", region)
        if own is not None and self.region(own) == region:
            return self.subnet(f"${{{SUBNET}.{own.name}.name}}")
        return SubnetRef(name=name, region=region, project=parts.get("projects", project))

    def connector_subnet(self, connector: Resource) -> SubnetRef | None:
        """The subnet a connector runs in; None when it has no ``subnet`` block (an ``ip_cidr_range``
        connector runs in a hidden subnet that no NAT can select)."""
        block = connector.get("subnet")
        if not isinstance(block, dict) or not block.get("name"):
            return None
        return self.subnet(block["name"], region=self.region(connector),
                           project=block.get("project_id") or self.project(connector))

    @staticmethod
    def vpc_access(workload: Resource) -> Any:
        """A workload's ``vpc_access``: a service's in ``template``, a job's in its task template
        (``template.template``)."""
        template = workload.get("template", {})
        if workload.type == JOB:
            template = template.get("template", {}) if isinstance(template, dict) else {}
        return template.get("vpc_access") if isinstance(template, dict) else None

    def egress_paths(self) -> list[EgressPath]:
        """One path per Cloud Run service, then per Cloud Run job, in logical-id order."""
        paths = []
        for service in (w for rtype in WORKLOADS for w in self.resources(rtype)):
            access = self.vpc_access(service)
            if not isinstance(access, dict):
                paths.append(EgressPath(service, "none"))
                continue
            interfaces = access.get("network_interfaces")
            if isinstance(interfaces, dict):
                interfaces = [interfaces]
            if interfaces:
                first = interfaces[0]
                where = first.get("subnetwork") or first.get("network")
                paths.append(EgressPath(service, "direct", subnet=self.subnet(
                    where, region=self.region(service), project=self.project(service))))
                continue
            if access.get("connector"):
                connector = self.target(access["connector"], CONNECTOR)
                subnet = self.connector_subnet(connector) if connector is not None else None
                paths.append(EgressPath(service, "connector", connector=connector, subnet=subnet))
                continue
            paths.append(EgressPath(service, "none"))
        return paths

    def nat_router(self, nat: Resource) -> Resource | None:
        """The stack's router a NAT runs on (by reference, or by literal name)."""
        target = self.target(nat.get("router"), ROUTER)
        if target is not None:
            return target
        name = self.name_of(nat.get("router"))
        return next((r for r in self.resources(ROUTER) if r.get("name") == name), None)

    def nat_network(self, nat: Resource) -> str | None:
        router = self.nat_router(nat)
        return self.network_name(router.get("network")) if router is not None else None

    def nat_subnets(self, nat: Resource) -> list[tuple[SubnetRef, tuple[str, ...]]]:
        """The subnets a NAT lists (LIST_OF_SUBNETWORKS), each with its source IP ranges."""
        blocks = nat.get("subnetwork") or []
        if isinstance(blocks, dict):
            blocks = [blocks]
        region, project = self.region(nat), self.project(nat)
        return [
            (self.subnet(b.get("name"), region=region, project=project), tuple(b.get("source_ip_ranges_to_nat") or ()))
            for b in blocks
            if isinstance(b, dict)
        ]

    def nat_covers(self, nat: Resource, subnet: SubnetRef) -> bool:
        """Whether the NAT translates the primary range of ``subnet``."""
        mode = nat.get("source_subnetwork_ip_ranges_to_nat")
        if mode in ("ALL_SUBNETWORKS_ALL_IP_RANGES", "ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES"):
            return subnet.network is not None and subnet.network == self.nat_network(nat) and (
                subnet.region == self.region(nat))
        if mode != "LIST_OF_SUBNETWORKS" or subnet.name is None:
            return False
        for listed, ranges in self.nat_subnets(nat):
            same = (listed.resource is not None and listed.resource == subnet.resource) or (
                listed.name == subnet.name and (listed.region or subnet.region) == (subnet.region or listed.region))
            if same and ({"ALL_IP_RANGES", "PRIMARY_IP_RANGE"} & set(ranges)):
                return True
        return False

    def nats_covering(self, subnet: SubnetRef) -> list[Resource]:
        return [nat for nat in self.resources(NAT) if self.nat_covers(nat, subnet)]

    def nat_address(self, nat: Resource) -> Resource | None:
        """The stack's ``google_compute_router_nat_address`` holding a NAT's IPs (its ``router_nat`` names the NAT)."""
        for holder in self.resources(NAT_ADDRESS):
            target = self.target(holder.get("router_nat"), NAT)
            if target is not None:
                if target.name == nat.name:
                    return holder
            elif self.name_of(holder.get("router_nat")) == nat.get("name") and (
                    self.name_of(holder.get("router")) == self.name_of(nat.get("router"))):
                return holder
        return None

    def nat_ips(self, nat: Resource) -> Any:
        """A NAT's active IPs as synthesized: its ``NatAddress``'s ``nat_ips``, else its own ``nat_ips``, else the
        ``initial_nat_ips`` it is created with (a list, or an expression string as written)."""
        holder = self.nat_address(nat)
        if holder is not None:
            return holder.get("nat_ips")
        return nat.get("nat_ips") if nat.get("nat_ips") is not None else nat.get("initial_nat_ips")

    def drain_nat_ips(self, nat: Resource) -> Any:
        """A NAT's draining IPs: its ``NatAddress``'s ``drain_nat_ips``, else its own."""
        holder = self.nat_address(nat)
        return (holder if holder is not None else nat).get("drain_nat_ips")
