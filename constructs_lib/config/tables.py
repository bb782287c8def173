"""The chain's own tables: ``[egress]`` (the IP pool), ``[connector]``, ``[nat]``, ``[capacity]`` and ``[adopt]``.

Each function reads one table with the shared ``Reader`` (problems collected,
none raised) and returns what the environment is built from.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..facts.gcp import (
    CONNECTOR_MACHINE_TYPE,
    CONNECTOR_MACHINE_TYPES,
    CONNECTOR_MAX_INSTANCES,
    CONNECTOR_MAX_INSTANCES_RANGE,
    CONNECTOR_MIN_INSTANCES,
    CONNECTOR_MIN_INSTANCES_RANGE,
    MAX_STATIC_IPS,
)
from ..facts.nat import NAT_TIMEOUT_KEYS
from .model import AdoptConfig, CapacityConfig, ConnectorConfig, NatConfig
from .nat_rules import parse_nat_rules
from .names import EGRESS_MODES, MAX_TIMEOUT_SEC, NAT_LOG_FILTERS
from .reader import Reader
from .rules import check_nat_ports
from .jobs import JobConfig
from .worker_pools import WorkerPoolConfig
from .services import ServiceConfig

__all__ = ["parse_adopt", "parse_capacity", "parse_connector", "parse_egress", "parse_nat"]

_EGRESS_KEYS = ("mode", "static_ip_count", "static_ip_names", "existing_ips", "draining_ips", "standby_ips",
                "release_ips", "forget_ips")
_CONNECTOR_KEYS = ("machine_type", "min_instances", "max_instances")
_NAT_TIMEOUTS = NAT_TIMEOUT_KEYS
_NAT_KEYS = ("min_ports_per_vm", "max_ports_per_vm", "dynamic_port_allocation", "endpoint_independent_mapping",
             *_NAT_TIMEOUTS, "log_filter", "rules")
_CAPACITY_KEYS = ("peak_connections_per_destination", "new_connections_per_second")
_ADOPT_KEYS = ("chain", "services", "jobs", "worker_pools")


def parse_egress(r: Reader, data: Mapping[str, Any]) -> dict[str, Any]:
    """``[egress]``: the mode and the IP pool, as EnvironmentConfig keywords."""
    egress_data = r.sub_table(data, "egress")
    r.table(egress_data, "egress", _EGRESS_KEYS)
    egress_mode = r.get(egress_data, "egress", "mode", str, default="connector", check=lambda v: v in EGRESS_MODES,
                        expected=f"one of {', '.join(repr(m) for m in EGRESS_MODES)}")
    existing_ips = r.name_list(egress_data, "egress", "existing_ips")
    static_ip_names = r.name_list(egress_data, "egress", "static_ip_names")
    draining_ips = r.name_list(egress_data, "egress", "draining_ips")
    standby_ips = r.name_list(egress_data, "egress", "standby_ips")
    release_ips = r.name_list(egress_data, "egress", "release_ips")
    forget_ips = r.name_list(egress_data, "egress", "forget_ips")
    # existing_ips with a problem of its own may hold addresses: 0 created is then not known to be wrong.
    adopting = bool(existing_ips) or r.has_problem("egress.existing_ips")
    count_floor = 0 if adopting else 1
    count_expected = (f"an integer from 0 to {MAX_STATIC_IPS} (the NAT IPs one gateway can use; 0 only with "
                      "egress.existing_ips)" if adopting else
                      f"an integer from 1 to {MAX_STATIC_IPS} (the NAT IPs one gateway can use)")
    if "static_ip_names" in egress_data:
        if "static_ip_count" in egress_data:
            r.problem("egress.static_ip_names", "either egress.static_ip_count or egress.static_ip_names, not both",
                      egress_data["static_ip_names"])
        # An empty list, as written: a list whose names are wrong has its own problems, and no second one here.
        elif egress_data["static_ip_names"] == [] and not egress_data.get("existing_ips"):
            r.problem("egress.static_ip_names", "at least one address name (or egress.existing_ips)",
                      egress_data["static_ip_names"])
    count_default = len(static_ip_names) if "static_ip_names" in egress_data else 1
    static_ip_count = r.get(egress_data, "egress", "static_ip_count", int, default=count_default,
                            check=lambda v: count_floor <= v <= MAX_STATIC_IPS,
                            expected=count_expected)
    return dict(egress_mode=egress_mode, static_ip_count=static_ip_count, static_ip_names=static_ip_names,
                existing_ips=existing_ips, draining_ips=draining_ips, standby_ips=standby_ips,
                release_ips=release_ips, forget_ips=forget_ips)


def parse_connector(r: Reader, data: Mapping[str, Any]) -> ConnectorConfig:
    """``[connector]``: the Serverless VPC Access connector's size; gcloud's defaults for what is left out."""
    low_min, high_min = CONNECTOR_MIN_INSTANCES_RANGE
    low_max, high_max = CONNECTOR_MAX_INSTANCES_RANGE
    conn_data = r.sub_table(data, "connector")
    r.table(conn_data, "connector", _CONNECTOR_KEYS)
    machine_type = r.get(conn_data, "connector", "machine_type", str, default=CONNECTOR_MACHINE_TYPE,
                         check=lambda v: v in CONNECTOR_MACHINE_TYPES,
                         expected=f"one of {', '.join(CONNECTOR_MACHINE_TYPES)}")
    min_instances = r.get(conn_data, "connector", "min_instances", int, default=CONNECTOR_MIN_INSTANCES,
                          check=lambda v: low_min <= v <= high_min, expected=f"an integer from {low_min} to {high_min}")
    max_instances = r.get(conn_data, "connector", "max_instances", int, default=CONNECTOR_MAX_INSTANCES,
                          check=lambda v: low_max <= v <= high_max, expected=f"an integer from {low_max} to {high_max}")
    if min_instances is not None and max_instances is not None and max_instances <= min_instances:
        r.problem("connector.max_instances", f"an integer greater than connector.min_instances ({min_instances})",
                  max_instances)
    return ConnectorConfig(machine_type=machine_type or CONNECTOR_MACHINE_TYPE,
                           min_instances=min_instances or CONNECTOR_MIN_INSTANCES,
                           max_instances=max_instances or CONNECTOR_MAX_INSTANCES)


def parse_nat(r: Reader, data: Mapping[str, Any]) -> NatConfig:
    """``[nat]``: ports, timeouts and logging of the NAT gateway; the API's defaults for what is left out."""
    nat_data = r.sub_table(data, "nat")
    r.table(nat_data, "nat", _NAT_KEYS)
    nat = NatConfig(
        min_ports_per_vm=r.get(nat_data, "nat", "min_ports_per_vm", int, default=None,
                               check=lambda v: 2 <= v <= 65536, expected="an integer from 2 to 65536"),
        log_filter=r.get(nat_data, "nat", "log_filter", str, default=None, check=lambda v: v in NAT_LOG_FILTERS,
                         expected=f"one of {', '.join(NAT_LOG_FILTERS)}"),
        max_ports_per_vm=r.get(nat_data, "nat", "max_ports_per_vm", int, default=None,
                               check=lambda v: 2 <= v <= 65536, expected="an integer from 2 to 65536"),
        dynamic_port_allocation=r.get(nat_data, "nat", "dynamic_port_allocation", bool, default=None),
        endpoint_independent_mapping=r.get(nat_data, "nat", "endpoint_independent_mapping", bool, default=None),
        **{key: r.get(nat_data, "nat", key, int, default=None, check=lambda v: 1 <= v <= MAX_TIMEOUT_SEC,
                      expected="a whole number of seconds, at least 1") for key in _NAT_TIMEOUTS},
        rules=parse_nat_rules(r, nat_data),
    )
    check_nat_ports(r, nat)
    return nat


