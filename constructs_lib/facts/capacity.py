"""How many concurrent connections the chain can hold to one destination.

Cloud NAT gives each NAT IP 64,512 source ports per destination (IP, port,
protocol). Each NAT endpoint (a connector VM, or a Cloud Run instance with
Direct VPC egress) gets ``min_ports_per_vm`` ports; with dynamic port
allocation it may grow to ``max_ports_per_vm``. One endpoint can therefore
hold at most that many connections to one destination, and all endpoints
together at most the pool's ports.  Sources: Cloud NAT "Ports and
addresses" (https://cloud.google.com/nat/docs/ports-and-addresses).

Pure arithmetic: both the synth-time capacity check and the review report
(which reads the synthesized JSON) use it, so they always agree.
"""

from __future__ import annotations

from dataclasses import dataclass

PORTS_PER_IP = 64_512
DEFAULT_MIN_PORTS = 64
DEFAULT_MIN_PORTS_DYNAMIC = 32
DEFAULT_MAX_PORTS_DYNAMIC = 65_536


@dataclass(frozen=True)
class ChainCapacity:
    """The figures behind the capacity of one chain.

    Attributes:
        endpoints: connector VMs or Cloud Run instances that hold NAT ports, at most.
        ports_per_endpoint: ports one endpoint can use toward one destination.
        pool_ports: the NAT IPs' ports toward one destination (IPs × 64,512).
        connections_per_destination: min(endpoints × ports_per_endpoint, pool_ports).
    """

    endpoints: int
    ports_per_endpoint: int
    pool_ports: int
    connections_per_destination: int


def chain_capacity(
    *,
    endpoints: int,
    ip_count: int,
    min_ports_per_vm: int | None = None,
    max_ports_per_vm: int | None = None,
    dynamic_port_allocation: bool = False,
) -> ChainCapacity:
    """Concurrent connections the chain can hold to one destination IP:port.

    Args:
        endpoints: how many connector VMs (connector mode: its max_instances) or
            Cloud Run instances (direct mode: the services' max_instances summed) use the NAT.
        ip_count: NAT IPs in the pool (draining IPs excluded).
        min_ports_per_vm: the NAT's setting; the API's default when None.
        max_ports_per_vm: with dynamic port allocation; the API's default when None.
        dynamic_port_allocation: whether ports per endpoint grow up to max_ports_per_vm.

    Raises:
        ValueError: for negative counts.
    """
    if endpoints < 0 or ip_count < 0:
        raise ValueError(f"endpoints and ip_count must be at least 0, got {endpoints} and {ip_count}")
    if dynamic_port_allocation:
        ports = max_ports_per_vm or DEFAULT_MAX_PORTS_DYNAMIC
    else:
        ports = min_ports_per_vm or DEFAULT_MIN_PORTS
    pool = ip_count * PORTS_PER_IP
    return ChainCapacity(
        endpoints=endpoints,
        ports_per_endpoint=ports,
        pool_ports=pool,
        connections_per_destination=min(endpoints * ports, pool),
    )


# ---------------------------------------------------------------------------
# Port reservations and the smallest change that holds a peak
#
# Cloud NAT reserves min_ports_per_vm for every endpoint as soon as it exists,
# rounded up to a power of two ("if the value of this field is 50, at least 64
# ports are allocated to a VM": the API reference of RouterNat.minPortsPerVm),
# from one NAT IP: one IP serves floor(64,512 / reserved ports) endpoints. An
# endpoint that finds no free reservation gets no NAT at all, whatever the
# per-destination arithmetic above says.

MAX_PORTS_PER_VM = 65_536


def next_power_of_two(n: int) -> int:
    """The smallest power of two that is at least ``n`` (1 for n ≤ 1)."""
    return 1 if n <= 1 else 1 << (n - 1).bit_length()


def is_power_of_two(n: int) -> bool:
    return n >= 1 and n & (n - 1) == 0


