"""Property-based tests: generated environment files, valid and invalid.

Every file either synthesizes a stack that passes the chain policy pack, or
is rejected with the documented error format (file, key, expected, given):
never a traceback, never a partial output folder. Validation needs no synth,
so it runs on many examples; synthesis is expensive, so only a bounded few
valid files go all the way through main.py's path (``app.run``).
"""

from __future__ import annotations

import io
import ipaddress
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from constructs_lib.app import run
from constructs_lib.config.bootstrap import parse_bootstrap
from constructs_lib.config.keys import service_path
from constructs_lib.config.problems import one_line
from constructs_lib.config import ConfigError, EnvironmentConfig, parse_environment
from constructs_lib.facts.gcp import AUTO_MODE_BLOCK
from rehearsal.tomlfile import dumps as to_toml
from tests.support.environments import stated_address_names

REGIONS = ["asia-northeast3", "europe-west1", "us-central1", "southamerica-east1", "me-central2"]
PROBLEM_LINE = re.compile(r"^  - (?P<source>[^:]+\.toml): (?P<key>\S[^:]*): expected .+, got .+$")

# -- valid files ------------------------------------------------------------------------------------------------

names = st.from_regex(r"[a-z](?:[-a-z0-9]{0,13}[a-z0-9])?", fullmatch=True)
projects = st.from_regex(r"[a-z][-a-z0-9]{4,28}[a-z0-9]", fullmatch=True)
buckets = st.from_regex(r"[a-z0-9][-_a-z0-9]{1,30}[a-z0-9]", fullmatch=True)
# The private-use ranges a subnet may take (RFC 1918, RFC 6598), written here apart from the validation code.
PRIVATE_RANGES = [ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")]


def ranges(prefix: int) -> st.SearchStrategy[str]:
    """Ranges of one prefix length anywhere inside the private-use ranges."""
    return st.sampled_from(PRIVATE_RANGES).flatmap(lambda base: st.integers(0, 2 ** (prefix - base.prefixlen) - 1).map(
        lambda i: str(ipaddress.IPv4Network((int(base.network_address) + (i << (32 - prefix)), prefix)))))


subnets = ranges(28)
# Direct VPC egress: a /22 holds 2 addresses for each of the at most 300 instances generated below.
direct_subnets = ranges(22)
service_names = st.from_regex(r"[a-z](?:[-a-z0-9]{0,10}[a-z0-9])?", fullmatch=True)
images = st.sampled_from(["nginx", "asia.gcr.io/my-gcp-project/app:1.0.0", "ghcr.io/acme/app:latest",
                          "europe-docker.pkg.dev/p/repo/app@sha256:" + "a" * 64])


def optional(table: dict[str, Any], draw: Any, key: str, strategy: st.SearchStrategy[Any]) -> None:
    """Set ``table[key]`` from ``strategy`` half of the time (left out otherwise: the default applies)."""
    if draw(st.booleans()):
        table[key] = draw(strategy)


@st.composite
def services(draw: Any) -> list[dict[str, Any]]:
    found = []
    for name in draw(st.lists(service_names, max_size=3, unique=True)):
        service: dict[str, Any] = {"name": name, "image": draw(images)}
        optional(service, draw, "allow_unauthenticated", st.booleans())
        optional(service, draw, "deletion_protection", st.booleans())
        optional(service, draw, "ingress", st.sampled_from(["INGRESS_TRAFFIC_ALL", "INGRESS_TRAFFIC_INTERNAL_ONLY",
                                                            "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"]))
        optional(service, draw, "service_account", st.sampled_from([
            "app-runner@my-gcp-project.iam.gserviceaccount.com", "123456789-compute@developer.gserviceaccount.com",
            "runner-1@my-project.example.com.iam.gserviceaccount.com"]))  # a domain-scoped project's account
        # Cloud Run's CPU and memory pairs (its docs' tables, restated here): either may be left out (1 CPU, 512Mi).
        limits = draw(st.sampled_from([{}, {"cpu": "1"}, {"cpu": "2"}, {"cpu": "500m"}, {"memory": "512Mi"},
                                       {"memory": "2Gi"}, {"cpu": "0.08", "memory": "128Mi"},
                                       {"cpu": "500m", "memory": "1Gi"}, {"cpu": "4", "memory": "2Gi"},
                                       {"cpu": "8", "memory": "32Gi"}, {"cpu": "6", "memory": "16Gi"}]))
        service.update(limits)
        optional(service, draw, "port", st.integers(1, 65535))
        optional(service, draw, "labels", st.dictionaries(st.from_regex(r"[a-z][-_a-z0-9]{0,8}", fullmatch=True),
                                                          st.from_regex(r"[-_a-z0-9]{0,8}", fullmatch=True),
                                                          max_size=2))
        # Env values are free text: anything but a cdktf token marker (tests/test_strings_are_data.py).
        optional(service, draw, "env", st.dictionaries(
            st.from_regex(r"[A-Z_][A-Z0-9_]{0,8}", fullmatch=True).filter(
                lambda k: k not in ("PORT", "K_SERVICE", "K_REVISION", "K_CONFIGURATION")
                and not k.startswith("X_GOOGLE_")),
            st.text(max_size=10).filter(lambda v: "TfToken[" not in v), max_size=2))
        if draw(st.booleans()):
            low = draw(st.integers(0, 10))
            service.update(min_instances=low, max_instances=draw(st.integers(max(low, 1), 50)))
        found.append(service)
    return found


# -- the oracle: the contract's arithmetic restated from the README, apart from constructs_lib ------------------

PORTS_PER_IP = 64_512


def oracle_pool(doc: dict[str, Any]) -> list[str]:
    return stated_address_names(doc) + list(doc.get("egress", {}).get("existing_ips", []))


def oracle_active(doc: dict[str, Any]) -> list[str]:
    draining = doc.get("egress", {}).get("draining_ips", [])
    return [n for n in oracle_pool(doc) if n not in draining]


def oracle_endpoints(doc: dict[str, Any]) -> int:
    """What sends traffic through the NAT: connector VMs, or the services' max instances (100 when left out)."""
    if doc.get("egress", {}).get("mode") == "direct":
        return sum(s.get("max_instances", 100) for s in doc.get("services", []))
    return doc.get("connector", {}).get("max_instances", 10)


def oracle_capacity_floor(doc: dict[str, Any]) -> int:
    """Connections to one destination the chain surely holds: endpoints × their reserved ports, capped by the pool."""
    nat = doc.get("nat", {})
    ports = nat.get("min_ports_per_vm", 32 if nat.get("dynamic_port_allocation") else 64)
    return min(oracle_endpoints(doc) * ports, len(oracle_active(doc)) * PORTS_PER_IP)


names_of = lambda prefix: st.from_regex(rf"{prefix}-[a-z0-9]{{1,8}}", fullmatch=True)  # noqa: E731


@st.composite
def pools(draw: Any) -> dict[str, Any]:
    """The [egress] pool keys: a count or names, adopted, draining (one stays active) and standby addresses."""
    egress: dict[str, Any] = {}
    existing = draw(st.lists(names_of("adopt"), max_size=3, unique=True))
    if existing:
        egress["existing_ips"] = existing
    if draw(st.booleans()):
        egress["static_ip_names"] = draw(st.lists(names_of("ip"), min_size=0 if existing else 1, max_size=5,
                                                  unique=True))
    else:
        optional(egress, draw, "static_ip_count", st.integers(0 if existing else 1, 50 - len(existing)))
    return egress


@st.composite
def states(draw: Any) -> dict[str, Any]:
    tags = st.lists(st.from_regex(r"[-_:A-Za-z0-9]{1,20}", fullmatch=True), min_size=1, max_size=3, unique=True)
    return draw(st.one_of(
        st.just({"backend": "local"}),
        st.builds(lambda b: {"bucket": b}, buckets),
        st.builds(lambda b, p: {"bucket": b, "prefix": p}, buckets,
                  st.from_regex(r"[a-z0-9_-][a-z0-9._-]{0,10}(?:/[a-z0-9_-][a-z0-9._-]{0,10}){0,3}/?", fullmatch=True)),
        st.builds(lambda o, w: {"backend": "cloud", "organization": o, "workspace": w},
                  st.from_regex(r"[-_A-Za-z0-9]{1,20}", fullmatch=True),
                  st.from_regex(r"[-_A-Za-z0-9]{1,90}", fullmatch=True)),
        st.builds(lambda o, t, h: {"backend": "cloud", "organization": o, "workspace_tags": t, **h},
                  st.from_regex(r"[-_A-Za-z0-9]{1,20}", fullmatch=True), tags,
                  st.sampled_from([{}, {"hostname": "tfe.example.com"}, {"hostname": "tfe.example.com:8443"}])),
    ))


@st.composite
def nats(draw: Any, *, direct: bool) -> dict[str, Any]:
    """[nat]: static or dynamic port allocation, with ports every endpoint can reserve from one IP (at most 310
    endpoints in direct mode, 10 connector VMs otherwise), timeouts and logging."""
    nat: dict[str, Any] = {}
    if draw(st.booleans()):
        nat["dynamic_port_allocation"] = True
        low = draw(st.sampled_from([32, 64, 128] if direct else [32, 64, 128, 1024, 4096]))
        if draw(st.booleans()):
            nat["min_ports_per_vm"] = low
        optional(nat, draw, "max_ports_per_vm", st.sampled_from([p for p in (256, 4096, 65536) if p > low]))
        optional(nat, draw, "endpoint_independent_mapping", st.just(False))
    else:
        optional(nat, draw, "dynamic_port_allocation", st.just(False))
        optional(nat, draw, "min_ports_per_vm", st.integers(2, 128 if direct else 4096))
        optional(nat, draw, "endpoint_independent_mapping", st.booleans())
    for key in ("udp_idle_timeout_sec", "icmp_idle_timeout_sec", "tcp_established_idle_timeout_sec",
                "tcp_transitory_idle_timeout_sec", "tcp_time_wait_timeout_sec"):
        optional(nat, draw, key, st.integers(1, 2**31 - 1))
    optional(nat, draw, "log_filter", st.sampled_from(["ERRORS_ONLY", "TRANSLATIONS_ONLY", "ALL"]))
    return nat


@st.composite
def environments(draw: Any) -> dict[str, Any]:
    """A valid environment document over the whole contract, every optional key either given or left out."""
    doc: dict[str, Any] = {"project": draw(projects), "region": draw(st.sampled_from(REGIONS))}
    optional(doc, draw, "name", names)
    doc["state"] = draw(states())
    # connector mode; direct mode on one subnet; a move (the connector's /28 beside a direct subnet); its end.
    shape = draw(st.sampled_from(["connector", "direct", "moving", "moved"]))
    direct = shape != "connector"
    network: dict[str, Any] = {
        "connector": lambda: {"subnet_cidr": draw(subnets)},
        "direct": lambda: {"subnet_cidr": draw(direct_subnets)},
        # Drawn from different private ranges, so the two never overlap.
        "moving": lambda: {"subnet_cidr": str(ipaddress.IPv4Network((0x0A000000 + draw(st.integers(0, 2**20 - 1))
                                                                     * 16, 28))),
                           "direct_subnet_cidr": str(ipaddress.IPv4Network((0xAC100000 + draw(st.integers(0, 1023))
                                                                            * 1024, 22)))},
        "moved": lambda: {"direct_subnet_cidr": draw(direct_subnets)},
    }[shape]()
    optional(network, draw, "vpc", names)
    # An auto-mode network keeps 10.128.0.0/9 for its regional subnets (config/auto_mode.py): a file with a
    # range there says its network is custom mode; any other file may say either.
    ranges = [ipaddress.IPv4Network(network[k]) for k in ("subnet_cidr", "direct_subnet_cidr") if k in network]
    if any(r.overlaps(AUTO_MODE_BLOCK) for r in ranges):
        network["auto_mode"] = False
    else:
        optional(network, draw, "auto_mode", st.booleans())
    optional(network, draw, "host_project", projects)
    optional(network, draw, "private_ip_google_access", st.booleans())
    if draw(st.booleans()):
        network["flow_logs"] = False
    else:
        optional(network, draw, "flow_logs_aggregation_interval",
                 st.sampled_from(["INTERVAL_5_SEC", "INTERVAL_1_MIN", "INTERVAL_15_MIN"]))
        optional(network, draw, "flow_logs_sampling", st.floats(0.01, 1.0))
    doc["network"] = network
    egress = draw(pools())
    if direct:
        egress["mode"] = "direct"
    pool = oracle_pool({**doc, "egress": egress})
    if pool and draw(st.booleans()):
        egress["draining_ips"] = draw(st.lists(st.sampled_from(pool), max_size=len(pool) - 1, unique=True))
    optional(egress, draw, "standby_ips", st.lists(names_of("standby"), min_size=1, max_size=2, unique=True))
    if egress:
        doc["egress"] = egress
    if shape in ("connector", "moving") and draw(st.booleans()):
        low = draw(st.integers(2, 9))
        doc["connector"] = {"min_instances": low, "max_instances": draw(st.integers(low + 1, 10)),
                            "machine_type": draw(st.sampled_from(["f1-micro", "e2-micro", "e2-standard-4"]))}
    nat = draw(nats(direct=direct))
    if nat:
        doc["nat"] = nat
    doc["services"] = draw(services())
    floor = oracle_capacity_floor(doc)
    if floor >= 1 and draw(st.booleans()):
        doc["capacity"] = {"peak_connections_per_destination": draw(st.integers(1, floor))}
    return doc


# -- invalid files: one key of a valid file made wrong -----------------------------------------------------------

wrong_for_strings = st.one_of(st.integers(), st.booleans(), st.lists(st.integers(), max_size=2))
wrong_for_numbers = st.one_of(st.text(max_size=5), st.booleans(), st.lists(st.text(max_size=3), max_size=2))
wrong_for_bools = st.one_of(st.text(max_size=5), st.integers())

# Each key with values that are never valid for it.
BREAKERS: dict[str, st.SearchStrategy[Any]] = {
    "project": st.one_of(wrong_for_strings, st.from_regex(r"[A-Z_]{1,10}", fullmatch=True)),
    "region": st.one_of(wrong_for_strings, st.just("Asia Northeast3")),
    "name": st.one_of(wrong_for_strings, st.from_regex(r"[a-z]{16,30}", fullmatch=True)),
    # Never valid in either mode: a connector wants a /28, Direct VPC egress a /26 or larger.
    "network.subnet_cidr": st.one_of(wrong_for_strings, st.integers(29, 32).map(lambda p: f"10.0.0.0/{p}"),
                                     st.just("10.0.0.1/28"), st.just("fd00::/28"),
                                     st.from_regex(r"[a-z ]{0,12}", fullmatch=True)),
    "network.flow_logs_sampling": st.one_of(wrong_for_numbers, st.floats(1.01, 10), st.floats(-10, 0)),
    "network.private_ip_google_access": wrong_for_bools,
    # 0 is not here: it is valid with existing_ips, which environments() may draw.
    "egress.static_ip_count": st.one_of(wrong_for_numbers, st.integers(51, 10**6), st.integers(-10, -1)),
    "connector.machine_type": st.one_of(wrong_for_strings, st.just("n1-standard-1")),
    "nat.log_filter": st.one_of(wrong_for_strings, st.just("NONE")),
    "nat.min_ports_per_vm": st.one_of(wrong_for_numbers, st.integers(65537, 10**7)),
    "services[0].image": st.one_of(wrong_for_strings, st.just("UPPER/app"), st.just("")),
    "services[0].allow_unauthenticated": wrong_for_bools,
    "services[0].port": st.one_of(wrong_for_numbers, st.integers(65536, 10**6)),
    "egress.mode": st.one_of(wrong_for_strings, st.just("vpn")),
}


@st.composite
def broken_environments(draw: Any) -> tuple[dict[str, Any], str]:
    """A valid document with one key given a value that is never valid; returns it and that key."""
    doc = draw(environments())
    key = draw(st.sampled_from(sorted(BREAKERS)))
    value = draw(BREAKERS[key])
    if key.startswith("services[0]."):
        if not doc["services"]:
            doc["services"] = [{"name": "api", "image": "nginx"}]
        doc["services"][0][key.split(".", 1)[1]] = value
        key = f'{service_path(doc["services"][0], 0)}.{key.split(".", 1)[1]}'  # a service is named by its name
    elif "." in key:
        table, field = key.split(".")
        doc.setdefault(table, {})[field] = value
        if key == "network.flow_logs_sampling":
            doc["network"].pop("flow_logs", None)
    else:
        doc[key] = value
    return doc, key


# A valid document the traps below change one key of.
BASE_TRAP: dict[str, Any] = {"project": "my-gcp-project", "region": "asia-northeast3", "state": {"bucket": "b-1"},
                             "network": {"subnet_cidr": "10.124.0.0/28"}, "services": []}


# -- invalid files: keys valid one by one, wrong together -------------------------------------------------------
# Each breaker makes one rule across keys fail on a valid document and returns the key that rule must name, or
# None where it does not apply. Written from the documented rules, not from config/rules.py: a rule dropped from
# the validation leaves its breaker's documents accepted, and the tests below fail.

def _egress(doc: dict[str, Any]) -> dict[str, Any]:
    return doc.setdefault("egress", {})


def _connector_max_not_above_min(doc: dict[str, Any], draw: Any) -> str | None:
    if doc.get("egress", {}).get("mode") == "direct":
        return None
    low = draw(st.integers(3, 9))
    doc["connector"] = {"min_instances": low, "max_instances": draw(st.integers(3, low))}
    return "connector.max_instances"


def _service_max_below_min(doc: dict[str, Any], draw: Any) -> str | None:
    low = draw(st.integers(2, 1000))
    doc["services"].append({"name": "broken-scaling-x", "image": "nginx", "min_instances": low,
                            "max_instances": draw(st.integers(1, low - 1))})
    return "services[broken-scaling-x].max_instances"  # a service is named by its name


def _every_address_draining(doc: dict[str, Any], draw: Any) -> str | None:
    pool = oracle_pool(doc)
    if not pool:
        return None
    _egress(doc)["draining_ips"] = pool
    return "egress.draining_ips"


def _draining_outside_the_pool(doc: dict[str, Any], draw: Any) -> str | None:
    draining = _egress(doc).setdefault("draining_ips", [])
    draining.append("gone-ip")
    return f"egress.draining_ips[{len(draining) - 1}]"


def _standby_in_the_pool(doc: dict[str, Any], draw: Any) -> str | None:
    pool = oracle_pool(doc)
    if not pool:
        return None
    standby = _egress(doc).setdefault("standby_ips", [])
    standby.append(draw(st.sampled_from(pool)))
    return f"egress.standby_ips[{len(standby) - 1}]"


def _adopting_a_created_address(doc: dict[str, Any], draw: Any) -> str | None:
    created = stated_address_names(doc)
    if not created:
        return None
    existing = _egress(doc).setdefault("existing_ips", [])
    existing.append(draw(st.sampled_from(created)))
    return f"egress.existing_ips[{len(existing) - 1}]"


def _count_and_names(doc: dict[str, Any], draw: Any) -> str | None:
    egress = _egress(doc)
    egress.pop("static_ip_count", None)
    egress.update(static_ip_count=1, static_ip_names=["ip-both"])
    return "egress.static_ip_names"


def _max_ports_without_dynamic(doc: dict[str, Any], draw: Any) -> str | None:
    nat = doc.setdefault("nat", {})
    if nat.get("dynamic_port_allocation"):
        return None
    nat["max_ports_per_vm"] = draw(st.sampled_from([4096, 65536]))
    return "nat.max_ports_per_vm"


def _mapping_with_dynamic_ports(doc: dict[str, Any], draw: Any) -> str | None:
    doc["nat"] = {"dynamic_port_allocation": True, "endpoint_independent_mapping": True}
    return "nat.endpoint_independent_mapping"


def _dynamic_min_ports_not_a_power_of_two(doc: dict[str, Any], draw: Any) -> str | None:
    doc["nat"] = {"dynamic_port_allocation": True, "min_ports_per_vm": draw(st.sampled_from([33, 48, 100, 16]))}
    return "nat.min_ports_per_vm"


def _overlapping_direct_subnet(doc: dict[str, Any], draw: Any) -> str | None:
    _egress(doc)["mode"] = "direct"
    doc["network"].update(subnet_cidr="10.124.0.0/28", direct_subnet_cidr="10.124.0.0/22")
    doc.pop("capacity", None)
    return "network.direct_subnet_cidr"


def _connector_table_without_a_connector(doc: dict[str, Any], draw: Any) -> str | None:
    _egress(doc)["mode"] = "direct"
    doc["network"].pop("subnet_cidr", None)
    doc["network"]["direct_subnet_cidr"] = "172.16.0.0/20"
    doc["connector"] = {"machine_type": "e2-micro"}
    return "connector"


def _flow_log_settings_with_flow_logs_off(doc: dict[str, Any], draw: Any) -> str | None:
    doc["network"].update(flow_logs=False, flow_logs_sampling=0.5)
    return "network.flow_logs_sampling"


def _prefix_with_local_state(doc: dict[str, Any], draw: Any) -> str | None:
    doc["state"] = {"backend": "local", "prefix": "a/b"}
    return "state.prefix"


def _peak_above_the_pool(doc: dict[str, Any], draw: Any) -> str | None:
    # The pool's ports cap what any setting holds: one more connection than that never fits.
    doc["capacity"] = {"peak_connections_per_destination": len(oracle_active(doc)) * PORTS_PER_IP + 1}
    return "capacity.peak_connections_per_destination"


def _connector_subnet_not_28_during_a_move(doc: dict[str, Any], draw: Any) -> str | None:
    _egress(doc)["mode"] = "direct"
    doc["network"].update(subnet_cidr="10.124.0.0/24", direct_subnet_cidr="172.16.0.0/22")
    doc.pop("capacity", None)
    return "network.subnet_cidr"


def _range_inside_an_auto_mode_network(doc: dict[str, Any], draw: Any) -> str | None:
    network = doc["network"]
    if "direct_subnet_cidr" in network or _egress(doc).get("mode") == "direct":
        return None
    network["auto_mode"] = True
    network["subnet_cidr"] = draw(st.sampled_from(["10.128.0.0/28", "10.178.0.16/28", "10.255.255.240/28"]))
    return "network.subnet_cidr"


CROSS_KEY_BREAKERS = {f.__name__.lstrip("_"): f for f in (
    _connector_max_not_above_min, _service_max_below_min, _every_address_draining, _draining_outside_the_pool,
    _standby_in_the_pool, _adopting_a_created_address, _count_and_names, _max_ports_without_dynamic,
    _mapping_with_dynamic_ports, _dynamic_min_ports_not_a_power_of_two, _overlapping_direct_subnet,
    _connector_table_without_a_connector, _flow_log_settings_with_flow_logs_off, _prefix_with_local_state,
    _peak_above_the_pool, _connector_subnet_not_28_during_a_move, _range_inside_an_auto_mode_network,
)}


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8)),
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children,
                                                                                 max_size=3)),
    max_leaves=12,
)
arbitrary_documents = st.dictionaries(
    st.sampled_from(["project", "region", "name", "state", "network", "egress", "connector", "nat", "services",
                     "bootstrap", "other"]),
    json_values, max_size=6)


