"""The chain's own subnet: the range whose traffic the NAT translates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..facts.gcp import (
    FLOW_LOGS_AGGREGATION_INTERVAL,
    FLOW_LOGS_SAMPLING,
    SUBNET_FLOW_LOGS,
    SUBNET_PRIVATE_IP_GOOGLE_ACCESS,
)
from .._provider.cdk import Construct, ITerraformDependable, TerraformResourceLifecycle
from .._provider.google import ComputeSubnetwork, ComputeSubnetworkLogConfig


@dataclass(frozen=True, kw_only=True)
class SubnetworkProps:
    """A regional subnet used only by the egress chain.

    Attributes:
        name: subnet name (``{name}-subnet``).
        project: project that owns the network (the Shared VPC host project, if any).
        region: the subnet's region.
        network: name of the existing VPC network.
        ip_cidr_range: the subnet's range; a /28 for a connector.
        private_ip_google_access: reach Google APIs on their private addresses
            (Private Google Access); true when left out.
        flow_logs: record VPC flow logs; true when left out.
        flow_logs_aggregation_interval: INTERVAL_5_SEC (the API's default) when left out.
        flow_logs_sampling: share of flows logged; 0.5 (the API's default) when left out.
    """

    name: str
    project: str
    region: str
    network: str
    ip_cidr_range: str
    private_ip_google_access: bool = SUBNET_PRIVATE_IP_GOOGLE_ACCESS
    flow_logs: bool = SUBNET_FLOW_LOGS
    flow_logs_aggregation_interval: str = FLOW_LOGS_AGGREGATION_INTERVAL
    flow_logs_sampling: float = FLOW_LOGS_SAMPLING


class Subnetwork(Construct):
    """A subnet in an existing VPC network, owned by the chain.

    ``create_before_destroy``: when the subnet leaves the file, what used it
    is updated first, then it is deleted. A change that would replace it (its
    range, its network) fails on the name already taken instead of deleting
    the subnet the services egress from.
    """

    def __init__(
        self, scope: Construct, id: str, *, props: SubnetworkProps, depends_on: Sequence[ITerraformDependable] = ()
    ) -> None:
        super().__init__(scope, id)
        self._props = props
        self.resource = ComputeSubnetwork(
            self,
            "Resource",
            name=props.name,
            project=props.project,
            region=props.region,
            network=props.network,
            ip_cidr_range=props.ip_cidr_range,
            private_ip_google_access=props.private_ip_google_access,
            log_config=_log_config(props),
            depends_on=list(depends_on) or None,
            # The NAT (and a connector or service) names the subnet: with create_before_destroy, Terraform
            # updates them before it deletes a subnet that left the file, instead of deleting it first
            # and failing with resourceInUseByAnotherResource (the connector to direct move, step 3).
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )

    @property
    def name(self) -> str:
        """The subnet's name, known at synth time."""
        return self._props.name

    @property
    def project(self) -> str:
        """The project that owns the subnet (the Shared VPC host project, if any)."""
        return self._props.project

    @property
    def network(self) -> str:
        """The name of the subnet's VPC network."""
        return self._props.network

    @property
    def self_link(self) -> str:
        """The subnet's self link, as a Terraform reference: what the NAT's subnetwork.name takes."""
        return self.resource.self_link


def _log_config(props: SubnetworkProps) -> ComputeSubnetworkLogConfig | None:
    """The flow log block; none (flow logs off) when ``props.flow_logs`` is false."""
    if not props.flow_logs:
        return None
    return ComputeSubnetworkLogConfig(
        aggregation_interval=props.flow_logs_aggregation_interval, flow_sampling=props.flow_logs_sampling
    )
