"""The ``[network]`` table: the VPC, the chain's subnet ranges and their logging."""

from __future__ import annotations

import ipaddress
from typing import Any, Mapping

from ..facts.gcp import DEFAULT_NETWORK, SUBNET_RANGES_SHOWN, is_subnet_range
from .model import NetworkConfig
from .names import (DIRECT_RANGE_EXPECTED, EGRESS_MODES, FLOW_LOG_INTERVALS, PROJECT_EXPECTED, RFC1035_EXPECTED,
                    is_project)
from .reader import MISSING, RFC1035, Reader

__all__ = ["parse_network"]

_NETWORK_KEYS = ("vpc", "subnet_cidr", "direct_subnet_cidr", "host_project", "private_ip_google_access", "flow_logs",
                 "flow_logs_aggregation_interval", "flow_logs_sampling", "auto_mode")


def parse_network(r: Reader, data: Mapping[str, Any]) -> NetworkConfig:
    """The ``[network]`` table; which ranges are required depends on ``egress.mode``."""
    net_data = r.sub_table(data, "network")
    r.table(net_data, "network", _NETWORK_KEYS)
    vpc = r.get(net_data, "network", "vpc", str, default=NetworkConfig.vpc, check=lambda v: bool(RFC1035.fullmatch(v)),
                expected=RFC1035_EXPECTED)
    # In direct mode the ranges are only parsed here; their sizes are checked against the services below.
    mode = _peek_mode(data)
    direct_subnet_cidr = _subnet_range(r, net_data, "direct_subnet_cidr", default=None,
                                       expected=DIRECT_RANGE_EXPECTED)
    if mode is None:
        # egress.mode has a problem of its own: which size subnet_cidr needs, and whether it is required, is
        # unknown; only that it is a range is checked.
        subnet_cidr = _subnet_range(r, net_data, "subnet_cidr", default=None, expected="an IPv4 range with no host "
                                    'bits set, such as "10.124.0.0/28"')
    elif mode == "direct":
        subnet_cidr = _subnet_range(r, net_data, "subnet_cidr",
                                    default=None if "direct_subnet_cidr" in net_data else MISSING,
                                    expected=DIRECT_RANGE_EXPECTED)
    else:
        subnet_cidr = _subnet_range(r, net_data, "subnet_cidr", default=MISSING, prefixlen=28,
                                    expected='an IPv4 /28 range with no host bits set, such as "10.124.0.0/28"')
    host_project = r.get(net_data, "network", "host_project", str, default=None, check=is_project,
                         expected=PROJECT_EXPECTED)
    # The project's default network is auto mode unless the file says it was made by hand in custom mode.
    auto_mode = r.get(net_data, "network", "auto_mode", bool, default=(vpc or NetworkConfig.vpc) == DEFAULT_NETWORK)
    # subnet_cidr may be left out in direct mode (see NetworkConfig).
    network = NetworkConfig(vpc=vpc or NetworkConfig.vpc, subnet_cidr=subnet_cidr or None, host_project=host_project,
                            direct_subnet_cidr=direct_subnet_cidr, auto_mode=bool(auto_mode),
                            **_subnet_logging(r, net_data))
    return network


def _subnet_range(r: Reader, data: Mapping[str, Any], key: str, *, default: Any, expected: str,
                  prefixlen: int | None = None) -> str | None:
    """``network.<key>``: an IPv4 range written the way GCP writes it, inside the private-use ranges.

    Args:
        prefixlen: the one prefix length the range must have (28 for a connector's subnet); any when None.
    """
    value = r.get(data, "network", key, str, default=default, expected=expected)
    if value is None:
        return None
    where = f"network.{key}"
    try:
        # A bare address is no range, though ipaddress reads it as a /32.
        net = ipaddress.IPv4Network(value if "/" in value else "not a range", strict=True)
    except ValueError:
        r.problem(where, expected, value)
        return None
    if str(net) != value:
        # "10.124.0.0/255.255.255.240" is the same range, but the file must say what GCP will show.
        r.problem(where, f'the range written as "{net}" (address/prefix length, as GCP shows it)', value)
        return None
    if prefixlen is not None and net.prefixlen != prefixlen:
        r.problem(where, expected, value)
        return None
    if not is_subnet_range(net):
        r.problem(where, f"a private-use range inside {SUBNET_RANGES_SHOWN}", value)
        return None
    return value


def _peek_mode(data: Mapping[str, Any]) -> str | None:
    """The egress mode, read ahead of the [egress] table (which reports a bad value in its turn); None when that
    table or its mode is not valid: the mode is then unknown."""
    egress = data.get("egress", {})
    if not isinstance(egress, dict):
        return None
    mode = egress.get("mode", "connector")
    return mode if mode in EGRESS_MODES else None


def _subnet_logging(r: Reader, net_data: Mapping[str, Any]) -> dict[str, Any]:
    """Private Google Access and the flow log settings of ``[network]``, as NetworkConfig keywords."""
    pga = r.get(net_data, "network", "private_ip_google_access", bool, default=NetworkConfig.private_ip_google_access)
    flow_logs = r.get(net_data, "network", "flow_logs", bool, default=NetworkConfig.flow_logs)
    settings: dict[str, Any] = {"private_ip_google_access": pga, "flow_logs": flow_logs}
    if not flow_logs:
        for key in ("flow_logs_aggregation_interval", "flow_logs_sampling"):
            if key in net_data:
                r.problem(f"network.{key}", "no flow log settings with network.flow_logs = false", net_data[key])
        return settings
    interval = r.get(net_data, "network", "flow_logs_aggregation_interval", str,
                     default=NetworkConfig.flow_logs_aggregation_interval,
                     check=lambda v: v in FLOW_LOG_INTERVALS, expected=f"one of {', '.join(FLOW_LOG_INTERVALS)}")
    sampling = net_data.get("flow_logs_sampling", NetworkConfig.flow_logs_sampling)
    if isinstance(sampling, bool) or not isinstance(sampling, (int, float)) or not 0 < sampling <= 1:
        r.problem("network.flow_logs_sampling", "a number above 0 and at most 1, such as 0.5", sampling)
        sampling = NetworkConfig.flow_logs_sampling
    settings.update(flow_logs_aggregation_interval=interval, flow_logs_sampling=float(sampling))
    return settings

