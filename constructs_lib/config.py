"""The environment file model and its validation.

One TOML file describes one environment; its file stem is the stack name.
``load_environment`` reads a file, checks every key and returns a frozen
``EnvironmentConfig``; when anything is wrong it raises ``ConfigError``
listing every problem at once, each naming the file, the key, what was
expected and what was given.  Nothing here touches cdktf or the provider,
so validation is fast and needs no synth.
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

__all__ = [
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
RFC1035 = re.compile(r"^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$")
CONNECTOR_NAME = re.compile(r"^[a-z][-a-z0-9]{0,23}[a-z0-9]$")
REGION = re.compile(r"^[a-z]+(?:-[a-z]+)*[0-9]+$")
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
CPU = re.compile(r"^(?:[0-9]+(?:\.[0-9]+)?|[0-9]+m)$")
MEMORY = re.compile(r"^[0-9]+(?:Mi|Gi)$")

CONNECTOR_MACHINE_TYPES = ("f1-micro", "e2-micro", "e2-standard-4")
NAT_LOG_FILTERS = ("ERRORS_ONLY", "TRANSLATIONS_ONLY", "ALL")
FLOW_LOG_INTERVALS = (
    "INTERVAL_5_SEC", "INTERVAL_30_SEC", "INTERVAL_1_MIN", "INTERVAL_5_MIN", "INTERVAL_10_MIN", "INTERVAL_15_MIN",
)
STATE_BACKENDS = ("gcs", "local")
INGRESS = (
    "INGRESS_TRAFFIC_ALL",
    "INGRESS_TRAFFIC_INTERNAL_ONLY",
    "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
)
# The longest suffix added to `name` ("-origin-ip-NN"); used to bound `name`.
MAX_STATIC_IPS = 50  # hard limit of NAT IPs per Cloud NAT gateway


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an environment file.

    Attributes:
        source: the file, as the user named it.
        key: dotted path of the key (``connector.max_instances``, ``services[0].image``).
        expected: what the key must hold.
        given: what the file holds, already rendered for display.
    """

    source: str
    key: str
    expected: str
    given: str

    def __str__(self) -> str:
        return f"{self.source}: {self.key}: expected {self.expected}, got {self.given}"


