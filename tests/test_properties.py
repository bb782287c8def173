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
import math
import re
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from constructs_lib.app import run
from constructs_lib.bootstrap_config import parse_bootstrap
from constructs_lib.config import ConfigError, EnvironmentConfig, parse_environment

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
images = st.sampled_from(["nginx", "asia.gcr.io/my-gcp-project/app:1.0.0", "localhost:5000/app:latest",
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
        optional(service, draw, "ingress", st.sampled_from(["INGRESS_TRAFFIC_ALL", "INGRESS_TRAFFIC_INTERNAL_ONLY"]))
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
        optional(service, draw, "env", st.dictionaries(st.from_regex(r"[A-Z_][A-Z0-9_]{0,8}", fullmatch=True),
                                                       st.text(max_size=10), max_size=2))
        if draw(st.booleans()):
            low = draw(st.integers(0, 10))
            service.update(min_instances=low, max_instances=draw(st.integers(max(low, 1), 50)))
        found.append(service)
    return found


@st.composite
def environments(draw: Any) -> dict[str, Any]:
    """A valid environment document, with every optional key either given or left to its default."""
    doc: dict[str, Any] = {"project": draw(projects), "region": draw(st.sampled_from(REGIONS))}
    optional(doc, draw, "name", names)
    doc["state"] = draw(st.one_of(st.just({"backend": "local"}),
                                  st.builds(lambda b: {"bucket": b}, buckets),
                                  st.builds(lambda b: {"bucket": b, "prefix": "teams/a"}, buckets)))
    direct = draw(st.booleans())
    network: dict[str, Any] = {"subnet_cidr": draw(direct_subnets if direct else subnets)}
    optional(network, draw, "vpc", names)
    optional(network, draw, "host_project", projects)
    optional(network, draw, "private_ip_google_access", st.booleans())
    if draw(st.booleans()):
        network["flow_logs"] = False
    else:
        optional(network, draw, "flow_logs_aggregation_interval",
                 st.sampled_from(["INTERVAL_5_SEC", "INTERVAL_1_MIN", "INTERVAL_15_MIN"]))
        optional(network, draw, "flow_logs_sampling", st.floats(0.01, 1.0))
    doc["network"] = network
    egress: dict[str, Any] = {"mode": "direct"} if direct else {}
    optional(egress, draw, "static_ip_count", st.integers(1, 50))
    if egress:
        doc["egress"] = egress
    if not direct and draw(st.booleans()):
        low = draw(st.integers(2, 9))
        doc["connector"] = {"min_instances": low, "max_instances": draw(st.integers(low + 1, 10)),
                            "machine_type": draw(st.sampled_from(["f1-micro", "e2-micro", "e2-standard-4"]))}
    nat: dict[str, Any] = {}
    # Ports every endpoint can reserve from one IP: 10 connector VMs, or up to 300 Cloud Run instances.
    optional(nat, draw, "min_ports_per_vm", st.integers(2, 128 if direct else 4096))
    optional(nat, draw, "log_filter", st.sampled_from(["ERRORS_ONLY", "TRANSLATIONS_ONLY", "ALL"]))
    if nat:
        doc["nat"] = nat
    doc["services"] = draw(services())
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
    "egress.static_ip_count": st.one_of(wrong_for_numbers, st.integers(51, 10**6), st.integers(-10, 0)),
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
    elif "." in key:
        table, field = key.split(".")
        doc.setdefault(table, {})[field] = value
        if key == "network.flow_logs_sampling":
            doc["network"].pop("flow_logs", None)
    else:
        doc[key] = value
    return doc, key


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


# -- TOML ----------------------------------------------------------------------------------------------------------


def _string(text: str) -> str:
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ch == "\x7f":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        assert math.isfinite(value)
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{_string(k)} = {_value(v)}" for k, v in value.items()) + "}"


def to_toml(doc: dict[str, Any]) -> str:
    """A TOML file for a generated document: scalars, then [tables], then [[services]]."""
    lines = [f"{_string(k)} = {_value(v)}" for k, v in doc.items() if not isinstance(v, dict) and k != "services"]
    for key, table in doc.items():
        if isinstance(table, dict):
            lines += [f"[{_string(key)}]", *(f"{_string(k)} = {_value(v)}" for k, v in table.items())]
    services_value = doc.get("services", [])
    if isinstance(services_value, list) and all(isinstance(s, dict) for s in services_value):
        for service in services_value:
            lines += ["[[services]]", *(f"{_string(k)} = {_value(v)}" for k, v in service.items())]
    elif "services" in doc:
        lines.insert(0, f"services = {_value(services_value)}")
    return "\n".join(lines) + "\n"


# -- properties -------------------------------------------------------------------------------------------------


def assert_documented_problems(err: ConfigError, source: str) -> None:
    assert err.problems
    for problem in err.problems:
        assert problem.source == source
        assert problem.key and problem.expected and problem.given
        assert str(problem) == f"{source}: {problem.key}: expected {problem.expected}, got {problem.given}"


@settings(max_examples=150, deadline=None)
@given(environments())
def test_generated_valid_files_are_accepted(doc):
    cfg = parse_environment(doc, stack="generated", source="generated.toml")
    assert isinstance(cfg, EnvironmentConfig)
    assert cfg.network.subnet_cidr == doc["network"]["subnet_cidr"]
    assert [s.name for s in cfg.services] == [s["name"] for s in doc["services"]]


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
    from constructs_lib.synthesized import StackDocument

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "generated.toml"
        path.write_text(to_toml(doc), encoding="utf-8")
        out = Path(tmp) / "out"
        stderr = io.StringIO()
        assert run(str(path), stderr=stderr, outdir=str(out)) == 0, stderr.getvalue()
        assert sorted(p.name for p in (out / "stacks").iterdir()) == ["generated"]
        assert findings(StackDocument.from_file(out / "stacks" / "generated" / "cdk.tf.json")) == []
