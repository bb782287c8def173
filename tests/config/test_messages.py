"""Problem lines a user can trust: one line whatever a key or value holds, the key of a repeated key named, a
problem under the key that causes it, and no second problem caused by the first."""

from __future__ import annotations

import copy
import re
import tomllib
from pathlib import Path
from typing import Any, Iterator

import pytest

from constructs_lib.config import ConfigError, load_environment, parse_environment
from constructs_lib.facts.text import one_line
from tests.support.environments import environment, one_problem, problems
from tests.support.paths import SHIPPED

IMAGE = "asia.gcr.io/my-gcp-project/app:1.0.0"


@pytest.mark.parametrize("text, shown", [
    ("a\nb", "a\\nb"), ("\x1b[31mred", "\\x1b[31mred"), ("x\u2028y", "x\\u2028y"), ("\x9b2J", "\\x9b2J"),
    ("tab\there", "tab\\there"), ("é 漢 ok", "é 漢 ok"), ("\U000e0041", "\\U000e0041"),
])
def test_one_line_escapes_what_is_not_printable_and_keeps_the_rest(text, shown):
    assert one_line(text) == shown


def test_a_key_with_a_line_break_and_an_escape_code_stays_on_its_problem_line():
    found = problems(**{"nat": {"min_ports\n  - forged.toml: x: expected y, got z\x1b[2J": 64}})
    # The key quoted as TOML quotes it (it holds ": "), its line break and ESC escaped: one key, one line.
    assert found == ['test.toml: nat."min_ports\\n  - forged.toml: x: expected y, got z\\u001b[2J": expected one of the '
                     "known keys (min_ports_per_vm, max_ports_per_vm, dynamic_port_allocation, "
                     "endpoint_independent_mapping, udp_idle_timeout_sec, icmp_idle_timeout_sec, "
                     "tcp_established_idle_timeout_sec, tcp_transitory_idle_timeout_sec, tcp_time_wait_timeout_sec, "
                     "log_filter, rules), got an unknown key"]


def test_a_file_name_with_a_line_break_stays_on_its_problem_line(tmp_path):
    path = tmp_path / "bad\nname.toml"
    path.write_text('project = "x"\n')
    with pytest.raises(ConfigError) as err:
        load_environment(path)
    assert all("\n" not in str(p) and str(p).startswith(f"{tmp_path}/bad\\nname.toml: ") for p in err.value.problems)
    assert len(str(err.value).splitlines()) == 1 + len(err.value.problems)


@pytest.mark.parametrize("text, key, line", [
    ('project = "a"\nregion = "asia-northeast3"\nproject = "b"\n', "project", 3),
    ('[nat]\nmin_ports_per_vm = 64\nmin_ports_per_vm = 128', "nat.min_ports_per_vm", 3),
    ('[nat]\n[egress]\n[nat]\n', "nat", 3),
    ('[[services]]\nname = "a"\n[[services]]\nname = "b"\nname = "c"\n', "services[1].name", 5),
    ('labels = {a = "1", a = "2"}\n', "labels.a", 1),
])
def test_a_key_given_twice_is_named(tmp_path, text, key, line):
    path = tmp_path / "env.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_environment(path)
    assert [str(p) for p in err.value.problems] == [
        f"{path}: {key}: expected a key given once (TOML allows no key twice, nor a table declared twice), got a "
        f"second value at line {line}"]


def test_too_many_static_ip_names_are_reported_under_static_ip_names():
    names = [f"ip-{i}" for i in range(200)]
    assert one_problem(egress={"static_ip_names": names}) == (
        "test.toml: egress.static_ip_names: expected at most 50 address names (the NAT IPs one gateway can use), "
        "got 200")


def test_a_service_with_a_bad_image_is_still_a_service_adopt_may_name():
    found = problems(services=[{"name": "api", "image": "not an image"}], adopt={"services": ["api"]})
    assert found == ['test.toml: services[api].image: expected a container image reference such as '
                     '"asia.gcr.io/my-project/app:1.0.0", got "not an image"']


def test_adopting_a_service_the_file_does_not_declare_is_still_refused():
    assert one_problem(services=[{"name": "api", "image": IMAGE}], adopt={"services": ["web"]}) == (
        'test.toml: adopt.services[0]: expected the name of a [[services]] entry of this file (api), got "web"')


def test_a_name_two_services_give_is_listed_once_among_those_adopt_may_name():
    found = problems(services=[{"name": "api", "image": IMAGE}, {"name": "api", "image": IMAGE}],
                     adopt={"services": ["web"]})
    assert found[-1] == (
        'test.toml: adopt.services[0]: expected the name of a [[services]] entry of this file (api), got "web"')