# -- properties -------------------------------------------------------------------------------------------------


def assert_documented_problems(err: ConfigError, source: str) -> None:
    assert err.problems
    for problem in err.problems:
        assert problem.source == source
        assert problem.key and problem.expected and problem.given
        # The documented format, on one line whatever the file holds (``one_line`` escapes what is not printable).
        assert str(problem) == one_line(f"{source}: {problem.key}: expected {problem.expected}, got {problem.given}")
        assert str(problem).isprintable()


@settings(max_examples=150, deadline=None)
@given(environments())
def test_generated_valid_files_are_accepted(doc):
    cfg = parse_environment(doc, stack="generated", source="generated.toml")
    assert isinstance(cfg, EnvironmentConfig)
    assert cfg.network.subnet_cidr == doc["network"].get("subnet_cidr")
    assert cfg.network.direct_subnet_cidr == doc["network"].get("direct_subnet_cidr")
    assert cfg.network.auto_mode == doc["network"].get("auto_mode", doc["network"].get("vpc", "default") == "default")
    assert [s.name for s in cfg.services] == [s["name"] for s in doc["services"]]
    # The oracle's view of the pool is the configuration's.
    assert list(cfg.address_names) == stated_address_names(doc)
    assert list(cfg.active_ip_names) == oracle_active(doc)
    assert cfg.state.backend == doc["state"].get("backend", "gcs")


