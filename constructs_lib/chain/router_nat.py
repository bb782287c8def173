"""Cloud Router and Cloud NAT: translate only the chain's subnet, only through its static IPs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from .addresses import StaticAddresses
from .._provider.cdk import Construct, ITerraformDependable, TerraformResourceLifecycle
from .._provider.google import (
    ComputeRouter,
    ComputeRouterNat,
    ComputeRouterNatAddress,
    ComputeRouterNatLogConfig,
    ComputeRouterNatSubnetwork,
)
from .subnetwork import Subnetwork


@dataclass(frozen=True, kw_only=True)
class RouterNatProps:
    """A Cloud Router with one Cloud NAT gateway.

    Attributes:
        router_name: the router's name (``{name}-router``).
        nat_name: the NAT gateway's name (``{name}-nat``).
        project: project that owns the network (the Shared VPC host project, if any).
        region: region of the subnet and addresses.
        network: name of the VPC network.
        min_ports_per_vm: source ports reserved per VM; the API's default (64) when None.
        log_filter: ERRORS_ONLY, TRANSLATIONS_ONLY or ALL; NAT logging is off when None.
        max_ports_per_vm: with dynamic port allocation; the API's default (65,536) when None.
        enable_dynamic_port_allocation / enable_endpoint_independent_mapping: sent as
            given, true or false; left out (the API's or the live NAT's value) when None.
        udp_idle_timeout_sec, icmp_idle_timeout_sec, tcp_established_idle_timeout_sec,
        tcp_transitory_idle_timeout_sec, tcp_time_wait_timeout_sec: the API's defaults
            (30, 30, 1200, 30, 120 seconds) when None.
    """

    router_name: str
    nat_name: str
    project: str
    region: str
    network: str
    min_ports_per_vm: int | None = None
    log_filter: str | None = None
    max_ports_per_vm: int | None = None
    enable_dynamic_port_allocation: bool | None = None
    enable_endpoint_independent_mapping: bool | None = None
    udp_idle_timeout_sec: int | None = None
    icmp_idle_timeout_sec: int | None = None
    tcp_established_idle_timeout_sec: int | None = None
    tcp_transitory_idle_timeout_sec: int | None = None
    tcp_time_wait_timeout_sec: int | None = None


class RouterNat(Construct):
    """A router and a NAT that covers exactly the given subnets with MANUAL_ONLY addresses.

    ``LIST_OF_SUBNETWORKS`` with only the chain's subnets keeps every other
    subnet of the network out of the pool, and ``MANUAL_ONLY`` keeps Google
    from adding ephemeral IPs that no third party has allowlisted. Draining
    addresses go to ``drain_nat_ips`` and never also to ``nat_ips``.

    The NAT's IPs are held by a child ``NatAddress`` (``google_compute_router_nat_address``):
    its ``nat_ips`` are the active addresses, its ``drain_nat_ips`` the draining
    ones. The NAT itself (``Nat``) sets neither: the provider 6.50.0 keeps the
    NAT's own ``drain_nat_ips`` (Optional+Computed) when it is emptied, so a
    drained address could not leave it with a deploy; ``NatAddress``'s
    ``drain_nat_ips`` is Optional only and empties. The NAT is created with
    ``initial_nat_ips`` (the active addresses; GCP needs one for MANUAL_ONLY),
    which is ForceNew and never read back: ``lifecycle.ignore_changes`` keeps a
    change of the pool, and a NAT created before ``NatAddress`` existed, from
    replacing the NAT.

    A stack of the earlier shape (the NAT's own ``nat_ips``) plans
    ``NatAddress`` as a create: a PATCH of the NAT with the same IPs, nothing
    replaced. The provider refuses to create one with ``drain_nat_ips`` ("New
    RouterNat cannot have drain_nat_ips"), so while addresses drain, the NAT
    exists already (GCP only drains an address the NAT used) and
    ``NatAddress`` is imported instead (a no-op once it is in the state).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        subnets: tuple[Subnetwork, ...],
        addresses: StaticAddresses,
        props: RouterNatProps,
        depends_on: Sequence[ITerraformDependable] = (),
    ) -> None:
        super().__init__(scope, id)
        self.router = ComputeRouter(
            self,
            "Router",
            name=props.router_name,
            project=props.project,
            region=props.region,
            network=props.network,
            depends_on=list(depends_on) or None,
        )
        log_config = (
            ComputeRouterNatLogConfig(enable=True, filter=props.log_filter) if props.log_filter else None
        )
        self.nat = ComputeRouterNat(
            self,
            "Nat",
            name=props.nat_name,
            project=props.project,
            region=props.region,
            router=self.router.name,
            nat_ip_allocate_option="MANUAL_ONLY",
            initial_nat_ips=addresses.active_self_links,
            source_subnetwork_ip_ranges_to_nat="LIST_OF_SUBNETWORKS",
            subnetwork=[
                ComputeRouterNatSubnetwork(name=subnet.self_link, source_ip_ranges_to_nat=["ALL_IP_RANGES"])
                for subnet in subnets
            ],
            min_ports_per_vm=props.min_ports_per_vm,
            log_config=log_config,
            max_ports_per_vm=props.max_ports_per_vm,
            enable_dynamic_port_allocation=props.enable_dynamic_port_allocation,
            enable_endpoint_independent_mapping=props.enable_endpoint_independent_mapping,
            udp_idle_timeout_sec=props.udp_idle_timeout_sec,
            icmp_idle_timeout_sec=props.icmp_idle_timeout_sec,
            tcp_established_idle_timeout_sec=props.tcp_established_idle_timeout_sec,
            tcp_transitory_idle_timeout_sec=props.tcp_transitory_idle_timeout_sec,
            tcp_time_wait_timeout_sec=props.tcp_time_wait_timeout_sec,
            # initial_nat_ips is ForceNew and only sent at creation: NatAddress holds the IPs from then on.
            lifecycle=TerraformResourceLifecycle(ignore_changes=["initial_nat_ips"]),
        )
        self.nat_address = ComputeRouterNatAddress(
            self,
            "NatAddress",
            project=props.project,
            region=props.region,
            router=self.router.name,
            router_nat=self.nat.name,
            nat_ips=addresses.active_self_links,
            drain_nat_ips=addresses.draining_self_links or None,
        )
        if addresses.draining_self_links:
            # A NAT with draining addresses exists already; the provider refuses to create NatAddress with them.
            self.nat_address.import_from(
                f"projects/{props.project}/regions/{props.region}/routers/{props.router_name}/{props.nat_name}")

    @property
    def router_name(self) -> str:
        return self.router.name

    @property
    def nat_name(self) -> str:
        return self.nat.name
