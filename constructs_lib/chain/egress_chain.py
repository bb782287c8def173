"""The whole static-outbound-IP chain: subnet → connector → router → addresses → NAT → services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from .addresses import StaticAddresses, StaticAddressesProps
from .._provider.cdk import Construct, ITerraformDependable
from .cloud_run import CloudRunService, CloudRunServiceProps
from ..config import EnvironmentConfig, ServiceConfig
from .connector import Connector, ConnectorProps
from .router_nat import RouterNat, RouterNatProps
from .subnetwork import Subnetwork, SubnetworkProps


@dataclass(frozen=True, kw_only=True)
class EgressChainProps:
    """Everything the chain needs, from one validated environment."""

    config: EnvironmentConfig


class EgressChain(Construct):
    """Composes the chain's constructs.

    Children and their IDs (a contract: changing one replaces cloud
    resources, perhaps an allowlisted IP): ``Subnet``, ``Connector``,
    ``Addresses`` (``Address-<name>``, ``Existing-<name>``), ``RouterNat``
    (``Router``, ``Nat``) and ``Service-<service name>``; ``DirectSubnet``
    with ``network.direct_subnet_cidr``.

    Which exist depends on the egress mode: ``Subnet`` is the connector's /28
    in connector mode and the Direct VPC egress subnet in direct mode, unless
    ``DirectSubnet`` is there too (the move from the connector: the services
    then egress from ``DirectSubnet`` and ``Connector`` stays on ``Subnet``).
    The NAT covers every subnet that exists.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        props: EgressChainProps,
        depends_on: Sequence[ITerraformDependable] = (),
    ) -> None:
        """Build the chain.

        Args:
            depends_on: resources every chain resource waits for (the stack's API enablement).
        """
        super().__init__(scope, id)
        c = props.config
        net_project = c.network_project
        def subnetwork(id: str, name: str, cidr: str) -> Subnetwork:
            return Subnetwork(
                self,
                id,
                props=SubnetworkProps(
                    name=name,
                    project=net_project,
                    region=c.region,
                    network=c.network.vpc,
                    ip_cidr_range=cidr,
                    private_ip_google_access=c.network.private_ip_google_access,
                    flow_logs=c.network.flow_logs,
                    flow_logs_aggregation_interval=c.network.flow_logs_aggregation_interval,
                    flow_logs_sampling=c.network.flow_logs_sampling,
                ),
                depends_on=depends_on,
            )

        # Subnet is absent only at the end of a move to direct egress (direct_subnet_cidr alone).
        self.subnet: Subnetwork | None = (
            None if c.network.subnet_cidr is None else subnetwork("Subnet", c.subnet_name, c.network.subnet_cidr))
        self.direct_subnet: Subnetwork | None = (
            None if c.network.direct_subnet_cidr is None
            else subnetwork("DirectSubnet", c.direct_subnet_name, c.network.direct_subnet_cidr))
        self.connector: Connector | None = None if self.subnet is None or not c.has_connector else Connector(
            self,
            "Connector",
            subnet=self.subnet,
            props=ConnectorProps(
                name=c.connector_name,
                project=c.project,
                region=c.region,
                machine_type=c.connector.machine_type,
                min_instances=c.connector.min_instances,
                max_instances=c.connector.max_instances,
            ),
            depends_on=depends_on,
        )
        self.addresses = StaticAddresses(
            self,
            "Addresses",
            props=StaticAddressesProps(names=c.address_names, project=net_project, region=c.region,
                                       existing_names=c.existing_ips, draining_names=c.draining_ips,
                                       standby_names=c.standby_ips),
            depends_on=depends_on,
        )
        self.router_nat = RouterNat(
            self,
            "RouterNat",
            subnets=tuple(s for s in (self.subnet, self.direct_subnet) if s is not None),
            addresses=self.addresses,
            props=RouterNatProps(
                router_name=c.router_name,
                nat_name=c.nat_name,
                project=net_project,
                region=c.region,
                network=c.network.vpc,
                min_ports_per_vm=c.nat.min_ports_per_vm,
                log_filter=c.nat.log_filter,
                max_ports_per_vm=c.nat.max_ports_per_vm,
                enable_dynamic_port_allocation=c.nat.dynamic_port_allocation,
                enable_endpoint_independent_mapping=c.nat.endpoint_independent_mapping,
                udp_idle_timeout_sec=c.nat.udp_idle_timeout_sec,
                icmp_idle_timeout_sec=c.nat.icmp_idle_timeout_sec,
                tcp_established_idle_timeout_sec=c.nat.tcp_established_idle_timeout_sec,
                tcp_transitory_idle_timeout_sec=c.nat.tcp_transitory_idle_timeout_sec,
                tcp_time_wait_timeout_sec=c.nat.tcp_time_wait_timeout_sec,
            ),
            depends_on=depends_on,
        )
        # Direct mode: the services egress from the direct subnet (DirectSubnet during a move, else Subnet).
        egress_subnet = (self.direct_subnet or self.subnet) if c.egress_mode == "direct" else None
        self.services = tuple(
            CloudRunService(
                self,
                f"Service-{s.name}",
                connector_id=self.connector.connector_id if egress_subnet is None else None,
                subnet=egress_subnet,
                props=_service_props(s, project=c.project, region=c.region),
                # No traffic before the NAT exists: it would leave from a random IP.
                depends_on=[*depends_on, self.router_nat.nat],
            )
            for s in c.services
        )


def _service_props(s: ServiceConfig, *, project: str, region: str) -> CloudRunServiceProps:
    return CloudRunServiceProps(
        name=s.name,
        project=project,
        region=region,
        image=s.image,
        labels=s.labels,
        service_account=s.service_account,
        ingress=s.ingress,
        deletion_protection=s.deletion_protection,
        env=s.env,
        min_instances=s.min_instances,
        max_instances=s.max_instances,
        cpu=s.cpu,
        memory=s.memory,
        port=s.port,
        allow_unauthenticated=s.allow_unauthenticated,
    )