@settings(max_examples=200, deadline=None)
@given(broken_environments())
def test_a_broken_key_is_rejected_and_named_in_the_documented_format(case):
    doc, key = case
    try:
        parse_environment(doc, stack="generated", source="generated.toml")
    except ConfigError as err:
        assert_documented_problems(err, "generated.toml")
        assert key in [p.key for p in err.problems]
    else:
        raise AssertionError(f"{key} = {doc} was accepted")


@settings(max_examples=200, deadline=None)
@given(arbitrary_documents)
def test_any_document_is_accepted_or_rejected_without_another_exception(doc):
    for parse in (parse_environment, parse_bootstrap):
        try:
            parse(doc, stack="generated", source="generated.toml")
        except ConfigError as err:
            assert_documented_problems(err, "generated.toml")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(broken_environments())
def test_an_invalid_file_through_main_lists_its_problems_and_writes_nothing(case):
    doc, _ = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "generated.toml"
        path.write_text(to_toml(doc), encoding="utf-8")
        out = Path(tmp) / "out"
        stderr = io.StringIO()
        assert run(str(path), stderr=stderr, outdir=str(out)) == 1
        lines = stderr.getvalue().splitlines()
        assert re.fullmatch(r"error: \d+ problems? in the environment configuration:", lines[0])
        assert lines[1:] and all(PROBLEM_LINE.match(line) for line in lines[1:]), lines
        assert not out.exists()


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(environments())
def test_a_valid_file_through_main_synthesizes_one_stack_that_passes_the_policies(doc):
    from constructs_lib.policies import findings
    from constructs_lib.policies.document import StackDocument

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "generated.toml"
        path.write_text(to_toml(doc), encoding="utf-8")
        out = Path(tmp) / "out"
        stderr = io.StringIO()
        assert run(str(path), stderr=stderr, outdir=str(out)) == 0, stderr.getvalue()
        assert sorted(p.name for p in (out / "stacks").iterdir()) == ["generated"]
        assert findings(StackDocument.from_file(out / "stacks" / "generated" / "cdk.tf.json")) == []