def parse_capacity(r: Reader, data: Mapping[str, Any]) -> CapacityConfig:
    """``[capacity]``: what the chain must hold."""
    capacity_data = r.sub_table(data, "capacity")
    r.table(capacity_data, "capacity", _CAPACITY_KEYS)
    return CapacityConfig(
        peak_connections_per_destination=r.get(
            capacity_data, "capacity", "peak_connections_per_destination", int, default=None,
            check=lambda v: v >= 1, expected="a positive integer (concurrent connections to one destination IP:port)"),
        new_connections_per_second=r.get(
            capacity_data, "capacity", "new_connections_per_second", int, default=None,
            check=lambda v: v >= 1, expected="a positive integer (connections opened per second to one destination "
            "IP:port at the peak)"),
    )


def parse_adopt(r: Reader, data: Mapping[str, Any], services: tuple[ServiceConfig, ...],
                jobs: tuple[JobConfig, ...] = (), pools: tuple[WorkerPoolConfig, ...] = ()) -> AdoptConfig:
    """``[adopt]``: what the first deploy imports. Each adopted service (job) must be a ``[[services]]``
    (``[[jobs]]``) of the file."""
    adopt_data = r.sub_table(data, "adopt")
    r.table(adopt_data, "adopt", _ADOPT_KEYS)
    chain = r.get(adopt_data, "adopt", "chain", bool, default=False)
    names = _adopted(r, adopt_data, "services", [s.name for s in services], data.get("services"))
    job_names = _adopted(r, adopt_data, "jobs", [j.name for j in jobs], data.get("jobs"))
    pool_names = _adopted(r, adopt_data, "worker_pools", [p.name for p in pools], data.get("worker_pools"))
    return AdoptConfig(chain=bool(chain), services=names, jobs=job_names, worker_pools=pool_names)


def _adopted(r: Reader, adopt_data: Mapping[str, Any], key: str, valid: list[str], given: Any) -> tuple[str, ...]:
    """``adopt.services`` or ``adopt.jobs``: names of the file's ``[[services]]`` (``[[jobs]]``), each once."""
    raw = adopt_data.get(key, [])
    if not isinstance(raw, list):
        r.problem(f"adopt.{key}", f"a list of {key[:-1].replace('_', ' ')} names from [[{key}]]", raw)
        raw = []
    # Every name the table gives, valid or not: an entry with another problem (a bad image) is still declared,
    # and adopting it is no second problem.
    declared = list(dict.fromkeys(valid + [item["name"] for item in (given if isinstance(given, list) else [])
                                           if isinstance(item, dict) and isinstance(item.get("name"), str)]))
    # [[services]] that is not an array of tables, or an entry that is not a table or has no name that is a string,
    # declares a name no one can know: an adopted name may be that one, so it is not reported as unknown.
    unknowable = not (given is None or isinstance(given, list)) or any(
        not isinstance(item, dict) or not isinstance(item.get("name"), str) for item in given or [])
    known = (lambda _name: True) if unknowable else declared.__contains__
    shown = ", ".join(name or '""' for name in declared)
    return r.unique_strings(raw, f"adopt.{key}", valid=known,
                            expected=f"the name of a [[{key}]] entry of this file ({shown or 'none'})")
