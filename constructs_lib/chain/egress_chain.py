"""The whole static-outbound-IP chain: subnet → connector → router → addresses → NAT → services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from .addresses import StaticAddresses, StaticAddressesProps
from .._provider.cdk import Construct, ITerraformDependable
from .cloud_run import CloudRunService, CloudRunServiceProps
from .cloud_run_job import CloudRunJob, CloudRunJobProps
from .cloud_run_worker_pool import CloudRunWorkerPool, CloudRunWorkerPoolProps
from .connector import Connector, ConnectorProps
from .router_nat import RouterNat, RouterNatProps
from .secrets import SecretAccess, SecretAccessProps
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
        jobs: the Cloud Run jobs, which egress as the services do.
        worker_pools: the Cloud Run worker pools, Direct VPC egress only (``direct_egress`` true).
        secret_access: the accessor bindings of the secrets the workloads read, one per (secret, account).
        direct_egress: whether the services and jobs egress from the direct subnet (``direct_subnet``, else
            ``subnet``) instead of through the connector.
    """

    subnet: SubnetworkProps | None
    direct_subnet: SubnetworkProps | None = None
    connector: ConnectorProps | None
    addresses: StaticAddressesProps
    router_nat: RouterNatProps
    services: tuple[CloudRunServiceProps, ...] = ()
    direct_egress: bool = False
    jobs: tuple[CloudRunJobProps, ...] = ()
    secret_access: tuple[SecretAccessProps, ...] = ()
    worker_pools: tuple[CloudRunWorkerPoolProps, ...] = ()

    def __post_init__(self) -> None:
        problems = []
        if self.subnet is None and self.direct_subnet is None:
            problems.append("a subnet or a direct_subnet (the NAT needs one to cover)")
        if self.connector is not None and self.subnet is None:
            problems.append("subnet with connector (the connector is attached to it)")
        if (self.services or self.jobs) and not self.direct_egress and self.connector is None:
            problems.append("connector with services or jobs and direct_egress false (they egress through it)")
        if self.worker_pools and not self.direct_egress:
            problems.append("direct_egress with worker_pools (their vpc_access has no connector)")
        if problems:
            raise ValueError(f"EgressChainProps needs {'; '.join(problems)}")


class EgressChain(Construct):
    """Composes the chain's constructs.

    Children and their IDs (a contract: changing one replaces cloud
    resources, perhaps an allowlisted IP): ``Subnet``, ``Connector``,
    ``Addresses`` (``Address-<name>``, ``Existing-<name>``), ``RouterNat``
    (``Router``, ``Nat``), ``Service-<service name>``, ``Job-<job name>``, ``WorkerPool-<name>`` and
    ``SecretAccess-<secret>@<service account>``; ``DirectSubnet``
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
        self.secret_access = tuple(SecretAccess(self, a.construct_id, props=a, depends_on=tuple(depends_on))
                                   for a in props.secret_access)
        # No traffic before the NAT exists with its whole pool (it would leave from a random IP), and no
        # instance before it may read its secrets (the revision or task would fail).
        waits = [*depends_on, self.router_nat.nat, self.router_nat.nat_address,
                 *(a.resource for a in self.secret_access)]
        connector_id = self.connector.connector_id if egress_subnet is None and self.connector else None
        self.services = tuple(
            CloudRunService(
                self,
                f"Service-{s.name}",
                connector_id=connector_id,
                subnet=egress_subnet,
                props=s,
                depends_on=waits,
            )
            for s in props.services
        )
        self.jobs = tuple(
            CloudRunJob(self, f"Job-{j.name}", connector_id=connector_id, subnet=egress_subnet, props=j,
                        depends_on=waits)
            for j in props.jobs
        )
        self.worker_pools = tuple(
            CloudRunWorkerPool(self, f"WorkerPool-{p.name}", subnet=egress_subnet, props=p, depends_on=waits)
            for p in props.worker_pools
        )