@pytest.mark.parametrize("breaker", sorted(CROSS_KEY_BREAKERS))
# A breaker skips the files it cannot break (assume): range_inside_an_auto_mode_network skips every direct-mode
# file, half of them, which the derandomized profile's fixed stream can push past the filter health check.
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(data=st.data())
def test_a_rule_across_keys_is_enforced_on_any_valid_file(breaker, data):
    doc = data.draw(environments())
    key = CROSS_KEY_BREAKERS[breaker](doc, data.draw)
    assume(key is not None)
    try:
        parse_environment(doc, stack="generated", source="generated.toml")
    except ConfigError as err:
        assert_documented_problems(err, "generated.toml")
        assert key in [p.key for p in err.problems], (
            key, [str(p) for p in err.problems])
    else:
        raise AssertionError(f"{breaker}: {doc} was accepted")


# Traps an audit or an incident found, always tried first (the key each must be rejected at).
@settings(max_examples=30, deadline=None)
@example(({**BASE_TRAP, "region": "asia-northeast3\n"}, "region"))
@example(({**BASE_TRAP, "network": {"subnet_cidr": "10.124.0.0/255.255.255.240"}}, "network.subnet_cidr"))
@example(({**BASE_TRAP, "network": {"subnet_cidr": "0.0.0.0/28"}}, "network.subnet_cidr"))
@example(({**BASE_TRAP, "egress": {"mode": "direct"}, "network": {"subnet_cidr": "240.0.0.0/4"}}, "network.subnet_cidr"))
@example(({**BASE_TRAP, "state": {"bucket": "b-1", "prefix": "a\n## Policy results"}}, "state.prefix"))
@example(({**BASE_TRAP, "services": [{"name": "api", "image": "nginx", "env": {"PORT": "1"}}]}, "services[api].env.PORT"))
@example(({**BASE_TRAP, "services": [{"name": "api", "image": "nginx", "env": {"X": "${TfToken[TOKEN.1]}"}}]},
          "services[api].env.X"))
@example(({**BASE_TRAP, "services": [{"name": "api", "image": "nginx", "cpu": "4"}]}, "services[api].memory"))
@example(({**BASE_TRAP, "region": "asia-northeast9"}, "region"))
@example(({**BASE_TRAP, "state": {"bucket": "a" * 64}}, "state.bucket"))
@given(broken_environments())
def test_known_traps_and_broken_keys_are_rejected(case):
    doc, key = case
    with pytest.raises(ConfigError) as err:
        parse_environment(doc, stack="generated", source="generated.toml")
    assert_documented_problems(err.value, "generated.toml")
    assert key in [p.key for p in err.value.problems]
