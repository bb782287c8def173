"""The environment file model: frozen dataclasses, one per table, and the environment they make up.

Built only by ``environment.parse_environment``, after every key has been
checked; nothing here reads a file or imports cdktf.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..facts.gcp import (
    CLOUD_RUN_MAX_INSTANCES,
    CONNECTOR_MACHINE_TYPE,
    CONNECTOR_MAX_INSTANCES,
    CONNECTOR_MIN_INSTANCES,
    FLOW_LOGS_AGGREGATION_INTERVAL,
    FLOW_LOGS_SAMPLING,
    SUBNET_FLOW_LOGS,
    SUBNET_PRIVATE_IP_GOOGLE_ACCESS,
)
from ..facts.naming import NAT_SUFFIX, counted_address_names
from .adopt import AdoptConfig
from .alerts import AlertsConfig
from .nat_rules import NatRuleConfig
from .jobs import JobConfig
from .reader import Problem
from .services import ServiceConfig
from .worker_pools import WorkerPoolConfig

__all__ = ["ENVIRONMENT_KEYS", "AdoptConfig", "CapacityConfig", "ConnectorConfig", "EnvironmentConfig", "JobConfig",
           "NatConfig", "NetworkConfig", "ServiceConfig", "StateConfig", "WorkerPoolConfig"]

# The top-level keys of an environment file (a bootstrap file holds [bootstrap] alone).
ENVIRONMENT_KEYS = ("project", "region", "name", "state", "network", "egress", "connector", "nat", "capacity",
                    "services", "adopt", "alerts", "jobs", "worker_pools")


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
        auto_mode: whether the VPC is an auto-mode network, whose regional /20s fill
            10.128.0.0/9 (the chain's ranges must then stay outside it); true when left out
            and ``vpc`` is ``default`` (the project's default network is auto mode), false
            for any other name.
    """

    vpc: str = "default"
    subnet_cidr: str | None
    host_project: str | None = None
    direct_subnet_cidr: str | None = None
    private_ip_google_access: bool = SUBNET_PRIVATE_IP_GOOGLE_ACCESS
    flow_logs: bool = SUBNET_FLOW_LOGS
    flow_logs_aggregation_interval: str = FLOW_LOGS_AGGREGATION_INTERVAL
    flow_logs_sampling: float = FLOW_LOGS_SAMPLING
    auto_mode: bool = False


@dataclass(frozen=True, kw_only=True)
class ConnectorConfig:
    """Serverless VPC Access connector sizing; the defaults are gcloud's."""

    machine_type: str = CONNECTOR_MACHINE_TYPE
    min_instances: int = CONNECTOR_MIN_INSTANCES
    max_instances: int = CONNECTOR_MAX_INSTANCES


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
        tcp_transitory_idle_timeout_sec, tcp_time_wait_timeout_sec: the NAT's timeouts as the file
            sets them; None when left out: the NAT then gets ``facts.nat.NAT_TIMEOUT_DEFAULTS`` (an adopted
            NAT keeps its own, ``stacks.chain_props``).
        rules: ``[[nat.rules]]``, a dedicated IP per partner; none when left out.
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
    rules: tuple[NatRuleConfig, ...] = ()

    @property
    def rule_ip_names(self) -> tuple[str, ...]:
        """The addresses the rules use, in rule order: kept out of the NAT's own nat_ips."""
        return tuple(name for rule in self.rules for name in rule.ips)


@dataclass(frozen=True, kw_only=True)
class CapacityConfig:
    """What the chain must hold.

    Attributes:
        peak_connections_per_destination: concurrent connections to one destination
            IP:port the chain must hold; no capacity check when None.
        new_connections_per_second: connections opened per second to one destination at that peak: each holds
            its port for the NAT's TIME_WAIT after it closes (``capacity_check.ports_needed``).
    """

    peak_connections_per_destination: int | None = None
    new_connections_per_second: int | None = None


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
        release_ips: addresses this deploy may release (delete, or take out of the NAT undrained); for one
            deploy, read by the plan guard from the stack's ``release_ips`` output.
        forget_ips: addresses this deploy takes out of the stack but keeps reserved (a ``removed`` block,
            ``destroy = false``); for one deploy, like ``release_ips``.
        jobs / worker_pools: the Cloud Run jobs and worker pools, egressing as the services do.
        warnings: what the file allows but should not do (a credential as a plain env value), for the app to print.
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
    release_ips: tuple[str, ...] = ()
    forget_ips: tuple[str, ...] = ()
    jobs: tuple[JobConfig, ...] = ()
    worker_pools: tuple[WorkerPoolConfig, ...] = ()
    warnings: tuple[Problem, ...] = ()

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
        return f"{self.name}{NAT_SUFFIX}"

    @property
    def address_names(self) -> tuple[str, ...]:
        """The addresses the stack creates.

        ``static_ip_names`` when given; else ``{name}-origin-ip`` for one address,
        ``{name}-origin-ip-1`` … ``-N`` for more (none for 0).
        """
        if self.static_ip_names:
            return self.static_ip_names
        return counted_address_names(self.name, self.static_ip_count)

    @property
    def direct_subnet_name(self) -> str:
        return f"{self.name}-direct-subnet"

    @property
    def pool_names(self) -> tuple[str, ...]:
        """Every address of the NAT's pool: the created ones, then the adopted ones."""
        return self.address_names + self.existing_ips

    @property
    def active_ip_names(self) -> tuple[str, ...]:
        """The pool without the draining addresses and those of ``[[nat.rules]]``: the NAT's nat_ips."""
        return tuple(n for n in self.pool_names if n not in self.draining_ips and n not in self.nat.rule_ip_names)

    def rule_active_ips(self, rule: NatRuleConfig) -> tuple[str, ...]:
        """A rule's addresses without the draining ones: its ``source_nat_active_ips``."""
        return tuple(n for n in rule.ips if n not in self.draining_ips)

    @property
    def has_connector(self) -> bool:
        """Connector mode, or direct mode while the connector is kept beside the direct subnet."""
        return self.egress_mode == "connector" or (
            self.network.subnet_cidr is not None and self.network.direct_subnet_cidr is not None)

    @property
    def service_instances(self) -> int:
        """The services' max_instances summed (Cloud Run's default of 100 for a service without one)."""
        return sum(s.max_instances or CLOUD_RUN_MAX_INSTANCES for s in self.services)

    @property
    def has_secrets(self) -> bool:
        return any(w.secrets for w in (*self.services, *self.jobs, *self.worker_pools))

    @property
    def egress_instances(self) -> int:
        """Cloud Run instances egressing at once: services' max, jobs' tasks_at_once, worker pools' instances."""
        return self.service_instances + sum(j.tasks_at_once for j in self.jobs) + sum(
            p.instances for p in self.worker_pools)

    @property
    def nat_endpoints(self) -> int:
        """What sends the workloads' traffic through the NAT: connector VMs, or Cloud Run instances."""
        return self.egress_instances if self.egress_mode == "direct" else self.connector.max_instances

    @property
    def reserving_endpoints(self) -> int:
        """Everything holding a NAT port reservation: nat_endpoints plus a connector kept during a move."""
        if self.egress_mode == "direct" and self.has_connector:
            return self.egress_instances + self.connector.max_instances
        return self.nat_endpoints
