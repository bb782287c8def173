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
