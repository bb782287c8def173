"""Rules across keys of an environment file: subnet sizes, the IP pool, NAT ports, capacity and alerts.

Each rule runs on an environment whose every key is valid on its own, and
records its problems on the ``Reader`` like any other key, with the figures
that explain them.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from ..facts.capacity import DEFAULT_MIN_PORTS_DYNAMIC, MAX_PORTS_PER_VM, is_power_of_two
from ..facts.gcp import (
    CLOUD_RUN_MAX_INSTANCES,
    DIRECT_BLOCK,
    DIRECT_IPS_PER_INSTANCE,
    DIRECT_MIN_PREFIX,
    MAX_STATIC_IPS,
    SUBNET_RESERVED_ADDRESSES,
)
from .alerts import channel_project
from .capacity_check import check_nat_capacity
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
    """The provider's rules for ports per VM, dynamic port allocation and endpoint-independent mapping; none
    when nat.dynamic_port_allocation itself has a problem (whether it is on is unknown)."""
    if r.has_problem("nat.dynamic_port_allocation"):
        return
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
    if len(created) > MAX_STATIC_IPS:  # the created ones alone (static_ip_count is checked on its own)
        r.shown("egress.static_ip_names", f"at most {MAX_STATIC_IPS} address names (the NAT IPs one gateway can "
                "use)", f"{len(created)}")
    elif len(pool) > MAX_STATIC_IPS:
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


def check_cross_key_rules(r: Reader, config: EnvironmentConfig, *, connector_table: bool,
                          failed: frozenset[str] = frozenset()) -> None:
    """Every rule across keys whose keys are all valid on their own.

    Args:
        r: where problems are recorded.
        config: the environment built from the file (a wrong key holds its default or nothing).
        connector_table: whether the file has a [connector] table (a mistake in direct mode).
        failed: the top-level keys with a problem already: a rule reading one would judge a stand-in value. The
            capacity check reads nearly every key: it runs only on a file with no other problem.
    """
    if not failed & {"egress", "network", "services", "connector", "name"}:
        _check_egress_subnets(r, config, connector_table=connector_table)
    if not failed & {"egress", "name"}:
        _check_pool(r, config)
    if not r.problems:
        check_nat_capacity(r, config)


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
