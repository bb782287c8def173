"""The environment file model and its validation.

One TOML file describes one environment; its file stem is the stack name.
``load_environment`` reads a file, checks every key and returns a frozen
``EnvironmentConfig``; when anything is wrong it raises ``ConfigError``
listing every problem at once, each naming the file, the key, what was
expected and what was given.  The reading machinery is in validation.py,
the rules across keys in egress_rules.py. Nothing here touches cdktf or the
provider, so validation is fast and needs no synth.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .alert_config import AlertsConfig, check_alerts, parse_alerts
from .egress_rules import (
    CLOUD_RUN_DEFAULT_MAX_INSTANCES,
    MAX_STATIC_IPS,
    check_cross_key_rules,
    check_nat_ports,
)
from .gcp_facts import (
    BUCKET_SOURCE,
    CPU_SOURCE,
    DEFAULT_MEMORY_MIB,
    DEFAULT_MILLI_CPU,
    ENV_SOURCE,
    MAX_ENV_VALUE_BYTES,
    MAX_ENV_VARS,
    MAX_LABELS,
    MAX_MEMORY_MIB,
    MAX_STATE_PREFIX,
    MEMORY_SOURCE,
    MIN_CPU_FOR_MEMORY,
    MIN_MEMORY_FOR_CPU,
    MIN_MEMORY_MIB,
    REGIONS,
    REGIONS_READ,
    RESERVED_ENV_NAMES,
    RESERVED_ENV_PREFIX,
    SUBNET_RANGES_SHOWN,
    bucket_name_problem,
    closest_regions,
    is_subnet_range,
    memory_mib,
    milli_cpu,
)
from .validation import MISSING, RFC1035, ConfigError, Problem, Reader, read_toml

__all__ = [
    "AdoptConfig",
    "CapacityConfig",
    "ConfigError",
    "ConnectorConfig",
    "EnvironmentConfig",
    "NatConfig",
    "NetworkConfig",
    "Problem",
    "ServiceConfig",
    "StateConfig",
    "load_environment",
    "parse_environment",
]

# GCP naming rules.
PROJECT_ID = re.compile(r"^[a-z][-a-z0-9]{4,28}[a-z0-9]$")
# Legacy domain-scoped project ids look like "example.com:my-project".
DOMAIN_PROJECT_ID = re.compile(r"^[a-z0-9][-a-z0-9.]{0,61}[a-z0-9]:[a-z][-a-z0-9]{4,28}[a-z0-9]$")
CONNECTOR_NAME = re.compile(r"^[a-z][-a-z0-9]{0,23}[a-z0-9]$")
# Cloud Run service names: RFC 1035 label, at most 49 characters.
SERVICE_NAME = re.compile(r"^[a-z](?:[-a-z0-9]{0,47}[a-z0-9])?$")
# registry/path[:tag][@sha256:digest]; registry host optional (Docker Hub).
IMAGE = re.compile(
    r"^(?:[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?(?::[0-9]+)?/)?"
    r"[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"
    r"(?:@sha256:[a-f0-9]{64})?$"
)
LABEL_KEY = re.compile(r"^[a-z][-_a-z0-9]{0,62}$")
LABEL_VALUE = re.compile(r"^[-_a-z0-9]{0,63}$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SERVICE_ACCOUNT = re.compile(r"^[a-z][-a-z0-9]{4,28}[a-z0-9]@[-a-z0-9.:]+\.iam\.gserviceaccount\.com$|"
                             r"^[0-9]+-compute@developer\.gserviceaccount\.com$")
GCS_BUCKET = re.compile(r"^[a-z0-9][-_.a-z0-9]{1,220}[a-z0-9]$")
# Terraform Cloud names: organizations and workspaces take letters, digits, - and _ (workspaces at
# most 90 characters); workspace tags also take colons, at most 255 characters.
TFC_ORGANIZATION = re.compile(r"^[-_A-Za-z0-9]+$")
TFC_WORKSPACE = re.compile(r"^[-_A-Za-z0-9]{1,90}$")
TFC_TAG = re.compile(r"^[-_:A-Za-z0-9]{1,255}$")
# A DNS host name of two or more labels, with an optional port (Terraform Enterprise).
HOSTNAME = re.compile(r"^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?)+"
                      r"(?::[0-9]{1,5})?$")
# A GCS object path for the state: segments of letters, digits, ".", "-" and "_" (none starting with ".", so no
# "." or ".." segment) joined by "/"; a trailing "/" is dropped. Nothing that a shell, Markdown or a URL reads.
STATE_PREFIX = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*(?:/[A-Za-z0-9_-][A-Za-z0-9._-]*)*/?")
CPU = re.compile(r"^(?:[0-9]+(?:\.[0-9]+)?|[0-9]+m)$")
MEMORY = re.compile(r"^[0-9]+(?:Mi|Gi)$")

CONNECTOR_MACHINE_TYPES = ("f1-micro", "e2-micro", "e2-standard-4")
NAT_LOG_FILTERS = ("ERRORS_ONLY", "TRANSLATIONS_ONLY", "ALL")
FLOW_LOG_INTERVALS = (
    "INTERVAL_5_SEC", "INTERVAL_30_SEC", "INTERVAL_1_MIN", "INTERVAL_5_MIN", "INTERVAL_10_MIN", "INTERVAL_15_MIN",
)
STATE_BACKENDS = ("gcs", "local", "cloud")
TFC_HOSTNAME = "app.terraform.io"  # the cloud backend's host when state.hostname is left out
INGRESS = (
    "INGRESS_TRAFFIC_ALL",
    "INGRESS_TRAFFIC_INTERNAL_ONLY",
    "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
)
EGRESS_MODES = ("connector", "direct")
MAX_TIMEOUT_SEC = 2**31 - 1  # the API's int32


@dataclass(frozen=True, kw_only=True)
class StateConfig:
    """Where Terraform keeps the stack's state.

    Attributes:
        backend: ``gcs`` (a GCS bucket), ``local`` (a file next to the synthesized stack)
            or ``cloud`` (Terraform Cloud / Enterprise workspaces: a ``cloud`` block).
        bucket: the GCS bucket; required with the gcs backend, None otherwise.
        prefix: folder inside the bucket; ``cloud-run-egress/<stack>`` when left out;
            empty with the cloud backend.
        organization: the Terraform Cloud organization; required with the cloud backend,
            None otherwise.
        workspace: the one Terraform Cloud workspace the stack uses; with the cloud backend
            exactly one of ``workspace`` and ``workspace_tags`` is set.
        workspace_tags: the tags selecting the stack's workspaces (``terraform workspace
            select`` switches between them); empty unless the cloud backend uses tags.
        hostname: the Terraform Cloud / Enterprise host; ``app.terraform.io`` when left out
            with the cloud backend, None otherwise.
    """

    backend: str = "gcs"
    bucket: str | None = None
    prefix: str = ""
    organization: str | None = None
    workspace: str | None = None
    workspace_tags: tuple[str, ...] = ()
    hostname: str | None = None


@dataclass(frozen=True, kw_only=True)
class NetworkConfig:
    """The VPC network the chain's subnet is created in.

    Attributes:
        vpc: name of an existing VPC network; ``default`` when left out.
        subnet_cidr: the range of ``{name}-subnet``: the connector's /28 (connector mode,
            or direct mode while the connector is kept beside ``direct_subnet_cidr``),
            else the Direct VPC egress subnet. None when direct mode has only
            ``direct_subnet_cidr`` (the end of a move from the connector).
        host_project: Shared VPC host project owning the network; None when the
            network is in the environment's own project.
        direct_subnet_cidr: the range of ``{name}-direct-subnet``, a Direct VPC egress
            subnet created beside the connector's for the move to direct mode; None
            when left out.
        private_ip_google_access: whether the subnet reaches Google APIs on their
            private addresses (Private Google Access); true when left out.
        flow_logs: whether the subnet records VPC flow logs; true when left out.
        flow_logs_aggregation_interval: flow log aggregation interval;
            INTERVAL_5_SEC (the API's default) when left out.
        flow_logs_sampling: share of flows logged, above 0 and at most 1; 0.5 (the
            API's default) when left out.
    """

    vpc: str = "default"
    subnet_cidr: str | None
    host_project: str | None = None
    direct_subnet_cidr: str | None = None
    private_ip_google_access: bool = True
    flow_logs: bool = True
    flow_logs_aggregation_interval: str = "INTERVAL_5_SEC"
    flow_logs_sampling: float = 0.5


@dataclass(frozen=True, kw_only=True)
class ConnectorConfig:
    """Serverless VPC Access connector sizing; the defaults are gcloud's."""

    machine_type: str = "e2-micro"
    min_instances: int = 2
    max_instances: int = 10


@dataclass(frozen=True, kw_only=True)
class NatConfig:
    """Cloud NAT settings.

    Attributes:
        min_ports_per_vm: ports reserved per endpoint (connector VM or Direct VPC egress
            instance); the API's default (64, or 32 with dynamic port allocation) when None.
        log_filter: ERRORS_ONLY, TRANSLATIONS_ONLY or ALL; logging is off when None.
        max_ports_per_vm: with dynamic port allocation only; the API's default (65,536) when None.
        dynamic_port_allocation / endpoint_independent_mapping: sent as given; left to
            the API (and to what the NAT already has) when None.
        udp_idle_timeout_sec, icmp_idle_timeout_sec, tcp_established_idle_timeout_sec,
        tcp_transitory_idle_timeout_sec, tcp_time_wait_timeout_sec: the NAT's timeouts;
            the API's defaults (30, 30, 1200, 30, 120 seconds) when None.
    """

    min_ports_per_vm: int | None = None
    log_filter: str | None = None
    max_ports_per_vm: int | None = None
    dynamic_port_allocation: bool | None = None
    endpoint_independent_mapping: bool | None = None
    udp_idle_timeout_sec: int | None = None
    icmp_idle_timeout_sec: int | None = None
    tcp_established_idle_timeout_sec: int | None = None
    tcp_transitory_idle_timeout_sec: int | None = None
    tcp_time_wait_timeout_sec: int | None = None


@dataclass(frozen=True, kw_only=True)
class AdoptConfig:
    """Resources that already exist (built by hand, with gcloud) for the first deploy to import, not create.

    Attributes:
        chain: import the chain's resources the file names: subnets, connector,
            router, NAT, created addresses, and the APIs the stack enables.
        services: names of ``[[services]]`` to import.
    """

    chain: bool = False
    services: tuple[str, ...] = ()

    @property
    def any(self) -> bool:
        return self.chain or bool(self.services)


@dataclass(frozen=True, kw_only=True)
class CapacityConfig:
    """What the chain must hold.

    Attributes:
        peak_connections_per_destination: concurrent connections to one destination
            IP:port the chain must hold; no capacity check when None.
    """

    peak_connections_per_destination: int | None = None


@dataclass(frozen=True, kw_only=True)
class ServiceConfig:
    """One Cloud Run service whose egress goes through the chain.

    Attributes:
        name: the Cloud Run service name.
        image: container image reference.
        labels: labels on the service.
        service_account: runtime service account e-mail; the project's default
            compute account when None.
        ingress: INGRESS_TRAFFIC_ALL (default), _INTERNAL_ONLY or _INTERNAL_LOAD_BALANCER.
        deletion_protection: when true (the provider's default) Terraform refuses to
            destroy the service until an apply sets it false.
        env: plain environment variables for the container.
        min_instances: Cloud Run minimum instances; the API's default (0) when None.
        max_instances: Cloud Run maximum instances; the API's default (100) when None.
        cpu: container CPU limit (``"1"``, ``"2"``, ``"500m"``); the API's default when None.
        memory: container memory limit (``"512Mi"``); the API's default when None.
        port: container port receiving requests; the API's default (8080) when None.
        allow_unauthenticated: when true, anyone on the internet may invoke the service
            (roles/run.invoker for allUsers); false when left out.
    """

    name: str
    image: str
    labels: Mapping[str, str] = field(default_factory=dict)
    service_account: str | None = None
    ingress: str = "INGRESS_TRAFFIC_ALL"
    deletion_protection: bool = True
    env: Mapping[str, str] = field(default_factory=dict)
    min_instances: int | None = None
    max_instances: int | None = None
    cpu: str | None = None
    memory: str | None = None
    port: int | None = None
    allow_unauthenticated: bool = False


@dataclass(frozen=True, kw_only=True)
class EnvironmentConfig:
    """One environment file: everything a stack needs, validated.

    Attributes:
        stack: the stack name (the file stem).
        source: the file the configuration came from, for messages.
        project: the project that runs the services (and the connector).
        region: the region of every regional resource.
        name: prefix of every resource name; ``cloud-run`` when left out.
        static_ip_count: how many addresses the stack creates (``len(static_ip_names)``
            when the names are given).
        egress_mode: ``connector`` (services use the connector) or ``direct`` (Direct VPC egress).
        static_ip_names: names of the addresses to create, when given instead of a count.
        existing_ips: names of reserved addresses adopted into the pool (read, never created).
        draining_ips: addresses of the pool being retired: in the NAT's drain_nat_ips, not its nat_ips.
        capacity: what the chain must hold.
        standby_ips: addresses the stack creates outside the pool, so that their IPs can be
            allowlisted before the NAT uses them.
        adopt: what already exists and the first deploy imports.
    """

    stack: str
    source: str
    project: str
    region: str
    name: str = "cloud-run"
    state: StateConfig
    network: NetworkConfig
    static_ip_count: int = 1
    connector: ConnectorConfig = field(default_factory=ConnectorConfig)
    nat: NatConfig = field(default_factory=NatConfig)
    services: tuple[ServiceConfig, ...] = ()
    egress_mode: str = "connector"
    static_ip_names: tuple[str, ...] = ()
    existing_ips: tuple[str, ...] = ()
    draining_ips: tuple[str, ...] = ()
    capacity: CapacityConfig = field(default_factory=CapacityConfig)
    standby_ips: tuple[str, ...] = ()
    adopt: AdoptConfig = field(default_factory=AdoptConfig)
    alerts: AlertsConfig | None = None  # the [alerts] table; no alert policies when None

    @property
    def network_project(self) -> str:
        """The project that owns the network, subnet, router, NAT and addresses."""
        return self.network.host_project or self.project

    @property
    def subnet_name(self) -> str:
        return f"{self.name}-subnet"

    @property
    def connector_name(self) -> str:
        return f"{self.name}-connector"

    @property
    def router_name(self) -> str:
        return f"{self.name}-router"

    @property
    def nat_name(self) -> str:
        return f"{self.name}-nat"

    @property
    def address_names(self) -> tuple[str, ...]:
        """The addresses the stack creates.

        ``static_ip_names`` when given; else ``{name}-origin-ip`` for one address,
        ``{name}-origin-ip-1`` … ``-N`` for more (none for 0).
        """
        if self.static_ip_names:
            return self.static_ip_names
        if self.static_ip_count == 1:
            return (f"{self.name}-origin-ip",)
        return tuple(f"{self.name}-origin-ip-{i}" for i in range(1, self.static_ip_count + 1))

    @property
    def direct_subnet_name(self) -> str:
        return f"{self.name}-direct-subnet"

    @property
    def pool_names(self) -> tuple[str, ...]:
        """Every address of the NAT's pool: the created ones, then the adopted ones."""
        return self.address_names + self.existing_ips

    @property
    def active_ip_names(self) -> tuple[str, ...]:
        """The pool without the draining addresses: the NAT's nat_ips."""
        return tuple(n for n in self.pool_names if n not in self.draining_ips)

    @property
    def has_connector(self) -> bool:
        """Connector mode, or direct mode while the connector is kept beside the direct subnet."""
        return self.egress_mode == "connector" or (
            self.network.subnet_cidr is not None and self.network.direct_subnet_cidr is not None)

    @property
    def service_instances(self) -> int:
        """The services' max_instances summed (Cloud Run's default of 100 for a service without one)."""
        return sum(s.max_instances or CLOUD_RUN_DEFAULT_MAX_INSTANCES for s in self.services)

    @property
    def nat_endpoints(self) -> int:
        """What sends the services' traffic through the NAT: connector VMs, or Cloud Run instances."""
        return self.service_instances if self.egress_mode == "direct" else self.connector.max_instances

    @property
    def reserving_endpoints(self) -> int:
        """Everything holding a NAT port reservation: nat_endpoints plus a connector kept during a move."""
        if self.egress_mode == "direct" and self.has_connector:
            return self.service_instances + self.connector.max_instances
        return self.nat_endpoints


def _is_project(value: str) -> bool:
    return bool(PROJECT_ID.fullmatch(value) or DOMAIN_PROJECT_ID.fullmatch(value))


def check_bucket_name(r: Reader, key: str, bucket: str | None) -> None:
    """The lengths and words Cloud Storage refuses in a bucket name already of the right characters."""
    why = bucket_name_problem(bucket) if bucket is not None else None
    if why is not None:
        r.problem(key, f"a GCS bucket name of {why} ({BUCKET_SOURCE})", bucket)


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


def _peek_mode(data: Mapping[str, Any]) -> str:
    """The egress mode, read ahead of the [egress] table (which reports a bad value in its turn)."""
    egress = data.get("egress")
    return "direct" if isinstance(egress, dict) and egress.get("mode") == "direct" else "connector"


_DIRECT_RANGE_EXPECTED = 'an IPv4 range with no host bits set, such as "10.124.0.0/24"'

_STATE_PREFIX_EXPECTED = (f"a non-empty object path inside the bucket, without a leading slash: segments of "
                          f"letters, digits, ., - and _ (none starting with .) joined by /, at most "
                          f"{MAX_STATE_PREFIX} characters")
_PROJECT_EXPECTED = "a GCP project id (6-30 characters: lowercase letters, digits and hyphens, starting with a letter)"
_RFC1035_EXPECTED = "an RFC 1035 name (lowercase letters, digits and hyphens, starting with a letter, at most 63 characters)"

_TOP_KEYS = ("project", "region", "name", "state", "network", "egress", "connector", "nat", "capacity", "services",
             "adopt", "alerts")
_STATE_KEYS = ("bucket", "prefix", "backend", "organization", "workspace", "workspace_tags", "hostname")
_CLOUD_STATE_KEYS = ("organization", "workspace", "workspace_tags", "hostname")
_NETWORK_KEYS = ("vpc", "subnet_cidr", "direct_subnet_cidr", "host_project", "private_ip_google_access", "flow_logs",
                 "flow_logs_aggregation_interval", "flow_logs_sampling")
_EGRESS_KEYS = ("mode", "static_ip_count", "static_ip_names", "existing_ips", "draining_ips", "standby_ips")
_CONNECTOR_KEYS = ("machine_type", "min_instances", "max_instances")
_NAT_TIMEOUTS = ("udp_idle_timeout_sec", "icmp_idle_timeout_sec", "tcp_established_idle_timeout_sec",
                 "tcp_transitory_idle_timeout_sec", "tcp_time_wait_timeout_sec")
_NAT_KEYS = ("min_ports_per_vm", "max_ports_per_vm", "dynamic_port_allocation", "endpoint_independent_mapping",
             *_NAT_TIMEOUTS, "log_filter")
_CAPACITY_KEYS = ("peak_connections_per_destination",)
_ADOPT_KEYS = ("chain", "services")
_SERVICE_KEYS = (
    "name", "image", "labels", "service_account", "ingress", "deletion_protection",
    "env", "min_instances", "max_instances", "cpu", "memory", "port", "allow_unauthenticated",
)


def parse_environment(data: Mapping[str, Any], *, stack: str, source: str) -> EnvironmentConfig:
    """Validate parsed TOML and build the environment.

    Args:
        data: the parsed TOML document.
        stack: the stack name (the file stem).
        source: the file name shown in messages.

    Returns:
        The validated, frozen configuration.

    Raises:
        ConfigError: listing every problem found.
    """
    r = Reader(source)
    r.stack_name(stack)
    r.token_markers(data)
    r.table(data, "", _TOP_KEYS)

    project = r.get(data, "", "project", str, check=_is_project, expected=_PROJECT_EXPECTED)
    region = r.get(data, "", "region", str, expected='a GCP region such as "asia-northeast3"')
    if region is not None and region not in REGIONS:
        closest = closest_regions(region)
        near = f"; the closest are {', '.join(closest)}" if closest else ""
        r.problem("region", f'a GCP region such as "asia-northeast3" (one of the {len(REGIONS)} regions that '
                  f"exist, listed in gcp_facts.py from Google's regions page, read {REGIONS_READ}{near})", region)
        region = None
    # `name` prefixes every resource; the connector name `{name}-connector` is the tightest limit.
    name = r.get(data, "", "name", str, default="cloud-run",
                 check=lambda v: bool(CONNECTOR_NAME.fullmatch(f"{v}-connector")) and bool(RFC1035.fullmatch(v)),
                 expected="a resource name prefix of lowercase letters, digits and hyphens, starting with a "
                          "letter, at most 15 characters (the connector name "
                          "\"<name>-connector\" must match ^[a-z][-a-z0-9]{0,23}[a-z0-9]$)")

    state_data = r.sub_table(data, "state")
    r.table(state_data, "state", _STATE_KEYS)
    backend = r.get(state_data, "state", "backend", str, default="gcs", check=lambda v: v in STATE_BACKENDS,
                    expected=f"one of {', '.join(repr(b) for b in STATE_BACKENDS)}")
    bucket = None
    if backend == "gcs":
        bucket = r.get(state_data, "state", "bucket", str, check=lambda v: bool(GCS_BUCKET.fullmatch(v)),
                       expected="a GCS bucket name (required with the gcs backend)")
        check_bucket_name(r, "state.bucket", bucket)
    elif "bucket" in state_data:
        r.problem("state.bucket", f'no bucket with backend = "{backend}"', state_data["bucket"])
    prefix = None
    if backend == "gcs":
        prefix = r.get(state_data, "state", "prefix", str, default=f"cloud-run-egress/{stack}",
                       check=lambda v: len(v) <= MAX_STATE_PREFIX and bool(STATE_PREFIX.fullmatch(v)),
                       expected=_STATE_PREFIX_EXPECTED)
    elif backend == "local" and "prefix" in state_data:
        r.problem("state.prefix", 'no prefix with backend = "local" (the state is a file next to the '
                  "synthesized stack)", state_data["prefix"])
    state = StateConfig(backend=backend or "gcs", bucket=bucket, prefix=(prefix or "").rstrip("/"))
    if backend == "cloud":
        state = _parse_cloud_state(r, state_data)
    else:
        for key in _CLOUD_STATE_KEYS:
            if key in state_data:
                r.problem(f"state.{key}", f'no {key} with backend = "{backend}" (only with backend = "cloud")',
                          state_data[key])

    net_data = r.sub_table(data, "network")
    r.table(net_data, "network", _NETWORK_KEYS)
    vpc = r.get(net_data, "network", "vpc", str, default="default", check=lambda v: bool(RFC1035.fullmatch(v)),
                expected=_RFC1035_EXPECTED)
    # In direct mode the ranges are only parsed here; their sizes are checked against the services below.
    direct_mode = _peek_mode(data) == "direct"
    direct_subnet_cidr = _subnet_range(r, net_data, "direct_subnet_cidr", default=None,
                                       expected=_DIRECT_RANGE_EXPECTED)
    if direct_mode:
        subnet_cidr = _subnet_range(r, net_data, "subnet_cidr",
                                    default=None if "direct_subnet_cidr" in net_data else MISSING,
                                    expected=_DIRECT_RANGE_EXPECTED)
    else:
        subnet_cidr = _subnet_range(r, net_data, "subnet_cidr", default=MISSING, prefixlen=28,
                                    expected='an IPv4 /28 range with no host bits set, such as "10.124.0.0/28"')
    host_project = r.get(net_data, "network", "host_project", str, default=None, check=_is_project,
                         expected=_PROJECT_EXPECTED)
    # subnet_cidr may be left out in direct mode (see NetworkConfig).
    network = NetworkConfig(vpc=vpc or "default", subnet_cidr=subnet_cidr or None, host_project=host_project,
                            direct_subnet_cidr=direct_subnet_cidr, **_subnet_logging(r, net_data))

    egress_data = r.sub_table(data, "egress")
    r.table(egress_data, "egress", _EGRESS_KEYS)
    egress_mode = r.get(egress_data, "egress", "mode", str, default="connector", check=lambda v: v in EGRESS_MODES,
                        expected=f"one of {', '.join(repr(m) for m in EGRESS_MODES)}")
    existing_ips = r.name_list(egress_data, "egress", "existing_ips")
    static_ip_names = r.name_list(egress_data, "egress", "static_ip_names")
    draining_ips = r.name_list(egress_data, "egress", "draining_ips")
    standby_ips = r.name_list(egress_data, "egress", "standby_ips")
    count_floor = 0 if existing_ips else 1
    count_expected = (f"an integer from 0 to {MAX_STATIC_IPS} (the NAT IPs one gateway can use; 0 only with "
                      "egress.existing_ips)" if existing_ips else
                      f"an integer from 1 to {MAX_STATIC_IPS} (the NAT IPs one gateway can use)")
    if "static_ip_names" in egress_data:
        if "static_ip_count" in egress_data:
            r.problem("egress.static_ip_names", "either egress.static_ip_count or egress.static_ip_names, not both",
                      egress_data["static_ip_names"])
        elif not static_ip_names and not existing_ips and isinstance(egress_data["static_ip_names"], list):
            r.problem("egress.static_ip_names", "at least one address name (or egress.existing_ips)",
                      egress_data["static_ip_names"])
    count_default = len(static_ip_names) if "static_ip_names" in egress_data else 1
    static_ip_count = r.get(egress_data, "egress", "static_ip_count", int, default=count_default,
                            check=lambda v: count_floor <= v <= MAX_STATIC_IPS,
                            expected=count_expected)

    conn_data = r.sub_table(data, "connector")
    r.table(conn_data, "connector", _CONNECTOR_KEYS)
    machine_type = r.get(conn_data, "connector", "machine_type", str, default="e2-micro",
                         check=lambda v: v in CONNECTOR_MACHINE_TYPES,
                         expected=f"one of {', '.join(CONNECTOR_MACHINE_TYPES)}")
    min_instances = r.get(conn_data, "connector", "min_instances", int, default=2, check=lambda v: 2 <= v <= 9,
                          expected="an integer from 2 to 9")
    max_instances = r.get(conn_data, "connector", "max_instances", int, default=10, check=lambda v: 3 <= v <= 10,
                          expected="an integer from 3 to 10")
    if min_instances is not None and max_instances is not None and max_instances <= min_instances:
        r.problem("connector.max_instances", f"an integer greater than connector.min_instances ({min_instances})",
                  max_instances)
    connector = ConnectorConfig(machine_type=machine_type or "e2-micro", min_instances=min_instances or 2,
                                max_instances=max_instances or 10)

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
    )
    check_nat_ports(r, nat)

    capacity_data = r.sub_table(data, "capacity")
    r.table(capacity_data, "capacity", _CAPACITY_KEYS)
    capacity = CapacityConfig(
        peak_connections_per_destination=r.get(
            capacity_data, "capacity", "peak_connections_per_destination", int, default=None,
            check=lambda v: v >= 1, expected="a positive integer (concurrent connections to one destination IP:port)"),
    )

    services = _parse_services(r, data)
    adopt = _parse_adopt(r, data, services)
    alerts = parse_alerts(r, data)

    if r.problems:
        raise ConfigError(r.problems)
    config = EnvironmentConfig(
        stack=stack, source=source, project=project, region=region, name=name, state=state, network=network,
        static_ip_count=static_ip_count, connector=connector, nat=nat, services=services,
        egress_mode=egress_mode, static_ip_names=static_ip_names, existing_ips=existing_ips,
        draining_ips=draining_ips, capacity=capacity, standby_ips=standby_ips, adopt=adopt, alerts=alerts,
    )
    check_cross_key_rules(r, config, connector_table="connector" in data)
    check_alerts(r, config)
    if r.problems:
        raise ConfigError(r.problems)
    return config


def _parse_adopt(r: Reader, data: Mapping[str, Any], services: tuple[ServiceConfig, ...]) -> AdoptConfig:
    """``[adopt]``: what the first deploy imports. Each adopted service must be a ``[[services]]`` of the file."""
    adopt_data = r.sub_table(data, "adopt")
    r.table(adopt_data, "adopt", _ADOPT_KEYS)
    chain = r.get(adopt_data, "adopt", "chain", bool, default=False)
    raw = adopt_data.get("services", [])
    if not isinstance(raw, list):
        r.problem("adopt.services", "a list of service names from [[services]]", raw)
        raw = []
    declared = [s.name for s in services]
    names = r.unique_strings(raw, "adopt.services", valid=declared.__contains__,
                             expected=f"the name of a [[services]] entry of this file ({', '.join(declared) or 'none'})")
    return AdoptConfig(chain=bool(chain), services=names)


def _parse_cloud_state(r: Reader, state_data: Mapping[str, Any]) -> StateConfig:
    """The ``[state]`` table with ``backend = "cloud"``: organization, one workspace or tags, host."""
    if "prefix" in state_data:
        r.problem("state.prefix", 'no prefix with backend = "cloud" (the state lives in the Terraform Cloud '
                  "workspace)", state_data["prefix"])
    organization = r.get(state_data, "state", "organization", str, check=lambda v: bool(TFC_ORGANIZATION.fullmatch(v)),
                         expected="a Terraform Cloud organization name (letters, digits, - and _), required with "
                                  'backend = "cloud"')
    workspace = r.get(state_data, "state", "workspace", str, default=None, check=lambda v: bool(TFC_WORKSPACE.fullmatch(v)),
                      expected="a Terraform Cloud workspace name (letters, digits, - and _, at most 90 characters)")
    tags = r.get(state_data, "state", "workspace_tags", list, default=None, check=bool,
                 expected="a non-empty list of workspace tags")
    for i, tag in enumerate(tags or ()):
        if not isinstance(tag, str) or not TFC_TAG.fullmatch(tag):
            r.problem(f"state.workspace_tags[{i}]",
                      "a workspace tag (letters, digits, :, - and _, at most 255 characters)", tag)
    given = [key for key in ("workspace", "workspace_tags") if key in state_data]
    if len(given) != 1:
        r.shown("state.workspace", 'exactly one of state.workspace (one workspace by name) or state.workspace_tags '
                '(workspaces by tag) with backend = "cloud"',
                "both" if len(given) == 2 else "neither (both keys are missing)")
    hostname = r.get(state_data, "state", "hostname", str, default=TFC_HOSTNAME,
                     check=lambda v: bool(HOSTNAME.fullmatch(v)),
                     expected=f'the host name of Terraform Cloud ("{TFC_HOSTNAME}") or of your Terraform Enterprise')
    return StateConfig(backend="cloud", organization=organization, workspace=workspace,
                       workspace_tags=tuple(tags or ()), hostname=hostname)


def _subnet_logging(r: Reader, net_data: Mapping[str, Any]) -> dict[str, Any]:
    """Private Google Access and the flow log settings of ``[network]``, as NetworkConfig keywords."""
    pga = r.get(net_data, "network", "private_ip_google_access", bool, default=True)
    flow_logs = r.get(net_data, "network", "flow_logs", bool, default=True)
    settings: dict[str, Any] = {"private_ip_google_access": pga, "flow_logs": flow_logs}
    if not flow_logs:
        for key in ("flow_logs_aggregation_interval", "flow_logs_sampling"):
            if key in net_data:
                r.problem(f"network.{key}", "no flow log settings with network.flow_logs = false", net_data[key])
        return settings
    interval = r.get(net_data, "network", "flow_logs_aggregation_interval", str, default="INTERVAL_5_SEC",
                     check=lambda v: v in FLOW_LOG_INTERVALS, expected=f"one of {', '.join(FLOW_LOG_INTERVALS)}")
    sampling = net_data.get("flow_logs_sampling", 0.5)
    if isinstance(sampling, bool) or not isinstance(sampling, (int, float)) or not 0 < sampling <= 1:
        r.problem("network.flow_logs_sampling", "a number above 0 and at most 1, such as 0.5", sampling)
        sampling = 0.5
    settings.update(flow_logs_aggregation_interval=interval, flow_logs_sampling=float(sampling))
    return settings


def _parse_services(r: Reader, data: Mapping[str, Any]) -> tuple[ServiceConfig, ...]:
    raw = data.get("services", [])
    if not isinstance(raw, list):
        r.problem("services", "an array of tables ([[services]])", raw)
        return ()
    services: list[ServiceConfig] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(raw):
        path = f"services[{i}]"
        if not isinstance(item, dict):
            r.problem(path, "a table", item)
            continue
        r.table(item, path, _SERVICE_KEYS)
        name = r.get(item, path, "name", str, check=lambda v: bool(SERVICE_NAME.fullmatch(v)),
                     expected="a Cloud Run service name (lowercase letters, digits and hyphens, starting with "
                              "a letter, at most 49 characters)")
        if name is not None:
            if name in seen:
                r.problem(f"{path}.name", f"a name not used by services[{seen[name]}]", name)
            seen.setdefault(name, i)
        image = r.get(item, path, "image", str, check=lambda v: bool(IMAGE.fullmatch(v)),
                      expected='a container image reference such as "asia.gcr.io/my-project/app:1.0.0"')
        _check_count(r, item, f"{path}.labels", "labels", MAX_LABELS, "labels (GCP's limit per resource)")
        labels = r.string_map(item, path, "labels", LABEL_KEY,
                              "a label key (lowercase letters, digits, - and _, starting with a letter, "
                              "at most 63 characters)", LABEL_VALUE,
                              "a label value (lowercase letters, digits, - and _, at most 63 characters)")
        env = r.string_map(item, path, "env", ENV_NAME, "an environment variable name ([A-Za-z_][A-Za-z0-9_]*)",
                           None, "a string")
        _check_env(r, item, path, env)
        service_account = r.get(item, path, "service_account", str, default=None,
                                check=lambda v: bool(SERVICE_ACCOUNT.fullmatch(v)),
                                expected="a service account e-mail (name@project.iam.gserviceaccount.com)")
        ingress = r.get(item, path, "ingress", str, default="INGRESS_TRAFFIC_ALL", check=lambda v: v in INGRESS,
                        expected=f"one of {', '.join(INGRESS)}")
        deletion_protection = r.get(item, path, "deletion_protection", bool, default=True)
        min_i = r.get(item, path, "min_instances", int, default=None, check=lambda v: 0 <= v <= 1000,
                      expected="an integer from 0 to 1000")
        max_i = r.get(item, path, "max_instances", int, default=None, check=lambda v: 1 <= v <= 1000,
                      expected="an integer from 1 to 1000")
        if min_i is not None and max_i is not None and max_i < min_i:
            r.problem(f"{path}.max_instances", f"an integer at least {path}.min_instances ({min_i})", max_i)
        cpu = r.get(item, path, "cpu", str, default=None,
                    check=lambda v: bool(CPU.fullmatch(v)) and milli_cpu(v) is not None,
                    expected='a CPU limit such as "1", "2" or "500m": a whole number from 1 to 8, or from 0.08 to 1 '
                             f"in steps of 0.01 ({CPU_SOURCE})")
        memory = r.get(item, path, "memory", str, default=None,
                       check=lambda v: bool(MEMORY.fullmatch(v)) and MIN_MEMORY_MIB <= memory_mib(v) <= MAX_MEMORY_MIB,
                       expected=f'a memory limit such as "512Mi" or "2Gi", from {MIN_MEMORY_MIB}Mi to '
                                f"{MAX_MEMORY_MIB // 1024}Gi ({MEMORY_SOURCE})")
        _check_cpu_and_memory(r, item, path, cpu, memory)
        port = r.get(item, path, "port", int, default=None, check=lambda v: 1 <= v <= 65535,
                     expected="an integer from 1 to 65535")
        allow_unauthenticated = r.get(item, path, "allow_unauthenticated", bool, default=False)
        if name is None or image is None:
            continue
        services.append(ServiceConfig(
            name=name, image=image, labels=labels, service_account=service_account, ingress=ingress,
            deletion_protection=deletion_protection, env=env, min_instances=min_i, max_instances=max_i,
            cpu=cpu, memory=memory, port=port, allow_unauthenticated=allow_unauthenticated,
        ))
    return tuple(services)


def _check_count(r: Reader, item: Mapping[str, Any], where: str, key: str, most: int, what: str) -> None:
    table = item.get(key)
    if isinstance(table, dict) and len(table) > most:
        r.shown(where, f"at most {most:,} {what}", f"{len(table):,}")


def _check_env(r: Reader, item: Mapping[str, Any], path: str, env: Mapping[str, str]) -> None:
    """What Cloud Run refuses in a container's environment: too many, reserved names, values too long."""
    _check_count(r, item, f"{path}.env", "env", MAX_ENV_VARS, f"environment variables ({ENV_SOURCE})")
    for name, value in env.items():
        where = f"{path}.env.{name}"
        if name in RESERVED_ENV_NAMES or name.startswith(RESERVED_ENV_PREFIX):
            r.shown(where, f"a name other than {', '.join(RESERVED_ENV_NAMES)} and {RESERVED_ENV_PREFIX}… (set by "
                    f"Cloud Run itself; {ENV_SOURCE})", f'the key "{name}"')
        size = len(value.encode("utf-8"))
        if size > MAX_ENV_VALUE_BYTES:
            r.shown(where, f"a value of at most {MAX_ENV_VALUE_BYTES:,} bytes of UTF-8 ({ENV_SOURCE})",
                    f"{size:,} bytes")


def _check_cpu_and_memory(r: Reader, item: Mapping[str, Any], path: str, cpu: str | None, memory: str | None) -> None:
    """Cloud Run's pairing of CPU and memory, with its defaults (1 CPU, 512 MiB) for the one left out."""
    if cpu is None and memory is None:
        return
    milli = milli_cpu(cpu) if cpu is not None else DEFAULT_MILLI_CPU
    mib = memory_mib(memory) if memory is not None else DEFAULT_MEMORY_MIB
    if ("cpu" in item and cpu is None) or ("memory" in item and memory is None):
        return  # already reported
    for above, needed in MIN_CPU_FOR_MEMORY:
        if mib > above and milli < needed:
            given = cpu if cpu is not None else MISSING
            r.problem(f"{path}.cpu", f"at least {needed / 1000:g} CPU for memory = \"{memory}\" (memory above "
                      f"{above}Mi needs {needed / 1000:g} CPU; {MEMORY_SOURCE}; 1 CPU when cpu is left out)", given)
            return
    for cpus, needed in MIN_MEMORY_FOR_CPU:
        if milli >= cpus and mib < needed:
            given = memory if memory is not None else MISSING
            r.problem(f"{path}.memory", f"at least {needed // 1024}Gi for cpu = \"{cpu}\" ({cpus // 1000} CPUs need "
                      f"{needed // 1024}Gi; {CPU_SOURCE}; 512Mi when memory is left out)", given)
            return


def load_environment(path: str | Path) -> EnvironmentConfig:
    """Read and validate one environment file.

    Args:
        path: the TOML file; its stem becomes the stack name.

    Raises:
        ConfigError: the file cannot be read, is not valid TOML, or breaks any rule.
    """
    path = Path(path)
    return parse_environment(read_toml(path), stack=path.stem, source=str(path))
