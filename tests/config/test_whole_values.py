"""Each rule checks the whole value: no trailing newline slips past a pattern, ranges are what GCP shows,
subnets are private-use, and the state prefix is a plain object path. Validation only, no synth."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from constructs_lib.config.bootstrap import parse_bootstrap
from constructs_lib.config import ConfigError, parse_environment
from tests.support.environments import BASE, config, one_problem

SERVICE = {"name": "api", "image": "nginx"}

# (where the value goes, a valid value): each is given with a trailing newline below.
VALIDATED_STRINGS = [
    ("project", "my-gcp-project"),
    ("project", "example.com:my-project"),
    ("region", "asia-northeast3"),
    ("name", "edge"),
    ("state.bucket", "my-tfstate"),
    ("state.prefix", "teams/a"),
    ("network.vpc", "default"),
    ("network.host_project", "host-project"),
    ("network.subnet_cidr", "10.124.0.0/28"),
    ("egress.static_ip_names[0]", "edge-ip"),
    ("services[0].name", "api"),
    ("services[0].image", "nginx"),
    ("services[0].service_account", "app-runner@my-gcp-project.iam.gserviceaccount.com"),
    ("services[0].cpu", "1"),
    ("services[0].memory", "512Mi"),
    ("services[0].labels.team", "payments"),
]


def put(doc: dict[str, Any], where: str, value: Any) -> None:
    """Set ``where`` (``a.b``, ``a.b[0]``, ``services[0].c.d``) in a document, creating tables on the way."""
    if where.startswith("services[0]."):
        target: Any = doc["services"][0]
        parts = where.split(".")[1:]
    else:
        target, parts = doc, where.split(".")
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    last = parts[-1]
    if last.endswith("[0]"):
        target[last[:-3]] = [value]
    else:
        target[last] = value


@pytest.mark.parametrize(("where", "value"), VALIDATED_STRINGS, ids=[f"{w}={v}" for w, v in VALIDATED_STRINGS])
def test_a_valid_value_is_accepted_and_the_same_value_with_a_trailing_newline_is_not(where, value):
    doc = copy.deepcopy(BASE)
    doc["services"] = [dict(SERVICE)]
    put(doc, where, value)
    parse_environment(doc, stack="test", source="test.toml")
    put(doc, where, value + "\n")
    with pytest.raises(ConfigError) as err:
        parse_environment(doc, stack="test", source="test.toml")
    keys = [p.key for p in err.value.problems]
    # A service is named by its name in problem lines, by its position while its name is what is wrong.
    named = where if where == "services[0].name" else where.replace("services[0].", "services[api].")
    assert named in keys and all(k.startswith(where.split("[")[0]) for k in keys), keys
    assert err.value.problems[0].given.endswith('\\n"')


@pytest.mark.parametrize("key, shown", [("TEAM\n", '"TEAM\\n"'), ("PORT_\n", '"PORT_\\n"')])
def test_an_env_name_with_a_trailing_newline_is_rejected(key, shown):
    assert one_problem(services=[{**SERVICE, "env": {key: "x"}}]) == (
        f"test.toml: services[api].env.{shown}: expected an environment variable name ([A-Za-z_][A-Za-z0-9_]*), "
        f"got the key {shown}")


def test_a_label_key_with_a_trailing_newline_is_rejected():
    assert one_problem(services=[{**SERVICE, "labels": {"team\n": "x"}}]) == (
        'test.toml: services[api].labels."team\\n": expected a label key (lowercase letters, digits, - and _, '
        'starting with a letter, at most 63 characters), got the key "team\\n"')


@pytest.mark.parametrize(("key", "value", "line"), [
    ("bucket", "my-tfstate\n", 'state.toml: bootstrap.bucket: expected a GCS bucket name (3-222 characters: '
                               'lowercase letters, digits, -, _ and .), got "my-tfstate\\n"'),
    ("location", "EU\n", 'state.toml: bootstrap.location: expected a bucket location: a region such as '
                         '"ASIA-NORTHEAST3", a multi-region (ASIA, EU, US) or a dual-region such as "NAM4" (Cloud '
                         'Storage, "Bucket locations"); the closest are EU, EUR8, EUR7, got "EU\\n"'),
])
def test_a_bootstrap_value_with_a_trailing_newline_is_rejected(key, value, line):
    table = {"project": "my-gcp-project", "bucket": "my-tfstate", "location": "EU", key: value}
    with pytest.raises(ConfigError) as err:
        parse_bootstrap({"bootstrap": table}, stack="state", source="state.toml")
    assert [str(p) for p in err.value.problems] == [line]


# -- ranges ----------------------------------------------------------------------------------------------------

def test_fails_when_a_range_is_written_with_a_netmask():
    assert one_problem(network={"subnet_cidr": "10.124.0.0/255.255.255.240"}) == (
        'test.toml: network.subnet_cidr: expected the range written as "10.124.0.0/28" (address/prefix length, '
        'as GCP shows it), got "10.124.0.0/255.255.255.240"')


def test_fails_when_a_range_has_leading_zeros():
    # The end alone ('got "010.124.0.0/28"') is every range rule's: the netmask's, private use's, the /28's.
    assert one_problem(network={"subnet_cidr": "010.124.0.0/28"}) == (
        'test.toml: network.subnet_cidr: expected an IPv4 /28 range with no host bits set, such as "10.124.0.0/28", '
        'got "010.124.0.0/28"')


@pytest.mark.parametrize("cidr", ["0.0.0.0/28", "127.0.0.0/28", "169.254.0.0/28", "224.0.0.0/28", "240.0.0.0/28",
                                  "255.255.255.240/28", "8.8.8.0/28", "192.0.2.0/28", "172.32.0.0/28"])
def test_fails_when_a_connector_subnet_is_not_private_use(cidr):
    assert one_problem(network={"subnet_cidr": cidr}) == (
        "test.toml: network.subnet_cidr: expected a private-use range inside 10.0.0.0/8, 172.16.0.0/12, "
        f'192.168.0.0/16 (RFC 1918) or 100.64.0.0/10 (RFC 6598), got "{cidr}"')


@pytest.mark.parametrize("cidr", ["0.0.0.0/0", "0.0.0.0/8", "224.0.0.0/4", "240.0.0.0/4", "127.0.0.0/8",
                                  "9.0.0.0/8", "10.0.0.0/7"])
def test_fails_when_a_direct_egress_subnet_is_not_private_use(cidr):
    assert one_problem(egress={"mode": "direct"}, network={"subnet_cidr": cidr}) == (
        "test.toml: network.subnet_cidr: expected a private-use range inside 10.0.0.0/8, 172.16.0.0/12, "
        f'192.168.0.0/16 (RFC 1918) or 100.64.0.0/10 (RFC 6598), got "{cidr}"')


def test_fails_when_the_direct_subnet_beside_the_connector_is_not_private_use():
    assert one_problem(egress={"mode": "direct"},
                       network={"subnet_cidr": "10.124.0.0/28", "direct_subnet_cidr": "240.0.0.0/22"}) == (
        "test.toml: network.direct_subnet_cidr: expected a private-use range inside 10.0.0.0/8, 172.16.0.0/12, "
        '192.168.0.0/16 (RFC 1918) or 100.64.0.0/10 (RFC 6598), got "240.0.0.0/22"')


@pytest.mark.parametrize("cidr", ["10.255.255.240/28", "172.16.0.0/28", "172.31.255.240/28", "192.168.0.0/28",
                                  "100.64.0.0/28", "100.127.255.240/28"])
def test_a_subnet_anywhere_in_the_private_use_ranges_is_accepted(cidr):
    # A custom-mode network: on the auto-mode default network, 10.128.0.0/9 is GCP's (test_auto_mode.py).
    assert config(network={"vpc": "custom-net", "subnet_cidr": cidr}).network.subnet_cidr == cidr


# -- state.prefix ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("prefix", ["a/../b", "../x", "x/./y", ".hidden", "a b", "a\nb", "## Policy results",
                                    "a`b", "a|b", "é", "a//b", "/a", "", "/", "a" * 513])
def test_fails_when_the_state_prefix_is_not_a_plain_object_path(prefix):
    shown = '"a\\nb"' if prefix == "a\nb" else f'"{prefix}"'  # a line break escaped, on the problem's line
    assert one_problem(state={"bucket": "my-tfstate", "prefix": prefix}) == (
        "test.toml: state.prefix: expected a non-empty object path inside the bucket, without a leading slash: "
        "segments of letters, digits, ., - and _ (none starting with .) joined by /, at most 512 characters, "
        f"got {shown}")


@pytest.mark.parametrize(("prefix", "kept"), [("teams/a", "teams/a"), ("teams/a/", "teams/a"),
                                               ("env_1/v1.2-x", "env_1/v1.2-x"), ("a" * 512, "a" * 512)])
def test_a_plain_state_prefix_is_accepted(prefix, kept):
    assert config(state={"bucket": "my-tfstate", "prefix": prefix}).state.prefix == kept
