"""The whole static-outbound-IP chain: subnet → connector → router → addresses → NAT → services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from .addresses import StaticAddresses, StaticAddressesProps
from .._provider.cdk import Construct, ITerraformDependable
from .cloud_run import CloudRunService, CloudRunServiceProps
from .connector import Connector, ConnectorProps
from .router_nat import RouterNat, RouterNatProps
from .subnetwork import Subnetwork, SubnetworkProps


@dataclass(frozen=True, kw_only=True)
class EgressChainProps:
    """The chain's pieces, each with the props of its own construct.

    Attributes:
        subnet: ``Subnet``: the connector's /28, or the Direct VPC egress subnet in direct mode;
            None only at the end of a move to direct egress (``direct_subnet`` alone).
        direct_subnet: ``DirectSubnet``: the Direct VPC egress subnet created beside the connector's
            for the move to direct mode; None otherwise.
        connector: the connector on ``subnet``; None in direct mode once the move is done.
        addresses: the created, adopted, draining and standby addresses.
        router_nat: the router and its NAT, which covers every subnet of the chain.
        services: the Cloud Run services.
        direct_egress: whether the services egress from the direct subnet (``direct_subnet``, else
            ``subnet``) instead of through the connector.
    """

    subnet: SubnetworkProps | None
    direct_subnet: SubnetworkProps | None = None
    connector: ConnectorProps | None
    addresses: StaticAddressesProps
    router_nat: RouterNatProps
    services: tuple[CloudRunServiceProps, ...] = ()
    direct_egress: bool = False

    def __post_init__(self) -> None:
        problems = []
        if self.subnet is None and self.direct_subnet is None:
            problems.append("a subnet or a direct_subnet (the NAT needs one to cover)")
        if self.connector is not None and self.subnet is None:
            problems.append("subnet with connector (the connector is attached to it)")
        if self.services and not self.direct_egress and self.connector is None:
            problems.append("connector with services and direct_egress false (they egress through it)")
        if problems:
            raise ValueError(f"EgressChainProps needs {'; '.join(problems)}")


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

        def subnetwork(id: str, subnet_props: SubnetworkProps | None) -> Subnetwork | None:
            return None if subnet_props is None else Subnetwork(self, id, props=subnet_props, depends_on=depends_on)

        self.subnet = subnetwork("Subnet", props.subnet)
        self.direct_subnet = subnetwork("DirectSubnet", props.direct_subnet)
        self.connector: Connector | None = None if props.connector is None else Connector(
            self, "Connector", subnet=self.subnet, props=props.connector, depends_on=depends_on)
        self.addresses = StaticAddresses(self, "Addresses", props=props.addresses, depends_on=depends_on)
        self.router_nat = RouterNat(
            self,
            "RouterNat",
            subnets=tuple(s for s in (self.subnet, self.direct_subnet) if s is not None),
            addresses=self.addresses,
            props=props.router_nat,
            depends_on=depends_on,
        )
        # Direct egress: from DirectSubnet during a move, else from Subnet.
        egress_subnet = (self.direct_subnet or self.subnet) if props.direct_egress else None
        self.services = tuple(
            CloudRunService(
                self,
                f"Service-{s.name}",
                connector_id=self.connector.connector_id if egress_subnet is None else None,
                subnet=egress_subnet,
                props=s,
                # No traffic before the NAT exists with its whole pool: it would leave from a random IP.
                depends_on=[*depends_on, self.router_nat.nat, self.router_nat.nat_address],
            )
            for s in props.services
        )
