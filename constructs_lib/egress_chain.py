"""The whole static-outbound-IP chain: subnet → connector → router → addresses → NAT → services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from .addresses import StaticAddresses, StaticAddressesProps
from .cdk import Construct, ITerraformDependable
from .cloud_run import CloudRunService, CloudRunServiceProps
from .config import EnvironmentConfig, ServiceConfig
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
    ``Addresses`` (``Address-<name>``), ``RouterNat`` (``Router``, ``Nat``)
    and ``Service-<service name>``.
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
        self.subnet = Subnetwork(
            self,
            "Subnet",
            props=SubnetworkProps(
                name=c.subnet_name,
                project=net_project,
                region=c.region,
                network=c.network.vpc,
                ip_cidr_range=c.network.subnet_cidr,
                private_ip_google_access=c.network.private_ip_google_access,
                flow_logs=c.network.flow_logs,
                flow_logs_aggregation_interval=c.network.flow_logs_aggregation_interval,
                flow_logs_sampling=c.network.flow_logs_sampling,
            ),
            depends_on=depends_on,
        )
        self.connector = Connector(
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
            props=StaticAddressesProps(names=c.address_names, project=net_project, region=c.region),
            depends_on=depends_on,
        )
        self.router_nat = RouterNat(
            self,
            "RouterNat",
            subnets=(self.subnet,),
            addresses=self.addresses,
            props=RouterNatProps(
                router_name=c.router_name,
                nat_name=c.nat_name,
                project=net_project,
                region=c.region,
                network=c.network.vpc,
                min_ports_per_vm=c.nat.min_ports_per_vm,
                log_filter=c.nat.log_filter,
            ),
            depends_on=depends_on,
        )
        self.services = tuple(
            CloudRunService(
                self,
                f"Service-{s.name}",
                connector_id=self.connector.connector_id,
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