def test_every_key_of_a_generated_hostile_environment_prints_on_one_line(tmp_path):
    doc = environment(name="x\ny", region="\x1b]0;title\x07", services=[{"name": "a\u2029b", "image": IMAGE}])
    path = Path(tmp_path / "env.toml")
    from rehearsal.tomlfile import dumps

    path.write_text(dumps(doc), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_environment(path)
    lines = str(err.value).splitlines()
    assert len(lines) == 1 + len(err.value.problems) >= 3
    assert all(line.isprintable() for line in lines)


def test_a_bad_key_and_a_cross_key_problem_are_reported_together():
    found = problems(nat={"log_filter": "EVERYTHING"},
                     egress={"static_ip_names": ["a-ip"], "existing_ips": ["a-ip"]})
    assert [line.split(": ")[1] for line in found] == ["nat.log_filter", "egress.existing_ips[0]"]


def test_a_cross_key_rule_reading_a_bad_key_is_not_run_on_a_stand_in_value():
    # egress.static_ip_count is wrong: the pool rules, which read it, say nothing of the default standing in.
    found = problems(egress={"static_ip_count": "two", "existing_ips": ["cloud-run-origin-ip"]})
    assert [line.split(": ")[1] for line in found] == ["egress.static_ip_count"]


@pytest.mark.parametrize("table", ["state", "network", "egress", "connector", "nat", "capacity", "alerts", "adopt"])
def test_a_table_that_is_not_one_is_one_problem_not_one_per_key_it_should_hold(table):
    # `state = 1`: its required keys are unknown, not missing; each would be the same problem again.
    assert problems(**{table: 1}) == [f"test.toml: {table}: expected a table{' ([alerts])' if table == 'alerts' else ''}"
                                      ", got 1"]


@pytest.mark.parametrize("table", ["services", "jobs", "worker_pools"])
def test_an_array_of_tables_that_is_not_one_makes_no_adopted_name_unknown(table):
    found = problems(**{table: "api", "adopt": {table: ["api"]}, "egress": {"mode": "direct"},
                        "network": {"direct_subnet_cidr": "10.124.64.0/24"}})
    assert found == [f'test.toml: {table}: expected an array of tables ([[{table}]]), got "api"']


def test_an_entry_that_is_not_a_table_is_one_problem():
    found = problems(services=[7, {"name": "api", "image": IMAGE}], nat={"rules": [7]})
    assert sorted(found) == ["test.toml: nat.rules[0]: expected a table ([[nat.rules]]), got 7",
                             "test.toml: services[0]: expected a table, got 7"]


def test_a_bootstrap_table_that_is_not_one_is_one_problem():
    from constructs_lib.config.bootstrap import parse_bootstrap

    with pytest.raises(ConfigError) as err:
        parse_bootstrap({"bootstrap": 1}, stack="state-bucket", source="state-bucket.toml")
    assert [str(p) for p in err.value.problems] == ["state-bucket.toml: bootstrap: expected a table, got 1"]


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key of a parsed file, tables and entries of arrays of tables included, as paths."""
    for key, value in (node.items() if isinstance(node, dict) else enumerate(node)):
        yield (*path, key)
        if isinstance(value, dict) or (isinstance(value, list) and value and all(isinstance(v, dict) for v in value)):
            yield from _paths(value, (*path, key))


def _shape(key: str) -> str:
    """A problem's key with each entry's name or index left out: services[api].image → services[].image."""
    return re.sub(r"\[[^\]]*\]", "[]", key)


# Every table a file may hold, jobs, worker pools, NAT rules and alerts included (direct mode: worker pools).
EVERY_TABLE = environment(
    egress={"mode": "direct", "static_ip_names": ["a-ip", "b-ip"], "standby_ips": ["c-ip"]},
    network={"direct_subnet_cidr": "10.124.64.0/24"},
    services=[{"name": "api", "image": IMAGE, "service_account": "api-runner@my-gcp-project.iam.gserviceaccount.com",
               "secrets": {"TOKEN": "token:latest"}, "env": {"A": "1"}, "labels": {"team": "x"},
               "min_instances": 1, "max_instances": 3}],
    jobs=[{"name": "settlement", "image": IMAGE, "service_account": "settlement@my-gcp-project.iam.gserviceaccount.com",
           "secrets": {"P": "p:latest"}}],
    worker_pools=[{"name": "sms", "image": IMAGE, "instances": 2}],
    adopt={"services": ["api"], "jobs": ["settlement"], "worker_pools": ["sms"]},
    alerts={"notification_channels": ["projects/my-gcp-project/notificationChannels/1"]},
    nat={"rules": [{"description": "p", "destinations": ["198.51.100.0/24"], "ips": ["b-ip"]}], "min_ports_per_vm": 64},
    capacity={"peak_connections_per_destination": 100},
)
EVERY_TABLE["network"].pop("subnet_cidr", None)
FILES = {**{p.stem: p for p in SHIPPED}, "every-table": None}


@pytest.mark.parametrize("name", sorted(FILES))
def test_one_wrong_value_anywhere_is_reported_under_its_own_key_only(name):
    # A value of the wrong kind at any key is that key's problem: no other key may be reported for it (a rule
    # reading the stand-in, a name adopt no longer finds, a required key of a table that is not one).
    path = FILES[name]
    doc = tomllib.loads(path.read_text(encoding="utf-8")) if path else copy.deepcopy(EVERY_TABLE)
    parse_environment(doc, stack="staging", source="t.toml")  # valid as it is
    elsewhere = []
    for where in _paths(doc):
        for wrong in (7, "", True, "x y", [3]):
            changed = copy.deepcopy(doc)
            target = changed
            for part in where[:-1]:
                target = target[part]
            if type(target[where[-1]]) is type(wrong):
                continue
            target[where[-1]] = wrong
            try:
                parse_environment(changed, stack="staging", source="t.toml")
                continue
            except ConfigError as err:
                keys = [p.key for p in err.problems]
            own = _shape("".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in where).lstrip("."))
            strays = [k for k in keys if not (_shape(k) == own or _shape(k).startswith((own + ".", own + "[")))]
            if strays:
                elsewhere.append(f"{'.'.join(map(str, where))} = {wrong!r}: also {strays}")
    assert elsewhere == []


@pytest.mark.parametrize("table", ["env", "secrets"])
def test_a_name_toml_would_quote_is_quoted_under_env_and_secrets_alike(table):
    # secrets.API.KEY read as the path secrets → API → KEY; env wrote env."API.KEY".
    value = "api-key:latest" if table == "secrets" else "x"
    found = problems(services=[{"name": "api", "image": "nginx", "service_account":
                                "app-runner@my-gcp-project.iam.gserviceaccount.com", table: {"API.KEY": value}}])
    assert [line.split(": expected")[0] for line in found] == [f'test.toml: services[api].{table}."API.KEY"']
