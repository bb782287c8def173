"""The chain's own subnet: the range whose traffic the NAT translates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from .cdk import Construct, ITerraformDependable
from .google import ComputeSubnetwork


@dataclass(frozen=True, kw_only=True)
class SubnetworkProps:
    """A regional subnet used only by the egress chain.

    Attributes:
        name: subnet name (``{name}-subnet``).
        project: project that owns the network (the Shared VPC host project, if any).
        region: the subnet's region.
        network: name of the existing VPC network.
        ip_cidr_range: the subnet's range; a /28 for a connector.
    """

    name: str
    project: str
    region: str
    network: str
    ip_cidr_range: str


class Subnetwork(Construct):
    """A subnet in an existing VPC network, owned by the chain."""

    def __init__(
        self, scope: Construct, id: str, *, props: SubnetworkProps, depends_on: Sequence[ITerraformDependable] = ()
    ) -> None:
        super().__init__(scope, id)
        self.props = props
        self.resource = ComputeSubnetwork(
            self,
            "Resource",
            name=props.name,
            project=props.project,
            region=props.region,
            network=props.network,
            ip_cidr_range=props.ip_cidr_range,
            depends_on=list(depends_on) or None,
        )

    @property
    def name(self) -> str:
        """The subnet's name, known at synth time."""
        return self.props.name

    @property
    def self_link(self) -> str:
        """The subnet's self link, as a Terraform reference: what the NAT's subnetwork.name takes."""
        return self.resource.self_link
