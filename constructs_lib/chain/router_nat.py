"""Cloud Router and Cloud NAT: translate only the chain's subnet, only through its static IPs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..facts.literal import terraform_literal
from ..facts.nat import NAT_RULE_NUMBERS, NAT_TIMEOUT_DEFAULTS, NAT_TIMEOUT_KEYS, destination_match
from .addresses import StaticAddresses
from .._provider.cdk import Construct, ITerraformDependable, TerraformResourceLifecycle
from .._provider.logical_id import reference
from .import_blocks import ImportBlocks
from .._provider.google import (
    ComputeRouter,
    ComputeRouterNat,
    ComputeRouterNatAddress,
    ComputeRouterNatLogConfig,
    ComputeRouterNatRules,
    ComputeRouterNatRulesAction,
    ComputeRouterNatSubnetwork,
)
from .subnetwork import Subnetwork


@dataclass(frozen=True, kw_only=True)
class NatRuleProps:
    """One Cloud NAT rule: traffic to ``destinations`` leaves from ``ips`` alone.

    Attributes:
        number: the rule number, 0..65000, unique in the NAT (65001 is the NAT's default rule).
        destinations: the IPv4 ranges the rule matches; its CEL ``match`` is written from them
            (``facts.nat.destination_match``).
        ips: names of addresses of the chain's ``StaticAddresses`` (pool or standby) the rule uses:
            its ``action.source_nat_active_ips``.
        description: the rule's description; none when left out.
        draining: names of ``ips`` being retired: the rule's ``action.source_nat_drain_ips`` (no new
            connection leaves from them, live ones finish), not its active IPs; none when left out.
    """

    number: int
    destinations: tuple[str, ...]
    ips: tuple[str, ...]
    description: str | None = None
    draining: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        low, high = NAT_RULE_NUMBERS
        if not low <= self.number <= high:
            raise ValueError(f"number must be from {low} to {high}, got {self.number}")
        if not self.destinations or not self.ips:
            raise ValueError(f"a rule needs destinations and ips, got {self.destinations} and {self.ips}")
        if not set(self.draining) <= set(self.ips) or set(self.ips) <= set(self.draining):
            raise ValueError(f"draining must be some of ips {self.ips}, one left active, got {self.draining}")

    @property
    def active(self) -> tuple[str, ...]:
        return tuple(n for n in self.ips if n not in self.draining)

    @property
    def label(self) -> str:
        return self.description or f"rule {self.number}"


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
        tcp_transitory_idle_timeout_sec, tcp_time_wait_timeout_sec: always written;
            ``facts.nat.NAT_TIMEOUT_DEFAULTS`` (30, 30, 1200, 30, 120 seconds) when left out.
        kept_timeouts: timeouts (of ``facts.nat.NAT_TIMEOUT_KEYS``) the live NAT keeps: written, but in
            ``lifecycle.ignore_changes``, so that an adopted NAT keeps the values it has; none when left out.
        rules: the NAT's rules; none when left out.
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
    udp_idle_timeout_sec: int = NAT_TIMEOUT_DEFAULTS["udp_idle_timeout_sec"]
    icmp_idle_timeout_sec: int = NAT_TIMEOUT_DEFAULTS["icmp_idle_timeout_sec"]
    tcp_established_idle_timeout_sec: int = NAT_TIMEOUT_DEFAULTS["tcp_established_idle_timeout_sec"]
    tcp_transitory_idle_timeout_sec: int = NAT_TIMEOUT_DEFAULTS["tcp_transitory_idle_timeout_sec"]
    tcp_time_wait_timeout_sec: int = NAT_TIMEOUT_DEFAULTS["tcp_time_wait_timeout_sec"]
    kept_timeouts: tuple[str, ...] = ()
    rules: tuple[NatRuleProps, ...] = ()

    def __post_init__(self) -> None:
        unknown = [k for k in self.kept_timeouts if k not in NAT_TIMEOUT_KEYS]
        if unknown:
            raise ValueError(f"kept_timeouts must be of {NAT_TIMEOUT_KEYS}, got {unknown}")


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

    Rules (``rules``) are the NAT's own ``rules`` blocks: ``NatAddress`` PATCHes the router's ``nats`` item
    with only its two lists changed, so the rules stay (``resource_compute_router_nat_address.go`` at 6.50.0:
    its create merges into the NAT read back, 599-633, its update keeps every field but natIps and
    drainNatIps, 720-757). A rule's addresses are never in ``nat_ips``
    (``StaticAddressesProps.rule_names``). Every timeout is written: a NAT left to the API's default
    TIME_WAIT differs with the day it was built (``facts.nat``).
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
            rules=[self._rule(rule, addresses) for rule in props.rules] or None,
            # initial_nat_ips is ForceNew and only sent at creation: NatAddress holds the IPs from then on.
            # kept_timeouts: an adopted NAT keeps the timeouts the file does not set.
            # replace_triggered_by: Google Cloud deletes a router's NATs with it, so a router re-created (a changed
            # network, a taint, a -replace) re-creates the NAT too, in the plan, where the guard sees it. The id
            # changes only then (unknown in the plan), never on an in-place update of the router.
            lifecycle=TerraformResourceLifecycle(
                ignore_changes=["initial_nat_ips", *props.kept_timeouts],
                replace_triggered_by=[reference(self.router, "id")],
                precondition=[p for rule in props.rules for p in addresses.one_tier(rule.ips, terraform_literal(
                    f"NAT rule {rule.number}" + (f" ({rule.description})" if rule.description else "")))] or None),
        )
        self._addresses = addresses
        self._rules = props.rules
        own_tier = addresses.one_tier(addresses.nat_own_names, f"NAT {props.nat_name}")
        self.nat_address = ComputeRouterNatAddress(
            self,
            "NatAddress",
            project=props.project,
            region=props.region,
            router=self.router.name,
            router_nat=self.nat.name,
            nat_ips=addresses.active_self_links,
            drain_nat_ips=addresses.draining_self_links or None,
            # A NAT re-created starts from initial_nat_ips: its IP list is PATCHed again after it.
            lifecycle=TerraformResourceLifecycle(precondition=own_tier or None,
                                                 replace_triggered_by=[reference(self.nat, "id")]),
        )
        if addresses.draining_self_links:
            # A NAT with draining addresses exists already; the provider refuses to create NatAddress with them.
            ImportBlocks(self, "NatAddressImport", [(
                self.nat_address,
                f"projects/{props.project}/regions/{props.region}/routers/{props.router_name}/{props.nat_name}")])

    @staticmethod
    def _rule(rule: NatRuleProps, addresses: StaticAddresses) -> ComputeRouterNatRules:
        return ComputeRouterNatRules(
            rule_number=rule.number,
            description=None if rule.description is None else terraform_literal(rule.description),
            match=destination_match(rule.destinations),
            action=ComputeRouterNatRulesAction(
                source_nat_active_ips=addresses.self_links_of(rule.active),
                source_nat_drain_ips=addresses.self_links_of(rule.draining) or None),
        )

    @property
    def partner_addresses(self) -> dict[str, dict[str, str]]:
        """Rule label (its description, else ``rule N``) → address name → IP (known after apply)."""
        every = self._addresses.rule_addresses_by_name
        return {terraform_literal(rule.label): {n: every[n] for n in rule.ips} for rule in self._rules}

    @property
    def router_name(self) -> str:
        return self.router.name

    @property
    def nat_name(self) -> str:
        return self.nat.name
