"""The capacity check across keys: every NAT endpoint gets its port reservation, and the chain holds the file's
peak of concurrent connections to one destination; when it does not, the smallest change of the file that does.
The arithmetic is ``facts.capacity``'s; this module says it in the file's keys.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..facts.capacity import (
    DEFAULT_MIN_PORTS_DYNAMIC,
    CapacityFix,
    chain_capacity,
    endpoints_served,
    ips_to_serve,
    reserved_ports_per_endpoint,
    smallest_fix,
)
from ..facts.gcp import MAX_STATIC_IPS
from ..facts.nat import NAT_TIMEOUT_DEFAULTS
from ..facts.naming import ADDRESS_STEM, counted_address_names
from .reader import Reader

if TYPE_CHECKING:
    from .model import EnvironmentConfig

__all__ = ["check_nat_capacity", "ports_needed", "time_wait_in_force"]


def time_wait_in_force(config: EnvironmentConfig) -> tuple[int, str]:
    """The NAT's TCP TIME_WAIT timeout the check counts with, and where it comes from: the file's
    ``nat.tcp_time_wait_timeout_sec``, else the product's default (``facts.nat``). An adopted NAT keeps its own
    value, which synth cannot read: the default is counted, the longer of the two Google has used, so the
    check errs on the safe side."""
    given = config.nat.tcp_time_wait_timeout_sec
    default = NAT_TIMEOUT_DEFAULTS["tcp_time_wait_timeout_sec"]
    if given is not None:
        return given, "nat.tcp_time_wait_timeout_sec"
    if config.adopt.chain:
        return default, "the adopted NAT's own value is not known at synth: the longer default"
    return default, "nat.tcp_time_wait_timeout_sec's default"


def ports_needed(config: EnvironmentConfig) -> tuple[int, str, str] | None:
    """The NAT ports one destination IP:port holds at the file's peak, the key that says so, and how it counts.

    A connection holds its port while open and for the NAT's TCP TIME_WAIT after it closes: the ports held are
    ``peak_connections_per_destination`` (open) plus ``new_connections_per_second`` × TIME_WAIT (closed, not yet
    free). None when the file gives neither: no capacity check.
    """
    capacity = config.capacity
    peak, rate = capacity.peak_connections_per_destination, capacity.new_connections_per_second
    if peak is None and rate is None:
        return None
    key = "capacity.peak_connections_per_destination" if peak is not None else "capacity.new_connections_per_second"
    if rate is None:
        return peak, key, f"{peak:,}"
    seconds, source = time_wait_in_force(config)
    held = (peak or 0) + rate * seconds
    opened = f"{peak:,} open + " if peak is not None else ""
    return held, key, (f"{held:,} ports ({opened}{rate:,} new per second × {seconds} s of TIME_WAIT, {source})")


def _endpoints_shown(config: EnvironmentConfig, count: int) -> str:
    if config.egress_mode == "direct":
        more = (" and the jobs' parallelism (else task_count)" if config.jobs else "") + (
            " and the worker pools' instances" if config.worker_pools else "")
        return f"{count} Cloud Run instances (the services' max_instances{more} summed)"
    return f"{count} connector VMs (connector.max_instances)"


def _more_ips_shown(config: EnvironmentConfig, more: int) -> str:
    """The key change that adds ``more`` created addresses without renaming any existing one."""
    plural = "s" if more > 1 else ""
    # A name this deploy releases or forgets is not free: the file would then keep and let go of one address.
    taken = set(config.pool_names) | set(config.standby_ips) | set(config.release_ips) | set(config.forget_ips)
    counted = counted_address_names(config.name, config.static_ip_count + more)
    if config.static_ip_names or config.static_ip_count == 1 or taken & set(counted[config.static_ip_count:]):
        names = list(config.address_names)
        i = 2
        while len(names) < len(config.address_names) + more:
            candidate = f"{config.name}{ADDRESS_STEM}-{i}"
            if candidate not in taken:
                names.append(candidate)
            i += 1
        shown = ", ".join(f'"{n}"' for n in names)
        hint = "" if config.static_ip_names or config.static_ip_count != 1 else \
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


def check_nat_capacity(r: Reader, config: EnvironmentConfig) -> None:
    """Every endpoint gets its port reservation, and the chain holds the configured peak."""
    nat, active = config.nat, len(config.active_ip_names)
    dynamic = bool(nat.dynamic_port_allocation)
    ips_shown = f"{active} NAT IP{'s' if active != 1 else ''}"
    reserved = reserved_ports_per_endpoint(min_ports_per_vm=nat.min_ports_per_vm, dynamic_port_allocation=dynamic)
    reserving = config.reserving_endpoints
    served = endpoints_served(ip_count=active, reserved_ports=reserved)
    if served < reserving:
        ways = []
        # The reservations the advice may offer, largest first: powers of two down to the floor of the mode.
        floor = DEFAULT_MIN_PORTS_DYNAMIC if dynamic else 2
        candidates = [p for p in (2 ** k for k in range(16, 4, -1)) if p >= floor]
        fits = [p for p in candidates if endpoints_served(ip_count=active, reserved_ports=p) >= reserving]
        if fits:
            ways.append(f"at most {fits[0]} ports per VM")
        most = MAX_STATIC_IPS - len(config.draining_ips)  # a gateway's NAT IPs, the draining ones among them
        needed = ips_to_serve(endpoints=reserving, reserved_ports=reserved)  # every endpoint at these ports
        if needed is not None and needed <= most:
            ways.append(_more_ips_shown(config, needed - active))
        else:
            if needed is not None:
                ways.append(f"not more NAT IPs alone ({needed} would be needed, above the {most} a "
                            f"Cloud NAT gateway takes{' beside the draining ones' if config.draining_ips else ''})")
            # Unless fewer ports alone fit: fewer ports per VM and more IPs together, the most ports that fit
            # within the gateway's IPs.
            for ports in ([] if fits else [p for p in candidates if p < reserved]):
                ips = ips_to_serve(endpoints=reserving, reserved_ports=ports)
                if ips is not None and ips <= most:
                    ways.append(f"at most {ports} ports per VM and {_more_ips_shown(config, ips - active)}")
                    break
            ways.append("fewer instances at once: lower the services' max_instances" + (
                " or the jobs' parallelism" if config.jobs else "") if config.egress_mode == "direct" else
                "fewer connector VMs: lower connector.max_instances")
        given = f"{nat.min_ports_per_vm}" if nat.min_ports_per_vm is not None else \
            f"nothing ({32 if dynamic else 64} by default)"
        r.shown("nat.min_ports_per_vm",
                f"ports per VM that every endpoint can reserve: {_endpoints_shown(config, reserving)} reserve "
                f"{reserved:,} ports each, but {ips_shown} {'serves' if active == 1 else 'serve'} only {active} × "
                f"floor(64,512 / {reserved:,}) = {served} of them (the others would get no NAT at all); "
                f"{', or '.join(ways)}",
                f"{given}")
        return
    needed = ports_needed(config)
    if needed is None:
        return
    peak, key, shown = needed
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
    r.shown(key,
            f"at most {cap.connections_per_destination:,} concurrent connections to one destination IP:port, what "
            f"the chain holds: min({_endpoints_shown(config, endpoints)} × {cap.ports_per_endpoint:,} ports "
            f"({ports}), {ips_shown} × 64,512 ports)",
            f"{shown}; {change}")