def reserved_ports_per_endpoint(*, min_ports_per_vm: int | None = None, dynamic_port_allocation: bool = False) -> int:
    """Ports Cloud NAT sets aside for each endpoint: min_ports_per_vm (or its default) rounded up to a power of two."""
    default = DEFAULT_MIN_PORTS_DYNAMIC if dynamic_port_allocation else DEFAULT_MIN_PORTS
    return next_power_of_two(min_ports_per_vm or default)


def endpoints_served(*, ip_count: int, reserved_ports: int) -> int:
    """How many endpoints ``ip_count`` NAT IPs can give ``reserved_ports`` ports each.

    One IP serves floor(64,512 / reserved) endpoints; a reservation larger than
    one IP's ports is counted against the whole pool.
    """
    if reserved_ports <= PORTS_PER_IP:
        return ip_count * (PORTS_PER_IP // reserved_ports)
    return ip_count * PORTS_PER_IP // reserved_ports


def ips_to_serve(*, endpoints: int, reserved_ports: int) -> int | None:
    """How many NAT IPs give ``endpoints`` endpoints ``reserved_ports`` ports each; None when one IP gives none
    (a reservation above one IP's ports, which only counts against a pool)."""
    per_ip = endpoints_served(ip_count=1, reserved_ports=reserved_ports)
    return -(-endpoints // per_ip) if per_ip else None


@dataclass(frozen=True)
class NatPortSettings:
    """The NAT settings a capacity fix proposes (None: the API's default).

    Attributes:
        ip_count: active NAT IPs in the pool.
        min_ports_per_vm / max_ports_per_vm / dynamic_port_allocation: as on the NAT.
        endpoint_independent_mapping_off: the fix turns dynamic port allocation on
            while endpoint-independent mapping is on, so it must be turned off too.
    """

    ip_count: int
    min_ports_per_vm: int | None
    max_ports_per_vm: int | None
    dynamic_port_allocation: bool
    endpoint_independent_mapping_off: bool = False


@dataclass(frozen=True)
class CapacityFix:
    """The smallest change found, and what the chain holds with it."""

    settings: NatPortSettings
    capacity: ChainCapacity


def smallest_fix(
    *,
    needed: int,
    endpoints: int,
    reserving_endpoints: int | None = None,
    ip_count: int,
    min_ports_per_vm: int | None = None,
    max_ports_per_vm: int | None = None,
    dynamic_port_allocation: bool = False,
    endpoint_independent_mapping: bool = False,
    max_ip_count: int = 50,
) -> CapacityFix | None:
    """The smallest change of NAT settings that holds ``needed`` connections to one destination.

    The candidates: more IPs alone (when the pool is the limit), more ports
    per endpoint alone (min_ports_per_vm, or max_ports_per_vm with dynamic
    port allocation), dynamic port allocation alone, and more IPs together
    with more ports. A candidate counts when it holds ``needed`` and still
    leaves a port reservation for every endpoint. The smallest is the one
    with the fewest NAT IPs (each is one more entry on the third party's
    allowlist), then the fewest changed settings. Port figures are powers
    of two, as Cloud NAT rounds up to one anyway.

    Args:
        needed: the peak of concurrent connections to one destination IP:port.
        endpoints: endpoints whose traffic goes to that destination (as for chain_capacity).
        reserving_endpoints: endpoints holding a reservation; ``endpoints`` when None.
        ip_count: active NAT IPs now.
        max_ip_count: the most NAT IPs the pool may hold.

    Returns:
        The fix, or None when no NAT setting alone can hold ``needed``: the
        chain then needs more endpoints (connector VMs or instances).
    """
    reserving = endpoints if reserving_endpoints is None else reserving_endpoints
    if endpoints <= 0:
        return None
    per_endpoint = next_power_of_two(-(-needed // endpoints))
    ips_for_peak = max(ip_count, -(-needed // PORTS_PER_IP))

    def evaluate(settings: NatPortSettings) -> CapacityFix | None:
        if settings.ip_count > max_ip_count:
            return None
        for ports in (settings.min_ports_per_vm, settings.max_ports_per_vm):
            if ports is not None and ports > MAX_PORTS_PER_VM:
                return None
        cap = chain_capacity(
            endpoints=endpoints, ip_count=settings.ip_count, min_ports_per_vm=settings.min_ports_per_vm,
            max_ports_per_vm=settings.max_ports_per_vm, dynamic_port_allocation=settings.dynamic_port_allocation,
        )
        reserved = reserved_ports_per_endpoint(min_ports_per_vm=settings.min_ports_per_vm,
                                               dynamic_port_allocation=settings.dynamic_port_allocation)
        if cap.connections_per_destination < needed:
            return None
        if endpoints_served(ip_count=settings.ip_count, reserved_ports=reserved) < reserving:
            return None
        return CapacityFix(settings=settings, capacity=cap)

    def ips_for(ips: int, min_ports: int | None, dynamic: bool) -> int:
        """At least ``ips``, and enough for every endpoint's reservation."""
        reserved = reserved_ports_per_endpoint(min_ports_per_vm=min_ports, dynamic_port_allocation=dynamic)
        while endpoints_served(ip_count=ips, reserved_ports=reserved) < reserving and ips <= max_ip_count:
            ips += 1
        return ips

    def more_ports(ips: int) -> NatPortSettings:
        if dynamic_port_allocation:
            floor = reserved_ports_per_endpoint(min_ports_per_vm=min_ports_per_vm, dynamic_port_allocation=True)
            return NatPortSettings(ip_count=ips, min_ports_per_vm=min_ports_per_vm,
                                   max_ports_per_vm=max(per_endpoint, floor * 2), dynamic_port_allocation=True)
        return NatPortSettings(ip_count=ips, min_ports_per_vm=per_endpoint, max_ports_per_vm=None,
                               dynamic_port_allocation=False)

    def turn_on_dynamic(ips: int) -> NatPortSettings:
        low = None
        if min_ports_per_vm is not None:
            low = max(next_power_of_two(min_ports_per_vm), DEFAULT_MIN_PORTS_DYNAMIC)
        floor = low or DEFAULT_MIN_PORTS_DYNAMIC
        return NatPortSettings(ip_count=ips, min_ports_per_vm=low, max_ports_per_vm=max(per_endpoint, floor * 2),
                               dynamic_port_allocation=True,
                               endpoint_independent_mapping_off=endpoint_independent_mapping)

    candidates = [
        NatPortSettings(ip_count=ips_for(ips_for_peak, min_ports_per_vm, dynamic_port_allocation),
                        min_ports_per_vm=min_ports_per_vm, max_ports_per_vm=max_ports_per_vm,
                        dynamic_port_allocation=dynamic_port_allocation),
        more_ports(ip_count),
    ]
    if not dynamic_port_allocation:
        candidates.append(turn_on_dynamic(ip_count))
    combined = more_ports(ips_for_peak)
    candidates.append(NatPortSettings(
        ip_count=ips_for(ips_for_peak, combined.min_ports_per_vm, combined.dynamic_port_allocation),
        min_ports_per_vm=combined.min_ports_per_vm, max_ports_per_vm=combined.max_ports_per_vm,
        dynamic_port_allocation=combined.dynamic_port_allocation))
    if not dynamic_port_allocation:
        dynamic = turn_on_dynamic(ips_for_peak)
        candidates.append(NatPortSettings(
            ip_count=ips_for(ips_for_peak, dynamic.min_ports_per_vm, True), min_ports_per_vm=dynamic.min_ports_per_vm,
            max_ports_per_vm=dynamic.max_ports_per_vm, dynamic_port_allocation=True,
            endpoint_independent_mapping_off=dynamic.endpoint_independent_mapping_off))
    def keys_changed(s: NatPortSettings) -> int:
        return sum((
            s.ip_count != ip_count,
            s.min_ports_per_vm != min_ports_per_vm,
            s.max_ports_per_vm != max_ports_per_vm,
            s.dynamic_port_allocation != dynamic_port_allocation,
            s.endpoint_independent_mapping_off,
        ))

    # Every extra IP is one more entry on the third party's allowlist: fewest IPs first, then fewest keys.
    found = [(fix.settings.ip_count, keys_changed(fix.settings), i, fix)
             for i, fix in enumerate(evaluate(s) for s in candidates) if fix is not None]
    return min(found, key=lambda f: f[:3])[3] if found else None
