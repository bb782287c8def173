"""``[alerts]`` validation: no synth needed. The policies it synthesizes: tests/chain/test_alerts.py."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from constructs_lib.config.alerts import ALERT_KEYS
from constructs_lib.config import ConfigError
from tests.support.environments import ALERT_CHANNEL, HOST_ALERT_CHANNEL, alerts, config, direct, one_problem, problems

TOML_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1) | st.floats(allow_nan=False) | st.text(max_size=80)
    | st.sampled_from([ALERT_CHANNEL, HOST_ALERT_CHANNEL, "${x}", "#{TfToken[TOKEN.1]}"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12)


def test_no_alerts_table_means_no_alerts():
    assert config().alerts is None


def test_defaults_of_the_alerts_table():
    a = config(alerts=alerts()).alerts
    assert a.notification_channels == (ALERT_CHANNEL,)
    assert (a.allocation_failed_duration_sec, a.dropped_packets_threshold, a.dropped_packets_duration_sec) == (0, 0, 0)
    assert a.connector_instances_threshold is None
    assert (a.connector_instances_duration_sec, a.connector_cpu_percent, a.connector_cpu_duration_sec) == (300, 80, 300)


def test_alerts_need_at_least_one_channel():
    assert one_problem(alerts={"notification_channels": []}) == (
        "test.toml: alerts.notification_channels: expected a non-empty list of notification channels "
        "(a notification channel name: projects/<project>/notificationChannels/<numeric id>), got a list of 0")
    assert one_problem(alerts={}) == (
        "test.toml: alerts.notification_channels: expected a non-empty list of notification channels "
        "(a notification channel name: projects/<project>/notificationChannels/<numeric id>), got nothing (the key "
        "is missing)")


@pytest.mark.parametrize("channel", [
    "my-gcp-project/notificationChannels/1", "projects/my-gcp-project/notificationChannels/abc",
    "projects/my-gcp-project/notificationChannels/1/extra", "projects/P/notificationChannels/1",
    " projects/my-gcp-project/notificationChannels/1", "${file(\"/etc/passwd\")}", 42,
])
def test_fails_when_a_channel_is_not_a_channel_name(channel):
    found = one_problem(alerts={"notification_channels": [ALERT_CHANNEL, channel]})
    # The value as the file wrote it: a string quoted (its quotes escaped), a number bare.
    shown = {42: "42", '${file("/etc/passwd")}': '"${file(\\"/etc/passwd\\")}"'}.get(channel, f'"{channel}"')
    assert found == ("test.toml: alerts.notification_channels[1]: expected a notification channel name: "
                     f"projects/<project>/notificationChannels/<numeric id>, got {shown}")


def test_fails_when_a_channel_is_named_twice():
    assert one_problem(alerts={"notification_channels": [ALERT_CHANNEL, ALERT_CHANNEL]}) == (
        f'test.toml: alerts.notification_channels[1]: expected a channel not already at '
        f'alerts.notification_channels[0], got "{ALERT_CHANNEL}"')


def test_fails_when_a_channel_is_in_another_project():
    assert one_problem(alerts={"notification_channels": [ALERT_CHANNEL, HOST_ALERT_CHANNEL]}) == (
        f"test.toml: alerts.notification_channels[1]: expected a channel of project my-gcp-project (an alert policy "
        f'notifies only channels of its own project), got "{HOST_ALERT_CHANNEL}"')


def test_shared_vpc_needs_a_channel_in_each_project_of_the_policies():
    network = {"subnet_cidr": "10.124.0.0/28", "host_project": "host-project-1"}
    found = problems(network=network, alerts=alerts())
    assert found == ["test.toml: alerts.notification_channels: expected at least one channel of host-project-1, the "
                     "project of the NAT and of its alert policies, got none"]
    ok = config(network=network, alerts=alerts(notification_channels=[ALERT_CHANNEL, HOST_ALERT_CHANNEL])).alerts
    assert ok.channels_in("host-project-1") == (HOST_ALERT_CHANNEL,) and ok.channels_in("my-gcp-project") == (ALERT_CHANNEL,)


@pytest.mark.parametrize("key", ["allocation_failed_duration_sec", "dropped_packets_duration_sec",
                                 "connector_instances_duration_sec", "connector_cpu_duration_sec"])
@pytest.mark.parametrize("value, shown", [(-60, "-60"), (30, "30"), (86_460, "86460"), ("5m", '"5m"'), (True, "true")])
def test_fails_when_a_duration_is_not_whole_minutes_up_to_a_day(key, value, shown):
    assert one_problem(alerts=alerts(**{key: value})) == (
        f"test.toml: alerts.{key}: expected a whole number of minutes in seconds, from 0 to 86,400 (0, 60, 300 …), "
        f"got {shown}")


def test_thresholds_have_ranges():
    found = problems(alerts=alerts(dropped_packets_threshold=-1, connector_cpu_percent=0,
                                   connector_instances_threshold=11))
    assert found == [
        "test.toml: alerts.dropped_packets_threshold: expected packets dropped per minute, from 0 to 1,000,000,000, "
        "got -1",
        "test.toml: alerts.connector_instances_threshold: expected a number of connector instances from 3 to 10, "
        "got 11",
        "test.toml: alerts.connector_cpu_percent: expected a CPU utilization in percent, from 1 to 100, got 0",
    ]


def test_connector_instances_threshold_lies_between_the_connectors_min_and_max():
    assert one_problem(connector={"min_instances": 4, "max_instances": 6},
                       alerts=alerts(connector_instances_threshold=7)) == (
        "test.toml: alerts.connector_instances_threshold: expected a number of instances above "
        "connector.min_instances (4) and at most connector.max_instances (6), got 7")
    assert one_problem(connector={"min_instances": 4, "max_instances": 6},
                       alerts=alerts(connector_instances_threshold=4)) == (
        "test.toml: alerts.connector_instances_threshold: expected a number of instances above "
        "connector.min_instances (4) and at most connector.max_instances (6), got 4")


def test_no_connector_alert_settings_in_direct_mode():
    assert problems_of_direct(alerts=alerts(connector_cpu_percent=90)) == [
        'test.toml: alerts.connector_cpu_percent: expected no connector alert settings without a connector '
        '(egress.mode = "direct"), got a value']


def problems_of_direct(**changes: Any) -> list[str]:
    from constructs_lib.config import ConfigError

    with pytest.raises(ConfigError) as err:
        direct(**changes)
    return [str(p) for p in err.value.problems]


def test_alerts_that_is_not_a_table_is_one_problem():
    assert one_problem(alerts=["projects/my-gcp-project/notificationChannels/1"]) == (
        "test.toml: alerts: expected a table ([alerts]), got a list of 1")


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from([*ALERT_KEYS, "other"]), TOML_VALUES, max_size=6), st.booleans())
def test_any_alerts_table_is_accepted_or_a_list_of_problems(table, direct_mode):
    table = {k: v for k, v in table.items() if v is not None}
    changes: dict[str, Any] = {"alerts": table}
    if direct_mode:
        changes.update(egress={"mode": "direct"}, network={"subnet_cidr": "10.124.16.0/24"})
    try:
        cfg = config(**changes)
    except ConfigError as err:
        assert err.problems and all(p.key.startswith(("alerts", "(file)")) for p in err.problems), err
    else:
        assert cfg.alerts is not None and cfg.alerts.notification_channels


def test_fails_on_an_unknown_alerts_key():
    found = one_problem(alerts=alerts(port_usage_threshold=10))
    assert found.startswith("test.toml: alerts.port_usage_threshold: expected one of the known keys "
                            "(notification_channels, "), found
    assert found.endswith("got an unknown key (did you mean connector_instances_threshold?)"), found


def test_every_alert_problem_is_reported_at_once():
    found = problems(alerts={"notification_channels": ["nope"], "dropped_packets_duration_sec": 1,
                             "connector_cpu_percent": 101})
    assert [p.split(": ")[1] for p in found] == ["alerts.notification_channels[0]", "alerts.connector_cpu_percent",
                                                 "alerts.dropped_packets_duration_sec"]
