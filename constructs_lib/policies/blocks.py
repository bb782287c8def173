"""The pieces of a synthesized stack that ``StackDocument`` hands out: resource blocks, references, the subnet a
value names, and a service's egress path."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

__all__ = ["EgressPath", "Ref", "Resource", "SubnetRef"]


@dataclass(frozen=True)
class Ref:
    """A whole-value reference ``${[data.]type.name.attr}``."""

    type: str
    name: str
    attr: str
    data: bool = False


@dataclass(frozen=True)
class Resource:
    """One resource block of the synthesized JSON.

    Attributes:
        type: the Terraform type (``google_compute_router_nat``).
        name: the logical id cdktf gave it (``Chain_RouterNat_8014E7A6``).
        body: its arguments as synthesized.
    """

    type: str
    name: str
    body: Mapping[str, Any]

    @property
    def address(self) -> str:
        """The Terraform address, ``type.name``."""
        return f"{self.type}.{self.name}"

    @property
    def path(self) -> str:
        """The construct path cdktf recorded (``example/Chain/Subnet/Resource``), else the address."""
        meta = self.body.get("//", {}).get("metadata", {})
        return meta.get("path") or self.address

    def get(self, key: str, default: Any = None) -> Any:
        return self.body.get(key, default)


@dataclass(frozen=True)
class SubnetRef:
    """A subnet as some resource names it, resolved as far as the JSON allows.

    Attributes:
        name: the subnet's name; None when the JSON does not tell it.
        resource: the stack's own ``google_compute_subnetwork``, when the subnet is one.
        region: the subnet's region, when known.
        network: the name of the subnet's network, when known.
        project: the subnet's project, when known.
    """

    name: str | None
    resource: Resource | None = None
    region: str | None = None
    network: str | None = None
    project: str | None = None

    @property
    def label(self) -> str:
        return self.name or "an unknown subnet"


@dataclass(frozen=True)
class EgressPath:
    """How one Cloud Run service's traffic enters the VPC.

    Attributes:
        service: the service.
        mode: ``connector`` (through a Serverless VPC Access connector), ``direct``
            (Direct VPC egress, ``network_interfaces``) or ``none`` (no vpc_access).
        connector: the stack's connector in connector mode, when it is in this stack.
        subnet: the subnet the traffic leaves from; None when it cannot be told.
    """

    service: Resource
    mode: str
    connector: Resource | None = None
    subnet: SubnetRef | None = None
