"""Rules across keys of an environment file: subnet sizes, the IP pool, NAT ports, capacity and alerts.

Each rule runs on an environment whose every key is valid on its own, and
records its problems on the ``Reader`` like any other key, with the figures
that explain them.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from ..facts.naming import ADDRESS_STEM
from ..facts.capacity import (
    DEFAULT_MIN_PORTS_DYNAMIC,
    MAX_PORTS_PER_VM,
    CapacityFix,
    chain_capacity,
    endpoints_served,
    is_power_of_two,
    reserved_ports_per_endpoint,
    smallest_fix,
)
from ..facts.gcp import (
    CLOUD_RUN_MAX_INSTANCES,
    DIRECT_BLOCK,
    DIRECT_IPS_PER_INSTANCE,
    DIRECT_MIN_PREFIX,
    MAX_STATIC_IPS,
    SUBNET_RESERVED_ADDRESSES,
)
from .alerts import channel_project
from .reader import Reader
from .retired import check_retired

if TYPE_CHECKING:
    from .model import EnvironmentConfig, NatConfig

__all__ = ["check_alerts", "check_cross_key_rules", "check_nat_ports", "is_subnet_28"]


def is_subnet_28(value: str) -> bool:
    """An IPv4 /28 with no host bits set: the only size a connector takes."""
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError:
        return False
    return net.version == 4 and net.prefixlen == 28


def check_nat_ports(r: Reader, nat: NatConfig) -> None:
    """The provider's rules for ports per VM, dynamic port allocation and endpoint-independent mapping."""
    if nat.max_ports_per_vm is not None and nat.dynamic_port_allocation is not True:
        r.problem("nat.max_ports_per_vm", "nothing without nat.dynamic_port_allocation = true (Cloud NAT takes "
                  "max_ports_per_vm only with dynamic port allocation)", nat.max_ports_per_vm)
    if nat.dynamic_port_allocation is not True:
        return
    low = nat.min_ports_per_vm
    if low is not None and not (is_power_of_two(low) and DEFAULT_MIN_PORTS_DYNAMIC <= low <= MAX_PORTS_PER_VM // 2):
        r.problem("nat.min_ports_per_vm", f"a power of two from {DEFAULT_MIN_PORTS_DYNAMIC} to "
                  f"{MAX_PORTS_PER_VM // 2} with nat.dynamic_port_allocation = true", low)
        low = None
    high = nat.max_ports_per_vm
    floor = low or DEFAULT_MIN_PORTS_DYNAMIC
    if high is not None and not (is_power_of_two(high) and floor < high <= MAX_PORTS_PER_VM):
        shown = f"nat.min_ports_per_vm ({floor})" if low else \
            f"nat.min_ports_per_vm ({floor}, its default with dynamic port allocation)"
        r.problem("nat.max_ports_per_vm", f"a power of two greater than {shown}, at most {MAX_PORTS_PER_VM}",
                  high)
    if nat.endpoint_independent_mapping is True:
        r.problem("nat.endpoint_independent_mapping", "false or nothing with nat.dynamic_port_allocation = true "
                  "(Cloud NAT: the two exclude each other)", True)


def _direct_blocks(cidr: str) -> int:
    """Whole /28 blocks of a subnet once GCP has kept its 4 addresses."""
    size = ipaddress.ip_network(cidr).num_addresses - SUBNET_RESERVED_ADDRESSES
    return max(size, 0) // DIRECT_BLOCK


def _check_direct_range(r: Reader, key: str, cidr: str, config: EnvironmentConfig) -> None:
    """A Direct VPC egress subnet: /26 or larger, and 2 addresses per instance in /28 blocks."""
    instances = config.egress_instances
    addresses = DIRECT_IPS_PER_INSTANCE * instances
    needed = -(-addresses // DIRECT_BLOCK)
    blocks = _direct_blocks(cidr)
    prefix = ipaddress.ip_network(cidr).prefixlen
    if prefix <= DIRECT_MIN_PREFIX and blocks >= needed:
        return
    smallest = DIRECT_MIN_PREFIX
    while smallest > 8 and (2 ** (32 - smallest) - SUBNET_RESERVED_ADDRESSES) // DIRECT_BLOCK < needed:
        smallest -= 1
    defaulted = "; services without max_instances count as " \
        f"{CLOUD_RUN_MAX_INSTANCES}" if any(s.max_instances is None for s in config.services) else ""
    note = "; a /28 is only for a connector" if prefix == 28 else ""
    r.shown(key, f"an IPv4 range of /{smallest} or larger for Direct VPC egress (Cloud Run wants /{DIRECT_MIN_PREFIX} "
                 f"or larger, and {DIRECT_IPS_PER_INSTANCE} addresses per instance in /28 blocks of {DIRECT_BLOCK}: "
                 f"{DIRECT_IPS_PER_INSTANCE} × {instances} max instances = {addresses} addresses, {needed} "
                 f"blocks{defaulted})",
            f'"{cidr}" ({blocks} blocks of {DIRECT_BLOCK} after the {SUBNET_RESERVED_ADDRESSES} addresses GCP keeps '
            f'in every subnet{note})')


def _check_egress_subnets(r: Reader, config: EnvironmentConfig, *, connector_table: bool) -> None:
    """Which subnets the mode needs, and whether a direct-egress subnet holds the services."""
    net = config.network
    if config.egress_mode == "direct" and net.direct_subnet_cidr is None and net.subnet_cidr is not None:
        _check_direct_range(r, "network.subnet_cidr", net.subnet_cidr, config)
    if config.egress_mode == "direct" and net.direct_subnet_cidr is not None and net.subnet_cidr is not None \
            and not is_subnet_28(net.subnet_cidr):
        r.problem("network.subnet_cidr", "an IPv4 /28 range with no host bits set: beside "
                  "network.direct_subnet_cidr it is the connector's subnet, kept while moving to direct egress "
                  "(leave it out once the move is done)", net.subnet_cidr)
    if net.direct_subnet_cidr is not None:
        _check_direct_range(r, "network.direct_subnet_cidr", net.direct_subnet_cidr, config)
        if net.subnet_cidr is not None and ipaddress.ip_network(net.subnet_cidr).overlaps(
                ipaddress.ip_network(net.direct_subnet_cidr)):
            r.problem("network.direct_subnet_cidr",
                      f"a range that does not overlap network.subnet_cidr ({net.subnet_cidr})", net.direct_subnet_cidr)
    if connector_table and not config.has_connector:
        r.shown("connector", "no [connector] table in direct mode without a connector (only network.subnet_cidr "
                "beside network.direct_subnet_cidr keeps one, during a move)", "a table")


def _check_pool(r: Reader, config: EnvironmentConfig) -> None:
    """Created and adopted addresses never overlap; standby ones are outside the pool; draining ones are
    in it, and one address stays active."""
    created = config.address_names
    for i, name in enumerate(config.existing_ips):
        if name in created:
            r.problem(f"egress.existing_ips[{i}]", f"an address this environment does not create (it creates "
                      f"{', '.join(created)}): an address is created or adopted, never both", name)
    pool = config.pool_names
    if len(pool) > MAX_STATIC_IPS:
        r.shown("egress.existing_ips", f"at most {MAX_STATIC_IPS} addresses in the pool, the {len(created)} "
                "created ones included (the NAT IPs one gateway can use)", f"{len(pool)} in all")
    for i, name in enumerate(config.standby_ips):
        if name in pool:
            r.problem(f"egress.standby_ips[{i}]", "an address outside the pool (standby addresses are created but "
                      "not yet in the NAT: move one into the pool by taking it out of standby_ips)", name)
    for i, name in enumerate(config.draining_ips):
        if name not in pool:
            r.problem(f"egress.draining_ips[{i}]", f"an address of the pool ({', '.join(pool)}): an address "
                      "drains only after it has been in the NAT's pool, and stays declared there until it has "
                      "drained", name)
    check_retired(r, config)
    if pool and set(pool) <= set(config.draining_ips):
        r.shown("egress.draining_ips", "at least one address of the pool left active (the NAT needs one to "
                "translate anything)", f"every address of the pool ({', '.join(pool)})")


def _endpoints_shown(config: EnvironmentConfig, count: int) -> str:
    if config.egress_mode == "direct":
        more = (" and the jobs' parallelism (else task_count)" if config.jobs else "") + (
            " and the worker pools' instances" if config.worker_pools else "")
        return f"{count} Cloud Run instances (the services' max_instances{more} summed)"
    return f"{count} connector VMs (connector.max_instances)"


def _more_ips_shown(config: EnvironmentConfig, more: int) -> str:
    """The key change that adds ``more`` created addresses without renaming any existing one."""
    plural = "s" if more > 1 else ""
    if config.static_ip_names or config.static_ip_count == 1:
        taken = set(config.pool_names) | set(config.standby_ips)
        names = list(config.address_names)
        i = 2
        while len(names) < len(config.address_names) + more:
            candidate = f"{config.name}{ADDRESS_STEM}-{i}"
            if candidate not in taken:
                names.append(candidate)
            i += 1
        shown = ", ".join(f'"{n}"' for n in names)
        hint = "" if config.static_ip_names else \
            f" (raising static_ip_count from 1 would rename {config.address_names[0]} and release it)"
        return f"{more} more NAT IP{plural}: egress.static_ip_names = [{shown}]{hint}"
    return f"{more} more NAT IP{plural}: egress.static_ip_count = {config.static_ip_count + more}"


def _fix_shown(config: EnvironmentConfig, fix: CapacityFix) -> str:
    s, nat, active = fix.settings, config.nat, len(config.active_ip_names)
    parts = []
    if s.ip_count != active:
        parts.append(_more_ips_shown(config, s.ip_count - active))
    if s.endpoint_independent_mapping_off:
        # Both in one update fails on a live NAT (hashicorp/terraform-provider-google#11909).
        parts.append("nat.endpoint_independent_mapping = false (deployed on its own first)")
    if s.dynamic_port_allocation and not nat.dynamic_port_allocation:
        parts.append("nat.dynamic_port_allocation = true")
    if s.min_ports_per_vm != nat.min_ports_per_vm and s.min_ports_per_vm is not None:
        parts.append(f"nat.min_ports_per_vm = {s.min_ports_per_vm}")
    if s.max_ports_per_vm != nat.max_ports_per_vm and s.max_ports_per_vm is not None:
        parts.append(f"nat.max_ports_per_vm = {s.max_ports_per_vm}")
    return f"{' and '.join(parts)} (holds {fix.capacity.connections_per_destination:,})"


def _check_nat_capacity(r: Reader, config: EnvironmentConfig) -> None:
    """Every endpoint gets its port reservation, and the chain holds the configured peak."""
    nat, active = config.nat, len(config.active_ip_names)
    dynamic = bool(nat.dynamic_port_allocation)
    ips_shown = f"{active} NAT IP{'s' if active != 1 else ''}"
    reserved = reserved_ports_per_endpoint(min_ports_per_vm=nat.min_ports_per_vm, dynamic_port_allocation=dynamic)
    reserving = config.reserving_endpoints
    served = endpoints_served(ip_count=active, reserved_ports=reserved)
    if served < reserving:
        ways = []
        fits = [p for p in (2 ** k for k in range(16, 4, -1))
                if p >= (DEFAULT_MIN_PORTS_DYNAMIC if dynamic else 2)
                and endpoints_served(ip_count=active, reserved_ports=p) >= reserving]
        if fits:
            ways.append(f"at most {fits[0]} ports per VM")
        per_ip = endpoints_served(ip_count=1, reserved_ports=reserved)
        ways.append(_more_ips_shown(config, -(-reserving // per_ip) - active) if per_ip else "more NAT IPs")
        given = f"{nat.min_ports_per_vm}" if nat.min_ports_per_vm is not None else \
            f"nothing ({32 if dynamic else 64} by default)"
        r.shown("nat.min_ports_per_vm",
                f"ports per VM that every endpoint can reserve: {_endpoints_shown(config, reserving)} reserve "
                f"{reserved:,} ports each, but {ips_shown} {'serves' if active == 1 else 'serve'} only {active} × "
                f"floor(64,512 / {reserved:,}) = {served} of them (the others would get no NAT at all); "
                f"{', or '.join(ways)}",
                f"{given}")
        return
    peak = config.capacity.peak_connections_per_destination
    if peak is None:
        return
    endpoints = config.nat_endpoints
    cap = chain_capacity(endpoints=endpoints, ip_count=active, min_ports_per_vm=nat.min_ports_per_vm,
                         max_ports_per_vm=nat.max_ports_per_vm, dynamic_port_allocation=dynamic)
    if cap.connections_per_destination >= peak:
        return
    ports = "max_ports_per_vm, with dynamic port allocation" if dynamic else "min_ports_per_vm"
    fix = smallest_fix(needed=peak, endpoints=endpoints, reserving_endpoints=reserving, ip_count=active,
                       min_ports_per_vm=nat.min_ports_per_vm, max_ports_per_vm=nat.max_ports_per_vm,
                       dynamic_port_allocation=dynamic,
                       endpoint_independent_mapping=bool(nat.endpoint_independent_mapping),
                       max_ip_count=MAX_STATIC_IPS - len(config.draining_ips))
    if fix is not None:
        change = f"smallest change that holds it: {_fix_shown(config, fix)}"
    elif config.egress_mode == "direct":
        change = "no NAT setting holds it: raise the services' max_instances" + (
            " or the jobs' parallelism" if config.jobs else "")
    else:
        change = "no NAT setting holds it: raise connector.max_instances (at most 10) or move to direct mode"
    r.shown("capacity.peak_connections_per_destination",
            f"at most {cap.connections_per_destination:,} concurrent connections to one destination IP:port, what "
            f"the chain holds: min({_endpoints_shown(config, endpoints)} × {cap.ports_per_endpoint:,} ports "
            f"({ports}), {ips_shown} × 64,512 ports)",
            f"{peak:,}; {change}")


def check_cross_key_rules(r: Reader, config: EnvironmentConfig, *, connector_table: bool) -> None:
    """Every rule across keys, on an environment whose every key is valid on its own.

    Args:
        r: where problems are recorded.
        config: the environment built from the file.
        connector_table: whether the file has a [connector] table (a mistake in direct mode).
    """
    _check_egress_subnets(r, config, connector_table=connector_table)
    _check_pool(r, config)
    if not r.problems:
        _check_nat_capacity(r, config)


def check_alerts(r: Reader, config: EnvironmentConfig) -> None:
    """What ``[alerts]`` needs from the rest of the file: channels in the policies' projects, a connector.

    The NAT's policies live in the project that owns the NAT (``network.host_project`` with
    Shared VPC), the connector's in ``project``: an alert policy notifies only channels of
    its own project, so each needs at least one there.
    """
    alerts = config.alerts
    if alerts is None or not alerts.notification_channels:
        return
    projects = {config.network_project: "the NAT's", config.project: "the connector's"}
    for i, channel in enumerate(alerts.notification_channels):
        if channel_project(channel) not in projects:
            r.problem(f"alerts.notification_channels[{i}]",
                      f"a channel of project {' or '.join(sorted(projects))} (an alert policy notifies only "
                      "channels of its own project)", channel)
    if not alerts.channels_in(config.network_project):
        r.shown("alerts.notification_channels", f"at least one channel of {config.network_project}, the project "
                "of the NAT and of its alert policies", "none")
    if config.has_connector and config.project != config.network_project and not alerts.channels_in(config.project):
        r.shown("alerts.notification_channels", f"at least one channel of {config.project}, the project of the "
                "connector and of its alert policies", "none")
    if not config.has_connector:
        for key in (k for k in alerts.given if k.startswith("connector_")):
            r.shown(f"alerts.{key}", 'no connector alert settings without a connector (egress.mode = "direct")',
                    "a value")
    threshold = alerts.connector_instances_threshold
    if threshold is not None and config.has_connector:
        if not config.connector.min_instances < threshold <= config.connector.max_instances:
            r.problem("alerts.connector_instances_threshold",
                      f"a number of instances above connector.min_instances ({config.connector.min_instances}) and "
                      f"at most connector.max_instances ({config.connector.max_instances})", threshold)