class ConfigError(ValueError):
    """An environment file failed validation; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        noun = "problem" if len(self.problems) == 1 else "problems"
        super().__init__(f"{len(self.problems)} {noun} in the environment configuration:\n{lines}")


@dataclass(frozen=True, kw_only=True)
class StateConfig:
    """Where Terraform keeps the stack's state.

    Attributes:
        backend: ``gcs`` (a GCS bucket) or ``local`` (a file next to the synthesized stack).
        bucket: the GCS bucket; required with the gcs backend, None otherwise.
        prefix: folder inside the bucket; ``cloud-run-egress/<stack>`` when left out.
    """

    backend: str = "gcs"
    bucket: str | None = None
    prefix: str = ""


@dataclass(frozen=True, kw_only=True)
class NetworkConfig:
    """The VPC network the chain's subnet is created in.

    Attributes:
        vpc: name of an existing VPC network; ``default`` when left out.
        subnet_cidr: the chain's own /28 range, used by nothing else.
        host_project: Shared VPC host project owning the network; None when the
            network is in the environment's own project.
        private_ip_google_access: whether the subnet reaches Google APIs on their
            private addresses (Private Google Access); true when left out.
        flow_logs: whether the subnet records VPC flow logs; true when left out.
        flow_logs_aggregation_interval: flow log aggregation interval;
            INTERVAL_5_SEC (the API's default) when left out.
        flow_logs_sampling: share of flows logged, above 0 and at most 1; 0.5 (the
            API's default) when left out.
    """

    vpc: str = "default"
    subnet_cidr: str
    host_project: str | None = None
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
        min_ports_per_vm: ports reserved per connector VM; the API's default (64) when None.
        log_filter: ERRORS_ONLY, TRANSLATIONS_ONLY or ALL; logging is off when None.
    """

    min_ports_per_vm: int | None = None
    log_filter: str | None = None


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
        """``{name}-origin-ip`` for one address, ``{name}-origin-ip-1`` … ``-N`` for more."""
        if self.static_ip_count == 1:
            return (f"{self.name}-origin-ip",)
        return tuple(f"{self.name}-origin-ip-{i}" for i in range(1, self.static_ip_count + 1))


# ---------------------------------------------------------------------------
# Reading


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()


def _show(value: Any) -> str:
    """Render a TOML value the way the user wrote it, for messages."""
    if value is MISSING:
        return "nothing (the key is missing)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return repr(value)


_TYPE_NAMES = {str: "a string", int: "an integer", bool: "true or false", dict: "a table", list: "a list"}


class _Reader:
    """Reads keys out of parsed TOML, recording every problem instead of stopping."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def problem(self, key: str, expected: str, given: Any) -> None:
        """Record a problem with a TOML value, rendered as the user wrote it."""
        self.shown(key, expected, _show(given))

    def shown(self, key: str, expected: str, given: str) -> None:
        """Record a problem whose ``given`` is already a description."""
        self.problems.append(Problem(self.source, key, expected, given))

    def table(self, data: Mapping[str, Any], path: str, known: tuple[str, ...]) -> None:
        """Report every key of ``data`` that is not in ``known``."""
        for key in data:
            if key not in known:
                where = f"{path}.{key}" if path else key
                self.shown(where, f"one of the known keys ({', '.join(known)})", "an unknown key")

    def sub_table(self, data: Mapping[str, Any], key: str) -> dict[str, Any]:
        value = data.get(key, MISSING)
        if value is MISSING:
            return {}
        if not isinstance(value, dict):
            self.problem(key, "a table", value)
            return {}
        return value

    def get(
        self,
        data: Mapping[str, Any],
        path: str,
        key: str,
        kind: type,
        *,
        default: Any = MISSING,
        check: Callable[[Any], bool] | None = None,
        expected: str = "",
    ) -> Any:
        """Return ``data[key]`` if it has the right type and passes ``check``.

        A problem is recorded (and ``default``, or None, returned) when the key
        is missing without a default, has the wrong type or fails the check.
        """
        where = f"{path}.{key}" if path else key
        value = data.get(key, MISSING)
        if value is MISSING:
            if default is MISSING:
                self.problem(where, expected or _TYPE_NAMES[kind], value)
                return None
            return default
        wrong_type = not isinstance(value, kind) or (kind is int and isinstance(value, bool))
        if wrong_type:
            self.problem(where, expected or _TYPE_NAMES[kind], value)
            return None if default is MISSING else default
        if check is not None and not check(value):
            self.problem(where, expected, value)
            return None if default is MISSING else default
        return value

    def string_map(self, data: Mapping[str, Any], path: str, key: str, key_rule: re.Pattern[str],
                   key_expected: str, value_rule: re.Pattern[str] | None, value_expected: str) -> dict[str, str]:
        table = self.get(data, path, key, dict, default={})
        result: dict[str, str] = {}
        for k, v in table.items():
            where = f"{path}.{key}.{k}"
            ok = True
            if not key_rule.match(k):
                self.shown(where, key_expected, f'the key "{k}"')
                ok = False
            if not isinstance(v, str) or (value_rule is not None and not value_rule.match(v)):
                self.problem(where, value_expected, v)
                ok = False
            if ok:
                result[k] = v
        return result


def _is_project(value: str) -> bool:
    return bool(PROJECT_ID.match(value) or DOMAIN_PROJECT_ID.match(value))


def _is_subnet_28(value: str) -> bool:
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError:
        return False
    return net.version == 4 and net.prefixlen == 28


_PROJECT_EXPECTED = "a GCP project id (6-30 characters: lowercase letters, digits and hyphens, starting with a letter)"
_RFC1035_EXPECTED = "an RFC 1035 name (lowercase letters, digits and hyphens, starting with a letter, at most 63 characters)"

_TOP_KEYS = ("project", "region", "name", "state", "network", "egress", "connector", "nat", "services")
_STATE_KEYS = ("bucket", "prefix", "backend")
_NETWORK_KEYS = ("vpc", "subnet_cidr", "host_project", "private_ip_google_access", "flow_logs",
                 "flow_logs_aggregation_interval", "flow_logs_sampling")
_EGRESS_KEYS = ("static_ip_count",)
_CONNECTOR_KEYS = ("machine_type", "min_instances", "max_instances")
_NAT_KEYS = ("min_ports_per_vm", "log_filter")
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
    r = _Reader(source)
    if not RFC1035.match(stack):
        r.problem("(file name)", "a file stem usable as a stack name "
                  "(lowercase letters, digits and hyphens, starting with a letter)", stack)
    r.table(data, "", _TOP_KEYS)

    project = r.get(data, "", "project", str, check=_is_project, expected=_PROJECT_EXPECTED)
    region = r.get(data, "", "region", str, check=lambda v: bool(REGION.match(v)),
                   expected='a GCP region such as "asia-northeast3"')
    # `name` prefixes every resource; the connector name `{name}-connector` is the tightest limit.
    name = r.get(data, "", "name", str, default="cloud-run",
                 check=lambda v: bool(CONNECTOR_NAME.match(f"{v}-connector")) and bool(RFC1035.match(v)),
                 expected="a resource name prefix of lowercase letters, digits and hyphens, starting with a "
                          "letter, at most 15 characters (the connector name "
                          "\"<name>-connector\" must match ^[a-z][-a-z0-9]{0,23}[a-z0-9]$)")

    state_data = r.sub_table(data, "state")
    r.table(state_data, "state", _STATE_KEYS)
    backend = r.get(state_data, "state", "backend", str, default="gcs", check=lambda v: v in STATE_BACKENDS,
                    expected=f"one of {', '.join(repr(b) for b in STATE_BACKENDS)}")
    bucket = None
    if backend == "gcs":
        bucket = r.get(state_data, "state", "bucket", str, check=lambda v: bool(GCS_BUCKET.match(v)),
                       expected="a GCS bucket name (required with the gcs backend)")
    elif "bucket" in state_data:
        r.problem("state.bucket", 'no bucket with backend = "local"', state_data["bucket"])
    prefix = r.get(state_data, "state", "prefix", str, default=f"cloud-run-egress/{stack}",
                   check=lambda v: bool(v.strip("/")) and not v.startswith("/") and "//" not in v,
                   expected="a non-empty object path inside the bucket, without a leading slash")
    state = StateConfig(backend=backend or "gcs", bucket=bucket, prefix=(prefix or "").rstrip("/"))

    net_data = r.sub_table(data, "network")
    r.table(net_data, "network", _NETWORK_KEYS)
    vpc = r.get(net_data, "network", "vpc", str, default="default", check=lambda v: bool(RFC1035.match(v)),
                expected=_RFC1035_EXPECTED)
    subnet_cidr = r.get(net_data, "network", "subnet_cidr", str, check=_is_subnet_28,
                        expected='an IPv4 /28 range with no host bits set, such as "10.124.0.0/28"')
    host_project = r.get(net_data, "network", "host_project", str, default=None, check=_is_project,
                         expected=_PROJECT_EXPECTED)
    network = NetworkConfig(vpc=vpc or "default", subnet_cidr=subnet_cidr or "", host_project=host_project,
                            **_subnet_logging(r, net_data))

    egress_data = r.sub_table(data, "egress")
    r.table(egress_data, "egress", _EGRESS_KEYS)
    static_ip_count = r.get(egress_data, "egress", "static_ip_count", int, default=1,
                            check=lambda v: 1 <= v <= MAX_STATIC_IPS,
                            expected=f"an integer from 1 to {MAX_STATIC_IPS} (the NAT IPs one gateway can use)")

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
    )

    services = _parse_services(r, data)

    if r.problems:
        raise ConfigError(r.problems)
    return EnvironmentConfig(
        stack=stack, source=source, project=project, region=region, name=name, state=state, network=network,
        static_ip_count=static_ip_count, connector=connector, nat=nat, services=services,
    )


def _subnet_logging(r: _Reader, net_data: Mapping[str, Any]) -> dict[str, Any]:
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


def _parse_services(r: _Reader, data: Mapping[str, Any]) -> tuple[ServiceConfig, ...]:
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
        name = r.get(item, path, "name", str, check=lambda v: bool(SERVICE_NAME.match(v)),
                     expected="a Cloud Run service name (lowercase letters, digits and hyphens, starting with "
                              "a letter, at most 49 characters)")
        if name is not None:
            if name in seen:
                r.problem(f"{path}.name", f"a name not used by services[{seen[name]}]", name)
            seen.setdefault(name, i)
        image = r.get(item, path, "image", str, check=lambda v: bool(IMAGE.match(v)),
                      expected='a container image reference such as "asia.gcr.io/my-project/app:1.0.0"')
        labels = r.string_map(item, path, "labels", LABEL_KEY,
                              "a label key (lowercase letters, digits, - and _, starting with a letter, "
                              "at most 63 characters)", LABEL_VALUE,
                              "a label value (lowercase letters, digits, - and _, at most 63 characters)")
        env = r.string_map(item, path, "env", ENV_NAME, "an environment variable name ([A-Za-z_][A-Za-z0-9_]*)",
                           None, "a string")
        service_account = r.get(item, path, "service_account", str, default=None,
                                check=lambda v: bool(SERVICE_ACCOUNT.match(v)),
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
        cpu = r.get(item, path, "cpu", str, default=None, check=lambda v: bool(CPU.match(v)),
                    expected='a CPU limit such as "1", "2" or "500m"')
        memory = r.get(item, path, "memory", str, default=None, check=lambda v: bool(MEMORY.match(v)),
                       expected='a memory limit such as "512Mi" or "2Gi"')
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


def load_environment(path: str | Path) -> EnvironmentConfig:
    """Read and validate one environment file.

    Args:
        path: the TOML file; its stem becomes the stack name.

    Raises:
        ConfigError: the file cannot be read, is not valid TOML, or breaks any rule.
    """
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError([Problem(source, "(file)", "a readable TOML file", err.strerror or str(err))]) from None
    except UnicodeDecodeError:
        raise ConfigError([Problem(source, "(file)", "a UTF-8 text file", "bytes that are not UTF-8")]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError([Problem(source, "(file)", "valid TOML", str(err))]) from None
    return parse_environment(data, stack=path.stem, source=source)
