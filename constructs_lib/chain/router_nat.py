"""Cloud Router and Cloud NAT: translate only the chain's subnet, only through its static IPs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from .addresses import StaticAddresses
from .._provider.cdk import Construct, ITerraformDependable
from .._provider.google import ComputeRouter, ComputeRouterNat, ComputeRouterNatLogConfig, ComputeRouterNatSubnetwork
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
            nat_ips=addresses.active_self_links,
            drain_nat_ips=addresses.draining_self_links or None,
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
        )

    @property
    def router_name(self) -> str:
        return self.router.name

    @property
    def nat_name(self) -> str:
        return self.nat.name
